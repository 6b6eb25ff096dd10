package redact

import (
	"encoding/base64"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

const (
	dbPass    = "Xq7dbPassw0rdGeneratedAbcdefgh12"
	adminPass = "AdminPassGeneratedZZZZ9999yyyyXX"
	kek       = "S2VrS2VrS2VrS2VrS2VrS2VrS2VrS2Vr"
)

func TestSecretKey(t *testing.T) {
	for _, k := range []string{
		"password", "admin_password", "Password", "OS_PASSWORD", "passwd", "db_pwd", "rabbit_pass",
		"OIDCCryptoPassphrase", "OIDCClientSecret", "metadata_proxy_shared_secret", "secret",
		"token", "admin_token", "kek", "openssl_kek", "keyring", "memcache_secret_key", "secret_key",
		"private_key", "privateKey", "api_key", "access_key", "client_key", "ca_key", "server_key",
		"fernet_keys", "credential_keys", "password_hash", "adminpassword", "clientsecret", "psk",
	} {
		if !SecretKey(k) {
			t.Errorf("SecretKey(%q) = false, want true", k)
		}
	}
	for _, k := range []string{
		"", "key", "keys", "username", "user", "keystone", "keystone_authtoken", "secrets", "secret_name",
		"secretName", "password_file", "secret_key_ref", "token_expiration", "token_provider",
		"node_selector_key", "public_key", "password_expires_days", "passthrough", "bypass", "host",
		"tls", "cert", "ca_cert", "auth", "credential", "identity:revoke_token", "identity:get_credential",
	} {
		if SecretKey(k) {
			t.Errorf("SecretKey(%q) = true, want false", k)
		}
	}
}

func TestValueRedactsKnownAndKeyedSecretsKeepingStructure(t *testing.T) {
	r := New([]string{dbPass, adminPass, kek, "short", ""})
	in := map[string]any{
		"endpoints": map[string]any{
			"oslo_db": map[string]any{
				"auth": map[string]any{
					"admin":    map[string]any{"username": "root", "password": "user-typed-weak"},
					"keystone": map[string]any{"username": "keystoneAbc", "password": dbPass},
				},
				"hosts": map[string]any{"default": "mariadb"},
			},
		},
		"conf": map[string]any{
			"keystone": map[string]any{
				"database": map[string]any{"connection": "mysql+pymysql://keystone:" + dbPass + "@mariadb.openstack.svc:3306/keystone"},
				"token":    map[string]any{"provider": "fernet", "expiration": 3600.0},
			},
			"file":     "[DEFAULT]\ndebug = true\nadmin_password = typed-in-file\nother = prefix-" + adminPass + "-suffix\n",
			"barbican": map[string]any{"kek": kek, "list": []any{"a", kek, map[string]any{"password": 42.0}}},
		},
		"fernet_keys": map[string]any{"0": "fernetzero", "1": "fernetone"},
		"tolerations": []any{map[string]any{"key": "node-role.kubernetes.io/master", "operator": "Exists"}},
		"ceph":        map[string]any{"key": "AQBvZ2RnAAAAABAAk1e1vBhqT3Uxq0x8yTfK4w==", "secrets": "nova-rbd-keyring"},
		"env":         []any{map[string]any{"name": "OS_PASSWORD", "value": "envpass"}, map[string]any{"name": "OS_REGION", "value": "RegionOne"}},
		"short":       "short",
		"shorter":     "a short text",
		"empty":       map[string]any{"password": ""},
		"b64":         base64.StdEncoding.EncodeToString([]byte(adminPass)),
		"strings":     []string{"x", dbPass},
		"smap":        map[string]string{"password": "p", "host": "h"},
		"nil":         nil,
		"bool":        true,
	}
	orig := fmt.Sprint(in)
	out := r.Values(in)
	if fmt.Sprint(in) != orig {
		t.Fatal("input modified")
	}
	want := map[string]any{
		"endpoints": map[string]any{
			"oslo_db": map[string]any{
				"auth": map[string]any{
					"admin":    map[string]any{"username": "root", "password": Mask},
					"keystone": map[string]any{"username": "keystoneAbc", "password": Mask},
				},
				"hosts": map[string]any{"default": "mariadb"},
			},
		},
		"conf": map[string]any{
			"keystone": map[string]any{
				"database": map[string]any{"connection": "mysql+pymysql://keystone:" + Mask + "@mariadb.openstack.svc:3306/keystone"},
				"token":    map[string]any{"provider": "fernet", "expiration": 3600.0},
			},
			"file":     "[DEFAULT]\ndebug = true\nadmin_password = " + Mask + "\nother = prefix-" + Mask + "-suffix\n",
			"barbican": map[string]any{"kek": Mask, "list": []any{"a", Mask, map[string]any{"password": Mask}}},
		},
		"fernet_keys": map[string]any{"0": Mask, "1": Mask},
		"tolerations": []any{map[string]any{"key": "node-role.kubernetes.io/master", "operator": "Exists"}},
		"ceph":        map[string]any{"key": Mask, "secrets": "nova-rbd-keyring"},
		"env":         []any{map[string]any{"name": "OS_PASSWORD", "value": Mask}, map[string]any{"name": "OS_REGION", "value": "RegionOne"}},
		"short":       Mask,
		"shorter":     "a short text",
		"empty":       map[string]any{"password": ""},
		"b64":         Mask,
		"strings":     []string{"x", Mask},
		"smap":        map[string]string{"password": Mask, "host": "h"},
		"nil":         nil,
		"bool":        true,
	}
	if !reflect.DeepEqual(out, want) {
		t.Errorf("got\n%v\nwant\n%v", out, want)
	}
	// Deterministic and idempotent.
	if again := r.Values(out); !reflect.DeepEqual(again, out) {
		t.Errorf("redacting twice changes:\n%v\n%v", again, out)
	}
}

func TestString(t *testing.T) {
	r := New([]string{dbPass, "secretvalue-with-more"})
	pem := "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAxyz\nabc\n-----END RSA PRIVATE KEY-----\n"
	cert := "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{dbPass, Mask},
		{" " + dbPass + "\n", Mask},
		{"plain text", "plain text"},
		{"x" + dbPass + "y", "x" + Mask + "y"},
		{"secretvalue-with-more and secretvalue", Mask + " and secretvalue"},
		{"mysql+pymysql://nova:typed@mariadb:3306/nova", "mysql+pymysql://nova:" + Mask + "@mariadb:3306/nova"},
		{"redis://:p@ss@redis:6379/0", "redis://:" + Mask + "@redis:6379/0"},
		{"https://keystone.example/v3", "https://keystone.example/v3"},
		{"http://user@host/", "http://user@host/"},
		{cert + pem, cert + "-----BEGIN RSA PRIVATE KEY-----\n" + Mask + "\n-----END RSA PRIVATE KEY-----\n"},
		{"-----BEGIN PRIVATE KEY-----\nabc", "-----BEGIN PRIVATE KEY-----\n" + Mask + "\n"},
		{"[ldap]\npassword = \"q w\"\nuser = cn=admin\nurl = ldap://h\n", "[ldap]\npassword = \"" + Mask + "\"\nuser = cn=admin\nurl = ldap://h\n"},
		{"export OS_PASSWORD=abc\nexport OS_USERNAME=admin", "export OS_PASSWORD=" + Mask + "\nexport OS_USERNAME=admin"},
		{"password: {{ .Values.x }}", "password: {{ .Values.x }}"},
		{"mysql -u root --password=abc --host=db", "mysql -u root --password=" + Mask + " --host=db"},
		{"key: node-role", "key: node-role"},
	} {
		if got := r.String(c.in); got != c.want {
			t.Errorf("String(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	var nilR *Redactor
	if nilR.String(dbPass) != dbPass || nilR.Value(map[string]any{"password": "x"}).(map[string]any)["password"] != "x" {
		t.Error("a nil Redactor must redact nothing")
	}
}

func TestSecretData(t *testing.T) {
	data := map[string][]byte{
		"identity":  []byte(`{"admin":{"username":"adminAbc","password":"` + adminPass + `"},"test":{"username":"test","password":"tpass12345"}}`),
		"memcached": []byte("memcachedSecret1"),
		"public":    []byte("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ nova@host\n"),
		"cert":      []byte("-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"),
		"key":       []byte("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n"),
		"list":      []byte(`["a1b2c3d4e5"]`),
		"number":    []byte("12"),
	}
	got := SecretData(data)
	want := []string{adminPass, "tpass12345", "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n", "a1b2c3d4e5", "memcachedSecret1", "12"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SecretData = %q, want %q", got, want)
	}
}

func TestPreviousMasksTheOldValueOfAChangedSecret(t *testing.T) {
	const oldPass = "OldPasswordOfTheAdminUser0123456"
	old := map[string]any{
		"auth": map[string]any{"admin": map[string]any{"password": oldPass}},
		"conf": "[db]\nconnection = x://u:" + oldPass + "@h/\nopt = " + oldPass + "!\n",
		"blob": "head " + oldPass + " tail",
		"n":    1.0,
	}
	newv := map[string]any{
		"auth": map[string]any{"admin": map[string]any{"password": adminPass}},
		"conf": "[db]\nconnection = x://u:" + adminPass + "@h/\nopt = " + adminPass + "!\n",
		"blob": "head " + adminPass + " tail",
		"n":    2.0,
	}
	r := New([]string{adminPass})
	prev := r.Previous(old, newv)
	if len(prev) == 0 {
		t.Fatal("no previous secret found")
	}
	r2 := r.With(prev...)
	for _, tree := range []any{old, newv} {
		s := fmt.Sprint(r2.Value(tree))
		if strings.Contains(s, oldPass) || strings.Contains(s, adminPass) {
			t.Errorf("secret left in %s", s)
		}
		if !strings.Contains(s, "head "+Mask+" tail") {
			t.Errorf("structure lost: %s", s)
		}
	}
	// A change that touches no secret teaches nothing.
	if p := r.Previous(map[string]any{"a": "x 1", "b": 1.0}, map[string]any{"a": "x 2", "b": 2.0}); len(p) != 0 {
		t.Errorf("Previous = %q, want none", p)
	}
	// The secret only partly changed: the whole old secret is learned.
	r3 := New([]string{"commonPrefixNEW"})
	if p := r3.Previous(map[string]any{"c": "a=commonPrefixOLD;"}, map[string]any{"c": "a=commonPrefixNEW;"}); !reflect.DeepEqual(p, []string{"commonPrefixOLD"}) {
		t.Errorf("Previous = %q, want [commonPrefixOLD]", p)
	}
}
