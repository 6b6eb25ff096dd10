package v1alpha1_test

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// osdplAt returns the minimal example at an OpenStack version.
func osdplAt(t *testing.T, ns, name, version string) *unstructured.Unstructured {
	t.Helper()
	obj := loadFile(t, "testdata/minimal.yaml", ns)
	obj.SetName(name)
	if err := unstructured.SetNestedField(obj.Object, version, "spec", "openstack_version"); err != nil {
		t.Fatal(err)
	}
	return obj
}

func set(t *testing.T, obj *unstructured.Unstructured, value any, path ...string) {
	t.Helper()
	if err := unstructured.SetNestedField(obj.Object, value, path...); err != nil {
		t.Fatal(err)
	}
}

// wantInvalid checks err is a validation error whose text contains every
// one of the fragments (the field path and the rule's message).
func wantInvalid(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted, want a rejection mentioning %q", fragments)
	}
	if !apierrors.IsInvalid(err) {
		t.Fatalf("got %v, want Invalid", err)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Errorf("error %q does not mention %q", err.Error(), f)
		}
	}
}

func TestOpenStackVersionTransitions(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	cases := []struct {
		from, to string
		ok       bool
		message  string
	}{
		{from: "caracal", to: "antelope", message: "openstack_version can not be downgraded from caracal to antelope"},
		{from: "yoga", to: "xena", message: "can not be downgraded from yoga to xena"},
		{from: "victoria", to: "xena", message: "can not be upgraded from victoria to xena"},
		{from: "xena", to: "antelope", message: "can not be upgraded from xena to antelope"},
		{from: "antelope", to: "epoxy", message: "can not be upgraded from antelope to epoxy"},
		{from: "yoga", to: "caracal", message: "can not be upgraded from yoga to caracal"},
		{from: "xena", to: "yoga", ok: true},
		{from: "queens", to: "rocky", ok: true},
		{from: "yoga", to: "antelope", ok: true},
		{from: "antelope", to: "caracal", ok: true},
		{from: "caracal", to: "epoxy", ok: true},
		{from: "epoxy", to: "gazpacho", ok: true},
	}
	for _, tc := range cases {
		t.Run(tc.from+"-to-"+tc.to, func(t *testing.T) {
			name := tc.from + "-" + tc.to
			created, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, osdplAt(t, ns, name, tc.from), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			set(t, created, tc.to, "spec", "openstack_version")
			_, err = dyn.Resource(osdplGR).Namespace(ns).Update(ctx, created, metav1.UpdateOptions{})
			if tc.ok {
				if err != nil {
					t.Fatalf("upgrade refused: %v", err)
				}
				return
			}
			wantInvalid(t, err, "spec.openstack_version", tc.message)
		})
	}
	// Not a release the API knows.
	_, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, osdplAt(t, ns, "master", "master"), metav1.CreateOptions{})
	wantInvalid(t, err, "spec.openstack_version", `Unsupported value: "master"`)
}

