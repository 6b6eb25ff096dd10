package helm

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/repo"
	helmtime "helm.sh/helm/v3/pkg/time"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2/ktesting"

	"rockoon.dev/rockoon/pkg/testenv"
)

var (
	env  *testenv.Env
	kube kubernetes.Interface
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{NoCRDs: true}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(env.Config)
	}))
}

var realCharts = testenv.SharedCharts

func newManager(t testing.TB, dir string) *Manager {
	t.Helper()
	m, err := New(env.Config, Options{ChartsDir: dir, DisableHooks: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func namespace(t testing.TB, name string) string {
	t.Helper()
	if _, err := kube.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return name
}

func revisions(t *testing.T, m *Manager, ns, name string) int {
	t.Helper()
	h, err := m.History(context.Background(), ns, name)
	if err != nil {
		t.Fatal(err)
	}
	return len(h)
}

func TestInstallSkipUpgradeRealChart(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, realCharts(t))
	ns := namespace(t, "memcached")
	r := Release{Name: "openstack-memcached", Namespace: ns, Group: "infra", Chart: "memcached",
		Values: map[string]any{"pod": map[string]any{"replicas": map[string]any{"server": 1}}}}
	if a, err := m.Plan(ctx, r); err != nil || a != ActionInstall {
		t.Fatalf("plan: %v %v", a, err)
	}
	res, err := m.Apply(ctx, r)
	if err != nil || res.Action != ActionInstall || res.Revision != 1 {
		t.Fatalf("install: %+v %v", res, err)
	}
	if _, err := kube.AppsV1().StatefulSets(ns).Get(ctx, "openstack-memcached-memcached", metav1.GetOptions{}); err != nil {
		t.Errorf("the chart's StatefulSet (helm-toolkit resolved) is not there: %v", err)
	}
	res, err = m.Apply(ctx, r)
	if err != nil || res.Action != ActionUnchanged || revisions(t, m, ns, r.Name) != 1 {
		t.Fatalf("same values must change nothing: %+v %v, %d revisions", res, err, revisions(t, m, ns, r.Name))
	}
	if a, _ := m.Plan(ctx, r); a != ActionUnchanged {
		t.Errorf("plan after apply: %s", a)
	}
	r.Values = map[string]any{"pod": map[string]any{"replicas": map[string]any{"server": 2}}}
	res, err = m.Apply(ctx, r)
	if err != nil || res.Action != ActionUpgrade || res.Revision != 2 {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	vals, err := m.GetValues(ctx, ns, r.Name)
	if err != nil || fmt.Sprint(vals) != fmt.Sprint(r.Values) {
		t.Errorf("values %v %v", vals, err)
	}
	list, err := m.List(ctx, ns)
	if err != nil || len(list) != 1 || list[0].Chart != "memcached" || list[0].Status != "deployed" {
		t.Errorf("list: %+v %v", list, err)
	}
	if ok, err := m.Uninstall(ctx, ns, r.Name); !ok || err != nil {
		t.Fatalf("uninstall: %v %v", ok, err)
	}
	if ok, err := m.Uninstall(ctx, ns, r.Name); ok || err != nil {
		t.Errorf("uninstalling a missing release: %v %v", ok, err)
	}
	if n := revisions(t, m, ns, r.Name); n != 0 {
		t.Errorf("%d revisions left after uninstall", n)
	}
}

func TestPendingReleasesRecovered(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m, err := New(env.Config, Options{ChartsDir: "testdata/charts", DisableHooks: true, Timeout: time.Minute, PendingTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	for _, status := range []release.Status{release.StatusPendingInstall, release.StatusPendingUpgrade} {
		name := "rel-" + string(status)
		ns := namespace(t, name)
		r := Release{Name: name, Namespace: ns, Group: "infra", Chart: "jobs", Values: map[string]any{"stsServiceName": name}}
		if status == release.StatusPendingUpgrade {
			if _, err := m.Apply(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		// Leave a pending revision in storage, as a process killed mid-action.
		cfg, err := m.config(ctx, ns)
		if err != nil {
			t.Fatal(err)
		}
		ch, _ := m.Chart("infra", "jobs")
		version := revisions(t, m, ns, name) + 1
		pending := &release.Release{Name: name, Namespace: ns, Version: version, Chart: ch, Config: r.Values,
			Info: &release.Info{Status: status, Description: "killed", LastDeployed: helmtime.Now()}}
		if err := cfg.Releases.Create(pending); err != nil {
			t.Fatal(err)
		}
		r.Values = map[string]any{"stsServiceName": name, "jobImage": "busybox:2"}
		// A fresh pending revision may be another process at work: wait.
		if _, err := m.Apply(ctx, r); !errors.Is(err, ErrReleaseBusy) {
			t.Fatalf("%s: a fresh pending revision must make Apply wait, got %v", status, err)
		}
		time.Sleep(1100 * time.Millisecond)
		res, err := m.Apply(ctx, r)
		if err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		h, _ := m.History(ctx, ns, name)
		last := h[len(h)-1]
		if last.Info.Status != release.StatusDeployed || res.Revision != version+1 {
			t.Errorf("%s: last revision %d %s, result %+v", status, last.Version, last.Info.Status, res)
		}
		for _, rev := range h[:len(h)-1] {
			if rev.Info.Status.IsPending() {
				t.Errorf("%s: revision %d still %s", status, rev.Version, rev.Info.Status)
			}
		}
	}
}

func uid(t *testing.T, ns, kind, name string) types.UID {
	t.Helper()
	ctx := context.Background()
	switch kind {
	case "Job":
		j, err := kube.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return j.UID
	case "StatefulSet":
		s, err := kube.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s.UID
	case "PersistentVolumeClaim":
		p, err := kube.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p.UID
	}
	t.Fatalf("kind %s", kind)
	return ""
}

func TestJobsAndImmutableObjects(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, "testdata/charts")
	ns := namespace(t, "jobs")
	r := Release{Name: "jobs", Namespace: ns, Group: "infra", Chart: "jobs", Values: map[string]any{}}
	if _, err := m.Apply(ctx, r); err != nil {
		t.Fatal(err)
	}
	dbSync, bootstrap, sts, pvc := uid(t, ns, "Job", "db-sync"), uid(t, ns, "Job", "bootstrap"), uid(t, ns, "StatefulSet", "server"), uid(t, ns, "PersistentVolumeClaim", "data")

	// A new image for db-sync: that Job is recreated (runs again), the
	// other is left alone.
	r.Values = map[string]any{"jobImage": "busybox:2"}
	if res, err := m.Apply(ctx, r); err != nil || res.Action != ActionUpgrade {
		t.Fatalf("upgrade: %+v %v", res, err)
	}
	if uid(t, ns, "Job", "db-sync") == dbSync {
		t.Error("db-sync (changed template) was not recreated")
	}
	if uid(t, ns, "Job", "bootstrap") != bootstrap {
		t.Error("bootstrap (unchanged) was recreated")
	}

	// An immutable StatefulSet field: the StatefulSet is deleted and
	// recreated by the upgrade.
	r.Values = map[string]any{"jobImage": "busybox:2", "stsServiceName": "sts-b"}
	if _, err := m.Apply(ctx, r); err != nil {
		t.Fatalf("immutable field: %v", err)
	}
	if uid(t, ns, "StatefulSet", "server") == sts {
		t.Error("the StatefulSet was not recreated")
	}

	// A volume claim is never deleted: the error says to do it by hand.
	r.Values = map[string]any{"jobImage": "busybox:2", "stsServiceName": "sts-b", "pvcSize": "2Gi"}
	_, err := m.Apply(ctx, r)
	if err == nil || !strings.Contains(err.Error(), "PersistentVolumeClaim data can not be updated automatically") {
		t.Errorf("PVC change: %v", err)
	}
	if uid(t, ns, "PersistentVolumeClaim", "data") != pvc {
		t.Error("the PVC was deleted")
	}
}

func TestRenderRealKeystone(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, realCharts(t))
	// Integer values (as the layering produces) must render like Helm's own
	// float64 numbers: helm-toolkit formats ports with printf "%1.f".
	values := map[string]any{"endpoints": map[string]any{"identity": map[string]any{"port": map[string]any{"api": map[string]any{"internal": int64(5001)}}}}}
	manifest, err := m.Render(ctx, Release{Name: "openstack-keystone", Namespace: "openstack", Group: "openstack", Chart: "keystone", Values: values})
	if err != nil {
		t.Fatal(err)
	}
	objs, err := parseManifest(manifest)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := objs["Deployment/keystone-api"]; !ok {
		t.Errorf("no Deployment keystone-api among %d objects", len(objs))
	}
	if !strings.Contains(manifest, "containerPort: 5001") {
		t.Error("an int64 port value was not rendered as 5001")
	}
	if _, err := m.Render(ctx, Release{Name: "x", Namespace: "openstack", Group: "openstack", Chart: "nope"}); err == nil || !strings.Contains(err.Error(), "chart openstack/nope") {
		t.Errorf("a missing chart must be named: %v", err)
	}
}

func BenchmarkRenderKeystone(b *testing.B) {
	m := newManager(b, realCharts(b))
	r := Release{Name: "openstack-keystone", Namespace: "openstack", Group: "openstack", Chart: "keystone", Values: map[string]any{}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Render(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// TestChartRepository serves the test chart from a Helm chart repository
// on loopback (index.yaml and the packaged chart) and installs it from there.
func TestChartRepository(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	dir := t.TempDir()
	ch, err := loadWithFileDependencies("testdata/charts/infra/jobs")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chartutil.Save(ch, dir); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer srv.Close()
	index, err := repo.IndexDirectory(dir, srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if err := index.WriteFile(filepath.Join(dir, "index.yaml"), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := New(env.Config, Options{ChartRepository: srv.URL, DisableHooks: true})
	if err != nil {
		t.Fatal(err)
	}
	ns := namespace(t, "from-repo")
	res, err := m.Apply(ctx, Release{Name: "jobs", Namespace: ns, Group: "infra", Chart: "jobs", Values: map[string]any{}})
	if err != nil || res.Action != ActionInstall {
		t.Fatalf("install from the repository: %+v %v", res, err)
	}
	if _, err := m.Chart("infra", "absent"); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("a chart missing from the repository: %v", err)
	}
}

// TestParallelismIsBounded: operations on different releases run at once
// up to MaxParallel; operations on one release never overlap.
func TestParallelismIsBounded(t *testing.T) {
	m, err := New(env.Config, Options{MaxParallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	inFlight, maxInFlight, sameRelease, maxSame := 0, 0, 0, 0
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			name := fmt.Sprintf("r%d", i%4)
			unlock, err := m.lock(context.Background(), "ns", name)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inFlight++
			maxInFlight = max(maxInFlight, inFlight)
			if name == "r0" {
				sameRelease++
				maxSame = max(maxSame, sameRelease)
			}
			mu.Unlock()
			time.Sleep(20 * time.Millisecond)
			mu.Lock()
			inFlight--
			if name == "r0" {
				sameRelease--
			}
			mu.Unlock()
			unlock()
		})
	}
	wg.Wait()
	if maxInFlight != 2 {
		t.Errorf("max in flight %d, want 2", maxInFlight)
	}
	if maxSame != 1 {
		t.Errorf("one release had %d operations at once", maxSame)
	}
}
