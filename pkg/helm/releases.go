package helm

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/klog/v2"
)

// Uninstall removes a release, its objects and its whole history (nothing
// is kept in storage). A missing release is not an error: deleted is false.
func (m *Manager) Uninstall(ctx context.Context, namespace, name string) (deleted bool, err error) {
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("release", klog.KRef(namespace, name)))
	unlock, err := m.acquire(ctx, namespace, name)
	if err != nil {
		return false, err
	}
	defer unlock()
	cfg, err := m.actionConfig(ctx, namespace)
	if err != nil {
		return false, err
	}
	return m.uninstall(ctx, cfg, name)
}

func (m *Manager) uninstall(ctx context.Context, cfg *action.Configuration, name string) (bool, error) {
	un := action.NewUninstall(cfg)
	un.Timeout = m.opts.Timeout
	un.DisableHooks = m.opts.DisableHooks
	un.IgnoreNotFound = true
	un.KeepHistory = false
	res, err := un.Run(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("uninstalling release %s: %w", name, err)
	}
	if res == nil || res.Release == nil {
		return false, nil
	}
	klog.FromContext(ctx).Info("Release uninstalled")
	return true, nil
}

// List returns the releases of a namespace (the latest revision of each,
// whatever its status), sorted by name.
func (m *Manager) List(ctx context.Context, namespace string) ([]DeployedRelease, error) {
	cfg, err := m.actionConfig(ctx, namespace)
	if err != nil {
		return nil, err
	}
	l := action.NewList(cfg)
	l.All = true
	l.SetStateMask()
	rels, err := l.Run()
	if err != nil {
		return nil, fmt.Errorf("listing the releases of namespace %s: %w", namespace, err)
	}
	out := make([]DeployedRelease, 0, len(rels))
	for _, r := range rels {
		d := DeployedRelease{Name: r.Name, Namespace: r.Namespace, Revision: r.Version}
		if r.Info != nil {
			d.Status = r.Info.Status.String()
		}
		if r.Chart != nil && r.Chart.Metadata != nil {
			d.Chart, d.ChartVersion = r.Chart.Metadata.Name, r.Chart.Metadata.Version
		}
		out = append(out, d)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// History returns the stored revisions of a release, oldest first; none
// for a missing release.
func (m *Manager) History(ctx context.Context, namespace, name string) ([]*release.Release, error) {
	cfg, err := m.actionConfig(ctx, namespace)
	if err != nil {
		return nil, err
	}
	h, err := cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the history of release %s/%s: %w", namespace, name, err)
	}
	sort.Slice(h, func(i, j int) bool { return h[i].Version < h[j].Version })
	return h, nil
}

// UpdateStored rewrites a stored revision as it is (status included). It
// exists for tests and repair tools that must reproduce what an
// interrupted process leaves behind.
func (m *Manager) UpdateStored(ctx context.Context, rel *release.Release) error {
	cfg, err := m.actionConfig(ctx, rel.Namespace)
	if err != nil {
		return err
	}
	if err := cfg.Releases.Update(rel); err != nil {
		return fmt.Errorf("updating revision %d of release %s/%s: %w", rel.Version, rel.Namespace, rel.Name, err)
	}
	return nil
}

// GetValues returns the values of the latest revision of a release (as
// `helm get values`): the final values Apply was given. A missing release
// gives ErrReleaseNotFound.
func (m *Manager) GetValues(ctx context.Context, namespace, name string) (map[string]any, error) {
	cfg, err := m.actionConfig(ctx, namespace)
	if err != nil {
		return nil, err
	}
	vals, err := action.NewGetValues(cfg).Run(name)
	if err != nil {
		return nil, fmt.Errorf("getting the values of release %s/%s: %w", namespace, name, err)
	}
	return vals, nil
}

// Rollback rolls a release back to revision (0: the previous one). The
// rollback is a new revision; the history is pruned to MaxHistory
// revisions after it succeeded.
func (m *Manager) Rollback(ctx context.Context, namespace, name string, revision int) error {
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("release", klog.KRef(namespace, name)))
	unlock, err := m.acquire(ctx, namespace, name)
	if err != nil {
		return err
	}
	defer unlock()
	cfg, err := m.actionConfig(ctx, namespace)
	if err != nil {
		return err
	}
	rb := action.NewRollback(cfg)
	rb.Version = revision
	rb.Timeout = m.opts.Timeout
	rb.MaxHistory = 0 // pruned after success (pruneHistory), never before
	rb.DisableHooks = m.opts.DisableHooks
	if err := rb.Run(name); err != nil {
		return fmt.Errorf("rolling release %s/%s back to revision %d: %w", namespace, name, revision, err)
	}
	m.pruneHistory(ctx, cfg, name)
	klog.FromContext(ctx).Info("Release rolled back", "toRevision", revision)
	return nil
}

// Render renders a release through the Helm template engine, client-only:
// no cluster is contacted (Kubernetes version Options.KubeVersion, Helm's
// default API versions), hooks are left out. It is what `osdpl render` and
// the conformance tests show.
func (m *Manager) Render(ctx context.Context, r Release) (string, error) {
	if err := r.validate(); err != nil {
		return "", err
	}
	vals, err := helmValues(r.Values)
	if err != nil {
		return "", fmt.Errorf("release %s/%s: %w", r.Namespace, r.Name, err)
	}
	lc, err := m.charts.get(r.Group, r.Chart)
	if err != nil {
		return "", err
	}
	kv, err := chartutil.ParseKubeVersion(m.opts.KubeVersion)
	if err != nil {
		return "", fmt.Errorf("kube version %q: %w", m.opts.KubeVersion, err)
	}
	// A fresh Configuration each time: client-only actions fill it in.
	cfg := &action.Configuration{Log: func(string, ...any) {}}
	in := action.NewInstall(cfg)
	in.ReleaseName = r.Name
	in.Namespace = r.Namespace
	in.DryRun = true
	in.ClientOnly = true
	in.KubeVersion = kv
	in.DisableHooks = true
	rel, err := in.RunWithContext(ctx, copyChart(lc.pristine), vals)
	if err != nil {
		return "", fmt.Errorf("rendering release %s/%s (chart %s/%s): %w", r.Namespace, r.Name, r.Group, r.Chart, err)
	}
	return rel.Manifest, nil
}
