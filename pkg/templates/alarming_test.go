package templates

import (
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// alarming: the expirer follows features.database.cleanup.aodh (enabled
// unless false, schedule, age in days as the history's time to live), the
// agents' probes are off before victoria, etcd gets ?api_version=auto
// from antelope.
func TestAlarmingDecisions(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(version string, cleanup map[string]any) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "epoxy_ceph_local_non_dvr_telemetry", "alarming")
		spec := data["spec"].(map[string]any)
		spec["openstack_version"] = version
		if cleanup != nil {
			db := spec["features"].(map[string]any)["database"].(map[string]any)
			db["cleanup"] = map[string]any{"aodh": cleanup}
		}
		rels, err := e.Service("alarming", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-aodh" || rels[0]["chart"] != "aodh" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}
	v := render("epoxy", nil)
	if layering.Get(v, "jobs", "db_purge", "cron") != "1 6 * * 1" || layering.Get(v, "manifests", "cron_job_db_purge") != true ||
		layering.Get(v, "conf", "aodh", "database", "alarm_history_time_to_live") != int64(86400) {
		t.Errorf("default cleanup: %v %v %v", layering.Get(v, "jobs", "db_purge"), layering.Get(v, "manifests", "cron_job_db_purge"),
			layering.Get(v, "conf", "aodh", "database", "alarm_history_time_to_live"))
	}
	if layering.Get(v, "pod") != nil {
		t.Errorf("epoxy: no probe override, got %v", layering.Get(v, "pod"))
	}
	v = render("ussuri", map[string]any{"enabled": false, "schedule": "0 2 * * *", "age": 7})
	if layering.Get(v, "jobs", "db_purge", "cron") != "0 2 * * *" || layering.Get(v, "jobs", "db_purge", "enabled") != false ||
		layering.Get(v, "manifests", "cron_job_db_purge") != false ||
		layering.Get(v, "conf", "aodh", "database", "alarm_history_time_to_live") != int64(7*86400) {
		t.Errorf("cleanup off, weekly at 2, 7 days: %v %v", layering.Get(v, "jobs", "db_purge"), layering.Get(v, "conf", "aodh", "database"))
	}
	for _, c := range []string{"evaluator", "listener", "notifier"} {
		if layering.Get(v, "pod", "probes", c, c, "liveness", "enabled") != false {
			t.Errorf("ussuri: %s probes must be off", c)
		}
	}
	if layering.Get(v, "conf", "aodh", "coordination", "backend_url") != "etcd3://etcd:2379" {
		t.Errorf("ussuri coordination %v", layering.Get(v, "conf", "aodh", "coordination", "backend_url"))
	}
}
