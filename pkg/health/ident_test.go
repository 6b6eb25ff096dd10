package health

import (
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// Every example of the reference (rockoon-sidecars.md §3, ident).
func TestIdentify(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		labels                 map[string]string
		wantApp, wantComponent string
	}{
		{"nova-compute-default", map[string]string{"application": "nova", "component": "compute"}, "nova", "compute-default"},
		{"nova-api-osapi", map[string]string{"application": "nova", "component": "os-api"}, "nova", "api-osapi"},
		{"mariadb-server", map[string]string{"application": "mariadb", "component": "server"}, "mariadb", "server"},
		{"openstack-memcached-memcached", map[string]string{"application": "memcached", "component": "server"}, "memcached", "memcached"},
		{"libvirt-libvirt-default", map[string]string{"application": "libvirt", "component": "libvirt"}, "libvirt", "libvirt-default"},
		// RabbitMQ: a service's own server belongs to the service.
		{"openstack-nova-rabbitmq-rabbitmq", map[string]string{"application": "rabbitmq", "component": "server"}, "nova", "rabbitmq"},
		// The shared one keeps its labels.
		{"openstack-rabbitmq-rabbitmq", map[string]string{"application": "rabbitmq", "component": "server"}, "rabbitmq", "server"},
		// A name without the application in it: the whole name.
		{"ovn-controller", map[string]string{"application": "openvswitch", "component": "ovn-controller"}, "openvswitch", "ovn-controller"},
		// No labels: both fall back to the name, which contains no
		// "<name>-": the whole name.
		{"etcd", nil, "etcd", "etcd"},
		// The application anywhere in the name, first occurrence.
		{"openstack-neutron-server", map[string]string{"application": "neutron"}, "neutron", "server"},
		// A rabbitmq server without a second token keeps its labels.
		{"rabbitmq", map[string]string{"application": "rabbitmq", "component": "server"}, "rabbitmq", "server"},
	} {
		app, comp := Identify(tc.name, tc.labels)
		if app != tc.wantApp || comp != tc.wantComponent {
			t.Errorf("Identify(%q, %v) = (%q, %q), want (%q, %q)", tc.name, tc.labels, app, comp, tc.wantApp, tc.wantComponent)
		}
	}
}

func TestDeploymentAndStatefulSetReady(t *testing.T) {
	for _, tc := range []struct {
		what                 string
		generation, observed int64
		replicas             *int32
		updated, ready       int32
		want                 bool
	}{
		{"all replicas updated and ready", 3, 3, ptr.To[int32](2), 2, 2, true},
		{"controller has not seen the spec", 4, 3, ptr.To[int32](2), 2, 2, false},
		{"rolling: one replica not updated", 3, 3, ptr.To[int32](2), 1, 2, false},
		{"one replica not ready", 3, 3, ptr.To[int32](2), 2, 1, false},
		// The original reports this Unhealthy (absent status fields).
		{"scaled to zero", 2, 2, ptr.To[int32](0), 0, 0, true},
		{"replicas defaulted to one", 1, 1, nil, 1, 1, true},
		{"surge: more updated than wanted", 2, 2, ptr.To[int32](1), 2, 1, false},
	} {
		d := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation}, Spec: appsv1.DeploymentSpec{Replicas: tc.replicas},
			Status: appsv1.DeploymentStatus{ObservedGeneration: tc.observed, UpdatedReplicas: tc.updated, ReadyReplicas: tc.ready}}
		if got := DeploymentReady(d); got != tc.want {
			t.Errorf("Deployment %s: ready %v, want %v", tc.what, got, tc.want)
		}
		s := &appsv1.StatefulSet{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation}, Spec: appsv1.StatefulSetSpec{Replicas: tc.replicas},
			Status: appsv1.StatefulSetStatus{ObservedGeneration: tc.observed, UpdatedReplicas: tc.updated, ReadyReplicas: tc.ready}}
		if got := StatefulSetReady(s); got != tc.want {
			t.Errorf("StatefulSet %s: ready %v, want %v", tc.what, got, tc.want)
		}
	}
}

