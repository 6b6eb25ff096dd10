package osdpl_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2/ktesting"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/testenv"
)

var (
	env  *testenv.Env
	kube kubernetes.Interface
	lcm  versioned.Interface
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{GatewayCRDs: true}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(env.Config)
		lcm = versioned.NewForConfigOrDie(env.Config)
	}))
}

// memReleases records releases like Helm storage does: a new revision only
// when the values change.
type memReleases struct {
	mu        sync.Mutex
	digests   map[string]string
	revisions map[string]int
	values    map[string]map[string]any
}

func newMemReleases() *memReleases {
	return &memReleases{digests: map[string]string{}, revisions: map[string]int{}, values: map[string]map[string]any{}}
}

func (m *memReleases) Apply(_ context.Context, r render.Release) (bool, error) {
	b, _ := json.Marshal(r.Values)
	d := fmt.Sprintf("%s/%x", r.Chart, sha256.Sum256(b))
	m.mu.Lock()
	defer m.mu.Unlock()
	key := r.Namespace + "/" + r.Name
	if m.digests[key] == d {
		return false, nil
	}
	m.digests[key] = d
	m.revisions[key]++
	m.values[key] = r.Values
	return true, nil
}

func (m *memReleases) Plan(_ context.Context, r render.Release) (bool, error) {
	b, _ := json.Marshal(r.Values)
	d := fmt.Sprintf("%s/%x", r.Chart, sha256.Sum256(b))
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.digests[r.Namespace+"/"+r.Name] != d, nil
}

func (m *memReleases) Values(_ context.Context, ns, name string) (map[string]any, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.values[ns+"/"+name]
	if !ok {
		return nil, nil
	}
	b, _ := json.Marshal(v)
	out := map[string]any{}
	return out, json.Unmarshal(b, &out)
}

func (m *memReleases) Uninstall(_ context.Context, ns, name string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := ns + "/" + name
	_, ok := m.digests[key]
	delete(m.digests, key)
	delete(m.revisions, key)
	delete(m.values, key)
	return ok, nil
}

func (m *memReleases) snapshot() map[string]int {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int{}
	for k, v := range m.revisions {
		out[k] = v
	}
	return out
}

func (m *memReleases) names() []string {
	var out []string
	for k := range m.snapshot() {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// run starts a controller for ns; the returned func stops it and waits.
func run(t *testing.T, ns string, rel osdpl.Releases) func() {
	t.Helper()
	return runWith(t, osdpl.Config{Namespace: ns}, rel)
}

// runWith runs the controller with cfg (Namespace set; test defaults for
// the rest).
func runWith(t testing.TB, cfg osdpl.Config, rel osdpl.Releases) func() {
	t.Helper()
	stop, _ := runObserved(t, cfg, rel)
	return stop
}

// observed is what runObserved lets a test see of one controller: the
// write requests its clients sent and its metrics.
type observed struct {
	writes  *writeCounter
	metrics *operator.Metrics
}

// syncs is the number of finished syncs with the given result (success,
// error, requeue).
func (o observed) syncs(t testing.TB, result string) int {
	t.Helper()
	mfs, err := o.metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() != "rockoon_controller_sync_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "result" && l.GetValue() == result {
					n += int(m.GetCounter().GetValue())
				}
			}
		}
	}
	return n
}

// writeCounter counts the requests that are not reads (create, update,
// patch, delete), by method and path.
type writeCounter struct {
	mu   sync.Mutex
	reqs []string
}

func (w *writeCounter) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			what := r.Method + " " + r.URL.Path
			if r.Method == http.MethodPatch && r.GetBody != nil {
				// The patch itself says what the writer saw as changed.
				if body, err := r.GetBody(); err == nil {
					b, _ := io.ReadAll(io.LimitReader(body, 512))
					what += " " + string(b)
				}
			}
			w.mu.Lock()
			w.reqs = append(w.reqs, what)
			w.mu.Unlock()
		}
		return rt.RoundTrip(r)
	})
}

