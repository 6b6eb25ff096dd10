package helm

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/klog/v2"
)

// maxImmutableRetries bounds the upgrades retried after deleting objects
// whose immutable fields changed.
const maxImmutableRetries = 3

// desired is a release with everything Apply and Plan compare.
type desired struct {
	Release
	chart  *loadedChart
	digest string
}

func (m *Manager) desired(r Release) (desired, error) {
	if err := r.validate(); err != nil {
		return desired{}, err
	}
	vals, err := helmValues(r.Values)
	if err != nil {
		return desired{}, fmt.Errorf("release %s/%s: %w", r.Namespace, r.Name, err)
	}
	r.Values = vals
	lc, err := m.charts.get(r.Group, r.Chart)
	if err != nil {
		return desired{}, err
	}
	digest, err := releaseDigest(lc.version(), lc.digest, vals)
	if err != nil {
		return desired{}, err
	}
	return desired{Release: r, chart: lc, digest: digest}, nil
}

// storedDigest is releaseDigest computed from a stored revision: its
// chart's version and digest annotation, and its values.
func storedDigest(rel *release.Release) string {
	if rel.Chart == nil || rel.Chart.Metadata == nil || rel.Chart.Metadata.Annotations[ChartDigestAnnotation] == "" {
		return ""
	}
	d, err := releaseDigest(rel.Chart.Metadata.Version, rel.Chart.Metadata.Annotations[ChartDigestAnnotation], rel.Config)
	if err != nil {
		return ""
	}
	return d
}

// lastRevision returns the latest stored revision, nil when there is none.
func lastRevision(cfg *action.Configuration, name string) (*release.Release, error) {
	last, err := cfg.Releases.Last(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the history of release %s: %w", name, err)
	}
	return last, nil
}

// decide tells what the history calls for.
func decide(last *release.Release, digest string) Action {
	switch {
	case last == nil, last.Info.Status == release.StatusUninstalled, last.Info.Status == release.StatusUninstalling:
		return ActionInstall
	case last.Info.Status == release.StatusDeployed && storedDigest(last) == digest:
		return ActionUnchanged
	default:
		// deployed with other chart or values, failed (even a failed
		// first install: Helm upgrades from a failed revision), pending.
		return ActionUpgrade
	}
}

// Plan tells what Apply would do, without doing it. A release left pending
// is reported as an upgrade, and so is an unchanged release some objects of
// which are missing from the cluster.
func (m *Manager) Plan(ctx context.Context, r Release) (Action, error) {
	d, err := m.desired(r)
	if err != nil {
		return "", err
	}
	cfg, err := m.actionConfig(ctx, r.Namespace)
	if err != nil {
		return "", err
	}
	last, err := lastRevision(cfg, r.Name)
	if err != nil {
		return "", err
	}
	a := decide(last, d.digest)
	if a == ActionUnchanged {
		missing, err := m.missingObjects(ctx, last)
		if err != nil {
			return "", err
		}
		if len(missing) > 0 {
			a = ActionUpgrade
		}
	}
	return a, nil
}

