package osdpl

import (
	"context"

	"rockoon.dev/rockoon/pkg/render"
)

// Finalizer is the original's finalizer name, so that adopted objects keep
// working.
const Finalizer = "lcm.mirantis.com/rockoon.osdpl-finalizer"

// StatusFinalizer keeps the osdplst (the record of the releases each
// service owns) until the osdpl's deletion has uninstalled them, even when
// the osdpl is deleted with foreground cascading.
const StatusFinalizer = "lcm.mirantis.com/rockoon.osdplst-finalizer"

// SecretLabel marks the Secrets that value_from may reference.
const SecretLabel = "openstack.lcm.mirantis.com/osdpl_secret"

// Condition types on the OpenStackDeployment.
const (
	ConditionReady       = "Ready"
	ConditionProgressing = "Progressing"
	ConditionDegraded    = "Degraded"
)

// Releases installs and removes Helm releases (implemented by pkg/helm).
type Releases interface {
	// Apply installs or upgrades a release; changed is false when the
	// deployed release already has these values and chart.
	Apply(ctx context.Context, r render.Release) (changed bool, err error)
	// Uninstall removes a release; a missing release is not an error.
	Uninstall(ctx context.Context, namespace, name string) (bool, error)
}
