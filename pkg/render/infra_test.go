package render

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/templates"
)

// renderWith renders minimal.yaml with extra services through the
// controller's store over a fake cluster.
func renderWith(t *testing.T, extra ...string) (*Result, *fake.Clientset) {
	t.Helper()
	spec := loadSpec(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	var services []any
	for _, s := range extra {
		services = append(services, s)
	}
	spec["features"].(map[string]any)["services"] = services
	kube := fake.NewClientset()
	r := &Renderer{Templates: templates.New(), Store: ClusterStore{Client: kube, Namespace: "openstack", FieldManager: "test"}}
	res, err := r.Render(context.Background(), Input{Spec: spec, Namespace: "openstack", Secrets: tlsSecrets})
	if err != nil {
		t.Fatal(err)
	}
	return res, kube
}

// The redis release and its failover's password Secret are in the redis
// namespace (not the cloud's); the Secret is generated once, before the
// operator needs it, and its value appears in no release.
func TestRedisPasswordSecret(t *testing.T) {
	res, kube := renderWith(t, "redis")
	if _, err := kube.CoreV1().Secrets("openstack").Get(context.Background(), credentials.RedisSecret, metav1.GetOptions{}); err == nil {
		t.Error("generated-redis-password created in the cloud's namespace")
	}
	sec, err := kube.CoreV1().Secrets("openstack-redis").Get(context.Background(), credentials.RedisSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pw := string(sec.Data["password"])
	if len(pw) != 32 {
		t.Fatalf("password of %d characters, want 32", len(pw))
	}
	all, _ := json.Marshal(res.Services)
	if strings.Contains(string(all), pw) {
		t.Error("the redis password is in the rendered values")
	}
	rel := release(t, res, "openstack-redis-operator")
	if rel.Chart != "redisoperator" || rel.Group != "infra" || rel.Namespace != "openstack-redis" {
		t.Errorf("redis release %+v", rel)
	}
	// Kept on the next render.
	renderAgain := &Renderer{Templates: templates.New(), Store: ClusterStore{Client: kube, Namespace: "openstack", FieldManager: "test"}}
	spec := loadSpec(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	spec["features"].(map[string]any)["services"] = []any{"redis"}
	if _, err := renderAgain.Render(context.Background(), Input{Spec: spec, Namespace: "openstack", Secrets: tlsSecrets}); err != nil {
		t.Fatal(err)
	}
	again, _ := kube.CoreV1().Secrets("openstack-redis").Get(context.Background(), credentials.RedisSecret, metav1.GetOptions{})
	if string(again.Data["password"]) != pw {
		t.Error("the redis password changed on the second render")
	}
}

// The DRB controller's Keystone account is a rotation pair of its own,
// holding only identity.drb-controller; the release uses the active one,
// and the account makes no RabbitMQ user (DRB has no queue).
func TestDRBCredentialsPair(t *testing.T) {
	res, kube := renderWith(t, "dynamic-resource-balancer")
	var users []string
	for _, name := range []string{"generated-dynamic-resource-balancer-passwords", "generated-dynamic-resource-balancer-passwords-1"} {
		sec, err := kube.CoreV1().Secrets("openstack").Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sec.Data) != 1 {
			t.Errorf("%s has keys %v, want identity only", name, sec.Data)
		}
		var id map[string]credentials.UserPass
		if err := json.Unmarshal(sec.Data["identity"], &id); err != nil {
			t.Fatal(err)
		}
		u := id["drb-controller"]
		if len(id) != 1 || !strings.HasPrefix(u.Username, "drb-controller") || len(u.Username) != 32 || len(u.Password) != 32 {
			t.Errorf("%s identity: %d accounts, username %q (%d), password of %d", name, len(id), u.Username, len(u.Username), len(u.Password))
		}
		users = append(users, u.Username)
	}
	rel := release(t, res, "openstack-drb-controller")
	if rel.Namespace != "openstack" {
		t.Errorf("DRB release in namespace %s, want the cloud's", rel.Namespace)
	}
	if got := rel.Values["endpoints"].(map[string]any)["identity"].(map[string]any)["auth"].(map[string]any)["drb-controller"].(map[string]any)["username"]; got != users[0] {
		t.Errorf("release username %v, want the active %s", got, users[0])
	}
	rmq, _ := json.Marshal(release(t, res, "openstack-rabbitmq").Values)
	if strings.Contains(string(rmq), "drb") {
		t.Error("RabbitMQ got a DRB user")
	}
}

// PowerDNS's API key and database user are generated once in
// generated-powerdns-passwords (a single Secret) and reach designate's
// release.
func TestPowerDNSCredentials(t *testing.T) {
	res, kube := renderWith(t, "dns")
	sec, err := kube.CoreV1().Secrets("openstack").Get(context.Background(), credentials.PowerDNSSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	key := string(sec.Data["api_key"])
	var db credentials.UserPass
	if err := json.Unmarshal(sec.Data["database"], &db); err != nil {
		t.Fatal(err)
	}
	if len(key) != 16 || !strings.HasPrefix(db.Username, "powerdns") || len(db.Password) != 32 {
		t.Fatalf("api_key of %d characters, database user %q, password of %d", len(key), db.Username, len(db.Password))
	}
	if _, err := kube.CoreV1().Secrets("openstack").Get(context.Background(), credentials.PowerDNSSecret+"-1", metav1.GetOptions{}); err == nil {
		t.Error("generated-powerdns-passwords is a single Secret, not a pair")
	}
	v := release(t, res, "openstack-designate").Values
	ep := v["endpoints"].(map[string]any)
	if got := ep["powerdns"].(map[string]any)["auth"].(map[string]any)["service"].(map[string]any)["token"]; got != key {
		t.Error("the release's PowerDNS token is not the generated API key")
	}
	if got := ep["oslo_db_powerdns"].(map[string]any)["auth"].(map[string]any)["powerdns"].(map[string]any)["username"]; got != db.Username {
		t.Errorf("PowerDNS database user %v, want %s", got, db.Username)
	}
}

// A Secret of another namespace (credentials.Spec.Namespace) is read and
// looked for there by every store, not in the cloud's namespace.
func TestStoresHonourTheSecretsNamespace(t *testing.T) {
	ctx := context.Background()
	kube := fake.NewClientset(
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "openstack-redis", Name: credentials.RedisSecret}, Data: map[string][]byte{"password": []byte("in-redis-ns-0123456789abcdefghij")}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: "openstack", Name: credentials.RedisSecret}, Data: map[string][]byte{"password": []byte("in-cloud-ns-0123456789abcdefghij")}},
	)
	spec := credentials.RedisPassword()
	ro, err := ReadOnlyStore{Client: kube, Namespace: "openstack"}.Secret(ctx, spec)
	if err != nil || string(ro["password"]) != "in-redis-ns-0123456789abcdefghij" {
		t.Errorf("ReadOnlyStore: %s, %v", ro["password"], err)
	}
	cl, err := ClusterStore{Client: kube, Namespace: "openstack", FieldManager: "test"}.Secret(ctx, spec)
	if err != nil || string(cl["password"]) != "in-redis-ns-0123456789abcdefghij" {
		t.Errorf("ClusterStore: %s, %v", cl["password"], err)
	}
	rs := &RecoveryStore{Client: kube, Namespace: "openstack"}
	rec, err := rs.Secret(ctx, spec)
	if err != nil || string(rec["password"]) != "in-redis-ns-0123456789abcdefghij" || len(rs.Missing()) != 0 {
		t.Errorf("RecoveryStore: %s, missing %v, %v", rec["password"], rs.Missing(), err)
	}
}
