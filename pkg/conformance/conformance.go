package conformance

import (
	"fmt"
	"math"
	"os"
	"slices"
	"strings"

	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/layering"
)

// KnownDifference is one accepted difference: Path is a leaf path
// "<release>.<a>.<b>" of the values (or a prefix of leaf paths, on a dot
// boundary; "mspec.<a>" for the merged spec); Contexts limits it to some
// fixture contexts (all when empty); Reason says why a user is better off
// with our value.
type KnownDifference struct {
	Path     string   `json:"path"`
	Contexts []string `json:"contexts,omitempty"`
	Reason   string   `json:"reason"`
	used     bool
}

// LoadKnownDifferences reads a list of known differences; a missing file
// is an empty list.
func LoadKnownDifferences(path string) ([]*KnownDifference, error) {
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var kd []*KnownDifference
	if err := yaml.UnmarshalStrict(data, &kd); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	for _, k := range kd {
		if k.Path == "" || strings.TrimSpace(k.Reason) == "" {
			return nil, fmt.Errorf("%s: every entry needs a path and a reason: %+v", path, *k)
		}
	}
	return kd, nil
}

// Unused lists the paths of the known differences that explained nothing.
func Unused(kd []*KnownDifference) []string {
	var out []string
	for _, k := range kd {
		if !k.used {
			out = append(out, k.Path)
		}
	}
	return out
}

// explain reports whether the difference at leaf path in context ctx is a
// known one.
func explain(kd []*KnownDifference, ctx, path string) bool {
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

// Leaves flattens values into path → leaf (an empty map is a leaf).
func Leaves(prefix string, v any, out map[string]any) {
	switch t := v.(type) {
	case map[string]any:
		if len(t) == 0 {
			out[prefix] = map[string]any{}
		}
		for k, x := range t {
			Leaves(prefix+"."+k, x, out)
		}
	default:
		out[prefix] = v
	}
}

// Tally counts the comparison of expected and rendered leaves.
type Tally struct {
	// Known are the accepted differences.
	Known []*KnownDifference
	// Skip, when set, leaves out an expected leaf (e.g. a secret value);
	// skipped leaves are counted in Skipped, not in Expected.
	Skip func(path string, want any) bool

	Matched, Explained, Expected, Extra, Skipped int
	// Diffs are the unexplained differences, KnownDiffs the explained ones,
	// as "<ctx>: <what>".
	Diffs, KnownDiffs []string
}

func (t *Tally) differ(ctx, path, msg string) bool {
	if explain(t.Known, ctx, path) {
		t.KnownDiffs = append(t.KnownDiffs, ctx+": "+msg)
		return true
	}
	t.Diffs = append(t.Diffs, ctx+": "+msg)
	return false
}

// Compare counts every leaf of want under prefix against got, in context
// ctx. Strings equal but for surrounding white space match (the original
// trims block scalars).
func (t *Tally) Compare(ctx, prefix string, want, got any) {
	wl, gl := map[string]any{}, map[string]any{}
	Leaves(prefix, want, wl)
	if got != nil {
		Leaves(prefix, got, gl)
	}
	for p, wv := range wl {
		if t.Skip != nil && t.Skip(p, wv) {
			t.Skipped++
			continue
		}
		t.Expected++
		gv, ok := gl[p]
		var explained bool
		switch {
		case !ok:
			explained = t.differ(ctx, p, "missing "+p)
		case !layering.Equal(wv, gv) && !trimmedEqual(wv, gv):
			explained = t.differ(ctx, p, fmt.Sprintf("differs %s: want %v, got %v", p, short(wv), short(gv)))
		default:
			t.Matched++
			continue
		}
		if explained {
			t.Explained++
		}
	}
	for p := range gl {
		if _, ok := wl[p]; !ok {
			t.Extra++
			t.differ(ctx, p, "extra "+p)
		}
	}
}

// Fail records a difference that is not a leaf (a missing release, a
// release set); path is what a known difference may name.
func (t *Tally) Fail(ctx, path, msg string) { t.differ(ctx, path, msg) }

// Rate is the share (%) of expected leaves matched.
func (t *Tally) Rate() float64 {
	return 100 * float64(t.Matched) / float64(max(t.Expected, 1))
}

// Unexplained is the number of expected leaves neither matched nor
// explained.
func (t *Tally) Unexplained() int { return t.Expected - t.Matched - t.Explained }

// Summary is one line of figures.
func (t *Tally) Summary(name string) string {
	return fmt.Sprintf("%s: %d of %d expected leaves match (%.1f%%), %d explained by known differences, %d unexplained, %d extra leaves, %d skipped",
		name, t.Matched, t.Expected, t.Rate(), t.Explained, t.Unexplained(), t.Extra, t.Skipped)
}

// Baseline is a ratchet: the minimum match rate (%) per name.
type Baseline map[string]float64

// LoadBaseline reads a baseline file; missing is empty.
func LoadBaseline(path string) (Baseline, error) {
	b := Baseline{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return b, nil
	}
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// Check returns an error when rate (rounded to one decimal) fell below
// the baseline of name.
func (b Baseline) Check(name string, rate float64) error {
	if min, ok := b[name]; ok && math.Round(rate*10)/10 < min {
		return fmt.Errorf("%s: match rate %.1f%% fell below the baseline %.1f%%", name, rate, min)
	}
	return nil
}

func trimmedEqual(a, b any) bool {
	as, ok1 := a.(string)
	bs, ok2 := b.(string)
	return ok1 && ok2 && strings.TrimSpace(as) == strings.TrimSpace(bs)
}

func short(v any) string {
	s := fmt.Sprint(v)
	if len(s) > 60 {
		return s[:57] + "..."
	}
	return s
}

// Ceiling is the other ratchet: the most unexplained differences
// (missing, differing and extra leaves, release set differences) per
// name. A name it does not list may have none. Lower a number when the
// render gets closer; a new mismatch fails even where the rate, rounded,
// does not move.
type Ceiling map[string]int

// LoadCeiling reads a ceiling file; missing is empty.
func LoadCeiling(path string) (Ceiling, error) {
	c := Ceiling{}
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return c, nil
	}
	if err != nil {
		return nil, err
	}
	if err := yaml.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Check returns an error when name has more unexplained differences than
// its ceiling; lower reports a ceiling above the count (to be lowered).
func (c Ceiling) Check(name string, diffs int) (lower bool, err error) {
	limit := c[name]
	if diffs > limit {
		return false, fmt.Errorf("%s: %d unexplained differences, the ceiling is %d: a new mismatch (listed in the log): fix it, or explain it in the known differences", name, diffs, limit)
	}
	return diffs < limit, nil
}
