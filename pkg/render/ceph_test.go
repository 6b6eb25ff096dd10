package render

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/testenv"
)

// recordingStore records the Secrets asked for and generates their values.
type recordingStore struct{ secrets map[string]map[string][]byte }

func (s *recordingStore) Secret(_ context.Context, spec credentials.Spec) (map[string][]byte, error) {
	data := map[string][]byte{}
	for _, f := range spec.Fields {
		data[f.Key] = []byte(f.Generate().(string))
	}
	s.secrets[spec.Name] = data
	return data, nil
}

func (s *recordingStore) Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error) {
	d, err := s.Secret(ctx, spec)
	return [2]map[string][]byte{d, d}, err
}

func TestCephArgs(t *testing.T) {
	keys, err := ceph.ParseKeys(map[string][]byte{
		"mon_endpoints":       []byte("10.0.0.1:6789"),
		"nova":                []byte("client.nova;AQDnova==;vms-hdd:vms:hdd"),
		"glance":              []byte("client.glance;AQDglance==;images-hdd:images:hdd"),
		"rgw_internal_cacert": []byte("RGW CA"),
	})
	if err != nil {
		t.Fatal(err)
	}
	store := &recordingStore{secrets: map[string]map[string][]byte{}}
	r := &Renderer{Store: store}
	ctx := context.Background()

	data := map[string]any{}
	if err := r.cephArgs(ctx, "image", map[string]any{}, keys, data); err != nil {
		t.Fatal(err)
	}
	if data["is_ceph_enabled"] != true || data["ceph"].(map[string]any)["glance"] == nil {
		t.Errorf("image with Ceph keys: %v", data)
	}
	if got := string(store.secrets["glance-rbd-keyring"]["key"]); got != "AQDglance==" {
		t.Errorf("glance-rbd-keyring key %q", got)
	}
	if _, ok := store.secrets["nova-rbd-keyring"]; ok {
		t.Error("image must not create nova's keyring")
	}

	// Glance on a file backend and no Cinder volumes: no Ceph for image.
	data = map[string]any{}
	fileGlance := map[string]any{"features": map[string]any{
		"glance": map[string]any{"backends": map[string]any{"file": map[string]any{}}},
		"cinder": map[string]any{"volume": map[string]any{"enabled": false}},
	}}
	if err := r.cephArgs(ctx, "image", fileGlance, keys, data); err != nil {
		t.Fatal(err)
	}
	if data["is_ceph_enabled"] != false {
		t.Errorf("image on a file backend: %v", data)
	}

	// Glance on rbd while the Ceph keys are not there: an error naming the
	// reason, nothing rendered with empty keys.
	err = r.cephArgs(ctx, "image", map[string]any{}, nil, map[string]any{})
	if !errors.Is(err, ErrCephKeysMissing) || !strings.Contains(err.Error(), "features.glance.backends") {
		t.Errorf("rbd glance without keys: %v", err)
	}
	// Nova on Ceph through a node override, and the Secret lacks nova.
	noNova, _ := ceph.ParseKeys(map[string][]byte{"mon_endpoints": []byte("10.0.0.1:6789")})
	nodes := map[string]any{"nodes": map[string]any{"role::ceph": map[string]any{"features": map[string]any{"nova": map[string]any{"images": map[string]any{"backend": "ceph"}}}}}}
	err = r.cephArgs(ctx, "compute", nodes, noNova, map[string]any{})
	if !errors.Is(err, ErrCephKeysMissing) || !strings.Contains(err.Error(), `nodes.role::ceph`) || !strings.Contains(err.Error(), `"nova"`) {
		t.Errorf("ceph nova node override without nova's key: %v", err)
	}

	// Block storage off Ceph: keys passed, is_ceph_enabled false.
	data = map[string]any{}
	mspec := map[string]any{"features": map[string]any{"cinder": map[string]any{"volume": map[string]any{"enabled": false}}}}
	if err := r.cephArgs(ctx, "compute", mspec, keys, data); err != nil {
		t.Fatal(err)
	}
	if data["is_ceph_enabled"] != false || data["ceph"].(map[string]any)["nova"] == nil {
		t.Errorf("compute, cinder volumes off: %v", data)
	}

	// No Ceph at all: no argument, nothing created; identity gets no CA.
	store.secrets = map[string]map[string][]byte{}
	data = map[string]any{}
	if err := r.cephArgs(ctx, "compute", map[string]any{}, nil, data); err != nil {
		t.Fatal(err)
	}
	if data["is_ceph_enabled"] != false || data["ceph"] != nil || len(store.secrets) != 0 {
		t.Errorf("no Ceph: %v, secrets %v", data, store.secrets)
	}
	// The RGW CA joins identity's public CA bundle only with object-storage.
	data = map[string]any{}
	if err := r.cephArgs(ctx, "identity", map[string]any{}, keys, data); err != nil {
		t.Fatal(err)
	}
	if _, ok := data["rgw_internal_cacert"]; ok || data["ceph"] != nil {
		t.Errorf("identity without object-storage: %v", data)
	}
	data = map[string]any{}
	withRGW := map[string]any{"features": map[string]any{"services": []any{"identity", "object-storage"}}}
	if err := r.cephArgs(ctx, "identity", withRGW, keys, data); err != nil {
		t.Fatal(err)
	}
	if data["rgw_internal_cacert"] != "RGW CA" || data["ceph"] != nil {
		t.Errorf("identity with object-storage: %v", data)
	}
}

