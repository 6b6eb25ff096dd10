package osdpl_test

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2/ktesting"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/testenv"
)

// coreServices are the services of the core preset on epoxy the
// controller manages in a new cloud (the legacy ingress only on request).
var coreServices = []string{
	"app-gateway", "compute", "coordination", "dashboard", "database", "identity", "image",
	"memcached", "messaging", "networking", "placement",
}

const coreDoc = `
apiVersion: lcm.mirantis.com/v1alpha1
kind: OpenStackDeployment
metadata: {name: core}
spec:
  openstack_version: epoxy
  preset: core
  size: single
  public_domain_name: cloud.example.test
  local_volume_storage_class: local-path
  persistent_volume_storage_class: local-path
  features:
    ssl:
      public_endpoints:
        ca_cert:  {value_from: {secret_key_ref: {name: lab-tls, key: ca_cert}}}
        api_cert: {value_from: {secret_key_ref: {name: lab-tls, key: api_cert}}}
        api_key:  {value_from: {secret_key_ref: {name: lab-tls, key: api_key}}}
    neutron:
      tunnel_interface: eth1
      external_networks:
        - physnet: physnet1
          interface: eth2
          bridge: br-ex
          network_types: [flat]
    nova:
      live_migration_interface: eth1
      images: {backend: qcow2}
    glance:
      backends:
        file:
          local: {default: true, pvc: {size: 10Gi, storage_class_name: local-path}}
    cinder:
      volume: {enabled: false}
`

