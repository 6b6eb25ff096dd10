package health_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2/ktesting"
	"k8s.io/utils/ptr"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/health"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/testenv"
)

var (
	env  *testenv.Env
	kube kubernetes.Interface
	lcm  versioned.Interface
)

// The whole local cluster: workloads really roll out on a kwok node.
func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{ControllerManager: true, Scheduler: true, Kwok: true}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(e.Config)
		lcm = versioned.NewForConfigOrDie(e.Config)
		if _, err := e.FakeNode(context.Background(), "ctl-1", map[string]string{"openstack-control-plane": "enabled"}); err != nil {
			panic(err)
		}
	}))
}

// patchCounter counts the osdplst patches sent through it.
type patchCounter struct {
	mu    sync.Mutex
	count int
}

func (p *patchCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "/openstackdeploymentstatus/") {
			p.mu.Lock()
			p.count++
			p.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

func (p *patchCounter) n() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.count
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// cloud creates the namespace, an osdpl and its osdplst (as osdpl would),
// and runs the health binary's work over it.
func cloud(t *testing.T, ns string) (*lcmv1alpha1.OpenStackDeployment, *patchCounter, *operator.Runtime) {
	t.Helper()
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	o := &lcmv1alpha1.OpenStackDeployment{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: ns},
		Spec: lcmv1alpha1.OpenStackDeploymentSpec{OpenStackVersion: "epoxy", Preset: "core", Size: "single", PublicDomainName: "cloud.example.test"}}
	o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, o, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	st := &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: ns,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "lcm.mirantis.com/v1alpha1", Kind: "OpenStackDeployment", Name: o.Name, UID: o.UID, Controller: ptr.To(true)}}},
		Status: lcmv1alpha1.LCMStatus{OSDPL: &lcmv1alpha1.OSDPLState{State: lcmv1alpha1.StateApplying}}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Create(ctx, st, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	patches := &patchCounter{}
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(patches.wrap)
	opts := operator.NewOptions("health", 0)
	opts.Namespace, opts.LeaderElect = ns, false
	opts.MetricsBindAddress, opts.HealthBindAddress = "127.0.0.1:0", "127.0.0.1:0"
	rt := operator.NewRuntimeForConfig(opts, cfg)
	_, tctx := ktesting.NewTestContext(t)
	tctx, cancel := context.WithCancel(tctx)
	done := make(chan error, 1)
	go func() {
		done <- rt.Run(tctx, func(ctx context.Context) error { return health.Run(ctx, rt, time.Minute) })
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("health run: %v", err)
		}
	})
	return o, patches, rt
}

func deployment(name, app, component string, replicas int32, nodeSelector map[string]string) *appsv1.Deployment {
	sel := map[string]string{"workload": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"application": app, "component": component}},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: sel},
				Spec: corev1.PodSpec{
					NodeSelector: nodeSelector,
					Containers:   []corev1.Container{{Name: "c", Image: "example.invalid/" + app + ":1"}},
				},
			},
		},
	}
}

// daemonSet is a DaemonSet of application/component on the nodes of
// nodeSelector.
func daemonSet(name, app, component string, nodeSelector map[string]string) *appsv1.DaemonSet {
	sel := map[string]string{"workload": name}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"application": app, "component": component}},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: sel},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: sel}, Spec: corev1.PodSpec{
				NodeSelector: nodeSelector, Containers: []corev1.Container{{Name: "c", Image: "example.invalid/" + app + ":1"}}}},
		},
	}
}

var controlPlane = map[string]string{"openstack-control-plane": "enabled"}

// waitHealth polls the osdplst until ok holds.
func waitHealth(t *testing.T, ns string, timeout time.Duration, what string, ok func(*lcmv1alpha1.LCMStatus) bool) *lcmv1alpha1.LCMStatus {
	t.Helper()
	var last *lcmv1alpha1.LCMStatus
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, "lab", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = &st.Status
		return ok(last), nil
	})
	if err != nil {
		t.Fatalf("%s: not within %s; status health %+v osdpl %+v", what, timeout, last.Health, last.OSDPL)
	}
	return last
}

func component(s *lcmv1alpha1.LCMStatus, app, comp string) string {
	return s.Health[app][comp].Status
}