func TestVersionChangeFreezesTheRestOfSpec(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	cases := []struct {
		name    string
		edit    func(t *testing.T, obj *unstructured.Unstructured)
		ok      bool
		changed string
	}{
		{name: "only-version", edit: func(*testing.T, *unstructured.Unstructured) {}, ok: true},
		{name: "features-services", ok: true, edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, []any{"key-manager", "~dashboard"}, "spec", "features", "services")
		}},
		{name: "region", changed: "region_name", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "RegionTwo", "spec", "region_name")
		}},
		{name: "size", changed: "size", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "tiny", "spec", "size")
		}},
		{name: "free-form-services", changed: "services", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, map[string]any{"compute": map[string]any{"nova": map[string]any{"values": map[string]any{"x": int64(1)}}}}, "spec", "services")
		}},
		{name: "nested-feature", changed: "features.neutron", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "eth7", "spec", "features", "neutron", "tunnel_interface")
		}},
		{name: "added-feature", changed: "features.keystone", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "demo", "spec", "features", "keystone", "users", "admin", "project_name")
		}},
		{name: "removed-optional", changed: "persistent_volume_storage_class", edit: func(t *testing.T, o *unstructured.Unstructured) {
			unstructured.RemoveNestedField(o.Object, "spec", "persistent_volume_storage_class")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			created, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, osdplAt(t, ns, tc.name, "caracal"), metav1.CreateOptions{})
			if err != nil {
				t.Fatal(err)
			}
			set(t, created, "epoxy", "spec", "openstack_version")
			tc.edit(t, created)
			_, err = dyn.Resource(osdplGR).Namespace(ns).Update(ctx, created, metav1.UpdateOptions{})
			if tc.ok {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantInvalid(t, err, "while spec.openstack_version changes from caracal to epoxy", "changed: "+tc.changed)
		})
	}
	// Without a version change, the same edits are fine.
	created, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, osdplAt(t, ns, "no-upgrade", "caracal"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	set(t, created, "RegionTwo", "spec", "region_name")
	set(t, created, "eth7", "spec", "features", "neutron", "tunnel_interface")
	if _, err := dyn.Resource(osdplGR).Namespace(ns).Update(ctx, created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("edit without upgrade refused: %v", err)
	}
}

func TestFeaturesServicesNames(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	cases := []struct {
		services []any
		bad      string
	}{
		{services: []any{"block-storage", "key-manager", "~dashboard", "~app-gateway", "dynamic-resource-balancer"}},
		{services: []any{"compute", "nuclear-reactor"}, bad: "nuclear-reactor"},
		{services: []any{"~bogus"}, bad: "~bogus"},
		{services: []any{"app-gateway"}, bad: "app-gateway"}, // only arrives through presets
		{services: []any{"nova"}, bad: "nova"},               // a chart, not a service key
	}
	for i, tc := range cases {
		obj := osdplAt(t, ns, "svc-"+string(rune('a'+i)), "epoxy")
		set(t, obj, tc.services, "spec", "features", "services")
		_, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
		if tc.bad == "" {
			if err != nil {
				t.Errorf("%v refused: %v", tc.services, err)
			}
			continue
		}
		wantInvalid(t, err, "spec.features.services", "features.services: unknown service "+tc.bad)
	}
}

// A service its release does not support is refused, naming it and the
// release (the original's admission rules).
func TestServiceReleaseGates(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	cases := []struct {
		version  string
		services []any
		bad      string
	}{
		{version: "victoria", services: []any{"instance-ha", "shared-file-system"}, bad: "shared-file-system"},
		{version: "ussuri", services: []any{"instance-ha", "event"}, bad: "instance-ha"},
		{version: "yoga", services: []any{"instance-ha", "shared-file-system", "metric"}},
		{version: "xena", services: []any{"event"}, bad: "event"},
		{version: "wallaby", services: []any{"event", "instance-ha"}},
		{version: "gazpacho", services: []any{"metric"}, bad: "metric"},
		{version: "gazpacho", services: []any{"metric-storage", "~metric"}},
		{version: "epoxy", services: []any{"metric-storage"}, bad: "metric-storage"},
		{version: "queens", services: []any{"placement"}, bad: "placement"},
	}
	for i, tc := range cases {
		obj := osdplAt(t, ns, "gate-"+string(rune('a'+i)), tc.version)
		set(t, obj, tc.services, "spec", "features", "services")
		_, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
		if tc.bad == "" {
			if err != nil {
				t.Errorf("%s %v refused: %v", tc.version, tc.services, err)
			}
			continue
		}
		wantInvalid(t, err, "spec.features.services: "+tc.bad+" not supported by openstack_version "+tc.version)
	}
}

