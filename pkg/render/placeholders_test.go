package render

import (
	"testing"

	"rockoon.dev/rockoon/pkg/credentials"
)

func TestPlaceholderSecrets(t *testing.T) {
	spec := map[string]any{"features": map[string]any{"ssl": map[string]any{"public_endpoints": map[string]any{
		"ca_cert":  map[string]any{"value_from": map[string]any{"secret_key_ref": map[string]any{"name": "tls", "key": "ca"}}},
		"api_cert": map[string]any{"value_from": map[string]any{"secret_key_ref": map[string]any{"name": "tls", "key": "crt"}}},
	}}}}
	got := PlaceholderSecrets(spec, map[string]map[string][]byte{"tls": {"ca": []byte("REAL CA")}})
	if string(got["tls"]["ca"]) != "REAL CA" {
		t.Errorf("a given Secret value must be kept: %q", got["tls"]["ca"])
	}
	if string(got["tls"]["crt"]) != "PLACEHOLDER:tls/crt" {
		t.Errorf("a missing key gets a placeholder: %q", got["tls"]["crt"])
	}
}

func TestPlaceholderStoreIsDeterministic(t *testing.T) {
	a, _ := PlaceholderStore{}.Pair(t.Context(), testSpec())
	b, _ := PlaceholderStore{}.Pair(t.Context(), testSpec())
	for i := range a {
		for k := range a[i] {
			if string(a[i][k]) != string(b[i][k]) {
				t.Errorf("%d %s differs", i, k)
			}
		}
	}
	if string(a[0]["memcached"]) != "PLACEHOLDER:generated-identity-passwords:memcached" {
		t.Errorf("memcached placeholder %q", a[0]["memcached"])
	}
}

func testSpec() credentials.Spec { return credentials.ServicePasswords("identity", "keystone") }
