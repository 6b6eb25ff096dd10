package helm

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/repo"
	"k8s.io/klog/v2/ktesting"
	"sigs.k8s.io/yaml"
)

// TestFileDependencies: file:// dependencies are loaded from their
// directories; a dependency vendored under charts/ wins.
func TestFileDependencies(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m := newManager(t, Options{})
	ch, err := m.Chart("openstack", "app")
	if err != nil {
		t.Fatal(err)
	}
	var deps []string
	for _, d := range ch.Dependencies() {
		deps = append(deps, d.Name()+"/"+d.Parent().Name())
	}
	if strings.Join(deps, ",") != "vendored/app,lib/app" {
		t.Errorf("dependencies %v", deps)
	}
	manifest, err := m.Render(ctx, appRelease("ns", "app", nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`lib: "from-infra-lib"`, `vendored: "from-the-vendored-copy"`} {
		if !strings.Contains(manifest, want) {
			t.Errorf("manifest lacks %s:\n%s", want, manifest)
		}
	}
}

// TestChartCache: a chart is read from disk once, every caller gets its
// own copy, and concurrent use is safe.
func TestChartCache(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(testCharts)); err != nil {
		t.Fatal(err)
	}
	m, err := New(nil, Options{ChartsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for range 8 {
		wg.Go(func() {
			c, err := m.Chart("openstack", "app")
			if err != nil {
				errs <- err
				return
			}
			// Callers may modify their copy.
			c.Values["data"] = map[string]any{"x": "y"}
			c.Metadata.Dependencies[0].Enabled = true
			c.SetDependencies()
			if _, err := m.Render(ctx, appRelease("ns", "app", map[string]any{"k": "v"})); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	c, err := m.Chart("openstack", "app")
	if err != nil {
		t.Fatalf("the cached chart is read again from disk: %v", err)
	}
	if len(c.Dependencies()) != 2 || len(c.Values["data"].(map[string]any)) != 0 || c.Metadata.Dependencies[0].Enabled {
		t.Errorf("a caller's change reached the cache: %d deps, values %v", len(c.Dependencies()), c.Values)
	}
	lc, _ := m.charts.get("openstack", "app")
	if chartDigest(c) != lc.digest {
		t.Error("a copy does not have the digest of the chart it copies")
	}
}

func writeChart(t *testing.T, dir, name, deps string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name, "Chart.yaml"), []byte("apiVersion: v2\nname: "+name+"\nversion: 0.1.0\n"+deps), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestChartErrors(t *testing.T) {
	dir := t.TempDir()
	writeChart(t, filepath.Join(dir, "infra"), "a", "dependencies:\n- name: b\n  repository: file://../b\n")
	writeChart(t, filepath.Join(dir, "infra"), "b", "dependencies:\n- name: a\n  repository: file://../a\n")
	writeChart(t, filepath.Join(dir, "infra"), "c", "dependencies:\n- name: zzz\n  repository: file://../d\n")
	writeChart(t, filepath.Join(dir, "infra"), "d", "")
	m, err := New(nil, Options{ChartsDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ group, name, want string }{
		{"openstack", "nope", "chart openstack/nope"},
		{"infra", "../openstack", "plain directory names"},
		{"..", "x", "plain directory names"},
		{"infra", "a", "cycle"},
		{"infra", "c", `the chart there is named "d"`},
	} {
		if _, err := m.Chart(tc.group, tc.name); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s/%s: %v, want %q", tc.group, tc.name, err, tc.want)
		}
	}
}

func TestReleaseDigest(t *testing.T) {
	digest := func(v map[string]any) string {
		t.Helper()
		hv, err := helmValues(v)
		if err != nil {
			t.Fatal(err)
		}
		d, err := releaseDigest("1.0.0", "c", hv)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	a := digest(map[string]any{"a": 1, "b": map[string]any{"x": []any{"1", 2}}})
	if b := digest(map[string]any{"b": map[string]any{"x": []any{"1", float64(2)}}, "a": int64(1)}); a != b {
		t.Error("the same values as other Go types give another digest")
	}
	if b := digest(map[string]any{"a": 1, "b": map[string]any{"x": []any{"1", 3}}}); a == b {
		t.Error("other values give the same digest")
	}
	if digest(nil) != digest(map[string]any{}) {
		t.Error("no values and empty values differ")
	}
	d1, _ := releaseDigest("1.0.0", "c", nil)
	d2, _ := releaseDigest("1.0.1", "c", nil)
	d3, _ := releaseDigest("1.0.0", "d", nil)
	if d1 == d2 || d1 == d3 {
		t.Error("chart version or chart digest ignored")
	}
}

func TestImmutableObjects(t *testing.T) {
	for _, tc := range []struct{ msg, want string }{
		{`cannot patch "db-sync" with kind Job: Job.batch "db-sync" is invalid: spec.template: Invalid value: ...: field is immutable`, "[{Job db-sync}]"},
		{`failed to replace object: cannot patch "server" with kind StatefulSet: StatefulSet.apps "server" is invalid: spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden && cannot patch "a" with kind Job: field is immutable && cannot patch "server" with kind StatefulSet: are forbidden`, "[{StatefulSet server} {Job a}]"},
		{`cannot patch "x" with kind Deployment: Unauthorized`, "[]"},
		{`cannot patch "x" with kind Deployment: deployments.apps "x" is forbidden: User "u" cannot patch resource && cannot patch "data" with kind PersistentVolumeClaim: PersistentVolumeClaim "data" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests`, "[{PersistentVolumeClaim data}]"},
		{`some other error: field is immutable`, "[]"},
	} {
		var got []string
		for _, o := range immutableObjects(errorString(tc.msg)) {
			got = append(got, "{"+o.kind+" "+o.name+"}")
		}
		if s := "[" + strings.Join(got, " ") + "]"; s != tc.want {
			t.Errorf("%q: %s, want %s", tc.msg, s, tc.want)
		}
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

// chartRepo is a Helm chart repository on loopback serving the app chart
// in versions 0.1.0 and 0.2.0 (dependencies packaged inside); its index
// can be replaced.
type chartRepo struct {
	srv   *httptest.Server
	mu    sync.Mutex
	index *repo.IndexFile
}

func newChartRepo(t *testing.T, tls bool) *chartRepo {
	t.Helper()
	dir := t.TempDir()
	ch, err := loadDir(filepath.Join(testCharts, "openstack", "app"), map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chartutil.Save(ch, dir); err != nil {
		t.Fatal(err)
	}
	v2 := copyChart(ch)
	v2.Metadata.Version = "0.2.0"
	if _, err := chartutil.Save(v2, dir); err != nil {
		t.Fatal(err)
	}
	r := &chartRepo{}
	files := http.FileServer(http.Dir(dir))
	handler := http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if req.URL.Path != "/index.yaml" {
			files.ServeHTTP(w, req)
			return
		}
		r.mu.Lock()
		b, err := yaml.Marshal(r.index)
		r.mu.Unlock()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		_, _ = w.Write(b)
	})
	if tls {
		r.srv = httptest.NewTLSServer(handler)
	} else {
		r.srv = httptest.NewServer(handler)
	}
	t.Cleanup(r.srv.Close)
	// Relative URLs, resolved against the repository URL.
	if r.index, err = repo.IndexDirectory(dir, ""); err != nil {
		t.Fatal(err)
	}
	return r
}

// setDigest replaces the digest of the index entry of version.
func (r *chartRepo) setDigest(version, digest string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, cv := range r.index.Entries["app"] {
		if cv.Version == version {
			cv.Digest = digest
		}
	}
}

// repoManager is a Manager (on the test cluster) whose chart downloads
// trust the repository's TLS certificate.
func (r *chartRepo) manager(t *testing.T, opts Options) *Manager {
	t.Helper()
	opts.ChartRepository = r.srv.URL
	m := newManager(t, opts)
	m.charts.client = r.srv.Client()
	return m
}

// TestChartRepository serves the app chart from a Helm chart repository
// on loopback (index.yaml and the packaged chart, dependencies inside) and
// installs it from there: the version asked for, never silently the
// newest.
func TestChartRepository(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	r := newChartRepo(t, true)
	m := r.manager(t, Options{ChartVersion: "~0.1.0"})
	ns := createNamespace(t, "from-repo")
	res, err := m.Apply(ctx, appRelease(ns, "app", nil))
	if err != nil || res.Action != ActionInstall {
		t.Fatalf("install from the repository: %+v %v", res, err)
	}
	if got := configMapData(t, ns, "app")["lib"]; got != "from-infra-lib" {
		t.Errorf("the packaged dependency was not used: lib=%q", got)
	}
	if rels, err := m.List(ctx, ns); err != nil || len(rels) != 1 || rels[0].ChartVersion != "0.1.0" {
		t.Errorf("the release must use the chart version asked for (0.1.0, not the newest 0.2.0): %+v %v", rels, err)
	}
	if res, err := m.Apply(ctx, appRelease(ns, "app", nil)); err != nil || res.Action != ActionUnchanged {
		t.Errorf("second apply from the repository: %+v %v", res, err)
	}
	if _, err := m.Chart("infra", "absent"); err == nil || !strings.Contains(err.Error(), "absent") {
		t.Errorf("a chart missing from the repository: %v", err)
	}

	for version, want := range map[string]string{"0.2.0": "0.2.0", ">= 0.1.0": "0.2.0", "0.1.0": "0.1.0"} {
		ch, err := r.manager(t, Options{ChartVersion: version}).Chart("openstack", "app")
		if err != nil || ch.Metadata.Version != want {
			t.Errorf("version %q: %v, want %s", version, err, want)
			continue
		}
	}
	if _, err := r.manager(t, Options{ChartVersion: "0.3.0"}).Chart("openstack", "app"); err == nil || !strings.Contains(err.Error(), "0.3.0") {
		t.Errorf("a version missing from the repository: %v", err)
	}
}

// TestChartRepositoryChecks: a version is required, plain http is refused
// unless allowed, and every archive must match its index digest.
func TestChartRepositoryChecks(t *testing.T) {
	if _, err := New(nil, Options{ChartRepository: "https://charts.example"}); err == nil || !strings.Contains(err.Error(), "chart version") {
		t.Errorf("a repository without a chart version: %v", err)
	}
	if _, err := New(nil, Options{ChartRepository: "ftp://charts.example", ChartVersion: "1.0.0"}); err == nil || !strings.Contains(err.Error(), "not an http(s) URL") {
		t.Errorf("an ftp repository: %v", err)
	}

	plain := newChartRepo(t, false)
	if _, err := New(nil, Options{ChartRepository: plain.srv.URL, ChartVersion: "0.1.0"}); err == nil || !strings.Contains(err.Error(), "plain http:// is refused") {
		t.Errorf("a plain http repository: %v", err)
	}
	m, err := New(nil, Options{ChartRepository: plain.srv.URL, ChartVersion: "0.1.0", AllowInsecureChartRepository: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Chart("openstack", "app"); err != nil {
		t.Errorf("an allowed plain http repository: %v", err)
	}

	r := newChartRepo(t, true)
	archive := r.srv.URL + "/app-0.1.0.tgz"
	r.setDigest("0.1.0", strings.Repeat("0", 64))
	if _, err := r.manager(t, Options{ChartVersion: "0.1.0"}).Chart("openstack", "app"); err == nil ||
		!strings.Contains(err.Error(), "chart app 0.1.0 ("+archive+")") || !strings.Contains(err.Error(), "differs from the digest") {
		t.Errorf("an archive not matching its digest: %v", err)
	}
	r.setDigest("0.1.0", "")
	if _, err := r.manager(t, Options{ChartVersion: "0.1.0"}).Chart("openstack", "app"); err == nil ||
		!strings.Contains(err.Error(), "chart app 0.1.0 ("+archive+")") || !strings.Contains(err.Error(), "no digest") {
		t.Errorf("an index entry without digest: %v", err)
	}
}