// TestCorePresetInstalledThroughRealCharts installs the whole core preset
// (single size) through the controller, the real Helm driver and the real
// openstack-helm charts into the test API server (no pods run there, so
// nothing waits for readiness), then checks the release set, the
// namespaces and decisive values of every release: images of the epoxy
// artifact list, endpoints, and credentials taken from the Secrets.
func TestCorePresetInstalledThroughRealCharts(t *testing.T) {
	charts := testenv.SharedCharts(t)
	_, ctx := ktesting.NewTestContext(t)
	ns := "core"
	setup(t, ns)
	m, err := helm.New(env.Config, helm.Options{ChartsDir: charts, DisableHooks: true, Timeout: 2 * time.Minute, MaxParallel: 4})
	if err != nil {
		t.Fatal(err)
	}
	run(t, ns, osdpl.HelmReleases{Manager: m})
	var o lcmv1alpha1.OpenStackDeployment
	if err := yaml.Unmarshal([]byte(coreDoc), &o); err != nil {
		t.Fatal(err)
	}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, &o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	st := waitStatus(t, ns, "core", 4*time.Minute, func(o *lcmv1alpha1.OSDPLState) bool { return o.State == lcmv1alpha1.StateApplied })

	// Every core service applied, with the releases it owns.
	var owned []string
	for _, svc := range coreServices {
		s, ok := st.Status.Services[svc]
		if !ok || len(s.Releases) == 0 {
			t.Errorf("service %s: not applied (%+v); services %v", svc, s, slices.Sorted(maps.Keys(st.Status.Services)))
			continue
		}
		owned = append(owned, s.Releases...)
	}
	sort.Strings(owned)
	list, err := m.List(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	var installed []string
	for _, r := range list {
		installed = append(installed, r.Name)
	}
	sort.Strings(installed)
	if strings.Join(installed, ",") != strings.Join(owned, ",") {
		t.Errorf("Helm releases %v, the services own %v", installed, owned)
	}
	t.Logf("%d releases: %v", len(installed), installed)

	artifacts, err := templates.New().Artifacts("epoxy", "reg.example", "https://binary.mirantis.com")
	if err != nil {
		t.Fatal(err)
	}
	admin := secretData(t, ns, credentials.AdminUsersSecret)
	for _, name := range installed {
		vals, err := m.GetValues(ctx, ns, name)
		if err != nil {
			t.Fatal(err)
		}
		// Images: every tag is the epoxy artifact of that key.
		tags, _ := layering.Get(vals, "images", "tags").(map[string]any)
		if len(tags) == 0 {
			t.Errorf("%s: no images.tags", name)
		}
		for k, v := range tags {
			if want, ok := artifacts[k]; !ok || v != want {
				t.Errorf("%s: images.tags.%s = %v, want the epoxy artifact %q", name, k, v, want)
			}
		}
		// Endpoints: public hosts under the public domain.
		if h, ok := layering.Get(vals, "endpoints", "identity", "host_fqdn_override", "public", "host").(string); ok && h != "keystone.cloud.example.test" {
			t.Errorf("%s: keystone public host %q", name, h)
		}
		// Credentials from the Secrets: the admin account everywhere, each
		// service's own database user.
		if pw, ok := layering.Get(vals, "endpoints", "identity", "auth", "admin", "password").(string); ok && pw != layering.Get(admin, "identity", "password") {
			t.Errorf("%s: keystone admin password is not the one of %s", name, credentials.AdminUsersSecret)
		}
		if pw, ok := layering.Get(vals, "endpoints", "oslo_db", "auth", "admin", "password").(string); ok && pw != layering.Get(admin, "database", "password") {
			t.Errorf("%s: database root password is not the one of %s", name, credentials.AdminUsersSecret)
		}
	}
	checked := 0
	for svc, chart := range catalog.ServiceCharts() {
		s, ok := st.Status.Services[svc]
		if !ok {
			continue
		}
		creds := secretData(t, ns, credentials.ServiceSecretName(svc))
		main := "openstack-" + chart
		if !slices.Contains(s.Releases, main) {
			continue
		}
		vals, err := m.GetValues(ctx, ns, main)
		if err != nil {
			t.Fatal(err)
		}
		if got := layering.Get(vals, "endpoints", "oslo_db", "auth", chart, "password"); got != layering.Get(creds, "database", "user", "password") {
			t.Errorf("%s: %s database password %v is not the one of %s", main, chart, got, credentials.ServiceSecretName(svc))
		}
		checked++
	}
	t.Logf("service database credentials checked in %d releases", checked)
	if checked < 5 {
		t.Errorf("service database credentials checked in %d releases, want every OpenStack service of the preset", checked)
	}
	// Nova's migration SSH keys: generated once into their Secret, handed
	// to the chart; the metadata proxy secret is networking's.
	sshKeys, err := kube.CoreV1().Secrets(ns).Get(ctx, credentials.NovaSSHSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	nova, err := m.GetValues(ctx, ns, "openstack-nova")
	if err != nil {
		t.Fatal(err)
	}
	if got := layering.Get(nova, "conf", "ssh_public"); got != strings.TrimSpace(string(sshKeys.Data["public"]))+"\n" {
		t.Errorf("nova ssh_public %v is not the one of %s", got, credentials.NovaSSHSecret)
	}
	netCreds, _ := kube.CoreV1().Secrets(ns).Get(ctx, credentials.ServiceSecretName("networking"), metav1.GetOptions{})
	neutron, err := m.GetValues(ctx, ns, "openstack-neutron")
	if err != nil {
		t.Fatal(err)
	}
	if got := layering.Get(neutron, "conf", "metadata_agent", "DEFAULT", "metadata_proxy_shared_secret"); got != string(netCreds.Data["metadata_secret"]) {
		t.Errorf("neutron metadata secret %v is not the one of %s", got, credentials.ServiceSecretName("networking"))
	}
	if got := layering.Get(nova, "conf", "nova", "neutron", "metadata_proxy_shared_secret"); got != string(netCreds.Data["metadata_secret"]) {
		t.Errorf("nova metadata secret %v is not networking's", got)
	}
	// The cloud's namespace only: every release and its objects.
	for _, r := range list {
		if r.Namespace != ns {
			t.Errorf("release %s in namespace %s", r.Name, r.Namespace)
		}
	}

	// The legacy ingress: installed when migration.ingress.state is
	// present, uninstalled when absent.
	patchSpec(t, ns, "core", `{"spec":{"migration":{"ingress":{"state":"present"}}}}`)
	st = waitState(t, ns, "core", lcmv1alpha1.StateApplied, st.Status.OSDPL.Fingerprint)
	if revs := revisionsOf(t, m, ns); revs["ingress-openstack"] != 1 {
		t.Errorf("ingress-openstack not installed with migration.ingress.state present: %v", revs)
	}
	patchSpec(t, ns, "core", `{"spec":{"migration":{"ingress":{"state":"absent"}}}}`)
	waitState(t, ns, "core", lcmv1alpha1.StateApplied, st.Status.OSDPL.Fingerprint)
	if revs := revisionsOf(t, m, ns); revs["ingress-openstack"] != 0 || len(revs) != len(installed) {
		t.Errorf("ingress-openstack not removed with migration.ingress.state absent: %v", revs)
	}

	// Delete: the whole cloud uninstalled (its cluster-scoped objects too,
	// e.g. nova's ClusterRole).
	deleteAndWait(t, m, ns, "core")
	if _, err := kube.RbacV1().ClusterRoles().Get(ctx, "nova-bootstrap", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("nova's ClusterRole left after the cloud was deleted: %v", err)
	}
}

// deleteAndWait deletes the osdpl and waits until the finalizer has
// uninstalled every release and the object is gone.
func deleteAndWait(t testing.TB, m *helm.Manager, ns, name string) {
	t.Helper()
	ctx := context.Background()
	if err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Delete(ctx, name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}); err != nil {
		t.Fatalf("osdpl %s/%s not deleted", ns, name)
	}
	list, err := m.List(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 0 {
		t.Errorf("releases left after delete: %v", list)
	}
}

// secretData reads a credentials Secret, JSON values decoded.
func secretData(t *testing.T, ns, name string) map[string]any {
	t.Helper()
	s, err := kube.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return credentials.DecodeAll(s.Data)
}

// BenchmarkCorePresetInstall is the end-to-end figure: from creating the
// OpenStackDeployment of the core preset (single size) to APPLIED, through
// the controller, the real Helm driver and the real charts, into a real API
// server (no pods: nothing waits for readiness). One fresh namespace per
// iteration, so every iteration installs all releases.
func BenchmarkCorePresetInstall(b *testing.B) {
	charts := testenv.SharedCharts(b)
	var o lcmv1alpha1.OpenStackDeployment
	if err := yaml.Unmarshal([]byte(coreDoc), &o); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		b.StopTimer()
		i++
		ns := fmt.Sprintf("bench-core-%d", i)
		setup(b, ns)
		m, err := helm.New(env.Config, helm.Options{ChartsDir: charts, DisableHooks: true, Timeout: 2 * time.Minute, MaxParallel: 4})
		if err != nil {
			b.Fatal(err)
		}
		stop := runWith(b, osdpl.Config{Namespace: ns}, osdpl.HelmReleases{Manager: m})
		obj := o.DeepCopy()
		b.StartTimer()
		if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(context.Background(), obj, metav1.CreateOptions{}); err != nil {
			b.Fatal(err)
		}
		waitStatus(b, ns, "core", 4*time.Minute, func(o *lcmv1alpha1.OSDPLState) bool { return o.State == lcmv1alpha1.StateApplied })
		b.StopTimer()
		deleteAndWait(b, m, ns, "core") // cluster-scoped objects may not be shared
		stop()
		b.StartTimer()
	}
}
