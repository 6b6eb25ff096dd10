package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/redact"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/testenv"
)

// renderOutputs runs render in every output format (yaml and json on
// stdout, yaml and json files of --output-dir) with the extra arguments and
// returns each output by name.
func renderOutputs(t *testing.T, args ...string) map[string]string {
	t.Helper()
	outs := map[string]string{}
	for _, format := range []string{"yaml", "json"} {
		out, err := execute(t, append([]string{"render", "-o", format}, args...)...)
		if err != nil {
			t.Fatalf("render -o %s: %v", format, err)
		}
		outs[format] = out
		dir := t.TempDir()
		if _, err := execute(t, append([]string{"render", "-o", format, "--output-dir", dir}, args...)...); err != nil {
			t.Fatalf("render -o %s --output-dir: %v", format, err)
		}
		files, _ := filepath.Glob(filepath.Join(dir, "*."+format))
		if len(files) == 0 {
			t.Fatalf("render -o %s --output-dir wrote no file", format)
		}
		var all strings.Builder
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			all.Write(b)
		}
		outs[format+" --output-dir"] = all.String()
	}
	return outs
}

// leaked returns the secrets (by description) that appear in out.
func leaked(out string, secrets map[string]string) []string {
	var bad []string
	for v, where := range secrets {
		if strings.Contains(out, v) {
			bad = append(bad, where)
		}
	}
	sort.Strings(bad)
	return bad
}

// TestRenderOfflineRedactsFileSecrets: the value_from and Ceph key Secrets
// of the file and the credential placeholders are masked in every format,
// and printed with --show-secrets.
func TestRenderOfflineRedactsFileSecrets(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	secrets := map[string]string{
		"example CA (not a real certificate)":                 "public-tls/ca_cert",
		"example certificate":                                 "public-tls/api_cert",
		"example key":                                         "public-tls/api_key",
		"AQDexampleadminkeyexampleadminkeyexam==":             "ceph client.admin",
		"AQDexamplenovakeyexamplenovakeyexample==":            "ceph nova",
		"AQDexamplecinderkeyexamplecinderkeyex==":             "ceph cinder",
		"AQDexampleglancekeyexampleglancekeyex==":             "ceph glance",
		"PLACEHOLDER:openstack-admin-users:identity.password": "the admin password placeholder",
		"PLACEHOLDER:generated-galera-passwords:openssl_kek":  "the galera kek placeholder",
		"PLACEHOLDER:generated-nova-ssh-creds:private":        "the nova SSH private key placeholder",
	}
	const file = "../../examples/core-small-gazpacho-ceph.yaml"
	for name, out := range renderOutputs(t, "-f", file) {
		if bad := leaked(out, secrets); len(bad) > 0 {
			t.Errorf("render %s prints %v", name, bad)
		}
		if !strings.Contains(out, redact.Mask) {
			t.Errorf("render %s masks nothing", name)
		}
		// Placeholders stand for user names only (not secrets).
		for _, line := range strings.Split(out, "\n") {
			if i := strings.Index(line, "PLACEHOLDER:"); i >= 0 && !strings.Contains(line[i:], "username") {
				t.Errorf("render %s prints a secret placeholder: %s", name, strings.TrimSpace(line))
				break
			}
		}
	}
	// Deterministic.
	a, _ := execute(t, "render", "-f", file)
	b, _ := execute(t, "render", "-f", file)
	if a != b {
		t.Error("two redacted renders differ")
	}
	shown := renderOutputs(t, "-f", file, "--show-secrets")
	for name, out := range shown {
		for _, want := range []string{"example key", "AQDexamplenovakeyexamplenovakeyexample==", "PLACEHOLDER:openstack-admin-users:identity"} {
			if !strings.Contains(out, want) {
				t.Errorf("render %s --show-secrets lacks %q", name, want)
			}
		}
		if strings.Contains(out, redact.Mask) {
			t.Errorf("render %s --show-secrets masks values", name)
		}
	}
}

