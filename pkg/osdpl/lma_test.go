package osdpl_test

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/osdpl"
)

// StackLight's integration Secrets, in the LMA shared namespace of the
// controller's configuration: written during the reconcile (the core
// preset enables StackLight), rewritten when what they are derived from
// changes (the spec, or a hand-edited value), and not written at all when
// they already hold what the render derives.
func TestLMASharedSecrets(t *testing.T) {
	ns, lmaNS := "lma", "lma-shared-test"
	setup(t, ns)
	ctx := context.Background()
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: lmaNS}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	stop, obs := runObserved(t, osdpl.Config{Namespace: ns, LMASharedNamespace: lmaNS}, newMemReleases())
	defer stop()
	createOSDPL(t, ns, "lab")
	st := waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")

	get := func(name string) *corev1.Secret {
		t.Helper()
		s, err := kube.CoreV1().Secrets(lmaNS).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("Secret %s/%s: %v", lmaNS, name, err)
		}
		return s
	}
	sl, err := kube.CoreV1().Secrets(ns).Get(ctx, credentials.StackLightSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	creds := get("rabbitmq-creds")
	want := map[string]string{
		"username": string(sl.Data["username"]), "password": string(sl.Data["password"]),
		"hosts": `["openstack-rabbitmq-rabbitmq-0.rabbitmq.lma.svc.cluster.local:5672"]`, "vhost": "/openstack",
	}
	if got := strs(creds.Data); !equalStrings(got, want) {
		t.Errorf("rabbitmq-creds %v, want %v", got, want)
	}
	if !strings.HasPrefix(want["username"], "stacklight") || len(want["password"]) != 32 {
		t.Errorf("StackLight account %q", want["username"])
	}
	conf := `{"exporters": {"cloudprober": {"enabled": false}, "portprober": {"enabled": false}}}`
	if got := string(get("openstack-lma-config").Data["conf.json"]); got != conf {
		t.Errorf("conf.json %s, want %s", got, conf)
	}
	if _, err := kube.CoreV1().Secrets(ns).Get(ctx, "rabbitmq-creds", metav1.GetOptions{}); err == nil {
		t.Error("rabbitmq-creds written into the cloud's namespace too")
	}

	// A new pass deriving the same values writes neither Secret.
	lmaWrites := func() []string {
		var out []string
		for _, w := range obs.writes.list() {
			if strings.Contains(w, "/namespaces/"+lmaNS+"/") {
				out = append(out, w)
			}
		}
		return out
	}
	before := lmaWrites()
	if len(before) != 2 {
		t.Errorf("writes into %s: %v, want the two creations", lmaNS, before)
	}
	cfgRV := get("openstack-lma-config").ResourceVersion
	patchSpec(t, ns, "lab", `{"spec":{"features":{"logging":{"keystone":{"level":"DEBUG"}}}}}`)
	st = waitState(t, ns, "lab", lcmv1alpha1.StateApplied, st.Status.OSDPL.Fingerprint)
	if got := lmaWrites(); len(got) != len(before) {
		t.Errorf("an unchanged pass wrote into %s: %v", lmaNS, got[len(before):])
	}
	if get("rabbitmq-creds").ResourceVersion != creds.ResourceVersion || get("openstack-lma-config").ResourceVersion != cfgRV {
		t.Error("unchanged Secrets rewritten")
	}

	// A hand-edited value is put back, and a spec change reaches
	// openstack-lma-config (cloudprober enabled: its exporter is scraped).
	edited := get("rabbitmq-creds")
	edited.Data["hosts"] = []byte(`["elsewhere:5672"]`)
	if _, err := kube.CoreV1().Secrets(lmaNS).Update(ctx, edited, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	patchSpec(t, ns, "lab", `{"spec":{"features":{"services":["~app-gateway", "~compute", "~dashboard", "~image", "~ingress", "~networking", "~placement", "~coordination", "cloudprober"]}}}`)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, st.Status.OSDPL.Fingerprint)
	if got := strs(get("rabbitmq-creds").Data); !equalStrings(got, want) {
		t.Errorf("rabbitmq-creds after a hand edit %v, want %v", got, want)
	}
	conf = `{"exporters": {"cloudprober": {"enabled": true}, "portprober": {"enabled": false}}}`
	if got := string(get("openstack-lma-config").Data["conf.json"]); got != conf {
		t.Errorf("conf.json with cloudprober %s, want %s", got, conf)
	}
}

func strs(data map[string][]byte) map[string]string {
	out := map[string]string{}
	for k, v := range data {
		out[k] = string(v)
	}
	return out
}

func equalStrings(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}
