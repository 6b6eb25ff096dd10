package helm

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	helmtime "helm.sh/helm/v3/pkg/time"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2/ktesting"
)

func appRelease(ns, name string, data map[string]any) Release {
	return Release{Name: name, Namespace: ns, Group: "openstack", Chart: "app", Values: map[string]any{"data": data}}
}

// TestInstallSkipUpgradeUninstallRealChart drives the real memcached chart
// (helm-toolkit resolved from ../helm-toolkit) through its life.
func TestInstallSkipUpgradeUninstallRealChart(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{ChartsDir: realCharts(t)})
	ns := createNamespace(t, "memcached")
	const sts = "openstack-memcached-memcached"
	replicas := func(n any) map[string]any {
		return map[string]any{"pod": map[string]any{"replicas": map[string]any{"server": n}}}
	}
	r := Release{Name: "openstack-memcached", Namespace: ns, Group: "infra", Chart: "memcached", Values: replicas(1)}

	if a, err := m.Plan(ctx, r); err != nil || a != ActionInstall {
		t.Fatalf("plan before install: %v %v", a, err)
	}
	res, err := m.Apply(ctx, r)
	if err != nil || res != (Result{Action: ActionInstall, Revision: 1}) {
		t.Fatalf("install: %+v %v", res, err)
	}
	if _, err := clientset.AppsV1().StatefulSets(ns).Get(ctx, sts, metav1.GetOptions{}); err != nil {
		t.Fatalf("the chart's StatefulSet is not there: %v", err)
	}

	// Same values (even as other Go types): nothing happens, storage is
	// not touched.
	stored := storageSecrets(t, ns, r.Name)
	for _, vals := range []map[string]any{replicas(1), replicas(float64(1)), replicas(int64(1))} {
		r.Values = vals
		if a, err := m.Plan(ctx, r); err != nil || a != ActionUnchanged {
			t.Fatalf("plan with the same values: %v %v", a, err)
		}
		res, err = m.Apply(ctx, r)
		if err != nil || res != (Result{Action: ActionUnchanged, Revision: 1}) {
			t.Fatalf("same values: %+v %v", res, err)
		}
	}
	if got := storageSecrets(t, ns, r.Name); fmt.Sprint(got) != fmt.Sprint(stored) {
		t.Errorf("storage touched by unchanged applies: %v → %v", stored, got)
	}
	if h := history(t, m, ns, r.Name); len(h) != 1 {
		t.Errorf("history after unchanged applies: %s", statuses(h))
	}

	// New values: an upgrade, with exactly these values.
	r.Values = replicas(2)
	if a, _ := m.Plan(ctx, r); a != ActionUpgrade {
		t.Errorf("plan with new values: %v", a)
	}
	res, err = m.Apply(ctx, r)
	if err != nil || res != (Result{Action: ActionUpgrade, Revision: 2}) {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	vals, err := m.GetValues(ctx, ns, r.Name)
	if err != nil || jsonString(t, vals) != jsonString(t, r.Values) {
		t.Errorf("values after upgrade: %v %v", vals, err)
	}
	s, err := clientset.AppsV1().StatefulSets(ns).Get(ctx, sts, metav1.GetOptions{})
	if err != nil || *s.Spec.Replicas != 2 {
		t.Errorf("the upgrade did not reach the StatefulSet: %v", err)
	}

	// Empty values: Helm must not reuse the stored ones.
	r.Values = nil
	if res, err = m.Apply(ctx, r); err != nil || res != (Result{Action: ActionUpgrade, Revision: 3}) {
		t.Fatalf("upgrade to empty values: %+v %v", res, err)
	}
	if vals, err = m.GetValues(ctx, ns, r.Name); err != nil || len(vals) != 0 {
		t.Errorf("values after an upgrade to none: %v %v", vals, err)
	}
	if res, err = m.Apply(ctx, r); err != nil || res.Action != ActionUnchanged {
		t.Errorf("empty values again: %+v %v", res, err)
	}
	res, err = m.Apply(ctx, Release{Name: r.Name, Namespace: ns, Group: "infra", Chart: "memcached", Values: replicas(3)})
	if err != nil || res.Revision != 4 {
		t.Fatalf("fourth revision: %+v %v", res, err)
	}
	if h := history(t, m, ns, r.Name); statuses(h) != "2:superseded 3:superseded 4:deployed" {
		t.Errorf("MaxHistory 3: history %s", statuses(h))
	}

	ch, _ := m.Chart("infra", "memcached")
	list, err := m.List(ctx, ns)
	want := []DeployedRelease{{Name: r.Name, Namespace: ns, Chart: "memcached", ChartVersion: ch.Metadata.Version, Status: "deployed", Revision: 4}}
	if err != nil || fmt.Sprint(list) != fmt.Sprint(want) {
		t.Errorf("list: %+v %v, want %+v", list, err, want)
	}

	if ok, err := m.Uninstall(ctx, ns, r.Name); !ok || err != nil {
		t.Fatalf("uninstall: %v %v", ok, err)
	}
	if left := storageSecrets(t, ns, r.Name); len(left) != 0 {
		t.Errorf("storage left after uninstall: %v", left)
	}
	if _, err := clientset.AppsV1().StatefulSets(ns).Get(ctx, sts, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("the StatefulSet survived the uninstall: %v", err)
	}
	if ok, err := m.Uninstall(ctx, ns, r.Name); ok || err != nil {
		t.Errorf("uninstalling a missing release: %v %v", ok, err)
	}
	if _, err := m.GetValues(ctx, ns, r.Name); !errors.Is(err, ErrReleaseNotFound) {
		t.Errorf("values of a missing release: %v", err)
	}
}

