package templates

import (
	"reflect"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// The load-balancer decisions the golden contexts show only in part: the
// provider drivers per release and backend, Tungsten Fabric with and
// without the health manager addresses of its operator, the Redis jobboard
// endpoint, the default management network, and the release switch.
func TestLoadBalancerProvidersAndJobboard(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(ctx string, edit func(data, spec, features map[string]any)) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, ctx, "load-balancer")
		spec := data["spec"].(map[string]any)
		edit(data, spec, spec["features"].(map[string]any))
		rels, err := e.Service("load-balancer", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) == 0 {
			return nil
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-octavia" || rels[0]["chart"] != "octavia" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}
	get := func(v map[string]any, path ...string) any { return layering.Get(v, path...) }
	const (
		v1 = "amphora:The Octavia Amphora driver.,octavia:Deprecated alias of the Octavia Amphora driver."
		v2 = "amphorav2:Extented Octavia Amphora driver with jobboard support."
		tf = "tungstenfabric:Tungsten Fabric driver."
	)

	// Queens: the "octavia" alias by default, no amphorav2 and no jobboard.
	v := render("gazpacho_ceph_local_non_dvr", func(_, spec, _ map[string]any) { spec["openstack_version"] = "queens" })
	if get(v, "conf", "octavia", "api_settings", "default_provider_driver") != "octavia" ||
		get(v, "conf", "octavia", "api_settings", "enabled_provider_drivers") != v1 {
		t.Errorf("queens api_settings %v", get(v, "conf", "octavia", "api_settings"))
	}
	for _, p := range [][]string{{"conf", "octavia", "task_flow"}, {"octavia", "settings", "enable_amphorav2"}, {"manifests", "job_db_sync_persistence"}, {"endpoints", "jobboard_redis"}, {"conf", "octavia", "keystone_authtoken", "service_type"}} {
		if got := get(v, p...); got != nil {
			t.Errorf("queens %v = %v, want none", p, got)
		}
	}
	if get(v, "pod", "security_context", "octavia_health_manager") == nil {
		t.Error("queens: no NET_RAW for the health manager's NIC set-up")
	}

	// Tungsten Fabric with the operator's health manager addresses:
	// amphorav2 next to the TF driver, the amphora services deployed, the
	// TF driver the default from victoria (its agent configured), the
	// user's default kept.
	hms := []any{"10.0.0.1", "10.0.0.2"}
	v = render("yoga_ceph_local_tf_driver_tf", func(data, _, features map[string]any) {
		data["octavia_hm_list"] = hms
		delete(features, "octavia")
	})
	if got := get(v, "conf", "octavia", "health_manager", "controller_ip_port_list"); got != "10.0.0.1:5555, 10.0.0.2:5555" {
		t.Errorf("TF controller_ip_port_list %v", got)
	}
	if get(v, "conf", "octavia", "api_settings", "enabled_provider_drivers") != tf+","+v2 ||
		get(v, "conf", "octavia", "api_settings", "default_provider_driver") != "tungstenfabric" ||
		get(v, "conf", "octavia", "driver_agent", "enabled_provider_agents") != "tungstenfabric-agent" {
		t.Errorf("TF with health managers: %v", get(v, "conf", "octavia"))
	}
	if m := get(v, "manifests").(map[string]any); m["deployment_worker"] != nil || m["daemonset_health_manager"] != nil || m["octavia_driver_agent"] != true || m["job_db_sync_persistence"] != true {
		t.Errorf("TF with health managers: manifests %v", m)
	}
	if get(v, "conf", "octavia", "task_flow", "jobboard_backend_driver") != "redis_taskflow_driver" || get(v, "endpoints", "jobboard_redis", "auth", "redis", "password") != "cfLDYSsNbuCywa6VmBvZ8h2sJXuZnvqW" {
		t.Errorf("TF yoga jobboard: %v, %v", get(v, "conf", "octavia", "task_flow"), get(v, "endpoints", "jobboard_redis"))
	}
	if get(v, "conf", "octavia", "controller_worker", "loadbalancer_topology") != nil {
		t.Error("TF: loadbalancer_topology set")
	}
	v = render("yoga_ceph_local_tf_driver_tf", func(data, spec, features map[string]any) {
		data["octavia_hm_list"] = hms
		spec["openstack_version"] = "ussuri"
		delete(features, "octavia")
	})
	if get(v, "conf", "octavia", "api_settings", "default_provider_driver") != "amphora" || get(v, "conf", "octavia", "driver_agent") != nil {
		t.Errorf("TF ussuri: %v", get(v, "conf", "octavia", "api_settings"))
	}
	v = render("yoga_ceph_local_tf_driver_tf", func(data, _, features map[string]any) {
		data["octavia_hm_list"] = hms
		features["octavia"] = map[string]any{"default_provider": "amphorav2"}
	})
	if get(v, "conf", "octavia", "api_settings", "default_provider_driver") != "amphorav2" || get(v, "conf", "octavia", "driver_agent") != nil {
		t.Errorf("TF default amphorav2: %v", get(v, "conf", "octavia"))
	}

	// OVN: its provider and agent, the user may make it the default.
	v = render("caracal_ceph_local_ovn_non_dvr", func(_, _, features map[string]any) {
		features["octavia"].(map[string]any)["default_provider"] = "ovn"
	})
	if get(v, "conf", "octavia", "api_settings", "default_provider_driver") != "ovn" ||
		get(v, "conf", "octavia", "api_settings", "enabled_provider_drivers") != v1+","+v2+",ovn:OVN provider driver" ||
		get(v, "manifests", "octavia_driver_agent") != true {
		t.Errorf("OVN: %v", get(v, "conf", "octavia", "api_settings"))
	}
	// The spec's management network, else the default one.
	if got := get(v, "octavia", "settings", "lbmgmt_subnets").([]any); len(got) != 1 || got[0].(map[string]any)["range"] != "192.168.0.0/24" ||
		get(v, "octavia", "settings", "lbmgmt_network_name") != "lb-service-management" {
		t.Errorf("lb_network of the spec: %v", get(v, "octavia", "settings"))
	}
	v = render("caracal_ceph_local_ovn_non_dvr", func(_, _, features map[string]any) { delete(features, "octavia") })
	want := map[string]any{"range": "10.255.0.0/16", "pool_start": "10.255.1.0", "pool_end": "10.255.255.254"}
	if got := get(v, "octavia", "settings", "lbmgmt_subnets").([]any); len(got) != 1 || !reflect.DeepEqual(got[0], want) ||
		get(v, "octavia", "settings", "lbmgmt_network_name") != "lb-mgmt-net" {
		t.Errorf("default lb network: %v", get(v, "octavia", "settings"))
	}

	// Redis: the jobboard endpoint only while the cloud has Redis, and
	// not from gazpacho (etcd, which the jobboard uses from antelope).
	v = render("antelope_ceph_local_non_dvr", func(data, _, _ map[string]any) {
		var svcs []string
		for _, s := range data["enabled_services"].([]string) {
			if s != "redis" {
				svcs = append(svcs, s)
			}
		}
		data["enabled_services"] = svcs
	})
	if get(v, "endpoints", "jobboard_redis") != nil || get(v, "conf", "octavia", "task_flow", "jobboard_backend_driver") != "etcd_taskflow_driver" {
		t.Errorf("antelope without redis: %v", get(v, "endpoints", "jobboard_redis"))
	}
	v = render("gazpacho_ceph_local_non_dvr", func(data, _, _ map[string]any) {
		data["enabled_services"] = append(data["enabled_services"].([]string), "redis")
	})
	if get(v, "endpoints", "jobboard_redis") != nil {
		t.Error("gazpacho: jobboard_redis set")
	}

	// migration.octavia.deploy_main_service: false removes the release.
	if v := render("gazpacho_ceph_local_non_dvr", func(_, spec, _ map[string]any) {
		spec["migration"] = map[string]any{"octavia": map[string]any{"deploy_main_service": false}}
	}); v != nil {
		t.Error("deploy_main_service false: openstack-octavia still rendered")
	}
}
