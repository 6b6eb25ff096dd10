package helm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// DigestLabel is the release label holding the digest of the chart and
// values a revision was made from.
const DigestLabel = "rockoon.dev/digest"

// Options configure a Manager.
type Options struct {
	// ChartsDir is laid out as <dir>/{openstack,infra}/<chart>.
	ChartsDir string
	// ChartRepository, when set, is the URL of a Helm chart repository
	// (index.yaml and packaged charts) the charts come from instead of
	// ChartsDir; the newest version of each chart is used.
	ChartRepository string
	// MaxHistory is the number of revisions kept per release (default 3).
	MaxHistory int
	// MaxParallel bounds the Helm actions running at once (default 4; 1
	// serializes them like the original).
	MaxParallel int
	// Timeout bounds one Helm action (default 10m).
	Timeout time.Duration
	// PendingTimeout is how old a pending-* revision must be before it is
	// taken for one left by a killed process and recovered (default:
	// Timeout). A younger one may belong to a process still at work (an old
	// leader finishing), so Apply waits (ErrReleaseBusy) rather than act on
	// it at the same time.
	PendingTimeout time.Duration
	// DisableHooks skips chart hooks (only for clusters where no pod
	// runs, where hook Jobs never complete).
	DisableHooks bool
	// KubeVersion is used for client-only rendering (default v1.37.2).
	KubeVersion string
}

// ErrReleaseBusy is returned for a release another process is changing (a
// pending revision younger than Options.PendingTimeout): retry later.
var ErrReleaseBusy = errors.New("release is being changed by another Helm action")

// Release is a release to install or upgrade.
type Release struct {
	Name      string
	Namespace string
	Group     string // openstack or infra
	Chart     string
	Values    map[string]any
}

// Action is what Apply did or would do.
type Action string

// Actions.
const (
	ActionInstall   Action = "install"
	ActionUpgrade   Action = "upgrade"
	ActionUnchanged Action = "unchanged"
)

// Result of Apply.
type Result struct {
	Action   Action
	Revision int
}

// DeployedRelease is a release in storage.
type DeployedRelease struct {
	Name, Namespace, Chart, ChartVersion, Status string
	Revision                                     int
}

// Manager drives Helm. Safe for concurrent use.
type Manager struct {
	opts    Options
	getter  *restGetter
	dynamic dynamic.Interface
	charts  *chartCache
	sem     chan struct{}

	mu    sync.Mutex
	locks map[string]*sync.Mutex
}

