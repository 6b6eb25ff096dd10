// Package e2e runs the binaries' work together on a local cluster where
// workloads really roll out (kube-controller-manager, kube-scheduler and
// kwok nodes), with the real charts.
package e2e

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2/ktesting"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/health"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/testenv"
)

// The OpenStack node roles of the charts' node selectors.
var roles = map[string]string{
	"openstack-control-plane": "enabled", "openstack-compute-node": "enabled", "openvswitch": "enabled",
	"openstack-gateway": "enabled", "kubernetes.io/os": "linux",
}

const spec = `
apiVersion: lcm.mirantis.com/v1alpha1
kind: OpenStackDeployment
metadata: {name: lab}
spec:
  openstack_version: epoxy
  preset: core
  size: single
  public_domain_name: cloud.example.test
  local_volume_storage_class: local-path
  features:
    services: ["~app-gateway", "~compute", "~dashboard", "~image", "~ingress", "~networking", "~placement", "~coordination"]
    ssl:
      public_endpoints:
        ca_cert:  {value_from: {secret_key_ref: {name: lab-tls, key: ca_cert}}}
        api_cert: {value_from: {secret_key_ref: {name: lab-tls, key: api_cert}}}
        api_key:  {value_from: {secret_key_ref: {name: lab-tls, key: api_key}}}
    neutron: {tunnel_interface: eth1}
    nova: {live_migration_interface: eth1}
`

// run runs work under a runtime of component (no leader election) until
// the test ends.
func run(t testing.TB, env *testenv.Env, ns, component string, work func(ctx context.Context, rt *operator.Runtime) error) {
	t.Helper()
	opts := operator.NewOptions(component, 0)
	opts.Namespace, opts.LeaderElect = ns, false
	opts.MetricsBindAddress, opts.HealthBindAddress = "0", "0"
	rt := operator.NewRuntimeForConfig(opts, env.Config)
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rt.Run(ctx, func(ctx context.Context) error { return work(ctx, rt) }) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("%s: %v", component, err)
		}
	})
}

// cluster starts a kwok cluster (opts plus controller-manager, scheduler
// and kwok) with two fake nodes of nodeRoles, 16 local volumes of the
// class the specs name, namespace ns and the Secrets of the cloud.
func cluster(tb testing.TB, opts testenv.Options, nodeRoles map[string]string, ns string, secrets ...*corev1.Secret) (*testenv.Env, kubernetes.Interface, versioned.Interface) {
	tb.Helper()
	opts.ControllerManager, opts.Scheduler, opts.Kwok, opts.StartTimeout = true, true, true, 2*time.Minute
	env := testenv.New(tb, opts)
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(env.Config)
	for i := range 2 {
		if _, err := env.FakeNode(ctx, fmt.Sprintf("node-%d", i), nodeRoles); err != nil {
			tb.Fatal(err)
		}
	}
	// No provisioner runs here: claims bind to pre-created volumes.
	if err := env.LocalVolumes(ctx, "local-path", 16); err != nil {
		tb.Fatal(err)
	}
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
	for _, s := range secrets {
		if _, err := kube.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			tb.Fatal(err)
		}
	}
	return env, kube, versioned.NewForConfigOrDie(env.Config)
}

// runBinaries runs the health binary's and osdpl's work (waves gated on
// health, looked at every 0.5 s; cfg adds to it) over the real charts.
func runBinaries(tb testing.TB, env *testenv.Env, ns, charts string, cfg osdpl.Config) {
	tb.Helper()
	cfg.ImagesBaseURL, cfg.WaitHealthy, cfg.HealthDelay = "reg.example", true, 500*time.Millisecond
	run(tb, env, ns, "health", func(ctx context.Context, rt *operator.Runtime) error { return health.Run(ctx, rt, time.Minute) })
	run(tb, env, ns, "osdpl", func(ctx context.Context, rt *operator.Runtime) error {
		return osdpl.Run(ctx, rt, cfg, helm.Options{ChartsDir: charts, DisableHooks: true, Timeout: 5 * time.Minute, MaxParallel: 4})
	})
}

