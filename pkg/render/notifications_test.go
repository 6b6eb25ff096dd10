package render

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
)

// External notifications through the controller's store: each topic's
// user is generated once into generated-notifications-<norm(topic)>-passwords
// and reaches the messaging release as <topic>_external_notifications,
// the external Service's TLS is the server half of rabbitmq-external-certs
// (a CA-signed pack, generated once), and the services publish to the
// topics.
func TestExternalNotificationsRender(t *testing.T) {
	ctx := context.Background()
	kube := fake.NewClientset()
	spec := loadSpec(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	f := spec["features"].(map[string]any)
	f["messaging"] = map[string]any{"notifications": map[string]any{"external": map[string]any{"enabled": true, "topics": []any{"alerts", "Billing_EU"}}}}
	r := &Renderer{Templates: templates.New(), Store: ClusterStore{Client: kube, Namespace: "openstack", FieldManager: "test"}}
	in := Input{
		Spec: spec, Namespace: "openstack", Secrets: tlsSecrets,
		ImagesBaseURL: "registry.example", BinaryBaseURL: "https://binary.example",
		CephKeys: ceph.Placeholder(), RedisPassword: PlaceholderRedisPassword, TFData: map[string]string{},
	}
	res, err := r.Render(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	rmq := release(t, res, "openstack-rabbitmq").Values
	for _, topic := range []string{"alerts", "Billing_EU"} {
		sec, err := kube.CoreV1().Secrets("openstack").Get(ctx, credentials.NotificationsSecretName(topic), metav1.GetOptions{})
		if err != nil {
			t.Fatalf("topic %s: %v", topic, err)
		}
		got := layering.Get(rmq, "conf", "users", topic+"_external_notifications", "auth", topic)
		want := map[string]any{"username": string(sec.Data["username"]), "password": string(sec.Data["password"])}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("topic %s: user %v, want the Secret's %v", topic, got, want)
		}
	}
	if _, err := kube.CoreV1().Secrets("openstack").Get(ctx, "generated-notifications-billingeu-f48cb-passwords", metav1.GetOptions{}); err != nil {
		t.Errorf("normalised Secret name: %v", err)
	}
	pack, err := kube.CoreV1().Secrets("openstack").Get(ctx, credentials.RabbitMQExternalCerts, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	tls := layering.Get(rmq, "endpoints", "oslo_messaging", "host_fqdn_override", "external", "tls").(map[string]any)
	if tls["crt"] != string(pack.Data["server_cert"]) || tls["key"] != string(pack.Data["server_key"]) || tls["ca"] != string(pack.Data["ca_cert"]) {
		t.Error("external TLS is not the pack's server half")
	}
	// The client certificate the consumers get is signed by the CA the
	// server verifies peers with.
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pack.Data["ca_cert"]) {
		t.Fatal("ca_cert is not PEM")
	}
	block, _ := pem.Decode(pack.Data["client_cert"])
	if block == nil {
		t.Fatal("client_cert is not PEM")
	}
	client, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("client certificate: %v", err)
	}
	if layering.Get(rmq, "manifests", "service_external") != true {
		t.Error("manifests.service_external")
	}
	if got := layering.Get(release(t, res, "openstack-keystone").Values, "conf", "keystone", "oslo_messaging_notifications", "topics"); got != "notifications,stacklight_notifications,alerts,Billing_EU" {
		t.Errorf("keystone notification topics %v", got)
	}
	// Generated once: a second render keeps users and certificates.
	again, err := r.Render(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(release(t, again, "openstack-rabbitmq").Values, rmq) {
		t.Error("a second render changed the messaging values")
	}
}

func TestPortproberEnabled(t *testing.T) {
	spec := func(version, backend string, services []any, portprober any) map[string]any {
		f := map[string]any{"services": services, "neutron": map[string]any{"backend": backend}}
		if portprober != nil {
			f["neutron"].(map[string]any)["extensions"] = map[string]any{"portprober": map[string]any{"enabled": portprober}}
		}
		return map[string]any{"openstack_version": version, "features": f}
	}
	withCP := []any{"networking", "cloudprober"}
	for _, c := range []struct {
		name string
		spec map[string]any
		want bool
	}{
		{"antelope with cloudprober", spec("antelope", "ml2", withCP, nil), true},
		{"yoga with cloudprober", spec("yoga", "ml2", withCP, nil), false},
		{"yoga, set", spec("yoga", "ml2", []any{"networking"}, true), true},
		{"gazpacho, unset", spec("gazpacho", "ml2", withCP, false), false},
		{"OVN", spec("epoxy", "ml2/ovn", withCP, true), false},
		{"Tungsten Fabric", spec("epoxy", "tungstenfabric", withCP, nil), false},
		{"no networking", spec("epoxy", "ml2", []any{"cloudprober"}, true), false},
	} {
		if got := PortproberEnabled(c.spec); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestRabbitMQHosts(t *testing.T) {
	rel := Release{Name: "openstack-rabbitmq", Namespace: "cloud", Values: map[string]any{
		"endpoints": map[string]any{"cluster_domain_suffix": "example.local", "oslo_messaging": map[string]any{
			"statefulset": map[string]any{"name": "openstack-rabbitmq-rabbitmq"}, "hosts": map[string]any{"default": "rabbitmq"},
			"port": map[string]any{"amqp": map[string]any{"default": int64(5673)}},
		}},
		"pod": map[string]any{"replicas": map[string]any{"server": int64(3)}},
	}}
	want := `["openstack-rabbitmq-rabbitmq-0.rabbitmq.cloud.svc.example.local:5673", "openstack-rabbitmq-rabbitmq-1.rabbitmq.cloud.svc.example.local:5673", "openstack-rabbitmq-rabbitmq-2.rabbitmq.cloud.svc.example.local:5673"]`
	if got := RabbitMQHosts(rel); got != want {
		t.Errorf("hosts %s\nwant %s", got, want)
	}
}
