package osdpl_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
)

// redis is installed in its own namespace (openstack-redis, with its
// password Secret) and, removed, uninstalled from there.
func TestRedisInItsOwnNamespace(t *testing.T) {
	ns := "redis-ns"
	setup(t, ns)
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "openstack-redis"}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	patchSpec(t, ns, "lab", `{"spec":{"features":{"services":["~app-gateway","~compute","~dashboard","~image","~ingress","~networking","~placement","~coordination","redis"]}}}`)
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, ok := rel.snapshot()["openstack-redis/openstack-redis-operator"]
		return ok, nil
	})
	if err != nil {
		t.Fatalf("redis not installed in openstack-redis: %v", rel.names())
	}
	if _, ok := rel.snapshot()[ns+"/openstack-redis-operator"]; ok {
		t.Error("redis installed in the cloud's namespace")
	}
	if _, err := kube.CoreV1().Secrets("openstack-redis").Get(ctx, "generated-redis-password", metav1.GetOptions{}); err != nil {
		t.Errorf("redis password Secret: %v", err)
	}
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")

	patchSpec(t, ns, "lab", `{"spec":{"features":{"services":["~app-gateway","~compute","~dashboard","~image","~ingress","~networking","~placement","~coordination"]}}}`)
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, ok := rel.snapshot()["openstack-redis/openstack-redis-operator"]
		return !ok, nil
	})
	if err != nil {
		t.Fatalf("redis not uninstalled from openstack-redis: %v", rel.names())
	}
}
