package main

import (
	"context"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/node"
	"rockoon.dev/rockoon/pkg/testenv"
)

// runEnv makes the test binary run main() with the arguments in the
// variable (one per line): the tests run the real command as a process.
const runEnv = "ROCKOON_TEST_RUN_NODE"

var (
	env  *testenv.Env
	kube kubernetes.Interface
	lcm  versioned.Interface
)

// kwok keeps the fake nodes Ready, as kubelets would.
func TestMain(m *testing.M) {
	testenv.RunMainIf(runEnv, "node", main)
	os.Exit(testenv.Main(m, testenv.Options{Kwok: true}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(e.Config)
		lcm = versioned.NewForConfigOrDie(e.Config)
	}))
}

// The command as the pod runs it, its roles from the original's
// environment variable: /healthz, /readyz once the informers synced, the
// kwok node's internal label and lock, /metrics with its controller's
// metrics.
func TestCommand(t *testing.T) {
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "command"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := env.FakeNode(ctx, "kwok-cmp-1", map[string]string{"example.com/hypervisor": "yes", "openstack-compute-node": "enabled"}); err != nil {
		t.Fatal(err)
	}
	t.Setenv(node.RolesEnv, `{"compute": {"example.com/hypervisor": "yes"}}`)
	addr := testenv.FreeAddr(t)
	p := testenv.StartCommand(t, runEnv, "--kubeconfig", env.KubeconfigPath, "--namespace", "command", "--leader-elect=false",
		"--metrics-bind-address", addr, "--health-bind-address", addr, "--cluster-release", "25.1", "-v", "2")
	testenv.Eventually(t, time.Minute, "/readyz", func() (bool, string) {
		code, body := testenv.Get(addr, "/readyz")
		return code == http.StatusOK, body
	})
	if code, body := testenv.Get(addr, "/healthz"); code != http.StatusOK {
		t.Errorf("/healthz %d: %s", code, body)
	}
	testenv.Eventually(t, time.Minute, "the kwok node's lock", func() (bool, string) {
		l, err := lcm.LcmV1alpha1().NodeWorkloadLocks().Get(ctx, node.LockName("kwok-cmp-1"), metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		return l.Status.State == lcmv1alpha1.LockActive && l.Status.Release == "25.1", string(l.Status.State)
	})
	n, err := kube.CoreV1().Nodes().Get(ctx, "kwok-cmp-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n.Labels["rockoon-example.com/hypervisor"] != "controller" {
		t.Errorf("labels %v: want rockoon-example.com/hypervisor=controller from %s", n.Labels, node.RolesEnv)
	}
	if _, ok := n.Labels["rockoon-openstack-compute-node"]; ok {
		t.Errorf("labels %v: the default roles used instead of %s", n.Labels, node.RolesEnv)
	}
	code, metrics := testenv.Get(addr, "/metrics")
	if code != http.StatusOK || !strings.Contains(metrics, `controller="node"`) || !strings.Contains(metrics, "rockoon_node_dead_node_pods_deleted_total 0") {
		t.Errorf("/metrics %d without the node controller's metrics", code)
	}
	if strings.Contains(p.Log(), "Sync failed") {
		t.Errorf("a sync failed:\n%s", p.Log())
	}
}

// Roles not in the original's format stop the command at once.
func TestBadRoles(t *testing.T) {
	t.Setenv(node.RolesEnv, `{"compute": {"a": "1", "b": "1"}}`)
	p := testenv.StartCommand(t, runEnv, "--kubeconfig", env.KubeconfigPath, "--leader-elect=false",
		"--metrics-bind-address", "0", "--health-bind-address", "0")
	done := make(chan error, 1)
	go func() { done <- p.Cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(p.Log(), "want exactly one") {
			t.Errorf("exit %v, log %q", err, p.Log())
		}
	case <-time.After(30 * time.Second):
		t.Fatal("still running with bad roles")
	}
}
