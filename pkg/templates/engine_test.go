package templates

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	tmplfs "rockoon.dev/rockoon/templates"
)

func TestTemplateErrorsNameTemplateAndLine(t *testing.T) {
	e := NewFromFS(fstest.MapFS{
		"services/broken.yaml":  {Data: []byte("releases:\n  - name: x\n    chart: y\n    values: {{ .nope.deeper.still }\n")},
		"services/exec.yaml":    {Data: []byte("releases:\n{{ required \"spec.features.neutron.tunnel_interface is required\" (index .spec \"x\") }}\n")},
		"services/missing.yaml": {Data: []byte("releases:\n  - name: x\n    chart: y\n    values: {a: {{ .spec.nope }}}\n")},
		"services/novalue.yaml": {Data: []byte("releases:\n  - name: x\n    chart: y\n    values:\n      a: {{ .spec.null }}\n")},
		"services/env.yaml":     {Data: []byte("releases: []\nhome: {{ env \"HOME\" }}\n")},
		"services/badyaml.yaml": {Data: []byte("releases:\n  - name: x\n   chart: [\n")},
		"services/nochart.yaml": {Data: []byte("releases:\n  - name: x\n")},
	})
	cases := map[string]string{
		"broken":  "template services/broken.yaml: template: services/broken.yaml:4:",
		"exec":    "spec.features.neutron.tunnel_interface is required",
		"badyaml": "template services/badyaml.yaml line 2: rendered YAML is invalid",
		"nochart": "template services/nochart.yaml: releases[0] has no chart",
		// A missing key is an error naming the template, line and column,
		// not an empty value.
		"missing": `template services/missing.yaml: template: services/missing.yaml:4:24: executing "services/missing.yaml" at <.spec.nope>: map has no entry for key "nope"`,
		// A nil value is never printed as "<no value>".
		"novalue": "template services/novalue.yaml line 5: a value printed is missing",
		// No access to the controller's environment (nor DNS).
		"env": `function "env" not defined`,
	}
	for svc, want := range cases {
		_, err := e.Service(svc, map[string]any{"spec": map[string]any{"null": nil}})
		var te *Error
		if !errors.As(err, &te) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want it to contain %q", svc, err, want)
		}
	}
}