func TestSchemaValidatesKnownFields(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	cases := []struct {
		name  string
		edit  func(t *testing.T, o *unstructured.Unstructured)
		field string
	}{
		{name: "preset", field: "spec.preset", edit: func(t *testing.T, o *unstructured.Unstructured) { set(t, o, "huge", "spec", "preset") }},
		{name: "size", field: "spec.size", edit: func(t *testing.T, o *unstructured.Unstructured) { set(t, o, "xxl", "spec", "size") }},
		{name: "backend", field: "spec.features.neutron.backend", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "linuxbridge", "spec", "features", "neutron", "backend")
		}},
		{name: "tunnel", field: "spec.features.neutron.tunnel_interface", edit: func(t *testing.T, o *unstructured.Unstructured) {
			unstructured.RemoveNestedField(o.Object, "spec", "features", "neutron", "tunnel_interface")
		}},
		{name: "nova-images", field: "spec.features.nova.images.backend", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, "floppy", "spec", "features", "nova", "images", "backend")
		}},
		{name: "domain", field: "spec.public_domain_name", edit: func(t *testing.T, o *unstructured.Unstructured) {
			unstructured.RemoveNestedField(o.Object, "spec", "public_domain_name")
		}},
		{name: "glance-file-pvc", field: "spec.features.glance.backends.file", edit: func(t *testing.T, o *unstructured.Unstructured) {
			unstructured.RemoveNestedField(o.Object, "spec", "features", "glance", "backends", "file", "local", "pvc")
		}},
		{name: "dedicated-messaging", field: "spec.features.messaging.components_with_dedicated_messaging[0]", edit: func(t *testing.T, o *unstructured.Unstructured) {
			set(t, o, []any{"image"}, "spec", "features", "messaging", "components_with_dedicated_messaging")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := osdplAt(t, ns, "schema-"+tc.name, "epoxy")
			tc.edit(t, obj)
			_, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{})
			wantInvalid(t, err, tc.field)
		})
	}
	// An unknown top-level field is refused under strict field validation
	// (kubectl's default), as the original's additionalProperties: false.
	obj := osdplAt(t, ns, "schema-typo", "epoxy")
	set(t, obj, "x", "spec", "openstack_verison")
	_, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, obj, metav1.CreateOptions{FieldValidation: "Strict"})
	if err == nil || !strings.Contains(err.Error(), `unknown field "spec.openstack_verison"`) {
		t.Errorf("typo at the top of spec: %v", err)
	}
}

func TestRotationIDRules(t *testing.T) {
	ctx := context.Background()
	ns := namespace(t)
	created, err := dyn.Resource(osdplGR).Namespace(ns).Create(ctx, osdplAt(t, ns, "rot", "epoxy"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	step := func(status map[string]any) error {
		cur, err := dyn.Resource(osdplGR).Namespace(ns).Get(ctx, "rot", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		cur.Object["status"] = status
		_, err = dyn.Resource(osdplGR).Namespace(ns).UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	}
	_ = created
	rot := func(admin int64) map[string]any {
		return map[string]any{"credentials": map[string]any{"admin": map[string]any{"rotation_id": admin}}}
	}
	if err := step(rot(1)); err != nil {
		t.Fatal(err)
	}
	if err := step(rot(2)); err != nil {
		t.Fatal(err)
	}
	wantInvalid(t, step(rot(4)), "status.credentials.admin.rotation_id", "rotation_id may only be increased by 1")
	wantInvalid(t, step(rot(1)), "status.credentials.admin.rotation_id", "rotation_id may only be increased by 1")
	wantInvalid(t, step(map[string]any{"credentials": map[string]any{"service": map[string]any{"rotation_id": int64(1)}}}),
		"status.credentials", "credentials.admin.rotation_id can not be removed")
	cur, _ := dyn.Resource(osdplGR).Namespace(ns).Get(ctx, "rot", metav1.GetOptions{})
	wantInvalid(t, step(rot(0)), "status.credentials.admin.rotation_id")
	_ = cur
}
