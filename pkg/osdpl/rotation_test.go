package osdpl_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/render"
)

// requestRotation sets a rotation_id in the osdpl status, as the user (or
// osctl) does through the status subresource.
func requestRotation(t *testing.T, ns, name string, set func(*lcmv1alpha1.DeploymentStatus)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		o, err := lcm.LcmV1alpha1().OpenStackDeployments(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		set(&o.Status)
		_, err = lcm.LcmV1alpha1().OpenStackDeployments(ns).UpdateStatus(context.Background(), o, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func serviceRotation(id int64) func(*lcmv1alpha1.DeploymentStatus) {
	return func(s *lcmv1alpha1.DeploymentStatus) {
		if s.Credentials == nil {
			s.Credentials = &lcmv1alpha1.CredentialsRotation{}
		}
		s.Credentials.Service = &lcmv1alpha1.RotationID{RotationID: id}
	}
}

func adminRotation(id int64) func(*lcmv1alpha1.DeploymentStatus) {
	return func(s *lcmv1alpha1.DeploymentStatus) {
		if s.Credentials == nil {
			s.Credentials = &lcmv1alpha1.CredentialsRotation{}
		}
		s.Credentials.Admin = &lcmv1alpha1.RotationID{RotationID: id}
	}
}

// waitRolledOut waits until the osdplst records rotation id of group as
// rolled out, the pass APPLIED.
func waitRolledOut(t *testing.T, ns, name, group string, id int64) *lcmv1alpha1.OpenStackDeploymentStatus {
	t.Helper()
	var st *lcmv1alpha1.OpenStackDeploymentStatus
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		var err error
		if st, err = lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(ctx, name, metav1.GetOptions{}); err != nil {
			return false, nil
		}
		r := st.Status.Rotations[group]
		return r.RotationID == id && r.RolledOut && st.Status.OSDPL != nil && st.Status.OSDPL.State == lcmv1alpha1.StateApplied, nil
	})
	if err != nil {
		t.Fatalf("rotation %d of %s not rolled out: %+v\nevents: %s", id, group, st.Status, strings.Join(events(t, ns), "\n"))
	}
	return st
}

func secret(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	s, err := kube.CoreV1().Secrets(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// field reads a JSON member of a Secret field.
func field(t *testing.T, s *corev1.Secret, key string, path ...string) string {
	t.Helper()
	m, _ := credentials.Decode(s.Data[key]).(map[string]any)
	v, _ := layering.Get(m, path...).(string)
	if v == "" {
		t.Fatalf("Secret %s: no %s.%s", s.Name, key, strings.Join(path, "."))
	}
	return v
}

// secretValues are every string value of the Secrets' fields (passwords,
// usernames, keys), for searching logs and Events.
func secretValues(secrets ...*corev1.Secret) []string {
	var out []string
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for _, x := range t {
				walk(x)
			}
		case string:
			if len(t) >= 12 {
				out = append(out, t)
			}
		}
	}
	for _, s := range secrets {
		for k, v := range s.Data {
			walk(credentials.Decode(v))
			_ = k
		}
	}
	return out
}

func value(t *testing.T, rel *memReleases, key string, path ...string) string {
	t.Helper()
	rel.mu.Lock()
	defer rel.mu.Unlock()
	v, _ := layering.Get(rel.values[key], path...).(string)
	return v
}

func valuesJSON(rel *memReleases, key string) string {
	rel.mu.Lock()
	defer rel.mu.Unlock()
	b, _ := json.Marshal(rel.values[key])
	return string(b)
}

// TestCredentialRotation rotates the service then the admin credentials of
// a deployed cloud: the backup Secret of each pair gets new passwords (same
// usernames) and becomes active, the releases that consume it are upgraded
// once with them, the old ones stay in the now-backup Secret, and nothing
// secret reaches the log or the Events. An unchanged rotation_id (restart,
// resyncs) then changes nothing.
func TestCredentialRotation(t *testing.T) {
	ns := "rotation"
	setup(t, ns)
	rel := newMemReleases()
	logger := ktesting.NewLogger(t, ktesting.NewConfig(ktesting.BufferLogs(true)))
	logs := func() string { return logger.GetSink().(ktesting.Underlier).GetBuffer().String() }
	stop, _ := runObservedCtx(t, klog.NewContext(context.Background(), logger), osdpl.Config{Namespace: ns}, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")

	const pair = "generated-identity-passwords"
	oldActive, oldBackup := secret(t, ns, pair), secret(t, ns, pair+"-1")
	adminBefore, adminBackupBefore := secret(t, ns, "openstack-admin-users"), secret(t, ns, "openstack-admin-users-1")
	keystone, rabbit := ns+"/openstack-keystone", ns+"/openstack-rabbitmq"
	oldDB := field(t, oldActive, "database", "user", "password")
	oldMsg := field(t, oldActive, "messaging", "user", "password")
	if got := value(t, rel, keystone, "endpoints", "oslo_db", "auth", "keystone", "password"); got != oldDB {
		t.Fatal("keystone does not use the active Secret's database password")
	}
	before := rel.snapshot()

	requestRotation(t, ns, "lab", serviceRotation(1))
	st := waitRolledOut(t, ns, "lab", "service", 1)

	newActive, nowBackup := secret(t, ns, pair+"-1"), secret(t, ns, pair)
	if newActive.Annotations[credentials.PriorityAnnotation] != "1" {
		t.Errorf("%s-1 priority %q, want 1", pair, newActive.Annotations[credentials.PriorityAnnotation])
	}
	if nowBackup.ResourceVersion != oldActive.ResourceVersion {
		t.Error("the previously active Secret was rewritten: its old passwords must stay for the releases not upgraded yet")
	}
	for _, f := range [][]string{{"database", "user"}, {"messaging", "user"}, {"notifications", "user"}, {"identity", "keystone"}, {"identity", "test"}} {
		oldUser, newUser := field(t, oldBackup, f[0], f[1], "username"), field(t, newActive, f[0], f[1], "username")
		oldPass, newPass := field(t, oldBackup, f[0], f[1], "password"), field(t, newActive, f[0], f[1], "password")
		if oldUser != newUser {
			t.Errorf("%s.%s: username changed by the rotation", f[0], f[1])
		}
		if oldPass == newPass || newPass == field(t, oldActive, f[0], f[1], "password") {
			t.Errorf("%s.%s: the password is not new", f[0], f[1])
		}
		if newUser == field(t, oldActive, f[0], f[1], "username") {
			t.Errorf("%s.%s: the old and the new account must differ so that both exist during the roll-out", f[0], f[1])
		}
	}
	if string(newActive.Data["memcached"]) != string(oldBackup.Data["memcached"]) {
		t.Error("memcached is not a rotated field")
	}
	if a, b := secret(t, ns, "openstack-admin-users"), secret(t, ns, "openstack-admin-users-1"); a.ResourceVersion != adminBefore.ResourceVersion || b.ResourceVersion != adminBackupBefore.ResourceVersion {
		t.Error("a service rotation touched the admin pair")
	}

	// Rolled out: keystone runs with the new account, RabbitMQ knows both
	// (the old one still used by pods not restarted yet).
	if got := value(t, rel, keystone, "endpoints", "oslo_db", "auth", "keystone", "password"); got != field(t, newActive, "database", "user", "password") {
		t.Error("keystone's database password is not the rotated one")
	}
	if got := value(t, rel, keystone, "endpoints", "identity", "auth", "keystone", "password"); got != field(t, newActive, "identity", "keystone", "password") {
		t.Error("keystone's identity password is not the rotated one")
	}
	if v := valuesJSON(rel, rabbit); !strings.Contains(v, field(t, newActive, "messaging", "user", "password")) || !strings.Contains(v, oldMsg) {
		t.Error("RabbitMQ must have the users of both Secrets of the pair")
	}
	after := rel.snapshot()
	for k, v := range after {
		want := before[k]
		if k == keystone || k == rabbit {
			want++
		}
		if v != want {
			t.Errorf("release %s: revision %d → %d, want %d", k, before[k], v, want)
		}
	}
	if r := st.Status.Rotations["service"]; r.Timestamp == "" {
		t.Errorf("rotation record %+v", r)
	}
	waitEvent(t, ns, "Normal Rotated: rotation_id 1 of service: new credentials active in the pairs generated-identity-passwords")

	// Admin rotation: the admin pair only; MariaDB gets the new root
	// password, keystone the new admin account.
	before = rel.snapshot()
	requestRotation(t, ns, "lab", adminRotation(1))
	waitRolledOut(t, ns, "lab", "admin", 1)
	newAdmin := secret(t, ns, "openstack-admin-users-1")
	if newAdmin.Annotations[credentials.PriorityAnnotation] != "1" || secret(t, ns, "openstack-admin-users").ResourceVersion != adminBefore.ResourceVersion {
		t.Error("admin rotation: -1 must be active, the base Secret untouched")
	}
	if field(t, newAdmin, "database", "username") != "root" || field(t, newAdmin, "messaging", "username") != "rabbitmq" ||
		field(t, newAdmin, "identity", "username") != field(t, adminBackupBefore, "identity", "username") {
		t.Error("admin rotation changed usernames")
	}
	if got := value(t, rel, ns+"/openstack-mariadb", "endpoints", "oslo_db", "auth", "admin", "password"); got != field(t, newAdmin, "database", "password") ||
		got == field(t, adminBefore, "database", "password") {
		t.Error("mariadb does not have the rotated root password")
	}
	if got := value(t, rel, keystone, "endpoints", "identity", "auth", "admin", "password"); got != field(t, newAdmin, "identity", "password") {
		t.Error("keystone does not have the rotated admin password")
	}
	if a, b := secret(t, ns, pair), secret(t, ns, pair+"-1"); a.ResourceVersion != nowBackup.ResourceVersion || b.ResourceVersion != newActive.ResourceVersion {
		t.Error("an admin rotation touched a service pair")
	}
	for k, v := range rel.snapshot() {
		if v > before[k]+1 {
			t.Errorf("release %s upgraded %d times by one rotation", k, v-before[k])
		}
	}

	// Nothing secret in the log or the Events.
	all := strings.Join(events(t, ns), "\n")
	log := logs()
	if !strings.Contains(log, "Rotated credentials") {
		t.Fatal("the log was not captured")
	}
	for _, s := range secretValues(oldActive, oldBackup, newActive, adminBefore, adminBackupBefore, newAdmin) {
		if strings.Contains(log, s) || strings.Contains(all, s) {
			t.Fatalf("a secret value is in the log or the Events")
		}
	}

	// Unchanged rotation_ids: a restart and resyncs write nothing and
	// upgrade nothing.
	stop()
	before = rel.snapshot()
	rvs := map[string]string{}
	for _, n := range []string{pair, pair + "-1", "openstack-admin-users", "openstack-admin-users-1"} {
		rvs[n] = secret(t, ns, n).ResourceVersion
	}
	_, obs := runObserved(t, osdpl.Config{Namespace: ns, Resync: time.Second}, rel)
	waitSyncs(t, obs, 3)
	if w := obs.writes.list(); len(w) != 0 {
		t.Errorf("unchanged rotation_ids: %d writes: %v", len(w), w)
	}
	if fmt.Sprint(rel.snapshot()) != fmt.Sprint(before) {
		t.Errorf("unchanged rotation_ids: revisions %v → %v", before, rel.snapshot())
	}
	for n, rv := range rvs {
		if secret(t, ns, n).ResourceVersion != rv {
			t.Errorf("Secret %s rewritten", n)
		}
	}
}

// failRotationRecord makes the osdplst patch that records a rotation fail,
// as if the controller died right after switching the Secrets.
func failRotationRecord(rt http.RoundTripper) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if r.Method == http.MethodPatch && strings.Contains(r.URL.Path, "openstackdeploymentstatus") && r.GetBody != nil {
			if body, err := r.GetBody(); err == nil {
				b, _ := io.ReadAll(body)
				if strings.Contains(string(b), `"rotations"`) {
					return nil, errors.New("injected: the controller stops here")
				}
			}
		}
		return rt.RoundTrip(r)
	})
}

