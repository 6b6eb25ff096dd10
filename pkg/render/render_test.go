package render

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/templates"
)

// readYAML reads a YAML file into generic values.
func readYAML(t testing.TB, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	j, err := yaml.YAMLToJSON(data)
	if err != nil {
		t.Fatal(err)
	}
	v, err := layering.FromJSON(j)
	if err != nil {
		t.Fatal(err)
	}
	return v.(map[string]any)
}

func loadSpec(t testing.TB, path string) map[string]any {
	t.Helper()
	return readYAML(t, path)["spec"].(map[string]any)
}

var tlsSecrets = map[string]map[string][]byte{
	"lab-tls":  {"ca_cert": []byte("CA"), "api_cert": []byte("CRT"), "api_key": []byte("KEY")},
	"prod-tls": {"ca": []byte("CA"), "crt": []byte("CRT"), "key": []byte("KEY")},
}

func renderFile(t testing.TB, path string) *Result {
	t.Helper()
	r := &Renderer{Templates: templates.New(), Store: PlaceholderStore{}}
	res, err := r.Render(context.Background(), Input{
		Spec: loadSpec(t, path), Namespace: "openstack", Secrets: tlsSecrets,
		ImagesBaseURL: "registry.example", BinaryBaseURL: "https://binary.example",
		CephKeys: ceph.Placeholder(), RedisPassword: PlaceholderRedisPassword, TFData: map[string]string{},
	})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func release(t *testing.T, res *Result, name string) Release {
	t.Helper()
	for _, s := range res.Services {
		for _, r := range s.Releases {
			if r.Name == name {
				return r
			}
		}
	}
	t.Fatalf("release %s not rendered", name)
	return Release{}
}

func TestRenderMinimalExample(t *testing.T) {
	res := renderFile(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	var order []string
	for _, s := range res.Services {
		order = append(order, s.Key)
	}
	// Infrastructure wave (by key), then identity, then the services that
	// need it; services without a template are reported, not rendered.
	var want []string
	for _, svc := range []string{"app-gateway", "coordination", "database", "ingress", "memcached", "messaging", "identity", "image", "networking", "placement", "compute", "dashboard"} {
		if templates.New().HasService(svc) {
			want = append(want, svc)
		}
	}
	if !reflect.DeepEqual(order, want) {
		t.Errorf("services in apply order %v, want %v", order, want)
	}
	for _, svc := range res.Untemplated {
		if templates.New().HasService(svc) {
			t.Errorf("%s has a template but is reported untemplated", svc)
		}
	}
	ks := release(t, res, "openstack-keystone")
	if ks.Chart != "keystone" || ks.Group != "openstack" || ks.Namespace != "openstack" {
		t.Errorf("keystone release: %+v", ks)
	}
	get := func(v any, path ...string) any {
		for _, p := range path {
			v = v.(map[string]any)[p]
		}
		return v
	}
	if img := get(ks.Values, "images", "tags", "keystone_api"); !strings.HasPrefix(img.(string), "registry.example/openstack/keystone:epoxy-") {
		t.Errorf("keystone_api image %v: the epoxy artifact with the controller's base URL", img)
	}
	if pw := get(ks.Values, "endpoints", "oslo_db", "auth", "keystone", "password"); pw != "PLACEHOLDER:generated-identity-passwords:database.user.password" {
		t.Errorf("credentials come from the Secret store: %v", pw)
	}
	if host := get(ks.Values, "endpoints", "identity", "host_fqdn_override", "public", "host"); host != "keystone.cloud.example.test" {
		t.Errorf("public host %v", host)
	}
	if crt := get(ks.Values, "endpoints", "identity", "host_fqdn_override", "public", "tls", "crt"); crt != "CRT\n" {
		t.Errorf("TLS from the value_from Secret: %v", crt)
	}
	if n := get(ks.Values, "pod", "replicas", "api"); n != int64(1) {
		t.Errorf("size single sets one keystone API replica (services layer): %v", n)
	}
	mdb := release(t, res, "openstack-mariadb")
	if get(mdb.Values, "volume", "class_name") != "local-path" || get(mdb.Values, "pod", "replicas", "server") != int64(1) {
		t.Errorf("mariadb volume/replicas: %v %v", get(mdb.Values, "volume", "class_name"), get(mdb.Values, "pod", "replicas", "server"))
	}
	rmq := release(t, res, "openstack-rabbitmq")
	if u := get(rmq.Values, "conf", "users", "keystone_service", "auth", "keystone_2", "username"); u != "PLACEHOLDER:generated-identity-passwords-1:messaging.user.username" {
		t.Errorf("rabbitmq users for both credential sets of each service: %v", u)
	}
	if len(res.Fingerprint) != 64 {
		t.Errorf("fingerprint %q", res.Fingerprint)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	a, _ := json.Marshal(renderFile(t, "../../apis/lcm/v1alpha1/testdata/rich.yaml"))
	b, _ := json.Marshal(renderFile(t, "../../apis/lcm/v1alpha1/testdata/rich.yaml"))
	if string(a) != string(b) {
		t.Error("two renders differ")
	}
}

func TestRenderErrorsNameTheCause(t *testing.T) {
	r := &Renderer{Templates: templates.New(), Store: PlaceholderStore{}}
	spec := loadSpec(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	// Against the size's layer, while building mspec.
	spec["services"] = map[string]any{"identity": map[string]any{"keystone": map[string]any{"values": map[string]any{"pod": []any{"x"}}}}}
	_, err := r.Render(context.Background(), Input{Spec: spec, Namespace: "openstack", Secrets: tlsSecrets})
	var tce *layering.TypeConflictError
	if !errors.As(err, &tce) || err.Error() != "merging the spec layer: can not merge a list over a map at services.identity.keystone.values.pod" {
		t.Errorf("mspec conflict: %v", err)
	}
	// Against the service template, while layering the release (images:
	// a map of the template that no preset or size sets).
	spec["services"] = map[string]any{"identity": map[string]any{"keystone": map[string]any{"values": map[string]any{"images": []any{"x"}}}}}
	_, err = r.Render(context.Background(), Input{Spec: spec, Namespace: "openstack", Secrets: tlsSecrets})
	if !errors.As(err, &tce) || err.Error() != "service identity: services.identity.keystone.values into release openstack-keystone: can not merge a list over a map at values.images" {
		t.Errorf("release layer conflict: %v", err)
	}
	spec = loadSpec(t, "../../apis/lcm/v1alpha1/testdata/minimal.yaml")
	_, err = r.Render(context.Background(), Input{Spec: spec, Namespace: "openstack"})
	if err == nil || !strings.Contains(err.Error(), "spec.features.ssl.public_endpoints") {
		t.Errorf("missing value_from Secret: %v", err)
	}
}

func BenchmarkRenderComputeExample(b *testing.B) {
	spec := loadSpec(b, "../../apis/lcm/v1alpha1/testdata/rich.yaml")
	r := &Renderer{Templates: templates.New(), Store: PlaceholderStore{}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(context.Background(), Input{Spec: spec, Namespace: "openstack", Secrets: tlsSecrets, CephKeys: ceph.Placeholder(), RedisPassword: PlaceholderRedisPassword}); err != nil {
			b.Fatal(err)
		}
	}
}
