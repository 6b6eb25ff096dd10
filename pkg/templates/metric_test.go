package templates

import (
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// metric: the metrics go to the cloud's Redis through its sentinels
// (password and namespace from the arguments; none is an error, not an
// empty password), the NetworkPolicy follows features.network_policies,
// and etcd is reached with ?api_version=auto from antelope.
func TestMetricDecisions(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(edit func(map[string]any)) (map[string]any, error) {
		t.Helper()
		data := fixtureData(t, dir, "epoxy_ceph_local_non_dvr_telemetry", "metric")
		edit(data)
		rels, err := e.Service("metric", data)
		if err != nil {
			return nil, err
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-gnocchi" || rels[0]["chart"] != "gnocchi" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any), nil
	}
	v, err := render(func(d map[string]any) {
		d["redis_secret"] = "s3cret"
		d["redis_namespace"] = "redis-ns"
		spec := d["spec"].(map[string]any)
		spec["openstack_version"] = "yoga"
		spec["features"].(map[string]any)["network_policies"] = map[string]any{"enabled": false}
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := layering.Get(v, "conf", "gnocchi", "storage", "redis_url"); got != "redis://:s3cret@rfs-openstack-redis.redis-ns:26379?sentinel=mymaster&db=0" {
		t.Errorf("redis_url %v", got)
	}
	if got := layering.Get(v, "conf", "gnocchi", "DEFAULT", "coordination_url"); got != "etcd3://etcd:2379" {
		t.Errorf("yoga coordination_url %v", got)
	}
	if layering.Get(v, "manifests", "network_policy") != false || layering.Get(v, "network_policy") != nil {
		t.Errorf("network policies off: %v %v", layering.Get(v, "manifests", "network_policy"), layering.Get(v, "network_policy"))
	}
	if a, _ := layering.Get(v, "conf", "apache").(string); !strings.Contains(a, `"/var/lib/openstack/bin/gnocchi-api"`) {
		t.Errorf("apache %q", a)
	}
	_, err = render(func(d map[string]any) { delete(d, "redis_secret") })
	if err == nil || !strings.Contains(err.Error(), "redis_secret") {
		t.Errorf("no Redis password: %v", err)
	}
}
