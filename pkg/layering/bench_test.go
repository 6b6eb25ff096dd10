package layering

import (
	"os"
	"testing"
)

// BenchmarkBuildMSpec builds the mspec of the reference's rich example
// (compute preset, small size) from its spec and stand-in preset and size
// layers.
func BenchmarkBuildMSpec(b *testing.B) {
	data, err := os.ReadFile("../../apis/lcm/v1alpha1/testdata/rich.yaml")
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	doc := m(t, string(data))
	spec := doc["spec"].(map[string]any)
	preset := m(t, `
internal_domain_name: cluster.local
common: {openstack: {values: {network: {api: {ingress: {classes: {namespace: openstack-ingress-nginx}}}}}}}
features:
  services: [app-gateway, compute, identity, dashboard, image, ingress, database, memcached, networking, messaging, placement, coordination, block-storage, dns, orchestration, load-balancer, key-manager, redis, descheduler, dynamic-resource-balancer]
  logging: {cinder: {level: DEBUG}, neutron: {level: DEBUG}, nova: {level: DEBUG}, octavia: {level: DEBUG}}
  network_policies: {enabled: true}
  neutron: {backend: ml2}
  database: {cleanup: {nova: {enabled: true}}, local_volumes: {enabled: true}}
  ssl: {public_endpoints: {enabled: true}}
  stacklight: {enabled: true}
services:
  compute: {nova: {values: {conf: {nova: {filter_scheduler: {enabled_filters: [AvailabilityZoneFilter, ComputeFilter, ImagePropertiesFilter]}}}}}}
`)
	size := m(t, `
common: {openstack: {values: {pod: {replicas: {api: 3}}}}}
features: {messaging: {components_with_dedicated_messaging: [compute, networking]}}
timeouts: {application_readiness: {mariadb: {timeout: 2400, delay: 15}, nova: {timeout: 2400, delay: 15}}}
`)
	secrets := map[string]map[string][]byte{"prod-tls": {"ca": []byte("CA"), "crt": []byte("CRT"), "key": []byte("KEY")}}
	b.ReportAllocs()
	for b.Loop() {
		ms, err := BuildMSpec(MSpecInput{Spec: spec, Secrets: secrets, Preset: preset, Size: size})
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Fingerprint(ms); err != nil {
			b.Fatal(err)
		}
	}
}
