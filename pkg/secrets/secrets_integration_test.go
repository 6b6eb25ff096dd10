package secrets_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/operator/operatortest"
	"rockoon.dev/rockoon/pkg/secrets"
	"rockoon.dev/rockoon/pkg/testenv"
	"rockoon.dev/rockoon/pkg/watched"
)

var (
	env  *testenv.Env
	kube kubernetes.Interface
	lcm  versioned.Interface
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(e.Config)
		lcm = versioned.NewForConfigOrDie(e.Config)
	}))
}

const wait = 30 * time.Second

// binary is one running secrets binary.
type binary struct {
	*operatortest.Binary
	cfg secrets.Config
}

// start runs the secrets binary's work for cfg (namespaces of the test),
// resyncing every second.
func start(t *testing.T, cfg secrets.Config) *binary {
	t.Helper()
	cfg.Resync = time.Second
	return &binary{cfg: cfg, Binary: operatortest.Start(t, env.Config, "secrets", cfg.Namespace, func(ctx context.Context, rt *operator.Runtime) error {
		return secrets.Run(ctx, rt, cfg)
	})}
}

// quiet asserts that b writes nothing for a few resyncs.
func (b *binary) quiet(t *testing.T) { t.Helper(); b.Quiet(t, 2500*time.Millisecond) }

