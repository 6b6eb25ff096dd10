package node_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/node"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/operator/operatortest"
	"rockoon.dev/rockoon/pkg/testenv"
)

var (
	env  *testenv.Env
	kube kubernetes.Interface
	lcm  versioned.Interface
)

// The API server alone: nothing but the test changes a node's status.
func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{}, func(e *testenv.Env) {
		env = e
		kube = kubernetes.NewForConfigOrDie(e.Config)
		lcm = versioned.NewForConfigOrDie(e.Config)
	}))
}

const wait = 30 * time.Second

// binary is one running node binary.
type binary struct{ *operatortest.Binary }

// start runs the node binary's work for cfg (cfg.Namespace the cloud's),
// resyncing every second.
func start(t *testing.T, cfg node.Config) *binary {
	t.Helper()
	cfg.Resync = time.Second
	return &binary{operatortest.Start(t, env.Config, "node", cfg.Namespace, func(ctx context.Context, rt *operator.Runtime) error {
		return node.Run(ctx, rt, cfg)
	})}
}

// quiet asserts that b writes nothing for a few resyncs.
func (b *binary) quiet(t *testing.T) { t.Helper(); b.Quiet(t, 2500*time.Millisecond) }

func namespace(t *testing.T, name string) {
	t.Helper()
	if _, err := kube.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func cloud(t *testing.T, ns string) {
	t.Helper()
	o := &lcmv1alpha1.OpenStackDeployment{ObjectMeta: metav1.ObjectMeta{Name: "lab", Namespace: ns},
		Spec: lcmv1alpha1.OpenStackDeploymentSpec{OpenStackVersion: "epoxy", Preset: "core", Size: "single", PublicDomainName: "cloud.example.test"}}
	if _, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Create(context.Background(), o, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// mkNode creates a Node (no kubelet, no kwok: its status is the test's).
func mkNode(t *testing.T, name string, labels map[string]string, finalizers ...string) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels, Finalizers: finalizers}}
	if _, err := kube.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func getNode(t *testing.T, name string) *corev1.Node {
	t.Helper()
	n, err := kube.CoreV1().Nodes().Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func patchNode(t *testing.T, name, patch string) {
	t.Helper()
	if _, err := kube.CoreV1().Nodes().Patch(context.Background(), name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
}

// setReady sets the node's Ready condition, last transition at since.
func setReady(t *testing.T, name string, status corev1.ConditionStatus, since time.Time) {
	t.Helper()
	ts := metav1.NewTime(since).UTC().Format(time.RFC3339)
	patch := fmt.Sprintf(`{"status": {"conditions": [{"type": "Ready", "status": %q, "reason": "Test", "lastHeartbeatTime": %q, "lastTransitionTime": %q}]}}`, status, ts, ts)
	if _, err := kube.CoreV1().Nodes().Patch(context.Background(), name, types.StrategicMergePatchType, []byte(patch), metav1.PatchOptions{}, "status"); err != nil {
		t.Fatal(err)
	}
}

func deleteNode(t *testing.T, name string) {
	t.Helper()
	if err := kube.CoreV1().Nodes().Delete(context.Background(), name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// lock returns the node's NodeWorkloadLock, nil when there is none.
func lock(t *testing.T, nodeName string) *lcmv1alpha1.NodeWorkloadLock {
	t.Helper()
	l, err := lcm.LcmV1alpha1().NodeWorkloadLocks().Get(context.Background(), node.LockName(nodeName), metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func lockIs(t *testing.T, nodeName string, present bool) {
	t.Helper()
	testenv.Eventually(t, wait, fmt.Sprintf("lock of %s present=%v", nodeName, present), func() (bool, string) {
		l := lock(t, nodeName)
		return (l != nil) == present, fmt.Sprintf("lock %v", l != nil)
	})
}

// labelsAre waits until the node's rockoon-* labels are exactly want.
func labelsAre(t *testing.T, name string, want ...string) {
	t.Helper()
	testenv.Eventually(t, wait, "internal labels of "+name, func() (bool, string) {
		var got []string
		for k, v := range getNode(t, name).Labels {
			if strings.HasPrefix(k, "rockoon-") {
				got = append(got, k+"="+v)
			}
		}
		slices.Sort(got)
		return slices.Equal(got, want), fmt.Sprintf("%v, want %v", got, want)
	})
}

const release = "25.1"

// Roles → labels and locks: created with the original's spec, annotation
// and state, following label changes, deleted when the node loses its
// roles or goes (kept while a NodeDisableNotification names it), put back
// when deleted by hand, re-activated for another release; the kopf
// finalizer removed; zero writes on resync.
func TestRolesLabelsAndLocks(t *testing.T) {
	ctx := context.Background()
	namespace(t, "roles")
	cmp := map[string]string{"openstack-compute-node": "enabled"}
	mkNode(t, "cmp-1", cmp, "lcm.mirantis.com/rockoon.node-finalizer", "example.com/keep")
	mkNode(t, "ctl-1", map[string]string{"openstack-control-plane": "enabled", "openstack-gateway": "enabled"})
	mkNode(t, "plain-1", map[string]string{"openstack-compute-node": "disabled", "rockoon-openstack-compute-node": "controller"})
	mkNode(t, "dis-1", cmp)
	// A lock an older release released.
	old, err := lcm.LcmV1alpha1().NodeWorkloadLocks().Create(ctx, &lcmv1alpha1.NodeWorkloadLock{
		ObjectMeta: metav1.ObjectMeta{Name: node.LockName("dis-1")},
		Spec:       lcmv1alpha1.NodeWorkloadLockSpec{ControllerName: "openstack", NodeName: "dis-1"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	old.Status = lcmv1alpha1.WorkloadLockStatus{State: lcmv1alpha1.LockInactive, Release: "24.3"}
	if _, err := lcm.LcmV1alpha1().NodeWorkloadLocks().UpdateStatus(ctx, old, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}

	b := start(t, node.Config{Namespace: "roles", ClusterRelease: release})
	labelsAre(t, "cmp-1", "rockoon-openstack-compute-node=controller")
	labelsAre(t, "ctl-1", "rockoon-openstack-control-plane=controller", "rockoon-openstack-gateway=controller")
	labelsAre(t, "plain-1")
	lockIs(t, "cmp-1", true)
	testenv.Eventually(t, wait, "the locks' state", func() (bool, string) {
		a, d := lock(t, "cmp-1"), lock(t, "dis-1")
		return a.Status.State == lcmv1alpha1.LockActive && a.Status.Release == release && d.Status.State == lcmv1alpha1.LockActive && d.Status.Release == release,
			fmt.Sprintf("cmp-1 %+v, dis-1 %+v", a.Status, d.Status)
	})
	l := lock(t, "cmp-1")
	if l.Spec.ControllerName != "openstack" || l.Spec.NodeName != "cmp-1" || l.Spec.NodeDeletionRequestSupported == nil || !*l.Spec.NodeDeletionRequestSupported {
		t.Errorf("lock spec %+v", l.Spec)
	}
	var orig struct {
		APIVersion, Kind string
		Metadata         struct {
			Name   string
			Labels map[string]string
		}
		Spec map[string]any
	}
	if err := json.Unmarshal([]byte(l.Annotations[node.OriginalNodeAnnotation]), &orig); err != nil {
		t.Fatalf("original-node annotation %q: %v", l.Annotations[node.OriginalNodeAnnotation], err)
	}
	if orig.APIVersion != "v1" || orig.Kind != "Node" || orig.Metadata.Name != "cmp-1" || orig.Metadata.Labels["rockoon-openstack-compute-node"] != "controller" || orig.Spec == nil {
		t.Errorf("original-node annotation %+v", orig)
	}
	if lock(t, "plain-1") != nil {
		t.Errorf("a lock for a node without a role")
	}
	if f := getNode(t, "cmp-1").Finalizers; !slices.Equal(f, []string{"example.com/keep"}) {
		t.Errorf("finalizers %v, want the original's removed and the other kept", f)
	}
	b.quiet(t)

	// A lock in maintenance (inactive, this release) is left as it is.
	l = lock(t, "cmp-1")
	l.Status.State = lcmv1alpha1.LockInactive
	if _, err := lcm.LcmV1alpha1().NodeWorkloadLocks().UpdateStatus(ctx, l, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	b.quiet(t)
	if s := lock(t, "cmp-1").Status.State; s != lcmv1alpha1.LockInactive {
		t.Errorf("lock in maintenance became %s", s)
	}

	// One role of two removed: its label goes, the lock stays with the
	// node's labels of now; the other removed too: the lock goes.
	patchNode(t, "ctl-1", `{"metadata": {"labels": {"openstack-control-plane": null}}}`)
	labelsAre(t, "ctl-1", "rockoon-openstack-gateway=controller")
	testenv.Eventually(t, wait, "original-node annotation following the labels", func() (bool, string) {
		a := lock(t, "ctl-1").Annotations[node.OriginalNodeAnnotation]
		return json.Valid([]byte(a)) && !strings.Contains(a, "openstack-control-plane"), a
	})
	patchNode(t, "ctl-1", `{"metadata": {"labels": {"openstack-gateway": "disabled"}}}`)
	labelsAre(t, "ctl-1")
	lockIs(t, "ctl-1", false)

	// Deleted by hand: put back.
	if err := lcm.LcmV1alpha1().NodeWorkloadLocks().Delete(ctx, node.LockName("cmp-1"), metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, wait, "the lock put back", func() (bool, string) {
		l := lock(t, "cmp-1")
		return l != nil && l.Status.State == lcmv1alpha1.LockActive, fmt.Sprintf("%v", l)
	})

	// A node gone: its lock goes, unless a notification says it is
	// merely disabled (then it goes with the notification).
	deleteNode(t, "cmp-1")
	lockIs(t, "cmp-1", false)
	if _, err := lcm.LcmV1alpha1().NodeDisableNotifications().Create(ctx, &lcmv1alpha1.NodeDisableNotification{
		ObjectMeta: metav1.ObjectMeta{Name: "dis-1"}, Spec: lcmv1alpha1.NodeSpec{NodeName: "dis-1.example.test"},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	deleteNode(t, "dis-1")
	b.quiet(t)
	if lock(t, "dis-1") == nil {
		t.Fatalf("the lock of a disabled node was deleted")
	}
	if err := lcm.LcmV1alpha1().NodeDisableNotifications().Delete(ctx, "dis-1", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	lockIs(t, "dis-1", false)
	b.quiet(t)
}

// A restart resumes from the API state: what changed while the binary was
// down converges, and a start over a converged cluster writes nothing.
func TestRestart(t *testing.T) {
	namespace(t, "restart")
	cmp := map[string]string{"openstack-compute-node": "enabled"}
	mkNode(t, "rs-1", cmp)
	mkNode(t, "rs-2", cmp)
	b := start(t, node.Config{Namespace: "restart"})
	lockIs(t, "rs-1", true)
	lockIs(t, "rs-2", true)
	b.Stop()

	deleteNode(t, "rs-1")
	patchNode(t, "rs-2", `{"metadata": {"labels": {"openstack-compute-node": null, "openstack-gateway": "enabled"}}}`)
	mkNode(t, "rs-3", cmp)
	b = start(t, node.Config{Namespace: "restart"})
	lockIs(t, "rs-1", false)
	lockIs(t, "rs-3", true)
	labelsAre(t, "rs-2", "rockoon-openstack-gateway=controller")
	labelsAre(t, "rs-3", "rockoon-openstack-compute-node=controller")
	testenv.Eventually(t, wait, "rs-2's lock following its labels", func() (bool, string) {
		a := lock(t, "rs-2").Annotations[node.OriginalNodeAnnotation]
		return strings.Contains(a, "rockoon-openstack-gateway") && !strings.Contains(a, "openstack-compute-node"), a
	})
	b.quiet(t)
	b.Stop()

	b = start(t, node.Config{Namespace: "restart"})
	time.Sleep(time.Second) // the informers' first lists and every node's sync
	b.quiet(t)
	if w := b.Writes.Count(); w != 0 {
		t.Errorf("%d writes at a start over a converged cluster: %v", w, b.Writes.Since(0))
	}
}

// mkPod creates a pod bound to the node.
func mkPod(t *testing.T, ns, name, nodeName string) {
	t.Helper()
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "c", Image: "registry.example/c"}}}}
	if _, err := kube.CoreV1().Pods(ns).Create(context.Background(), p, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// pods returns the names of the namespace's pods.
func pods(t *testing.T, ns string) []string {
	t.Helper()
	list, err := kube.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, p := range list.Items {
		out = append(out, p.Name)
	}
	slices.Sort(out)
	return out
}

func podsAre(t *testing.T, ns string, want ...string) {
	t.Helper()
	if got := pods(t, ns); !slices.Equal(got, want) {
		t.Errorf("pods of %s: %v, want %v", ns, got, want)
	}
}

// A node NotReady: nothing before the flapping timeout (across a restart
// in the middle), then the cloud namespace's pods on it force-deleted;
// pods of other nodes and namespaces untouched, a pod put back on the dead
// node afterwards left alone, a Ready node's pods untouched, zero writes
// on resync.
func TestDeadNode(t *testing.T) {
	namespace(t, "dead")
	namespace(t, "dead-other")
	cloud(t, "dead")
	mkNode(t, "dead-1", map[string]string{"openstack-compute-node": "enabled"})
	mkNode(t, "alive-1", map[string]string{"openstack-compute-node": "enabled"})
	setReady(t, "dead-1", corev1.ConditionTrue, time.Now().Add(-time.Hour))
	setReady(t, "alive-1", corev1.ConditionTrue, time.Now().Add(-time.Hour))
	mkPod(t, "dead", "nova-compute-a", "dead-1")
	mkPod(t, "dead", "mariadb-server-0", "dead-1")
	mkPod(t, "dead", "nova-compute-b", "alive-1")
	mkPod(t, "dead-other", "other-a", "dead-1")

	const timeout = 5 * time.Second
	cfg := node.Config{Namespace: "dead", FlappingTimeout: timeout}
	b := start(t, cfg)
	lockIs(t, "dead-1", true)
	b.quiet(t)

	notReady := time.Now().Truncate(time.Second) // the condition's precision
	setReady(t, "dead-1", corev1.ConditionFalse, notReady)
	time.Sleep(1500 * time.Millisecond)
	podsAre(t, "dead", "mariadb-server-0", "nova-compute-a", "nova-compute-b")
	// A restart while waiting: the new process waits for the same
	// deadline, from the condition.
	b.Stop()
	b = start(t, cfg)
	time.Sleep(time.Until(notReady.Add(timeout - time.Second)))
	podsAre(t, "dead", "mariadb-server-0", "nova-compute-a", "nova-compute-b")
	testenv.Eventually(t, wait, "the dead node's pods deleted", func() (bool, string) {
		got := pods(t, "dead")
		return slices.Equal(got, []string{"nova-compute-b"}), fmt.Sprint(got)
	})
	if since := time.Since(notReady); since < timeout {
		t.Errorf("pods deleted %s after NotReady, before the %s timeout", since, timeout)
	}
	podsAre(t, "dead-other", "other-a")
	testenv.Eventually(t, wait, "the deletion's log", func() (bool, string) {
		return strings.Contains(b.Log(), "Pods force-deleted from a dead node"), "not logged"
	})

	// A pod put back on the dead node (a DaemonSet's) stays.
	mkPod(t, "dead", "ovs-agent-x", "dead-1")
	b.quiet(t)
	podsAre(t, "dead", "nova-compute-b", "ovs-agent-x")
}

// Dead nodes are cleared only while the cloud exists.
func TestDeadNodeWithoutCloud(t *testing.T) {
	namespace(t, "nocloud")
	mkNode(t, "gone-1", nil)
	mkPod(t, "nocloud", "keystone-api-a", "gone-1")
	time.Sleep(time.Second) // the pod is older than the NotReady transition
	setReady(t, "gone-1", corev1.ConditionUnknown, time.Now())
	b := start(t, node.Config{Namespace: "nocloud", FlappingTimeout: time.Second})
	time.Sleep(time.Second)
	b.quiet(t)
	podsAre(t, "nocloud", "keystone-api-a")
	cloud(t, "nocloud")
	testenv.Eventually(t, wait, "the pod deleted once the cloud exists", func() (bool, string) {
		got := pods(t, "nocloud")
		return len(got) == 0, fmt.Sprint(got)
	})
}
