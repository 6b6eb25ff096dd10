package osdpl_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/render"
)

// scripted wraps memReleases: before applying a release, hook may return
// an error (or block).
type scripted struct {
	*memReleases
	hook    func(ctx context.Context, r render.Release) error
	mu      sync.Mutex
	applied []string
}

func (s *scripted) Apply(ctx context.Context, r render.Release) (bool, error) {
	s.mu.Lock()
	s.applied = append(s.applied, r.Name)
	s.mu.Unlock()
	if s.hook != nil {
		if err := s.hook(ctx, r); err != nil {
			return false, err
		}
	}
	return s.memReleases.Apply(ctx, r)
}

func (s *scripted) calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string{}, s.applied...)
}

func countEvents(t *testing.T, ns, fragment string) int {
	n := 0
	for _, e := range events(t, ns) {
		if strings.Contains(e, fragment) {
			n++
		}
	}
	return n
}

// A busy release is a wait: WAITING with the reason, one Normal Event,
// requeued without backoff, never FAILED or Degraded; it completes once
// the release is free.
func TestBusyReleaseIsAWaitNotAFailure(t *testing.T) {
	ns := "waiting"
	setup(t, ns)
	var busy atomic.Bool
	busy.Store(true)
	rel := &scripted{memReleases: newMemReleases(), hook: func(_ context.Context, r render.Release) error {
		if r.Name == "openstack-keystone" && busy.Load() {
			return osdpl.Waiting(errors.New("revision 1 is pending-install since 3s"))
		}
		return nil
	}}
	run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	st := waitState(t, ns, "lab", lcmv1alpha1.StateWaiting, "")
	if !strings.Contains(st.Status.OSDPL.Cause, "pending-install") || st.Status.Services["identity"].State != lcmv1alpha1.StateWaiting {
		t.Errorf("osdplst: %+v, identity %+v", st.Status.OSDPL, st.Status.Services["identity"])
	}
	// Several requeues (300 ms apart) later: still one Event, not Degraded.
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		n := 0
		for _, c := range rel.calls() {
			if c == "openstack-keystone" {
				n++
			}
		}
		return n >= 4, nil
	}); err != nil {
		t.Fatalf("the wait was not requeued: %v", rel.calls())
	}
	if n := countEvents(t, ns, "Normal Waiting"); n != 1 {
		t.Errorf("%d Waiting Events, want 1: %v", n, events(t, ns))
	}
	if n := countEvents(t, ns, "Warning"); n != 0 {
		t.Errorf("a wait made Warning Events: %v", events(t, ns))
	}
	o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if meta.IsStatusConditionTrue(o.Status.Conditions, lcmv1alpha1.ConditionDegraded) {
		t.Errorf("a wait set Degraded: %+v", o.Status.Conditions)
	}
	busy.Store(false)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
}

// A failing release: the service and the osdpl are FAILED with the cause,
// Degraded, one Warning Event naming the release; later waves are not
// started and the retries back off.
func TestApplyFailureStopsLaterWaves(t *testing.T) {
	ns := "failing"
	setup(t, ns)
	var fail atomic.Bool
	fail.Store(true)
	rel := &scripted{memReleases: newMemReleases(), hook: func(_ context.Context, r render.Release) error {
		if r.Name == "openstack-mariadb" && fail.Load() {
			return errors.New(`create: failed to create: Secret "sh.helm.release.v1.openstack-mariadb.v1" is invalid: data: Too long: must have at most 1048576 bytes`)
		}
		return nil
	}}
	runWith(t, osdpl.Config{Namespace: ns, RetryBase: 200 * time.Millisecond, RetryMax: time.Second}, rel)
	createOSDPL(t, ns, "lab")
	st := waitState(t, ns, "lab", lcmv1alpha1.StateFailed, "")
	if db := st.Status.Services["database"]; db.State != lcmv1alpha1.StateFailed || !strings.Contains(db.Cause, "release openstack-mariadb") {
		t.Errorf("database service: %+v", db)
	}
	waitEvent(t, ns, "Warning Failed: service database: release openstack-mariadb (chart mariadb): create: failed to create")
	// A few retries later: keystone (wave 1) was never applied, one
	// Warning per cause.
	if err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		n := 0
		for _, c := range rel.calls() {
			if c == "openstack-mariadb" {
				n++
			}
		}
		return n >= 3, nil
	}); err != nil {
		t.Fatalf("not retried: %v", rel.calls())
	}
	for _, c := range rel.calls() {
		if c == "openstack-keystone" {
			t.Fatalf("a later wave was started after a failure: %v", rel.calls())
		}
	}
	if n := countEvents(t, ns, "Warning Failed"); n != 1 {
		t.Errorf("%d Warning Events for one cause, want 1", n)
	}
	o, _ := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), "lab", metav1.GetOptions{})
	if !meta.IsStatusConditionTrue(o.Status.Conditions, lcmv1alpha1.ConditionDegraded) {
		t.Errorf("Degraded not set: %+v", o.Status.Conditions)
	}
	fail.Store(false)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
}

