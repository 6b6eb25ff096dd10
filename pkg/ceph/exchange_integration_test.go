package ceph_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/operator/operatortest"
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

// start runs the ceph-exchange binary's work for cloud namespace ns and
// Ceph namespace shared, with a short resync.
func start(t *testing.T, ns, shared string) *operatortest.Binary {
	t.Helper()
	return operatortest.Start(t, env.Config, "ceph-exchange", ns, func(ctx context.Context, rt *operator.Runtime) error {
		return ceph.Run(ctx, rt, shared, time.Second)
	})
}

// cloud creates the two namespaces and the osdpl.
func cloud(t *testing.T, ns string) (shared string) {
	t.Helper()
	ctx := context.Background()
	shared = ns + "-ceph"
	for _, n := range []string{ns, shared} {
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	o := &lcmv1alpha1.OpenStackDeployment{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: ns},
		Spec: lcmv1alpha1.OpenStackDeploymentSpec{OpenStackVersion: "epoxy", Preset: "core", Size: "single", PublicDomainName: "cloud.example.test"}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return shared
}

func keysData(novaKey, cinderKey string) map[string][]byte {
	return map[string][]byte{
		"client.admin":  []byte("AQDadminXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX==\n"),
		"mon_endpoints": []byte("10.0.0.11:6789,[fd00::12]:6789"),
		"nova":          []byte("client.nova;" + novaKey + ";vms-hdd:vms:hdd"),
		"cinder":        []byte("client.cinder;" + cinderKey + ";volumes-hdd:volumes:hdd;backup-hdd:backup:hdd"),
		"rgw_internal":  []byte("https://rook-ceph-rgw.rook-ceph.svc:8443"),
	}
}

func putKeys(t *testing.T, shared string, data map[string][]byte) {
	t.Helper()
	ctx := context.Background()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: ceph.KeysSecret, Namespace: shared}, Data: data}
	cur, err := kube.CoreV1().Secrets(shared).Get(ctx, ceph.KeysSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		_, err = kube.CoreV1().Secrets(shared).Create(ctx, s, metav1.CreateOptions{})
	case err == nil:
		cur.Data = data
		_, err = kube.CoreV1().Secrets(shared).Update(ctx, cur, metav1.UpdateOptions{})
	}
	if err != nil {
		t.Fatal(err)
	}
}

func keyring(t *testing.T, ns, user string) string {
	t.Helper()
	s, err := kube.CoreV1().Secrets(ns).Get(context.Background(), ceph.KeyringSecret(user), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "<absent>"
	}
	if err != nil {
		t.Fatal(err)
	}
	return string(s.Data["key"])
}

func hash(t *testing.T, ns string) string {
	t.Helper()
	o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return watched.Get(o, ceph.WatchedPath)
}

// synced waits until the keyrings hold nova's and cinder's keys and the
// osdpl has the hash of data.
func synced(t *testing.T, ns string, data map[string][]byte, nova, cinder string) {
	t.Helper()
	want := watched.SecretHash(data)
	testenv.Eventually(t, 30*time.Second, "keyrings and hash", func() (bool, string) {
		n, c, h := keyring(t, ns, "nova"), keyring(t, ns, "cinder"), hash(t, ns)
		return n == nova && c == cinder && h == want, "nova=" + n + " cinder=" + c + " hash=" + h
	})
}

