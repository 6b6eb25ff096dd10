package render

import (
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/testenv"
)

// fixtureInput reads render/input/<ctx>/<file> of the original's golden
// files beside the repository (the test fails when they are not there).
func fixtureInput(t *testing.T, ctx, file string) map[string]any {
	t.Helper()
	return readYAML(t, testenv.SharedDir(t, "reference-fixtures", "render", "input", ctx, file))
}

// The legacy keycloak settings give the federation argument the original
// gave keystone (oidc directives, issuer, mapping) and horizon (provider
// description, client id, discovery URL).
func TestFederationFromLegacyKeycloak(t *testing.T) {
	spec := fixtureInput(t, "ussuri_ceph_local_non_dvr_non_sl", "context_spec.yaml")
	args := fixtureInput(t, "ussuri_ceph_local_non_dvr_non_sl", "context_template_args.yaml")
	want := layering.Get(args, "identity", "federation").(map[string]any)
	got, err := Federation(spec, layering.Get(args, "identity", "oidc_crypto_passphrase").(string))
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{
		{"openid", "enabled"}, {"openid", "oidc"},
		{"openid", "providers", "keycloak", "issuer"}, {"openid", "providers", "keycloak", "mapping"},
		{"openid", "providers", "keycloak", "metadata", "provider"},
	} {
		if w, g := layering.Get(want, path...), layering.Get(got, path...); !layering.Equal(w, g) {
			t.Errorf("%v: got %v, want %v", path, g, w)
		}
	}

	spec = fixtureInput(t, "ussuri_ceph_local_non_dvr_keycloak", "context_spec.yaml")
	args = fixtureInput(t, "ussuri_ceph_local_non_dvr_keycloak", "context_template_args.yaml")
	want = layering.Get(args, "dashboard", "federation").(map[string]any)
	if got, err = Federation(spec, "x"); err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{
		{"openid", "enabled"}, {"openid", "providers", "keycloak", "enabled"},
		{"openid", "providers", "keycloak", "description"}, {"openid", "providers", "keycloak", "metadata"},
	} {
		if w, g := layering.Get(want, path...), layering.Get(got, path...); !layering.Equal(w, g) {
			t.Errorf("%v: got %v, want %v", path, g, w)
		}
	}
}

func TestFederationOffAndUserOverrides(t *testing.T) {
	spec := map[string]any{"public_domain_name": "example.test", "features": map[string]any{"keystone": map[string]any{}}}
	if fed, err := Federation(spec, "p"); err != nil || fed != nil {
		t.Fatalf("no keycloak, no federation: got %v, %v", fed, err)
	}
	spec["features"].(map[string]any)["keystone"] = map[string]any{
		"keycloak":   map[string]any{"enabled": true},
		"federation": map[string]any{},
	}
	if _, err := Federation(spec, "p"); err == nil {
		t.Fatal("keycloak without url: want an error naming the field")
	}
	spec["features"].(map[string]any)["keystone"] = map[string]any{
		"keycloak":   map[string]any{"enabled": true, "url": "https://kc.example.test/"},
		"federation": map[string]any{"openid": map[string]any{"oidc": map[string]any{"OIDCScope": "openid email"}}},
	}
	fed, err := Federation(spec, "secret")
	if err != nil {
		t.Fatal(err)
	}
	if got := layering.Get(fed, "openid", "oidc", "OIDCScope"); got != "openid email" {
		t.Errorf("user federation did not win: OIDCScope %v", got)
	}
	if got := layering.Get(fed, "openid", "oidc", "OIDCCryptoPassphrase"); got != "secret" {
		t.Errorf("passphrase %v", got)
	}
	if got := layering.Get(fed, "openid", "providers", "keycloak", "issuer"); got != "https://kc.example.test/auth/realms/iam" {
		t.Errorf("issuer %v", got)
	}
}
