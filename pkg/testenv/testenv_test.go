package testenv_test

import (
	"context"
	"os"
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
