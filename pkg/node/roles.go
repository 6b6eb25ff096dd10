package node

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// RolesEnv is the original's environment variable holding the roles (the
// default of --openstack-node-labels).
const RolesEnv = "OSCTL_OPENSTACK_NODE_LABELS"

// DefaultRoles is the original's default of RolesEnv.
const DefaultRoles = `{"controller": {"openstack-control-plane": "enabled"}, "compute": {"openstack-compute-node": "enabled"}, "gateway": {"openstack-gateway": "enabled"}}`

// Role names of the original.
const (
	RoleController = "controller"
	RoleCompute    = "compute"
	RoleGateway    = "gateway"
)

// InternalLabelPrefix and InternalLabelValue make the internal label of a
// role: rockoon-<role label key>=controller, the per-node override
// selector of the templates (rockoon-openstack-gateway::controller).
const (
	InternalLabelPrefix = "rockoon-"
	InternalLabelValue  = "controller"
)

// Role is one OpenStack node role: a node has it when it carries Label
// with Value.
type Role struct {
	Name, Label, Value string
}

// InternalLabel is the label the binary keeps on the nodes with the role.
func (r Role) InternalLabel() string { return InternalLabelPrefix + r.Label }

// Roles are the OpenStack node roles, sorted by name.
type Roles []Role

// ParseRoles reads the original's JSON format: role name → {label: value},
// exactly one label per role.
func ParseRoles(s string) (Roles, error) {
	var raw map[string]map[string]string
	if err := json.Unmarshal([]byte(s), &raw); err != nil {
		return nil, fmt.Errorf("node roles %q: %w", s, err)
	}
	if len(raw) == 0 {
		return nil, fmt.Errorf("node roles %q: no role", s)
	}
	var roles Roles
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		lbls := raw[name]
		if len(lbls) != 1 {
			return nil, fmt.Errorf("node role %s: %d labels, want exactly one", name, len(lbls))
		}
		for k, v := range lbls {
			roles = append(roles, Role{Name: name, Label: k, Value: v})
		}
	}
	return roles, nil
}

// Of returns the names of the roles the node has.
func (rs Roles) Of(node *corev1.Node) []string {
	var out []string
	for _, r := range rs {
		if r.has(node) {
			out = append(out, r.Name)
		}
	}
	return out
}

// Has reports whether the node has the named role.
func (rs Roles) Has(node *corev1.Node, name string) bool {
	return slices.Contains(rs.Of(node), name)
}

// has reports whether the node carries the role's label with its value.
func (r Role) has(node *corev1.Node) bool {
	v, ok := node.Labels[r.Label]
	return ok && v == r.Value
}

// labelChanges returns the internal labels to set (value) or remove (nil)
// for the node to match its roles; empty when they do. Two roles on one
// label key (different values) share the internal label: it is set when
// either matches.
func (rs Roles) labelChanges(node *corev1.Node) map[string]*string {
	want := map[string]bool{}
	for _, r := range rs {
		want[r.InternalLabel()] = want[r.InternalLabel()] || r.has(node)
	}
	out := map[string]*string{}
	for label, has := range want {
		cur, set := node.Labels[label]
		switch {
		case has && cur != InternalLabelValue:
			v := InternalLabelValue
			out[label] = &v
		case !has && set:
			out[label] = nil
		}
	}
	return out
}
