package main

import (
	"context"
	"fmt"
	"net/http"
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
	"rockoon.dev/rockoon/pkg/testenv"
	"rockoon.dev/rockoon/pkg/watched"
)

const runEnv = "ROCKOON_TEST_RUN_CEPH_EXCHANGE"

var (
	env  *testenv.Env
	kube kubernetes.Interface
	lcm  versioned.Interface
)

func TestMain(m *testing.M) {
	testenv.RunMainIf(runEnv, "ceph-exchange", main)
	os.Exit(testenv.Main(m, testenv.Options{}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(e.Config)
		lcm = versioned.NewForConfigOrDie(e.Config)
	}))
}

// cloud creates the cloud's and the Ceph namespace and the osdpl, and
// starts the command.
func cloud(t testing.TB, ns string) (shared, addr string, cmd *testenv.Command) {
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
	addr = testenv.FreeAddr(t)
	cmd = testenv.StartCommand(t, runEnv, "--kubeconfig", env.KubeconfigPath, "--namespace", ns, "--leader-elect=false",
		"--ceph-shared-namespace", shared, "--metrics-bind-address", addr, "--health-bind-address", addr, "-v", "2")
	testenv.Eventually(t, time.Minute, "/readyz", func() (bool, string) {
		code, body := testenv.Get(addr, "/readyz")
		return code == http.StatusOK, body
	})
	return shared, addr, cmd
}

// rotate writes the exchange Secret with nova's key and waits until the
// keyring and the osdpl's hash follow.
func rotate(t testing.TB, ns, shared, key string) {
	t.Helper()
	ctx := context.Background()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: ceph.KeysSecret, Namespace: shared}, Data: map[string][]byte{
		"mon_endpoints": []byte("10.0.0.11:6789"), "nova": []byte("client.nova;" + key + ";vms:vms:hdd")}}
	if _, err := kube.CoreV1().Secrets(shared).Update(ctx, s, metav1.UpdateOptions{}); apierrors.IsNotFound(err) {
		_, err = kube.CoreV1().Secrets(shared).Create(ctx, s, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
	} else if err != nil {
		t.Fatal(err)
	}
	want := watched.SecretHash(s.Data)
	testenv.Eventually(t, time.Minute, "keyring and hash", func() (bool, string) {
		k, err := kube.CoreV1().Secrets(ns).Get(ctx, ceph.KeyringSecret("nova"), metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return string(k.Data["key"]) == key && watched.Get(o, ceph.WatchedPath) == want, "not yet"
	})
}

// The command as the pod runs it: /healthz, /readyz, /metrics with its
// controller's metrics, its work, and no key in its log.
func TestCommand(t *testing.T) {
	ns := "command"
	shared, addr, cmd := cloud(t, ns)
	rotate(t, ns, shared, "AQDcommandKEYXXXXXXXXXXXXXXXXXXXXXXXXXX==")
	if code, body := testenv.Get(addr, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d: %s", code, body)
	}
	code, metrics := testenv.Get(addr, "/metrics")
	if code != http.StatusOK || !strings.Contains(metrics, `controller="ceph-exchange"`) {
		t.Errorf("/metrics %d without the ceph-exchange controller's metrics", code)
	}
	if strings.Contains(cmd.Log(), "AQDcommandKEY") || strings.Contains(metrics, "AQDcommandKEY") {
		t.Errorf("a Ceph key reached the log or the metrics")
	}
}

// BenchmarkRotation: one Ceph key rotation until the keyring and the
// osdpl's status follow (ns/op), and the command's resident memory after.
//
//	go test -run '^$' -bench Rotation -benchtime 20x ./cmd/ceph-exchange
func BenchmarkRotation(b *testing.B) {
	ns := fmt.Sprintf("bench-%d", b.N)
	shared, _, cmd := cloud(b, ns)
	rotate(b, ns, shared, "AQDfirstXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX==")
	idle, _ := cmd.RSSKiB(b)
	b.ResetTimer()
	for i := range b.N {
		rotate(b, ns, shared, fmt.Sprintf("AQDkey%034d==", i))
	}
	b.StopTimer()
	rss, peak := cmd.RSSKiB(b)
	b.ReportMetric(float64(idle)/1024, "idle-RSS-MiB")
	b.ReportMetric(float64(rss)/1024, "RSS-MiB")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
}