func warnings(t *testing.T, ns, reason string) []corev1.Event {
	t.Helper()
	list, err := kube.CoreV1().Events(ns).List(context.Background(), metav1.ListOptions{FieldSelector: "reason=" + reason})
	if err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// The whole life of the exchange Secret: created, rotated, broken, fixed,
// deleted; the keyrings and the hash follow, nothing is written when
// nothing changed, and no key reaches the log or an Event.
func TestExchangeFollowsTheKeysSecret(t *testing.T) {
	ns := "ceph-life"
	shared := cloud(t, ns)
	x := start(t, ns, shared)
	const nova1, cinder1 = "AQDnova1XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX==", "AQDcinder1XXXXXXXXXXXXXXXXXXXXXXXXXXXXX=="

	// Created: the keyrings appear and the osdpl gets the hash.
	d1 := keysData(nova1, cinder1)
	putKeys(t, shared, d1)
	synced(t, ns, d1, nova1, cinder1)

	// A resync (every second here) writes nothing.
	before := x.Writes.Count()
	time.Sleep(3 * time.Second)
	if n := x.Writes.Count() - before; n != 0 {
		t.Errorf("%d writes while nothing changed", n)
	}

	// Rotated on the Ceph side: the keyring follows (the original's would
	// keep the old key), and so does the hash.
	const nova2 = "AQDnova2XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX=="
	d2 := keysData(nova2, cinder1)
	putKeys(t, shared, d2)
	synced(t, ns, d2, nova2, cinder1)

	// Malformed: a Warning Event naming the key; the keyrings and the hash
	// stay as they were.
	bad := keysData("", cinder1)
	bad["nova"] = []byte("client.nova")
	bad["cinder"] = []byte("client.cinder;AQDcinder3XXXXXXXXXXXXXXXXXXXXXXXXXXXXX==;volumes-hdd:volumes:hdd")
	putKeys(t, shared, bad)
	testenv.Eventually(t, 30*time.Second, "CephKeysMalformed Event", func() (bool, string) {
		ev := warnings(t, ns, "CephKeysMalformed")
		return len(ev) == 1, "no Event"
	})
	ev := warnings(t, ns, "CephKeysMalformed")[0]
	if ev.Type != corev1.EventTypeWarning || ev.InvolvedObject.Kind != "OpenStackDeployment" || !strings.Contains(ev.Message, "nova") {
		t.Errorf("Event %s %s/%s: %q", ev.Type, ev.InvolvedObject.Kind, ev.InvolvedObject.Name, ev.Message)
	}
	time.Sleep(2 * time.Second) // resyncs: still one Event, nothing applied
	if n := len(warnings(t, ns, "CephKeysMalformed")); n != 1 || warnings(t, ns, "CephKeysMalformed")[0].Count != 1 {
		t.Errorf("%d Events (count %d) for one malformed version", n, warnings(t, ns, "CephKeysMalformed")[0].Count)
	}
	if n, c, h := keyring(t, ns, "nova"), keyring(t, ns, "cinder"), hash(t, ns); n != nova2 || c != cinder1 || h != watched.SecretHash(d2) {
		t.Errorf("a malformed Secret changed the cloud: nova=%s cinder=%s hash=%s", n, c, h)
	}

	// Deleted: everything published stays.
	if err := kube.CoreV1().Secrets(shared).Delete(context.Background(), ceph.KeysSecret, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	if n, c, h := keyring(t, ns, "nova"), keyring(t, ns, "cinder"), hash(t, ns); n != nova2 || c != cinder1 || h != watched.SecretHash(d2) {
		t.Errorf("a deleted Secret changed the cloud: nova=%s cinder=%s hash=%s", n, c, h)
	}

	// Back, with cinder rotated.
	const cinder4 = "AQDcinder4XXXXXXXXXXXXXXXXXXXXXXXXXXXXX=="
	d4 := keysData(nova2, cinder4)
	putKeys(t, shared, d4)
	synced(t, ns, d4, nova2, cinder4)

	x.Stop()
	logs := x.Log()
	if !strings.Contains(logs, "Ceph exchange Secret synced") {
		t.Fatalf("the binary's log was not captured: %q", logs)
	}
	for _, key := range []string{nova1, nova2, cinder1, cinder4, "AQDcinder3", "AQDadmin"} {
		if strings.Contains(logs, key) {
			t.Errorf("a Ceph key reached the log")
		}
		for _, e := range warnings(t, ns, "CephKeysMalformed") {
			if strings.Contains(e.Message, key) {
				t.Errorf("a Ceph key reached an Event")
			}
		}
	}
}

// Killed in the middle: a change made while no exchange runs is applied
// by the next one, from the API state alone.
func TestExchangeResumesAfterRestart(t *testing.T) {
	ns := "ceph-restart"
	shared := cloud(t, ns)
	const nova1, cinder1 = "AQDnova1YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY==", "AQDcinder1YYYYYYYYYYYYYYYYYYYYYYYYYYYYY=="
	d1 := keysData(nova1, cinder1)
	putKeys(t, shared, d1)
	x := start(t, ns, shared)
	synced(t, ns, d1, nova1, cinder1)
	x.Stop()

	const nova2 = "AQDnova2YYYYYYYYYYYYYYYYYYYYYYYYYYYYYYY=="
	d2 := keysData(nova2, cinder1)
	putKeys(t, shared, d2)
	// A keyring deleted by hand meanwhile is recreated too.
	if err := kube.CoreV1().Secrets(ns).Delete(context.Background(), ceph.KeyringSecret("cinder"), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	x = start(t, ns, shared)
	synced(t, ns, d2, nova2, cinder1)
	// A started exchange over a converged cloud writes nothing.
	x.Stop()
	y := start(t, ns, shared)
	time.Sleep(2 * time.Second)
	if n := y.Writes.Count(); n != 0 {
		t.Errorf("%d writes at the start over a converged cloud", n)
	}
}

func pairSecret(ns, name, user, pass string) *corev1.Secret {
	identity := `{"ceph-rgw": {"username": "` + user + `", "password": "` + pass + `"}, "test": {"username": "test` + user + `", "password": "t` + pass + `"}}`
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: map[string][]byte{"identity": []byte(identity)}}
}

func rgwCreds(t *testing.T, shared string) map[string]string {
	t.Helper()
	s, err := kube.CoreV1().Secrets(shared).Get(context.Background(), ceph.RGWCredsSecret, metav1.GetOptions{})
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

func waitRGWCreds(t *testing.T, shared string, want map[string]string) {
	t.Helper()
	testenv.Eventually(t, 30*time.Second, "openstack-rgw-creds", func() (bool, string) {
		got := rgwCreds(t, shared)
		var diff []string
		for k := range want {
			if got[k] != want[k] {
				diff = append(diff, k)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				diff = append(diff, "extra "+k)
			}
		}
		return got != nil && len(diff) == 0, fmt.Sprintf("present=%v, differing keys %v", got != nil, diff)
	})
}

// openstack-rgw-creds: published with exactly the keys the Ceph side
// reads while object storage is enabled, following the active Secret of
// the object-storage pair (a rotation) and the spec's value_from Secrets;
// nothing written while nothing changed; left as it is once object storage
// is disabled (the original never deletes it); no value in the log. The
// exchange Secret of the Ceph side is not needed for it.
func TestExchangePublishesRGWCreds(t *testing.T) {
	ctx := context.Background()
	ns := "ceph-rgw"
	shared := ns + "-ceph"
	for _, n := range []string{ns, shared} {
		if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: n}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	const key1, key2 = "-----KEY one-----", "-----KEY two-----"
	tls := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "public-tls", Namespace: ns, Labels: map[string]string{lcmv1alpha1.OSDPLSecretLabel: "true"}},
		Data:       map[string][]byte{"api_key": []byte(key1)},
	}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, tls, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	const pass0, pass1, pass2 = "PASSzeroXXXXXXXXXXXXXXXXXXXXXXXX", "PASSoneXXXXXXXXXXXXXXXXXXXXXXXXX", "PASStwoXXXXXXXXXXXXXXXXXXXXXXXXX"
	for _, s := range []*corev1.Secret{pairSecret(ns, ceph.PairName, "ceph-rgw0", pass0), pairSecret(ns, ceph.PairName+"-1", "ceph-rgw1", pass1)} {
		if _, err := kube.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	o := &lcmv1alpha1.OpenStackDeployment{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: ns},
		Spec: lcmv1alpha1.OpenStackDeploymentSpec{OpenStackVersion: "epoxy", Preset: "core", Size: "single",
			PublicDomainName: "cloud.example.test", RegionName: "RegionTwo",
			Features: &lcmv1alpha1.Features{
				Services: []string{"object-storage"},
				Neutron:  &lcmv1alpha1.Neutron{TunnelInterface: "ens3"},
				Nova:     &lcmv1alpha1.Nova{LiveMigrationInterface: "ens3"},
				SSL: &lcmv1alpha1.SSL{PublicEndpoints: &lcmv1alpha1.PublicEndpoints{
					CACert:  &lcmv1alpha1.SecretValue{Value: "CA CERT"},
					APICert: &lcmv1alpha1.SecretValue{Value: "API CERT"},
					APIKey:  &lcmv1alpha1.SecretValue{ValueFrom: &lcmv1alpha1.ValueFrom{SecretKeyRef: &lcmv1alpha1.SecretKeyRef{Name: "public-tls", Key: "api_key"}}},
				}},
			}}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	x := start(t, ns, shared)

	want := map[string]string{
		"auth_url":            "https://keystone.cloud.example.test/",
		"username":            "ceph-rgw0",
		"password":            pass0,
		"default_domain":      "service",
		"project_domain_name": "service",
		"project_name":        "service",
		"user_domain_name":    "service",
		"interface":           "public",
		"region_name":         "RegionTwo",
		"public_domain":       "cloud.example.test",
		"ca_cert":             "CA CERT",
		"tls_crt":             "API CERT",
		"tls_key":             key1,
		// internal_domain_name from the preset.
		"barbican_url": "http://barbican-api." + ns + ".svc.cluster.local:9311",
	}
	if len(want) != len(ceph.RGWCredsKeys) {
		t.Fatalf("the test expects %d keys, the contract has %d", len(want), len(ceph.RGWCredsKeys))
	}
	waitRGWCreds(t, shared, want)

	// Resyncs (every second) write nothing.
	before := x.Writes.Count()
	time.Sleep(3 * time.Second)
	if n := x.Writes.Count() - before; n != 0 {
		t.Errorf("%d writes while nothing changed", n)
	}

	// The pair rotated: -1 gets the higher priority and becomes active.
	annotate := func(name, prio string) {
		t.Helper()
		s, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		s.Annotations = map[string]string{credentials.PriorityAnnotation: prio}
		if _, err := kube.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	annotate(ceph.PairName+"-1", "1")
	want["username"], want["password"] = "ceph-rgw1", pass1
	waitRGWCreds(t, shared, want)

	// A value_from Secret of the spec changed.
	tls, err := kube.CoreV1().Secrets(ns).Get(ctx, "public-tls", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tls.Data["api_key"] = []byte(key2)
	if _, err := kube.CoreV1().Secrets(ns).Update(ctx, tls, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	want["tls_key"] = key2
	waitRGWCreds(t, shared, want)

	// The spec changed (region).
	cur, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.RegionName = "RegionThree"
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	want["region_name"] = "RegionThree"
	waitRGWCreds(t, shared, want)

	// Edited by hand: put back.
	edited, err := kube.CoreV1().Secrets(shared).Get(ctx, ceph.RGWCredsSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	edited.Data["interface"] = []byte("internal")
	edited.Data["extra"] = []byte("x")
	if _, err := kube.CoreV1().Secrets(shared).Update(ctx, edited, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	waitRGWCreds(t, shared, want)

	// Object storage disabled: the Secret stays as it is, even when the
	// pair rotates again.
	cur, err = lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cur.Spec.Features.Services = nil
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	s, err := kube.CoreV1().Secrets(ns).Get(ctx, ceph.PairName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Data = pairSecret(ns, ceph.PairName, "ceph-rgw2", pass2).Data
	s.Annotations = map[string]string{credentials.PriorityAnnotation: "2"}
	if _, err := kube.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	before = x.Writes.Count()
	time.Sleep(3 * time.Second)
	if got := rgwCreds(t, shared); got["username"] != "ceph-rgw1" || got["password"] != pass1 || len(got) != len(want) {
		t.Errorf("disabled object storage changed openstack-rgw-creds: username %q, %d keys", got["username"], len(got))
	}
	if n := x.Writes.Count() - before; n != 0 {
		t.Errorf("%d writes with object storage disabled", n)
	}

	x.Stop()
	logs := x.Log()
	if !strings.Contains(logs, "RGW credentials published") {
		t.Fatalf("the binary's log was not captured: %q", logs)
	}
	for _, v := range []string{pass0, pass1, pass2, key1, key2, "CA CERT", "API CERT"} {
		if strings.Contains(logs, v) {
			t.Errorf("a value (%d characters) reached the log", len(v))
		}
	}
	if !strings.Contains(logs, "RGW credentials") {
		t.Errorf("no log line about the RGW credentials")
	}
}
