package render

import (
	"context"
	"path/filepath"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/testenv"
)

// A multi-tenant baremetal cloud: the networking-generic-switch key of
// the spec is written to ngs-ssh-keys (which the neutron server mounts)
// and follows the spec; ironic, nova and neutron get the accounts they
// borrow.
func TestBaremetalNGSKeysAndAccounts(t *testing.T) {
	dir := testenv.SharedDir(t, "reference-fixtures", "e2e", "ctx-yoga_ceph_local_non_dvr_ironic_mt")
	obj := readYAML(t, filepath.Join(dir, "osdpl.yaml"))
	meta := obj["metadata"].(map[string]any)
	name, ns := meta["name"].(string), meta["namespace"].(string)
	all, _ := clusterSecrets(t, filepath.Join(dir, "secrets.json"))
	ctx := context.Background()
	kube := fake.NewClientset()
	for _, s := range all {
		if s.Name == credentials.NGSSSHKeysSecret {
			continue
		}
		if _, err := kube.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	spec := obj["spec"].(map[string]any)
	render := func() *Result {
		t.Helper()
		in, err := Sources{Kube: kube, CephSharedNamespace: ceph.SharedNamespace}.Gather(ctx, name, ns, spec)
		if err != nil {
			t.Fatal(err)
		}
		r := &Renderer{Templates: templates.New(), Store: ClusterStore{Client: kube, Namespace: ns, FieldManager: "test"}}
		res, err := r.Render(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	device := layering.Get(spec, "features", "neutron", "baremetal", "ngs", "hardware", "br-host").(map[string]any)
	key := device["ssh_private_key"].(string)

	res := render()
	sec, err := kube.CoreV1().Secrets(ns).Get(ctx, credentials.NGSSSHKeysSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("ngs-ssh-keys not created: %v", err)
	}
	if got := string(sec.Data["br-host_ssh_private_key"]); got != key || len(sec.Data) != 1 {
		t.Errorf("ngs-ssh-keys holds %d keys, br-host's is the spec's: %v", len(sec.Data), got == key)
	}
	accounts := map[string][]string{"openstack-ironic": {"neutron", "glance", "nova"}, "openstack-nova": {"ironic"}, "openstack-neutron": {"ironic"}}
	for _, s := range res.Services {
		for _, rel := range s.Releases {
			for _, acc := range accounts[rel.Name] {
				if layering.Get(rel.Values, "endpoints", "identity", "auth", acc, "username") == nil {
					t.Errorf("%s: no %s Keystone account", rel.Name, acc)
				}
			}
		}
	}

	// A rotated switch key reaches the Secret.
	device["ssh_private_key"] = "-----BEGIN RSA PRIVATE KEY-----\nROTATED\n-----END RSA PRIVATE KEY-----\n"
	render()
	sec, _ = kube.CoreV1().Secrets(ns).Get(ctx, credentials.NGSSSHKeysSecret, metav1.GetOptions{})
	if string(sec.Data["br-host_ssh_private_key"]) != device["ssh_private_key"] {
		t.Error("ngs-ssh-keys did not follow the spec's new key")
	}
}
