package layering

import (
	"strings"
	"testing"
)

func TestLayerReleasePrecedence(t *testing.T) {
	mspec := m(t, `
common:
  charts:
    releases:
      values: {a: charts, b: charts, c: charts, d: charts, e: charts}
  openstack:
    releases:
      values: {b: openstack-releases, c: openstack-releases, d: openstack-releases, e: openstack-releases}
    values: {c: openstack-values, d: openstack-values, e: openstack-values}
  infra:
    values: {infra: true}
services:
  compute:
    nova:
      values: {d: services, e: services}
nodes:
  "openstack-compute-node::enabled":
    services: {compute: {nova: {nova_compute: {values: {conf: {nova: {DEFAULT: {x: 1}}}}}}}}
  "kubernetes.io/hostname::cmp-1":
    services: {compute: {nova: {nova_compute: {values: {e: node}}}}}
`)
	rendered := m(t, `{name: openstack-nova, chart: nova, values: {a: template, z: template}}`)
	got, err := LayerRelease(mspec, "compute", rendered)
	if err != nil {
		t.Fatal(err)
	}
	v := got["values"].(map[string]any)
	checks := map[string]string{
		"z": "template",           // the rendered template is the base
		"a": "charts",             // common.charts.releases.values beats the template
		"b": "openstack-releases", // common.openstack.releases.values beats common.charts.releases.values
		"c": "openstack-values",   // common.openstack.values beats common.openstack.releases.values
		"d": "services",           // services.<svc>.<chart>.values beats common.openstack.values
	}
	for k, want := range checks {
		if v[k] != want {
			t.Errorf("values.%s = %v, want %v", k, v[k], want)
		}
	}
	if v["infra"] != nil {
		t.Error("an openstack chart must not get common.infra.values")
	}
	if v["e"] != "services" {
		t.Errorf("node overrides go under values.overrides, not over values: e = %v", v["e"])
	}
	labels := get(v, "overrides", "nova_compute", "labels").(map[string]any)
	if len(labels) != 2 || get(labels, "kubernetes.io/hostname::cmp-1", "values", "e") != "node" ||
		get(labels, "openstack-compute-node::enabled", "values", "conf", "nova", "DEFAULT", "x") != int64(1) {
		t.Errorf("node overrides: %v", labels)
	}
	if get(rendered, "values", "a") != "template" {
		t.Error("LayerRelease modified its input")
	}
}

func TestLayerReleaseGroupReleasesByChart(t *testing.T) {
	mspec := m(t, `
common:
  infra:
    releases:
      memcached: {values: {only: memcached}}
      mariadb: {values: {only: mariadb}}
    values: {both: infra}
`)
	got, err := LayerRelease(mspec, "memcached", m(t, `{name: openstack-memcached, chart: memcached}`))
	if err != nil {
		t.Fatal(err)
	}
	if get(got, "values", "only") != "memcached" || get(got, "values", "both") != "infra" {
		t.Errorf("common.infra.releases.<chart> is used when the chart is a key: %v", got["values"])
	}
	if get(got, "memcached") != nil {
		t.Error("the per-chart entry, not the whole dict, is merged when the chart is a key")
	}
	// Without the chart as a key, the whole releases dict is merged into the
	// release object (the original's quirk).
	got, err = LayerRelease(mspec, "coordination", m(t, `{name: etcd, chart: etcd}`))
	if err != nil {
		t.Fatal(err)
	}
	if get(got, "memcached", "values", "only") != "memcached" {
		t.Errorf("whole common.infra.releases merged into the release object: %v", got)
	}
}

func TestLayerReleaseErrors(t *testing.T) {
	if _, err := LayerRelease(map[string]any{}, "x", m(t, `{name: r, chart: nope}`)); err == nil || !strings.Contains(err.Error(), `unknown chart "nope"`) {
		t.Errorf("unknown chart: %v", err)
	}
	mspec := m(t, `{services: {identity: {keystone: {values: {conf: [1]}}}}}`)
	_, err := LayerRelease(mspec, "identity", m(t, `{name: openstack-keystone, chart: keystone, values: {conf: {keystone: {}}}}`))
	if err == nil || !strings.Contains(err.Error(), "services.identity.keystone.values into release openstack-keystone: can not merge a list over a map at values.conf") {
		t.Errorf("conflict must name the layer, the release and the path: %v", err)
	}
}

func TestLayerReleaseKeepsReleaseIdentity(t *testing.T) {
	mspec := m(t, `{common: {charts: {releases: {name: x, chart: memcached, namespace: elsewhere, values: {a: 1}}}}}`)
	got, err := LayerRelease(mspec, "database", m(t, `{name: openstack-mariadb, chart: mariadb, values: {}}`))
	if err != nil {
		t.Fatal(err)
	}
	if got["name"] != "openstack-mariadb" || got["chart"] != "mariadb" || got["namespace"] != nil || get(got, "values", "a") != int64(1) {
		t.Errorf("an override layer renamed, re-charted or moved the release: %v", got)
	}
}
