package helm

import (
	"context"
	"strings"
	"testing"

	"k8s.io/klog/v2/ktesting"
)

func keystoneRelease(values map[string]any) Release {
	return Release{Name: "openstack-keystone", Namespace: "openstack", Group: "openstack", Chart: "keystone", Values: values}
}

// TestRenderRealKeystone renders the real keystone chart, helm-toolkit
// resolved from file://../../infra/helm-toolkit, without a cluster.
func TestRenderRealKeystone(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m, err := New(nil, Options{ChartsDir: realCharts(t)})
	if err != nil {
		t.Fatal(err)
	}
	ch, err := m.Chart("openstack", "keystone")
	if err != nil {
		t.Fatal(err)
	}
	if deps := ch.Dependencies(); len(deps) != 1 || deps[0].Name() != "helm-toolkit" {
		t.Fatalf("keystone dependencies: %v", deps)
	}
	// Integer values (as the layering produces) must render like Helm's own
	// float64 numbers: helm-toolkit formats ports with printf "%1.f".
	values := map[string]any{"endpoints": map[string]any{"identity": map[string]any{"port": map[string]any{"api": map[string]any{"internal": int64(5001)}}}}}
	manifest, err := m.Render(ctx, keystoneRelease(values))
	if err != nil {
		t.Fatal(err)
	}
	objs, err := parseManifest(manifest, "openstack")
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := objs.byKindName("Deployment", "keystone-api"); !ok || o.gvk.Group != "apps" {
		t.Errorf("no apps Deployment keystone-api among %d objects", len(objs))
	}
	if len(objs.jobs()) == 0 {
		t.Error("no Job rendered (db-sync, bootstrap...)")
	}
	if !strings.Contains(manifest, "containerPort: 5001") {
		t.Error("an int64 port value was not rendered as 5001")
	}
	if _, err := m.Render(ctx, Release{Name: "x", Namespace: "openstack", Group: "openstack", Chart: "nope"}); err == nil || !strings.Contains(err.Error(), "chart openstack/nope") {
		t.Errorf("a missing chart must be named: %v", err)
	}
}

// BenchmarkRenderKeystone: one client-only render of the real keystone
// chart (the chart is cached; each render gets its own copy).
func BenchmarkRenderKeystone(b *testing.B) {
	m, err := New(nil, Options{ChartsDir: realCharts(b)})
	if err != nil {
		b.Fatal(err)
	}
	r := keystoneRelease(map[string]any{})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Render(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// A chart that fails to render names the release and the value path.
func TestRenderErrorNamesReleaseAndValuePath(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	m, err := New(nil, Options{ChartsDir: realCharts(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Render(ctx, keystoneRelease(map[string]any{"conf": map[string]any{"keystone": "not a map"}}))
	if err == nil || !strings.Contains(err.Error(), "release openstack/openstack-keystone") || !strings.Contains(err.Error(), ".Values.conf.keystone.") {
		t.Fatalf("want an error naming the release and the value path, got %v", err)
	}
}
