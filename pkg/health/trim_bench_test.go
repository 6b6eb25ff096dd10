package health

import (
	"fmt"
	"runtime"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// chartLikeDeployment is a Deployment the size of an openstack-helm one:
// a few containers with environment, mounts and probes, many volumes,
// managed fields and annotations.
func chartLikeDeployment(i int) *appsv1.Deployment {
	var env []corev1.EnvVar
	var mounts []corev1.VolumeMount
	var volumes []corev1.Volume
	for j := range 20 {
		env = append(env, corev1.EnvVar{Name: fmt.Sprintf("ENV_%d", j), Value: fmt.Sprintf("value-%d-%d", i, j)})
		mounts = append(mounts, corev1.VolumeMount{Name: fmt.Sprintf("v%d", j), MountPath: fmt.Sprintf("/etc/service/conf-%d.conf", j), SubPath: fmt.Sprintf("conf-%d.conf", j), ReadOnly: true})
		volumes = append(volumes, corev1.Volume{Name: fmt.Sprintf("v%d", j), VolumeSource: corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: fmt.Sprintf("svc-etc-%d", j), DefaultMode: ptr.To[int32](0o444)}}})
	}
	c := corev1.Container{Name: "api", Image: "registry.example/openstack/keystone:epoxy-20260101", Command: []string{"/tmp/keystone-api.sh", "start"},
		Env: env, VolumeMounts: mounts,
		Resources:      corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/v3", Port: intstr.FromInt32(5000)}}, PeriodSeconds: 15}}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("svc%d-api", i), Namespace: "openstack", Generation: 3,
			Labels:        map[string]string{"application": fmt.Sprintf("svc%d", i), "component": "api", "release_group": "openstack-svc"},
			Annotations:   map[string]string{"configmap-bin-hash": "0123456789abcdef0123456789abcdef", "configmap-etc-hash": "fedcba9876543210fedcba9876543210", "meta.helm.sh/release-name": "openstack-svc"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "helm", Operation: metav1.ManagedFieldsOperationUpdate, FieldsV1: &metav1.FieldsV1{Raw: make([]byte, 6000)}}}},
		Spec: appsv1.DeploymentSpec{Replicas: ptr.To[int32](3), Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"application": "svc", "component": "api"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"application": "svc", "component": "api"}},
				Spec: corev1.PodSpec{Containers: []corev1.Container{c, c}, InitContainers: []corev1.Container{c}, Volumes: volumes}}},
		Status: appsv1.DeploymentStatus{ObservedGeneration: 3, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3},
	}
}

// retained is the heap kept by n workloads made by mk and passed through
// transform, in bytes per workload.
func retained(n int, transform func(any) (any, error)) float64 {
	keep := make([]any, n)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for i := range n {
		keep[i], _ = transform(chartLikeDeployment(i))
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(keep)
	return float64(after.HeapAlloc-before.HeapAlloc) / float64(n)
}

// BenchmarkTrimmedCache reports the memory a cached Deployment takes with
// and without Trim (1000 chart-like Deployments).
func BenchmarkTrimmedCache(b *testing.B) {
	var full, trimmed float64
	for b.Loop() {
		full = retained(1000, func(o any) (any, error) { return o, nil })
		trimmed = retained(1000, Trim)
	}
	b.ReportMetric(full, "B/full-workload")
	b.ReportMetric(trimmed, "B/trimmed-workload")
}

// Trim keeps what health reads and drops what it does not.
func TestTrimKeepsWhatHealthReads(t *testing.T) {
	d := chartLikeDeployment(1)
	out, err := Trim(d.DeepCopy())
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*appsv1.Deployment)
	if DeploymentReady(got) != DeploymentReady(d) || got.Name != d.Name || got.Labels["application"] != "svc1" || *got.Spec.Replicas != 3 || got.Generation != 3 {
		t.Errorf("trimmed away what health reads: %+v", got)
	}
	if len(got.Spec.Template.Spec.Containers) != 0 || got.ManagedFields != nil || got.Annotations != nil {
		t.Errorf("kept what health does not read: %+v", got.ObjectMeta)
	}
}
