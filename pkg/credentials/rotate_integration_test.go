package credentials_test

import (
	"encoding/json"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2/ktesting"

	"rockoon.dev/rockoon/pkg/credentials"
)

func users(t *testing.T, raw []byte) map[string]credentials.UserPass {
	t.Helper()
	var m map[string]credentials.UserPass
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v", raw, err)
	}
	return m
}

func TestRotateServiceKeepsUsernamesAndKeptFields(t *testing.T) {
	gen := func(svc, chart string) map[string][]byte {
		out := map[string][]byte{}
		for _, f := range credentials.ServicePasswords(svc, chart).Fields {
			v := f.Generate()
			if s, ok := v.(string); ok {
				out[f.Key] = []byte(s)
				continue
			}
			b, _ := json.Marshal(v)
			out[f.Key] = b
		}
		return out
	}
	for _, tc := range []struct{ svc, chart, protected, kept string }{
		{"alarming", "aodh", "aodh", ""},
		{"orchestration", "heat", "heat_trustee", ""},
		{"key-manager", "barbican", "", "kek"},
		{"networking", "neutron", "", "metadata_secret"},
	} {
		active, backup := gen(tc.svc, tc.chart), gen(tc.svc, tc.chart)
		backup["extra"] = []byte("user's")
		activeCopy := map[string]string{}
		for k, v := range active {
			activeCopy[k] = string(v)
		}
		got, err := credentials.RotateService(active, backup)
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range active {
			if activeCopy[k] != string(v) {
				t.Errorf("%s: the active data changed at %s", tc.svc, k)
			}
		}
		for _, key := range []string{"database", "messaging", "notifications", "identity"} {
			old, now, act := users(t, backup[key]), users(t, got[key]), users(t, active[key])
			if len(now) != len(old) {
				t.Errorf("%s %s: members %v → %v", tc.svc, key, old, now)
			}
			for name, u := range now {
				wantUser := old[name].Username
				if key == "identity" && name == tc.protected {
					wantUser = act[name].Username
				}
				if u.Username != wantUser {
					t.Errorf("%s %s.%s: username %q, want %q", tc.svc, key, name, u.Username, wantUser)
				}
				if u.Password == old[name].Password || u.Password == act[name].Password || len(u.Password) != 32 {
					t.Errorf("%s %s.%s: the password is not new", tc.svc, key, name)
				}
			}
		}
		if string(got["memcached"]) != string(backup["memcached"]) || string(got["extra"]) != "user's" {
			t.Errorf("%s: fields other than the rotated ones must stay the backup's", tc.svc)
		}
		if tc.kept != "" && string(got[tc.kept]) != string(active[tc.kept]) {
			t.Errorf("%s: %s must be copied from the active Secret", tc.svc, tc.kept)
		}
	}
}

func TestRotateAdminNewPasswordsSameUsernames(t *testing.T) {
	gen := func() map[string][]byte {
		out := map[string][]byte{}
		for _, f := range credentials.AdminUsers().Fields {
			b, _ := json.Marshal(f.Generate())
			out[f.Key] = b
		}
		return out
	}
	active, backup := gen(), gen()
	got, err := credentials.RotateAdmin(active, backup)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"identity", "database", "messaging"} {
		var old, now credentials.UserPass
		_ = json.Unmarshal(backup[key], &old)
		_ = json.Unmarshal(got[key], &now)
		if now.Username != old.Username || now.Password == old.Password || len(now.Password) != 32 {
			t.Errorf("%s: %q → %q (password new: %v)", key, old.Username, now.Username, now.Password != old.Password)
		}
	}
	if _, err := credentials.RotateAdmin(active, map[string][]byte{"identity": []byte("plain"), "database": backup["database"], "messaging": backup["messaging"]}); err == nil || strings.Contains(err.Error(), "plain") {
		t.Errorf("a field that is not a JSON object must be an error naming the field, not its value: %v", err)
	}
}