func (w *writeCounter) list() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return slices.Clone(w.reqs)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// runObserved runs the controller with clients that count their writes
// (and go through wraps, outermost first).
func runObserved(t testing.TB, cfg osdpl.Config, rel osdpl.Releases, wraps ...func(http.RoundTripper) http.RoundTripper) (func(), observed) {
	t.Helper()
	_, ctx := ktesting.NewTestContext(t)
	return runObservedCtx(t, ctx, cfg, rel, wraps...)
}

// runObservedCtx is runObserved with the controller's context (its
// logger).
func runObservedCtx(t testing.TB, ctx context.Context, cfg osdpl.Config, rel osdpl.Releases, wraps ...func(http.RoundTripper) http.RoundTripper) (func(), observed) {
	t.Helper()
	ns := cfg.Namespace
	cfg.FieldManager, cfg.ImagesBaseURL, cfg.ControllerHost = "test", "reg.example", "test"
	if cfg.WaitRequeue == 0 {
		cfg.WaitRequeue = 300 * time.Millisecond
	}
	if cfg.RetryBase == 0 {
		cfg.RetryBase, cfg.RetryMax = 50*time.Millisecond, 2*time.Second
	}
	obs := observed{writes: &writeCounter{}, metrics: operator.NewMetrics()}
	rc := rest.CopyConfig(env.Config)
	rc.Wrap(obs.writes.wrap)
	for _, w := range slices.Backward(wraps) {
		rc.Wrap(w)
	}
	ckube := kubernetes.NewForConfigOrDie(rc)
	clcm := versioned.NewForConfigOrDie(rc)
	ctx, cancel := context.WithCancel(ctx)
	// The factory resyncs as often as the controller asks (cfg.Resync).
	factory := externalversions.NewSharedInformerFactoryWithOptions(clcm, cfg.Resync, externalversions.WithNamespace(ns))
	creds := osdpl.CredentialsInformer(metadata.NewForConfigOrDie(rc), ns)
	c, err := osdpl.New(ctx, cfg, ckube, clcm, factory.Lcm().V1alpha1().OpenStackDeployments(), rel, obs.metrics)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.WatchCredentials(creds.Informer()); err != nil {
		t.Fatal(err)
	}
	factory.Start(ctx.Done())
	creds.Start(ctx.Done())
	done := make(chan struct{})
	go func() { _ = c.Run(ctx); close(done) }()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			<-done
			factory.Shutdown()
			creds.Shutdown()
		})
	}
	t.Cleanup(stop)
	return stop, obs
}

