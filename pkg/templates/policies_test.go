package templates

import (
	"encoding/json"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/testenv"
	tmplfs "rockoon.dev/rockoon/templates"
)

// TestPoliciesMatchReference: the embedded default policies (with their
// fall-back to older releases) are exactly the reference data, for every
// release and chart, with and without strict_admin; a chart the reference
// has no file for at a release has no policy there. Regenerate with
// `go run ./hack/gen-policies` when it fails.
func TestPoliciesMatchReference(t *testing.T) {
	root := testenv.SharedDir(t, "reference-fixtures", "policies")
	e := New()
	// Every chart that appears in either the reference or the embedded data.
	charts := map[string]bool{}
	refs, err := filepath.Glob(filepath.Join(root, "*", "*.json"))
	if err != nil || len(refs) == 0 {
		t.Fatalf("no reference policies under %s: %v", root, err)
	}
	for _, f := range refs {
		charts[strings.TrimSuffix(filepath.Base(f), ".json")] = true
	}
	embedded, err := fs.Glob(tmplfs.FS, "policies/*/*.yaml")
	if err != nil || len(embedded) == 0 {
		t.Fatalf("no embedded policies: %v", err)
	}
	for _, f := range embedded {
		charts[strings.TrimSuffix(path.Base(f), ".yaml")] = true
		if rel := path.Base(path.Dir(f)); !slices.Contains(OpenStackVersions, rel) {
			t.Errorf("%s: unknown release %s", f, rel)
		}
	}
	releases := 0
	for _, rel := range OpenStackVersions {
		if _, err := os.Stat(filepath.Join(root, rel)); err != nil {
			continue
		}
		releases++
		for chart := range charts {
			b, err := os.ReadFile(filepath.Join(root, rel, chart+".json"))
			var want map[string]any
			switch {
			case os.IsNotExist(err):
			case err != nil:
				t.Fatal(err)
			default:
				v, err := layering.FromJSON(b)
				if err != nil {
					t.Fatalf("%s/%s.json: %v", rel, chart, err)
				}
				want = v.(map[string]any)
			}
			for _, strict := range []bool{false, true} {
				got, ok, err := e.Policy(rel, chart, strict)
				if err != nil {
					t.Fatalf("Policy(%s, %s, %v): %v", rel, chart, strict, err)
				}
				if want == nil {
					if ok || got != nil {
						t.Errorf("Policy(%s, %s, %v) = %v, %v; the reference has no file", rel, chart, strict, got, ok)
					}
					continue
				}
				key := map[bool]string{false: "default", true: "strict_admin"}[strict]
				if !ok || !reflect.DeepEqual(got, want[key]) {
					g, _ := json.Marshal(got)
					w, _ := json.Marshal(want[key])
					t.Errorf("Policy(%s, %s, %v) differs from the reference's %s (ok %v):\n got %.300s\nwant %.300s", rel, chart, strict, key, ok, g, w)
				}
			}
		}
	}
	if releases < 13 {
		t.Errorf("only %d releases of reference policies", releases)
	}
}

func TestPolicyUnknownRelease(t *testing.T) {
	if _, _, err := New().Policy("folsom", "nova", false); err == nil {
		t.Error("want an error for an unknown release")
	}
}
