package node

import (
	"maps"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestParseRoles(t *testing.T) {
	roles, err := ParseRoles(DefaultRoles)
	if err != nil {
		t.Fatal(err)
	}
	want := Roles{
		{Name: "compute", Label: "openstack-compute-node", Value: "enabled"},
		{Name: "controller", Label: "openstack-control-plane", Value: "enabled"},
		{Name: "gateway", Label: "openstack-gateway", Value: "enabled"},
	}
	if !reflect.DeepEqual(roles, want) {
		t.Errorf("default roles %+v, want %+v", roles, want)
	}
	for _, bad := range []string{`{"compute": {}}`, `{"compute": {"a": "1", "b": "1"}}`, `{}`, `not json`, `{"compute": "x"}`} {
		if _, err := ParseRoles(bad); err == nil {
			t.Errorf("ParseRoles(%s) accepted", bad)
		}
	}
}

func TestLabelChanges(t *testing.T) {
	roles, _ := ParseRoles(DefaultRoles)
	str := func(s string) *string { return &s }
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   map[string]*string
	}{
		{"none", map[string]string{"x": "y"}, map[string]*string{}},
		{"compute", map[string]string{"openstack-compute-node": "enabled"}, map[string]*string{"rockoon-openstack-compute-node": str("controller")}},
		{"wrong value", map[string]string{"openstack-compute-node": "disabled", "rockoon-openstack-compute-node": "controller"}, map[string]*string{"rockoon-openstack-compute-node": nil}},
		{"converged", map[string]string{"openstack-gateway": "enabled", "rockoon-openstack-gateway": "controller"}, map[string]*string{}},
		{"internal value fixed", map[string]string{"openstack-gateway": "enabled", "rockoon-openstack-gateway": "x"}, map[string]*string{"rockoon-openstack-gateway": str("controller")}},
	} {
		got := roles.labelChanges(&corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: tc.labels}})
		if !maps.EqualFunc(got, tc.want, func(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }) {
			t.Errorf("%s: changes %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestOriginalNodeMatchesPythonJSON(t *testing.T) {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "cmp-1", Labels: map[string]string{"a": "b"}}, Spec: corev1.NodeSpec{PodCIDR: "10.0.0.0/24"}}
	got, err := originalNode(n)
	if err != nil {
		t.Fatal(err)
	}
	// As the original's json.dumps writes it.
	py := `{"apiVersion": "v1", "kind": "Node", "spec": {"podCIDR": "10.0.0.0/24"}, "metadata": {"name": "cmp-1", "labels": {"a": "b"}}}`
	if !sameJSON(got, py) {
		t.Errorf("%s differs from %s", got, py)
	}
	if sameJSON(got, `{"apiVersion": "v1", "kind": "Node", "spec": {}, "metadata": {"name": "cmp-1", "labels": {"a": "b"}}}`) {
		t.Errorf("a different spec compares equal")
	}
}