// secretValues returns every secret string of the Secrets of namespace,
// read independently of pkg/redact: each data value, except public
// certificates and keys; for JSON objects (the generated credentials)
// each member but the user names; for the Ceph exchange Secret, the keys.
func secretValues(t *testing.T, kube kubernetes.Interface, namespace string) map[string]string {
	t.Helper()
	list, err := kube.CoreV1().Secrets(namespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range list.Items {
		if s.Type == "helm.sh/release.v1" || s.Annotations["meta.helm.sh/release-name"] != "" {
			// Helm's records and the charts' own Secrets (built from the
			// values, or chart defaults such as "password").
			continue
		}
		for k, v := range s.Data {
			where := s.Name + "/" + k
			if s.Name == "openstack-ceph-keys" {
				if parts := strings.Split(string(v), ";"); len(parts) > 1 {
					out[parts[1]] = where
				} else if k == "client.admin" {
					out[string(v)] = where
				}
				continue
			}
			var obj map[string]any
			if json.Unmarshal(v, &obj) == nil && obj != nil {
				var walk func(path string, x any)
				walk = func(path string, x any) {
					switch x := x.(type) {
					case map[string]any:
						for k, y := range x {
							if k != "username" {
								walk(path+"."+k, y)
							}
						}
					case string:
						out[x] = path
					}
				}
				walk(where, obj)
				continue
			}
			switch k {
			case "public", "cert", "ca_cert", "server_cert", "client_cert":
				continue // public halves
			}
			out[strings.TrimSpace(string(v))] = where
		}
	}
	delete(out, "")
	for v := range out {
		if len(v) < 8 {
			t.Fatalf("secret %s is too short to be searched for: %q", out[v], v)
		}
	}
	return out
}

// TestRenderAndDiffRedactClusterSecrets renders and diffs a cloud whose
// credential Secrets (real, random values) are in a real API server, with
// a release deployed with older values: no output format prints any
// credential, value_from or former password; --show-secrets prints them.
func TestRenderAndDiffRedactClusterSecrets(t *testing.T) {
	charts := testenv.SharedCharts(t)
	// A loaded machine may need more than the default minute.
	env := testenv.New(t, testenv.Options{StartTimeout: 2 * time.Minute})
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openstack"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// The demo, with a value from a Secret that only the cluster has,
	// under a key that does not look secret.
	const clusterOnly = "cluster-only-value-7f3a9c2e41"
	file := filepath.Join(dir, "demo.yaml")
	src, err := os.ReadFile("../../examples/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	src = append(src, []byte("  services:\n    identity:\n      keystone:\n        values:\n          rockoon_test:\n            note: {value_from: {secret_key_ref: {name: cluster-only, key: note}}}\n")...)
	if err := os.WriteFile(file, src, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := kube.CoreV1().Secrets("openstack").Create(ctx, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "cluster-only", Labels: map[string]string{"openstack.lcm.mirantis.com/osdpl_secret": "true"}},
		StringData: map[string]string{"note": clusterOnly},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The controller's way: generate every credential Secret of the demo.
	o := &renderOptions{file: file}
	spec, _, ns, fileSecrets, err := o.input(io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	fileSecrets["cluster-only"] = map[string][]byte{"note": []byte(clusterOnly)}
	gen := &render.Renderer{Templates: templates.New(), Store: render.ClusterStore{Client: kube, Namespace: ns, FieldManager: "test"}}
	if _, err := gen.Render(ctx, render.Input{Spec: spec, Namespace: ns, Secrets: render.PlaceholderSecrets(spec, fileSecrets), ImagesBaseURL: "images.test", BinaryBaseURL: "https://binary.test"}); err != nil {
		t.Fatal(err)
	}
	secrets := secretValues(t, kube, "openstack")
	for _, v := range []string{"demo CA (not a real certificate)", "demo certificate", "demo key"} {
		secrets[v] = "demo-tls (file)"
	}
	adminUsers, err := kube.CoreV1().Secrets("openstack").Get(ctx, credentials.AdminUsersSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	admin := map[string]credentials.UserPass{}
	for _, k := range []string{"identity", "database"} {
		var up credentials.UserPass
		if err := json.Unmarshal(adminUsers.Data[k], &up); err != nil || up.Password == "" {
			t.Fatalf("%s %s: %v", credentials.AdminUsersSecret, k, err)
		}
		admin[k] = up
	}
	if len(secrets) < 50 {
		t.Fatalf("only %d secret values generated", len(secrets))
	}

	// render --kubeconfig, every format.
	for name, out := range renderOutputs(t, "-f", file, "--kubeconfig", env.KubeconfigPath) {
		if bad := leaked(out, secrets); len(bad) > 0 {
			t.Errorf("render --kubeconfig %s prints %d secrets: %v", name, len(bad), bad)
		}
		if strings.Contains(out, "PLACEHOLDER") {
			t.Errorf("render --kubeconfig %s prints placeholders: a Secret was not read", name)
		}
	}
	shown := renderOutputs(t, "-f", file, "--kubeconfig", env.KubeconfigPath, "--show-secrets")
	for name, out := range shown {
		for _, want := range []string{admin["identity"].Password, admin["database"].Password, clusterOnly, "demo key"} {
			if !strings.Contains(out, want) {
				t.Errorf("render --kubeconfig %s --show-secrets lacks %s", name, secrets[want])
			}
		}
	}

	// Deploy the database as rendered (real values) but without the
	// galera SST user, then change the MariaDB root password: the diff adds
	// the user's subtree and changes the password leaf.
	var docs []releaseDoc
	if err := json.Unmarshal([]byte(shown["json"]), &docs); err != nil {
		t.Fatal(err)
	}
	var db *releaseDoc
	for i := range docs {
		if docs[i].Release == "openstack-mariadb" {
			db = &docs[i]
		}
	}
	if db == nil {
		t.Fatal("openstack-mariadb not rendered")
	}
	auth, _ := db.Values["endpoints"].(map[string]any)["oslo_db"].(map[string]any)["auth"].(map[string]any)
	sst, _ := auth["sst"].(map[string]any)
	sstPassword, _ := sst["password"].(string)
	if len(sstPassword) < 16 || auth["admin"].(map[string]any)["password"] != admin["database"].Password {
		t.Fatalf("mariadb values lack the generated credentials: %v", auth)
	}
	delete(auth, "sst")
	hm, err := helm.New(env.Config, helm.Options{ChartsDir: charts, DisableHooks: true, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := hm.Apply(ctx, helm.Release{Name: db.Release, Namespace: "openstack", Group: db.Group, Chart: db.Chart, Values: db.Values}); err != nil {
		t.Fatal(err)
	}
	oldPassword := admin["database"].Password
	newRoot := admin["database"]
	newRoot.Password = credentials.Password(32)
	adminUsers.Data["database"], _ = json.Marshal(newRoot)
	if _, err := kube.CoreV1().Secrets("openstack").Update(ctx, adminUsers, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	secrets = secretValues(t, kube, "openstack")
	secrets[oldPassword] = "the former root password (deployed)"
	secrets[clusterOnly] = "cluster-only/note"
	if secrets[sstPassword] == "" || secrets[newRoot.Password] == "" {
		t.Fatal("the SST or the new root password is not among the Secrets' values")
	}

	out, err := execute(t, "diff", "-f", file, "--kubeconfig", env.KubeconfigPath, "--charts-dir", charts)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"openstack-mariadb (service database, chart mariadb): upgrade",
		"  + endpoints.oslo_db.auth.sst: map[password:" + redact.Mask + " username:sst]\n",
		"  ~ endpoints.oslo_db.auth.admin.password: " + redact.Mask + " → " + redact.Mask + "\n",
		"openstack-keystone (service identity, chart keystone): install",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff lacks %q:\n%s", want, out)
		}
	}
	if bad := leaked(out, secrets); len(bad) > 0 {
		t.Errorf("diff prints %d secrets: %v\n%s", len(bad), bad, out)
	}
	out, err = execute(t, "diff", "-f", file, "--kubeconfig", env.KubeconfigPath, "--charts-dir", charts, "--show-secrets")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"  + endpoints.oslo_db.auth.sst: map[password:" + sstPassword + " username:sst]\n",
		"  ~ endpoints.oslo_db.auth.admin.password: " + oldPassword + " → " + newRoot.Password + "\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("diff --show-secrets lacks %q:\n%s", want, out)
		}
	}
}

// TestRenderOfflineRedactsRGWMetricsKeys: Ceilometer's RGW metrics user
// (object-storage and metering enabled) gets the S3 keys of the Ceph
// exchange Secret in the file, or offline without it placeholders (as
// every other Ceph key); render masks both.
func TestRenderOfflineRedactsRGWMetricsKeys(t *testing.T) {
	t.Setenv("KUBECONFIG", "/nonexistent")
	src, err := os.ReadFile("../../examples/core-small-gazpacho-ceph.yaml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(src), "  glance: \"client.glance;", "  rgw_internal: \"https://rook-ceph-rgw.rook-ceph.svc:8443\"\n  rgw_external: \"https://object.cloud.example.test\"\n  rgw_metrics_user_access_key: \"EXAMPLERGWACCESSKEY01\"\n  rgw_metrics_user_secret_key: \"examplergwmetricssecretkeyexample0001\"\n  glance: \"client.glance;", 1)
	doc = strings.Replace(doc, "\n  features:\n", "\n  features:\n    services: [metering, object-storage]\n", 1)
	if !strings.Contains(doc, "rgw_metrics_user_secret_key") || !strings.Contains(doc, "services: [metering") {
		t.Fatal("the example changed: the test's edits do not apply")
	}
	file := filepath.Join(t.TempDir(), "metering.yaml")
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	keys := map[string]string{"EXAMPLERGWACCESSKEY01": "the RGW metrics access key", "examplergwmetricssecretkeyexample0001": "the RGW metrics secret key"}
	for name, out := range renderOutputs(t, "-f", file) {
		if !strings.Contains(out, "openstack-ceilometer") || !strings.Contains(out, "rgw_admin_credentials") {
			t.Fatalf("render %s: no ceilometer with the RGW metrics user", name)
		}
		if bad := leaked(out, keys); len(bad) > 0 {
			t.Errorf("render %s prints %v", name, bad)
		}
	}
	shown, err := execute(t, "render", "-f", file, "--show-secrets")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(shown, "examplergwmetricssecretkeyexample0001") {
		t.Error("render --show-secrets lacks the RGW metrics secret key")
	}

	// Without the exchange Secret in the file: the placeholder keys, masked.
	_, rest, ok := strings.Cut(doc, "\n---\n")
	if !ok {
		t.Fatal("the example changed: no document separator")
	}
	if err := os.WriteFile(file, []byte(rest), 0o600); err != nil {
		t.Fatal(err)
	}
	placeholders := map[string]string{
		"PLACEHOLDER:openstack-ceph-keys:rgw_metrics_user_access_key": "the RGW metrics access key placeholder",
		"PLACEHOLDER:openstack-ceph-keys:rgw_metrics_user_secret_key": "the RGW metrics secret key placeholder",
	}
	for name, out := range renderOutputs(t, "-f", file) {
		if !strings.Contains(out, "rgw_admin_credentials") {
			t.Fatalf("render %s without the Ceph Secret: no RGW metrics user", name)
		}
		if bad := leaked(out, placeholders); len(bad) > 0 {
			t.Errorf("render %s prints %v", name, bad)
		}
	}
}
