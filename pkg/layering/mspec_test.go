package layering

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func m(t *testing.T, doc string) map[string]any {
	t.Helper()
	v := val(t, doc)
	mm, ok := v.(map[string]any)
	if !ok {
		t.Fatalf("%s is not a map", doc)
	}
	return mm
}

func get(v any, path ...string) any {
	for _, p := range path {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[p]
	}
	return v
}

func TestMSpecLayerPrecedence(t *testing.T) {
	preset := m(t, `
internal_domain_name: cluster.local
artifacts: {images_base_url: from-preset}
features:
  services: [identity, compute, dashboard]
  network_policies: {enabled: true}
  stacklight: {enabled: true}
timeouts: {application_readiness: {nova: {timeout: 100}}}
`)
	size := m(t, `
timeouts: {application_readiness: {nova: {timeout: 1200, delay: 10}}}
features: {network_policies: {enabled: false}}
`)
	spec := m(t, `
openstack_version: epoxy
artifacts: {binary_base_url: https://bin.example}
features:
  services: [key-manager, "~dashboard"]
  stacklight: {enabled: false}
timeouts: {application_readiness: {nova: {delay: 15}}}
`)
	got, err := BuildMSpec(MSpecInput{Spec: spec, Preset: preset, Size: size, ImagesBaseURL: "img.default", BinaryBaseURL: "bin.default"})
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		path []string
		want any
	}{
		{"preset values stay when no layer overrides them", []string{"internal_domain_name"}, "cluster.local"},
		{"controller artifact URLs replace the preset's artifacts", []string{"artifacts", "images_base_url"}, "img.default"},
		{"spec.artifacts wins over the controller's URLs", []string{"artifacts", "binary_base_url"}, "https://bin.example"},
		{"size wins over preset", []string{"timeouts", "application_readiness", "nova", "timeout"}, int64(1200)},
		{"size wins over preset (bool)", []string{"features", "network_policies", "enabled"}, false},
		{"user spec wins over size", []string{"timeouts", "application_readiness", "nova", "delay"}, int64(15)},
		{"user spec wins over preset", []string{"features", "stacklight", "enabled"}, false},
	}
	for _, c := range checks {
		if g := get(got, c.path...); !Equal(g, c.want) {
			t.Errorf("%s: %s = %v, want %v", c.name, strings.Join(c.path, "."), g, c.want)
		}
	}
	if svcs := EnabledServices(got); !reflect.DeepEqual(svcs, []string{"identity", "compute", "key-manager"}) {
		t.Errorf("user services are appended to the preset's and ~ removes: %v", svcs)
	}
	if get(preset, "artifacts", "images_base_url") != "from-preset" || get(spec, "features", "services").([]any)[1] != "~dashboard" {
		t.Error("BuildMSpec modified its inputs")
	}
}

func TestMSpecConflictNamesLayerAndPath(t *testing.T) {
	_, err := BuildMSpec(MSpecInput{
		Spec:   m(t, `{features: {neutron: {dns_servers: 8.8.8.8}}}`),
		Preset: m(t, `{features: {neutron: {dns_servers: [1.1.1.1]}}}`),
	})
	var tce *TypeConflictError
	if !errors.As(err, &tce) || PathString(tce.Path) != "features.neutron.dns_servers" || !strings.Contains(err.Error(), "spec layer") {
		t.Fatalf("got %v", err)
	}
}

func TestSecretSubstitution(t *testing.T) {
	secrets := map[string]map[string][]byte{"tls": {"ca": []byte("  CA  \n"), "crt": []byte("CRT")}}
	spec := m(t, `
features:
  ssl:
    public_endpoints:
      ca_cert: {value_from: {secret_key_ref: {name: tls, key: ca}}}
      api_cert: {value_from: {secret_key_ref: {name: tls, key: crt}}}
  keystone:
    federation: {openid: {providers: {p: {metadata: {provider: {value_from: {from_url: {url: https://idp}}}}}}}}
  neutron:
    baremetal: {ngs: {devices: [{password: {value_from: {secret_key_ref: {name: absent, key: k}}}}]}}
`)
	got, err := BuildMSpec(MSpecInput{Spec: spec, Secrets: secrets, ExtraCACerts: []string{"PROXY-CA"}})
	if err != nil {
		t.Fatal(err)
	}
	if v := get(got, "features", "ssl", "public_endpoints", "api_cert"); v != "CRT" {
		t.Errorf("api_cert = %v", v)
	}
	if v := get(got, "features", "ssl", "public_endpoints", "ca_cert"); v != "CA\nPROXY-CA" {
		t.Errorf("ca_cert is the stripped CA joined with the extra bundles, got %q", v)
	}
	if v := get(got, "features", "keystone", "federation", "openid", "providers", "p", "metadata", "provider", "value_from", "from_url", "url"); v != "https://idp" {
		t.Errorf("from_url must be left intact, got %v", v)
	}
	if v := get(got, "features", "neutron", "baremetal", "ngs", "devices").([]any)[0]; get(v, "password", "value_from") == nil {
		t.Error("lists are not walked (as the original)")
	}

	for _, tc := range []struct {
		spec, want string
	}{
		{`{features: {ssl: {public_endpoints: {api_key: {value_from: {secret_key_ref: {name: nope, key: k}}}}}}}`,
			"spec.features.ssl.public_endpoints.api_key: value_from: Secret nope (labelled openstack.lcm.mirantis.com/osdpl_secret=true) not found"},
		{`{features: {ssl: {public_endpoints: {api_key: {value_from: {secret_key_ref: {name: tls, key: key}}}}}}}`,
			"spec.features.ssl.public_endpoints.api_key: value_from: key key not found in Secret tls"},
	} {
		_, err := BuildMSpec(MSpecInput{Spec: m(t, tc.spec), Secrets: secrets})
		var sre *SecretRefError
		if !errors.As(err, &sre) || err.Error() != tc.want {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestFingerprintIsStableAndSensitive(t *testing.T) {
	a := m(t, `{b: 1, a: [x, {c: 2.0}]}`)
	b := m(t, `{a: [x, {c: 2.0}], b: 1}`)
	fa, _ := Fingerprint(a)
	fb, _ := Fingerprint(b)
	if fa != fb {
		t.Error("key order changed the fingerprint")
	}
	c := m(t, `{a: [x, {c: 2.5}], b: 1}`)
	if fc, _ := Fingerprint(c); fc == fa {
		t.Error("a changed value kept the fingerprint")
	}
}
