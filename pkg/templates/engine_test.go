package templates

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

func TestTemplateErrorsNameTemplateAndLine(t *testing.T) {
	e := NewFromFS(fstest.MapFS{
		"services/broken.yaml":  {Data: []byte("releases:\n  - name: x\n    chart: y\n    values: {{ .nope.deeper.still }\n")},
		"services/exec.yaml":    {Data: []byte("releases:\n{{ required \"spec.features.neutron.tunnel_interface is required\" .spec.x }}\n")},
		"services/badyaml.yaml": {Data: []byte("releases:\n  - name: x\n   chart: [\n")},
		"services/nochart.yaml": {Data: []byte("releases:\n  - name: x\n")},
	})
	cases := map[string]string{
		"broken":  "template services/broken.yaml: template: services/broken.yaml:4:",
		"exec":    "spec.features.neutron.tunnel_interface is required",
		"badyaml": "template services/badyaml.yaml line 2: rendered YAML is invalid",
		"nochart": "template services/nochart.yaml: releases[0] has no chart",
	}
	for svc, want := range cases {
		_, err := e.Service(svc, map[string]any{"spec": map[string]any{}})
		var te *Error
		if !errors.As(err, &te) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want it to contain %q", svc, err, want)
		}
	}
}

func TestEmbeddedPresetsSizesAndArtifacts(t *testing.T) {
	e := New()
	for _, p := range []string{"core", "compute", "compute-tf"} {
		for _, v := range []string{"queens", "yoga", "epoxy", "gazpacho"} {
			doc, err := e.Preset(p, map[string]any{"openstack_version": v, "openstack_namespace": "openstack"})
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
