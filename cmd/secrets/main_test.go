package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/secrets"
	"rockoon.dev/rockoon/pkg/testenv"
	"rockoon.dev/rockoon/pkg/watched"
)

// runEnv makes the test binary run main() with the arguments in the
// variable (one per line): the tests run the real command as a process.
const runEnv = "ROCKOON_TEST_RUN_SECRETS"

var (
	env  *testenv.Env
	kube kubernetes.Interface
	lcm  versioned.Interface
)

func TestMain(m *testing.M) {
	testenv.RunMainIf(runEnv, "secrets", main)
	os.Exit(testenv.Main(m, testenv.Options{}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(e.Config)
		lcm = versioned.NewForConfigOrDie(e.Config)
	}))
}

type proc struct {
	*testenv.Command
	addr string
}

// startProc runs the secrets command against env for cloud namespace ns.
func startProc(t testing.TB, ns string) *proc {
	t.Helper()
	addr := testenv.FreeAddr(t)
	return &proc{addr: addr, Command: testenv.StartCommand(t, runEnv, "--kubeconfig", env.KubeconfigPath, "--namespace", ns, "--leader-elect=false",
		"--controller-namespace", ns, "--external-namespace", ns, "--tf-shared-namespace", ns,
		"--metrics-bind-address", addr, "--health-bind-address", addr, "-v", "2")}
}

func (p *proc) get(path string) (int, string) { return testenv.Get(p.addr, path) }

func cloud(t testing.TB, ns string) {
	t.Helper()
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	o := &lcmv1alpha1.OpenStackDeployment{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: ns},
		Spec: lcmv1alpha1.OpenStackDeploymentSpec{OpenStackVersion: "epoxy", Preset: "core", Size: "single", PublicDomainName: "cloud.example.test"}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// putInput creates or updates the value_from Secret "input" and waits for
// its hash on the osdpl.
func putInput(t testing.TB, ns, value string) {
	t.Helper()
	ctx := context.Background()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "input", Namespace: ns, Labels: map[string]string{lcmv1alpha1.OSDPLSecretLabel: "true"}},
		Data: map[string][]byte{"v": []byte(value)}}
	if _, err := kube.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		if _, err := kube.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	want := watched.SecretHash(s.Data)
	testenv.Eventually(t, time.Minute, "the input's hash", func() (bool, string) {
		o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		got := watched.Get(o, secrets.ValueFromPath.Child("input"))
		return got == want, "hash " + got
	})
}

// The command as the pod runs it: flags, /healthz, /readyz once the
// informers synced, /metrics with its controller's metrics, and its work.
func TestCommand(t *testing.T) {
	ns := "command"
	cloud(t, ns)
	p := startProc(t, ns)
	testenv.Eventually(t, time.Minute, "/readyz", func() (bool, string) {
		code, body := p.get("/readyz")
		return code == http.StatusOK, body
	})
	if code, body := p.get("/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d: %s", code, body)
	}
	putInput(t, ns, "secret input value")
	code, metrics := p.get("/metrics")
	if code != http.StatusOK || !strings.Contains(metrics, `controller="secrets"`) {
		t.Errorf("/metrics %d without the secrets controller's metrics", code)
	}
	if strings.Contains(p.Log(), "secret input value") {
		t.Errorf("an input's value reached the log")
	}
}

// BenchmarkRSSWithLargeSecrets measures the resident memory of the
// secrets command (a process) before and after ROCKOON_BENCH_SECRETS
// (default 2000) Secrets of 1 MiB appear in its namespace, as Helm release
// Secrets would: only the inputs it selects are cached, so the figure must
// not grow with them. Each iteration is one watched-input change reaching
// the osdpl's status. Run with -benchtime=1x (setup takes minutes):
//
//	go test -run '^$' -bench RSS -benchtime=1x ./cmd/secrets
func BenchmarkRSSWithLargeSecrets(b *testing.B) {
	n := 2000
	if v, err := strconv.Atoi(os.Getenv("ROCKOON_BENCH_SECRETS")); err == nil {
		n = v
	}
	ns := fmt.Sprintf("bench-%d", b.N) // the benchmark runs with N=1 first, then N
	proc, before := benchSetup(b, ns, n)
	b.ResetTimer()
	for i := range b.N {
		putInput(b, ns, fmt.Sprintf("value %d", i))
	}
	b.StopTimer()
	rss, peak := proc.RSSKiB(b)
	b.ReportMetric(float64(before)/1024, "RSS-MiB-before")
	b.ReportMetric(float64(rss)/1024, "RSS-MiB-after")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(n), "Secrets-1MiB")
}

// benchSetup starts the command over a cloud in ns, then creates n
// Secrets of 1 MiB there; it returns the command and its RSS before them.
func benchSetup(b *testing.B, ns string, n int) (*proc, int) {
	cloud(b, ns)
	proc := startProc(b, ns)
	putInput(b, ns, "first")
	time.Sleep(2 * time.Second)
	before, _ := proc.RSSKiB(b)
	payload := make([]byte, 1<<20)
	_, _ = rand.Read(payload)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sh.helm.release.v1.big-%d.v1", i), Namespace: ns,
				Labels: map[string]string{"owner": "helm"}}, Type: "helm.sh/release.v1", Data: map[string][]byte{"release": payload}}
			if _, err := kube.CoreV1().Secrets(ns).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		b.Fatal(err)
	}
	time.Sleep(3 * time.Second)
	return proc, before
}
