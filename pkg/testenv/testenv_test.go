package testenv_test

import (
	"context"
	"os"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"rockoon.dev/rockoon/pkg/testenv"
)

func TestStartInstallsCRDsAndEnforcesRBAC(t *testing.T) {
	env := testenv.New(t, testenv.Options{})
	ctx := context.Background()

	admin := kubernetes.NewForConfigOrDie(env.Config)
	info, err := admin.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if info.GitVersion != "v"+testenv.KubeVersion {
		t.Errorf("server version %q, want v%s (Helm needs a parseable version)", info.GitVersion, testenv.KubeVersion)
	}
	resources, err := admin.Discovery().ServerResourcesForGroupVersion("lcm.mirantis.com/v1alpha1")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{
		"openstackdeployments": true, "openstackdeploymentstatus": true, "nodeworkloadlocks": true,
		"clusterworkloadlocks": true, "nodemaintenancerequests": true, "clustermaintenancerequests": true,
		"nodedeletionrequests": true, "nodedisablenotifications": true,
	}
	for _, r := range resources.APIResources {
		delete(want, r.Name)
	}
	if len(want) != 0 {
		t.Errorf("resources not served: %v", want)
	}

	// A minted user without bindings is authenticated but forbidden.
	cfg, err := env.UserConfig("alice", "developers")
	if err != nil {
		t.Fatal(err)
	}
	alice := kubernetes.NewForConfigOrDie(cfg)
	_, err = alice.CoreV1().Secrets("default").List(ctx, metav1.ListOptions{})
	if !apierrors.IsForbidden(err) {
		t.Fatalf("alice listing secrets: got %v, want Forbidden", err)
	}
	review, err := alice.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if review.Status.UserInfo.Username != "alice" {
		t.Errorf("authenticated as %q, want alice", review.Status.UserInfo.Username)
	}
}

func TestStopRemovesEverything(t *testing.T) {
	env, err := testenv.Start(context.Background(), testenv.Options{NoCRDs: true})
	if err != nil {
		t.Fatal(err)
	}
	dir := env.Dir
	env.Stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Stop: %v", dir, err)
	}
	if _, err := kubernetes.NewForConfigOrDie(env.Config).Discovery().ServerVersion(); err == nil {
		t.Error("apiserver still answers after Stop")
	}
	env.Stop() // idempotent
}

// TestFullClusterRollsOutDeployment runs the whole local cluster
// (controller-manager, scheduler, kwok): a Deployment on a fake node becomes
// available, so health logic can be tested against real rollouts.
func TestFullClusterRollsOutDeployment(t *testing.T) {
	env := testenv.New(t, testenv.Options{NoCRDs: true, ControllerManager: true, Scheduler: true, Kwok: true})
	ctx := context.Background()
	if _, err := env.FakeNode(ctx, "cmp-1", map[string]string{"openstack-compute-node": "enabled"}); err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(env.Config)
	labels := map[string]string{"app": "demo"}
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "demo", Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: new(int32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{
					NodeSelector: map[string]string{"openstack-compute-node": "enabled"},
					Containers:   []corev1.Container{{Name: "c", Image: "example.invalid/demo:1"}},
				},
			},
		},
	}
	if _, err := kube.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := kube.AppsV1().Deployments("default").Get(ctx, "demo", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return got.Status.ReadyReplicas == 2 && got.Status.UpdatedReplicas == 2 && got.Status.ObservedGeneration >= got.Generation, nil
	})
	if err != nil {
		pods, _ := kube.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		for _, p := range pods.Items {
			t.Logf("pod %s node=%q phase=%s conditions=%+v", p.Name, p.Spec.NodeName, p.Status.Phase, p.Status.Conditions)
		}
		nodes, _ := kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		for _, n := range nodes.Items {
			t.Logf("node %s taints=%v conditions=%+v", n.Name, n.Spec.Taints, n.Status.Conditions)
		}
		t.Fatalf("deployment did not become ready: %v", err)
	}
}

// With KwokPodDelay a pod becomes Ready only after the delay (read from
// the API's own timestamps: the pod's creation and its Ready transition).
func TestKwokPodDelay(t *testing.T) {
	env := testenv.New(t, testenv.Options{NoCRDs: true, ControllerManager: true, Scheduler: true, Kwok: true, KwokPodDelay: 3 * time.Second})
	ctx := context.Background()
	if _, err := env.FakeNode(ctx, "slow-1", map[string]string{"role": "slow"}); err != nil {
		t.Fatal(err)
	}
	kube := kubernetes.NewForConfigOrDie(env.Config)
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "slow", Namespace: "default"},
		Spec: corev1.PodSpec{NodeSelector: map[string]string{"role": "slow"},
			Containers: []corev1.Container{{Name: "c", Image: "example.invalid/slow:1"}}},
	}
	if _, err := kube.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var got *corev1.Pod
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		p, err := kube.CoreV1().Pods("default").Get(ctx, "slow", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		got = p
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("pod not Ready: %+v", got.Status)
	}
	var readyAt metav1.Time
	for _, c := range got.Status.Conditions {
		if c.Type == corev1.PodReady {
			readyAt = c.LastTransitionTime
		}
	}
	// Timestamps have a resolution of a second.
	if d := readyAt.Sub(got.CreationTimestamp.Time); d < 2*time.Second {
		t.Errorf("pod Ready %s after its creation, want at least the 3 s delay (less a second of resolution)", d)
	}
}