// TestChartContentChangeUpgrades: a dependency file changed under the same
// chart version is an upgrade; a revision without our chart digest (made
// by hand or by the original operator) too.
func TestChartContentChangeUpgrades(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(testCharts)); err != nil {
		t.Fatal(err)
	}
	ns := createNamespace(t, "chart-change")
	r := appRelease(ns, "app", map[string]any{"a": "1"})
	m1 := newManager(t, Options{ChartsDir: dir})
	if _, err := m1.Apply(ctx, r); err != nil {
		t.Fatal(err)
	}
	lib := filepath.Join(dir, "infra", "lib", "templates", "_lib.tpl")
	if err := os.WriteFile(lib, []byte(`{{- define "lib.greeting" -}}from-infra-lib-v2{{- end -}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	// The chart is cached for the life of a Manager (a process).
	if a, err := m1.Plan(ctx, r); err != nil || a != ActionUnchanged {
		t.Errorf("plan with the cached chart: %v %v", a, err)
	}
	m2 := newManager(t, Options{ChartsDir: dir})
	if a, err := m2.Plan(ctx, r); err != nil || a != ActionUpgrade {
		t.Errorf("plan after a dependency change: %v %v", a, err)
	}
	res, err := m2.Apply(ctx, r)
	if err != nil || res != (Result{Action: ActionUpgrade, Revision: 2}) {
		t.Fatalf("apply after a dependency change: %+v %v", res, err)
	}
	if got := configMapData(t, ns, "app")["lib"]; got != "from-infra-lib-v2" {
		t.Errorf("lib greeting %q", got)
	}
	if res, err := m2.Apply(ctx, r); err != nil || res.Action != ActionUnchanged {
		t.Errorf("second apply: %+v %v", res, err)
	}

	h := history(t, m2, ns, "app")
	last := h[len(h)-1]
	delete(last.Chart.Metadata.Annotations, ChartDigestAnnotation)
	if err := m2.UpdateStored(ctx, last); err != nil {
		t.Fatal(err)
	}
	if a, err := m2.Plan(ctx, r); err != nil || a != ActionUpgrade {
		t.Errorf("plan over a revision without our digest: %v %v", a, err)
	}
}

// TestFailedFirstInstallRecovers: an install the API server refuses leaves
// a failed revision; the next Apply upgrades from it.
func TestFailedFirstInstallRecovers(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{})
	ns := createNamespace(t, "failed-install")
	_, err := m.Apply(ctx, appRelease(ns, "app", map[string]any{"bad/key": "x"}))
	if err == nil || !strings.Contains(err.Error(), "installing release") {
		t.Fatalf("an invalid ConfigMap key must fail the install: %v", err)
	}
	if h := history(t, m, ns, "app"); statuses(h) != "1:failed" {
		t.Fatalf("history after a failed install: %s", statuses(h))
	}
	if a, _ := m.Plan(ctx, appRelease(ns, "app", map[string]any{"good": "x"})); a != ActionUpgrade {
		t.Errorf("plan over a failed install: %s", a)
	}
	res, err := m.Apply(ctx, appRelease(ns, "app", map[string]any{"good": "x"}))
	if err != nil || res != (Result{Action: ActionUpgrade, Revision: 2}) {
		t.Fatalf("apply over a failed install: %+v %v", res, err)
	}
	if h := history(t, m, ns, "app"); statuses(h) != "1:superseded 2:deployed" {
		t.Errorf("history: %s", statuses(h))
	}
	if got := configMapData(t, ns, "app")["good"]; got != "x" {
		t.Errorf("ConfigMap data %q", got)
	}
}

// TestPendingRevisionsRecovered: a pending revision left by a killed
// process is marked failed and the release upgraded; a fresh one (maybe a
// live process) makes Apply wait.
func TestPendingRevisionsRecovered(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{PendingTimeout: 10 * time.Minute})
	for _, status := range []release.Status{release.StatusPendingInstall, release.StatusPendingUpgrade, release.StatusPendingRollback} {
		t.Run(string(status), func(t *testing.T) {
			ns := createNamespace(t, string(status))
			r := appRelease(ns, "app", map[string]any{"n": "1"})
			version := 1
			if status != release.StatusPendingInstall {
				if _, err := m.Apply(ctx, r); err != nil {
					t.Fatal(err)
				}
				version = 2
			}
			// Write the pending revision through the storage driver, as a
			// process killed mid-action leaves it.
			cfg, err := m.actionConfig(ctx, ns)
			if err != nil {
				t.Fatal(err)
			}
			ch, _ := m.Chart("openstack", "app")
			pending := &release.Release{Name: "app", Namespace: ns, Version: version, Chart: ch, Config: r.Values,
				Info: &release.Info{Status: status, Description: "killed", FirstDeployed: helmtime.Now(), LastDeployed: helmtime.Now()}}
			if err := cfg.Releases.Create(pending); err != nil {
				t.Fatal(err)
			}

			r.Values = map[string]any{"data": map[string]any{"n": "2"}}
			if _, err := m.Apply(ctx, r); !errors.Is(err, ErrReleaseBusy) {
				t.Fatalf("a fresh pending revision must make Apply wait: %v", err)
			}
			h := history(t, m, ns, "app")
			if got := h[len(h)-1]; got.Version != version || got.Info.Status != status {
				t.Fatalf("a busy release was touched: %s", statuses(h))
			}

			pending.Info.LastDeployed = helmtime.Time{Time: time.Now().Add(-time.Hour)}
			if err := cfg.Releases.Update(pending); err != nil {
				t.Fatal(err)
			}
			res, err := m.Apply(ctx, r)
			if err != nil || res != (Result{Action: ActionUpgrade, Revision: version + 1}) {
				t.Fatalf("apply over an old pending revision: %+v %v", res, err)
			}
			h = history(t, m, ns, "app")
			for _, rev := range h {
				if rev.Info.Status.IsPending() {
					t.Errorf("revision %d still %s", rev.Version, rev.Info.Status)
				}
				if rev.Version == version && !strings.Contains(rev.Info.Description, "recovered from "+string(status)) {
					t.Errorf("recovered revision %d: description %q", rev.Version, rev.Info.Description)
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

// TestJobsRerunAndImmutableObjects: Jobs whose pod template changes are
// recreated (they run again), others are left alone; a StatefulSet whose
// immutable field changes is recreated; a PVC never is.
func TestJobsRerunAndImmutableObjects(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{})
	ns := createNamespace(t, "jobs")
	startOrphanGC(t, ns) // the StatefulSet is deleted with orphan propagation
	values := map[string]any{}
	r := Release{Name: "jobs", Namespace: ns, Group: "infra", Chart: "jobs", Values: values}
	if _, err := m.Apply(ctx, r); err != nil {
		t.Fatal(err)
	}
	dbSync, bootstrap, sts, pvc := uid(t, ns, "Job", "db-sync"), uid(t, ns, "Job", "bootstrap"), uid(t, ns, "StatefulSet", "server"), uid(t, ns, "PersistentVolumeClaim", "data")

	// A new image for db-sync. The Job is deleted after the dry run of the
	// upgrade and before the upgrade, which therefore succeeds at once
	// (without that, Helm's patch of the Job's immutable template would
	// fail first, leaving a failed revision).
	values["jobImage"] = "busybox:2"
	if res, err := m.Apply(ctx, r); err != nil || res != (Result{Action: ActionUpgrade, Revision: 2}) {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	if uid(t, ns, "Job", "db-sync") == dbSync {
		t.Error("db-sync (new image) was not recreated")
	}
	if uid(t, ns, "Job", "bootstrap") != bootstrap {
		t.Error("bootstrap (unchanged) was recreated")
	}
	dbSync = uid(t, ns, "Job", "db-sync")

	// A new config hash annotation for bootstrap.
	values["bootstrapConfigHash"] = "2"
	if res, err := m.Apply(ctx, r); err != nil || res != (Result{Action: ActionUpgrade, Revision: 3}) {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	if uid(t, ns, "Job", "bootstrap") == bootstrap {
		t.Error("bootstrap (new config hash) was not recreated")
	}
	if uid(t, ns, "Job", "db-sync") != dbSync {
		t.Error("db-sync (unchanged) was recreated")
	}
	dbSync, bootstrap = uid(t, ns, "Job", "db-sync"), uid(t, ns, "Job", "bootstrap")

	// An immutable StatefulSet field: deleted and recreated by the retried
	// upgrade; the Jobs are not touched.
	values["stsServiceName"] = "sts-b"
	res, err := m.Apply(ctx, r)
	if err != nil || res.Action != ActionUpgrade {
		t.Fatalf("immutable field: %+v %v", res, err)
	}
	if uid(t, ns, "StatefulSet", "server") == sts {
		t.Error("the StatefulSet was not recreated")
	}
	s, _ := clientset.AppsV1().StatefulSets(ns).Get(ctx, "server", metav1.GetOptions{})
	if s.Spec.ServiceName != "sts-b" {
		t.Errorf("StatefulSet serviceName %q", s.Spec.ServiceName)
	}
	if uid(t, ns, "Job", "db-sync") != dbSync || uid(t, ns, "Job", "bootstrap") != bootstrap {
		t.Error("unchanged Jobs were recreated")
	}
	// Revision 4 failed on the StatefulSet, 5 is the retry.
	if h := history(t, m, ns, "jobs"); statuses(h) != "3:superseded 4:failed 5:deployed" || res.Revision != 5 {
		t.Errorf("history %s, result %+v", statuses(h), res)
	}
	sts = uid(t, ns, "StatefulSet", "server")

	// A volume claim is never deleted: the error says to do it by hand.
	values["pvcSize"] = "2Gi"
	_, err = m.Apply(ctx, r)
	if !errors.Is(err, ErrVolumeChange) || !strings.Contains(err.Error(), "PersistentVolumeClaim data") {
		t.Errorf("PVC change: %v", err)
	}
	if uid(t, ns, "PersistentVolumeClaim", "data") != pvc {
		t.Error("the PVC was deleted")
	}
	if uid(t, ns, "StatefulSet", "server") != sts {
		t.Error("the StatefulSet was deleted along with a refused PVC change")
	}
}

// TestParallelismIsBounded runs concurrent Applies: at most MaxParallel
// at once, and MaxParallel are reached; calls on one release never
// overlap.
func TestParallelismIsBounded(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{MaxParallel: 2})
	ns := createNamespace(t, "parallel")
	var (
		mu                         sync.Mutex
		inFlight, maxInFlight, all int
		perRelease                 = map[string]int{}
		maxPerRelease              int
	)
	gate := make(chan struct{})
	m.held = func(_, name string) {
		mu.Lock()
		inFlight++
		all++
		perRelease[name]++
		maxInFlight = max(maxInFlight, inFlight)
		maxPerRelease = max(maxPerRelease, perRelease[name])
		mu.Unlock()
		<-gate
		mu.Lock()
		inFlight--
		perRelease[name]--
		mu.Unlock()
	}
	names := []string{"p0", "p1", "p2", "p3", "p4", "p0"}
	results := make([]Result, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() { results[i], errs[i] = m.Apply(ctx, appRelease(ns, name, map[string]any{"k": "v"})) })
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := inFlight
		mu.Unlock()
		if n >= 2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Give a broken bound the chance to show before letting everyone go.
	time.Sleep(200 * time.Millisecond)
	close(gate)
	wg.Wait()

	if maxInFlight != 2 {
		t.Errorf("max in flight %d, want MaxParallel=2", maxInFlight)
	}
	if maxPerRelease != 1 {
		t.Errorf("one release had %d calls at once", maxPerRelease)
	}
	if all != len(names) {
		t.Errorf("%d calls got a slot, want %d", all, len(names))
	}
	actions := map[string][]string{}
	for i, name := range names {
		if errs[i] != nil {
			t.Errorf("%s: %v", name, errs[i])
		}
		actions[name] = append(actions[name], string(results[i].Action))
	}
	got := fmt.Sprint(actions["p0"])
	if got != "[install unchanged]" && got != "[unchanged install]" {
		t.Errorf("p0 applied twice at once: %s", got)
	}
	for _, name := range names[1:5] {
		if fmt.Sprint(actions[name]) != "[install]" {
			t.Errorf("%s: %v", name, actions[name])
		}
	}
	if len(m.locks) != 0 {
		t.Errorf("release locks left: %v", sortedKeys(m.locks))
	}
}

// TestUninstalledHistoryReinstalls: a release uninstalled with its history
// kept (helm uninstall --keep-history) is installed again.
func TestUninstalledHistoryReinstalls(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{})
	ns := createNamespace(t, "kept-history")
	r := appRelease(ns, "app", map[string]any{"k": "v"})
	if _, err := m.Apply(ctx, r); err != nil {
		t.Fatal(err)
	}
	cfg, err := m.actionConfig(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	un := action.NewUninstall(cfg)
	un.KeepHistory = true
	if _, err := un.Run("app"); err != nil {
		t.Fatal(err)
	}
	if a, _ := m.Plan(ctx, r); a != ActionInstall {
		t.Errorf("plan over an uninstalled release: %s", a)
	}
	res, err := m.Apply(ctx, r)
	if err != nil || res != (Result{Action: ActionInstall, Revision: 2}) {
		t.Fatalf("apply over an uninstalled release: %+v %v", res, err)
	}
	if got := configMapData(t, ns, "app")["k"]; got != "v" {
		t.Errorf("ConfigMap k=%q", got)
	}
}

// TestRollback: a rollback is a new revision with the old values; applying
// those values afterwards changes nothing.
func TestRollback(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{})
	ns := createNamespace(t, "rollback")
	for _, n := range []string{"1", "2"} {
		if _, err := m.Apply(ctx, appRelease(ns, "app", map[string]any{"n": n})); err != nil {
			t.Fatal(err)
		}
	}
	if err := m.Rollback(ctx, ns, "app", 0); err != nil {
		t.Fatal(err)
	}
	if h := history(t, m, ns, "app"); statuses(h) != "1:superseded 2:superseded 3:deployed" {
		t.Errorf("history %s", statuses(h))
	}
	if got := configMapData(t, ns, "app")["n"]; got != "1" {
		t.Errorf("ConfigMap n=%q after the rollback", got)
	}
	res, err := m.Apply(ctx, appRelease(ns, "app", map[string]any{"n": "1"}))
	if err != nil || res != (Result{Action: ActionUnchanged, Revision: 3}) {
		t.Errorf("apply of the rolled-back values: %+v %v", res, err)
	}
	if err := m.Rollback(ctx, ns, "absent", 0); err == nil {
		t.Error("rollback of a missing release succeeded")
	}
}

// TestClientOnly: without a cluster, charts render and cluster calls fail
// cleanly.
func TestClientOnly(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m, err := New(nil, Options{ChartsDir: testCharts})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Render(ctx, appRelease("ns", "app", nil)); err != nil {
		t.Errorf("render: %v", err)
	}
	if _, err := m.Apply(ctx, appRelease("ns", "app", nil)); !errors.Is(err, errNoCluster) {
		t.Errorf("apply: %v", err)
	}
	if _, err := m.Apply(ctx, Release{Name: "x", Namespace: "ns", Chart: "app"}); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("a release without group: %v", err)
	}
}
