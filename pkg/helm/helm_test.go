package helm

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"rockoon.dev/rockoon/pkg/testenv"
)

// One real kube-apiserver + etcd for the package.
var (
	env       *testenv.Env
	clientset kubernetes.Interface
)

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{NoCRDs: true, StartTimeout: 2 * time.Minute}, func(e *testenv.Env) {
		env = e
		clientset = kubernetes.NewForConfigOrDie(env.Config)
	}))
}

// realCharts is ../shared/charts beside the repository (the test is
// skipped when it is absent).
var realCharts = testenv.SharedCharts

// testCharts are the small charts of testdata.
const testCharts = "testdata/charts"

// newManager returns a Manager on the test cluster; hooks are disabled
// (no pod ever runs in the test cluster).
func newManager(t testing.TB, opts Options) *Manager {
	t.Helper()
	if opts.ChartsDir == "" && opts.ChartRepository == "" {
		opts.ChartsDir = testCharts
	}
	opts.DisableHooks = true
	if opts.Timeout == 0 {
		opts.Timeout = time.Minute
	}
	m, err := New(env.Config, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func createNamespace(t testing.TB, name string) string {
	t.Helper()
	_, err := clientset.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return name
}

func history(t testing.TB, m *Manager, ns, name string) []*release.Release {
	t.Helper()
	h, err := m.History(context.Background(), ns, name)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// statuses renders a history as "1:superseded 2:deployed".
func statuses(h []*release.Release) string {
	var s []string
	for _, r := range h {
		s = append(s, fmt.Sprintf("%d:%s", r.Version, r.Info.Status))
	}
	return strings.Join(s, " ")
}

// storageSecrets returns name → resourceVersion of the storage Secrets of
// a release.
func storageSecrets(t testing.TB, ns, name string) map[string]string {
	t.Helper()
	list, err := clientset.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: "owner=helm,name=" + name})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, s := range list.Items {
		out[s.Name] = s.ResourceVersion
	}
	return out
}

func uid(t testing.TB, ns, kind, name string) types.UID {
	t.Helper()
	ctx := context.Background()
	var (
		obj metav1.Object
		err error
	)
	switch kind {
	case "Job":
		obj, err = clientset.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	case "StatefulSet":
		obj, err = clientset.AppsV1().StatefulSets(ns).Get(ctx, name, metav1.GetOptions{})
	case "PersistentVolumeClaim":
		obj, err = clientset.CoreV1().PersistentVolumeClaims(ns).Get(ctx, name, metav1.GetOptions{})
	default:
		t.Fatalf("kind %s", kind)
	}
	if err != nil {
		t.Fatalf("%s %s/%s: %v", kind, ns, name, err)
	}
	return obj.GetUID()
}

func configMapData(t testing.TB, ns, name string) map[string]string {
	t.Helper()
	cm, err := clientset.CoreV1().ConfigMaps(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("ConfigMap %s/%s: %v", ns, name, err)
	}
	return cm.Data
}

// jsonString is a canonical rendering of values for comparisons.
func jsonString(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func sortedKeys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
