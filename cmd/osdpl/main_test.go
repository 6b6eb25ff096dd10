package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/redact"
	"rockoon.dev/rockoon/pkg/testenv"
)

func execute(t *testing.T, args ...string) (string, error) {
	t.Helper()
	cmd := newRootCommand()
	var out, errOut bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&errOut)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	return out.String(), err
}

// TestRenderIsDeterministicAndOffline: no cluster, two runs, identical bytes.
func TestRenderIsDeterministicAndOffline(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	for _, f := range []string{"../../apis/lcm/v1alpha1/testdata/minimal.yaml", "../../apis/lcm/v1alpha1/testdata/rich.yaml", "../../examples/demo.yaml"} {
		a, err := execute(t, "render", "-f", f)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		b, _ := execute(t, "render", "-f", f)
		if a != b || a == "" {
			t.Errorf("%s: two renders differ (or are empty)", f)
		}
		for _, rel := range []string{"release: openstack-mariadb", "release: openstack-rabbitmq", "release: openstack-memcached", "release: openstack-keystone"} {
			if !strings.Contains(a, rel) {
				t.Errorf("%s: %s not rendered", f, rel)
			}
		}
	}
	out, err := execute(t, "render", "-f", "../../examples/demo.yaml", "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var docs []releaseDoc
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatalf("json output: %v", err)
	}
	var names []string
	for _, d := range docs {
		names = append(names, d.Release)
	}
	// The demo's services (the core preset) in waves, by service key within
	// a wave: infrastructure, identity, image/networking/placement, then
	// compute and dashboard. Not the legacy ingress: as the controller, a
	// cloud that does not have it yet gets none (app-gateway serves it).
	want := []string{"openstack-app-gateway", "etcd", "openstack-mariadb", "openstack-memcached", "openstack-rabbitmq",
		"openstack-keystone", "openstack-glance", "openstack-openvswitch", "openstack-neutron", "openstack-placement",
		"openstack-libvirt", "openstack-nova", "openstack-horizon"}
	if !slices.Equal(names, want) {
		t.Fatalf("json output releases %v, want %v", names, want)
	}
	dir := t.TempDir()
	if _, err := execute(t, "render", "-f", "../../examples/demo.yaml", "--output-dir", dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "openstack-keystone.yaml")); err != nil {
		t.Error(err)
	}
	if _, err := execute(t, "render", "-f", "../../examples/demo.yaml", "-o", "xml"); err == nil {
		t.Error("-o xml accepted")
	}
}