// cloud creates the cloud's namespace and the target ones, and the osdpl
// from its JSON spec.
func cloud(t *testing.T, ns, spec string) secrets.Config {
	t.Helper()
	ctx := context.Background()
	cfg := secrets.Config{Namespace: ns, ControllerNamespace: ns + "-ctl", ExternalNamespace: ns + "-ext", TFNamespace: ns + "-tf", BGPVPNSecret: "frr-bgp-neighbors"}
	for _, n := range []string{ns, cfg.ControllerNamespace, cfg.ExternalNamespace, cfg.TFNamespace} {
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	o := &lcmv1alpha1.OpenStackDeployment{}
	if err := json.Unmarshal([]byte(`{"metadata": {"name": "lab", "namespace": "`+ns+`"}, "spec": `+spec+`}`), o); err != nil {
		t.Fatal(err)
	}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return cfg
}

const coreSpec = `{"openstack_version": "epoxy", "preset": "core", "size": "single", "public_domain_name": "cloud.example.test"}`

func put(t *testing.T, s *corev1.Secret) *corev1.Secret {
	t.Helper()
	ctx := context.Background()
	cur, err := kube.CoreV1().Secrets(s.Namespace).Get(ctx, s.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		out, err := kube.CoreV1().Secrets(s.Namespace).Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	if err != nil {
		t.Fatal(err)
	}
	cur.Data, cur.Labels = s.Data, s.Labels
	if s.Annotations != nil {
		cur.Annotations = s.Annotations
	}
	out, err := kube.CoreV1().Secrets(s.Namespace).Update(ctx, cur, metav1.UpdateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func secret(ns, name string, lbls map[string]string, kv ...string) *corev1.Secret {
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns, Labels: lbls}, Data: map[string][]byte{}}
	for i := 0; i+1 < len(kv); i += 2 {
		s.Data[kv[i]] = []byte(kv[i+1])
	}
	return s
}

func del(t *testing.T, ns, name string) {
	t.Helper()
	if err := kube.CoreV1().Secrets(ns).Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// data returns a Secret's data as strings, nil when it does not exist.
func data(t *testing.T, ns, name string) map[string]string {
	t.Helper()
	s, err := kube.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
	}
	return out
}

func osdpl(t *testing.T, ns string) *lcmv1alpha1.OpenStackDeployment {
	t.Helper()
	o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func hashIs(t *testing.T, ns string, path watched.Path, want string) {
	t.Helper()
	testenv.Eventually(t, wait, "status.watched."+strings.Join(path, "."), func() (bool, string) {
		got := watched.Get(osdpl(t, ns), path)
		return got == want, "hash " + got + ", want " + want
	})
}

// Every watched input: created, changed, deleted; the hash follows, a
// deleted input's entry goes, resyncs write nothing.
func TestWatchedHashes(t *testing.T) {
	ns := "watched"
	cfg := cloud(t, ns, coreSpec)
	b := start(t, cfg)
	valueFrom := map[string]string{lcmv1alpha1.OSDPLSecretLabel: "true"}

	tls := put(t, secret(ns, "public-tls", valueFrom, "ca_cert", "CA one"))
	other := put(t, secret(ns, "ldap", valueFrom, "password", "ldap password one"))
	put(t, secret(ns, "unlabelled", nil, "x", "y"))
	frr := put(t, secret(ns, "frr-bgp-neighbors", map[string]string{"application": "frr"}, "neighbors", "10.0.0.1"))
	tf := put(t, secret(cfg.TFNamespace, secrets.TFOSTDataSecret, map[string]string{secrets.TFOSTDataLabel: "true"}, "api", "tf-api.tf.svc"))
	cm, err := kube.CoreV1().ConfigMaps(ns).Create(context.Background(), &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "extra-conf", Labels: map[string]string{lcmv1alpha1.WatchConfigMapLabel: "true"}},
		Data:       map[string]string{"a": "1"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}

	hashIs(t, ns, watched.Path{"value_from", "secret", "public-tls"}, watched.SecretHash(tls.Data))
	hashIs(t, ns, watched.Path{"value_from", "secret", "ldap"}, watched.SecretHash(other.Data))
	hashIs(t, ns, secrets.BGPVPNPath, watched.SecretHash(frr.Data))
	hashIs(t, ns, secrets.TFPath, watched.SecretHash(tf.Data))
	hashIs(t, ns, watched.Path{"configmaps", "extra-conf"}, watched.ConfigMapHash(cm.Data))
	if got := watched.Get(osdpl(t, ns), watched.Path{"value_from", "secret", "unlabelled"}); got != "" {
		t.Errorf("an unlabelled Secret is watched: %s", got)
	}
	b.quiet(t)

	// Changed.
	tls = put(t, secret(ns, "public-tls", valueFrom, "ca_cert", "CA two"))
	frr = put(t, secret(ns, "frr-bgp-neighbors", map[string]string{"application": "frr"}, "neighbors", "10.0.0.2"))
	cm.Data["a"] = "2"
	if cm, err = kube.CoreV1().ConfigMaps(ns).Update(context.Background(), cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	hashIs(t, ns, watched.Path{"value_from", "secret", "public-tls"}, watched.SecretHash(tls.Data))
	hashIs(t, ns, secrets.BGPVPNPath, watched.SecretHash(frr.Data))
	hashIs(t, ns, watched.Path{"configmaps", "extra-conf"}, watched.ConfigMapHash(cm.Data))

	// Deleted (or unlabelled): the entry goes, the others stay.
	del(t, ns, "ldap")
	del(t, cfg.TFNamespace, secrets.TFOSTDataSecret)
	if err := kube.CoreV1().ConfigMaps(ns).Delete(context.Background(), "extra-conf", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	hashIs(t, ns, watched.Path{"value_from", "secret", "ldap"}, "")
	hashIs(t, ns, secrets.TFPath, "")
	hashIs(t, ns, watched.Path{"configmaps", "extra-conf"}, "")
	hashIs(t, ns, watched.Path{"value_from", "secret", "public-tls"}, watched.SecretHash(tls.Data))
	b.quiet(t)

	b.Stop()
	for _, v := range []string{"CA one", "CA two", "ldap password one"} {
		if strings.Contains(b.Log(), v) {
			t.Errorf("a watched Secret's value reached the log")
		}
	}
}

// The rotation timestamps: the active Secret's creation, then the time its
// priority annotation was set.
func TestRotationTimestamps(t *testing.T) {
	ns := "rotation"
	cfg := cloud(t, ns, coreSpec)
	o := osdpl(t, ns)
	st := &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: ns,
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "lcm.mirantis.com/v1alpha1", Kind: "OpenStackDeployment", Name: o.Name, UID: o.UID, Controller: ptr.To(true)}}}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Create(context.Background(), st, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	gen := map[string]string{lcmv1alpha1.GeneratedCredentialsLabel: "true"}
	admin := put(t, secret(ns, credentials.AdminUsersSecret, gen, "identity", "{}"))
	put(t, secret(ns, credentials.AdminUsersSecret+"-1", gen, "identity", "{}"))
	svc := put(t, secret(ns, "generated-identity-passwords", gen, "identity", "{}"))
	b := start(t, cfg)
	rotation := func(group, want string) {
		t.Helper()
		testenv.Eventually(t, wait, "rotation timestamp of "+group, func() (bool, string) {
			st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(context.Background(), "lab", metav1.GetOptions{})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if st.Status.Credentials != nil {
				got = st.Status.Credentials.Rotation[group].Timestamp
			}
			return got == want, got
		})
	}
	format := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05.000000") }
	rotation("admin", format(admin.CreationTimestamp.Time))
	rotation("service", format(svc.CreationTimestamp.Time))
	b.quiet(t)

	// The backup becomes active: the time its annotation was set.
	time.Sleep(1100 * time.Millisecond) // a different second than the creation
	backup, err := kube.CoreV1().Secrets(ns).Patch(context.Background(), credentials.AdminUsersSecret+"-1", types.MergePatchType,
		[]byte(`{"metadata": {"annotations": {"`+credentials.PriorityAnnotation+`": "1"}}}`), metav1.PatchOptions{FieldManager: "rotator"})
	if err != nil {
		t.Fatal(err)
	}
	var set time.Time
	for _, mf := range backup.ManagedFields {
		if mf.Manager == "rotator" {
			set = mf.Time.Time
		}
	}
	if set.IsZero() || !set.After(admin.CreationTimestamp.Time) {
		t.Fatalf("annotation time %v", set)
	}
	rotation("admin", format(set))
	rotation("service", format(svc.CreationTimestamp.Time))
	b.quiet(t)
}

const cloudsYAML = `clouds:
  admin:
    auth:
      auth_url: http://keystone-api.openstack.svc.cluster.local:5000/v3
      username: admin-xyz
      password: os-clouds-password
      project_name: admin
    region_name: RegionOne
    interface: internal
  admin-system:
    auth:
      auth_url: http://keystone-api.openstack.svc.cluster.local:5000/v3
      username: admin-xyz
      password: os-clouds-password
      system_scope: all
    interface: internal
  other:
    auth: {auth_url: http://x}
`

// keystone-os-clouds: copied for the controller, and the external
// clouds.yaml; the public CA for the exporter.
func TestOSCloudsAndExporterCA(t *testing.T) {
	ns := "osclouds"
	cfg := cloud(t, ns, coreSpec)
	b := start(t, cfg)
	put(t, secret(ns, secrets.OSCloudsSecret, map[string]string{"application": "keystone", "component": "os-clouds"}, "clouds.yaml", cloudsYAML))
	put(t, secret(ns, secrets.TLSPublicSecret, nil, "ca.crt", "public CA", "tls.key", "public key"))
	testenv.Eventually(t, wait, "copies", func() (bool, string) {
		ctl, ext, ca := data(t, cfg.ControllerNamespace, secrets.OSCloudsSecret), data(t, cfg.ExternalNamespace, secrets.ExternalCloudsSecret), data(t, cfg.ControllerNamespace, secrets.ExporterCASecret)
		return ctl["clouds.yaml"] == cloudsYAML && ext != nil && ca["ca.crt"] == "public CA", "not yet"
	})
	if ca := data(t, cfg.ControllerNamespace, secrets.ExporterCASecret); len(ca) != 1 {
		t.Errorf("exporter CA Secret has %d keys, want ca.crt only", len(ca))
	}
	var ext struct {
		Clouds map[string]map[string]any `json:"clouds"`
	}
	if err := yaml.Unmarshal([]byte(data(t, cfg.ExternalNamespace, secrets.ExternalCloudsSecret)["clouds.yaml"]), &ext); err != nil {
		t.Fatal(err)
	}
	if len(ext.Clouds) != 2 {
		t.Errorf("external clouds %v, want admin and admin-system", ext.Clouds)
	}
	for _, name := range []string{"admin", "admin-system"} {
		c := ext.Clouds[name]
		auth, _ := c["auth"].(map[string]any)
		if auth["auth_url"] != "https://keystone.cloud.example.test/" || c["interface"] != "public" || c["endpoint_type"] != "public" || auth["password"] != "os-clouds-password" {
			t.Errorf("external cloud %s: %v", name, c)
		}
	}
	b.quiet(t)

	// The public domain changes: the external clouds.yaml follows.
	o := osdpl(t, ns)
	o.Spec.PublicDomainName = "new.example.test"
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Update(context.Background(), o, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "external clouds.yaml on the new domain", func() (bool, string) {
		s := data(t, cfg.ExternalNamespace, secrets.ExternalCloudsSecret)["clouds.yaml"]
		return strings.Contains(s, "https://keystone.new.example.test/"), "old"
	})
	b.Stop()
	if !strings.Contains(b.Log(), "Secret created") {
		t.Fatalf("the binary's log was not captured: %q", b.Log())
	}
	if strings.Contains(b.Log(), "os-clouds-password") || strings.Contains(b.Log(), "public key") {
		t.Errorf("a copied Secret's value reached the log")
	}
}

// tf-data: neutron's Keystone account and nova's metadata endpoint, for a
// cloud on Tungsten Fabric only.
func TestTFData(t *testing.T) {
	ns := "tfdata"
	cfg := cloud(t, ns, `{"openstack_version": "antelope", "preset": "compute-tf", "size": "single", "public_domain_name": "cloud.example.test",
		"features": {"neutron": {"backend": "tungstenfabric", "tunnel_interface": "eth1"}, "nova": {"live_migration_interface": "eth1"}}}`)
	put(t, secret(ns, secrets.NeutronAdminSecret, map[string]string{"application": "neutron", "component": "server"},
		"OS_AUTH_URL", "http://keystone-api.openstack.svc:5000/v3", "OS_USERNAME", "neutron-abc", "OS_PASSWORD", "neutron password",
		"OS_REGION_NAME", "RegionOne", "OS_PROJECT_NAME", "service", "OS_UNRELATED", "x"))
	put(t, secret(ns, "neutron-etc", map[string]string{"application": "neutron", "component": "configmap_etc"},
		"metadata_agent.ini", "[DEFAULT]\nnova_metadata_host = nova-metadata.openstack.svc\nnova_metadata_port = 8775\nmetadata_proxy_shared_secret = metadata secret\n[agent]\nx = y\n"))
	b := start(t, cfg)
	want := map[string]string{"auth_url": "http://keystone-api.openstack.svc:5000/v3", "username": "neutron-abc", "password": "neutron password",
		"region_name": "RegionOne", "project_name": "service",
		"nova_metadata_host": "nova-metadata.openstack.svc", "nova_metadata_port": "8775", "metadata_proxy_secret": "metadata secret"}
	testenv.Eventually(t, wait, "tf-data", func() (bool, string) {
		got := data(t, cfg.TFNamespace, secrets.TFDataSecret)
		return equal(got, want), "not yet"
	})
	b.quiet(t)
	put(t, secret(ns, secrets.NeutronAdminSecret, map[string]string{"application": "neutron", "component": "server"},
		"OS_AUTH_URL", "http://keystone-api.openstack.svc:5000/v3", "OS_USERNAME", "neutron-abc", "OS_PASSWORD", "rotated password",
		"OS_REGION_NAME", "RegionOne", "OS_PROJECT_NAME", "service"))
	want["password"] = "rotated password"
	testenv.Eventually(t, wait, "tf-data after a rotation", func() (bool, string) {
		return equal(data(t, cfg.TFNamespace, secrets.TFDataSecret), want), "not yet"
	})
	b.Stop()
	for _, v := range []string{"neutron password", "rotated password", "metadata secret"} {
		if strings.Contains(b.Log(), v) {
			t.Errorf("a tf-data value reached the log")
		}
	}

	// Not on Tungsten Fabric: no tf-data.
	ns2 := "tfdata-ml2"
	cfg2 := cloud(t, ns2, coreSpec)
	put(t, secret(ns2, secrets.NeutronAdminSecret, map[string]string{"application": "neutron", "component": "server"}, "OS_USERNAME", "neutron"))
	b2 := start(t, cfg2)
	time.Sleep(2 * time.Second)
	if got := data(t, cfg2.TFNamespace, secrets.TFDataSecret); got != nil {
		t.Errorf("tf-data written for an ml2 cloud: %v", got)
	}
	b2.Stop()
}

func equal(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// External notifications: a Secret per topic with a RabbitMQ user, once
// the Service has its load balancer IP; removed when turned off.
func TestExternalNotifications(t *testing.T) {
	ns := "notify"
	cfg := cloud(t, ns, `{"openstack_version": "epoxy", "preset": "core", "size": "single", "public_domain_name": "cloud.example.test",
		"features": {"neutron": {"tunnel_interface": "eth1"}, "nova": {"live_migration_interface": "eth1"},
		"messaging": {"notifications": {"external": {"enabled": true, "topics": ["alerts", "Billing_EU", "nouser"]}}}}}`)
	users := map[string]any{
		"alerts_external_notifications":     map[string]any{"auth": map[string]any{"alerts": map[string]any{"username": "alerts-user", "password": "alerts password"}}},
		"Billing_EU_external_notifications": map[string]any{"auth": map[string]any{"Billing_EU": map[string]any{"username": "billing-user", "password": "billing password"}}},
	}
	raw, _ := json.Marshal(users)
	put(t, secret(ns, secrets.RabbitMQUsersSecret, map[string]string{"application": "rabbitmq", "component": "server"}, "RABBITMQ_USERS", string(raw)))
	put(t, secret(ns, secrets.RabbitMQCertsSecret, nil, "ca_cert", "rmq CA", "client_cert", "rmq cert", "client_key", "rmq key"))
	b := start(t, cfg)

	// Waiting for the Service and its IP: nothing yet.
	svc, err := kube.CoreV1().Services(ns).Create(context.Background(), &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Name: secrets.RabbitMQExternalSvc},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeLoadBalancer, Ports: []corev1.ServicePort{
			{Name: "amqp", Port: 5672}, {Name: "amqp-tls", Port: 5671}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if list, _ := kube.CoreV1().Secrets(cfg.ExternalNamespace).List(context.Background(), metav1.ListOptions{}); len(list.Items) != 0 {
		t.Fatalf("notification Secrets before the load balancer IP: %d", len(list.Items))
	}
	svc.Status.LoadBalancer.Ingress = []corev1.LoadBalancerIngress{{IP: "192.0.2.10"}, {Hostname: "lb.example.test"}, {IP: "192.0.2.11"}}
	if _, err := kube.CoreV1().Services(ns).UpdateStatus(context.Background(), svc, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	billing := secrets.NotificationSecret("Billing_EU")
	if !strings.HasPrefix(billing, "openstack-billingeu-") || len(billing) != len("openstack-billingeu-12345-notifications") {
		t.Errorf("topic Billing_EU: Secret %s", billing)
	}
	testenv.Eventually(t, wait, "notification Secrets", func() (bool, string) {
		a, bl := data(t, cfg.ExternalNamespace, "openstack-alerts-notifications"), data(t, cfg.ExternalNamespace, billing)
		return a != nil && bl != nil, "not yet"
	})
	want := map[string]string{"hosts": "192.0.2.11", "vhost": "openstack", "port_amqp": "5672", "port_amqp-tls": "5671",
		"ca_cert": "rmq CA", "client_cert": "rmq cert", "client_key": "rmq key", "username": "alerts-user", "password": "alerts password"}
	if got := data(t, cfg.ExternalNamespace, "openstack-alerts-notifications"); !equal(got, want) {
		t.Errorf("alerts Secret %v", got)
	}
	if list, _ := kube.CoreV1().Secrets(cfg.ExternalNamespace).List(context.Background(), metav1.ListOptions{}); len(list.Items) != 2 {
		t.Errorf("%d notification Secrets, want 2 (no user for topic nouser)", len(list.Items))
	}
	b.quiet(t)

	// Turned off: the labelled Secrets go, others stay.
	put(t, secret(cfg.ExternalNamespace, "unrelated", nil, "k", "v"))
	o := osdpl(t, ns)
	raw, _ = json.Marshal(o)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	m["spec"].(map[string]any)["features"].(map[string]any)["messaging"] = map[string]any{"notifications": map[string]any{"external": map[string]any{"enabled": false}}}
	raw, _ = json.Marshal(m)
	o = &lcmv1alpha1.OpenStackDeployment{}
	if err := json.Unmarshal(raw, o); err != nil {
		t.Fatal(err)
	}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Update(context.Background(), o, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "notification Secrets removed", func() (bool, string) {
		list, _ := kube.CoreV1().Secrets(cfg.ExternalNamespace).List(context.Background(), metav1.ListOptions{})
		return len(list.Items) == 1 && list.Items[0].Name == "unrelated", "still there"
	})
	b.Stop()
	for _, v := range []string{"alerts password", "billing password", "rmq key"} {
		if strings.Contains(b.Log(), v) {
			t.Errorf("a notification credential reached the log")
		}
	}
}

// Stopped in the middle: changes made meanwhile are applied by the next
// start; a start over a converged cloud writes nothing.
func TestResumesAfterRestart(t *testing.T) {
	ns := "restart"
	cfg := cloud(t, ns, coreSpec)
	valueFrom := map[string]string{lcmv1alpha1.OSDPLSecretLabel: "true"}
	s1 := put(t, secret(ns, "public-tls", valueFrom, "ca_cert", "one"))
	put(t, secret(ns, secrets.TLSPublicSecret, nil, "ca.crt", "CA one"))
	b := start(t, cfg)
	hashIs(t, ns, watched.Path{"value_from", "secret", "public-tls"}, watched.SecretHash(s1.Data))
	b.Stop()

	s2 := put(t, secret(ns, "public-tls", valueFrom, "ca_cert", "two"))
	put(t, secret(ns, secrets.TLSPublicSecret, nil, "ca.crt", "CA two"))
	b = start(t, cfg)
	hashIs(t, ns, watched.Path{"value_from", "secret", "public-tls"}, watched.SecretHash(s2.Data))
	testenv.Eventually(t, wait, "exporter CA", func() (bool, string) {
		return data(t, cfg.ControllerNamespace, secrets.ExporterCASecret)["ca.crt"] == "CA two", "old"
	})
	b.Stop()
	c := start(t, cfg)
	time.Sleep(2500 * time.Millisecond)
	if n := c.Writes.Count(); n != 0 {
		t.Errorf("%d writes at the start over a converged cloud: %v", n, c.Writes.Since(0))
	}
}
