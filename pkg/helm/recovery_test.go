package helm

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	helmtime "helm.sh/helm/v3/pkg/time"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/metadata"
	"k8s.io/klog/v2/ktesting"
)

// createPending stores a pending revision as a process killed mid-action
// leaves it, started at started.
func createPending(t *testing.T, m *Manager, r Release, version int, status release.Status, started time.Time) *release.Release {
	t.Helper()
	ctx := context.Background()
	cfg, err := m.actionConfig(ctx, r.Namespace)
	if err != nil {
		t.Fatal(err)
	}
	ch, err := m.Chart(r.Group, r.Chart)
	if err != nil {
		t.Fatal(err)
	}
	ts := helmtime.Time{Time: started}
	pending := &release.Release{Name: r.Name, Namespace: r.Namespace, Version: version, Chart: ch, Config: r.Values,
		Info: &release.Info{Status: status, Description: "killed", FirstDeployed: ts, LastDeployed: ts}}
	if err := cfg.Releases.Create(pending); err != nil {
		t.Fatal(err)
	}
	return pending
}

// TestHandoverRecoversPendingAtOnce: a pending revision made "just now" is
// busy while the handover is unknown or earlier than it, and recovered at
// once (long before PendingTimeout) when it started before the handover.
func TestHandoverRecoversPendingAtOnce(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	var (
		mu       sync.Mutex
		handover time.Time
	)
	setHandover := func(h time.Time) { mu.Lock(); handover = h; mu.Unlock() }
	m := newManager(t, Options{PendingTimeout: time.Hour, Handover: func() time.Time { mu.Lock(); defer mu.Unlock(); return handover }})
	for _, status := range []release.Status{release.StatusPendingInstall, release.StatusPendingUpgrade} {
		t.Run(string(status), func(t *testing.T) {
			setHandover(time.Time{})
			ns := createNamespace(t, "handover-"+string(status))
			r := appRelease(ns, "app", map[string]any{"n": "1"})
			version := 1
			if status == release.StatusPendingUpgrade {
				if _, err := m.Apply(ctx, r); err != nil {
					t.Fatal(err)
				}
				version = 2
			}
			started := time.Now()
			createPending(t, m, r, version, status, started)
			r.Values = map[string]any{"data": map[string]any{"n": "2"}}

			_, err := m.Apply(ctx, r)
			if !errors.Is(err, ErrReleaseBusy) || !strings.Contains(err.Error(), "waiting") || !strings.Contains(err.Error(), "not known yet") {
				t.Fatalf("without a handover time a fresh pending revision must make Apply wait, saying why: %v", err)
			}
			// A handover before the revision started: it may belong to
			// a live client.
			setHandover(started.Add(-time.Minute))
			_, err = m.Apply(ctx, r)
			if !errors.Is(err, ErrReleaseBusy) || !strings.Contains(err.Error(), "after this process took over") {
				t.Fatalf("a revision newer than the handover must stay busy: %v", err)
			}
			h := history(t, m, ns, "app")
			if got := h[len(h)-1]; got.Version != version || got.Info.Status != status {
				t.Fatalf("a busy release was touched: %s", statuses(h))
			}

			setHandover(started.Add(time.Second))
			res, err := m.Apply(ctx, r)
			if err != nil || res != (Result{Action: ActionUpgrade, Revision: version + 1}) {
				t.Fatalf("apply after the handover: %+v %v", res, err)
			}
			h = history(t, m, ns, "app")
			for _, rev := range h {
				// failed, or superseded when it was the only revision
				if rev.Version == version && (rev.Info.Status.IsPending() || !strings.Contains(rev.Info.Description, "previous leader")) {
					t.Errorf("recovered revision %d: %s %q", rev.Version, rev.Info.Status, rev.Info.Description)
				}
			}
			if last := h[len(h)-1]; last.Info.Status != release.StatusDeployed {
				t.Errorf("history %s", statuses(h))
			}
			if got := configMapData(t, ns, "app")["n"]; got != "2" {
				t.Errorf("ConfigMap n=%q", got)
			}
		})
	}
}

