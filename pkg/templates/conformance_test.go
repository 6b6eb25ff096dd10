package templates

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/conformance"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/testenv"
)

// The golden conformance harness: every (service, context) of the
// original's fixtures (../shared/reference-fixtures/render) for a service
// we have a template for is rendered from the same inputs and compared leaf
// by leaf with the expected values. The match rate per service may not drop
// below testdata/conformance-baseline.yaml (a ratchet: raise it as templates
// improve); every difference is logged with -v.
//
// A difference we keep on purpose is listed, with its reason, in
// testdata/known-differences/<service>.yaml: such leaves count as
// explained, not matched; an entry that explains nothing fails the test
// (so the list can not rot).

func fixturesDir(t *testing.T) string {
	t.Helper()
	dir := testenv.SharedDir(t, "reference-fixtures", "render")
	testenv.SharedDir(t, "reference-fixtures", "render", "input", "common_template_args.yaml")
	return dir
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	v, err := layering.FromJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	m, _ := v.(map[string]any)
	return m
}

// fixtureData builds the template data of one service in one context, with
// the original's argument names.
func fixtureData(t *testing.T, dir, ctx, svc string) map[string]any {
	t.Helper()
	common := readYAML(t, filepath.Join(dir, "input", "common_template_args.yaml"))
	args := readYAML(t, filepath.Join(dir, "input", ctx, "context_template_args.yaml"))
	spec := readYAML(t, filepath.Join(dir, "input", ctx, "context_spec.yaml"))
	data := map[string]any{}
	for k, v := range common {
		data[k] = v
	}
	if a, ok := args[svc].(map[string]any); ok {
		for k, v := range a {
			data[k] = v
		}
	}
	images := map[string]string{}
	for k, v := range common["images"].(map[string]any) {
		images[k] = fmt.Sprint(v)
	}
	// A context may override images (e.g. binaries behind a local proxy).
	if ci, ok := args["images"].(map[string]any); ok {
		for k, v := range ci {
			images[k] = fmt.Sprint(v)
		}
	}
	data["images"] = images
	data["spec"] = spec
	data["namespace"] = "openstack"
	data["openstack_versions"] = OpenStackVersions
	data["slurp_releases"] = SLURPReleases
	var enabled []string
	for _, s := range layering.Get(spec, "features", "services").([]any) {
		enabled = append(enabled, s.(string))
	}
	data["enabled_services"] = enabled
	// service_policy: the original's golden tests give every policy service
	// the stub {<svc>_rule1: <svc>_value1} (its default policy file in
	// production); the dashboard gets one per chart.
	svcOf := map[string]string{}
	for s, c := range catalog.ServiceCharts() {
		svcOf[c] = s
	}
	stub := func(s string) map[string]any { return map[string]any{s + "_rule1": s + "_value1"} }
	if svc == "dashboard" {
		all := map[string]any{}
		for _, c := range catalog.PolicyCharts() {
			all[c] = stub(svcOf[c])
		}
		data["service_policy"] = all
	} else if e, _ := catalog.Lookup(svc); e.Policy {
		data["service_policy"] = stub(svc)
	}
	data["service_charts"] = catalog.ServiceCharts()
	data["pod_networks"] = []any{map[string]any{"cidr": "192.168.0.0/16"}} // the original default
	return data
}

func TestGoldenConformance(t *testing.T) {
	dir := fixturesDir(t)
	baseline, err := conformance.LoadBaseline("testdata/conformance-baseline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ceiling, err := conformance.LoadCeiling("testdata/conformance-ceiling.yaml")
	if err != nil {
		t.Fatal(err)
	}
	e := New()
	services, err := e.Services()
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range services {
		files, _ := filepath.Glob(filepath.Join(dir, "output", svc, "*.yaml"))
		if len(files) == 0 {
			continue
		}
		t.Run(svc, func(t *testing.T) {
			kd, err := conformance.LoadKnownDifferences(filepath.Join("testdata", "known-differences", svc+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			total := conformance.Tally{Known: kd}
			for _, f := range files {
				ctx := strings.TrimSuffix(filepath.Base(f), ".yaml")
				want := readYAML(t, f)
				rendered, err := e.Service(svc, fixtureData(t, dir, ctx, svc))
				if err != nil {
					t.Errorf("%s: %v", ctx, err)
					continue
				}
				got := map[string]map[string]any{}
				for _, r := range rendered {
					got[r["name"].(string)] = r
				}
				var wantNames []string
				for _, r := range layering.Get(want, "spec").(map[string]any)["releases"].([]any) {
					rm := r.(map[string]any)
					name := rm["name"].(string)
					wantNames = append(wantNames, name)
					var values any
					if g, ok := got[name]; ok {
						values = g["values"]
					} else {
						total.Fail(ctx, name, "release "+name+" not rendered")
					}
					total.Compare(ctx, name, rm["values"], values)
				}
				gotNames := slices.Sorted(maps.Keys(got))
				sort.Strings(wantNames)
				if !reflect.DeepEqual(wantNames, gotNames) {
					total.Fail(ctx, "releases", fmt.Sprintf("releases %v, want %v", gotNames, wantNames))
				}
			}
			sort.Strings(total.Diffs)
			for _, d := range total.Diffs {
				t.Log(d)
			}
			for _, p := range conformance.Unused(total.Known) {
				t.Errorf("known difference %s of %s explains no difference: remove it", p, svc)
			}
			t.Logf("%s, %d contexts", total.Summary(svc), len(files))
			if err := baseline.Check(svc, total.Rate()); err != nil {
				t.Error(err)
			}
			if lower, err := ceiling.Check(svc, len(total.Diffs)); err != nil {
				t.Error(err)
			} else if lower {
				t.Logf("%s: %d unexplained differences, below the ceiling %d of testdata/conformance-ceiling.yaml: lower it", svc, len(total.Diffs), ceiling[svc])
			}
		})
	}
}
