package templates

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

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

// knownDifference is one entry of testdata/known-differences/<svc>.yaml:
// Path is a leaf path "<release>.<a>.<b>" of the values (or a prefix of leaf
// paths, on a dot boundary); Contexts limits it to some fixture contexts
// (all when empty).
type knownDifference struct {
	Path     string   `json:"path"`
	Contexts []string `json:"contexts,omitempty"`
	Reason   string   `json:"reason"`
	used     bool
}

func loadKnownDifferences(t *testing.T, svc string) []*knownDifference {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "known-differences", svc+".yaml"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	var kd []*knownDifference
	if err := yaml.UnmarshalStrict(data, &kd); err != nil {
		t.Fatalf("known differences of %s: %v", svc, err)
	}
	for _, k := range kd {
		if k.Path == "" || strings.TrimSpace(k.Reason) == "" {
			t.Fatalf("known differences of %s: every entry needs a path and a reason: %+v", svc, *k)
		}
	}
	return kd
}

// explain reports whether the difference at path (as "<ctx>:<leaf path>")
// is a known one.
func explain(kd []*knownDifference, ctxPath string) bool {
	ctx, path, _ := strings.Cut(ctxPath, ":")
	for _, k := range kd {
		if path != k.Path && !strings.HasPrefix(path, k.Path+".") {
			continue
		}
		if len(k.Contexts) > 0 && !slices.Contains(k.Contexts, ctx) {
			continue
		}
		k.used = true
		return true
	}
	return false
}

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
	for s, c := range ServiceCharts {
		svcOf[c] = s
	}
	stub := func(s string) map[string]any { return map[string]any{s + "_rule1": s + "_value1"} }
	if svc == "dashboard" {
		all := map[string]any{}
		for _, c := range PolicyServices {
			all[c] = stub(svcOf[c])
		}
		data["service_policy"] = all
	} else if c, ok := ServiceCharts[svc]; ok && slices.Contains(PolicyServices, c) {
		data["service_policy"] = stub(svc)
	}
	data["service_charts"] = ServiceCharts
	data["pod_networks"] = DefaultPodNetworks()
	return data
}

// leaves flattens values into path → leaf.
func leaves(prefix string, v any, out map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			out[prefix] = map[string]any{}
		}
		for k, x := range t {
			leaves(prefix+"."+k, x, out)
		}
	default:
		out[prefix] = v
	}
}

type conformance struct {
	matched, explained, expected, extra int
	diffs, known                        []string
	kd                                  []*knownDifference
}

func (c *conformance) differ(path, msg string) {
	if explain(c.kd, path) {
		c.known = append(c.known, msg)
		return
	}
	c.diffs = append(c.diffs, msg)
}

func compareRelease(name string, want, got map[string]any, c *conformance) {
	wl, gl := map[string]any{}, map[string]any{}
	leaves(name, want, wl)
	leaves(name, got, gl)
	for p, wv := range wl {
		c.expected++
		gv, ok := gl[p]
		switch {
		case !ok:
			c.differ(p, "missing "+p)
		case !layering.Equal(wv, gv) && !(isString(wv) && isString(gv) && strings.TrimSpace(wv.(string)) == strings.TrimSpace(gv.(string))):
			c.differ(p, fmt.Sprintf("differs %s: want %v, got %v", p, short(wv), short(gv)))
		default:
			c.matched++
			continue
		}
		if explain(c.kd, p) {
			c.explained++
		}
	}
	for p := range gl {
		if _, ok := wl[p]; !ok {
			c.extra++
			c.differ(p, "extra "+p)
		}
	}
}

func isString(v any) bool { _, ok := v.(string); return ok }

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

func TestGoldenConformance(t *testing.T) {
	dir := fixturesDir(t)
	baseline := map[string]float64{}
	if data, err := os.ReadFile("testdata/conformance-baseline.yaml"); err == nil {
		if err := yaml.Unmarshal(data, &baseline); err != nil {
			t.Fatal(err)
		}
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
			total := conformance{kd: loadKnownDifferences(t, svc)}
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
					g, ok := got[name]
					if !ok {
						total.diffs = append(total.diffs, ctx+": release "+name+" not rendered")
						n := conformance{kd: total.kd}
						compareRelease(ctx+":"+name, rm["values"].(map[string]any), map[string]any{}, &n)
						total.expected += n.expected
						total.explained += n.explained
						continue
					}
					c := conformance{kd: total.kd}
					compareRelease(ctx+":"+name, rm["values"].(map[string]any), g["values"].(map[string]any), &c)
					total.matched += c.matched
					total.explained += c.explained
					total.expected += c.expected
					total.extra += c.extra
					total.diffs = append(total.diffs, c.diffs...)
					total.known = append(total.known, c.known...)
				}
				var gotNames []string
				for n := range got {
					gotNames = append(gotNames, n)
				}
				sort.Strings(wantNames)
				sort.Strings(gotNames)
				if !reflect.DeepEqual(wantNames, gotNames) {
					total.diffs = append(total.diffs, fmt.Sprintf("%s: releases %v, want %v", ctx, gotNames, wantNames))
				}
			}
			rate := 100 * float64(total.matched) / float64(max(total.expected, 1))
			sort.Strings(total.diffs)
			for _, d := range total.diffs {
				t.Log(d)
			}
			for _, k := range total.kd {
				if !k.used {
					t.Errorf("known difference %s of %s explains no difference: remove it", k.Path, svc)
				}
			}
			unexplained := total.expected - total.matched - total.explained
			t.Logf("%s: %d of %d expected leaves match (%.1f%%), %d explained by known differences (%d differences), %d unexplained, %d extra leaves, %d contexts",
				svc, total.matched, total.expected, rate, total.explained, len(total.known), unexplained, total.extra, len(files))
			if min, ok := baseline[svc]; ok && math.Round(rate*10)/10 < min {
				t.Errorf("%s: match rate %.1f%% fell below the baseline %.1f%%", svc, rate, min)
			}
		})
	}
}
