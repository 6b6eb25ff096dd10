package osdpl

import (
	"context"
	"errors"

	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/render"
)

// HelmReleases adapts the Helm manager to Releases.
type HelmReleases struct{ Manager *helm.Manager }

func helmRelease(r render.Release) helm.Release {
	return helm.Release{Name: r.Name, Namespace: r.Namespace, Group: r.Group, Chart: r.Chart, Values: r.Values}
}

// Plan implements Releases.
func (h HelmReleases) Plan(ctx context.Context, r render.Release) (bool, error) {
	a, err := h.Manager.Plan(ctx, helmRelease(r))
	if err != nil {
		return false, err
	}
	return a != helm.ActionUnchanged, nil
}

// Apply implements Releases. The action, once started, runs to its end
// (bounded by the Helm timeout) even when ctx is cancelled: cutting it
// would leave the release pending.
func (h HelmReleases) Apply(ctx context.Context, r render.Release) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	res, err := h.Manager.Apply(context.WithoutCancel(ctx), helmRelease(r))
	if errors.Is(err, helm.ErrReleaseBusy) {
		return false, Waiting(err)
	}
	if err != nil {
		return false, err
	}
	return res.Action != helm.ActionUnchanged, nil
}

// Values implements Releases.
func (h HelmReleases) Values(ctx context.Context, namespace, name string) (map[string]any, error) {
	v, err := h.Manager.GetValues(ctx, namespace, name)
	if errors.Is(err, helm.ErrReleaseNotFound) {
		return nil, nil
	}
	return v, err
}

// Uninstall implements Releases.
func (h HelmReleases) Uninstall(ctx context.Context, namespace, name string) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	return h.Manager.Uninstall(context.WithoutCancel(ctx), namespace, name)
}
