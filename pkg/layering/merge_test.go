package layering

import (
	"errors"
	"testing"

	"sigs.k8s.io/yaml"
)

func val(t *testing.T, doc string) any {
	t.Helper()
	j, err := yaml.YAMLToJSON([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	v, err := FromJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// Each case is one sentence of the reference's merge rules (§2.3).
func TestMergeRules(t *testing.T) {
	cases := []struct {
		name             string
		base, next, want string
		conflictPath     string
	}{
		{name: "maps recurse per key; keys only in next are added",
			base: `{a: {x: 1, y: 2}, b: 1}`, next: `{a: {y: 3, z: 4}, c: 5}`, want: `{a: {x: 1, y: 3, z: 4}, b: 1, c: 5}`},
		{name: "lists union-append: base items first, new items appended",
			base: `[a, b]`, next: `[c, a, d]`, want: `[a, b, c, d]`},
		{name: "lists union-append uses deep equality",
			base: `[{n: 1}, [1, 2]]`, next: `[{n: 1}, [1, 2], {n: 2}]`, want: `[{n: 1}, [1, 2], {n: 2}]`},
		{name: "~item removes the first equal item",
			base: `[a, b, a]`, next: `["~a"]`, want: `[b, a]`},
		{name: "~item absent is ignored",
			base: `[a]`, next: `["~zzz", b]`, want: `[a, b]`},
		{name: "a list can not be replaced, only added to",
			base: `{l: [1, 2]}`, next: `{l: [3]}`, want: `{l: [1, 2, 3]}`},
		{name: "key missing in base is copied verbatim, including ~ strings",
			base: `{}`, next: `{l: ["~x", w]}`, want: `{l: ["~x", w]}`},
		{name: "same-type scalars: next wins (string)", base: `{a: foo}`, next: `{a: bar}`, want: `{a: bar}`},
		{name: "same-type scalars: next wins (bool)", base: `{a: true}`, next: `{a: false}`, want: `{a: false}`},
		{name: "int over float and float over int override", base: `{a: 1, b: 2.5}`, next: `{a: 1.5, b: 3}`, want: `{a: 1.5, b: 3}`},
		{name: "bool and int are one kind (Python)", base: `{a: 1}`, next: `{a: true}`, want: `{a: true}`},
		{name: "null base takes the new value", base: `{a: null}`, next: `{a: {b: 1}}`, want: `{a: {b: 1}}`},
		{name: "string over int is a conflict", base: `{a: {b: 1}}`, next: `{a: {b: x}}`, conflictPath: "a.b"},
		{name: "list over map is a conflict", base: `{a: {b: {c: 1}}}`, next: `{a: {b: [1]}}`, conflictPath: "a.b"},
		{name: "null over a value is a conflict (a user can not null out a lower layer)", base: `{a: 1}`, next: `{a: null}`, conflictPath: "a"},
		{name: "string over list is a conflict", base: `{x: {z: [1]}}`, next: `{x: {z: s}}`, conflictPath: "x.z"},
		{name: "bool over float is a conflict", base: `{a: 1.5}`, next: `{a: true}`, conflictPath: "a"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base, next := val(t, tc.base), val(t, tc.next)
			baseCopy, nextCopy := DeepCopy(base), DeepCopy(next)
			got, err := Merge(base, next)
			if !Equal(base, baseCopy) || !Equal(next, nextCopy) {
				t.Error("Merge modified its arguments")
			}
			if tc.conflictPath != "" {
				var tce *TypeConflictError
				if !errors.As(err, &tce) || PathString(tce.Path) != tc.conflictPath {
					t.Fatalf("got %v, %v; want a type conflict at %s", got, err, tc.conflictPath)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := val(t, tc.want); !Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}

func TestMergeResultSharesNothingWithNext(t *testing.T) {
	next := val(t, `{a: {b: [1]}}`)
	got, err := Merge(map[string]any{}, next)
	if err != nil {
		t.Fatal(err)
	}
	got.(map[string]any)["a"].(map[string]any)["b"] = "changed"
	if !Equal(next, val(t, `{a: {b: [1]}}`)) {
		t.Error("mutating the result changed next")
	}
}

func TestTypeConflictErrorNamesPath(t *testing.T) {
	_, err := Merge(val(t, `{services: {compute: {nova: {values: {conf: {x: 1}}}}}}`), val(t, `{services: {compute: {nova: {values: {conf: [1]}}}}}`))
	want := "can not merge a list over a map at services.compute.nova.values.conf"
	if err == nil || err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
}

func TestFromJSONKeepsIntegers(t *testing.T) {
	v, err := FromJSON([]byte(`{"i": 3, "f": 3.5, "big": 12345678901234567, "e": 1e3}`))
	if err != nil {
		t.Fatal(err)
	}
	m := v.(map[string]any)
	if _, ok := m["i"].(int64); !ok {
		t.Errorf("3 decoded as %T", m["i"])
	}
	if m["big"] != int64(12345678901234567) {
		t.Errorf("big integer lost precision: %v", m["big"])
	}
	if _, ok := m["f"].(float64); !ok {
		t.Errorf("3.5 decoded as %T", m["f"])
	}
	if m["e"] != float64(1000) {
		t.Errorf("1e3 decoded as %v (%T)", m["e"], m["e"])
	}
}
