package templates

import (
	"reflect"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// descheduler: the duplicates it evicts are those of the cloud's own
// namespace, whatever it is called; StatefulSets are left alone.
func TestDeschedulerNamespace(t *testing.T) {
	dir := fixturesDir(t)
	data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "descheduler")
	data["namespace"] = "cloud-a"
	rels, err := New().Service("descheduler", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(rels) != 1 || rels[0]["name"] != "openstack-descheduler" || rels[0]["chart"] != "descheduler" {
		t.Fatalf("releases %v", rels)
	}
	v := rels[0]["values"].(map[string]any)
	profiles := layering.Get(v, "conf", "policy", "profiles").([]any)
	rd := layering.Get(profiles[0].(map[string]any), "pluginConfig").([]any)[1].(map[string]any)
	if rd["name"] != "RemoveDuplicates" {
		t.Fatalf("second plugin %v", rd)
	}
	args := rd["args"].(map[string]any)
	if !reflect.DeepEqual(layering.Get(args, "namespaces", "include"), []any{"cloud-a"}) ||
		!reflect.DeepEqual(args["excludeOwnerKinds"], []any{"StatefulSet"}) {
		t.Errorf("RemoveDuplicates args %v", args)
	}
	if layering.Get(v, "conf", "cronjob", "suspend") != false {
		t.Errorf("the CronJob is rendered running: %v", layering.Get(v, "conf", "cronjob"))
	}
}
