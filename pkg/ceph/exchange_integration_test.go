package ceph_test

import (
	"context"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2/ktesting"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/operator"
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

type exchange struct {
	ns, shared string
	writes     *testenv.Writes
	logs       func() string
	stop       func()
}

// start runs the ceph-exchange binary's work for cloud namespace ns and
// Ceph namespace shared, with a short resync.
func start(t *testing.T, ns, shared string) *exchange {
	t.Helper()
	x := &exchange{ns: ns, shared: shared, writes: &testenv.Writes{}}
	cfg := x.writes.Wrap(env.Config)
	opts := operator.NewOptions("ceph-exchange", 0)
	opts.Namespace, opts.LeaderElect = ns, false
	opts.MetricsBindAddress, opts.HealthBindAddress = "127.0.0.1:0", "127.0.0.1:0"
	rt := operator.NewRuntimeForConfig(opts, cfg)
	logger, ctx := ktesting.NewTestContext(t)
	x.logs = func() string { return logger.GetSink().(ktesting.Underlier).GetBuffer().String() }
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- rt.Run(ctx, func(ctx context.Context) error { return ceph.Run(ctx, rt, shared, time.Second) })
	}()
	var once sync.Once
	x.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("ceph-exchange run: %v", err)
			}
		})
	}
	t.Cleanup(x.stop)
	return x
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
	before := x.writes.Count()
	time.Sleep(3 * time.Second)
	if n := x.writes.Count() - before; n != 0 {
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

	x.stop()
	logs := x.logs()
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
	x.stop()

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
	x.stop()
	y := start(t, ns, shared)
	time.Sleep(2 * time.Second)
	if n := y.writes.Count(); n != 0 {
		t.Errorf("%d writes at the start over a converged cloud", n)
	}
}