// TestRolloutWaitsForHealth: osdpl and health on a kwok cluster with the
// real charts. The infrastructure wave's workloads (MariaDB, RabbitMQ,
// memcached) are held unschedulable (no node has the control plane role):
// osdpl waits and does not install identity. Once the role is given they
// roll out; identity is installed only after they are Ready, as the health
// binary reports them, and the cloud ends APPLIED with every application
// Ready. Held past the readiness timeout, the osdpl is Degraded with a
// Warning, cleared by APPLIED. The time per wave is logged.
func TestRolloutWaitsForHealth(t *testing.T) {
	charts := testenv.SharedCharts(t)
	// The control plane role is given later: until then the
	// infrastructure's pods cannot be scheduled.
	workers := maps.Clone(roles)
	delete(workers, "openstack-control-plane")
	ns := "openstack"
	tls := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "lab-tls", Labels: map[string]string{lcmv1alpha1.OSDPLSecretLabel: "true"}},
		Data:       map[string][]byte{"ca_cert": []byte("CA"), "api_cert": []byte("CRT"), "api_key": []byte("KEY")},
	}
	env, kube, lcm := cluster(t, testenv.Options{}, workers, ns, tls)
	ctx := context.Background()

	// Every release installed, and when: the Helm records.
	var mu sync.Mutex
	installed := map[string]time.Time{}
	w, err := kube.CoreV1().Secrets(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	go func() {
		for ev := range w.ResultChan() {
			if s, ok := ev.Object.(*corev1.Secret); ok && ev.Type != watch.Deleted && s.Labels["status"] == "deployed" {
				mu.Lock()
				if _, seen := installed[s.Labels["name"]]; !seen {
					installed[s.Labels["name"]] = time.Now()
				}
				mu.Unlock()
			}
		}
	}()
	// The health of the infrastructure applications, first seen Ready.
	readyAt := map[string]time.Time{}

	runBinaries(t, env, ns, charts, osdpl.Config{ControllerHost: "e2e", HealthTimeout: 2 * time.Second})
	var o lcmv1alpha1.OpenStackDeployment
	if err := yaml.Unmarshal([]byte(spec), &o); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, &o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var last *lcmv1alpha1.OpenStackDeploymentStatus
	// Held: the infrastructure wave is installed but not Ready, so
	// identity waits.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, "lab", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = st
		return st.Status.OSDPL != nil && st.Status.OSDPL.State == lcmv1alpha1.StateWaiting && strings.Contains(st.Status.OSDPL.Cause, "before wave 1"), nil
	})
	if err != nil {
		t.Fatalf("not waiting for the infrastructure: %+v", last)
	}
	held := time.Now()
	// Give a controller that does not wait time to install identity.
	time.Sleep(3 * time.Second)
	mu.Lock()
	_, early := installed["openstack-keystone"]
	mu.Unlock()
	if early {
		t.Fatal("keystone installed while the infrastructure cannot even be scheduled")
	}
	t.Logf("held %.1f s after the create: %s", held.Sub(start).Seconds(), last.Status.OSDPL.Cause)
	// Held past the readiness timeout (2 s): Degraded, with a Warning.
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(o.Status.Conditions, lcmv1alpha1.ConditionDegraded)
		return c != nil && c.Status == metav1.ConditionTrue && c.Reason == "NotHealthy" && strings.Contains(c.Message, "mariadb after 2s"), nil
	}); err != nil {
		t.Fatal("held past the readiness timeout, the osdpl is not Degraded naming mariadb")
	}
	events, err := kube.CoreV1().Events(ns).List(ctx, metav1.ListOptions{FieldSelector: "reason=NotHealthy"})
	if err != nil || len(events.Items) == 0 || events.Items[0].Type != corev1.EventTypeWarning {
		t.Errorf("no Warning NotHealthy Event: %v %v", events, err)
	}
	for i := range 2 {
		patch := []byte(`{"metadata":{"labels":{"openstack-control-plane":"enabled"}}}`)
		if _, err := kube.CoreV1().Nodes().Patch(ctx, fmt.Sprintf("node-%d", i), types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	released := time.Now()
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 5*time.Minute, true, func(ctx context.Context) (bool, error) {
		st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, "lab", metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		last = st
		for app, comps := range st.Status.Health {
			if _, seen := readyAt[app]; !seen && health.ApplicationReady(comps) {
				readyAt[app] = time.Now()
			}
		}
		return st.Status.OSDPL != nil && st.Status.OSDPL.State == lcmv1alpha1.StateApplied, nil
	})
	if err != nil {
		pods, _ := kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		for _, p := range pods.Items {
			if p.Status.Phase != corev1.PodRunning && p.Status.Phase != corev1.PodSucceeded {
				t.Logf("pod %s: %s %+v", p.Name, p.Status.Phase, p.Status.Conditions)
			}
		}
		if last != nil {
			t.Fatalf("not APPLIED within 5 min: osdpl %+v health %+v", last.Status.OSDPL, last.Status.Health)
		}
		t.Fatal("no osdplst")
	}
	total := time.Since(released)
	mu.Lock()
	defer mu.Unlock()
	keystone, ok := installed["openstack-keystone"]
	if !ok {
		t.Fatalf("keystone not installed: %v", installed)
	}
	for _, app := range []string{"mariadb", "rabbitmq", "memcached"} {
		r, ok := readyAt[app]
		if !ok {
			t.Fatalf("%s never seen Ready (health %v)", app, last.Status.Health)
		}
		if keystone.Before(r) {
			t.Errorf("keystone installed %s before %s was Ready", r.Sub(keystone), app)
		}
	}
	if !health.ApplicationReady(last.Status.Health["keystone"]) {
		t.Errorf("APPLIED while keystone is not Ready: %v", last.Status.Health["keystone"])
	}
	if o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{}); err != nil || meta.IsStatusConditionTrue(o.Status.Conditions, lcmv1alpha1.ConditionDegraded) {
		t.Errorf("still Degraded once APPLIED: %v", err)
	}
	var lines []string
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for n := range installed {
			if !yield(n) {
				return
			}
		}
	}) {
		lines = append(lines, fmt.Sprintf("%s installed at %+.1f s", name, installed[name].Sub(released).Seconds()))
	}
	for _, app := range []string{"mariadb", "rabbitmq", "memcached", "keystone"} {
		if r, ok := readyAt[app]; ok {
			lines = append(lines, fmt.Sprintf("%s Ready at %+.1f s", app, r.Sub(released).Seconds()))
		}
	}
	t.Logf("rollout with health gating (times from the control plane role given): APPLIED after %.1f s, HEALTH %s\n%s", total.Seconds(), last.Status.OSDPL.Health, strings.Join(lines, "\n"))
}
