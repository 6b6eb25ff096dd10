package render

import (
	"context"
	"testing"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
)

// tempest and stepler (catalogue ReadsRendered, the last wave) get the
// final values of every service rendered before them: tempest's
// configuration follows what cinder, octavia and nova render (here with a
// user override of cinder's backends, which only the layered values
// carry), and both find Keystone and Horizon where those render them.
func TestTestsReadTheRenderedServices(t *testing.T) {
	spec := loadSpec(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	spec["features"].(map[string]any)["services"] = []any{"block-storage", "load-balancer", "tempest", "stepler"}
	spec["services"] = map[string]any{"block-storage": map[string]any{"cinder": map[string]any{"values": map[string]any{
		"conf": map[string]any{"cinder": map[string]any{"DEFAULT": map[string]any{"enabled_backends": "volumes-hdd,volumes-ssd"}}},
	}}}}
	r := &Renderer{Templates: templates.New(), Store: PlaceholderStore{}}
	res, err := r.Render(context.Background(), Input{
		Spec: spec, Namespace: "openstack", Secrets: tlsSecrets,
		CephKeys: ceph.Placeholder(), RedisPassword: PlaceholderRedisPassword, TFData: map[string]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Services[len(res.Services)-1]
	if last.Key != "tempest" || res.Services[len(res.Services)-2].Key != "stepler" {
		t.Fatalf("the tests render last: %s", last.Key)
	}
	tempest := release(t, res, "openstack-tempest").Values
	conf := layering.Get(tempest, "conf", "tempest").(map[string]any)
	for option, want := range map[string]bool{"cinder": true, "load_balancer": true, "nova": true, "neutron": true, "glance": true, "horizon": true, "designate": false, "ironic": false, "swift": false} {
		if got := layering.Get(conf, "service_available", option); got != want {
			t.Errorf("service_available.%s = %v, want %v", option, got, want)
		}
	}
	if got := layering.Get(conf, "volume", "backend_names"); got != "volumes-hdd,volumes-ssd" {
		t.Errorf("volume.backend_names %v: not the layered cinder values", got)
	}
	if layering.Get(conf, "volume", "storage_protocol") != "ceph" || layering.Get(conf, "volume-feature-enabled", "multi_backend") != true {
		t.Errorf("volume %v, volume-feature-enabled %v", conf["volume"], conf["volume-feature-enabled"])
	}
	octavia := release(t, res, "openstack-octavia").Values
	if want := layering.Get(octavia, "conf", "octavia", "api_settings", "default_provider_driver"); want == nil || layering.Get(conf, "load_balancer", "provider") != want {
		t.Errorf("load_balancer.provider %v, octavia's default provider %v", layering.Get(conf, "load_balancer", "provider"), want)
	}
	keystone := release(t, res, "openstack-keystone").Values
	horizon := release(t, res, "openstack-horizon").Values
	stepler := release(t, res, "openstack-stepler").Values
	for _, v := range []map[string]any{tempest, stepler} {
		if got, want := layering.Get(v, "endpoints", "identity", "host_fqdn_override", "public", "host"), layering.Get(keystone, "endpoints", "identity", "host_fqdn_override", "public", "host"); got != want || got == nil {
			t.Errorf("identity public host %v, keystone's %v", got, want)
		}
		if got, want := layering.Get(v, "endpoints", "dashboard", "host_fqdn_override", "public", "host"), layering.Get(horizon, "endpoints", "dashboard", "host_fqdn_override", "public", "host"); got != want || got == nil {
			t.Errorf("dashboard public host %v, horizon's %v", got, want)
		}
	}
	// The argument is a copy: the tests cannot change the releases before them.
	if layering.Get(keystone, "endpoints", "identity", "auth", "tempest") != nil {
		t.Error("tempest's account leaked into keystone's values")
	}
}