// New creates a Manager for the cluster of cfg.
func New(cfg *rest.Config, opts Options) (*Manager, error) {
	if opts.MaxHistory <= 0 {
		opts.MaxHistory = 3
	}
	if opts.MaxParallel <= 0 {
		opts.MaxParallel = 4
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 10 * time.Minute
	}
	if opts.PendingTimeout <= 0 {
		opts.PendingTimeout = opts.Timeout
	}
	if opts.KubeVersion == "" {
		opts.KubeVersion = "v1.37.2"
	}
	getter, err := newRESTGetter(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	return &Manager{
		opts: opts, getter: getter, dynamic: dyn,
		charts: &chartCache{dir: opts.ChartsDir, repoURL: opts.ChartRepository},
		sem:    make(chan struct{}, opts.MaxParallel),
		locks:  map[string]*sync.Mutex{},
	}, nil
}

// Chart returns a loaded chart with its file:// dependencies.
func (m *Manager) Chart(group, name string) (*chart.Chart, error) {
	lc, err := m.charts.get(group, name)
	if err != nil {
		return nil, err
	}
	return lc.fresh()
}

// lock serializes operations on one release and bounds parallelism.
func (m *Manager) lock(ctx context.Context, ns, name string) (func(), error) {
	m.mu.Lock()
	l, ok := m.locks[ns+"/"+name]
	if !ok {
		l = &sync.Mutex{}
		m.locks[ns+"/"+name] = l
	}
	m.mu.Unlock()
	l.Lock()
	select {
	case m.sem <- struct{}{}:
	case <-ctx.Done():
		l.Unlock()
		return nil, ctx.Err()
	}
	return func() { <-m.sem; l.Unlock() }, nil
}

func (m *Manager) config(ctx context.Context, ns string) (*action.Configuration, error) {
	logger := klog.FromContext(ctx).V(6)
	cfg := &action.Configuration{}
	if err := cfg.Init(m.getter.forNamespace(ns), ns, "secret", func(format string, v ...any) {
		logger.Info(fmt.Sprintf(format, v...))
	}); err != nil {
		return nil, fmt.Errorf("initializing Helm for namespace %s: %w", ns, err)
	}
	return cfg, nil
}

// Plan tells what Apply would do, without doing it.
func (m *Manager) Plan(ctx context.Context, r Release) (Action, error) {
	lc, err := m.charts.get(r.Group, r.Chart)
	if err != nil {
		return "", err
	}
	cfg, err := m.config(ctx, r.Namespace)
	if err != nil {
		return "", err
	}
	last, err := cfg.Releases.Last(r.Name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return ActionInstall, nil
	}
	if err != nil {
		return "", err
	}
	digest, err := releaseDigest(lc.digest, r.Values)
	if err != nil {
		return "", err
	}
	if last.Info.Status == release.StatusDeployed && last.Labels[DigestLabel] == digest {
		return ActionUnchanged, nil
	}
	return ActionUpgrade, nil
}

// helmValues converts values to what Helm itself reads from a values file:
// a JSON round trip, so that every number is a float64 (helm-toolkit's
// printf "%1.f" and similar template code expect that).
func helmValues(v map[string]any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Apply installs or upgrades a release.
func (m *Manager) Apply(ctx context.Context, r Release) (Result, error) {
	var err error
	if r.Values, err = helmValues(r.Values); err != nil {
		return Result{}, err
	}
	logger := klog.FromContext(ctx).WithValues("release", klog.KRef(r.Namespace, r.Name), "chart", r.Chart)
	ctx = klog.NewContext(ctx, logger)
	lc, err := m.charts.get(r.Group, r.Chart)
	if err != nil {
		return Result{}, err
	}
	digest, err := releaseDigest(lc.digest, r.Values)
	if err != nil {
		return Result{}, err
	}
	unlock, err := m.lock(ctx, r.Namespace, r.Name)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	cfg, err := m.config(ctx, r.Namespace)
	if err != nil {
		return Result{}, err
	}
	last, err := cfg.Releases.Last(r.Name)
	switch {
	case errors.Is(err, driver.ErrReleaseNotFound):
		last = nil
	case err != nil:
		return Result{}, fmt.Errorf("reading release history: %w", err)
	}
	if last != nil {
		if last.Info.Status.IsPending() {
			if age := time.Since(last.Info.LastDeployed.Time); age < m.opts.PendingTimeout {
				return Result{}, fmt.Errorf("%w: revision %d is %s since %s", ErrReleaseBusy, last.Version, last.Info.Status, age.Round(time.Second))
			}
			// Left by a process killed mid-action: nothing can proceed
			// while a revision is pending. Mark it failed; the upgrade
			// below replaces it.
			logger.Info("Recovering a release left pending", "revision", last.Version, "status", last.Info.Status)
			last.SetStatus(release.StatusFailed, "rockoon: recovered a "+last.Info.Status.String()+" revision left by an interrupted process")
			if err := cfg.Releases.Update(last); err != nil {
				return Result{}, fmt.Errorf("recovering pending revision %d: %w", last.Version, err)
			}
		}
		if last.Info.Status == release.StatusUninstalling {
			if _, err := m.uninstall(ctx, cfg, r.Name); err != nil {
				return Result{}, err
			}
			last = nil
		} else if last.Info.Status == release.StatusDeployed && last.Labels[DigestLabel] == digest {
			return Result{Action: ActionUnchanged, Revision: last.Version}, nil
		}
	}
	ch, err := lc.fresh()
	if err != nil {
		return Result{}, err
	}
	if last == nil {
		rel, err := m.install(ctx, cfg, r, ch, digest)
		if err != nil {
			return Result{}, err
		}
		logger.Info("Installed", "revision", rel.Version)
		return Result{Action: ActionInstall, Revision: rel.Version}, nil
	}
	if err := m.deleteChangedJobs(ctx, cfg, r); err != nil {
		return Result{}, err
	}
	rel, err := m.upgrade(ctx, cfg, r, ch, digest)
	if err != nil {
		return Result{}, err
	}
	logger.Info("Upgraded", "revision", rel.Version)
	return Result{Action: ActionUpgrade, Revision: rel.Version}, nil
}

func (m *Manager) install(ctx context.Context, cfg *action.Configuration, r Release, ch *chart.Chart, digest string) (*release.Release, error) {
	in := action.NewInstall(cfg)
	in.ReleaseName = r.Name
	in.Namespace = r.Namespace
	in.Timeout = m.opts.Timeout
	in.DisableHooks = m.opts.DisableHooks
	in.Labels = map[string]string{DigestLabel: digest}
	rel, err := in.RunWithContext(ctx, ch, r.Values)
	if err != nil {
		return nil, fmt.Errorf("installing: %w", err)
	}
	return rel, nil
}

var immutableRE = regexp.MustCompile(`cannot patch "([^"]+)" with kind ([A-Za-z]+)`)

func (m *Manager) upgrade(ctx context.Context, cfg *action.Configuration, r Release, ch *chart.Chart, digest string) (*release.Release, error) {
	logger := klog.FromContext(ctx)
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			// The failed attempt processed (modified) the chart.
			fresh, err := m.Chart(r.Group, r.Chart)
			if err != nil {
				return nil, err
			}
			ch = fresh
		}
		up := action.NewUpgrade(cfg)
		up.Namespace = r.Namespace
		up.Timeout = m.opts.Timeout
		up.MaxHistory = m.opts.MaxHistory
		up.DisableHooks = m.opts.DisableHooks
		up.Labels = map[string]string{DigestLabel: digest}
		rel, err := up.RunWithContext(ctx, r.Name, ch, r.Values)
		if err == nil {
			return rel, nil
		}
		msg := err.Error()
		matches := immutableRE.FindAllStringSubmatch(msg, -1)
		for _, mt := range matches {
			if mt[2] == "PersistentVolumeClaim" || mt[2] == "PersistentVolume" {
				return nil, fmt.Errorf("upgrading: %w: %s %s can not be updated automatically, change it by hand", err, mt[2], mt[1])
			}
		}
		if len(matches) == 0 || !(strings.Contains(msg, "field is immutable") || strings.Contains(msg, "are forbidden")) || attempt >= 3 {
			return nil, fmt.Errorf("upgrading: %w", err)
		}
		objects, rerr := m.manifestObjects(ctx, r)
		if rerr != nil {
			return nil, fmt.Errorf("upgrading: %w (and rendering to find the immutable objects: %v)", err, rerr)
		}
		for _, mt := range matches {
			name, kind := mt[1], mt[2]
			obj, ok := objects[kind+"/"+name]
			if !ok {
				return nil, fmt.Errorf("upgrading: %w: %s %s is not in the new manifest", err, kind, name)
			}
			logger.Info("Deleting an object whose immutable fields changed", "kind", kind, "name", name)
			if err := m.deleteAndWait(ctx, obj.gvk, r.Namespace, name); err != nil {
				return nil, err
			}
		}
	}
}

