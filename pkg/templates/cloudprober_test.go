package templates

import (
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// cloudprober: the discovery logs in with identity's osctl account
// (keystone_creds "osctl" as pkg/render borrows it, or "cloudprober" as
// the golden inputs name it; none is an error), every
// features.cloudprober.discovery.interval seconds, and the prober's
// NetworkPolicy follows features.network_policies.
func TestCloudproberDecisions(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(edit func(map[string]any)) (map[string]any, error) {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "cloudprober")
		edit(data)
		rels, err := e.Service("cloudprober", data)
		if err != nil {
			return nil, err
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-cloudprober" || rels[0]["chart"] != "cloudprober" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any), nil
	}
	v, err := render(func(d map[string]any) {
		d["keystone_creds"] = map[string]any{"osctl": map[string]any{"username": "osctlABC", "password": "pw"}}
		f := d["spec"].(map[string]any)["features"].(map[string]any)
		f["cloudprober"] = map[string]any{"discovery": map[string]any{"interval": 300}}
		f["network_policies"] = map[string]any{"enabled": false}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := layering.Get(v, "endpoints", "identity", "auth", "cloudprober", "username"); got != "osctlABC" {
		t.Errorf("account %v", got)
	}
	if got := layering.Get(v, "conf", "openstack_discovery", "interval"); got != int64(300) {
		t.Errorf("interval %v (%T)", got, got)
	}
	if v["network_policy"] != nil || layering.Get(v, "manifests", "network_policy") != false {
		t.Error("no NetworkPolicy without features.network_policies")
	}
	_, err = render(func(d map[string]any) { d["keystone_creds"] = map[string]any{} })
	if err == nil || !strings.Contains(err.Error(), "osctl") {
		t.Errorf("no borrowed account: %v", err)
	}
}