// flakyDriver makes storage Updates fail on demand.
type flakyDriver struct {
	driver.Driver
	update func(rls *release.Release) error
}

func (d *flakyDriver) Update(key string, rls *release.Release) error {
	if err := d.update(rls); err != nil {
		return err
	}
	return d.Driver.Update(key, rls)
}

// updateFailer makes the next n storage Updates writing a status fail,
// and counts the failures.
type updateFailer struct {
	mu     sync.Mutex
	status release.Status
	left   int
	failed int
}

func (f *updateFailer) set(status release.Status, n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.status, f.left, f.failed = status, n, 0
}

func (f *updateFailer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failed
}

func (f *updateFailer) wrap(d driver.Driver) driver.Driver {
	return &flakyDriver{Driver: d, update: func(rls *release.Release) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.left > 0 && rls.Info != nil && rls.Info.Status == f.status {
			f.left--
			f.failed++
			return errors.New("injected storage failure (an API outage)")
		}
		return nil
	}}
}

// TestUnrecordedStatusRecorded: when Helm can not store the final status
// of an install or upgrade (it only logs that for an install), Apply
// records it; when that is impossible Apply fails. A failed status Helm
// could not store is recorded too, so the release is not left busy.
func TestUnrecordedStatusRecorded(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{PendingTimeout: time.Hour})
	f := &updateFailer{}
	m.wrapDriver = f.wrap
	ns := createNamespace(t, "unrecorded")

	f.set(release.StatusDeployed, 1)
	res, err := m.Apply(ctx, appRelease(ns, "app", map[string]any{"n": "1"}))
	if err != nil || res != (Result{Action: ActionInstall, Revision: 1}) {
		t.Fatalf("install: %+v %v", res, err)
	}
	if f.count() != 1 {
		t.Fatalf("the deployed status of the install was not refused (%d failures)", f.count())
	}
	if h := history(t, m, ns, "app"); statuses(h) != "1:deployed" {
		t.Errorf("history after an install whose status Helm could not store: %s", statuses(h))
	}

	f.set(release.StatusDeployed, 1)
	res, err = m.Apply(ctx, appRelease(ns, "app", map[string]any{"n": "2"}))
	if err != nil || res != (Result{Action: ActionUpgrade, Revision: 2}) {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	if f.count() != 1 {
		t.Fatalf("the deployed status of the upgrade was not refused (%d failures)", f.count())
	}
	if h := history(t, m, ns, "app"); statuses(h) != "1:superseded 2:deployed" {
		t.Errorf("history after an upgrade whose status Helm could not store: %s", statuses(h))
	}

	// Storage refusing for longer than the bounded retries: an error.
	f.set(release.StatusDeployed, 1000)
	_, err = m.Apply(ctx, appRelease(ns, "app", map[string]any{"n": "3"}))
	if err == nil || !strings.Contains(err.Error(), "recording revision 3") {
		t.Fatalf("an unrecordable status must fail Apply: %v", err)
	}
	f.set("", 0)

	// A failed install whose failed status Helm could not store.
	ns2 := createNamespace(t, "unrecorded-failure")
	f.set(release.StatusFailed, 1)
	if _, err := m.Apply(ctx, appRelease(ns2, "app", map[string]any{"bad/key": "x"})); err == nil {
		t.Fatal("an invalid ConfigMap key must fail the install")
	}
	if f.count() != 1 {
		t.Fatalf("the failed status was not refused (%d failures)", f.count())
	}
	if h := history(t, m, ns2, "app"); statuses(h) != "1:failed" {
		t.Errorf("history after a failure Helm could not store: %s", statuses(h))
	}
	if res, err := m.Apply(ctx, appRelease(ns2, "app", map[string]any{"good": "x"})); err != nil || res.Action != ActionUpgrade {
		t.Errorf("apply after the failure: %+v %v", res, err)
	}
}

// randomString returns n characters that do not compress.
func randomString(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n*3/4+3)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)[:n]
}

