// Package examples holds example OpenStackDeployments; its test renders
// each one through the real openstack-helm charts and has the real API
// server accept every object with a server-side dry-run.
package examples

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/klog/v2/ktesting"
	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/testenv"
)

func TestExamplesThroughRealChartsAndServerDryRun(t *testing.T) {
	charts := testenv.SharedCharts(t)
	// The app-gateway chart's Gateway API and Envoy Gateway objects need
	// those CRDs.
	env := testenv.New(t, testenv.Options{GatewayCRDs: true})
	_, ctx := ktesting.NewTestContext(t)
	kube := kubernetes.NewForConfigOrDie(env.Config)
	dyn := dynamic.NewForConfigOrDie(env.Config)
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(kube.Discovery()))
	hm, err := helm.New(env.Config, helm.Options{ChartsDir: charts})
	if err != nil {
		t.Fatal(err)
	}
	// The charts' own CRDs (crds/, e.g. redisoperator's RedisFailover),
	// which Helm installs with the release and a render leaves out.
	chartCRDs, _ := filepath.Glob(filepath.Join(charts, "*", "*", "crds"))
	if err := testenv.InstallCRDs(ctx, env.Config, chartCRDs...); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob("*.yaml")
	if len(files) == 0 {
		t.Fatal("no examples")
	}
	for _, f := range files {
		t.Run(f, func(t *testing.T) {
			ex := loadExample(t, f)
			spec, ns := ex.spec, ex.namespace
			// The example's own objects (Secrets, the OpenStackDeployment
			// itself: its schema and CEL rules) pass a server-side dry-run.
			for _, obj := range ex.objects {
				objNS := obj.GetNamespace()
				if objNS == "" {
					objNS = ns
				}
				if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: objNS}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
					t.Fatal(err)
				}
				gvk := obj.GroupVersionKind()
				m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
				if err != nil {
					t.Fatal(err)
				}
				var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
				if m.Scope.Name() == meta.RESTScopeNameNamespace {
					ri = dyn.Resource(m.Resource).Namespace(objNS)
				}
				if _, err := ri.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil && !apierrors.IsAlreadyExists(err) {
					t.Errorf("%s %s refused: %v", gvk.Kind, obj.GetName(), err)
				}
			}
			in := render.Input{Spec: spec, Namespace: ns, Secrets: render.PlaceholderSecrets(spec, nil), ImagesBaseURL: "registry.example"}
			if ex.cephKeys != nil {
				keys, err := ceph.ParseKeys(ex.cephKeys)
				if err != nil {
					t.Fatal(err)
				}
				in.CephKeys = keys
			}
			r := &render.Renderer{Templates: templates.New(), Store: render.PlaceholderStore{}}
			res, err := r.Render(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Untemplated) > 0 {
				t.Errorf("services without a template: %v", res.Untemplated)
			}
			objects, kinds := 0, map[string]int{}
			for _, s := range res.Services {
				for _, rel := range s.Releases {
					// A service's own namespace (redis), which deploy/ creates.
					if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: rel.Namespace}}, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
						t.Fatal(err)
					}
					manifest, err := hm.Render(ctx, helm.Release{Name: rel.Name, Namespace: rel.Namespace, Group: rel.Group, Chart: rel.Chart, Values: rel.Values})
					if err != nil {
						t.Errorf("service %s: %v", s.Key, err)
						continue
					}
					for _, doc := range strings.Split(manifest, "\n---") {
						obj := &unstructured.Unstructured{}
						if err := yaml.Unmarshal([]byte(doc), &obj.Object); err != nil {
							t.Errorf("release %s: %v", rel.Name, err)
							continue
						}
						if len(obj.Object) == 0 {
							continue
						}
						gvk := obj.GroupVersionKind()
						m, err := mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
						if err != nil {
							t.Errorf("release %s: %s %s: %v", rel.Name, gvk.Kind, obj.GetName(), err)
							continue
						}
						client := dyn.Resource(m.Resource)
						var ri dynamic.ResourceInterface = client
						if m.Scope.Name() == meta.RESTScopeNameNamespace {
							ri = client.Namespace(rel.Namespace)
						}
						// Default field validation (warn), as Helm: the charts
						// carry fields the API drops (a pod-level
						// allowPrivilegeEscalation), which strict mode refuses.
						if _, err := ri.Create(ctx, obj, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil && !apierrors.IsAlreadyExists(err) {
							t.Errorf("release %s: %s %s refused: %v", rel.Name, gvk.Kind, obj.GetName(), err)
						}
						if gvk.Kind == "NetworkPolicy" {
							if open := openPeers(obj); len(open) > 0 {
								t.Errorf("release %s: NetworkPolicy %s admits every pod: %v", rel.Name, obj.GetName(), open)
							}
						}
						objects++
						kinds[gvk.Kind]++
					}
				}
			}
			t.Logf("%s: %d services, %d objects accepted by server-side dry-run: %v", f, len(res.Services), objects, kinds)
		})
	}
}

