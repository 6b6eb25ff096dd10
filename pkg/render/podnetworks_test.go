package render

import (
	"context"
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
)

func TestParsePodNetworks(t *testing.T) {
	got, err := ParsePodNetworks(`[{"cidr": "10.233.64.0/18"}, {"cidr": "fd00::/64"}]`)
	if err != nil || len(got) != 2 || got[1].(map[string]any)["cidr"] != "fd00::/64" {
		t.Fatalf("got %v, %v", got, err)
	}
	for _, bad := range []string{``, `[]`, `{"cidr": "10.0.0.0/8"}`, `[{"cidr": "10.0.0.0"}]`, `[{"net": "10.0.0.0/8"}]`} {
		if _, err := ParsePodNetworks(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	if _, err := ParsePodNetworks(DefaultPodNetworks); err != nil {
		t.Errorf("the default: %v", err)
	}
}

// TestPodNetworksReachTheNetworkPolicies: the configured pod networks,
// not a built-in CIDR, are what the database's NetworkPolicy admits.
func TestPodNetworksReachTheNetworkPolicies(t *testing.T) {
	spec := loadSpec(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	spec["features"].(map[string]any)["network_policies"] = map[string]any{"enabled": true}
	nets, err := ParsePodNetworks(`[{"cidr": "10.233.64.0/18"}]`)
	if err != nil {
		t.Fatal(err)
	}
	r := &Renderer{Templates: templates.New(), Store: PlaceholderStore{}}
	res, err := r.Render(context.Background(), Input{Spec: spec, Namespace: "openstack", Secrets: tlsSecrets, CephKeys: ceph.Placeholder(), PodNetworks: nets})
	if err != nil {
		t.Fatal(err)
	}
	var db map[string]any
	for _, s := range res.Services {
		for _, rel := range s.Releases {
			if rel.Name == "openstack-mariadb" {
				db = rel.Values
			}
		}
	}
	rules, _ := layering.Get(db, "network_policy", "mariadb-server", "spec", "ingress").([]any)
	var cidrs []string
	for _, r := range rules {
		for _, p := range r.(map[string]any)["from"].([]any) {
			if b, ok := p.(map[string]any)["ipBlock"].(map[string]any); ok {
				cidrs = append(cidrs, b["cidr"].(string))
			}
		}
	}
	if strings.Join(cidrs, ",") != "10.233.64.0/18" {
		t.Errorf("the database admits the pod networks %v, want [10.233.64.0/18] (rules: %d)", cidrs, len(rules))
	}
}
