package templates

import (
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// dns: the release gates of the corpus (API under Apache and etcd
// coordination from victoria, keystone_authtoken.service_type from rocky),
// the PowerDNS Services chosen by features.designate.backend (our reading
// of the schema), and the PowerDNS credentials (required; the API key
// with or without the JSON quotes of the golden inputs).
func TestDNSGatesBackendAndCredentials(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(version string, backend map[string]any, pdns any) (map[string]any, error) {
		t.Helper()
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "dns")
		spec := data["spec"].(map[string]any)
		spec["openstack_version"] = version
		if backend != nil {
			spec["features"].(map[string]any)["designate"] = map[string]any{"backend": backend}
		}
		if pdns != nil {
			data["powerdns"] = pdns
		}
		rels, err := e.Service("dns", data)
		if err != nil {
			return nil, err
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-designate" || rels[0]["chart"] != "designate" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any), nil
	}
	must := func(v map[string]any, err error) map[string]any {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}

	for _, c := range []struct {
		version                    string
		apache, coord, serviceType bool
	}{
		{"queens", false, false, false},
		{"rocky", false, false, true},
		{"ussuri", false, false, true},
		{"victoria", true, true, true},
		{"epoxy", true, true, true},
	} {
		v := must(render(c.version, nil, nil))
		if got := layering.Get(v, "conf", "software", "apache2", "enabled") == true; got != c.apache {
			t.Errorf("%s: apache2 %v, want %v", c.version, got, c.apache)
		}
		if got := layering.Get(v, "conf", "designate", "coordination", "backend_url") != nil; got != c.coord {
			t.Errorf("%s: coordination %v, want %v", c.version, got, c.coord)
		}
		if got := layering.Get(v, "conf", "designate", "keystone_authtoken", "service_type") == "dns"; got != c.serviceType {
			t.Errorf("%s: service_type %v, want %v", c.version, got, c.serviceType)
		}
	}

	for _, c := range []struct {
		backend  map[string]any
		udp, tcp bool
		ip       any
	}{
		{nil, true, false, nil},
		{map[string]any{"type": "powerdns", "protocol": "udp"}, true, false, nil},
		{map[string]any{"type": "powerdns", "protocol": "tcp"}, false, true, nil},
		{map[string]any{"type": "powerdns", "protocol": "tcp+udp", "external_ip": "10.0.0.53"}, true, true, "10.0.0.53"},
	} {
		v := must(render("epoxy", c.backend, nil))
		m := v["manifests"].(map[string]any)
		if m["service_powerdns_external"] != c.udp || (m["service_powerdns_external_tcp"] == true) != c.tcp {
			t.Errorf("backend %v: external udp %v, tcp %v", c.backend, m["service_powerdns_external"], m["service_powerdns_external_tcp"])
		}
		if got := layering.Get(v, "network", "powerdns", "external", "service", "loadBalancerIP"); got != c.ip {
			t.Errorf("backend %v: loadBalancerIP %v", c.backend, got)
		}
	}

	v := must(render("epoxy", nil, map[string]any{"api_key": "plainKey", "database": map[string]any{"username": "powerdnsX", "password": "pw"}}))
	if got := layering.Get(v, "endpoints", "powerdns", "auth", "service", "token"); got != "plainKey" {
		t.Errorf("token %v", got)
	}
	if got := layering.Get(v, "endpoints", "oslo_db_powerdns", "auth", "powerdns", "username"); got != "powerdnsX" {
		t.Errorf("powerdns db user %v", got)
	}
	if _, err := render("epoxy", nil, map[string]any{"api_key": "k"}); err == nil || !strings.Contains(err.Error(), "powerdns: database") {
		t.Errorf("without the PowerDNS database user: %v", err)
	}
	if _, err := render("epoxy", nil, map[string]any{"database": map[string]any{"username": "u", "password": "p"}}); err == nil || !strings.Contains(err.Error(), "api_key") {
		t.Errorf("without the PowerDNS API key: %v", err)
	}
}