// Stopping the controller (shutdown, lost lease) in the middle of a
// rollout: the action in flight finishes, nothing after it starts.
func TestStopEndsTheSyncAtAReleaseBoundary(t *testing.T) {
	ns := "stopping"
	setup(t, ns)
	entered := make(chan struct{})
	release := make(chan struct{})
	var finished atomic.Bool
	rel := &scripted{memReleases: newMemReleases(), hook: func(ctx context.Context, r render.Release) error {
		if r.Name == "openstack-mariadb" {
			close(entered)
			<-release // an action in flight, that ignores ctx
			finished.Store(true)
		}
		return nil
	}}
	stop := run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	select {
	case <-entered:
	case <-time.After(30 * time.Second):
		t.Fatal("mariadb never applied")
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("the controller returned before the action in flight finished")
	case <-time.After(300 * time.Millisecond):
	}
	close(release)
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("the controller did not stop")
	}
	if !finished.Load() {
		t.Error("the action in flight was cut")
	}
	for _, c := range rel.calls() {
		if c == "openstack-keystone" {
			t.Errorf("a release was started after the stop: %v", rel.calls())
		}
	}
	// A new controller resumes and finishes.
	rel.hook = nil
	run(t, ns, rel)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
}

// A deleted or emptied credentials Secret of a deployed cloud is restored
// with the values the deployed releases use: no new values, no upgrade, a
// Warning Event naming it.
func TestDeletedCredentialsAreRestored(t *testing.T) {
	ns := "restored"
	setup(t, ns)
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	ctx := context.Background()
	secrets := kube.CoreV1().Secrets(ns)
	for _, name := range []string{"generated-identity-passwords", "openstack-admin-users", "generated-galera-passwords"} {
		orig, err := secrets.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		before := rel.snapshot()
		if name == "generated-galera-passwords" {
			// Emptied rather than deleted.
			emptied := orig.DeepCopy()
			emptied.Data = nil
			if _, err := secrets.Update(ctx, emptied, metav1.UpdateOptions{}); err != nil {
				t.Fatal(err)
			}
		} else if err := secrets.Delete(ctx, name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptr.To(orig.UID)}}); err != nil {
			t.Fatal(err)
		}
		waitEvent(t, ns, "Warning CredentialsRestored: Secret "+name)
		got, err := secrets.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		checkRestored(t, rel, orig, got)
		waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
		if after := rel.snapshot(); len(after) != len(before) {
			t.Errorf("releases changed: %v → %v", before, after)
		} else {
			for k, v := range before {
				if after[k] != v {
					t.Errorf("%s: revision %d → %d: credentials were rotated", k, v, after[k])
				}
			}
		}
	}
}

// checkRestored: every value of orig a deployed release uses is back in
// got; a key no release uses may have been generated anew.
func checkRestored(t *testing.T, rel *memReleases, orig, got *corev1.Secret) {
	t.Helper()
	deployed := rel.valuesJSON()
	restored := 0
	for k, v := range orig.Data {
		if sameCredential(got.Data[k], v) {
			restored++
			continue
		}
		for _, leaf := range secretLeaves(v) {
			if strings.Contains(deployed, leaf) {
				t.Errorf("Secret %s key %s: a value the deployed releases use was not restored", orig.Name, k)
			}
		}
	}
	if restored == 0 {
		t.Errorf("Secret %s: nothing restored", orig.Name)
	}
}

