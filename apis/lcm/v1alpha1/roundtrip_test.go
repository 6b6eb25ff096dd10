package v1alpha1_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
)

// unknownFieldsDoc carries members the Go types do not declare, at the top
// of features, deep inside typed subtrees, inside map values and list items,
// and in the status written by the original controller.
const unknownFieldsDoc = `
apiVersion: lcm.mirantis.com/v1alpha1
kind: OpenStackDeployment
metadata: {name: future}
spec:
  openstack_version: gazpacho
  preset: core
  size: tiny
  public_domain_name: it.just.works
  features:
    brand_new_feature: {enabled: true, knobs: [1, 2.5, "three", null, {deep: {er: true}}]}
    neutron:
      tunnel_interface: eth0
      future_knob: {a: [1, 2]}
      external_networks:
        - {physnet: p1, bridge: br-ex, network_types: [flat], vlan_ranges: null, mtu: null, future_item_field: x}
    nova:
      live_migration_interface: eth0
      images: {backend: raw, encryption: {enabled: true, future: "x"}}
    glance:
      backends:
        rbd:
          images: {default: true, pool: images-pool, future: 1}
    logging:
      nova: {level: DEBUG}
      cadf: {enabled: false}
    policies:
      nova: {"os_compute_api:servers:create": "rule:admin"}
  services:
    compute:
      nova:
        values: {conf: {nova: {DEFAULT: {debug: true, cpu_allocation_ratio: 2.0}}}, list: [3, 1, 2]}
status:
  handle: {lastStatus: created}
  fingerprint: abc
  watched:
    configmaps: {lab-artifacts: {hash: "1"}}
    future_watch: {hash: "2"}
  credentials:
    admin: {rotation_id: 2}
`

func toJSON(t *testing.T, doc []byte) []byte {
	t.Helper()
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func generic(t *testing.T, j []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(j, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGoRoundTripKeepsEverything decodes each example into the Go types,
// deep-copies it, re-encodes it and compares with the input document: no
// member may be lost or changed, whether the types declare it or not.
func TestGoRoundTripKeepsEverything(t *testing.T) {
	docs := map[string][]byte{"unknown-fields": []byte(unknownFieldsDoc)}
	files, _ := filepath.Glob("testdata/*.yaml")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[filepath.Base(f)] = data
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			in := toJSON(t, doc)
			var obj lcmv1alpha1.OpenStackDeployment
			if err := json.Unmarshal(in, &obj); err != nil {
				t.Fatal(err)
			}
			out, err := json.Marshal(obj.DeepCopy())
			if err != nil {
				t.Fatal(err)
			}
			want, got := generic(t, in), generic(t, out)
			// metadata gains creationTimestamp: null from ObjectMeta.
			delete(got.(map[string]any)["metadata"].(map[string]any), "creationTimestamp")
			// An empty status is written as {}, as by every Kubernetes type.
			if st, ok := got.(map[string]any)["status"].(map[string]any); ok && len(st) == 0 {
				delete(got.(map[string]any), "status")
			}
			if !reflect.DeepEqual(want, got) {
				t.Errorf("round trip changed the object\n in: %s\nout: %s", in, out)
			}
		})
	}
}

func TestTypedAccessors(t *testing.T) {
	var obj lcmv1alpha1.OpenStackDeployment
	if err := json.Unmarshal(toJSON(t, []byte(unknownFieldsDoc)), &obj); err != nil {
		t.Fatal(err)
	}
	f := obj.Spec.Features
	if f.Neutron.TunnelInterface != "eth0" || f.Nova.Images.Backend != "raw" {
		t.Errorf("typed fields not decoded: %+v %+v", f.Neutron, f.Nova.Images)
	}
	if got := f.Glance.Backends.RBD["images"]; got.Default == nil || !*got.Default {
		t.Errorf("glance rbd images default = %v", got.Default)
	}
	var level struct{ Level string }
	if ok, err := f.Logging.Unknown.Get("nova", &level); !ok || err != nil || level.Level != "DEBUG" {
		t.Errorf("logging.nova.level via Unknown = %q, %v, %v", level.Level, ok, err)
	}
	if f.Logging.CADF.Enabled == nil || *f.Logging.CADF.Enabled {
		t.Error("explicit enabled: false must be kept as false, not unset")
	}
	if _, ok := f.Unknown["brand_new_feature"]; !ok {
		t.Error("unknown feature not kept")
	}
	if obj.Status.Credentials.Admin.RotationID != 2 || obj.Status.Watched.ConfigMaps["lab-artifacts"].Hash != "1" {
		t.Errorf("status not decoded: %+v", obj.Status)
	}
	if (*lcmv1alpha1.Toggle)(nil).IsEnabled(true) != true || (&lcmv1alpha1.Toggle{Enabled: new(false)}).IsEnabled(true) != false {
		t.Error("Toggle.IsEnabled")
	}
}

func TestSecretValueForms(t *testing.T) {
	for _, tc := range []struct {
		in      string
		inline  string
		refName string
	}{
		{in: `"-----BEGIN CERTIFICATE-----"`, inline: "-----BEGIN CERTIFICATE-----"},
		{in: `{"value_from":{"secret_key_ref":{"key":"ca","name":"tls"}}}`, refName: "tls"},
	} {
		var v lcmv1alpha1.SecretValue
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Fatal(err)
		}
		if v.Value != tc.inline || (tc.refName != "" && v.SecretRef().Name != tc.refName) {
			t.Errorf("%s decoded as %+v", tc.in, v)
		}
		out, _ := json.Marshal(v)
		if !reflect.DeepEqual(generic(t, out), generic(t, []byte(tc.in))) {
			t.Errorf("%s re-encoded as %s", tc.in, out)
		}
	}
	var v lcmv1alpha1.SecretValue
	if err := json.Unmarshal([]byte(`42`), &v); err == nil {
		t.Error("a number is not a secret value")
	}
}
