package render

import (
	"context"
	"encoding/base64"
	"errors"
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

// Octavia's inputs on a cluster: the amphora SSH key and CA are generated
// once into the original's Secrets and handed to the chart, never
// regenerated; the Redis password and Tungsten Fabric's ost-data are read
// from their operators' Secrets and waited for when missing.
func TestLoadBalancerCredentialsAndSharedSecrets(t *testing.T) {
	dir := testenv.SharedDir(t, "reference-fixtures", "e2e", "ctx-yoga_ceph_local_tf_amphora")
	obj := readYAML(t, filepath.Join(dir, "osdpl.yaml"))
	name := obj["metadata"].(map[string]any)["name"].(string)
	ns := obj["metadata"].(map[string]any)["namespace"].(string)
	all, _ := clusterSecrets(t, filepath.Join(dir, "secrets.json"))
	ctx := context.Background()

	// A cluster with every Secret of the corpus but octavia's own, and
	// without skip (the Redis or the TF one).
	cluster := func(skip string) *fake.Clientset {
		kube := fake.NewClientset()
		for _, s := range all {
			key := s.Namespace + "/" + s.Name
			if key == skip || s.Name == credentials.LoadBalancerSSHSecret || s.Name == credentials.OctaviaAmphoraCerts {
				continue
			}
			if _, err := kube.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		return kube
	}
	spec := obj["spec"].(map[string]any)
	renderOn := func(kube *fake.Clientset) (map[string]any, error) {
		src := Sources{Kube: kube, CephSharedNamespace: ceph.SharedNamespace}
		in, err := src.Gather(ctx, name, ns, spec)
		if err != nil {
			t.Fatal(err)
		}
		r := &Renderer{Templates: templates.New(), Store: ClusterStore{Client: kube, Namespace: ns, FieldManager: "test"}}
		res, err := r.Render(ctx, in)
		if err != nil {
			return nil, err
		}
		for _, s := range res.Services {
			for _, rel := range s.Releases {
				if rel.Name == "openstack-octavia" {
					return rel.Values, nil
				}
			}
		}
		t.Fatal("openstack-octavia not rendered")
		return nil, nil
	}

	kube := cluster("")
	v, err := renderOn(kube)
	if err != nil {
		t.Fatal(err)
	}
	secret := func(name string) map[string][]byte {
		s, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s.Data
	}
	sshKeys, ca := secret(credentials.LoadBalancerSSHSecret), secret(credentials.OctaviaAmphoraCerts)
	for k, want := range map[string]string{"private": string(sshKeys["private"]), "public": string(sshKeys["public"])} {
		got, _ := layering.Get(v, "secrets", "amphora_ssh_key", k).(string)
		dec, err := base64.StdEncoding.DecodeString(got)
		if err != nil || string(dec) != want || want == "" {
			t.Errorf("secrets.amphora_ssh_key.%s is not the base64 of the Secret's %s", k, k)
		}
	}
	for k, field := range map[string]string{"ca_pem": "cert", "client_pem": "cert_all", "cakey": "key"} {
		if got := layering.Get(v, "octavia", "settings", "certs", k); got != string(ca[field]) || got == "" {
			t.Errorf("octavia.settings.certs.%s is not the Secret's %s", k, field)
		}
	}
	if string(ca["cert_all"]) != string(ca["cert"])+string(ca["key"]) {
		t.Error("cert_all is not the CA certificate followed by its key")
	}
	// ost-data's octavia_hm_list: the health managers the amphorae report to.
	if got := layering.Get(v, "conf", "octavia", "health_manager", "controller_ip_port_list"); got != "10.10.0.1:5555, 10.10.0.2:5555" {
		t.Errorf("controller_ip_port_list %v", got)
	}
	redis, _ := kube.CoreV1().Secrets(DefaultRedisNamespace).Get(ctx, RedisSecret, metav1.GetOptions{})
	if got := layering.Get(v, "endpoints", "jobboard_redis", "auth", "redis", "password"); got != string(redis.Data["password"]) {
		t.Error("jobboard_redis password is not the Redis Secret's")
	}

	// Rendered again: the same keys, nothing regenerated.
	if _, err := renderOn(kube); err != nil {
		t.Fatal(err)
	}
	if string(secret(credentials.OctaviaAmphoraCerts)["key"]) != string(ca["key"]) || string(secret(credentials.LoadBalancerSSHSecret)["private"]) != string(sshKeys["private"]) {
		t.Error("the amphora CA or SSH key changed on the second render")
	}

	for _, missing := range []string{DefaultRedisNamespace + "/" + RedisSecret, DefaultTFSharedNamespace + "/" + TFDataSecret} {
		if _, err := renderOn(cluster(missing)); !errors.Is(err, ErrSharedSecretMissing) {
			t.Errorf("without %s: %v, want a wait (ErrSharedSecretMissing)", missing, err)
		}
	}

	// From antelope the jobboard is on etcd: no wait for the Redis
	// password, and no Redis endpoint without it.
	spec = layering.DeepCopy(spec).(map[string]any)
	spec["openstack_version"] = "epoxy"
	v, err = renderOn(cluster(DefaultRedisNamespace + "/" + RedisSecret))
	if err != nil {
		t.Fatalf("epoxy without the Redis password: %v", err)
	}
	if get := layering.Get(v, "endpoints", "jobboard_redis"); get != nil || layering.Get(v, "conf", "octavia", "task_flow", "jobboard_backend_driver") != "etcd_taskflow_driver" {
		t.Errorf("epoxy without the Redis password: jobboard_redis %v", get)
	}
}
