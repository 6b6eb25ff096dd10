package templates

import (
	"reflect"
	"strings"
	"testing"

	"rockoon.dev/rockoon/pkg/layering"
)

// object-storage has no golden context and no e2e deployment enables it:
// the ceph-rgw release registers the Ceph side's RGW in Keystone (service,
// endpoints from rgw_internal/rgw_external, the ceph-rgw user of the
// active credentials) and runs nothing else of the chart.
func TestObjectStorageRegistersTheCephRGW(t *testing.T) {
	dir := fixturesDir(t)
	e := New()
	args := func() map[string]any {
		data := fixtureData(t, dir, "gazpacho_ceph_local_non_dvr", "object-storage")
		data["credentials"] = []any{
			map[string]any{"identity": map[string]any{
				"ceph-rgw": map[string]any{"username": "ceph-rgwACTIVE", "password": "pwACTIVE"},
				"test":     map[string]any{"username": "testACTIVE", "password": "pwTEST"},
			}},
			map[string]any{"identity": map[string]any{
				"ceph-rgw": map[string]any{"username": "ceph-rgwBACKUP", "password": "pwBACKUP"},
			}},
		}
		data["rgw_internal"] = "https://rook-ceph-rgw-openstack-store.rook-ceph.svc:8443"
		data["rgw_external"] = "https://openstack-store.it.just.works"
		data["images"] = map[string]string{"ks_user": "reg/tools:1", "ks_service": "reg/tools:1", "ks_endpoints": "reg/tools:1", "dep_check": "reg/entrypoint:1", "nova_api": "reg/nova:1"}
		return data
	}
	render := func(data map[string]any) map[string]any {
		t.Helper()
		rels, err := e.Service("object-storage", data)
		if err != nil {
			t.Fatal(err)
		}
		if len(rels) != 1 || rels[0]["name"] != "openstack-ceph-rgw" || rels[0]["chart"] != "ceph-rgw" {
			t.Fatalf("releases %v", rels)
		}
		return rels[0]["values"].(map[string]any)
	}

	data := args()
	v := render(data)
	spec := data["spec"].(map[string]any)
	spec["region_name"] = "RegionTwo"
	v = render(data)
	if got := layering.Get(v, "endpoints", "identity", "auth", "ceph-rgw"); !reflect.DeepEqual(got, map[string]any{
		"username": "ceph-rgwACTIVE", "password": "pwACTIVE", "region_name": "RegionTwo",
	}) {
		t.Errorf("ceph-rgw account %v, want the active credentials", got)
	}
	if got := layering.Get(v, "endpoints", "identity", "auth", "admin", "username"); got != layering.Get(data, "admin_creds", "identity", "username") {
		t.Errorf("admin account %v", got)
	}
	wantStore := map[string]any{
		"host_fqdn_override": map[string]any{"default": "rook-ceph-rgw-openstack-store.rook-ceph.svc", "public": "openstack-store.it.just.works"},
		"path":               map[string]any{"default": "/swift/v1/AUTH_$(project_id)s", "public": "/swift/v1/AUTH_$(project_id)s"},
		"port":               map[string]any{"api": map[string]any{"admin": int64(8443), "default": int64(8443), "internal": int64(8443), "public": int64(443)}},
		"scheme":             map[string]any{"default": "https", "public": "https"},
	}
	if got := layering.Get(v, "endpoints", "object_store"); !reflect.DeepEqual(got, wantStore) {
		t.Errorf("object_store endpoint\n got %v\nwant %v", got, wantStore)
	}
	if got := layering.Get(v, "endpoints", "cluster_domain_suffix"); got != spec["internal_domain_name"] {
		t.Errorf("cluster_domain_suffix %v", got)
	}
	if layering.Get(v, "conf", "rgw_ks", "enabled") != true || layering.Get(v, "deployment", "ceph") != false {
		t.Errorf("conf.rgw_ks %v, deployment %v", layering.Get(v, "conf", "rgw_ks"), layering.Get(v, "deployment"))
	}
	// Only the Keystone Jobs (and what they read) run.
	on := map[string]bool{"configmap_bin_ks": true, "job_ks_endpoints": true, "job_ks_service": true, "job_ks_user": true, "secret_keystone": true}
	manifests := layering.Get(v, "manifests").(map[string]any)
	for k, m := range manifests {
		if m != on[k] {
			t.Errorf("manifests.%s = %v, want %v", k, m, on[k])
		}
	}
	if len(manifests) != 22 {
		t.Errorf("%d manifests, want every one of the chart's 22", len(manifests))
	}
	if got := layering.Get(v, "images", "tags"); !reflect.DeepEqual(got, map[string]any{"ks_user": "reg/tools:1", "ks_service": "reg/tools:1", "ks_endpoints": "reg/tools:1", "dep_check": "reg/entrypoint:1"}) {
		t.Errorf("images %v", got)
	}

	// Plain HTTP without a port, an IPv6 internal address, a path prefix.
	data = args()
	data["rgw_internal"] = "https://[fd00::10]:8443"
	data["rgw_external"] = "http://rgw.example.test/object/"
	v = render(data)
	if got := layering.Get(v, "endpoints", "object_store", "host_fqdn_override"); !reflect.DeepEqual(got, map[string]any{"default": "[fd00::10]", "public": "rgw.example.test"}) {
		t.Errorf("hosts %v", got)
	}
	if layering.Get(v, "endpoints", "object_store", "port", "api", "public") != int64(80) ||
		layering.Get(v, "endpoints", "object_store", "scheme", "public") != "http" ||
		layering.Get(v, "endpoints", "object_store", "path", "public") != "/object/swift/v1/AUTH_$(project_id)s" {
		t.Errorf("public endpoint %v", layering.Get(v, "endpoints", "object_store"))
	}

	// Missing inputs are errors naming them.
	for name, mutate := range map[string]func(map[string]any){
		"rgw_external": func(d map[string]any) { delete(d, "rgw_external") },
		"rgw_internal": func(d map[string]any) { d["rgw_internal"] = "" },
		"ceph-rgw": func(d map[string]any) {
			d["credentials"] = []any{map[string]any{"identity": map[string]any{}}, map[string]any{}}
		},
	} {
		d := args()
		mutate(d)
		if _, err := e.Service("object-storage", d); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("without %s: error %v", name, err)
		}
	}
}