// TestFailedUpgradeKeepsJobsAndHistory: an upgrade refused before it goes
// ahead (a revision too large for its storage Secret, a value the API
// schema refuses) deletes no Job and prunes no revision; the next good
// upgrade re-runs the changed Job and only then prunes.
func TestFailedUpgradeKeepsJobsAndHistory(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{MaxHistory: 3})
	ns := createNamespace(t, "refused-upgrade")
	values := map[string]any{}
	r := Release{Name: "jobs", Namespace: ns, Group: "infra", Chart: "jobs", Values: values}
	for i := range 3 {
		values["bootstrapConfigHash"] = fmt.Sprint(i)
		if _, err := m.Apply(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if h := history(t, m, ns, "jobs"); statuses(h) != "1:superseded 2:superseded 3:deployed" {
		t.Fatalf("history %s", statuses(h))
	}
	dbSync, bootstrap := uid(t, ns, "Job", "db-sync"), uid(t, ns, "Job", "bootstrap")
	stored := storageSecrets(t, ns, "jobs")

	for _, tc := range []struct {
		name  string
		extra map[string]any
		want  string
	}{
		{"too large", map[string]any{"blob": randomString(t, 1500<<10)}, "storage Secret"},
		{"refused value", map[string]any{"jobArgs": "not-a-list"}, "dry run"},
	} {
		vals := map[string]any{"jobImage": "busybox:3", "bootstrapConfigHash": "2"}
		for k, v := range tc.extra {
			vals[k] = v
		}
		_, err := m.Apply(ctx, Release{Name: "jobs", Namespace: ns, Group: "infra", Chart: "jobs", Values: vals})
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), ns+"/jobs") {
			t.Fatalf("%s: want an error naming the release and %q, got %v", tc.name, tc.want, err)
		}
		t.Logf("%s: %v", tc.name, err)
		if tc.name == "too large" && !errors.Is(err, ErrReleaseTooLarge) {
			t.Errorf("%s: %v is not ErrReleaseTooLarge", tc.name, err)
		}
		if uid(t, ns, "Job", "db-sync") != dbSync || uid(t, ns, "Job", "bootstrap") != bootstrap {
			t.Errorf("%s: a Job of the deployed release was deleted", tc.name)
		}
		if got := storageSecrets(t, ns, "jobs"); fmt.Sprint(got) != fmt.Sprint(stored) {
			t.Errorf("%s: storage touched: %v → %v", tc.name, stored, got)
		}
	}

	// The good upgrade: db-sync (new image) runs again, bootstrap does not;
	// the history is pruned to 3 after it.
	values["jobImage"] = "busybox:3"
	res, err := m.Apply(ctx, r)
	if err != nil || res != (Result{Action: ActionUpgrade, Revision: 4}) {
		t.Fatalf("good upgrade: %+v %v", res, err)
	}
	if uid(t, ns, "Job", "db-sync") == dbSync {
		t.Error("db-sync (new image) was not recreated")
	}
	if uid(t, ns, "Job", "bootstrap") != bootstrap {
		t.Error("bootstrap (unchanged) was recreated")
	}
	if h := history(t, m, ns, "jobs"); statuses(h) != "2:superseded 3:superseded 4:deployed" {
		t.Errorf("history after the good upgrade: %s", statuses(h))
	}
}

// TestPruneKeepsDeployed: pruning never deletes the deployed revision,
// even when newer failed revisions fill the history.
func TestPruneKeepsDeployed(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{MaxHistory: 2})
	ns := createNamespace(t, "prune")
	r := appRelease(ns, "app", map[string]any{"n": "1"})
	if _, err := m.Apply(ctx, r); err != nil {
		t.Fatal(err)
	}
	cfg, err := m.actionConfig(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	for v := 2; v <= 4; v++ {
		createPending(t, m, r, v, release.StatusFailed, time.Now())
	}
	m.pruneHistory(ctx, cfg, "app")
	if h := history(t, m, ns, "app"); statuses(h) != "1:deployed 4:failed" {
		t.Errorf("history %s", statuses(h))
	}
}