func waitEvent(t *testing.T, ns, fragment string) {
	t.Helper()
	var seen []string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		seen = seen[:0]
		for _, e := range list.Items {
			s := e.Type + " " + e.Reason + ": " + e.Message
			seen = append(seen, s)
			if strings.Contains(s, fragment) && e.InvolvedObject.Kind == "OpenStackDeployment" {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("no Event %q on the osdpl in %v", fragment, seen)
	}
}

// Workloads rolled out by the real controllers on a kwok node: Ready
// entries with the original's identification, the HEALTH summary, an
// unhealthy component and its Warning, recovery, deletion.
func TestHealthFollowsRollouts(t *testing.T) {
	ns := "health"
	_, patches, rt := cloud(t, ns)
	ctx := context.Background()
	apps := kube.AppsV1()
	for _, d := range []*appsv1.Deployment{
		deployment("keystone-api", "keystone", "api", 2, controlPlane),
		deployment("openstack-memcached-memcached", "memcached", "server", 1, controlPlane),
		deployment("glance-api", "glance", "api", 0, controlPlane),
	} {
		if _, err := apps.Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	ds := daemonSet("openvswitch-vswitchd", "openvswitch", "openvswitch-vswitchd", controlPlane)
	if _, err := apps.DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	st := waitHealth(t, ns, 60*time.Second, "every workload Ready", func(s *lcmv1alpha1.LCMStatus) bool {
		return s.OSDPL != nil && s.OSDPL.Health == "4/4"
	})
	for _, want := range [][3]string{
		{"keystone", "api"}, {"memcached", "memcached"}, {"glance", "api"}, {"openvswitch", "vswitchd"},
	} {
		if got := component(st, want[0], want[1]); got != health.Ready {
			t.Errorf("health.%s.%s = %q, want Ready (%+v)", want[0], want[1], got, st.Health)
		}
	}
	if g := st.Health["keystone"]["api"].Generation; g < 1 {
		t.Errorf("keystone api generation %d", g)
	}
	if st.OSDPL.State != lcmv1alpha1.StateApplying {
		t.Errorf("health changed osdpl's members: %+v", st.OSDPL)
	}
	waitEvent(t, ns, "Normal ApplicationReady: application keystone is Ready")

	// keystone's new pods cannot be scheduled: the rollout stalls, the
	// application is Unhealthy, a Warning names the component; HEALTH
	// counts it out.
	if _, err := apps.Deployments(ns).Patch(ctx, "keystone-api", "application/merge-patch+json",
		[]byte(`{"spec":{"template":{"spec":{"nodeSelector":{"openstack-control-plane":"nowhere"}}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, ns, 30*time.Second, "keystone Unhealthy", func(s *lcmv1alpha1.LCMStatus) bool {
		return component(s, "keystone", "api") == health.Unhealthy && s.OSDPL.Health == "3/4"
	})
	waitEvent(t, ns, "Warning ApplicationUnhealthy: application keystone is Unhealthy: api")
	body := metricsBody(t, rt)
	for _, want := range []string{
		`rockoon_health_component_ready{application="keystone",component="api"} 0`,
		`rockoon_health_component_ready{application="memcached",component="memcached"} 1`,
		"rockoon_health_last_patch_timestamp_seconds",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q", want)
		}
	}

	// Back to a schedulable template: Ready again, a Normal Event.
	if _, err := apps.Deployments(ns).Patch(ctx, "keystone-api", "application/merge-patch+json",
		[]byte(`{"spec":{"template":{"spec":{"nodeSelector":{"openstack-control-plane":"enabled"}}}}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, ns, 60*time.Second, "keystone Ready again", func(s *lcmv1alpha1.LCMStatus) bool {
		return component(s, "keystone", "api") == health.Ready && s.OSDPL.Health == "4/4"
	})

	// Deleted workloads lose their entries (and the application its key).
	if err := apps.Deployments(ns).Delete(ctx, "glance-api", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	st = waitHealth(t, ns, 30*time.Second, "glance gone", func(s *lcmv1alpha1.LCMStatus) bool {
		_, ok := s.Health["glance"]
		return !ok && s.OSDPL.Health == "3/3"
	})
	if strings.Contains(metricsBody(t, rt), `application="glance"`) {
		t.Error("a deleted component is still in the metrics")
	}

	// At rest nothing is written.
	before := patches.n()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Second, true, func(context.Context) (bool, error) {
		return patches.n() != before, nil
	}); err == nil {
		t.Errorf("health wrote %d patches with nothing changing", patches.n()-before)
	}
}

// Many workloads changing at once are published in a few patches, not
// one per object.
func TestHealthBatchesChanges(t *testing.T) {
	ns := "batched"
	_, patches, _ := cloud(t, ns)
	ctx := context.Background()
	const n = 20
	// Zero replicas: Ready at once, no pods, so the only changes are the
	// creations and the controllers' status updates.
	for i := range n {
		if _, err := kube.AppsV1().Deployments(ns).Create(ctx, deployment(fmt.Sprintf("svc%02d-api", i), fmt.Sprintf("svc%02d", i), "api", 0, controlPlane), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	waitHealth(t, ns, 30*time.Second, "every application Ready", func(s *lcmv1alpha1.LCMStatus) bool {
		return s.OSDPL.Health == fmt.Sprintf("%d/%d", n, n)
	})
	t.Logf("%d workloads created and rolled out: %d osdplst patches", n, patches.n())
	if patches.n() > n/2 {
		t.Errorf("%d patches for %d workloads: changes are not batched", patches.n(), n)
	}
}

// Workloads adopted from the original lose its health finalizer (their
// deletion would hang on it), and keep the others.
func TestLegacyFinalizerRemoved(t *testing.T) {
	ns := "adopted"
	cloud(t, ns)
	ctx := context.Background()
	d := deployment("nova-api-osapi", "nova", "api", 0, controlPlane)
	d.Finalizers = []string{health.LegacyFinalizers[0], "example.com/keep"}
	if _, err := kube.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := kube.AppsV1().Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return strings.Join(got.Finalizers, ",") == "example.com/keep", nil
	})
	if err != nil {
		got, _ := kube.AppsV1().Deployments(ns).Get(ctx, d.Name, metav1.GetOptions{})
		t.Fatalf("finalizers %v, want only example.com/keep", got.Finalizers)
	}
	// Let the namespace go.
	if _, err := kube.AppsV1().Deployments(ns).Patch(ctx, d.Name, "application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

func metricsBody(t *testing.T, rt *operator.Runtime) string {
	t.Helper()
	var addr string
	for _, a := range rt.Addrs() {
		addr = a.String()
		break
	}
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A node added under nova-compute-default (its desired pod count grows)
// runs the nova cell setup once it is Ready: a Job from the CronJob,
// owned by it, deleted once complete. Nothing runs at first sight.
func TestNovaCellSetupOnNewCompute(t *testing.T) {
	ns := "hooks"
	cloud(t, ns)
	ctx := context.Background()
	computes := map[string]string{"openstack-compute-node": "hooks"}
	if _, err := env.FakeNode(ctx, "cmp-hooks-1", computes); err != nil {
		t.Fatal(err)
	}
	podSpec := corev1.PodSpec{NodeSelector: computes, RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "c", Image: "example.invalid/nova:1"}}}
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: health.NovaCellSetupCronJob},
		Spec: batchv1.CronJobSpec{Schedule: "0 0 1 1 *", Suspend: ptr.To(true), JobTemplate: batchv1.JobTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"application": "nova", "component": "cell-setup"}},
			Spec:       batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: podSpec}},
		}},
	}
	if _, err := kube.BatchV1().CronJobs(ns).Create(ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	jobs, err := kube.BatchV1().Jobs(ns).Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer jobs.Stop()
	ds := daemonSet("nova-compute-default", "nova", "compute", computes)
	if _, err := kube.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := kube.AppsV1().DaemonSets(ns).Get(ctx, ds.Name, metav1.GetOptions{})
		return err == nil && got.Status.DesiredNumberScheduled == 1 && health.DaemonSetReady(got), err
	}); err != nil {
		t.Fatalf("nova-compute-default not Ready on one node: %v", err)
	}
	waitHealth(t, ns, 60*time.Second, "nova-compute Ready on one node", func(s *lcmv1alpha1.LCMStatus) bool {
		return component(s, "nova", "compute-default") == health.Ready
	})
	// The first rollout may count as growth (0 → 1 node) if the health
	// binary saw the DaemonSet before it was scheduled: let any such run
	// finish, then forget it.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := kube.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
		return err == nil && len(list.Items) == 0, err
	}); err != nil {
		t.Fatalf("a Job of the first rollout is not cleaned up: %v", err)
	}
	for drained := false; !drained; {
		select {
		case <-jobs.ResultChan():
		case <-time.After(500 * time.Millisecond):
			drained = true
		}
	}
	// A second compute node.
	if _, err := env.FakeNode(ctx, "cmp-hooks-2", computes); err != nil {
		t.Fatal(err)
	}
	created, deleted := "", false
	timeout := time.After(90 * time.Second)
	for !deleted {
		select {
		case ev := <-jobs.ResultChan():
			job, ok := ev.Object.(*batchv1.Job)
			if !ok {
				continue
			}
			switch {
			case ev.Type == "ADDED":
				if created != "" {
					t.Fatalf("a second Job %s (after %s): the hook ran twice", job.Name, created)
				}
				created = job.Name
				if !strings.HasPrefix(job.Name, health.NovaCellSetupCronJob+"-") || len(job.Name) != len(health.NovaCellSetupCronJob)+11 || strings.Contains(job.Name[len(health.NovaCellSetupCronJob)+1:], "o") {
					t.Errorf("Job name %q: want nova-cell-setup-<10 of [a-z0-9] without o>", job.Name)
				}
				if ref := metav1.GetControllerOf(job); ref == nil || ref.Kind != "CronJob" || ref.Name != health.NovaCellSetupCronJob {
					t.Errorf("Job %s owner %+v, want the CronJob", job.Name, job.OwnerReferences)
				}
			case ev.Type == "DELETED" && job.Name == created:
				deleted = true
			}
		case <-timeout:
			t.Fatalf("no nova cell setup Job run and deleted after the node was added (created %q)", created)
		}
	}
	// No new node: no new run (the next batches see the settled size).
	waitHealth(t, ns, 30*time.Second, "nova-compute Ready on two nodes", func(s *lcmv1alpha1.LCMStatus) bool {
		return component(s, "nova", "compute-default") == health.Ready
	})
	list, err := kube.BatchV1().Jobs(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range list.Items {
		if j.DeletionTimestamp == nil {
			t.Errorf("Job %s left behind", j.Name)
		}
	}
}

