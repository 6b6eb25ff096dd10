package templates

import (
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// dynamic-resource-balancer: Keystone as the admin and as its own
// drb-controller account of the ACTIVE credentials, in the spec's region;
// without that account the render fails (the chart would get an empty
// user).
func TestDRBAccounts(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "dynamic-resource-balancer")
	data["spec"].(map[string]any)["region_name"] = "RegionTwo"
	active := map[string]any{"identity": map[string]any{"drb-controller": map[string]any{"username": "drb-controllerA", "password": "pwA"}}}
	backup := map[string]any{"identity": map[string]any{"drb-controller": map[string]any{"username": "drb-controllerB", "password": "pwB"}}}
	data["credentials"] = []any{active, backup}
	rels, err := e.Service("dynamic-resource-balancer", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 || rels[0]["name"] != "openstack-drb-controller" || rels[0]["chart"] != "drb-controller" {
		t.Fatalf("releases %v", rels)
	}
	auth := layering.Get(rels[0]["values"].(map[string]any), "endpoints", "identity", "auth").(map[string]any)
	drb := auth["drb-controller"].(map[string]any)
	if drb["username"] != "drb-controllerA" || drb["password"] != "pwA" || drb["region_name"] != "RegionTwo" {
		t.Errorf("drb-controller account %v", drb)
	}
	if adm := auth["admin"].(map[string]any); adm["region_name"] != "RegionTwo" || adm["username"] == "" {
		t.Errorf("admin account %v", adm)
	}
	if len(auth) != 2 {
		t.Errorf("accounts %v, want admin and drb-controller", auth)
	}

	data["credentials"] = []any{map[string]any{"identity": map[string]any{}}, backup}
	if _, err := e.Service("dynamic-resource-balancer", data); err == nil || !strings.Contains(err.Error(), "drb-controller") {
		t.Errorf("without the account: %v", err)
	}
}