func TestDiffAgainstCluster(t *testing.T) {
	charts := testenv.SharedCharts(t)
	env := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openstack"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Deploy memcached as rendered from the demo, then diff an edit.
	dir := t.TempDir()
	if _, err := execute(t, "render", "-f", "../../examples/demo.yaml", "-o", "json", "--output-dir", dir); err != nil {
		t.Fatal(err)
	}
	var doc releaseDoc
	data, _ := os.ReadFile(filepath.Join(dir, "openstack-memcached.json"))
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	m, err := helm.New(env.Config, helm.Options{ChartsDir: charts, DisableHooks: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Apply(ctx, helm.Release{Name: doc.Release, Namespace: "openstack", Group: doc.Group, Chart: doc.Chart, Values: doc.Values}); err != nil {
		t.Fatal(err)
	}
	edited := filepath.Join(dir, "edited.yaml")
	src, _ := os.ReadFile("../../examples/demo.yaml")
	src = append(src, []byte("  services:\n    memcached:\n      memcached:\n        values:\n          pod: {replicas: {server: 2}}\n")...)
	if err := os.WriteFile(edited, src, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := execute(t, "diff", "-f", edited, "--kubeconfig", env.KubeconfigPath, "--charts-dir", charts)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"openstack-memcached (service memcached, chart memcached): upgrade",
		"~ pod.replicas.server: 1 → 2",
		"openstack-keystone (service identity, chart keystone): install",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "PLACEHOLDER") {
		t.Error("diff must not print secret placeholders")
	}
}

func TestValueDiffMasksSecrets(t *testing.T) {
	const rootPass, newPass = "RootPasswordFromTheSecret0123456", "NewKeystonePassword9876543210abc"
	oldv := map[string]any{
		"a":         map[string]any{"password": "old", "n": 1.0},
		"gone":      true,
		"conf":      map[string]any{"db": "mysql+pymysql://keystone:typed@mariadb/keystone", "fernet_keys": map[string]any{"0": "k0"}},
		"was":       map[string]any{"auth": map[string]any{"admin": map[string]any{"username": "root", "password": rootPass}}},
		"endpoints": map[string]any{"oslo_db": map[string]any{}},
	}
	newv := map[string]any{
		"a":         map[string]any{"password": "new", "n": int64(1)},
		"added":     "x",
		"conf":      map[string]any{"db": "mysql+pymysql://keystone:" + newPass + "@mariadb/keystone", "fernet_keys": map[string]any{"0": "k1"}},
		"endpoints": map[string]any{"oslo_db": map[string]any{"auth": map[string]any{"admin": map[string]any{"username": "root", "password": rootPass}}}},
	}
	got := strings.Join(valueDiff(oldv, newv, redact.New([]string{rootPass, newPass})), "\n")
	want := "~ a.password: <redacted> → <redacted>\n" +
		"+ added: x\n" +
		"~ conf.db: mysql+pymysql://keystone:<redacted>@mariadb/keystone → mysql+pymysql://keystone:<redacted>@mariadb/keystone\n" +
		"~ conf.fernet_keys.0: <redacted> → <redacted>\n" +
		"+ endpoints.oslo_db.auth: map[admin:map[password:<redacted> username:root]]\n" +
		"- gone: true\n" +
		"- was: map[auth:map[admin:map[password:<redacted> username:root]]]"
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// --show-secrets: no Redactor.
	got = strings.Join(valueDiff(oldv, newv, nil), "\n")
	for _, w := range []string{"~ a.password: old → new", "+ endpoints.oslo_db.auth: map[admin:map[password:" + rootPass + " username:root]]"} {
		if !strings.Contains(got, w) {
			t.Errorf("without redaction, lacks %q:\n%s", w, got)
		}
	}
}

// TestRenderSelectsAsTheController: with --kubeconfig, render applies the
// controller's selection rules to the cluster's state: the legacy ingress
// only once the cloud has it (its OpenStackDeploymentStatus says so), and
// nothing at all while a database restore is requested.
func TestRenderSelectsAsTheController(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(env.Config)
	lcm := versioned.NewForConfigOrDie(env.Config)
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openstack"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	releases := func(args ...string) []string {
		t.Helper()
		out, err := execute(t, append([]string{"render", "-o", "json", "--kubeconfig", env.KubeconfigPath}, args...)...)
		if err != nil {
			t.Fatal(err)
		}
		var docs []releaseDoc
		if err := json.Unmarshal([]byte(out), &docs); err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, d := range docs {
			names = append(names, d.Release)
		}
		return names
	}
	if got := releases("-f", "../../examples/demo.yaml"); slices.Contains(got, "ingress-openstack") {
		t.Errorf("a new cloud gets the legacy ingress: %v", got)
	}
	st := &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "openstack"}}
	created, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus("openstack").Create(ctx, st, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	created.Status.Services = map[string]lcmv1alpha1.ServiceState{"ingress": {}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus("openstack").Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if got := releases("-f", "../../examples/demo.yaml"); !slices.Contains(got, "ingress-openstack") {
		t.Errorf("a cloud that has the legacy ingress loses it: %v", got)
	}
	restore := filepath.Join(t.TempDir(), "restore.yaml")
	src, _ := os.ReadFile("../../examples/demo.yaml")
	src = append(src, []byte("  services:\n    database:\n      mariadb:\n        values:\n          manifests: {job_mariadb_phy_restore: true}\n")...)
	if err := os.WriteFile(restore, src, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := execute(t, "render", "-f", restore, "--kubeconfig", env.KubeconfigPath); err == nil || !strings.Contains(err.Error(), "job_mariadb_phy_restore") {
		t.Errorf("render during a database restore: %v, want the restore refusal", err)
	}
}
