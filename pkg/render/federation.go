package render

import (
	"fmt"
	"strings"

	"rockoon.dev/rockoon/pkg/layering"
)

// Federation builds the federation template argument of identity and
// dashboard from the merged spec: the legacy features.keystone.keycloak
// (what MOSK's IAM integration writes) turned into one OpenID Connect
// provider named "keycloak", then features.keystone.federation merged over
// it. passphrase is mod_auth_openidc's session encryption key (the
// oidc-crypto-passphrase Secret). nil when federation is off.
func Federation(mspec map[string]any, passphrase string) (map[string]any, error) {
	fed := map[string]any{}
	domain, _ := layering.Get(mspec, "public_domain_name").(string)
	if kc, ok := layering.Get(mspec, "features", "keystone", "keycloak").(map[string]any); ok && kc["enabled"] == true {
		url, _ := kc["url"].(string)
		if url == "" {
			return nil, fmt.Errorf("features.keystone.keycloak.url is required when keycloak is enabled")
		}
		url = strings.TrimSuffix(url, "/")
		realm := url + "/auth/realms/iam"
		user, _ := kc["oidc"].(map[string]any)
		clientID := "os"
		if v, ok := user["OIDCClientID"].(string); ok && v != "" {
			clientID = v
		}
		oidc := map[string]any{
			"OIDCResponseType":             "id_token",
			"OIDCScope":                    "openid",
			"OIDCProviderMetadataURL":      realm + "/.well-known/openid-configuration",
			"OIDCOAuthVerifyJwksUri":       realm + "/protocol/openid-connect/certs",
			"OIDCClientID":                 clientID,
			"OIDCSSLValidateServer":        "On",
			"OIDCOAuthSSLValidateServer":   "On",
			"OIDCSessionInactivityTimeout": float64(1800),
			"OIDCClaimDelimiter":           ",",
			"OIDCClaimPrefix":              "OIDC-",
			"OIDCRedirectURLsAllowed":      "^https://horizon." + domain + "/auth/logout$",
			"OIDCRedirectURI":              "https://keystone." + domain + "/v3/auth/OS-FEDERATION/identity_providers/keycloak/protocols/mapped/websso/",
		}
		for k, v := range user {
			// Booleans are Apache's On/Off.
			if b, ok := v.(bool); ok {
				v = map[bool]string{true: "On", false: "Off"}[b]
			}
			oidc[k] = v
		}
		fed = map[string]any{"openid": map[string]any{
			"enabled": true,
			"oidc":    oidc,
			"providers": map[string]any{"keycloak": map[string]any{
				"enabled":     true,
				"description": "External Authentication Service",
				"issuer":      realm,
				"mapping": []any{map[string]any{
					"local": []any{
						map[string]any{"user": map[string]any{"email": "{1}", "name": "{0}"}},
						map[string]any{"groups": "{2}"},
						map[string]any{"domain": map[string]any{"name": "Default"}},
					},
					"remote": []any{
						map[string]any{"type": "OIDC-iam_username"},
						map[string]any{"type": "OIDC-email"},
						map[string]any{"type": "OIDC-iam_roles"},
					},
				}},
				"metadata": map[string]any{
					"client":   map[string]any{"client_id": clientID},
					"provider": map[string]any{"value_from": map[string]any{"from_url": map[string]any{"url": realm + "/.well-known/openid-configuration"}}},
				},
			}},
		}}
	}
	if user, ok := layering.Get(mspec, "features", "keystone", "federation").(map[string]any); ok {
		merged, err := layering.Merge(fed, layering.DeepCopy(user))
		if err != nil {
			return nil, fmt.Errorf("features.keystone.federation: %w", err)
		}
		fed, _ = merged.(map[string]any)
	}
	if layering.Get(fed, "openid", "enabled") != true {
		return nil, nil
	}
	oidc, _ := layering.Get(fed, "openid", "oidc").(map[string]any)
	if oidc == nil {
		oidc = map[string]any{}
		fed["openid"].(map[string]any)["oidc"] = oidc
	}
	if _, set := oidc["OIDCCryptoPassphrase"]; !set {
		oidc["OIDCCryptoPassphrase"] = passphrase
	}
	return fed, nil
}
