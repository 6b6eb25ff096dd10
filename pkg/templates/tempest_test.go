package templates

import (
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// tempest: tempest.conf follows the rendered_services argument (service
// key → release → values): a service is available when its main release
// was rendered, and its section reads that release's values; a missing
// service gets no section. stepler finds Horizon where it renders.
func TestTempestFollowsTheRenderedServices(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	rendered := map[string]any{
		"identity": map[string]any{"openstack-keystone": map[string]any{"endpoints": map[string]any{"identity": map[string]any{
			"auth":               map[string]any{"keystone": map[string]any{"username": "ks", "password": "secret"}},
			"host_fqdn_override": map[string]any{"public": map[string]any{"host": "keystone.example"}},
		}}}},
		"compute": map[string]any{"openstack-nova": map[string]any{"conf": map[string]any{"nova": map[string]any{
			"libvirt": map[string]any{"images_type": "rbd"}, "serial_console": map[string]any{"enabled": true},
		}}}},
		"networking": map[string]any{"openstack-neutron": map[string]any{"conf": map[string]any{"plugins": map[string]any{"ml2_conf": map[string]any{"ml2": map[string]any{
			"extension_drivers": "qos,port_security", "tenant_network_types": "vlan,vxlan",
		}}}}}},
		"baremetal": map[string]any{"openstack-ironic": map[string]any{"conf": map[string]any{"ironic": map[string]any{"DEFAULT": map[string]any{
			"enabled_hardware_types": "ipmi,redfish",
		}}}}},
		"dashboard": map[string]any{"openstack-horizon": map[string]any{"endpoints": map[string]any{"dashboard": map[string]any{
			"host_fqdn_override": map[string]any{"public": map[string]any{"host": "horizon.example"}},
		}}}},
	}
	render := func(svc string) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", svc)
		data["rendered_services"] = rendered
		data["credentials"] = []any{map[string]any{"identity": map[string]any{svc: map[string]any{"username": svc + "X", "password": "pw"}}}, map[string]any{}}
		rels, err := e.Service(svc, data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-"+svc || rels[0]["chart"] != svc {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}
	v := render("tempest")
	conf := layering.Get(v, "conf", "tempest").(map[string]any)
	for option, want := range map[string]bool{"nova": true, "neutron": true, "ironic": true, "horizon": true, "cinder": false, "load_balancer": false, "barbican": false} {
		if got := layering.Get(conf, "service_available", option); got != want {
			t.Errorf("service_available.%s = %v, want %v", option, got, want)
		}
	}
	if layering.Get(conf, "compute-feature-enabled", "block_migration_for_live_migration") != false || layering.Get(conf, "compute-feature-enabled", "serial_console") != true {
		t.Errorf("compute-feature-enabled %v (nova on RBD with a serial console)", conf["compute-feature-enabled"])
	}
	if layering.Get(conf, "network-feature-enabled", "port_security") != true || layering.Get(conf, "neutron_plugin_options", "available_type_drivers") != "vlan,vxlan" {
		t.Errorf("network %v %v", conf["network-feature-enabled"], conf["neutron_plugin_options"])
	}
	if layering.Get(conf, "baremetal", "enabled_hardware_types") != "ipmi,redfish" {
		t.Errorf("baremetal %v", conf["baremetal"])
	}
	for _, absent := range []string{"volume", "volume-feature-enabled", "load_balancer"} {
		if _, ok := conf[absent]; ok {
			t.Errorf("section %s without its service", absent)
		}
	}
	if layering.Get(v, "endpoints", "identity", "host_fqdn_override", "public", "host") != "keystone.example" ||
		layering.Get(v, "endpoints", "identity", "auth", "keystone") != nil || layering.Get(v, "endpoints", "identity", "auth", "tempest", "username") != "tempestX" {
		t.Errorf("identity endpoint %v", layering.Get(v, "endpoints", "identity"))
	}
	s := render("stepler")
	if layering.Get(s, "endpoints", "dashboard", "host_fqdn_override", "public", "host") != "horizon.example" ||
		layering.Get(s, "endpoints", "dashboard", "scheme", "public") != "https" || layering.Get(s, "endpoints", "identity", "auth", "stepler", "username") != "steplerX" {
		t.Errorf("stepler endpoints %v", s["endpoints"])
	}
}