// Apply installs or upgrades a release, or leaves it alone when the
// deployed revision was made from the same chart files and values and
// every object of its manifest exists.
//
// A latest revision left pending-install, -upgrade or -rollback by another
// process is marked failed and the release upgraded when that process can
// no longer act: the revision started before Options.Handover, or is older
// than Options.PendingTimeout; otherwise Apply returns ErrReleaseBusy.
//
// An unchanged release whose deployed manifest names objects missing from
// the cluster (Jobs with spec.ttlSecondsAfterFinished excepted) is
// upgraded with the same values, which re-creates them.
//
// An upgrade is first run dry (rendered as Helm would apply it, and the
// objects it will create, Jobs to re-run included, created in a dry run by
// the API server): an error there, or a revision too large for its
// storage Secret (ErrReleaseTooLarge), returns before anything is
// changed. Then the Jobs
// whose pod template the new manifest changes are deleted so that they run
// again, and the upgrade is run; objects whose immutable fields it can not
// patch are deleted and the upgrade retried, except volumes
// (ErrVolumeChange). Nothing waits for workloads to become ready.
//
// The final status of a successful install or upgrade is recorded even
// when Helm could not (retried), and the history is pruned to
// Options.MaxHistory revisions only then.
func (m *Manager) Apply(ctx context.Context, r Release) (Result, error) {
	d, err := m.desired(r)
	if err != nil {
		return Result{}, err
	}
	logger := klog.FromContext(ctx).WithValues("release", klog.KRef(r.Namespace, r.Name), "chart", r.Group+"/"+r.Chart)
	ctx = klog.NewContext(ctx, logger)

	unlock, err := m.acquire(ctx, r.Namespace, r.Name)
	if err != nil {
		return Result{}, err
	}
	defer unlock()
	cfg, err := m.actionConfig(ctx, r.Namespace)
	if err != nil {
		return Result{}, err
	}
	last, err := lastRevision(cfg, r.Name)
	if err != nil {
		return Result{}, err
	}
	if last != nil && last.Info.Status.IsPending() {
		if err := m.unlockPending(ctx, cfg, last); err != nil {
			return Result{}, err
		}
	}

	act := decide(last, d.digest)
	if act == ActionUnchanged {
		missing, err := m.missingObjects(ctx, last)
		if err != nil {
			return Result{}, err
		}
		if len(missing) == 0 {
			logger.V(2).Info("Release unchanged", "revision", last.Version)
			return Result{Action: ActionUnchanged, Revision: last.Version}, nil
		}
		logger.Info("Objects of the deployed revision are missing from the cluster: upgrading with the same values to re-create them", "revision", last.Version, "missing", missing)
		act = ActionUpgrade
	}

	if act == ActionInstall {
		if last != nil && last.Info.Status == release.StatusUninstalling {
			// An interrupted uninstall: finish it, then install anew.
			logger.Info("Finishing an interrupted uninstall before installing", "revision", last.Version)
			if _, err := m.uninstall(ctx, cfg, r.Name); err != nil {
				return Result{}, err
			}
			last = nil
		}
		rel, err := m.install(ctx, cfg, d, last != nil)
		if err != nil {
			return Result{}, err
		}
		m.pruneHistory(ctx, cfg, r.Name)
		logger.Info("Release installed", "revision", rel.Version)
		return Result{Action: ActionInstall, Revision: rel.Version}, nil
	}

	rel, err := m.upgrade(ctx, cfg, d)
	if err != nil {
		return Result{}, err
	}
	m.pruneHistory(ctx, cfg, r.Name)
	logger.Info("Release upgraded", "revision", rel.Version)
	return Result{Action: ActionUpgrade, Revision: rel.Version}, nil
}

// unlockPending marks a pending revision failed, which Helm can upgrade
// from, once the process that left it can no longer act: it started before
// the handover to this process (Options.Handover), or it is older than
// Options.PendingTimeout. Otherwise it returns ErrReleaseBusy.
func (m *Manager) unlockPending(ctx context.Context, cfg *action.Configuration, last *release.Release) error {
	logger := klog.FromContext(ctx)
	status := last.Info.Status
	started := last.Info.LastDeployed.Time
	age := time.Since(started)
	var handover time.Time
	if m.opts.Handover != nil {
		handover = m.opts.Handover()
	}
	var reason string
	switch {
	case !handover.IsZero() && started.Before(handover):
		reason = "started before this process took over from the previous leader"
	case age >= m.opts.PendingTimeout:
		reason = "older than the pending timeout"
	default:
		why := "no leader handover time is known (Options.Handover)"
		switch {
		case m.opts.Handover != nil && handover.IsZero():
			why = "the handover from the previous leader is not known yet (its grace period may not have passed)"
		case !handover.IsZero():
			why = fmt.Sprintf("it started after this process took over (%s), so another client may be at work", handover.UTC().Format(time.RFC3339))
		}
		return fmt.Errorf("%w: waiting for revision %d, %s for %s: younger than the pending timeout %s, and %s",
			ErrReleaseBusy, last.Version, status, age.Round(time.Second), m.opts.PendingTimeout, why)
	}
	logger.Info("Recovering a revision left pending by another process", "revision", last.Version, "status", status, "age", age.Round(time.Second), "reason", reason)
	last.SetStatus(release.StatusFailed, fmt.Sprintf("rockoon: recovered from %s left by an interrupted process (%s)", status, reason))
	if err := cfg.Releases.Update(last); err != nil {
		return fmt.Errorf("recovering revision %d (%s) of release %s: %w", last.Version, status, last.Name, err)
	}
	return nil
}

