package templates

import (
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"rockoon.dev/rockoon/pkg/layering"
)

// redis: the volumes follow local_volume_storage_class (default
// openstack-operator-bind-mounts), the images come from the artifact map,
// and no secret value is rendered (the operator reads the Secret named by
// auth.secretPath).
func TestRedisStorageClassAndNoSecret(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	render := func(class any) map[string]any {
		t.Helper()
		data := fixtureData(t, dir, "ussuri_ceph_local_non_dvr_telemetry", "redis")
		spec := data["spec"].(map[string]any)
		if class == nil {
			delete(spec, "local_volume_storage_class")
		} else {
			spec["local_volume_storage_class"] = class
		}
		data["images"] = map[string]string{"redis-operator": "reg/redis-operator:1", "redis-failover": "reg/redis:7"}
		rels, err := e.Service("redis", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-redis-operator" || rels[0]["chart"] != "redisoperator" {
			t.Fatalf("releases %v", rels)
		}
		v := rels[0]["values"].(map[string]any)
		b, _ := yaml.Marshal(v)
		pw, _ := layering.Get(data, "redis_creds", "password").(string)
		if pw == "" || strings.Contains(string(b), strings.TrimSpace(pw)) {
			t.Errorf("the redis password (%d characters) must be in the inputs and not in the values", len(pw))
		}
		return v
	}
	for class, want := range map[any]string{nil: "openstack-operator-bind-mounts", "fast-local": "fast-local"} {
		v := render(class)
		pvc, _ := layering.Get(v, "redisfailover", "spec", "redis", "storage", "persistentVolumeClaim").(map[string]any)
		if layering.Get(pvc, "spec", "storageClassName") != want || layering.Get(pvc, "metadata", "name") != want {
			t.Errorf("storage class %v: PVC %v, want class %s", class, pvc, want)
		}
		if got := layering.Get(v, "redisfailover", "spec", "auth", "secretPath"); got != "generated-redis-password" {
			t.Errorf("auth.secretPath %v", got)
		}
		if layering.Get(v, "image", "fullName") != "reg/redis-operator:1" ||
			layering.Get(v, "redisfailover", "spec", "redis", "image") != "reg/redis:7" ||
			layering.Get(v, "redisfailover", "spec", "sentinel", "image") != "reg/redis:7" {
			t.Errorf("images: operator %v, redis %v, sentinel %v", layering.Get(v, "image"),
				layering.Get(v, "redisfailover", "spec", "redis", "image"), layering.Get(v, "redisfailover", "spec", "sentinel", "image"))
		}
	}
}
