package credentials_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2/ktesting"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/testenv"
)

var kube kubernetes.Interface

func TestMain(m *testing.M) {
	os.Exit(testenv.Main(m, testenv.Options{NoCRDs: true}, func(env *testenv.Env) {
		kube = kubernetes.NewForConfigOrDie(env.Config)
	}))
}

func namespace(t *testing.T, name string) string {
	t.Helper()
	if _, err := kube.CoreV1().Namespaces().Create(context.Background(), &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestEnsureCreatesOnceThenOnlyReads(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "create-once")
	first, err := credentials.Ensure(ctx, kube, ns, "test", credentials.Galera())
	if err != nil {
		t.Fatal(err)
	}
	var sst credentials.UserPass
	if err := json.Unmarshal(first["sst"], &sst); err != nil || sst.Username != "sst" || len(sst.Password) != 32 {
		t.Fatalf("sst = %s (%v)", first["sst"], err)
	}
	before, _ := kube.CoreV1().Secrets(ns).Get(ctx, credentials.GaleraSecret, metav1.GetOptions{})
	second, err := credentials.Ensure(ctx, kube, ns, "test", credentials.Galera())
	if err != nil {
		t.Fatal(err)
	}
	after, _ := kube.CoreV1().Secrets(ns).Get(ctx, credentials.GaleraSecret, metav1.GetOptions{})
	if !reflect.DeepEqual(first, second) || before.ResourceVersion != after.ResourceVersion {
		t.Error("a second Ensure changed or rewrote the Secret")
	}
}

// TestEnsureAdoptsOriginalSecretsByteForByte: Secrets written by the
// original (its JSON layout, its key order, extra keys) are read as they are.
func TestEnsureAdoptsOriginalSecretsByteForByte(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "adopt")
	original := map[string][]byte{
		"database":      []byte(`{"user": {"username": "keystonemzhwDmzj", "password": "GW4MBjKLshsGdLI38kKUpR2gm3SQiHFp"}}`),
		"messaging":     []byte(`{"user": {"username": "keystoneeYwYK03G", "password": "i1LUJuYCIEeUdpKbztpemVvIQhmJ56cn"}}`),
		"notifications": []byte(`{"user": {"username": "keystonefz7wkYYH", "password": "TzLbvAXVJKzX4klDdVWEuYnWf35hVBTf"}}`),
		"identity":      []byte(`{"keystone": {"username": "keystonesCHMyIkz", "password": "CZTF3XgNSfbahGGcx0EnjzqTQspr9aPi"}, "osctl": {"username": "osctlAbCdEfGhIjK", "password": "x"}, "test": {"username": "testQALi", "password": "lIaVpAA3RiymRzerAWbNYFj5XfSitjcL"}}`),
		"memcached":     []byte("x2CRuwvJytT5kAv7"),
		"legacy_extra":  []byte("kept"),
	}
	for _, name := range []string{"generated-identity-passwords", "generated-identity-passwords-1"} {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: original}
		if _, err := kube.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	rv := func(name string) string {
		s, _ := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		return s.ResourceVersion
	}
	rv0, rv1 := rv("generated-identity-passwords"), rv("generated-identity-passwords-1")
	pair, err := credentials.EnsurePair(ctx, kube, ns, "test", credentials.ServicePasswords("identity", "keystone"))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(pair.Active, original) {
		t.Errorf("adopted data differs:\n got %q\nwant %q", pair.Active, original)
	}
	// Adoption writes the watch label once and nothing else: the data stays
	// byte for byte, and a second pass writes nothing.
	for _, name := range []string{"generated-identity-passwords", "generated-identity-passwords-1"} {
		s, err := kube.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(s.Data, original) || s.Labels[lcmv1alpha1.GeneratedCredentialsLabel] != "true" {
			t.Errorf("%s after adoption: labels %v, data changed %v", name, s.Labels, !reflect.DeepEqual(s.Data, original))
		}
	}
	if rv("generated-identity-passwords") == rv0 || rv("generated-identity-passwords-1") == rv1 {
		t.Error("adopted Secrets were not labelled for the credentials watch")
	}
	rv0, rv1 = rv("generated-identity-passwords"), rv("generated-identity-passwords-1")
	if _, err := credentials.EnsurePair(ctx, kube, ns, "test", credentials.ServicePasswords("identity", "keystone")); err != nil {
		t.Fatal(err)
	}
	if rv("generated-identity-passwords") != rv0 || rv("generated-identity-passwords-1") != rv1 {
		t.Error("a second pass over adopted Secrets wrote them")
	}
}

