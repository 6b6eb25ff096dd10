package templates

import (
	"reflect"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// The shared-file-system inputs no golden context shows: extra share
// backends (features.manila.share.backends) and a CephFS one on Ceph.
func TestSharedFileSystemBackendsAndCeph(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(edit func(data map[string]any)) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "shared-file-system")
		edit(data)
		rels, err := e.Service("shared-file-system", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-manila" || rels[0]["chart"] != "manila" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}

	// The golden context: the generic driver only, no Ceph, the SSH key
	// as the chart's Secret data.
	v := render(func(map[string]any) {})
	if layering.Get(v, "conf", "standalone_backends", "statefulsets") != nil || layering.Get(v, "manifests", "statefulset_share") != nil {
		t.Errorf("statefulsets without backends: %v", layering.Get(v, "conf", "standalone_backends"))
	}
	if layering.Get(v, "conf", "ceph") != nil || layering.Get(v, "manifests", "ceph_conf") != false {
		t.Errorf("Ceph without is_ceph_enabled: %v", layering.Get(v, "conf", "ceph"))
	}
	if got := layering.Get(v, "secrets", "service_instance_ssh_key", "public"); got != "MANILA TEST SSH PUBLIC KEY\n" {
		t.Errorf("public key %q", got)
	}

	cephfs := map[string]any{"conf": map[string]any{
		"DEFAULT": map[string]any{"enabled_share_backends": "cephfs"},
		"cephfs":  map[string]any{"share_driver": "manila.share.drivers.cephfs.driver.CephFSDriver", "driver_handles_share_servers": false},
	}}
	v = render(func(data map[string]any) {
		data["spec"].(map[string]any)["features"].(map[string]any)["manila"] = map[string]any{"share": map[string]any{"backends": map[string]any{
			"fs":  map[string]any{"type": "statefulset", "values": cephfs},
			"off": map[string]any{"type": "statefulset", "enabled": false, "values": map[string]any{"conf": map[string]any{}}},
		}}}
		data["is_ceph_enabled"] = true
		data["ceph"] = map[string]any{
			"manila":   map[string]any{"username": "manila", "keyring": "AQDmanila==\n"},
			"mon_host": []any{"10.0.0.1:6789", "10.0.0.2:6789"},
		}
	})
	if got := layering.Get(v, "conf", "standalone_backends", "statefulsets"); !reflect.DeepEqual(got, map[string]any{"fs": cephfs}) {
		t.Errorf("statefulsets %v", got)
	}
	if layering.Get(v, "manifests", "statefulset_share") != true || layering.Get(v, "manifests", "daemonset_share") != true {
		t.Errorf("manifests %v", layering.Get(v, "manifests"))
	}
	wantCeph := map[string]any{
		"config":   map[string]any{"global": map[string]any{"mon_host": []any{"10.0.0.1:6789", "10.0.0.2:6789"}}},
		"keyrings": map[string]any{"manila": map[string]any{"key": "AQDmanila=="}},
	}
	if got := layering.Get(v, "conf", "ceph"); !reflect.DeepEqual(got, wantCeph) || layering.Get(v, "manifests", "ceph_conf") != true {
		t.Errorf("conf.ceph %v (ceph_conf %v), want %v", got, layering.Get(v, "manifests", "ceph_conf"), wantCeph)
	}
}