// keystone_creds: accounts borrowed from the other enabled services' active
// credentials, only of services that are enabled.
func TestBorrowedKeystoneAccounts(t *testing.T) {
	ctx := context.Background()
	r := &Renderer{Templates: templates.New(), Store: PlaceholderStore{}}
	c, err := r.commonArgs(ctx, []string{"compute", "networking", "placement"})
	if err != nil {
		t.Fatal(err)
	}
	data, err := r.serviceArgs(ctx, "compute", map[string]any{"openstack_version": "epoxy"}, c)
	if err != nil {
		t.Fatal(err)
	}
	kc := data["keystone_creds"].(map[string]any)
	if len(kc) != 2 {
		t.Errorf("compute borrows neutron and placement only (cinder, ironic are not enabled): %v", kc)
	}
	if pw := kc["neutron"].(map[string]any)["password"]; pw != "PLACEHOLDER:generated-networking-passwords:identity.neutron.password" {
		t.Errorf("neutron account from the networking Secret: %v", pw)
	}
}

// compute's extra arguments: metadata secret from networking, SSH keys, and
// the TLS material only when enabled.
func TestComputeArgs(t *testing.T) {
	ctx := context.Background()
	r := &Renderer{Store: PlaceholderStore{}}
	c, err := r.commonArgs(ctx, []string{"compute", "networking"})
	if err != nil {
		t.Fatal(err)
	}
	data := map[string]any{}
	if err := r.computeArgs(ctx, map[string]any{}, c, data); err != nil {
		t.Fatal(err)
	}
	if data["metadata_secret"] != "PLACEHOLDER:generated-networking-passwords:metadata_secret" || data["ssh_credentials"] == nil {
		t.Errorf("compute args: %v", data)
	}
	if data["libvirt_certs"] != nil || data["libvirt_vnc_certs"] != nil {
		t.Errorf("TLS material without TLS: %v", data)
	}
	mspec := map[string]any{"public_domain_name": "example.test", "features": map[string]any{"nova": map[string]any{
		"libvirt": map[string]any{"tls": map[string]any{"enabled": true}},
		"console": map[string]any{"novnc": map[string]any{"tls": map[string]any{"enabled": true}}},
	}}}
	data = map[string]any{}
	if err := r.computeArgs(ctx, mspec, c, data); err != nil {
		t.Fatal(err)
	}
	if data["libvirt_certs"].(map[string]any)["cert"] != "PLACEHOLDER:libvirt-server-tls-certs:cert" ||
		data["libvirt_vnc_certs"].(map[string]any)["server_key"] != "PLACEHOLDER:libvirt-vnc-tls-certs:server_key" {
		t.Errorf("TLS material: %v", data)
	}
}

