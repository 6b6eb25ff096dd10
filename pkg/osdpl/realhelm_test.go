package osdpl_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2/ktesting"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/testenv"
)

// revisionsOf counts the stored revisions of every release of ns.
func revisionsOf(t *testing.T, m *helm.Manager, ns string) map[string]int {
	t.Helper()
	out := map[string]int{}
	list, err := m.List(context.Background(), ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		h, err := m.History(context.Background(), ns, r.Name)
		if err != nil {
			t.Fatal(err)
		}
		out[r.Name] = h[len(h)-1].Version
	}
	return out
}

// TestRealChartsThroughHelm runs the controller with the real Helm driver
// and the real openstack-helm charts: the four services are installed,
// credentials written beforehand in the original's format are adopted as
// they are, one edit upgrades one release, a restart changes nothing, a
// release left pending by a killed process is recovered, and deletion
// uninstalls everything.
func TestRealChartsThroughHelm(t *testing.T) {
	charts := testenv.SharedCharts(t)
	_, ctx := ktesting.NewTestContext(t)
	ns := "realhelm"
	setup(t, ns)
	m, err := helm.New(env.Config, helm.Options{ChartsDir: charts, DisableHooks: true, Timeout: 2 * time.Minute, PendingTimeout: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	// Credentials of a cloud deployed by the original.
	adopted := map[string][]byte{
		"identity":  []byte(`{"username": "adminQACDSM6FBTH2L", "password": "ZUqTyP2XwsgEGKZ7qNhhecYyq9NLkGE6"}`),
		"database":  []byte(`{"username": "root", "password": "QACDSM6FBTH2LuXjTuRQ6DXhD8bSgPbn"}`),
		"messaging": []byte(`{"username": "rabbitmq", "password": "2tnAuP0j9MsgaVHErehZkC5HCK3ZxYLr"}`),
	}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: credentials.AdminUsersSecret}, Data: adopted}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	stop := run(t, ns, osdpl.HelmReleases{Manager: m})
	createOSDPL(t, ns, "lab")
	st := waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")

	revs := revisionsOf(t, m, ns)
	want := map[string]int{"openstack-keystone": 1, "openstack-mariadb": 1, "openstack-memcached": 1, "openstack-rabbitmq": 1}
	if len(revs) != 4 || revs["openstack-keystone"] != 1 || revs["openstack-mariadb"] != 1 {
		t.Fatalf("releases %v, want %v", revs, want)
	}
	vals, err := m.GetValues(ctx, ns, "openstack-mariadb")
	if err != nil {
		t.Fatal(err)
	}
	root := vals["endpoints"].(map[string]any)["oslo_db"].(map[string]any)["auth"].(map[string]any)["admin"].(map[string]any)
	if root["password"] != "QACDSM6FBTH2LuXjTuRQ6DXhD8bSgPbn" {
		t.Errorf("mariadb root password %v: the adopted Secret must be used", root["password"])
	}
	got, _ := kube.CoreV1().Secrets(ns).Get(ctx, credentials.AdminUsersSecret, metav1.GetOptions{})
	for k, v := range adopted {
		if string(got.Data[k]) != string(v) {
			t.Errorf("adopted %s changed: %s", k, got.Data[k])
		}
	}
	if _, err := kube.AppsV1().Deployments(ns).Get(ctx, "keystone-api", metav1.GetOptions{}); err != nil {
		t.Errorf("the keystone chart's Deployment is not there: %v", err)
	}
	var galera struct{ SST credentials.UserPass }
	g, _ := kube.CoreV1().Secrets(ns).Get(ctx, credentials.GaleraSecret, metav1.GetOptions{})
	if err := json.Unmarshal(g.Data["sst"], &galera.SST); err != nil || galera.SST.Username != "sst" {
		t.Errorf("generated-galera-passwords sst in the original's format: %s", g.Data["sst"])
	}

	// One edit: one new revision.
	patchSpec(t, ns, "lab", `{"spec":{"services":{"memcached":{"memcached":{"values":{"pod":{"replicas":{"server":2}}}}}}}}`)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, st.Status.OSDPL.Fingerprint)
	after := revisionsOf(t, m, ns)
	for name, rev := range after {
		wantRev := revs[name]
		if name == "openstack-memcached" {
			wantRev++
		}
		if rev != wantRev {
			t.Errorf("%s revision %d, want %d", name, rev, wantRev)
		}
	}

	// A killed process left keystone pending-upgrade; restart: recovered,
	// and no other release gets a revision.
	stop()
	cfgHist, _ := m.History(ctx, ns, "openstack-keystone")
	last := cfgHist[len(cfgHist)-1]
	last.SetStatus(release.StatusPendingUpgrade, "killed")
	if err := updateRelease(m, ns, last); err != nil {
		t.Fatal(err)
	}
	patchSpec(t, ns, "lab", `{"spec":{"services":{"identity":{"keystone":{"values":{"conf":{"keystone":{"DEFAULT":{"debug":true}}}}}}}}}`)
	before := revisionsOf(t, m, ns)
	run(t, ns, osdpl.HelmReleases{Manager: m})
	err = wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		h, err := m.History(ctx, ns, "openstack-keystone")
		return err == nil && h[len(h)-1].Info.Status == release.StatusDeployed && h[len(h)-1].Version > last.Version, nil
	})
	if err != nil {
		t.Fatal("the pending keystone release was not recovered")
	}
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	for name, rev := range revisionsOf(t, m, ns) {
		if name != "openstack-keystone" && rev != before[name] {
			t.Errorf("%s got a revision on restart: %d → %d", name, before[name], rev)
		}
	}

	// Delete: every release uninstalled, the object gone.
	deleteAndWait(t, m, ns, "lab")
	if names := strings.Join(eventsReasons(t, ns), ","); !strings.Contains(names, "Delete") {
		t.Errorf("no Delete events: %s", names)
	}
}

func eventsReasons(t *testing.T, ns string) []string {
	var out []string
	for _, e := range events(t, ns) {
		out = append(out, e)
	}
	return out
}

func updateRelease(m *helm.Manager, ns string, rel *release.Release) error {
	rel.Namespace = ns
	return m.UpdateStored(context.Background(), rel)
}