func TestDaemonSetReady(t *testing.T) {
	for _, tc := range []struct {
		what                    string
		strategy                appsv1.DaemonSetUpdateStrategyType
		generation, observed    int64
		desired, ready, updated int32
		want                    bool
	}{
		{"rolling: every pod updated and ready", appsv1.RollingUpdateDaemonSetStrategyType, 2, 2, 3, 3, 3, true},
		{"controller has not seen the spec", appsv1.RollingUpdateDaemonSetStrategyType, 3, 2, 3, 3, 3, false},
		{"rolling: an updated pod not ready", appsv1.RollingUpdateDaemonSetStrategyType, 2, 2, 3, 2, 3, false},
		{"rolling: a pod not updated yet", appsv1.RollingUpdateDaemonSetStrategyType, 2, 2, 3, 3, 2, false},
		// The original calls this Ready (it never compares with desired).
		{"wants pods, none scheduled", appsv1.RollingUpdateDaemonSetStrategyType, 1, 1, 3, 0, 0, false},
		{"desires zero", appsv1.RollingUpdateDaemonSetStrategyType, 1, 1, 0, 0, 0, true},
		{"on delete: every scheduled pod ready, some old", appsv1.OnDeleteDaemonSetStrategyType, 2, 2, 3, 3, 1, true},
		{"on delete: a pod not ready", appsv1.OnDeleteDaemonSetStrategyType, 2, 2, 3, 2, 3, false},
		{"on delete: controller has not seen the spec", appsv1.OnDeleteDaemonSetStrategyType, 3, 2, 3, 3, 3, false},
	} {
		d := &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Generation: tc.generation},
			Spec:   appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: tc.strategy}},
			Status: appsv1.DaemonSetStatus{ObservedGeneration: tc.observed, DesiredNumberScheduled: tc.desired, NumberReady: tc.ready, UpdatedNumberScheduled: tc.updated}}
		if got := DaemonSetReady(d); got != tc.want {
			t.Errorf("DaemonSet %s: ready %v, want %v", tc.what, got, tc.want)
		}
	}
}

// The re-run copy of a Job keeps its spec and labels, less what the API
// server and the Job controller set (it could not be created otherwise).
func TestRerunnableJob(t *testing.T) {
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "octavia-create-resources", Namespace: "openstack", UID: "u1", ResourceVersion: "7",
			CreationTimestamp: metav1.Now(),
			Labels:            map[string]string{"application": "octavia", "controller-uid": "u1", batchv1.ControllerUidLabel: "u1"}},
		Spec: batchv1.JobSpec{
			BackoffLimit: ptr.To[int32](3),
			Selector:     &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: "u1"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{
				"application": "octavia", "controller-uid": "u1", batchv1.ControllerUidLabel: "u1", batchv1.JobNameLabel: "octavia-create-resources", "job-name": "octavia-create-resources",
			}}},
		},
		Status: batchv1.JobStatus{Succeeded: 1},
	}
	got := rerunnable(job)
	if got.UID != "" || got.ResourceVersion != "" || !got.CreationTimestamp.IsZero() || got.Spec.Selector != nil || got.Status.Succeeded != 0 {
		t.Errorf("server-set fields kept: %+v", got)
	}
	if len(got.Labels) != 1 || got.Labels["application"] != "octavia" || len(got.Spec.Template.Labels) != 1 || got.Spec.Template.Labels["application"] != "octavia" {
		t.Errorf("labels %v, template labels %v: want only application", got.Labels, got.Spec.Template.Labels)
	}
	if *got.Spec.BackoffLimit != 3 || got.Name != job.Name || got.Namespace != job.Namespace {
		t.Errorf("spec or identity lost: %+v", got)
	}
}