// TestMissingObjectsRecreated: an unchanged release whose objects were
// deleted is upgraded with the same values, which re-creates them; a Job
// with a TTL may disappear.
func TestMissingObjectsRecreated(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{})
	ns := createNamespace(t, "drift")
	r := Release{Name: "jobs", Namespace: ns, Group: "infra", Chart: "jobs", Values: map[string]any{}}
	if res, err := m.Apply(ctx, r); err != nil || res.Revision != 1 {
		t.Fatalf("install: %+v %v", res, err)
	}
	bg := metav1.DeletePropagationBackground
	del := metav1.DeleteOptions{PropagationPolicy: &bg}

	// The Job with a TTL is gone: nothing to do.
	if err := clientset.BatchV1().Jobs(ns).Delete(ctx, "cleanup", del); err != nil {
		t.Fatal(err)
	}
	if res, err := m.Apply(ctx, r); err != nil || res != (Result{Action: ActionUnchanged, Revision: 1}) {
		t.Fatalf("a Job with a TTL gone: %+v %v", res, err)
	}

	if err := clientset.BatchV1().Jobs(ns).Delete(ctx, "db-sync", del); err != nil {
		t.Fatal(err)
	}
	if err := clientset.CoreV1().ConfigMaps(ns).Delete(ctx, "settings", del); err != nil {
		t.Fatal(err)
	}
	if a, err := m.Plan(ctx, r); err != nil || a != ActionUpgrade {
		t.Errorf("plan with missing objects: %v %v", a, err)
	}
	res, err := m.Apply(ctx, r)
	if err != nil || res != (Result{Action: ActionUpgrade, Revision: 2}) {
		t.Fatalf("apply with missing objects: %+v %v", res, err)
	}
	uid(t, ns, "Job", "db-sync")
	if got := configMapData(t, ns, "settings")["image"]; got != "busybox:1" {
		t.Errorf("settings ConfigMap image=%q", got)
	}
	res, err = m.Apply(ctx, r)
	if err != nil || res != (Result{Action: ActionUnchanged, Revision: 2}) {
		t.Errorf("apply again: %+v %v", res, err)
	}
	if h := history(t, m, ns, "jobs"); statuses(h) != "1:superseded 2:deployed" {
		t.Errorf("history %s", statuses(h))
	}
}

// orphanGC plays the garbage collector's part in orphan deletions (no
// kube-controller-manager runs in the test cluster): it polls the
// StatefulSets and DaemonSets of a namespace and, for each being deleted
// with the "orphan" finalizer, removes the owner references to it from the
// Pods of the namespace, then the finalizer. handled lists
// "Kind/name" of each.
type orphanGC struct {
	ns      string
	meta    metadata.Interface
	mu      sync.Mutex
	handled []string
}

func startOrphanGC(t *testing.T, ns string) *orphanGC {
	t.Helper()
	g := &orphanGC{ns: ns, meta: metadata.NewForConfigOrDie(env.Config)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	t.Cleanup(func() { cancel(); <-done })
	go func() {
		defer close(done)
		_ = wait.PollUntilContextCancel(ctx, 50*time.Millisecond, true, func(ctx context.Context) (bool, error) {
			g.sweep(ctx, "StatefulSet", schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "statefulsets"})
			g.sweep(ctx, "DaemonSet", schema.GroupVersionResource{Group: "apps", Version: "v1", Resource: "daemonsets"})
			return false, nil
		})
	}()
	return g
}

func (g *orphanGC) sweep(ctx context.Context, kind string, gvr schema.GroupVersionResource) {
	list, err := g.meta.Resource(gvr).Namespace(g.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return // retried at the next sweep
	}
	for _, o := range list.Items {
		if o.DeletionTimestamp == nil || !slices.Contains(o.Finalizers, metav1.FinalizerOrphanDependents) {
			continue
		}
		if !g.orphanPods(ctx, o.UID) {
			continue
		}
		rest := slices.DeleteFunc(slices.Clone(o.Finalizers), func(f string) bool { return f == metav1.FinalizerOrphanDependents })
		patch := fmt.Sprintf(`{"metadata":{"resourceVersion":%q,"finalizers":%s}}`, o.ResourceVersion, jsonArray(rest))
		if _, err := g.meta.Resource(gvr).Namespace(g.ns).Patch(ctx, o.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
			continue
		}
		g.mu.Lock()
		g.handled = append(g.handled, kind+"/"+o.Name)
		g.mu.Unlock()
	}
}

