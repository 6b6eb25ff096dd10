package render

import (
	"context"
	"errors"
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/templates"
)

// Manila is on Ceph only through a CephFS share backend of its own, not
// because cinder's volumes are (as the original's is_ceph_enabled in every
// golden context), and waits for the Ceph keys when it has one.
func TestSharedFileSystemCeph(t *testing.T) {
	keys, err := ceph.ParseKeys(map[string][]byte{
		"mon_endpoints": []byte("10.0.0.1:6789"),
		"cinder":        []byte("client.cinder;AQDcinder==;volumes-hdd:volumes:hdd"),
		"manila":        []byte("client.manila;AQDmanila=="),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &Renderer{Store: &recordingStore{secrets: map[string]map[string][]byte{}}}
	ctx := context.Background()
	spec := func(backends map[string]any) map[string]any {
		return map[string]any{"features": map[string]any{
			"services": []any{"block-storage", "shared-file-system"},
			"manila":   map[string]any{"share": map[string]any{"backends": backends}},
		}}
	}
	cephfs := map[string]any{"type": "statefulset", "values": map[string]any{"conf": map[string]any{
		"cephfs": map[string]any{"share_driver": CephFSShareDriver},
	}}}

	data := map[string]any{}
	if err := r.cephArgs(ctx, "shared-file-system", spec(nil), keys, data); err != nil {
		t.Fatal(err)
	}
	if data["is_ceph_enabled"] != false {
		t.Errorf("manila without a CephFS backend, cinder on Ceph: is_ceph_enabled %v", data["is_ceph_enabled"])
	}

	data = map[string]any{}
	if err := r.cephArgs(ctx, "shared-file-system", spec(map[string]any{"fs": cephfs}), keys, data); err != nil {
		t.Fatal(err)
	}
	if data["is_ceph_enabled"] != true || data["ceph"].(map[string]any)["manila"] == nil {
		t.Errorf("manila with a CephFS backend: %v", data)
	}

	off := map[string]any{"type": "statefulset", "enabled": false, "values": cephfs["values"]}
	data = map[string]any{}
	if err := r.cephArgs(ctx, "shared-file-system", spec(map[string]any{"fs": off}), keys, data); err != nil || data["is_ceph_enabled"] != false {
		t.Errorf("disabled CephFS backend: is_ceph_enabled %v, %v", data["is_ceph_enabled"], err)
	}

	if err := r.cephArgs(ctx, "shared-file-system", spec(map[string]any{"fs": cephfs}), nil, map[string]any{}); !errors.Is(err, ErrCephKeysMissing) {
		t.Errorf("CephFS backend without Ceph keys: %v, want ErrCephKeysMissing", err)
	}
}

// The service VMs' SSH key pair is generated into the original's Secret
// and handed to the template.
func TestSharedFileSystemSSHKeys(t *testing.T) {
	store := &recordingStore{secrets: map[string]map[string][]byte{}}
	r := &Renderer{Templates: templates.New(), Store: store}
	data, err := r.serviceArgs(context.Background(), "shared-file-system", map[string]any{"openstack_version": "yoga"}, &commonArgs{servicePairs: map[string][2]map[string][]byte{}})
	if err != nil {
		t.Fatal(err)
	}
	got, ok := store.secrets[credentials.SharedFileSystemSSH]
	if !ok || !strings.HasPrefix(string(got["private"]), "-----BEGIN RSA PRIVATE KEY-----") || !strings.HasPrefix(string(got["public"]), "ssh-rsa ") {
		t.Fatalf("Secret %s: generated %v, private/public not an RSA key pair", credentials.SharedFileSystemSSH, ok)
	}
	ssh, _ := data["ssh_credentials"].(map[string]any)
	if ssh["private"] != string(got["private"]) || ssh["public"] != string(got["public"]) {
		t.Error("ssh_credentials is not the Secret's key pair")
	}
	if _, ok := data["service_policy"].(map[string]any); !ok {
		t.Errorf("service_policy %T, want manila's default rules", data["service_policy"])
	}
}