func TestEnsureFillsMissingWithoutTouchingPresent(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "fill")
	identity := `{"keystone": {"username": "keystoneAAAAAAAA", "password": "p1"}, "test": {"username": "testBBBBBBBBBBBB", "password": "p2"}}`
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "generated-identity-passwords"}, Data: map[string][]byte{
		"database":  []byte(`{"user": {"username": "keystoneDB", "password": "dbpass"}}`),
		"identity":  []byte(identity),
		"memcached": []byte("mmmmmmmmmmmmmmmm"),
	}}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	data, err := credentials.Ensure(ctx, kube, ns, "test", credentials.ServicePasswords("identity", "keystone"))
	if err != nil {
		t.Fatal(err)
	}
	if string(data["database"]) != `{"user": {"username": "keystoneDB", "password": "dbpass"}}` || string(data["memcached"]) != "mmmmmmmmmmmmmmmm" {
		t.Error("present fields were changed")
	}
	for _, k := range []string{"messaging", "notifications"} {
		if len(data[k]) == 0 {
			t.Errorf("missing field %s not generated", k)
		}
	}
	var ids map[string]credentials.UserPass
	if err := json.Unmarshal(data["identity"], &ids); err != nil {
		t.Fatal(err)
	}
	if ids["keystone"].Password != "p1" || ids["test"].Password != "p2" {
		t.Errorf("present accounts changed: %+v", ids)
	}
	if len(ids["osctl"].Password) != 32 {
		t.Errorf("missing account osctl not added: %+v", ids)
	}
}

func TestPairRankedByPriorityAnnotation(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "pair")
	spec := credentials.AdminUsers()
	pair, err := credentials.EnsurePair(ctx, kube, ns, "test", spec)
	if err != nil {
		t.Fatal(err)
	}
	if pair.ActiveName != "openstack-admin-users" || reflect.DeepEqual(pair.Active, pair.Backup) {
		t.Fatalf("initially the base name is active and the two are generated independently: %s", pair.ActiveName)
	}
	var db credentials.UserPass
	_ = json.Unmarshal(pair.Active["database"], &db)
	if db.Username != "root" {
		t.Errorf("admin database user %q, want root", db.Username)
	}
	backup, _ := kube.CoreV1().Secrets(ns).Get(ctx, "openstack-admin-users-1", metav1.GetOptions{})
	backup.Annotations = map[string]string{credentials.PriorityAnnotation: "1"}
	if _, err := kube.CoreV1().Secrets(ns).Update(ctx, backup, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pair2, err := credentials.EnsurePair(ctx, kube, ns, "test", spec)
	if err != nil {
		t.Fatal(err)
	}
	if pair2.ActiveName != "openstack-admin-users-1" || !reflect.DeepEqual(pair2.Active, pair.Backup) {
		t.Errorf("the annotated Secret must become active: %s", pair2.ActiveName)
	}
}

func TestKeystoneKeysSeededFromTheOriginalsOlderSecrets(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "legacy-keys")
	old := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "keystone-fernet-keys"}, Data: map[string][]byte{"0": []byte("k0"), "1": []byte("k1")}}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, old, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	specs := credentials.KeystoneKeys()
	fernet, err := credentials.Ensure(ctx, kube, ns, "test", specs[0])
	if err != nil {
		t.Fatal(err)
	}
	if string(fernet["0"]) != "k0" || string(fernet["1"]) != "k1" {
		t.Errorf("keystone-fernet-data not seeded from keystone-fernet-keys: %v", fernet)
	}
	cred, err := credentials.Ensure(ctx, kube, ns, "test", specs[1])
	if err != nil || len(cred) != 0 {
		t.Errorf("keystone-credential-data without an older Secret is created empty: %v %v", cred, err)
	}
}

// TestEnsureKeyPairIsAtomic: an SSH key pair is created once and kept; a
// Secret holding only one half is refused with an error naming both, and
// nothing is changed (completing it would pair a new public key with the
// old private one).
func TestEnsureKeyPairIsAtomic(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "key-pair")
	first, err := credentials.Ensure(ctx, kube, ns, "test", credentials.SSHKeys(credentials.NovaSSHSecret))
	if err != nil {
		t.Fatal(err)
	}
	again, err := credentials.Ensure(ctx, kube, ns, "test", credentials.SSHKeys(credentials.NovaSSHSecret))
	if err != nil || !reflect.DeepEqual(first, again) {
		t.Fatalf("a second Ensure changed the key pair: %v", err)
	}
	half := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "half-pair"}, Data: map[string][]byte{"private": first["private"]}}
	if _, err := kube.CoreV1().Secrets(ns).Create(ctx, half, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	_, err = credentials.Ensure(ctx, kube, ns, "test", credentials.SSHKeys("half-pair"))
	if err == nil || !strings.Contains(err.Error(), "public") || !strings.Contains(err.Error(), "half-pair") {
		t.Fatalf("half a key pair: want an error naming the Secret and the missing key, got %v", err)
	}
	got, _ := kube.CoreV1().Secrets(ns).Get(ctx, "half-pair", metav1.GetOptions{})
	if len(got.Data) != 1 || string(got.Data["private"]) != string(first["private"]) {
		t.Errorf("the half Secret was changed: %v", got.Data)
	}
}