// Uninstall removes a release and its history; a missing one is not an
// error.
func (m *Manager) Uninstall(ctx context.Context, namespace, name string) (bool, error) {
	unlock, err := m.lock(ctx, namespace, name)
	if err != nil {
		return false, err
	}
	defer unlock()
	cfg, err := m.config(ctx, namespace)
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
	res, err := un.Run(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("uninstalling %s: %w", name, err)
	}
	if res != nil && res.Release != nil {
		klog.FromContext(ctx).Info("Uninstalled", "release", name)
		return true, nil
	}
	return false, nil
}

// List returns the releases of a namespace (latest revision each).
func (m *Manager) List(ctx context.Context, namespace string) ([]DeployedRelease, error) {
	cfg, err := m.config(ctx, namespace)
	if err != nil {
		return nil, err
	}
	l := action.NewList(cfg)
	l.All = true
	rels, err := l.Run()
	if err != nil {
		return nil, err
	}
	out := make([]DeployedRelease, 0, len(rels))
	for _, r := range rels {
		d := DeployedRelease{Name: r.Name, Namespace: r.Namespace, Revision: r.Version, Status: r.Info.Status.String()}
		if r.Chart != nil && r.Chart.Metadata != nil {
			d.Chart, d.ChartVersion = r.Chart.Metadata.Name, r.Chart.Metadata.Version
		}
		out = append(out, d)
	}
	return out, nil
}

