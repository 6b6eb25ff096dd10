package osdpl

import (
	"context"

	"rockoon.dev/rockoon/pkg/render"
)

// Releases installs and removes Helm releases (implemented by pkg/helm).
type Releases interface {
	// Plan tells whether Apply would change the release (install or
	// upgrade), without changing anything.
	Plan(ctx context.Context, r render.Release) (changed bool, err error)
	// Apply installs or upgrades a release; changed is false when the
	// deployed release already has these values and chart. An error
	// wrapped with Waiting is a wait (the release is busy), not a failure.
	Apply(ctx context.Context, r render.Release) (changed bool, err error)
	// Values returns the values the latest revision of a release was
	// given; nil for a release that does not exist.
	Values(ctx context.Context, namespace, name string) (map[string]any, error)
	// Uninstall removes a release; a missing release is not an error.
	Uninstall(ctx context.Context, namespace, name string) (bool, error)
}
