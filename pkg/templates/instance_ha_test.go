package templates

import (
	"reflect"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// The instance-ha decisions the golden contexts do not all show: the
// libvirt connection of the instance monitor (nova's TLS, vhost0 with
// Tungsten Fabric), the introspective monitor's options and the
// database cleanup settings.
func TestInstanceHAMonitorsAndCleanup(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(edit func(features map[string]any)) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "instance-ha")
		edit(data["spec"].(map[string]any)["features"].(map[string]any))
		rels, err := e.Service("instance-ha", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-masakari" || rels[0]["chart"] != "masakari" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}

	v := render(func(map[string]any) {})
	if got := layering.Get(v, "conf", "libvirt"); !reflect.DeepEqual(got, map[string]any{"tls": false, "interface": "ens3"}) {
		t.Errorf("default libvirt %v", got)
	}
	if got := layering.Get(v, "conf", "monitors", "introspective", "enabled"); got != false {
		t.Errorf("introspective monitor enabled by default: %v", got)
	}
	if got := layering.Get(v, "conf", "masakari", "DEFAULT", "os_privileged_user_name"); got != "admin" {
		t.Errorf("os_privileged_user_name %v, want the admin user", got)
	}

	v = render(func(f map[string]any) {
		f["neutron"].(map[string]any)["backend"] = "tungstenfabric"
		f["nova"] = map[string]any{"libvirt": map[string]any{"tls": map[string]any{"enabled": true}}}
		f["masakari"] = map[string]any{"monitors": map[string]any{"introspective": map[string]any{
			"enabled": true, "guest_monitoring_interval": 30,
		}}}
		f["database"].(map[string]any)["cleanup"] = map[string]any{"masakari": map[string]any{
			"enabled": false, "schedule": "0 5 * * *", "age": 7, "batch": 50,
		}}
	})
	if got := layering.Get(v, "conf", "libvirt"); !reflect.DeepEqual(got, map[string]any{"tls": true, "interface": "vhost0"}) {
		t.Errorf("libvirt with TF and nova TLS: %v", got)
	}
	if got := layering.Get(v, "conf", "monitors", "introspective", "enabled"); got != true {
		t.Errorf("introspective monitor not enabled: %v", got)
	}
	want := map[string]any{"guest_monitoring_interval": int64(30), "guest_monitoring_timeout": int64(2), "guest_monitoring_failure_threshold": int64(3)}
	if got := layering.Get(v, "conf", "masakarimonitors", "introspectiveinstancemonitor"); !reflect.DeepEqual(got, want) {
		t.Errorf("introspectiveinstancemonitor %#v, want %#v", got, want)
	}
	purge := layering.Get(v, "jobs", "db_purge")
	wantPurge := map[string]any{"enabled": false, "cron": "0 5 * * *", "script": map[string]any{"config": map[string]any{"age": int64(7), "max_rows": int64(50)}}}
	if !reflect.DeepEqual(purge, wantPurge) || layering.Get(v, "manifests", "cron_job_db_purge") != false {
		t.Errorf("db_purge %#v (manifest %v), want %#v", purge, layering.Get(v, "manifests", "cron_job_db_purge"), wantPurge)
	}
}
