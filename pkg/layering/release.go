package layering

import (
	"fmt"
	"sort"

	"rockoon.dev/rockoon/pkg/catalog"
)

// LayerRelease applies the override layers of mspec to one rendered release
// of service svc (release: {name, chart, values, ...}), in the original's
// order, each step a Merge:
//
//  1. release ← common.charts.releases (into the release object);
//  2. release ← common.<group>.releases.<chart> when that key exists, else
//     the whole common.<group>.releases; release.values ← common.<group>.values;
//  3. release.values ← services.<svc>.<chart>.values;
//  4. release.values ← {overrides: {<ds>: {labels: {<label>: <body>}}}} from
//     nodes.<label>.services.<svc>.<chart>.<ds>.
//
// Later steps win. The input is not modified.
func LayerRelease(mspec map[string]any, svc string, release map[string]any) (map[string]any, error) {
	chart, _ := release["chart"].(string)
	group := catalog.ChartGroup(chart)
	if group == "" {
		return nil, fmt.Errorf("release %v: unknown chart %q", release["name"], chart)
	}
	var r any = DeepCopy(release)
	if _, ok := r.(map[string]any)["values"].(map[string]any); !ok {
		r.(map[string]any)["values"] = map[string]any{}
	}
	step := func(what string, next any, values bool) error {
		if next == nil {
			return nil
		}
		var err error
		if values {
			rm := r.(map[string]any)
			merged, err := merge(rm["values"], next, []string{"values"})
			if err != nil {
				return fmt.Errorf("%s into release %v: %w", what, release["name"], err)
			}
			rm["values"] = merged
			return nil
		}
		if r, err = merge(r, next, nil); err != nil {
			return fmt.Errorf("%s into release %v: %w", what, release["name"], err)
		}
		return nil
	}
	if err := step("common.charts.releases", Get(mspec, "common", "charts", "releases"), false); err != nil {
		return nil, err
	}
	groupReleases := dig(mspec, "common", group, "releases")
	if byChart, ok := groupReleases[chart]; ok {
		if err := step("common."+group+".releases."+chart, byChart, false); err != nil {
			return nil, err
		}
	} else if groupReleases != nil {
		if err := step("common."+group+".releases", groupReleases, false); err != nil {
			return nil, err
		}
	}
	if err := step("common."+group+".values", Get(mspec, "common", group, "values"), true); err != nil {
		return nil, err
	}
	if err := step("services."+svc+"."+chart+".values", Get(mspec, "services", svc, chart, "values"), true); err != nil {
		return nil, err
	}
	if overrides := nodeOverrides(mspec, svc, chart); overrides != nil {
		if err := step("nodes.*.services."+svc+"."+chart, map[string]any{"overrides": overrides}, true); err != nil {
			return nil, err
		}
	}
	// The identity of a release is the template's: a name, chart or
	// namespace in an override layer (common.*.releases) must not rename a
	// release, swap its chart or move it.
	out := r.(map[string]any)
	for _, k := range []string{"name", "chart", "namespace"} {
		if v, ok := release[k]; ok {
			out[k] = v
		} else {
			delete(out, k)
		}
	}
	return out, nil
}

func nodeOverrides(mspec map[string]any, svc, chart string) map[string]any {
	nodes := dig(mspec, "nodes")
	labels := make([]string, 0, len(nodes))
	for l := range nodes {
		labels = append(labels, l)
	}
	sort.Strings(labels)
	var out map[string]any
	for _, label := range labels {
		ov, _ := nodes[label].(map[string]any)
		perChart := dig(ov, "services", svc, chart)
		for ds, body := range perChart {
			if out == nil {
				out = map[string]any{}
			}
			dsm, _ := out[ds].(map[string]any)
			if dsm == nil {
				dsm = map[string]any{"labels": map[string]any{}}
				out[ds] = dsm
			}
			dsm["labels"].(map[string]any)[label] = DeepCopy(body)
		}
	}
	return out
}

// Get returns the value at path in m, or nil when a step is missing or
// not a map.
func Get(m map[string]any, path ...string) any {
	if len(path) == 0 {
		return m
	}
	parent := dig(m, path[:len(path)-1]...)
	if parent == nil {
		return nil
	}
	return parent[path[len(path)-1]]
}
