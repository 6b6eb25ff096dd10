package ceph

import (
	"reflect"
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
