package templates

import (
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// event: panko's policy and log level come from the spec, its own
// accounts from the active credentials, and it never gets a
// NetworkPolicy (as the original, even with network policies on).
func TestEventDecisions(t *testing.T) {
	dir := fixturesDir(t)
	data := fixtureData(t, dir, "ussuri_ceph_local_non_dvr_telemetry", "event")
	spec := data["spec"].(map[string]any)
	f := spec["features"].(map[string]any)
	f["network_policies"] = map[string]any{"enabled": true}
	f["policies"] = map[string]any{"panko": map[string]any{"telemetry:events:index": "role:reader"}}
	f["logging"] = map[string]any{"panko": map[string]any{"level": "DEBUG"}}
	rels, err := New().Service("event", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 || rels[0]["name"] != "openstack-panko" || rels[0]["chart"] != "panko" {
		t.Fatalf("releases %v", rels)
	}
	v := rels[0]["values"].(map[string]any)
	if layering.Get(v, "manifests", "network_policy") != false || layering.Get(v, "network_policy") != nil {
		t.Error("panko gets no NetworkPolicy")
	}
	if got := layering.Get(v, "conf", "policy.d", "02-custom.yaml", "telemetry:events:index"); got != "role:reader" {
		t.Errorf("custom policy %v", got)
	}
	if got := layering.Get(v, "conf", "logging", "logger_panko", "level"); got != "DEBUG" {
		t.Errorf("log level %v", got)
	}
	if got := layering.Get(v, "endpoints", "identity", "auth", "panko", "username"); got != "pankoTbxwz" {
		t.Errorf("panko account %v", got)
	}
}