// is_ceph_enabled as the original computed it, for every golden context
// (all of them have Ceph keys).
func TestIsCephEnabledAsTheOriginal(t *testing.T) {
	input := testenv.SharedDir(t, "reference-fixtures", "render", "input") // fails without fixtures
	dirs, _ := filepath.Glob(filepath.Join(input, "*", "context_spec.yaml"))
	if len(dirs) == 0 {
		t.Fatalf("no golden context (*/context_spec.yaml) in %s", input)
	}
	r := &Renderer{Store: PlaceholderStore{}}
	checked := 0
	for _, d := range dirs {
		ctxName := filepath.Base(filepath.Dir(d))
		spec := fixtureInput(t, ctxName, "context_spec.yaml")
		args := fixtureInput(t, ctxName, "context_template_args.yaml")
		for _, svc := range []string{"image", "compute", "block-storage", "shared-file-system"} {
			want, ok := layering.Get(args, svc, "is_ceph_enabled").(bool)
			if !ok {
				continue
			}
			data := map[string]any{}
			if err := r.cephArgs(context.Background(), svc, spec, ceph.Placeholder(), data); err != nil {
				t.Fatalf("%s %s: %v", ctxName, svc, err)
			}
			if data["is_ceph_enabled"] != want {
				t.Errorf("%s %s: is_ceph_enabled %v, the original %v", ctxName, svc, data["is_ceph_enabled"], want)
			}
			checked++
		}
	}
	t.Logf("%d (context, service) pairs checked", checked)
}

// Ceilometer gets the RGW metrics user's S3 keys only when the RGW is the
// cloud's object store (object-storage enabled), as the original.
func TestCephArgsRGWMetricsUser(t *testing.T) {
	keys, err := ceph.ParseKeys(map[string][]byte{
		"mon_endpoints":               []byte("10.0.0.1:6789"),
		"rgw_metrics_user_access_key": []byte("ACCESS\n"),
		"rgw_metrics_user_secret_key": []byte("SECRET"),
	})
	if err != nil {
		t.Fatal(err)
	}
	r := &Renderer{Store: &recordingStore{secrets: map[string]map[string][]byte{}}}
	ctx := context.Background()
	data := map[string]any{}
	if err := r.cephArgs(ctx, "metering", map[string]any{}, keys, data); err != nil {
		t.Fatal(err)
	}
	if _, ok := data["rgw_metrics_user_access_key"]; ok {
		t.Errorf("metering without object-storage: %v", data)
	}
	withRGW := map[string]any{"features": map[string]any{"services": []any{"metering", "object-storage"}}}
	for svc, want := range map[string]bool{"metering": true, "identity": false} {
		data = map[string]any{}
		if err := r.cephArgs(ctx, svc, withRGW, keys, data); err != nil {
			t.Fatal(err)
		}
		got := data["rgw_metrics_user_access_key"] == "ACCESS" && data["rgw_metrics_user_secret_key"] == "SECRET"
		if got != want {
			t.Errorf("%s with object-storage: RGW metrics keys passed %v, want %v", svc, got, want)
		}
	}
}

// object-storage gets the RGW URLs of the exchange Secret; without the
// Secret or a URL it waits, a URL that is not http(s) is an error naming
// the key.
func TestObjectStorageRGWArgs(t *testing.T) {
	r := &Renderer{Store: &recordingStore{secrets: map[string]map[string][]byte{}}}
	ctx := context.Background()
	parse := func(data map[string][]byte) *ceph.Keys {
		t.Helper()
		k, err := ceph.ParseKeys(data)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	good := map[string][]byte{"rgw_internal": []byte("https://rook-ceph-rgw.rook-ceph.svc:8443\n"), "rgw_external": []byte("https://openstack-store.example.test")}
	data := map[string]any{}
	if err := r.cephArgs(ctx, "object-storage", map[string]any{}, parse(good), data); err != nil {
		t.Fatal(err)
	}
	if data["rgw_internal"] != "https://rook-ceph-rgw.rook-ceph.svc:8443" || data["rgw_external"] != "https://openstack-store.example.test" {
		t.Errorf("arguments %v", data)
	}
	if err := r.cephArgs(ctx, "object-storage", map[string]any{}, nil, map[string]any{}); !errors.Is(err, ErrCephKeysMissing) {
		t.Errorf("no exchange Secret: %v", err)
	}
	if err := r.cephArgs(ctx, "object-storage", map[string]any{}, parse(map[string][]byte{"rgw_internal": good["rgw_internal"]}), map[string]any{}); !errors.Is(err, ErrCephKeysMissing) || !strings.Contains(err.Error(), "rgw_external") {
		t.Errorf("no rgw_external: %v", err)
	}
	bad := map[string][]byte{"rgw_internal": []byte("rook-ceph-rgw:8443"), "rgw_external": good["rgw_external"]}
	if err := r.cephArgs(ctx, "object-storage", map[string]any{}, parse(bad), map[string]any{}); err == nil || errors.Is(err, ErrCephKeysMissing) || !strings.Contains(err.Error(), "rgw_internal") {
		t.Errorf("rgw_internal without a scheme: %v", err)
	}
}