// orphanPods removes the owner references to owner from the Pods.
func (g *orphanGC) orphanPods(ctx context.Context, owner types.UID) bool {
	pods, err := clientset.CoreV1().Pods(g.ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return false
	}
	for _, p := range pods.Items {
		refs := slices.DeleteFunc(slices.Clone(p.OwnerReferences), func(r metav1.OwnerReference) bool { return r.UID == owner })
		if len(refs) == len(p.OwnerReferences) {
			continue
		}
		p.OwnerReferences = refs
		if _, err := clientset.CoreV1().Pods(g.ns).Update(ctx, &p, metav1.UpdateOptions{}); err != nil {
			return false
		}
	}
	return true
}

func (g *orphanGC) names() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return slices.Clone(g.handled)
}

func jsonArray(s []string) string {
	if len(s) == 0 {
		return "[]"
	}
	return `["` + strings.Join(s, `","`) + `"]`
}

// TestStatefulSetRecreatedWithOrphanPropagation: a StatefulSet recreated
// for an immutable field change is deleted with orphan propagation, so
// that its pods survive (and the new StatefulSet adopts them).
func TestStatefulSetRecreatedWithOrphanPropagation(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{})
	ns := createNamespace(t, "orphan")
	gc := startOrphanGC(t, ns)
	values := map[string]any{}
	r := Release{Name: "jobs", Namespace: ns, Group: "infra", Chart: "jobs", Values: values}
	if _, err := m.Apply(ctx, r); err != nil {
		t.Fatal(err)
	}
	sts := uid(t, ns, "StatefulSet", "server")
	// The StatefulSet's pod, as its controller would make it.
	yes := true
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "server-0", Labels: map[string]string{"app": "server"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "server", UID: sts, Controller: &yes, BlockOwnerDeletion: &yes}}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "s", Image: "busybox:1"}}},
	}
	if _, err := clientset.CoreV1().Pods(ns).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	values["stsServiceName"] = "sts-b"
	if res, err := m.Apply(ctx, r); err != nil || res.Action != ActionUpgrade {
		t.Fatalf("immutable field: %+v %v", res, err)
	}
	if uid(t, ns, "StatefulSet", "server") == sts {
		t.Fatal("the StatefulSet was not recreated")
	}
	if got := gc.names(); fmt.Sprint(got) != "[StatefulSet/server]" {
		t.Errorf("objects deleted with orphan propagation: %v, want the StatefulSet", got)
	}
	p, err := clientset.CoreV1().Pods(ns).Get(ctx, "server-0", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the StatefulSet's pod did not survive: %v", err)
	}
	if len(p.OwnerReferences) != 0 || p.DeletionTimestamp != nil {
		t.Errorf("the pod was not orphaned: %+v, deleting %v", p.OwnerReferences, p.DeletionTimestamp)
	}
}

// TestDeleteAndWaitReturnsReadErrors: an error other than NotFound while
// waiting for a deleted object is returned at once, not taken for "not
// gone yet" until the timeout.
func TestDeleteAndWaitReturnsReadErrors(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := createNamespace(t, "delete-errors")
	// A user who may delete ConfigMaps but not read them.
	if _, err := clientset.RbacV1().Roles(ns).Create(ctx, &rbacv1.Role{
		ObjectMeta: metav1.ObjectMeta{Name: "delete-only"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"configmaps"}, Verbs: []string{"delete"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := clientset.RbacV1().RoleBindings(ns).Create(ctx, &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "delete-only"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "Role", Name: "delete-only"},
		Subjects:   []rbacv1.Subject{{Kind: "User", Name: "deleter"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := clientset.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "x"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	cfg, err := env.UserConfig("deleter")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(cfg, Options{ChartsDir: testCharts})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	err = m.deleteAndWait(ctx, schema.GroupVersionKind{Version: "v1", Kind: "ConfigMap"}, ns, "x")
	if !apierrors.IsForbidden(err) {
		t.Errorf("want the Forbidden error of the GET, got %v", err)
	}
	if ctx.Err() != nil {
		t.Error("deleteAndWait polled until the deadline")
	}
}
