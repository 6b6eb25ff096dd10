package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
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
	if args := os.Getenv(runEnv); args != "" {
		os.Args = append([]string{"secrets"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(testenv.Main(m, testenv.Options{}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(e.Config)
		lcm = versioned.NewForConfigOrDie(e.Config)
	}))
}

type proc struct {
	cmd  *exec.Cmd
	addr string
	log  string
}

func freePort(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startProc runs the secrets command against env for cloud namespace ns.
func startProc(t testing.TB, ns string) *proc {
	t.Helper()
	p := &proc{addr: freePort(t), log: fmt.Sprintf("%s/secrets.log", t.TempDir())}
	args := []string{"--kubeconfig", env.KubeconfigPath, "--namespace", ns, "--leader-elect=false",
		"--controller-namespace", ns, "--external-namespace", ns, "--tf-shared-namespace", ns,
		"--metrics-bind-address", p.addr, "--health-bind-address", p.addr, "-v", "2"}
	p.cmd = exec.Command(os.Args[0], "-test.run", "^$")
	p.cmd.Env = append(os.Environ(), runEnv+"="+strings.Join(args, "\n"), "KUBECONFIG=")
	log, err := os.Create(p.log)
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = log, log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		_ = p.cmd.Wait()
		_ = log.Close()
		if t.Failed() {
			b, _ := os.ReadFile(p.log)
			t.Logf("secrets log:\n%s", b)
		}
	})
	return p
}

func (p *proc) get(path string) (int, string) {
	resp, err := http.Get("http://" + p.addr + path)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// rssKiB reads the process's resident and peak resident memory.
func (p *proc) rssKiB(t testing.TB) (rss, peak int) {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			peak = v
		}
	}
	return rss, peak
}

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
	if b, _ := os.ReadFile(p.log); strings.Contains(string(b), "secret input value") {
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
	benchOnce.Do(func() { benchSetup(b, n) })
	b.ResetTimer()
	for i := range b.N {
		putInput(b, benchNS, fmt.Sprintf("value %d", i))
	}
	b.StopTimer()
	rss, peak := benchProc.rssKiB(b)
	b.ReportMetric(float64(benchRSSBefore)/1024, "RSS-MiB-before")
	b.ReportMetric(float64(rss)/1024, "RSS-MiB-after")
	b.ReportMetric(float64(peak)/1024, "peak-RSS-MiB")
	b.ReportMetric(float64(n), "Secrets-1MiB")
}

var (
	benchOnce      sync.Once
	benchNS        = "bench"
	benchProc      *proc
	benchRSSBefore int
)

func benchSetup(b *testing.B, n int) {
	cloud(b, benchNS)
	benchProc = startProc(b, benchNS)
	putInput(b, benchNS, "first")
	time.Sleep(2 * time.Second)
	benchRSSBefore, _ = benchProc.rssKiB(b)
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
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("sh.helm.release.v1.big-%d.v1", i), Namespace: benchNS,
				Labels: map[string]string{"owner": "helm"}}, Type: "helm.sh/release.v1", Data: map[string][]byte{"release": payload}}
			if _, err := kube.CoreV1().Secrets(benchNS).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
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
}