// TestTemplatesGetTheirOwnCopy: what one template changes in its data
// (sprig's set), the next one does not see.
func TestTemplatesGetTheirOwnCopy(t *testing.T) {
	e := NewFromFS(fstest.MapFS{
		"services/a.yaml": {Data: []byte("{{- $_ := set .spec \"x\" \"changed\" }}\nreleases: []\n")},
		"services/b.yaml": {Data: []byte("releases:\n  - name: b\n    chart: c\n    values: {x: {{ .spec.x }}}\n")},
	})
	data := map[string]any{"spec": map[string]any{"x": "original"}}
	if _, err := e.Service("a", data); err != nil {
		t.Fatal(err)
	}
	rels, err := e.Service("b", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := rels[0]["values"].(map[string]any)["x"]; got != "original" {
		t.Errorf("b saw x = %v: a changed the shared data", got)
	}
	for _, f := range []string{"env", "expandenv", "getHostByName"} {
		if _, ok := FuncMap()[f]; ok {
			t.Errorf("%s is reachable from templates", f)
		}
	}
}

func TestEmbeddedPresetsSizesAndArtifacts(t *testing.T) {
	e := New()
	for _, p := range []string{"core", "compute", "compute-tf"} {
		for _, v := range []string{"queens", "yoga", "epoxy", "gazpacho"} {
			doc, err := e.Preset(p, map[string]any{"openstack_version": v, "openstack_namespace": "openstack",
				"services": nil, "ovn_enabled": false, "ironic_mt_enabled": false, "signature_enabled": false, "nova_img_encrypt_enabled": false})
			if err != nil {
				t.Fatalf("preset %s/%s: %v", p, v, err)
			}
			svcs := doc["features"].(map[string]any)["services"].([]any)
			hasPlacement := false
			for _, s := range svcs {
				hasPlacement = hasPlacement || s == "placement"
			}
			if hasPlacement != (VersionOrdinal(v) >= VersionOrdinal("stein")) {
				t.Errorf("preset %s on %s: placement only from stein (%v)", p, v, svcs)
			}
		}
	}
	for _, s := range []string{"single", "tiny", "small", "medium"} {
		if _, err := e.Size(s, nil); err != nil {
			t.Errorf("size %s: %v", s, err)
		}
	}
	for _, v := range []string{"queens", "rocky", "stein", "train", "ussuri", "victoria", "wallaby", "xena", "yoga", "antelope", "caracal", "epoxy", "gazpacho"} {
		images, err := e.Artifacts(v, "reg.example", "https://bin.example")
		if err != nil {
			t.Fatalf("artifacts %s: %v", v, err)
		}
		if !strings.HasPrefix(images["keystone_api"], "reg.example/") {
			t.Errorf("%s keystone_api = %q", v, images["keystone_api"])
		}
		for k, ref := range images {
			if strings.Contains(ref, "{{") || strings.Contains(ref, "base_url") {
				t.Errorf("%s %s not substituted: %s", v, k, ref)
			}
		}
	}
}

func TestVersionOrdinal(t *testing.T) {
	if VersionOrdinal("queens") != 1 || VersionOrdinal("yoga") != 9 || VersionOrdinal("antelope") != 11 || VersionOrdinal("gazpacho") != 17 {
		t.Error("ordinals differ from the original's")
	}
	if VersionOrdinal("master") <= VersionOrdinal("gazpacho") || VersionOrdinal("nope") != 0 {
		t.Error("master is after every release; unknown is 0")
	}
}

func TestPresetIsItsFileMergedOverBase(t *testing.T) {
	e := NewFromFS(fstest.MapFS{
		"presets/base.yaml": {Data: []byte("name: {{ .preset }}\nlist: [a, b]\nkeep: 1\nover: base\n")},
		"presets/mine.yaml": {Data: []byte("list: [c, '~a']\nover: mine-{{ .openstack_version }}\n")},
	})
	doc, err := e.Preset("mine", map[string]any{"openstack_version": "yoga"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"name": "mine", "list": []any{"b", "c"}, "keep": int64(1), "over": "mine-yoga"}
	if fmt.Sprint(doc) != fmt.Sprint(want) {
		t.Errorf("got %v, want %v", doc, want)
	}
	if _, err := e.Preset("base", nil); err == nil {
		t.Error("the shared part is not a preset")
	}
}

// A template includes the named blocks of blocks.tpl; an unknown block is
// an error naming the template.
func TestIncludeBlocks(t *testing.T) {
	e := NewFromFS(fstest.MapFS{
		BlocksFile:              {Data: []byte(`{{- define "pair" -}}a: {{ .a | quote }}{{ "\n" }}b: {{ .b }}{{- end -}}`)},
		"services/uses.yaml":    {Data: []byte("releases:\n  - name: x\n    chart: c\n    values:\n      {{- include \"pair\" (dict \"a\" .spec.a \"b\" 2) | nindent 6 }}\n")},
		"services/unknown.yaml": {Data: []byte("releases: []\nx: {{ include \"nope\" . }}\n")},
	})
	rels, err := e.Service("uses", map[string]any{"spec": map[string]any{"a": "one"}})
	if err != nil {
		t.Fatal(err)
	}
	if v := rels[0]["values"].(map[string]any); v["a"] != "one" || fmt.Sprint(v["b"]) != "2" {
		t.Errorf("values %v", v)
	}
	if _, err := e.Service("unknown", map[string]any{}); err == nil || !strings.Contains(err.Error(), "services/unknown.yaml") || !strings.Contains(err.Error(), `"nope"`) {
		t.Errorf("unknown block: %v", err)
	}
	// The real blocks: the public TLS of a spec without a certificate is
	// empty, with one it is the trimmed PEMs.
	blocks, err := fs.ReadFile(tmplfs.FS, BlocksFile)
	if err != nil {
		t.Fatal(err)
	}
	real := NewFromFS(fstest.MapFS{
		BlocksFile:          {Data: blocks},
		"services/tls.yaml": {Data: []byte("releases:\n  - name: x\n    chart: c\n    values: {{ include \"public_tls\" .spec.pe }}\n")},
	})
	for _, tc := range []struct {
		pe   map[string]any
		want string
	}{
		{pe: map[string]any{}, want: "map[]"},
		{pe: map[string]any{"api_cert": " C \n", "ca_cert": "A", "api_key": "K"}, want: "map[ca:A\n crt:C\n key:K\n]"},
	} {
		rels, err := real.Service("tls", map[string]any{"spec": map[string]any{"pe": tc.pe}})
		if err != nil {
			t.Fatal(err)
		}
		if got := fmt.Sprint(rels[0]["values"]); got != tc.want {
			t.Errorf("public_tls %v = %s, want %s", tc.pe, got, tc.want)
		}
	}
}