// octavia-health-manager-default growing while not Ready (a new node whose
// health manager cannot start) re-runs the completed
// octavia-create-resources Job: deleted, then created again under the same
// name from its own spec.
func TestOctaviaResourcesRerunOnNewNode(t *testing.T) {
	ns := "octavia"
	cloud(t, ns)
	ctx := context.Background()
	role := map[string]string{"octavia-test": "enabled"}
	if _, err := env.FakeNode(ctx, "oct-1", role); err != nil {
		t.Fatal(err)
	}
	ds := daemonSet("octavia-health-manager-default", "octavia", "health-manager", role)
	// More than a node has: never scheduled, so never Ready.
	ds.Spec.Template.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100")}
	if _, err := kube.AppsV1().DaemonSets(ns).Create(ctx, ds, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitHealth(t, ns, 30*time.Second, "octavia health manager seen on one node", func(s *lcmv1alpha1.LCMStatus) bool {
		h, ok := s.Health["octavia"]["health-manager-default"]
		return ok && h.Generation >= 1 && h.Status == health.Unhealthy
	})
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: health.OctaviaCreateResourcesJob, Labels: map[string]string{"application": "octavia", "component": "create-resources"}},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
			NodeSelector: controlPlane, Containers: []corev1.Container{{Name: "c", Image: "example.invalid/octavia:1"}}}}},
	}
	first, err := kube.BatchV1().Jobs(ns).Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	complete := func(uid string) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			j, err := kube.BatchV1().Jobs(ns).Get(ctx, health.OctaviaCreateResourcesJob, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			if uid != "" && string(j.UID) == uid {
				return false, nil
			}
			for _, c := range j.Status.Conditions {
				if c.Type == batchv1.JobComplete && c.Status == corev1.ConditionTrue {
					return true, nil
				}
			}
			return false, nil
		}
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, complete("")); err != nil {
		t.Fatal("the first octavia-create-resources Job did not complete")
	}
	if _, err := env.FakeNode(ctx, "oct-2", role); err != nil {
		t.Fatal(err)
	}
	// Re-run: a Job of the same name, another UID, complete again.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, complete(string(first.UID))); err != nil {
		j, _ := kube.BatchV1().Jobs(ns).Get(ctx, health.OctaviaCreateResourcesJob, metav1.GetOptions{})
		t.Fatalf("octavia-create-resources not re-run after the node was added: %+v", j)
	}
	again, err := kube.BatchV1().Jobs(ns).Get(ctx, health.OctaviaCreateResourcesJob, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if again.Labels["component"] != "create-resources" || again.Spec.Template.Spec.Containers[0].Image != "example.invalid/octavia:1" {
		t.Errorf("the re-run Job lost its labels or spec: %+v", again)
	}
}
