package credentials

import (
	"encoding/base64"
	"strings"
	"testing"
)

func TestPasswordAlphabetAndLength(t *testing.T) {
	seen := map[rune]bool{}
	for range 200 {
		p := Password(32)
		if len(p) != 32 {
			t.Fatalf("length %d", len(p))
		}
		for _, r := range p {
			if !strings.ContainsRune(alphabet, r) || r == 'o' || r == 'O' {
				t.Fatalf("character %q outside the alphabet", r)
			}
			seen[r] = true
		}
	}
	if len(alphabet) != 60 || len(seen) != 60 {
		t.Errorf("alphabet %d characters, %d seen in 6400 draws; want all 60", len(alphabet), len(seen))
	}
	if Password(32) == Password(32) {
		t.Error("two passwords are equal")
	}
}

func TestName(t *testing.T) {
	n := Name("nova", 16)
	if len(n) != 16 || !strings.HasPrefix(n, "nova") {
		t.Errorf("Name(nova, 16) = %q", n)
	}
	if got := Name("averyverylongprefix", 8); got != "averyver" {
		t.Errorf("long prefix: %q", got)
	}
	if u := NewUserPass("keystone"); len(u.Username) != 16 || len(u.Password) != 32 {
		t.Errorf("NewUserPass: %+v", u)
	}
	raw, err := base64.StdEncoding.DecodeString(KEK())
	if err != nil || len(raw) != 32 {
		t.Errorf("KEK is the base64 of 32 characters: %q %v", raw, err)
	}
}

func TestDecode(t *testing.T) {
	if v, ok := Decode([]byte(`{"user":{"username":"u","password":"p"}}`)).(map[string]any); !ok || v["user"] == nil {
		t.Errorf("JSON object not decoded: %v", v)
	}
	if v := Decode([]byte("plain-secret")); v != "plain-secret" {
		t.Errorf("plain string: %v", v)
	}
	if v := Decode([]byte(`"quoted"`)); v != `"quoted"` {
		t.Errorf("a JSON string stays the raw string, as stored: %v", v)
	}
}

func TestServicePasswordsShape(t *testing.T) {
	data, err := generateAll(ServicePasswords("networking", "neutron"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"database", "identity", "ipsec_secret_key", "memcached", "messaging", "metadata_secret", "notifications"}
	if got := sortedKeys(data); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("keys %v, want %v", got, want)
	}
	db := Decode(data["database"]).(map[string]any)["user"].(map[string]any)
	if !strings.HasPrefix(db["username"].(string), "neutron") || len(db["password"].(string)) != 32 {
		t.Errorf("database user: %v", db)
	}
	ids := Decode(data["identity"]).(map[string]any)
	if len(ids) != 2 || ids["neutron"] == nil || ids["test"] == nil {
		t.Errorf("identity accounts: %v", ids)
	}
	if len(data["memcached"]) != 16 || len(data["ipsec_secret_key"]) != 16 {
		t.Error("memcached and ipsec keys are 16 characters")
	}
	if got := Accounts("identity", "keystone"); strings.Join(got, ",") != "keystone,osctl,test" {
		t.Errorf("identity accounts: %v", got)
	}
}

func TestNameSuffixIsLowercaseWithoutO(t *testing.T) {
	for range 200 {
		s := NameSuffix(10)
		if len(s) != 10 || strings.ContainsAny(s, "oABCDEFGHIJKLMNOPQRSTUVWXYZ") {
			t.Fatalf("NameSuffix(10) = %q: want 10 of [a-z0-9] without o", s)
		}
	}
}
