package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/testenv"
)

// TestManifestsApply applies every resource of kustomization.yaml, in its
// order, to a real API server, and checks the shape of the pod.
func TestManifestsApply(t *testing.T) {
	env := testenv.New(t, testenv.Options{NoCRDs: true})
	ctx := context.Background()
	var kust struct{ Resources []string }
	data, err := os.ReadFile("kustomization.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &kust); err != nil {
		t.Fatal(err)
	}
	crds, _ := filepath.Glob("crds/*.yaml")
	listed := map[string]bool{}
	for _, r := range kust.Resources {
		listed[r] = true
	}
	for _, c := range crds {
		if !listed[c] {
			t.Errorf("%s is not in kustomization.yaml", c)
		}
	}

	kube := kubernetes.NewForConfigOrDie(env.Config)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(kube.Discovery()))
	crdsInstalled := false
	for _, file := range kust.Resources {
		if strings.HasPrefix(file, "crds/") {
			// Installed together, waiting until established and served.
			if !crdsInstalled {
				if err := testenv.InstallCRDs(ctx, env.Config, "crds"); err != nil {
					t.Fatal(err)
				}
				mapper.Reset()
				crdsInstalled = true
			}
			continue
		}
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		for _, doc := range strings.Split(string(raw), "\n---") {
			obj := &unstructured.Unstructured{}
			if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if len(obj.Object) == 0 {
				continue
			}
			gvk := obj.GroupVersionKind()
			m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
			if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			if _, err := dyn.Resource(m.Resource).Namespace(obj.GetNamespace()).Create(ctx, obj, metav1.CreateOptions{FieldValidation: "Strict"}); err != nil {
				t.Fatalf("%s: %s %s: %v", file, gvk.Kind, obj.GetName(), err)
			}
		}
	}

	d, err := kube.AppsV1().Deployments("osh-system").Get(ctx, "rockoon", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if *d.Spec.Replicas != 1 || d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("replicas %d strategy %s, want 1 and Recreate", *d.Spec.Replicas, d.Spec.Strategy.Type)
	}
	want := map[string]int32{"osdpl": 32768, "secrets": 32770, "health": 32771, "node": 32772, "ceph-exchange": 32774}
	for _, c := range d.Spec.Template.Spec.Containers {
		port, ok := want[c.Name]
		if !ok {
			t.Errorf("unexpected container %s", c.Name)
			continue
		}
		delete(want, c.Name)
		if c.Ports[0].ContainerPort != port || c.LivenessProbe.HTTPGet.Path != "/healthz" || c.ReadinessProbe.HTTPGet.Path != "/readyz" {
			t.Errorf("%s: port %d probes %s %s", c.Name, c.Ports[0].ContainerPort, c.LivenessProbe.HTTPGet.Path, c.ReadinessProbe.HTTPGet.Path)
		}
	}
	if len(want) != 0 {
		t.Errorf("missing containers: %v", want)
	}
}
