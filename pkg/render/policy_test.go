package render

import (
	"context"
	"testing"

	"rockoon.dev/rockoon/pkg/templates"
)

// service_policy: the release's default rules of the service's chart
// (strict_admin ones when enabled), empty when the chart has none at the
// release; the dashboard gets them per enabled policy service key.
func TestServicePolicyArgs(t *testing.T) {
	ctx := context.Background()
	r := &Renderer{Templates: templates.New(), Store: PlaceholderStore{}}
	c, err := r.commonArgs(ctx, []string{"compute", "dashboard", "placement", "event"})
	if err != nil {
		t.Fatal(err)
	}
	args := func(svc string, mspec map[string]any) map[string]any {
		t.Helper()
		data, err := r.serviceArgs(ctx, svc, mspec, c)
		if err != nil {
			t.Fatal(err)
		}
		p, _ := data["service_policy"].(map[string]any)
		if p == nil {
			t.Fatalf("%s: no service_policy in %v", svc, data)
		}
		return p
	}
	strict := func(release string) map[string]any {
		return map[string]any{"openstack_version": release, "features": map[string]any{
			"policies": map[string]any{"strict_admin": map[string]any{"enabled": true}}}}
	}
	if p := args("compute", map[string]any{"openstack_version": "queens"}); p["admin_api"] != "is_admin:True" || len(p) != 257 {
		t.Errorf("compute at queens: %d rules, admin_api %v", len(p), p["admin_api"])
	}
	if p := args("compute", map[string]any{"openstack_version": "yoga"}); len(p) != 0 {
		t.Errorf("compute at yoga without strict_admin: %v", p)
	}
	if p := args("compute", strict("yoga")); len(p) != 1 || p["context_is_admin"] != "(role:admin and is_admin_project:True) or role:service" {
		t.Errorf("compute at yoga with strict_admin: %v", p)
	}
	if p := args("event", map[string]any{"openstack_version": "xena"}); len(p) != 0 {
		t.Errorf("panko has no policy from xena: %v", p)
	}
	d := args("dashboard", strict("epoxy"))
	if len(d) != 1 || d["placement"].(map[string]any)["admin_api"] == nil {
		t.Errorf("dashboard: placement only (the one policy chart that is a service key): %v", d)
	}
}
