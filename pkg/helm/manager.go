package helm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/kube"
	"helm.sh/helm/v3/pkg/storage"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// Options configure a Manager. The zero value of each field is replaced by
// its default.
type Options struct {
	// ChartsDir is laid out as <dir>/{openstack,infra}/<chart>.
	ChartsDir string
	// ChartRepository, when set, is the URL of a Helm chart repository
	// (index.yaml and packaged charts) the charts come from instead of
	// ChartsDir: https://, or http:// with AllowInsecureChartRepository.
	// Every downloaded archive must match the sha256 digest of its index
	// entry.
	ChartRepository string
	// ChartVersion is the version of the charts taken from ChartRepository,
	// or a semver constraint (">= 2025.1.0, < 2026.0.0"; the newest
	// matching version wins). Required with ChartRepository: the newest
	// version is never taken silently.
	ChartVersion string
	// AllowInsecureChartRepository permits a plain http:// ChartRepository
	// (charts and index unauthenticated; the digests then only catch
	// transfer errors).
	AllowInsecureChartRepository bool
	// MaxHistory is the number of revisions kept per release (default 3).
	MaxHistory int
	// MaxParallel bounds the Apply, Uninstall and Rollback calls running at
	// once across releases (default 4; 1 serializes them like the
	// original).
	MaxParallel int
	// Timeout bounds one Helm action (default 10m).
	Timeout time.Duration
	// PendingTimeout is how old a pending-* revision must be before it is
	// taken for one left by a killed process and recovered (default:
	// Timeout). A younger one may belong to a process still at work (an old
	// leader finishing), so Apply returns ErrReleaseBusy rather than act on
	// it at the same time.
	PendingTimeout time.Duration
	// Handover, when set, returns the instant before which every pending-*
	// revision was necessarily left by another (previous) process that can
	// no longer act: the time this process acquired the leader Lease,
	// returned only once the previous holder's grace period has passed
	// (the zero time: not known yet, or not safe yet). Apply recovers a
	// pending revision started (Info.LastDeployed) before that instant at
	// once, whatever PendingTimeout says.
	Handover func() time.Time
	// DisableHooks skips chart hooks (for clusters where no pod runs, where
	// hook Jobs never complete).
	DisableHooks bool
	// KubeVersion is the Kubernetes version Render (client-only) tells the
	// charts (default v1.37.2).
	KubeVersion string
}

var (
	// ErrReleaseBusy is returned for a release another process may still
	// be changing (a pending revision younger than Options.PendingTimeout
	// and not known to be left by a previous leader, see
	// Options.Handover): retry later.
	ErrReleaseBusy = errors.New("release is being changed by another Helm action")
	// ErrReleaseTooLarge is returned, before anything is changed, for an
	// upgrade whose revision would not fit in its storage Secret (1 MiB).
	ErrReleaseTooLarge = errors.New("release too large for its storage Secret")
	// ErrVolumeChange is returned when an upgrade needs a PersistentVolume
	// or PersistentVolumeClaim recreated: that is never done automatically.
	ErrVolumeChange = errors.New("a volume or volume claim can not be updated automatically: change it by hand")
	// ErrReleaseNotFound is returned by GetValues and Rollback for a release
	// that does not exist (it is Helm's storage error).
	ErrReleaseNotFound = driver.ErrReleaseNotFound

	errNoCluster = errors.New("the Helm manager was created without a cluster (client-only)")
)

// Release is a release to install or upgrade.
type Release struct {
	Name      string         // e.g. "openstack-keystone"
	Namespace string         // release namespace, where the storage Secrets live
	Group     string         // "openstack" or "infra": the charts-dir subdirectory
	Chart     string         // chart name, e.g. "keystone"
	Values    map[string]any // the final values, all of them (nothing is reused)
}

func (r Release) validate() error {
	if r.Name == "" || r.Namespace == "" || r.Group == "" || r.Chart == "" {
		return fmt.Errorf("release %s/%s (chart %s/%s): name, namespace, group and chart are required", r.Namespace, r.Name, r.Group, r.Chart)
	}
	return nil
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
	Revision int // the release's latest revision after Apply
}

// DeployedRelease is a release in storage (its latest revision).
type DeployedRelease struct {
	Name, Namespace, Chart, ChartVersion, Status string
	Revision                                     int
}

// Manager drives Helm. Safe for concurrent use: calls on one release are
// serialized, calls on different releases run in parallel up to
// Options.MaxParallel.
type Manager struct {
	opts      Options
	getter    *restGetter // nil: client-only
	clientset kubernetes.Interface
	dynamic   dynamic.Interface
	metadata  metadata.Interface
	charts    *chartCache

	sem   chan struct{}
	mu    sync.Mutex
	locks map[string]*releaseLock

	// held, when set (tests), is called once a call holds its release lock
	// and a parallelism slot, before it does anything.
	held func(namespace, name string)
	// wrapDriver, when set (tests), wraps the storage driver of every
	// action configuration (to make storage calls fail).
	wrapDriver func(driver.Driver) driver.Driver
}