func (m *Manager) install(ctx context.Context, cfg *action.Configuration, d desired, replace bool) (*release.Release, error) {
	in := action.NewInstall(cfg)
	in.ReleaseName = d.Name
	in.Namespace = d.Namespace
	in.Timeout = m.opts.Timeout
	in.DisableHooks = m.opts.DisableHooks
	in.Replace = replace // over an uninstalled revision kept in history
	actx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	rel, err := in.RunWithContext(actx, d.chart.forRelease(), d.Values)
	if err != nil {
		m.recordFailed(ctx, cfg, rel)
		return nil, fmt.Errorf("installing release %s/%s: %w", d.Namespace, d.Name, err)
	}
	// Helm only logs a failure to record the deployed status.
	if err := m.recordDeployed(ctx, cfg, rel); err != nil {
		return nil, fmt.Errorf("installing release %s/%s: %w", d.Namespace, d.Name, err)
	}
	return rel, nil
}

// cannotPatch matches every object an upgrade could not patch, in Helm's
// error: `cannot patch "<name>" with kind <Kind>`.
var cannotPatch = regexp.MustCompile(`cannot patch "([^"]+)" with kind ([A-Za-z0-9]+)`)

type objectRef struct{ kind, name string }

// immutableObjects returns the objects an upgrade error says it could not
// patch because of immutable fields ("field is immutable", "spec is
// immutable after creation…", "updates to statefulset spec for fields
// other than … are forbidden"); none for any other error.
func immutableObjects(err error) []objectRef {
	msg := err.Error()
	idx := cannotPatch.FindAllStringSubmatchIndex(msg, -1)
	var out []objectRef
	seen := map[objectRef]bool{}
	for i, mt := range idx {
		end := len(msg)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		// The reason of this object: up to the next object.
		reason := msg[mt[1]:end]
		if !strings.Contains(reason, "is immutable") && !strings.Contains(reason, "are forbidden") {
			continue
		}
		o := objectRef{kind: msg[mt[4]:mt[5]], name: msg[mt[2]:mt[3]]}
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	return out
}

func (m *Manager) newUpgrade(cfg *action.Configuration, d desired) *action.Upgrade {
	up := action.NewUpgrade(cfg)
	up.Namespace = d.Namespace
	up.Timeout = m.opts.Timeout
	up.MaxHistory = 0 // pruned after success (pruneHistory), never before
	up.DisableHooks = m.opts.DisableHooks
	up.ResetValues = true // the values are all of them; never reuse stored ones
	return up
}

// upgrade runs an upgrade dry first, then deletes the Jobs it changes and
// runs it for real (see Apply).
func (m *Manager) upgrade(ctx context.Context, cfg *action.Configuration, d desired) (*release.Release, error) {
	logger := klog.FromContext(ctx)

	// The dry run renders the manifest as the upgrade will (server
	// capabilities, lookups), validates it against the API's schemas and
	// builds the revision as it would be stored, without changing anything.
	dry := m.newUpgrade(cfg, d)
	dry.DryRun = true
	dry.DryRunOption = "server"
	planned, err := m.runUpgrade(ctx, dry, d.Name, d.chart.forRelease(), d.Values)
	if err != nil {
		return nil, fmt.Errorf("upgrading release %s/%s (dry run, nothing changed): %w", d.Namespace, d.Name, err)
	}
	if err := checkStorable(planned); err != nil {
		return nil, fmt.Errorf("upgrading release %s/%s: %w", d.Namespace, d.Name, err)
	}
	jobs, err := m.changedJobs(cfg, d.Name, d.Namespace, planned.Manifest)
	if err != nil {
		return nil, err
	}
	if err := m.checkCreatable(ctx, planned.Manifest, d.Namespace, jobs); err != nil {
		return nil, fmt.Errorf("upgrading release %s/%s (dry run, nothing changed): %w", d.Namespace, d.Name, err)
	}
	for _, j := range jobs {
		logger.Info("Deleting a Job whose pod template changed, so that it runs again", "job", klog.KRef(j.namespace, j.obj.GetName()))
		if err := m.deleteAndWait(ctx, jobGVK, j.namespace, j.obj.GetName()); err != nil {
			return nil, fmt.Errorf("upgrading release %s/%s: %w", d.Namespace, d.Name, err)
		}
	}

	for attempt := 0; ; attempt++ {
		rel, err := m.runUpgrade(ctx, m.newUpgrade(cfg, d), d.Name, d.chart.forRelease(), d.Values)
		if err == nil || (rel != nil && rel.Info != nil && rel.Info.Status == release.StatusDeployed) {
			// A deployed release with an error: the objects were
			// applied, only storing the final status failed.
			if err != nil {
				logger.Info("Helm could not record the deployed status of the upgrade: recording it", "revision", rel.Version, "err", err)
			}
			if err := m.recordDeployed(ctx, cfg, rel); err != nil {
				return nil, fmt.Errorf("upgrading release %s/%s: %w", d.Namespace, d.Name, err)
			}
			return rel, nil
		}
		m.recordFailed(ctx, cfg, rel)
		objs := immutableObjects(err)
		if len(objs) == 0 {
			return nil, fmt.Errorf("upgrading release %s/%s: %w", d.Namespace, d.Name, err)
		}
		for _, o := range objs {
			if o.kind == "PersistentVolumeClaim" || o.kind == "PersistentVolume" {
				return nil, fmt.Errorf("upgrading release %s/%s: %s %s: %w: %w", d.Namespace, d.Name, o.kind, o.name, ErrVolumeChange, err)
			}
		}
		if attempt >= maxImmutableRetries {
			return nil, fmt.Errorf("upgrading release %s/%s: still failing after deleting objects with immutable fields %d times: %w", d.Namespace, d.Name, attempt, err)
		}
		var manifest string
		if rel != nil {
			manifest = rel.Manifest // the failed revision: what Helm tried to apply
		}
		objects, perr := parseManifest(manifest, d.Namespace)
		if perr != nil {
			return nil, fmt.Errorf("upgrading release %s/%s: %w (and reading its manifest: %w)", d.Namespace, d.Name, err, perr)
		}
		for _, o := range objs {
			obj, ok := objects.byKindName(o.kind, o.name)
			if !ok {
				return nil, fmt.Errorf("upgrading release %s/%s: %w (%s %s is not in the new manifest)", d.Namespace, d.Name, err, o.kind, o.name)
			}
			logger.Info("Deleting an object whose immutable fields the upgrade changes", "kind", o.kind, "object", klog.KRef(obj.namespace, o.name), "attempt", attempt+1)
			if err := m.deleteAndWait(ctx, obj.gvk, obj.namespace, o.name); err != nil {
				return nil, fmt.Errorf("upgrading release %s/%s: %w", d.Namespace, d.Name, err)
			}
		}
	}
}

func (m *Manager) runUpgrade(ctx context.Context, up *action.Upgrade, name string, ch *chart.Chart, vals map[string]any) (*release.Release, error) {
	ctx, cancel := context.WithTimeout(ctx, m.opts.Timeout)
	defer cancel()
	return up.RunWithContext(ctx, name, ch, vals)
}