// TestRotationResumedAfterRestart: the controller stops after the priority
// switch and before the roll-out; the next one rolls the credentials out
// without rotating them a second time.
func TestRotationResumedAfterRestart(t *testing.T) {
	ns := "rotation-restart"
	setup(t, ns)
	rel := newMemReleases()
	stop := run(t, ns, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	stop()
	const pair = "generated-identity-passwords"
	keystone := ns + "/openstack-keystone"
	before := rel.snapshot()

	stop, obs := runObserved(t, osdpl.Config{Namespace: ns}, rel, failRotationRecord)
	requestRotation(t, ns, "lab", serviceRotation(1))
	waitSyncsOf(t, obs, "error", 2)
	stop()
	switched := secret(t, ns, pair+"-1")
	if switched.Annotations[credentials.PriorityAnnotation] != "1" {
		t.Fatal("the first controller did not switch the pair")
	}
	if fmt.Sprint(rel.snapshot()) != fmt.Sprint(before) {
		t.Fatal("the roll-out must not start before the rotation is recorded")
	}
	if st, _ := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(context.Background(), "lab", metav1.GetOptions{}); len(st.Status.Rotations) != 0 {
		t.Fatalf("recorded despite the failure: %+v", st.Status.Rotations)
	}
	base := secret(t, ns, pair)

	run(t, ns, rel)
	waitRolledOut(t, ns, "lab", "service", 1)
	if s := secret(t, ns, pair+"-1"); s.ResourceVersion != switched.ResourceVersion {
		t.Error("the restarted controller rotated the pair a second time")
	}
	if s := secret(t, ns, pair); s.ResourceVersion != base.ResourceVersion {
		t.Error("the restarted controller rewrote the previously active Secret")
	}
	if got := value(t, rel, keystone, "endpoints", "oslo_db", "auth", "keystone", "password"); got != field(t, switched, "database", "user", "password") {
		t.Error("the roll-out after the restart did not bring the rotated password to keystone")
	}
	if rel.snapshot()[keystone] != before[keystone]+1 {
		t.Errorf("keystone revision %d → %d", before[keystone], rel.snapshot()[keystone])
	}
	waitEvent(t, ns, "Normal Rotated: rotation_id 1 of service: the Secrets were already rotated for it")
}

// failingReleases fails every Apply while failing is set.
type failingReleases struct {
	*memReleases
	failing atomic.Bool
}

func (f *failingReleases) Apply(ctx context.Context, r render.Release) (bool, error) {
	if f.failing.Load() {
		return false, errors.New("injected: helm upgrade failed")
	}
	return f.memReleases.Apply(ctx, r)
}

// TestRotationWaitsForThePreviousRollOut: a rotation requested while the
// previous one is not rolled out (releases failing) does not touch the
// backup Secrets, which releases not upgraded yet still use; it starts as
// soon as the roll-out ends APPLIED.
func TestRotationWaitsForThePreviousRollOut(t *testing.T) {
	ns := "rotation-wait"
	setup(t, ns)
	rel := &failingReleases{memReleases: newMemReleases()}
	_, obs := runObserved(t, osdpl.Config{Namespace: ns}, rel)
	createOSDPL(t, ns, "lab")
	waitState(t, ns, "lab", lcmv1alpha1.StateApplied, "")
	const pair = "generated-identity-passwords"
	keystone := ns + "/openstack-keystone"
	original := secret(t, ns, pair)

	rel.failing.Store(true)
	requestRotation(t, ns, "lab", serviceRotation(1))
	waitState(t, ns, "lab", lcmv1alpha1.StateFailed, "")
	errs := obs.syncs(t, "error")
	requestRotation(t, ns, "lab", serviceRotation(2))
	waitSyncsOf(t, obs, "error", errs+2)
	if s := secret(t, ns, pair); s.ResourceVersion != original.ResourceVersion {
		t.Fatal("rotation 2 rewrote the Secret keystone still runs with")
	}
	if got := value(t, rel.memReleases, keystone, "endpoints", "oslo_db", "auth", "keystone", "password"); got != field(t, original, "database", "user", "password") {
		t.Fatal("keystone must still have the original password")
	}
	st, _ := lcm.LcmV1alpha1().OpenStackDeploymentStatus(ns).Get(context.Background(), "lab", metav1.GetOptions{})
	if r := st.Status.Rotations["service"]; r.RotationID != 1 || r.RolledOut {
		t.Fatalf("record %+v, want rotation 1 not rolled out", r)
	}

	rel.failing.Store(false)
	waitRolledOut(t, ns, "lab", "service", 2)
	second := secret(t, ns, pair)
	if second.Annotations[credentials.PriorityAnnotation] != "2" || field(t, second, "database", "user", "password") == field(t, original, "database", "user", "password") {
		t.Error("rotation 2 did not rotate the base Secret after the roll-out of 1")
	}
	if got := value(t, rel.memReleases, keystone, "endpoints", "oslo_db", "auth", "keystone", "password"); got != field(t, second, "database", "user", "password") {
		t.Error("keystone does not have the credentials of rotation 2")
	}

	// An amphora CA rotation without a load balancer: recorded, nothing
	// generated, nothing upgraded.
	before := rel.snapshot()
	requestRotation(t, ns, "lab", func(s *lcmv1alpha1.DeploymentStatus) {
		s.Certificates = &lcmv1alpha1.CertificatesRotation{Octavia: &lcmv1alpha1.OctaviaCertificates{Amphora: &lcmv1alpha1.RotationID{RotationID: 1}}}
	})
	waitRolledOut(t, ns, "lab", "octavia-amphora", 1)
	if _, err := kube.CoreV1().Secrets(ns).Get(context.Background(), credentials.OctaviaAmphoraCerts, metav1.GetOptions{}); err == nil {
		t.Error("the amphora CA was created for a cloud without load balancer")
	}
	if fmt.Sprint(rel.snapshot()) != fmt.Sprint(before) {
		t.Errorf("amphora rotation without load balancer: revisions %v → %v", before, rel.snapshot())
	}
}
