package osdpl

import (
	"context"

	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/render"
)

// HelmReleases adapts the Helm manager to Releases.
type HelmReleases struct{ Manager *helm.Manager }

// Apply implements Releases.
func (h HelmReleases) Apply(ctx context.Context, r render.Release) (bool, error) {
	res, err := h.Manager.Apply(ctx, helm.Release{Name: r.Name, Namespace: r.Namespace, Group: r.Group, Chart: r.Chart, Values: r.Values})
	if err != nil {
		return false, err
	}
	return res.Action != helm.ActionUnchanged, nil
}

// Uninstall implements Releases.
func (h HelmReleases) Uninstall(ctx context.Context, namespace, name string) (bool, error) {
	return h.Manager.Uninstall(ctx, namespace, name)
}