type releaseLock struct {
	ch   chan struct{}
	refs int
}

// New creates a Manager for the cluster of cfg. With a nil cfg only Chart
// and Render work (client-only, e.g. `osdpl render`).
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
	if err := validateRepository(opts); err != nil {
		return nil, err
	}
	m := &Manager{
		opts:   opts,
		charts: &chartCache{dir: opts.ChartsDir, repoURL: opts.ChartRepository, version: opts.ChartVersion, client: httpClient},
		sem:    make(chan struct{}, opts.MaxParallel),
		locks:  map[string]*releaseLock{},
	}
	if cfg == nil {
		return m, nil
	}
	var err error
	if m.getter, err = newRESTGetter(cfg); err != nil {
		return nil, fmt.Errorf("helm: discovery client: %w", err)
	}
	if m.clientset, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("helm: clientset: %w", err)
	}
	if m.dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("helm: dynamic client: %w", err)
	}
	if m.metadata, err = metadata.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("helm: metadata client: %w", err)
	}
	return m, nil
}

// Chart returns the chart group/name with its file:// dependencies
// resolved. The chart is loaded once and cached for the life of the
// Manager; every call returns a copy the caller may modify.
func (m *Manager) Chart(group, name string) (*chart.Chart, error) {
	lc, err := m.charts.get(group, name)
	if err != nil {
		return nil, err
	}
	return copyChart(lc.pristine), nil
}

// acquire takes the lock of one release, then a parallelism slot (so that
// calls queued on a busy release hold no slot). The returned func releases
// both.
func (m *Manager) acquire(ctx context.Context, namespace, name string) (func(), error) {
	key := namespace + "/" + name
	m.mu.Lock()
	l, ok := m.locks[key]
	if !ok {
		l = &releaseLock{ch: make(chan struct{}, 1)}
		m.locks[key] = l
	}
	l.refs++
	m.mu.Unlock()
	unref := func() {
		m.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(m.locks, key)
		}
		m.mu.Unlock()
	}

	select {
	case l.ch <- struct{}{}:
	case <-ctx.Done():
		unref()
		return nil, fmt.Errorf("waiting for release %s: %w", key, ctx.Err())
	}
	select {
	case m.sem <- struct{}{}:
	case <-ctx.Done():
		<-l.ch
		unref()
		return nil, fmt.Errorf("waiting for a Helm slot for release %s: %w", key, ctx.Err())
	}
	if m.held != nil {
		m.held(namespace, name)
	}
	return func() {
		<-m.sem
		<-l.ch
		unref()
	}, nil
}

// actionConfig builds the Helm configuration of one action: a fresh kube
// client (Helm's is not safe to share) and the secrets storage driver of
// the namespace, over the shared getter.
func (m *Manager) actionConfig(ctx context.Context, namespace string) (*action.Configuration, error) {
	if m.getter == nil {
		return nil, errNoCluster
	}
	logger := klog.FromContext(ctx).V(6)
	logf := func(format string, v ...any) {
		if logger.Enabled() {
			logger.Info(fmt.Sprintf(format, v...), "component", "helm")
		}
	}
	getter := m.getter.forNamespace(namespace)
	kc := kube.New(getter)
	kc.Log = logf
	kc.Namespace = namespace
	secrets := driver.NewSecrets(m.clientset.CoreV1().Secrets(namespace))
	secrets.Log = logf
	var d driver.Driver = secrets
	if m.wrapDriver != nil {
		d = m.wrapDriver(d)
	}
	store := storage.Init(d)
	store.Log = logf
	// Helm's storage prunes the history in Create, before the new revision
	// is stored: a Create that then fails loses a good revision. The
	// history is pruned by pruneHistory instead, after a successful action.
	store.MaxHistory = 0
	return &action.Configuration{
		RESTClientGetter: getter,
		KubeClient:       kc,
		Releases:         store,
		Log:              logf,
		HookOutputFunc:   func(_, _, _ string) io.Writer { return io.Discard },
	}, nil
}

// helmValues converts values to what Helm itself reads from a values file:
// a JSON round trip, so that every number is a float64 (helm-toolkit's
// printf "%1.f" and similar template code expect that), and a copy Helm
// may modify.
func helmValues(v map[string]any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding values: %w", err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decoding values: %w", err)
	}
	return out, nil
}
