package ceph

import (
	"errors"
	"net"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestParseKeys(t *testing.T) {
	k, err := ParseKeys(map[string][]byte{
		"client.admin":  []byte("AQDadmin==\n"),
		"mon_endpoints": []byte("10.0.0.11:6789,10.0.0.12:6789"),
		"rgw_internal":  []byte("https://rook-ceph-rgw.rook-ceph.svc:8443"),
		"nova":          []byte("client.nova;AQDnova==;vms-hdd:vms:hdd;images-hdd:images:hdd"),
		"cinder":        []byte("client.cinder;AQDcinder==;volumes-hdd:volumes:hdd;backup-hdd:backup:hdd;vms-hdd:vms:hdd"),
		"unknown":       []byte("ignored"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if k.AdminKey != "AQDadmin==" || len(k.MonEndpoints) != 2 || k.RGWInternal == "" {
		t.Errorf("parsed %+v", k)
	}
	arg := k.TemplateArg("nova", "cinder", "glance")
	want := map[string]any{
		"nova": map[string]any{"username": "nova", "keyring": "AQDnova==", "secrets": "nova-rbd-keyring",
			"pools": map[string]any{"vms-hdd": map[string]any{"name": "vms-hdd", "role": "vms"}}},
		"cinder": map[string]any{"username": "cinder", "keyring": "AQDcinder==", "secrets": "cinder-rbd-keyring",
			"pools": map[string]any{
				"backup-hdd":  map[string]any{"name": "backup-hdd", "role": "backup"},
				"volumes-hdd": map[string]any{"name": "volumes-hdd", "role": "volumes"},
			}},
		"mon_host": []any{"10.0.0.11:6789", "10.0.0.12:6789"},
	}
	if !reflect.DeepEqual(arg, want) {
		t.Errorf("template argument\n got %v\nwant %v", arg, want)
	}
}

func TestParseKeysRefusesMalformed(t *testing.T) {
	for name, data := range map[string]map[string][]byte{
		"no key":       {"nova": []byte("client.nova")},
		"bad pool":     {"glance": []byte("client.glance;AQD==;images-hdd")},
		"bad monitors": {"mon_endpoints": []byte("10.0.0.1")},
	} {
		if _, err := ParseKeys(data); err == nil || !strings.Contains(err.Error(), KeysSecret) {
			t.Errorf("%s: want an error naming %s, got %v", name, KeysSecret, err)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.11:6789":       "10.0.0.11:6789",
		" 10.0.0.11:3300":      "",
		"[fd00::11]:6789":      "[fd00::11]:6789",
		"fd00::11:6789":        "[fd00::11]:6789",
		"[FD00:0::11]:6789":    "[fd00::11]:6789",
		"::ffff:10.0.0.1:6789": "10.0.0.1:6789",
		"10.0.0.11":            "",
		"10.0.0.11:":           "",
		"10.0.0.11:0":          "",
		"10.0.0.11:65536":      "",
		"10.0.0.11:+80":        "",
		"10.0.0.11:0080":       "",
		"mon-a.ceph.svc:6789":  "",
		"[10.0.0.11:6789":      "",
		"fd00::11":             "",
		"[fd00::11]:6789:6789": "",
		"[fd00::11]x:6789":     "",
		"":                     "",
		"fd00::11%eth0:6789":   "",
		"[fd00::11%eth0]:6789": "",
		"10.0.0.256:6789":      "",
		"10.0.0.11:6789,":      "",
		"10.0.0.11:6789 ":      "",
		"10.0.0.1.1:6789":      "",
		"[::]:6789":            "[::]:6789",
		"0.0.0.0:6789":         "0.0.0.0:6789",
		"2001:db8::1:ab:3300":  "[2001:db8::1:ab]:3300",
		"[2001:db8::1]:3300":   "[2001:db8::1]:3300",
		"2001:db8::1:ab:abc":   "",
		"2001:db8::1:ab:-1":    "",
		"2001:db8::1:ab:99999": "",
		"2001:db8:::1:ab:3300": "",
		"[2001:db8::1]:":       "",
		"[]:6789":              "",
		":6789":                "",
	} {
		got, err := ParseEndpoint(in)
		if want == "" {
			if err == nil {
				t.Errorf("ParseEndpoint(%q) = %q, want an error", in, got)
			}
			continue
		}
		if err != nil || got != want {
			t.Errorf("ParseEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestParseKeysIPv6Monitors(t *testing.T) {
	k, err := ParseKeys(map[string][]byte{"mon_endpoints": []byte("[fd00::11]:6789, fd00::12:6789")})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"[fd00::11]:6789", "[fd00::12]:6789"}; !reflect.DeepEqual(k.MonEndpoints, want) {
		t.Errorf("monitors %v, want %v", k.MonEndpoints, want)
	}
}

// The errors name the key and the problem, never a key's value.
func TestParseKeysErrorsHoldNoKey(t *testing.T) {
	_, err := ParseKeys(map[string][]byte{"cinder": []byte("client.cinder;AQDsecret==;volumes")})
	if err == nil || !strings.Contains(err.Error(), "cinder") || strings.Contains(err.Error(), "AQDsecret") {
		t.Errorf("error %v: want one naming cinder without its key", err)
	}
}

// seedKeys is the reference's example of the exchange Secret.
func seedKeys() map[string][]byte {
	return map[string][]byte{
		"client.admin":        []byte("AQDadmin==\n"),
		"mon_endpoints":       []byte("10.0.0.11:6789,10.0.0.12:6789"),
		"rgw_internal":        []byte("https://rook-ceph-rgw-openstack-store.rook-ceph.svc:8443"),
		"rgw_external":        []byte("https://openstack-store.it.just.works"),
		"nova":                []byte("client.nova;AQDnova==;vms-hdd:vms:hdd;images-hdd:images:hdd"),
		"cinder":              []byte("client.cinder;AQDcinder==;volumes-hdd:volumes:hdd;backup-hdd:backup:hdd"),
		"glance":              []byte("client.glance;AQDglance==;images-hdd:images:hdd"),
		"manila":              []byte("client.manila;AQDmanila=="),
		"rgw_internal_cacert": []byte("-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n"),
	}
}

func FuzzParseKeys(f *testing.F) {
	seed := seedKeys()
	f.Add(string(seed["mon_endpoints"]), string(seed["nova"]), string(seed["cinder"]), string(seed["glance"]))
	f.Add("[fd00::11]:6789,fd00::12:6789", "client.nova;AQD==", "client.cinder;;", ";")
	f.Add("", "", "x;y;z", "a;b;c:d:e:f;;")
	f.Fuzz(func(t *testing.T, mons, nova, cinder, glance string) {
		k, err := ParseKeys(map[string][]byte{"mon_endpoints": []byte(mons), "nova": []byte(nova), "cinder": []byte(cinder), "glance": []byte(glance)})
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		for _, ep := range k.MonEndpoints {
			if again, err := ParseEndpoint(ep); err != nil || again != ep {
				t.Fatalf("monitor %q does not parse back to itself: %q, %v", ep, again, err)
			}
		}
		for name, u := range k.Users {
			if u.Key == "" || strings.Contains(u.Key, ";") {
				t.Fatalf("user %s: key %q", name, u.Key)
			}
			for _, p := range u.Pools {
				if !slices.Contains(userRoles[name], p.Role) {
					t.Fatalf("user %s got a pool of role %q", name, p.Role)
				}
			}
		}
		_ = k.TemplateArg("nova", "cinder", "glance")
	})
}

func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"10.0.0.11:6789", "[fd00::11]:6789", "fd00::11:6789", "10.0.0.11", "[::1]:0", "::ffff:1.2.3.4:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := ParseEndpoint(in)
		if err != nil {
			return
		}
		host, port, err := net.SplitHostPort(out)
		if err != nil || net.ParseIP(host) == nil || port == "" {
			t.Fatalf("ParseEndpoint(%q) = %q: not ip:port", in, out)
		}
		if again, err := ParseEndpoint(out); err != nil || again != out {
			t.Fatalf("ParseEndpoint(%q) = %q, which parses to %q, %v", in, out, again, err)
		}
	})
}