const osdplDoc = `
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

func setup(t testing.TB, ns string) {
	t.Helper()
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tls := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "lab-tls", Labels: map[string]string{lcmv1alpha1.OSDPLSecretLabel: "true"}},
		Data:       map[string][]byte{"ca_cert": []byte("CA"), "api_cert": []byte("CRT"), "api_key": []byte("KEY")},
	}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, tls, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func createOSDPL(t *testing.T, ns, name string) {
	t.Helper()
	var o lcmv1alpha1.OpenStackDeployment
	if err := yaml.Unmarshal([]byte(osdplDoc), &o); err != nil {
		t.Fatal(err)
	}
	o.Name = name
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(context.Background(), &o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// waitState waits up to 30 s until the osdplst is in state want with a
// fingerprint other than fingerprintChange.
func waitState(t testing.TB, ns, name string, want lcmv1alpha1.LCMState, fingerprintChange string) *lcmv1alpha1.OpenStackDeploymentStatus {
	t.Helper()
	return waitStatus(t, ns, name, 30*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return o.State == want && o.Fingerprint != fingerprintChange
	})
}

// waitStatus waits until the osdplst's LCM record satisfies ok; on timeout
// the test fails with the record, the osdpl's conditions and the Events.
func waitStatus(t testing.TB, ns, name string, timeout time.Duration, ok func(*lcmv1alpha1.OSDPLState) bool) *lcmv1alpha1.OpenStackDeploymentStatus {
	t.Helper()
	var st *lcmv1alpha1.OpenStackDeploymentStatus
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		var err error
		st, err = lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return false, nil
		}
		if err != nil {
			return false, err
		}
		return st.Status.OSDPL != nil && ok(st.Status.OSDPL), nil
	})
	if err != nil {
		var conds []string
		if o, gerr := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), name, metav1.GetOptions{}); gerr == nil {
			for _, c := range o.Status.Conditions {
				conds = append(conds, fmt.Sprintf("%s=%s %s: %s", c.Type, c.Status, c.Reason, c.Message))
			}
		}
		t.Fatalf("osdplst %s/%s: %v: %+v\nconditions: %s\nevents: %s", ns, name, err, st, strings.Join(conds, "\n"), strings.Join(events(t, ns), "\n"))
	}
	return st
}

// waitSyncs waits until the controller finished n successful syncs.
func waitSyncs(t testing.TB, obs observed, n int) {
	t.Helper()
	waitSyncsOf(t, obs, "success", n)
}

// waitSyncsOf waits until the controller counted n syncs of result.
func waitSyncsOf(t testing.TB, obs observed, result string, n int) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return obs.syncs(t, result) >= n, nil
	}); err != nil {
		t.Fatalf("the controller did not finish %d syncs: success %d, error %d, requeue %d", n, obs.syncs(t, "success"), obs.syncs(t, "error"), obs.syncs(t, "requeue"))
	}
}

func events(t testing.TB, ns string) []string {
	t.Helper()
	list, err := kube.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range list.Items {
		out = append(out, e.Type+" "+e.Reason+": "+e.Message)
	}
	return out
}

func waitEvent(t *testing.T, ns, fragment string) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return strings.Contains(strings.Join(events(t, ns), "\n"), fragment), nil
	}); err != nil {
		t.Errorf("no Event containing %q in %v", fragment, events(t, ns))
	}
}

func patchSpec(t *testing.T, ns, name, patch string) {
	t.Helper()
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestLifecycle(t *testing.T) {
	ns := "lifecycle"
	setup(t, ns)
	rel := newMemReleases()
	stop := run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	st := waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	ctx := context.Background()

	want := []string{ns + "/openstack-keystone", ns + "/openstack-mariadb", ns + "/openstack-memcached", ns + "/openstack-rabbitmq"}
	if got := rel.names(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("releases %v, want %v", got, want)
	}
	if st.Status.OSDPL.LCMProgress != "4/4" || st.Status.Services["identity"].State != lcmv1alpha1.StateApplied ||
		strings.Join(st.Status.Services["identity"].Releases, ",") != "openstack-keystone" {
		t.Errorf("osdplst: %+v %+v", st.Status.OSDPL, st.Status.Services)
	}
	if len(st.OwnerReferences) != 1 || st.OwnerReferences[0].Name != "lab" || !*st.OwnerReferences[0].Controller {
		t.Errorf("osdplst must be controlled by the osdpl: %+v", st.OwnerReferences)
	}
	o, _ := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
	if !meta.IsStatusConditionTrue(o.Status.Conditions, lcmv1alpha1.ConditionReady) || o.Status.Fingerprint != st.Status.OSDPL.Fingerprint ||
		o.Status.ObservedGeneration != o.Generation || len(o.Finalizers) != 1 {
		t.Errorf("osdpl status: %+v finalizers %v", o.Status, o.Finalizers)
	}
	for _, s := range []string{"openstack-admin-users", "openstack-admin-users-1", "generated-identity-passwords",
		"generated-identity-passwords-1", "generated-galera-passwords", "generated-rabbitmq-password", "keystone-fernet-data", "keystone-credential-data"} {
		if _, err := kube.CoreV1().Secrets(ns).Get(ctx, s, metav1.GetOptions{}); err != nil {
			t.Errorf("Secret %s: %v", s, err)
		}
	}
	waitEvent(t, ns, "Normal Create: created for identity: openstack-keystone")
	cwl, err := lcm.LcmV1alpha1().ClusterWorkloadLocks().Get(ctx, "openstack-lab", metav1.GetOptions{})
	if err != nil || cwl.Spec.ControllerName != "openstack" || cwl.Status.State != lcmv1alpha1.LockActive {
		t.Errorf("ClusterWorkloadLock: %+v %v", cwl, err)
	}
	ks := rel.values[ns+"/openstack-keystone"]
	admin, _ := kube.CoreV1().Secrets(ns).Get(ctx, "openstack-admin-users", metav1.GetOptions{})
	var adminID struct{ Password string }
	_ = json.Unmarshal(admin.Data["identity"], &adminID)
	if got := ks["endpoints"].(map[string]any)["identity"].(map[string]any)["auth"].(map[string]any)["admin"].(map[string]any)["password"]; got != adminID.Password {
		t.Error("keystone's admin password must come from openstack-admin-users")
	}

	// Edit one service's values: only its release changes.
	before := rel.snapshot()
	patchSpec(t, ns, "lab", `{"spec":{"services":{"identity":{"keystone":{"values":{"conf":{"keystone":{"DEFAULT":{"debug":true}}}}}}}}}`)
	st = waitState(t, ns, "lab", lcmv1alpha1.StateApplied, st.Status.OSDPL.Fingerprint)
	after := rel.snapshot()
	for k, v := range after {
		wantRev := before[k]
		if k == ns+"/openstack-keystone" {
			wantRev++
		}
		if v != wantRev {
			t.Errorf("%s revision %d, want %d", k, v, wantRev)
		}
	}

	// A controller restart with no change, then periodic resyncs (every
	// second here): the new controller's first reconcile and the resyncs
	// (seen in its own metrics) write nothing: no revision, no status
	// patch, no Event.
	stop()
	before = rel.snapshot()
	eventsBefore := len(events(t, ns))
	stop, obs := runObserved(t, osdpl.Config{Namespace: ns, Resync: time.Second}, rel)
	waitSyncs(t, obs, 3)
	if w := obs.writes.list(); len(w) != 0 {
		t.Errorf("a restart and two resyncs without change wrote %d times: %v", len(w), w)
	}
	if after := rel.snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("restart without change made revisions: %v → %v", before, after)
	}
	if n := len(events(t, ns)); n != eventsBefore {
		t.Errorf("restart without change recorded %d Events", n-eventsBefore)
	}
	stop()
	run(t, ns, rel)

	// A type conflict between layers: FAILED, Degraded, Warning naming the
	// path; nothing deployed changes.
	before = rel.snapshot()
	// (values.images: a map of the service template that no preset or size
	// sets, so the conflict is in the release layer.)
	patchSpec(t, ns, "lab", `{"spec":{"services":{"identity":{"keystone":{"values":{"images":["oops"]}}}}}}`)
	waitState(t, ns, "lab", lcmv1alpha1.StateFailed, "")
	waitEvent(t, ns, "services.identity.keystone.values into release openstack-keystone: can not merge a list over a map at values.images")
	o, _ = lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
	if !meta.IsStatusConditionTrue(o.Status.Conditions, lcmv1alpha1.ConditionDegraded) {
		t.Errorf("Degraded not set: %+v", o.Status.Conditions)
	}
	if after := rel.snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("a bad edit changed releases: %v → %v", before, after)
	}
	patchSpec(t, ns, "lab", `{"spec":{"services":null}}`)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")

	// Remove a service: its release goes, its status entry too.
	patchSpec(t, ns, "lab", `{"spec":{"features":{"services":["~app-gateway","~compute","~dashboard","~image","~ingress","~networking","~placement","~coordination","~memcached"]}}}`)
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, ok := rel.snapshot()[ns+"/openstack-memcached"]
		return !ok, nil
	})
	if err != nil {
		t.Fatal("memcached not uninstalled")
	}
	st = waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	if _, ok := st.Status.Services["memcached"]; ok {
		t.Error("removed service still in osdplst")
	}
	waitEvent(t, ns, "Deleted helm release openstack-memcached for service memcached")

	// Delete: everything uninstalled, finalizer removed, object gone;
	// credentials stay.
	if err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Delete(ctx, "lab", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatal("osdpl not deleted (finalizer not removed?)")
	}
	if n := len(rel.snapshot()); n != 0 {
		t.Errorf("%d releases left after delete: %v", n, rel.names())
	}
	if _, err := lcm.LcmV1alpha1().ClusterWorkloadLocks().Get(ctx, "openstack-lab", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("ClusterWorkloadLock must go with the osdpl: %v", err)
	}
	if _, err := kube.CoreV1().Secrets(ns).Get(ctx, "generated-identity-passwords", metav1.GetOptions{}); err != nil {
		t.Errorf("credentials must stay after delete: %v", err)
	}
}

func TestSecondOSDPLIsRefused(t *testing.T) {
	ns := "duplicate"
	setup(t, ns)
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "first")
	waitState(t, ns, "first", lcmv1alpha1.StateApplied, "")
	createOSDPL(t, ns, "second")
	waitEvent(t, ns, "Warning Duplicate: only one OpenStackDeployment per namespace is served; duplicate/first is")
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "second", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(o.Status.Conditions, lcmv1alpha1.ConditionReady)
		return c != nil && c.Reason == "Duplicate", nil
	})
	if err != nil {
		t.Error("the second osdpl has no Duplicate condition")
	}
	if _, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(context.Background(), "second", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Error("the ignored osdpl must not get an osdplst")
	}
}

func TestDraftAppliesNothing(t *testing.T) {
	ns := "draft"
	setup(t, ns)
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	before := rel.snapshot()
	patchSpec(t, ns, "lab", `{"spec":{"draft":true,"services":{"memcached":{"memcached":{"values":{"x":1}}}}}}`)
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := meta.FindStatusCondition(o.Status.Conditions, lcmv1alpha1.ConditionProgressing)
		return c != nil && c.Reason == "Draft" && c.ObservedGeneration == o.Generation, nil
	})
	if err != nil {
		t.Fatal("no Draft condition")
	}
	if fmt.Sprint(rel.snapshot()) != fmt.Sprint(before) {
		t.Error("a draft osdpl changed releases")
	}
	patchSpec(t, ns, "lab", `{"spec":{"draft":false}}`)
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return rel.snapshot()[ns+"/openstack-memcached"] == before[ns+"/openstack-memcached"]+1, nil
	})
	if err != nil {
		t.Error("undrafting did not apply the pending edit")
	}
}

// TestWatchedSecretAndArtifactsConfigMap: a changed value_from Secret is
// picked up when its hash in status.watched changes (the secrets binary's
// signal), and the <osdpl>-artifacts ConfigMap overrides images.
func TestWatchedSecretAndArtifactsConfigMap(t *testing.T) {
	ns := "watched"
	setup(t, ns)
	ctx := context.Background()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "lab-artifacts"}, Data: map[string]string{
		"epoxy": "keystone_api: mirror.example/keystone:custom\n",
	}}
	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	st := waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	keystone := func() map[string]any {
		rel.mu.Lock()
		defer rel.mu.Unlock()
		return rel.values[ns+"/openstack-keystone"]
	}
	tags := keystone()["images"].(map[string]any)["tags"].(map[string]any)
	if tags["keystone_api"] != "mirror.example/keystone:custom" || !strings.HasPrefix(tags["keystone_db_sync"].(string), "reg.example/") {
		t.Errorf("ConfigMap artifacts must override only the listed image: %v %v", tags["keystone_api"], tags["keystone_db_sync"])
	}

	tls, _ := kube.CoreV1().Secrets(ns).Get(ctx, "lab-tls", metav1.GetOptions{})
	tls.Data["api_cert"] = []byte("RENEWED")
	if _, err := kube.CoreV1().Secrets(ns).Update(ctx, tls, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	o, _ := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
	o.Status.Watched = &lcmv1alpha1.Watched{ValueFrom: &lcmv1alpha1.WatchedValueFrom{Secret: map[string]lcmv1alpha1.Hash{"lab-tls": {Hash: "2"}}}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).UpdateStatus(ctx, o, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, st.Status.OSDPL.Fingerprint)
	crt := keystone()["endpoints"].(map[string]any)["identity"].(map[string]any)["host_fqdn_override"].(map[string]any)["public"].(map[string]any)["tls"].(map[string]any)["crt"]
	if crt != "RENEWED\n" {
		t.Errorf("keystone TLS certificate %v after the watched hash changed", crt)
	}
}

// TestDatabaseRestoreBlocksApplies: while a restore is requested nothing is
// applied (an upgrade could re-run the restore Job over a live database).
func TestDatabaseRestoreBlocksApplies(t *testing.T) {
	ns := "restore"
	setup(t, ns)
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	before := rel.snapshot()
	patchSpec(t, ns, "lab", `{"spec":{"services":{"database":{"mariadb":{"values":{"manifests":{"job_mariadb_phy_restore":true}}}},"memcached":{"memcached":{"values":{"x":1}}}}}}`)
	waitState(t, ns, "lab", lcmv1alpha1.StateFailed, "")
	waitEvent(t, ns, "job_mariadb_phy_restore is true")
	if fmt.Sprint(rel.snapshot()) != fmt.Sprint(before) {
		t.Error("releases changed while a restore was requested")
	}
	patchSpec(t, ns, "lab", `{"spec":{"services":{"database":{"mariadb":{"values":{"manifests":{"job_mariadb_phy_restore":false}}}}}}}`)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
}

// TestWaitsForCephKeys: a service storing on Ceph (glance with its implicit
// rbd backend) while the Ceph side has not written openstack-ceph-keys is
// not rendered with empty keys: the osdpl says why (condition, Event) and
// the reconcile is retried until the Secret appears; then the keyring
// Secret is created from it and the release installed.
func TestWaitsForCephKeys(t *testing.T) {
	ns, cephNS := "ceph-wait", "ceph-wait-shared"
	setup(t, ns)
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: cephNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rel := newMemReleases()
	runWith(t, osdpl.Config{Namespace: ns, CephSharedNamespace: cephNS}, rel)
	var o lcmv1alpha1.OpenStackDeployment
	if err := yaml.Unmarshal([]byte(osdplDoc), &o); err != nil {
		t.Fatal(err)
	}
	o.Name = "lab"
	o.Spec.Features.Services = []string{"~app-gateway", "~compute", "~dashboard", "~ingress", "~networking", "~placement", "~coordination"}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, &o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A missing input is a wait, not a failure: WAITING, one Normal Event,
	// no Degraded condition.
	st := waitStatus(t, ns, "lab", 30*time.Second, func(o *lcmv1alpha1.OSDPLState) bool { return o.State == lcmv1alpha1.StateWaiting })
	if !strings.Contains(st.Status.OSDPL.Cause, "openstack-ceph-keys") || !strings.Contains(st.Status.OSDPL.Cause, "features.glance.backends") {
		t.Errorf("cause %q: want the missing Secret and the reason", st.Status.OSDPL.Cause)
	}
	waitEvent(t, ns, "Normal Waiting: service image: waiting for the Ceph keys")
	cur, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if c := meta.FindStatusCondition(cur.Status.Conditions, lcmv1alpha1.ConditionDegraded); c != nil && c.Status == metav1.ConditionTrue {
		t.Errorf("waiting for an input marked the deployment Degraded: %+v", c)
	}
	for _, name := range rel.names() {
		if strings.HasSuffix(name, "/openstack-glance") {
			t.Fatal("glance installed without Ceph keys")
		}
	}

	keys := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "openstack-ceph-keys"}, StringData: map[string]string{
		"mon_endpoints": "10.0.0.1:6789",
		"glance":        "client.glance;AQDglancekey==;images-hdd:images:hdd",
	}}
	if _, err := kube.CoreV1().Secrets(cephNS).Create(ctx, keys, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	kr, err := kube.CoreV1().Secrets(ns).Get(ctx, "glance-rbd-keyring", metav1.GetOptions{})
	if err != nil || string(kr.Data["key"]) != "AQDglancekey==" {
		t.Errorf("glance-rbd-keyring: %v %v", kr, err)
	}
	if got := layering.Get(rel.values[ns+"/openstack-glance"], "conf", "ceph", "keyrings", "glance", "key"); got != "AQDglancekey==" {
		t.Errorf("glance keyring in the values: %v", got)
	}
}
