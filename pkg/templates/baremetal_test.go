package templates

import (
	"reflect"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// The baremetal decisions between the golden contexts: the release gates
// of the hardware interfaces and the iPXE loader, the conductor bound to
// the baremetal network, a VLAN network, and a spec without one.
func TestBaremetalNetworksAndGates(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(version string, edit func(ironic map[string]any)) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "ussuri_ceph_local_non_dvr_ironic", "baremetal")
		spec := data["spec"].(map[string]any)
		spec["openstack_version"] = version
		edit(spec["features"].(map[string]any)["ironic"].(map[string]any))
		rels, err := e.Service("baremetal", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-ironic" || rels[0]["chart"] != "ironic" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}
	nothing := func(map[string]any) {}

	for _, c := range []struct {
		version, boot, management string
		serviceType, loader       bool
	}{
		{"queens", "pxe,fake,redfish-virtual-media,redfish-https", "fake,ipmitool,redfish", false, false},
		{"rocky", "ipxe,pxe,fake,redfish-virtual-media,redfish-https", "fake,ipmitool,redfish,noop", true, false},
		{"xena", "ipxe,pxe,fake,redfish-virtual-media,redfish-https", "fake,ipmitool,redfish,noop", true, false},
		{"yoga", "ipxe,pxe,fake,redfish-virtual-media,redfish-https", "fake,ipmitool,redfish,noop", true, true},
	} {
		v := render(c.version, nothing)
		def := layering.Get(v, "conf", "ironic", "DEFAULT").(map[string]any)
		if def["enabled_boot_interfaces"] != c.boot || def["enabled_management_interfaces"] != c.management {
			t.Errorf("%s: boot %v, management %v", c.version, def["enabled_boot_interfaces"], def["enabled_management_interfaces"])
		}
		if got := layering.Get(v, "conf", "ironic", "keystone_authtoken", "service_type") != nil; got != c.serviceType {
			t.Errorf("%s: service_type set %v, want %v", c.version, got, c.serviceType)
		}
		if got := layering.Get(v, "network", "pxe", "loader_file_paths") != nil; got != c.loader {
			t.Errorf("%s: loader_file_paths set %v, want %v", c.version, got, c.loader)
		}
	}

	// The golden spec: a flat network, the conductor not bound to it.
	v := render("ussuri", nothing)
	if layering.Get(v, "network", "deployment_network") != nil || layering.Get(v, "network", "api", "node_port") != nil ||
		layering.Get(v, "network", "provisioning", "port_security_enabled") != nil {
		t.Errorf("unbound conductor: %v", layering.Get(v, "network"))
	}
	if got := layering.Get(v, "conf", "nodes", "deploy_kernel_image"); got != "ironic-agent-kernel:latest" {
		t.Errorf("deploy_kernel_image %v", got)
	}

	// Bound to a VLAN network (multi-tenant, behind a VTEP).
	v = render("caracal", func(ironic map[string]any) {
		ironic["provisioning_interface"] = "pxe.1000"
		bm := ironic["networks"].(map[string]any)["baremetal"].(map[string]any)
		bm["bind_deployment_services"] = true
		bm["network_type"] = "vlan"
		bm["segmentation_id"] = 1000
		bm["shared"] = false
		bm["subnets"].([]any)[0].(map[string]any)["nameservers"] = []any{"10.0.0.53"}
	})
	prov := layering.Get(v, "network", "provisioning").(map[string]any)
	if !reflect.DeepEqual(prov, layering.Get(v, "network", "cleaning")) {
		t.Error("cleaning and provisioning networks differ")
	}
	want := map[string]any{"enabled": true, "external": true, "name": "ironic-provisioning", "network_type": "vlan", "physnet": "ironic",
		"port_security_enabled": false, "segmentation_id": int64(1000), "shared": false}
	for k, w := range want {
		if !reflect.DeepEqual(prov[k], w) {
			t.Errorf("provisioning.%s = %#v, want %#v", k, prov[k], w)
		}
	}
	if prov["bind_deployment_services"] != nil {
		t.Error("bind_deployment_services passed to the chart's network")
	}
	sub := layering.Get(prov, "subnets", "baremetal-subnet").(map[string]any)
	if sub["ip_version"] != int64(4) || !reflect.DeepEqual(sub["nameservers"], []any{"10.0.0.53"}) {
		t.Errorf("subnet %v: the spec's nameservers win over the cloud's DNS servers", sub)
	}
	if !reflect.DeepEqual(layering.Get(v, "network", "deployment_network"), map[string]any{"enabled": true, "name": "ironic-provisioning"}) ||
		!reflect.DeepEqual(layering.Get(v, "network", "api", "node_port"), map[string]any{"enabled": true, "port": int64(33385)}) ||
		layering.Get(v, "network", "pxe", "device") != "pxe.1000" {
		t.Errorf("bound conductor: %v", layering.Get(v, "network"))
	}

	// No baremetal network in the spec: the chart's own.
	v = render("yoga", func(ironic map[string]any) { delete(ironic, "networks") })
	if layering.Get(v, "network", "provisioning") != nil || layering.Get(v, "network", "cleaning") != nil {
		t.Errorf("networks without features.ironic.networks: %v", layering.Get(v, "network"))
	}
}
