package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/testenv"
)

// runOSDPLEnv makes the test binary act as the osdpl binary (its
// arguments, one per line, in the variable): the crash tests kill it with
// SIGKILL like a real process.
const runOSDPLEnv = "ROCKOON_TEST_RUN_OSDPL"

func TestMain(m *testing.M) {
	if args := os.Getenv(runOSDPLEnv); args != "" {
		os.Args = append([]string{"osdpl"}, strings.Split(args, "\n")...)
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// osdplProc is a running `osdpl run` process; done is closed when it has
// exited.
type osdplProc struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *osdplProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// startOSDPL starts `osdpl run` as a process against env. The lease is
// short (6 s) but its renew deadline leaves a busy 2-core machine time to
// answer.
func startOSDPL(t *testing.T, env *testenv.Env, ns, charts string) *osdplProc {
	t.Helper()
	args := []string{"run", "--kubeconfig", env.KubeconfigPath, "--namespace", ns, "--charts-dir", charts,
		"--helm-disable-hooks", "--wait-healthy=false", "--images-base-url", "reg.example", "--metrics-bind-address", "0", "--health-bind-address", "0",
		"--leader-election-lease-duration", "6s", "--leader-election-renew-deadline", "4s",
		"--leader-election-retry-period", "500ms", "--graceful-shutdown-period", "1s", "-v", "2"}
	cmd := exec.Command(os.Args[0], "-test.run", "^$")
	cmd.Env = append(os.Environ(), runOSDPLEnv+"="+strings.Join(args, "\n"), "KUBECONFIG=")
	path := fmt.Sprintf("%s/osdpl-%d.log", t.TempDir(), time.Now().UnixNano())
	log, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &osdplProc{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		_ = log.Close()
		if t.Failed() {
			// The process's own account of what it did, last lines first
			// to matter.
			b, _ := os.ReadFile(path)
			lines := strings.Split(string(b), "\n")
			t.Logf("osdpl (pid %d) log, last %d of %d lines:\n%s", cmd.Process.Pid, min(len(lines), 60), len(lines), strings.Join(lines[max(0, len(lines)-60):], "\n"))
		}
	})
	return p
}

const killSpec = `
apiVersion: lcm.mirantis.com/v1alpha1
kind: OpenStackDeployment
metadata: {name: lab}
spec:
  openstack_version: epoxy
  preset: core
  size: single
  public_domain_name: cloud.example.test
  local_volume_storage_class: local-path
  features:
    services: ["~app-gateway", "~compute", "~dashboard", "~image", "~ingress", "~networking", "~placement", "~coordination"]
    ssl:
      public_endpoints:
        ca_cert:  {value_from: {secret_key_ref: {name: lab-tls, key: ca_cert}}}
        api_cert: {value_from: {secret_key_ref: {name: lab-tls, key: api_cert}}}
        api_key:  {value_from: {secret_key_ref: {name: lab-tls, key: api_key}}}
    neutron: {tunnel_interface: eth1}
    nova: {live_migration_interface: eth1}
`

// TestKillDuringRolloutResumes kills osdpl with SIGKILL whenever one of
// its Helm releases is pending (install or upgrade), twice, and restarts
// it: the restarted process recovers the pending revisions at once (after
// the lease expiry and the grace period, not the Helm timeout) and brings
// the cloud to APPLIED; no release is left pending and no credential
// changes after it was first written.
func TestKillDuringRolloutResumes(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	charts := testenv.SharedCharts(t)
	ctx := context.Background()
	kube := kubernetes.NewForConfigOrDie(env.Config)
	lcm := versioned.NewForConfigOrDie(env.Config)
	ns := "killed"
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	tls := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "lab-tls", Labels: map[string]string{lcmv1alpha1.OSDPLSecretLabel: "true"}},
		Data:       map[string][]byte{"ca_cert": []byte("CA"), "api_cert": []byte("CRT"), "api_key": []byte("KEY")},
	}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, tls, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w, err := kube.CoreV1().Secrets(ns).Watch(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()

	proc := startOSDPL(t, env, ns, charts)
	var o lcmv1alpha1.OpenStackDeployment
	if err := yaml.Unmarshal([]byte(killSpec), &o); err != nil {
		t.Fatal(err)
	}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(ctx, &o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A process that exits by itself (a lost lease) is restarted, as the
	// pod's kubelet would.
	restarts := 0
	supervise := func() {
		select {
		case <-proc.done:
			restarts++
			t.Logf("osdpl exited by itself (%v): restarted", proc.err)
			proc = startOSDPL(t, env, ns, charts)
		default:
		}
	}
	var killed []string
	var creds map[string]string
	deadline := time.After(3 * time.Minute)
	for len(killed) < 2 {
		select {
		case ev := <-w.ResultChan():
			if ev.Type == watch.Error {
				t.Fatalf("watch: %v", ev.Object)
			}
			s, ok := ev.Object.(*corev1.Secret)
			if !ok || !strings.HasPrefix(s.Labels["status"], "pending-") || ev.Type == watch.Deleted {
				continue
			}
			if slicesContain(killed, s.Labels["name"]) {
				continue
			}
			proc.kill()
			if creds == nil {
				creds = credentialData(t, kube, ns)
			}
			killed = append(killed, s.Labels["name"]+" ("+s.Labels["status"]+")")
			t.Logf("killed osdpl while %s was %s", s.Labels["name"], s.Labels["status"])
			proc = startOSDPL(t, env, ns, charts)
		case <-proc.done:
			supervise()
		case <-deadline:
			t.Fatalf("never saw a pending release to kill at (killed: %v)", killed)
		}
	}
	restarted := time.Now()
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		supervise()
		st, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, "lab", metav1.GetOptions{})
		return err == nil && st.Status.OSDPL != nil && st.Status.OSDPL.State == lcmv1alpha1.StateApplied, nil
	}); err != nil {
		st, _ := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, "lab", metav1.GetOptions{})
		t.Fatalf("not APPLIED after the restarts: %+v", st)
	}
	if restarts > 0 {
		t.Logf("osdpl also exited by itself %d times", restarts)
	}
	t.Logf("APPLIED %.1f s after the last restart (lease 6 s, grace 1 s)", time.Since(restarted).Seconds())
	list, err := kube.CoreV1().Secrets(ns).List(ctx, metav1.ListOptions{LabelSelector: "owner=helm"})
	if err != nil {
		t.Fatal(err)
	}
	latest := map[string]string{}
	version := map[string]int{}
	for _, s := range list.Items {
		n := s.Labels["name"]
		v, err := strconv.Atoi(s.Labels["version"])
		if err != nil {
			t.Fatalf("release Secret %s: version %q", s.Name, s.Labels["version"])
		}
		if v > version[n] {
			version[n], latest[n] = v, s.Labels["status"]
		}
	}
	for n, status := range latest {
		if status != "deployed" {
			t.Errorf("release %s left %s", n, status)
		}
	}
	if len(latest) != 4 {
		t.Errorf("releases %v, want 4", latest)
	}
	for k, v := range creds {
		if credentialData(t, kube, ns)[k] != v {
			t.Errorf("credential %s changed across the kills", k)
		}
	}
	// `osdpl render` of the same object against the same cluster selects
	// exactly the releases the controller installed.
	file := filepath.Join(t.TempDir(), "lab.yaml")
	if err := os.WriteFile(file, []byte(killSpec), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := execute(t, "render", "-f", file, "-n", ns, "--kubeconfig", env.KubeconfigPath, "-o", "json")
	if err != nil {
		t.Fatal(err)
	}
	var docs []releaseDoc
	if err := json.Unmarshal([]byte(out), &docs); err != nil {
		t.Fatal(err)
	}
	var rendered []string
	for _, d := range docs {
		rendered = append(rendered, d.Release)
	}
	if installed := slices.Sorted(maps.Keys(latest)); !slices.Equal(slices.Sorted(slices.Values(rendered)), installed) {
		t.Errorf("osdpl render selects releases %v, the controller installed %v", rendered, installed)
	}
}

// credentialData returns secret/key → value of the generated credentials.
func credentialData(t *testing.T, kube kubernetes.Interface, ns string) map[string]string {
	t.Helper()
	list, err := kube.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: lcmv1alpha1.GeneratedCredentialsLabel + "=true"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range list.Items {
		for k, v := range s.Data {
			out[s.Name+"/"+k] = string(v)
		}
	}
	return out
}

func slicesContain(list []string, name string) bool {
	for _, x := range list {
		if strings.HasPrefix(x, name+" ") {
			return true
		}
	}
	return false
}
