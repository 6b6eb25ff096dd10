package render

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/conformance"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/testenv"
)

// The end-to-end conformance: every OpenStackDeployment of the original's
// corpus (../shared/reference-fixtures/e2e) goes through the controller's
// own input gathering (Sources.Gather, over the cluster Secrets the
// original saw), render and release selection (Managed), and is compared
// with what the original installs: the merged spec leaf by leaf with
// mspec.json, every non-secret leaf of every release of a templated
// service with <service>__<release>.json, and the release set of those
// services with index.json. Match rates per service may not drop below
// testdata/e2e-baseline.yaml (a ratchet); accepted differences are listed
// with their reason in testdata/e2e-known-differences/<service>.yaml
// (mspec.yaml for the merged spec).

type e2eCase struct {
	dir, ctx string
}

func e2eCases(t *testing.T) []e2eCase {
	root := testenv.SharedDir(t, "reference-fixtures", "e2e")
	entries, err := os.ReadDir(root)
	if err != nil {
		t.Fatal(err)
	}
	var out []e2eCase
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e2eCase{dir: filepath.Join(root, e.Name()), ctx: e.Name()})
		}
	}
	return out
}

func readJSON(t testing.TB, path string) any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	v, err := layering.FromJSON(data)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return v
}

// clusterSecrets loads secrets.json as Secrets of a cluster, and returns
// the secret strings they hold (decoded, JSON members included): an
// expected leaf holding one is a secret leaf.
func clusterSecrets(t testing.TB, path string) ([]*corev1.Secret, []string) {
	var raw map[string]struct {
		Data   map[string]string `json:"data"`
		Labels map[string]string `json:"labels"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	var out []*corev1.Secret
	var strs []string
	for _, key := range slices.Sorted(maps.Keys(raw)) {
		ns, name, _ := strings.Cut(key, "/")
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: raw[key].Labels}, Data: map[string][]byte{}}
		for k, v := range raw[key].Data {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("%s %s: %v", key, k, err)
			}
			s.Data[k] = b
			strs = append(strs, secretStrings(b)...)
		}
		out = append(out, s)
	}
	return out, strs
}

func secretStrings(b []byte) []string {
	var v any
	if json.Unmarshal(b, &v) != nil {
		v = string(b)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, x := range t {
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		case string:
			if len(t) > 10 {
				out = append(out, t)
			}
		}
	}
	walk(v)
	return out
}

// e2eRender renders one corpus directory as the controller would. The
// original's StackLight integration Secrets (namespace
// openstack-lma-shared) are not loaded: the render writes them, and
// checkLMAShared compares them with the original's.
func e2eRender(t testing.TB, dir string) (*Result, []string) {
	t.Helper()
	obj := readYAML(t, filepath.Join(dir, "osdpl.yaml"))
	meta := obj["metadata"].(map[string]any)
	name, _ := meta["name"].(string)
	ns, _ := meta["namespace"].(string)
	secrets, strs := clusterSecrets(t, filepath.Join(dir, "secrets.json"))
	kube := fake.NewClientset(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: DefaultLMASharedNamespace}})
	var lma []*corev1.Secret
	for _, s := range secrets {
		if s.Namespace == DefaultLMASharedNamespace {
			lma = append(lma, s)
			continue
		}
		if _, err := kube.CoreV1().Secrets(s.Namespace).Create(context.Background(), s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	defer checkLMAShared(t, filepath.Base(dir), kube, lma)
	// The controller defaults of the original's run: no images base URL
	// (ctx-ussuri_ceph_local_non_dvr_local_proxy, the one spec without
	// spec.artifacts.images_base_url, has "" in mspec.json); the binary
	// one is never observable (every spec sets it).
	src := Sources{Kube: kube, CephSharedNamespace: ceph.SharedNamespace,
		ImagesBaseURL: "", BinaryBaseURL: "https://artifactory.mcp.mirantis.net/binary-dev-kaas-local"}
	ctx := context.Background()
	in, err := src.Gather(ctx, name, ns, obj["spec"].(map[string]any))
	if err != nil {
		t.Fatal(err)
	}
	// The controller's store: existing Secrets are read, missing ones generated.
	r := &Renderer{Templates: templates.New(), Store: ClusterStore{Client: kube, Namespace: ns, FieldManager: "e2e"}}
	res, err := r.Render(ctx, in)
	if err != nil {
		t.Fatalf("%s: %v", filepath.Base(dir), err)
	}
	res.Services = Managed(res.MSpec, false, res.Services)
	return res, strs
}

// checkLMAShared: the StackLight integration Secrets the render wrote are
// the original's, data byte for byte (no more, no fewer).
func checkLMAShared(t testing.TB, ctx string, kube *fake.Clientset, want []*corev1.Secret) {
	t.Helper()
	got, err := kube.CoreV1().Secrets(DefaultLMASharedNamespace).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]map[string][]byte{}
	for _, s := range got.Items {
		ours[s.Name] = s.Data
	}
	for _, w := range want {
		data, ok := ours[w.Name]
		switch {
		case !ok:
			t.Errorf("%s: Secret %s/%s not written", ctx, w.Namespace, w.Name)
		case !maps.EqualFunc(data, w.Data, bytes.Equal):
			t.Errorf("%s: Secret %s/%s keys %v, want %v", ctx, w.Namespace, w.Name, decodeStrings(data), decodeStrings(w.Data))
		}
		delete(ours, w.Name)
	}
	for name := range ours {
		t.Errorf("%s: Secret %s/%s written, the original has none", ctx, DefaultLMASharedNamespace, name)
	}
}

// decodeStrings shows Secret data in a failure message (test values
// only: the corpus's stand-in credentials).
func decodeStrings(data map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}

func TestE2EConformance(t *testing.T) {
	baseline, err := conformance.LoadBaseline("testdata/e2e-baseline.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ceiling, err := conformance.LoadCeiling("testdata/e2e-ceiling.yaml")
	if err != nil {
		t.Fatal(err)
	}
	known := func(name string) []*conformance.KnownDifference {
		kd, err := conformance.LoadKnownDifferences(filepath.Join("testdata", "e2e-known-differences", name+".yaml"))
		if err != nil {
			t.Fatal(err)
		}
		return kd
	}
	tallies := map[string]*conformance.Tally{}
	tally := func(name string, secret []string) *conformance.Tally {
		tl, ok := tallies[name]
		if !ok {
			tl = &conformance.Tally{Known: known(name)}
			tallies[name] = tl
		}
		tl.Skip = func(_ string, want any) bool {
			s, ok := want.(string)
			if !ok {
				return false
			}
			for _, sec := range secret {
				if strings.Contains(s, sec) {
					return true
				}
			}
			return false
		}
		return tl
	}
	untemplated := map[string]int{}
	for _, c := range e2eCases(t) {
		res, secret := e2eRender(t, c.dir)
		tally("mspec", nil).Compare(c.ctx, "mspec", readJSON(t, filepath.Join(c.dir, "mspec.json")), res.MSpec)

		index := readJSON(t, filepath.Join(c.dir, "index.json")).(map[string]any)
		ours := map[string]Service{}
		for _, s := range res.Services {
			ours[s.Key] = s
		}
		for _, svc := range slices.Sorted(maps.Keys(index)) {
			s, ok := ours[svc]
			if !ok {
				untemplated[svc]++
				continue
			}
			tl := tally(svc, secret)
			var want, got []string
			for _, rc := range index[svc].([]any) {
				pair := rc.([]any)
				rel := pair[0].(string)
				want = append(want, fmt.Sprintf("%s(%s)", rel, pair[1]))
				var values any
				for _, r := range s.Releases {
					if r.Name == rel {
						values = jsonValues(t, r.Values)
					}
				}
				tl.Compare(c.ctx, rel, canonicalPolicies(readJSON(t, filepath.Join(c.dir, svc+"__"+rel+".json"))), canonicalPolicies(values))
			}
			for _, r := range s.Releases {
				got = append(got, fmt.Sprintf("%s(%s)", r.Name, r.Chart))
			}
			sort.Strings(want)
			sort.Strings(got)
			if !slices.Equal(want, got) {
				tl.Fail(c.ctx, "releases", fmt.Sprintf("releases %v, want %v", got, want))
			}
		}
		for svc, s := range ours {
			if _, ok := index[svc]; !ok {
				tally(svc, secret).Fail(c.ctx, "releases", fmt.Sprintf("service rendered, the original installs no release of it: %d releases", len(s.Releases)))
			}
		}
	}
	for _, name := range slices.Sorted(maps.Keys(tallies)) {
		tl := tallies[name]
		t.Run(name, func(t *testing.T) {
			logDiffs(t, tl)
			for _, p := range conformance.Unused(tl.Known) {
				t.Errorf("known difference %s of %s explains no difference: remove it", p, name)
			}
			t.Log(tl.Summary(name))
			if err := baseline.Check(name, tl.Rate()); err != nil {
				t.Error(err)
			}
			if lower, err := ceiling.Check(name, len(tl.Diffs)); err != nil {
				t.Error(err)
			} else if lower {
				t.Logf("%s: %d unexplained differences, below the ceiling %d of testdata/e2e-ceiling.yaml: lower it", name, len(tl.Diffs), ceiling[name])
			}
		})
	}
	t.Logf("services without a template (releases not compared): %v", untemplated)
}

// logDiffs logs the differences grouped by leaf path (contexts counted),
// most frequent first.
func logDiffs(t *testing.T, tl *conformance.Tally) {
	groups := map[string][]string{}
	for _, d := range tl.Diffs {
		ctx, msg, _ := strings.Cut(d, ": ")
		key := msg
		if i := strings.Index(msg, ": want"); i > 0 {
			key = msg[:i]
		}
		groups[key] = append(groups[key], ctx+" "+strings.TrimPrefix(msg, key))
	}
	keys := slices.SortedFunc(maps.Keys(groups), func(a, b string) int {
		if d := len(groups[b]) - len(groups[a]); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		g := groups[k]
		t.Logf("%dx %s (e.g. %s)", len(g), k, g[0])
	}
}

// canonicalPolicies sorts, in place, the peers of every NetworkPolicy
// ingress rule (network_policy.<object>.spec.ingress[].from) and the
// rules: they are alternatives, their order means nothing to Kubernetes,
// and the original's order follows its graph's source order, which its
// published graph (sorted) does not keep.
func canonicalPolicies(values any) any {
	m, _ := values.(map[string]any)
	np, _ := m["network_policy"].(map[string]any)
	for _, obj := range np {
		rules, _ := layering.Get(obj.(map[string]any), "spec", "ingress").([]any)
		for _, r := range rules {
			if rm, ok := r.(map[string]any); ok {
				if from, ok := rm["from"].([]any); ok {
					sortByJSON(from)
				}
			}
		}
		sortByJSON(rules)
	}
	return values
}

func sortByJSON(list []any) {
	key := func(v any) string { b, _ := json.Marshal(v); return string(b) }
	sort.SliceStable(list, func(i, j int) bool { return key(list[i]) < key(list[j]) })
}

// jsonValues is the values as Helm gets them (JSON types).
func jsonValues(t testing.TB, v map[string]any) any {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := layering.FromJSON(b)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
