package templates

import (
	"reflect"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// The block-storage inputs no golden context shows: extra StatefulSet
// backends (features.cinder.volume.backends), a backup driver next to
// Ceph volumes, and features.cinder: null (read as unset).
func TestBlockStorageBackendsAndBackupDrivers(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(cinder any) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "block-storage")
		data["spec"].(map[string]any)["features"].(map[string]any)["cinder"] = cinder
		rels, err := e.Service("block-storage", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-cinder" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}

	// null: volumes and backups on Ceph, as without the key.
	v := render(nil)
	if got := layering.Get(v, "conf", "cinder", "DEFAULT", "backup_driver"); got != "cinder.backup.drivers.ceph.CephBackupDriver" {
		t.Errorf("features.cinder null: backup_driver %v", got)
	}
	if layering.Get(v, "manifests", "statefulset_volume") != true || layering.Get(v, "overrides") != nil {
		t.Errorf("features.cinder null: manifests %v, overrides %v", layering.Get(v, "manifests"), layering.Get(v, "overrides"))
	}

	netapp := map[string]any{
		"conf": map[string]any{"cinder": map[string]any{
			"DEFAULT": map[string]any{"enabled_backends": "netapp"},
			"netapp":  map[string]any{"volume_backend_name": "netapp-be", "volume_driver": "cinder.volume.drivers.netapp.common.NetAppDriver"},
		}},
		"labels": map[string]any{"volume": map[string]any{"node_selector_key": "netapp", "node_selector_value": "enabled"}},
	}
	v = render(map[string]any{
		"volume": map[string]any{"backends": map[string]any{
			"netapp": map[string]any{"type": "statefulset", "values": netapp},
			"off":    map[string]any{"type": "statefulset", "enabled": false, "values": map[string]any{"conf": map[string]any{}}},
			"notype": map[string]any{"type": "statefulset", "create_volume_type": false, "values": map[string]any{"conf": map[string]any{"cinder": map[string]any{"DEFAULT": map[string]any{"enabled_backends": "x"}}}}},
		}},
		"backup": map[string]any{"drivers": map[string]any{
			"s3": map[string]any{"type": "s3", "enabled": true, "endpoint_url": "https://s3.example.test/", "store_bucket": "b", "backup_s3_verify_ssl": false},
		}},
	})
	sts, _ := layering.Get(v, "overrides", "cinder_volume_sts").(map[string]any)
	if len(sts) != 2 || !reflect.DeepEqual(layering.Get(sts, "netapp", "values"), netapp) || sts["off"] != nil {
		t.Errorf("cinder_volume_sts: %v", sts)
	}
	types, _ := layering.Get(v, "bootstrap", "volume_types").(map[string]any)
	if !reflect.DeepEqual(types["netapp"], map[string]any{"volume_backend_name": "netapp-be"}) || types["x"] != nil || types["netapp_multiattach"] != nil || types["volumes-hdd"] == nil {
		t.Errorf("volume types: %v", types)
	}
	want := map[string]any{
		"backup_driver":          "cinder.backup.drivers.s3.S3BackupDriver",
		"backup_s3_endpoint_url": "https://s3.example.test/",
		"backup_s3_store_bucket": "b",
		"backup_s3_verify_ssl":   false,
	}
	def := layering.Get(v, "conf", "cinder", "DEFAULT").(map[string]any)
	for k, w := range want {
		if !reflect.DeepEqual(def[k], w) {
			t.Errorf("DEFAULT.%s = %v, want %v", k, def[k], w)
		}
	}
	if def["backup_ceph_pool"] != nil || def["enabled_backends"] != "volumes-hdd" {
		t.Errorf("DEFAULT with an s3 backup on Ceph volumes: %v", def)
	}

	// Backups off: no backup service, no driver.
	v = render(map[string]any{"backup": map[string]any{"enabled": false}})
	if layering.Get(v, "manifests", "statefulset_backup") != false || layering.Get(v, "conf", "cinder", "DEFAULT", "backup_driver") != nil {
		t.Errorf("backup disabled: %v", layering.Get(v, "conf", "cinder", "DEFAULT"))
	}
}