// History returns the stored revisions of a release, oldest first.
func (m *Manager) History(ctx context.Context, namespace, name string) ([]*release.Release, error) {
	cfg, err := m.config(ctx, namespace)
	if err != nil {
		return nil, err
	}
	h, err := cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	return h, err
}

// UpdateStored rewrites a stored revision as it is (status included). It
// exists for tests and repair tools that must reproduce what an
// interrupted process leaves behind.
func (m *Manager) UpdateStored(ctx context.Context, rel *release.Release) error {
	cfg, err := m.config(ctx, rel.Namespace)
	if err != nil {
		return err
	}
	return cfg.Releases.Update(rel)
}

// GetValues returns the user values of the deployed release.
func (m *Manager) GetValues(ctx context.Context, namespace, name string) (map[string]any, error) {
	cfg, err := m.config(ctx, namespace)
	if err != nil {
		return nil, err
	}
	return action.NewGetValues(cfg).Run(name)
}

// Rollback rolls a release back to revision (0 = the previous one).
func (m *Manager) Rollback(ctx context.Context, namespace, name string, revision int) error {
	unlock, err := m.lock(ctx, namespace, name)
	if err != nil {
		return err
	}
	defer unlock()
	cfg, err := m.config(ctx, namespace)
	if err != nil {
		return err
	}
	rb := action.NewRollback(cfg)
	rb.Version = revision
	rb.Timeout = m.opts.Timeout
	rb.MaxHistory = m.opts.MaxHistory
	rb.DisableHooks = m.opts.DisableHooks
	return rb.Run(name)
}

// Render renders a release through the Helm template engine, client-only:
// no cluster is contacted.
func (m *Manager) Render(ctx context.Context, r Release) (string, error) {
	var err error
	if r.Values, err = helmValues(r.Values); err != nil {
		return "", err
	}
	ch, err := m.Chart(r.Group, r.Chart)
	if err != nil {
		return "", err
	}
	return m.render(ctx, r, ch)
}

func (m *Manager) render(ctx context.Context, r Release, ch *chart.Chart) (string, error) {
	kv, err := chartutil.ParseKubeVersion(m.opts.KubeVersion)
	if err != nil {
		return "", err
	}
	cfg := &action.Configuration{Capabilities: chartutil.DefaultCapabilities.Copy(), Log: func(string, ...any) {}}
	cfg.Capabilities.KubeVersion = *kv
	in := action.NewInstall(cfg)
	in.ReleaseName = r.Name
	in.Namespace = r.Namespace
	in.DryRun = true
	in.ClientOnly = true
	in.Replace = true
	in.KubeVersion = kv
	in.DisableHooks = true
	rel, err := in.RunWithContext(ctx, ch, r.Values)
	if err != nil {
		return "", fmt.Errorf("rendering release %s (chart %s): %w", r.Name, r.Chart, err)
	}
	return rel.Manifest, nil
}

// deleteAndWait deletes an object (background propagation) and waits
// until it is gone.
func (m *Manager) deleteAndWait(ctx context.Context, gvk schema.GroupVersionKind, ns, name string) error {
	mapping, err := m.getter.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return err
	}
	client := m.dynamic.Resource(mapping.Resource).Namespace(ns)
	policy := metav1.DeletePropagationBackground
	err = client.Delete(ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting %s %s/%s: %w", gvk.Kind, ns, name, err)
	}
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 2*time.Minute, true, func(ctx context.Context) (bool, error) {
		_, err := client.Get(ctx, name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return false, nil
	})
}
