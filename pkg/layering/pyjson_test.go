package layering

import (
	"math"
	"testing"
)

// The expected strings and hashes were produced by CPython 3.11
// json.dumps(v, sort_keys=True) and hashlib.sha256: the original's
// fingerprint serialization.
func TestPythonJSONMatchesCPython(t *testing.T) {
	cases := []struct {
		v    any
		json string
		sha  string
	}{
		{
			v: map[string]any{
				"b": []any{int64(1), 2.5, true, nil, "x"},
				"a": map[string]any{"z": 1.0, "y": 1e16, "x": 0.0001, "w": 1e-05, "v": 123456789.125, "u": -0.5},
			},
			json: `{"a": {"u": -0.5, "v": 123456789.125, "w": 1e-05, "x": 0.0001, "y": 1e+16, "z": 1.0}, "b": [1, 2.5, true, null, "x"]}`,
			sha:  "f442d79aa96a2661521bfeb2395fde0d20cebb59ac0bbe1f077fef43a082e774",
		},
		{
			v:    map[string]any{"s": "quote\" back\\ nl\n tab\t ctl\x01 é € 😀", "k\u00e9y": []any{}, "empty": map[string]any{}},
			json: `{"empty": {}, "k\u00e9y": [], "s": "quote\" back\\ nl\n tab\t ctl\u0001 \u00e9 \u20ac \ud83d\ude00"}`,
			sha:  "72bb48664aa06f66f20c189851eab19248510757b787feafa65c8d9cada1fcda",
		},
		{
			v:    map[string]any{"n": []any{0.1, 100.0, 1e22, 5e-324, 2.5e-7, 1234567890123456.0, 12345678901234567.0, math.Copysign(0, -1)}},
			json: `{"n": [0.1, 100.0, 1e+22, 5e-324, 2.5e-07, 1234567890123456.0, 1.2345678901234568e+16, -0.0]}`,
			sha:  "bf15c77c3919247949d1d8793cad74b0bdd4e5e6edbdcc9da53ec103c522d39a",
		},
	}
	for _, tc := range cases {
		got, err := PythonJSON(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tc.json {
			t.Errorf("PythonJSON\n got %s\nwant %s", got, tc.json)
		}
		fp, err := Fingerprint(tc.v)
		if err != nil {
			t.Fatal(err)
		}
		if fp != tc.sha {
			t.Errorf("Fingerprint = %s, want %s", fp, tc.sha)
		}
	}
}