// A Guard is asked before generated values are written; its refusal
// stops the write (nothing created, nothing added) and is returned.
func TestEnsureAsksTheGuard(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "guarded")
	refused := errors.New("refused")
	var asked []string
	spec := credentials.Galera()
	spec.Guard = func(name string, keys []string) error {
		asked = append(asked, name+":"+strings.Join(keys, ","))
		return refused
	}
	if _, err := credentials.Ensure(ctx, kube, ns, "test", spec); !errors.Is(err, refused) {
		t.Fatalf("Ensure returned %v, want the guard's refusal", err)
	}
	if _, err := kube.CoreV1().Secrets(ns).Get(ctx, credentials.GaleraSecret, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("a refused Secret was created: %v", err)
	}
	if want := credentials.GaleraSecret + ":audit,backup,exporter,openssl_kek,sst"; len(asked) != 1 || asked[0] != want {
		t.Errorf("guard asked %v, want [%s]", asked, want)
	}
	// Present and complete: not asked. Lacking a key: asked for that key.
	spec.Guard = nil
	if _, err := credentials.Ensure(ctx, kube, ns, "test", spec); err != nil {
		t.Fatal(err)
	}
	s, err := kube.CoreV1().Secrets(ns).Get(ctx, credentials.GaleraSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	delete(s.Data, "sst")
	if s, err = kube.CoreV1().Secrets(ns).Update(ctx, s, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	asked = nil
	spec.Guard = func(name string, keys []string) error {
		asked = append(asked, name+":"+strings.Join(keys, ","))
		return refused
	}
	if _, err := credentials.Ensure(ctx, kube, ns, "test", spec); !errors.Is(err, refused) {
		t.Fatalf("Ensure returned %v, want the guard's refusal", err)
	}
	if want := credentials.GaleraSecret + ":sst"; len(asked) != 1 || asked[0] != want {
		t.Errorf("guard asked %v, want [%s]", asked, want)
	}
	after, _ := kube.CoreV1().Secrets(ns).Get(ctx, credentials.GaleraSecret, metav1.GetOptions{})
	if _, ok := after.Data["sst"]; ok || after.ResourceVersion != s.ResourceVersion {
		t.Error("a refused key was added")
	}
}

// TestEnsureFollowsTheSpec: the networking-generic-switch keys are the
// spec's: created with them, a changed key replaces the stored one
// without asking the guard, a new switch is added, and an unchanged spec
// writes nothing.
func TestEnsureFollowsTheSpec(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ns := namespace(t, "follow")
	get := func() *corev1.Secret {
		t.Helper()
		s, err := kube.CoreV1().Secrets(ns).Get(ctx, credentials.NGSSSHKeysSecret, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	if _, err := credentials.Ensure(ctx, kube, ns, "test", credentials.NGSSSHKeys(map[string]string{"sw1": "KEY-1"})); err != nil {
		t.Fatal(err)
	}
	first := get()
	if got := string(first.Data["sw1_ssh_private_key"]); got != "KEY-1" || len(first.Data) != 1 {
		t.Fatalf("created with %v", first.Data)
	}
	if _, err := credentials.Ensure(ctx, kube, ns, "test", credentials.NGSSSHKeys(map[string]string{"sw1": "KEY-1"})); err != nil {
		t.Fatal(err)
	}
	if get().ResourceVersion != first.ResourceVersion {
		t.Error("an unchanged spec rewrote the Secret")
	}
	spec := credentials.NGSSSHKeys(map[string]string{"sw1": "KEY-1b", "sw2": "KEY-2"})
	var asked []string
	spec.Guard = func(name string, keys []string) error {
		asked = append(asked, strings.Join(keys, ","))
		return nil
	}
	data, err := credentials.Ensure(ctx, kube, ns, "test", spec)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]byte{"sw1_ssh_private_key": []byte("KEY-1b"), "sw2_ssh_private_key": []byte("KEY-2")}
	if !reflect.DeepEqual(data, want) || !reflect.DeepEqual(get().Data, want) {
		t.Errorf("after a key change and a new switch: %v, want %v", get().Data, want)
	}
	if !reflect.DeepEqual(asked, []string{"sw2_ssh_private_key"}) {
		t.Errorf("guard asked for %v, want the added key only", asked)
	}
}