// A credentials Secret lost in the middle of a pass (after the pass looked
// for missing Secrets, before it rendered) is not generated anew: the pass
// waits, the next one restores it from the deployed values; no release
// changes.
func TestCredentialsLostInThePassAreNotRegenerated(t *testing.T) {
	ns := "midpass"
	const name = "generated-identity-passwords"
	setup(t, ns)
	rel := newMemReleases()
	stop := run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	stop()
	ctx := context.Background()
	orig, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before := rel.snapshot()
	// The controller's first read of the Secret (the look for missing
	// credentials) is answered, then the Secret is deleted.
	var armed atomic.Bool
	armed.Store(true)
	path := "/api/v1/namespaces/" + ns + "/secrets/" + name
	deleteAfterFirstRead := func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := rt.RoundTrip(r)
			if err == nil && r.Method == http.MethodGet && r.URL.Path == path && armed.CompareAndSwap(true, false) {
				if derr := kube.CoreV1().Secrets(ns).Delete(r.Context(), name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptr.To(orig.UID)}}); derr != nil {
					t.Errorf("deleting %s: %v", name, derr)
				}
			}
			return resp, err
		})
	}
	runObserved(t, osdpl.Config{Namespace: ns}, rel, deleteAfterFirstRead)
	waitEvent(t, ns, "Warning CredentialsRestored: Secret "+name)
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	if armed.Load() {
		t.Fatal("the controller never read the Secret")
	}
	got, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkRestored(t, rel, orig, got)
	if after := rel.snapshot(); fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("releases changed: %v → %v (credentials rotated)", before, after)
	}
}

// An osdplst left by a deleted osdpl of the same name is not reused.
func TestStaleStatusObjectIsReplaced(t *testing.T) {
	ns := "stale"
	setup(t, ns)
	ctx := context.Background()
	stale := &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{
		Name: "lab", Namespace: ns, Finalizers: []string{lcmv1alpha1.OSDPLStatusFinalizer},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: "lcm.mirantis.com/v1alpha1", Kind: "OpenStackDeployment", Name: "lab", UID: "00000000-dead-beef-0000-000000000000", Controller: ptr.To(true)}},
	}}
	created, err := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Create(ctx, stale, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	st := waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "lab", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ref := metav1.GetControllerOf(st); ref == nil || ref.UID != o.UID || st.UID == created.UID {
		t.Errorf("osdplst not replaced: owner %+v", st.OwnerReferences)
	}
}

// A refused duplicate that carries the finalizer is finalized when
// deleted; the served one is untouched.
func TestDeletedDuplicateIsFinalized(t *testing.T) {
	ns := "dupdelete"
	setup(t, ns)
	rel := newMemReleases()
	run(t, ns, rel)
	createOSDPL(t, ns, "first")
	waitState(t, ns, "first", lcmv1alpha1.StateApplied, "")
	before := rel.snapshot()
	createOSDPL(t, ns, "second")
	waitEvent(t, ns, "Warning Duplicate")
	ctx := context.Background()
	patchSpec(t, ns, "second", `{"metadata":{"finalizers":["`+lcmv1alpha1.OSDPLFinalizer+`"]}}`)
	if err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Delete(ctx, "second", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(ctx, "second", metav1.GetOptions{})
		return err != nil, nil
	}); err != nil {
		t.Fatal("the deleted duplicate was never finalized")
	}
	if after := rel.snapshot(); len(after) != len(before) {
		t.Errorf("deleting the duplicate changed the served cloud: %v → %v", before, after)
	}
}

// valuesJSON is every release's values, as one JSON document.
func (m *memReleases) valuesJSON() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, _ := json.Marshal(m.values)
	return string(b)
}

// secretLeaves returns the secret strings of a credential value: the value
// itself, or the string members of a JSON object (usernames excepted).
func secretLeaves(v []byte) []string {
	var obj map[string]any
	if err := json.Unmarshal(v, &obj); err != nil {
		return []string{string(v)}
	}
	var out []string
	for k, x := range obj {
		if s, ok := x.(string); ok && k != "username" && len(s) >= 8 {
			out = append(out, s)
		}
	}
	return out
}

// sameCredential compares two credential values: equal bytes, or equal
// JSON objects (the restored encoding may differ in spacing and order).
func sameCredential(a, b []byte) bool {
	if string(a) == string(b) {
		return true
	}
	var x, y map[string]any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}