func TestRotatePairSwitchesPriorityOnce(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "rotate-pair")
	spec := credentials.ServicePasswords("identity", "keystone")
	pair, err := credentials.EnsurePair(ctx, kube, ns, "test", spec)
	if err != nil {
		t.Fatal(err)
	}
	if pair.ActiveName != spec.Name {
		t.Fatalf("active %s", pair.ActiveName)
	}
	rotated, err := credentials.RotatePair(ctx, kube, ns, "test", spec.Name, 1, credentials.RotateService)
	if err != nil || !rotated {
		t.Fatalf("rotated %v, %v", rotated, err)
	}
	after, err := credentials.EnsurePair(ctx, kube, ns, "test", spec)
	if err != nil {
		t.Fatal(err)
	}
	if after.ActiveName != spec.Name+"-1" {
		t.Fatalf("after rotation 1 the active Secret is %s", after.ActiveName)
	}
	for k, v := range pair.Active {
		if string(after.Backup[k]) != string(v) {
			t.Errorf("the previously active Secret changed at %s", k)
		}
	}
	if string(after.Active["database"]) == string(pair.Backup["database"]) {
		t.Error("the backup Secret got no new passwords")
	}
	s1, _ := kube.CoreV1().Secrets(ns).Get(ctx, spec.Name+"-1", metav1.GetOptions{})
	if s1.Annotations[credentials.PriorityAnnotation] != "1" {
		t.Errorf("priority %q", s1.Annotations[credentials.PriorityAnnotation])
	}

	// Asked again for the same rotation_id (a restart): nothing written.
	rotated, err = credentials.RotatePair(ctx, kube, ns, "test", spec.Name, 1, credentials.RotateService)
	if err != nil || rotated {
		t.Fatalf("second rotation for id 1: rotated %v, %v", rotated, err)
	}
	again, _ := kube.CoreV1().Secrets(ns).Get(ctx, spec.Name+"-1", metav1.GetOptions{})
	base, _ := kube.CoreV1().Secrets(ns).Get(ctx, spec.Name, metav1.GetOptions{})
	if again.ResourceVersion != s1.ResourceVersion {
		t.Error("a second rotation for the same id rewrote the Secret")
	}

	// Rotation 2 goes back to the base Secret.
	if rotated, err = credentials.RotatePair(ctx, kube, ns, "test", spec.Name, 2, credentials.RotateService); err != nil || !rotated {
		t.Fatalf("rotation 2: %v %v", rotated, err)
	}
	third, _ := credentials.EnsurePair(ctx, kube, ns, "test", spec)
	if third.ActiveName != spec.Name || string(third.Active["identity"]) == string(base.Data["identity"]) {
		t.Errorf("rotation 2: active %s", third.ActiveName)
	}
	// An older id than the active priority is refused.
	if _, err := credentials.RotatePair(ctx, kube, ns, "test", spec.Name, 1, credentials.RotateService); err == nil || !strings.Contains(err.Error(), "above rotation_id 1") {
		t.Errorf("rotation for an older id: %v", err)
	}
}

func TestRegenerateOncePerRotationID(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "regenerate")
	newSpec := func() credentials.Spec {
		return credentials.SelfSignedCA(credentials.OctaviaAmphoraCerts, credentials.OctaviaAmphoraCN)
	}
	spec := newSpec()
	first, err := credentials.Ensure(ctx, kube, ns, "test", spec)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := credentials.Regenerate(ctx, kube, ns, "test", newSpec, 1); err != nil || !ok {
		t.Fatalf("regenerate: %v %v", ok, err)
	}
	s, _ := kube.CoreV1().Secrets(ns).Get(ctx, spec.Name, metav1.GetOptions{})
	for k, v := range first {
		if string(s.Data[k]) == string(v) {
			t.Errorf("%s not regenerated", k)
		}
	}
	if ok, err := credentials.Regenerate(ctx, kube, ns, "test", newSpec, 1); err != nil || ok {
		t.Fatalf("regenerate twice for id 1: %v %v", ok, err)
	}
	again, _ := kube.CoreV1().Secrets(ns).Get(ctx, spec.Name, metav1.GetOptions{})
	if again.ResourceVersion != s.ResourceVersion {
		t.Error("regenerated twice for one rotation_id")
	}
}