// openPeers lists the ingress peers of a NetworkPolicy that admit every
// pod of the namespace (a podSelector with no labels and no
// namespaceSelector), and rules without any peer (from every source).
func openPeers(np *unstructured.Unstructured) []string {
	rules, _, _ := unstructured.NestedSlice(np.Object, "spec", "ingress")
	var out []string
	for i, r := range rules {
		rm, _ := r.(map[string]any)
		from, _ := rm["from"].([]any)
		if len(from) == 0 {
			out = append(out, fmt.Sprintf("ingress[%d] has no peer", i))
		}
		for j, p := range from {
			pm, _ := p.(map[string]any)
			sel, hasPods := pm["podSelector"].(map[string]any)
			_, hasNS := pm["namespaceSelector"]
			if hasPods && !hasNS {
				if ml, _ := sel["matchLabels"].(map[string]any); len(ml) == 0 && sel["matchExpressions"] == nil {
					out = append(out, fmt.Sprintf("ingress[%d].from[%d] selects every pod", i, j))
				}
			}
		}
	}
	return out
}

// example is the content of one example file.
type example struct {
	spec      map[string]any
	namespace string
	cephKeys  map[string][]byte
	// objects are all documents of the file (Secrets, the osdpl).
	objects []*unstructured.Unstructured
}

func loadExample(t testing.TB, path string) example {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var ex example
	for _, doc := range strings.Split(string(data), "\n---") {
		j, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		obj := &unstructured.Unstructured{}
		if err := json.Unmarshal(j, &obj.Object); err != nil || len(obj.Object) == 0 {
			continue
		}
		ex.objects = append(ex.objects, obj)
		switch obj.GetKind() {
		case "Secret":
			if obj.GetName() == ceph.KeysSecret {
				var s corev1.Secret
				if err := json.Unmarshal(j, &s); err != nil {
					t.Fatal(err)
				}
				ex.cephKeys = s.Data
				if ex.cephKeys == nil {
					ex.cephKeys = map[string][]byte{}
				}
				for k, v := range s.StringData {
					ex.cephKeys[k] = []byte(v)
				}
			}
		case "OpenStackDeployment":
			v, err := layering.FromJSON(j)
			if err != nil {
				t.Fatal(err)
			}
			ex.spec = v.(map[string]any)["spec"].(map[string]any)
			ex.namespace = obj.GetNamespace()
			if ex.namespace == "" {
				ex.namespace = "openstack"
			}
		}
	}
	if ex.spec == nil {
		t.Fatalf("%s has no OpenStackDeployment", path)
	}
	return ex
}

// BenchmarkCoreSingleThroughCharts: the whole path of one reconcile minus
// the API server, for the core preset on one node — render every service
// (layering, templates, override layers) and then every release through its
// real chart with Helm's engine.
func BenchmarkCoreSingleThroughCharts(b *testing.B) {
	charts := testenv.SharedCharts(b)
	hm, err := helm.New(nil, helm.Options{ChartsDir: charts})
	if err != nil {
		b.Fatal(err)
	}
	ex := loadExample(b, "core-single-epoxy.yaml")
	ctx := context.Background()
	r := &render.Renderer{Templates: templates.New(), Store: render.PlaceholderStore{}}
	in := render.Input{Spec: ex.spec, Namespace: ex.namespace, Secrets: render.PlaceholderSecrets(ex.spec, nil), ImagesBaseURL: "registry.example"}
	releases := 0
	b.ReportAllocs()
	for b.Loop() {
		res, err := r.Render(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		releases = 0
		for _, s := range res.Services {
			for _, rel := range s.Releases {
				if _, err := hm.Render(ctx, helm.Release{Name: rel.Name, Namespace: rel.Namespace, Group: rel.Group, Chart: rel.Chart, Values: rel.Values}); err != nil {
					b.Fatal(err)
				}
				releases++
			}
		}
	}
	b.ReportMetric(float64(releases), "releases/op")
}
