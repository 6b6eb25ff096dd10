package osdpl_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/osdpl"
)

// setHealth writes osdplst status.health as the health binary would.
func setHealth(t *testing.T, ns string, h map[string]map[string]lcmv1alpha1.ComponentHealth) {
	t.Helper()
	patch, err := json.Marshal(map[string]any{"status": map[string]any{"health": h}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Patch(context.Background(), "lab", types.MergePatchType, patch, metav1.PatchOptions{FieldManager: "health"}); err != nil {
		t.Fatal(err)
	}
}

func ready(components ...string) map[string]lcmv1alpha1.ComponentHealth {
	out := map[string]lcmv1alpha1.ComponentHealth{}
	for _, c := range components {
		out[c] = lcmv1alpha1.ComponentHealth{Status: "Ready", Generation: 1}
	}
	return out
}

// With WaitHealthy a wave starts only once the earlier waves' applications
// are Ready in the osdplst; a wait past its timeout is Degraded with a
// Warning, and still waits; APPLIED follows once everything is Ready.
func TestWavesWaitForHealth(t *testing.T) {
	ns := "gated"
	setup(t, ns)
	rel := newMemReleases()
	_, obs := runObserved(t, osdpl.Config{Namespace: ns, WaitHealthy: true, HealthDelay: 200 * time.Millisecond, HealthTimeout: 2 * time.Second}, rel)
	createOSDPL(t, ns, "lab")

	// Wave 0 (database, messaging, memcached) is installed, then the
	// controller waits: identity is not installed.
	st := waitStatus(t, ns, "lab", 30*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return o.State == lcmv1alpha1.StateWaiting && strings.Contains(o.Cause, "before wave 1")
	})
	for _, app := range []string{"mariadb (database)", "memcached (memcached)", "rabbitmq (messaging)"} {
		if !strings.Contains(st.Status.OSDPL.Cause, app) {
			t.Errorf("cause %q does not name %s", st.Status.OSDPL.Cause, app)
		}
	}
	if got := rel.names(); slices.Contains(got, ns+"/openstack-keystone") || len(got) != 3 {
		t.Fatalf("releases %v: only wave 0 may be installed", got)
	}
	// Past the timeout (2 s): Degraded and a Warning naming the
	// applications, still waiting.
	waitEvent(t, ns, "Warning NotHealthy: waiting for mariadb (database), memcached (memcached), rabbitmq (messaging) to be Ready")
	// The Event, the condition and the osdplst cause are separate writes
	// of one pass: wait for all three before looking at the next passes.
	var degraded *metav1.Condition
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), "lab", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		degraded = meta.FindStatusCondition(o.Status.Conditions, lcmv1alpha1.ConditionDegraded)
		return degraded != nil && degraded.Status == metav1.ConditionTrue && strings.Contains(degraded.Message, "not Ready within the readiness timeout: mariadb after 2s"), nil
	}); err != nil {
		t.Errorf("Degraded: %+v", degraded)
	}
	waitStatus(t, ns, "lab", 10*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return strings.Contains(o.Cause, "not Ready within the readiness timeout: mariadb after 2s")
	})
	if slices.Contains(rel.names(), ns+"/openstack-keystone") {
		t.Fatal("identity installed while wave 0 is not Ready")
	}
	// Looking at the wait again (every 200 ms) writes nothing.
	before, syncs := len(obs.writes.list()), obs.syncs(t, "requeue")
	waitSyncsOf(t, obs, "requeue", syncs+3)
	if w := obs.writes.list(); len(w) != before {
		t.Errorf("a wait looked at again wrote: %v", w[before:])
	}

	// Wave 0 Ready (one component of rabbitmq not yet): still waiting.
	setHealth(t, ns, map[string]map[string]lcmv1alpha1.ComponentHealth{
		"mariadb": ready("server"), "memcached": ready("memcached"),
		"rabbitmq": {"server": {Status: "Unhealthy", Generation: 1}},
	})
	waitStatus(t, ns, "lab", 10*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return o.State == lcmv1alpha1.StateWaiting && strings.Contains(o.Cause, "waiting for rabbitmq (messaging) to be Ready")
	})
	if slices.Contains(rel.names(), ns+"/openstack-keystone") {
		t.Fatal("identity installed while rabbitmq is Unhealthy")
	}
	setHealth(t, ns, map[string]map[string]lcmv1alpha1.ComponentHealth{"rabbitmq": ready("server")})
	// Identity goes in; the pass then waits for keystone before APPLIED.
	waitStatus(t, ns, "lab", 10*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return o.State == lcmv1alpha1.StateWaiting && strings.Contains(o.Cause, "waiting for keystone (identity) to be Ready") && strings.Contains(o.Cause, "before APPLIED")
	})
	if !slices.Contains(rel.names(), ns+"/openstack-keystone") {
		t.Fatal("identity not installed once wave 0 is Ready")
	}
	if p := waitState(t, ns, "lab", lcmv1alpha1.StateWaiting, "").Status.OSDPL.LCMProgress; p != "4/4" {
		t.Errorf("progress %s while waiting before APPLIED, want 4/4", p)
	}
	// Looked at again, this wait writes nothing either: the progress of
	// the waves done before does not go back. (Once past keystone's
	// readiness timeout: crossing it is a change, Degraded, and is written.)
	waitStatus(t, ns, "lab", 10*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return strings.Contains(o.Cause, "not Ready within the readiness timeout: keystone")
	})
	waitEvent(t, ns, "Warning NotHealthy: waiting for keystone (identity) to be Ready")
	before, syncs = len(obs.writes.list()), obs.syncs(t, "requeue")
	waitSyncsOf(t, obs, "requeue", syncs+3)
	if w := obs.writes.list(); len(w) != before {
		t.Errorf("the wait before APPLIED looked at again wrote: %v", w[before:])
	}
	setHealth(t, ns, map[string]map[string]lcmv1alpha1.ComponentHealth{"keystone": ready("api")})
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !meta.IsStatusConditionTrue(o.Status.Conditions, lcmv1alpha1.ConditionReady) || meta.IsStatusConditionTrue(o.Status.Conditions, lcmv1alpha1.ConditionDegraded) {
		t.Errorf("conditions once healthy: %+v", o.Status.Conditions)
	}

	// An APPLIED cloud turning unhealthy is not a new rollout: an edit of
	// the last wave's service waits for nothing earlier, but APPLIED waits
	// for keystone again.
	setHealth(t, ns, map[string]map[string]lcmv1alpha1.ComponentHealth{"keystone": {"api": {Status: "Unhealthy"}}})
	patchSpec(t, ns, "lab", `{"spec":{"services":{"identity":{"keystone":{"values":{"conf":{"keystone":{"DEFAULT":{"debug":true}}}}}}}}}`)
	waitStatus(t, ns, "lab", 10*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return o.State == lcmv1alpha1.StateWaiting && strings.Contains(o.Cause, "waiting for keystone (identity) to be Ready (osdplst status.health) before APPLIED")
	})
}
