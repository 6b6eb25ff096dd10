package helm

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/storage/driver"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/klog/v2"
)

// maxSecretSize is the API server's limit on the data of a Secret, where
// Helm's secrets driver stores a revision.
const maxSecretSize = 1 << 20

// secretHeadroom is kept free below maxSecretSize for what changes between
// the dry run of an upgrade and the revision stored (status, description).
const secretHeadroom = 4 << 10

// recordBackoff bounds the retries of recordDeployed (about 10s in all).
var recordBackoff = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Jitter: 0.1, Steps: 6}

// encodedSize is the size of a revision in its storage Secret, encoded as
// Helm's secrets driver does: base64 of the gzipped JSON.
func encodedSize(rel *release.Release) (int, error) {
	b, err := json.Marshal(rel)
	if err != nil {
		return 0, fmt.Errorf("encoding revision %d: %w", rel.Version, err)
	}
	var buf bytes.Buffer
	w, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(b); err != nil {
		return 0, fmt.Errorf("compressing revision %d: %w", rel.Version, err)
	}
	if err := w.Close(); err != nil {
		return 0, fmt.Errorf("compressing revision %d: %w", rel.Version, err)
	}
	return base64.StdEncoding.EncodedLen(buf.Len()), nil
}

// checkStorable returns ErrReleaseTooLarge when a revision would not fit in
// its storage Secret.
func checkStorable(rel *release.Release) error {
	size, err := encodedSize(rel)
	if err != nil {
		return err
	}
	if size > maxSecretSize-secretHeadroom {
		return fmt.Errorf("%w: revision %d of release %s/%s would take %d bytes in its storage Secret (gzipped and base64-encoded chart, values and manifest), over the %d bytes a Secret holds (less %d bytes of headroom): nothing was changed, make the values smaller",
			ErrReleaseTooLarge, rel.Version, rel.Namespace, rel.Name, size, maxSecretSize, secretHeadroom)
	}
	return nil
}

// recordDeployed makes sure storage holds rel, the result of a successful
// install or upgrade, as deployed. Helm only logs a failure to store the
// final status of an install (and of the revision an upgrade supersedes),
// so that after an API outage a release whose install succeeded could stay
// pending-install. The stored revision is read back and, when it is not
// deployed, rewritten; errors are retried with a short bounded backoff,
// after which an error is returned. Older revisions still marked deployed
// are marked superseded (a failure there is only logged: Helm takes the
// newest deployed revision).
func (m *Manager) recordDeployed(ctx context.Context, cfg *action.Configuration, rel *release.Release) error {
	logger := klog.FromContext(ctx)
	if rel.Info.Status != release.StatusDeployed {
		rel.SetStatus(release.StatusDeployed, "Complete (status recorded by rockoon)")
	}
	var lastErr error
	err := wait.ExponentialBackoffWithContext(ctx, recordBackoff, func(context.Context) (bool, error) {
		stored, err := cfg.Releases.Get(rel.Name, rel.Version)
		switch {
		case err == nil && stored.Info != nil && stored.Info.Status == release.StatusDeployed:
			return true, nil
		case errors.Is(err, driver.ErrReleaseNotFound):
			lastErr = cfg.Releases.Create(rel)
		case err != nil:
			lastErr = fmt.Errorf("reading it back: %w", err)
			return false, nil
		case stored.Info == nil || !stored.Info.Status.IsPending():
			// Not ours to overwrite: another client (a new leader
			// recovering it, a rollback) has decided its status.
			return false, fmt.Errorf("it is stored as %s by another client", storedStatus(stored))
		default:
			logger.Info("Recording the deployed status Helm could not store", "revision", rel.Version, "stored", stored.Info.Status)
			lastErr = cfg.Releases.Update(rel)
		}
		return lastErr == nil, nil
	})
	if err != nil {
		if lastErr == nil || !wait.Interrupted(err) {
			lastErr = err
		}
		return fmt.Errorf("recording revision %d of release %s as deployed: %w", rel.Version, rel.Name, lastErr)
	}

	deployed, err := cfg.Releases.DeployedAll(rel.Name)
	if err != nil && !errors.Is(err, driver.ErrNoDeployedReleases) {
		logger.Error(err, "Reading the deployed revisions to supersede the older ones", "revision", rel.Version)
		return nil
	}
	for _, old := range deployed {
		if old.Version >= rel.Version {
			continue
		}
		old.SetStatus(release.StatusSuperseded, "Superseded (status recorded by rockoon)")
		if err := cfg.Releases.Update(old); err != nil {
			logger.Error(err, "Marking an older revision superseded", "revision", old.Version)
		}
	}
	return nil
}

func storedStatus(rel *release.Release) release.Status {
	if rel.Info == nil {
		return release.StatusUnknown
	}
	return rel.Info.Status
}

// recordFailed records, once, the failed status of a revision whose action
// failed when Helm could not store it (Helm ignores that error): otherwise
// the revision would stay pending and the release busy. Errors are logged.
func (m *Manager) recordFailed(ctx context.Context, cfg *action.Configuration, rel *release.Release) {
	if rel == nil || rel.Info == nil || rel.Info.Status != release.StatusFailed {
		return
	}
	logger := klog.FromContext(ctx)
	stored, err := cfg.Releases.Get(rel.Name, rel.Version)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return // never stored: nothing to fix
	}
	if err != nil {
		logger.Error(err, "Reading back a failed revision", "revision", rel.Version)
		return
	}
	if !storedStatus(stored).IsPending() {
		return
	}
	logger.Info("Recording the failed status Helm could not store", "revision", rel.Version, "stored", stored.Info.Status)
	if err := cfg.Releases.Update(rel); err != nil {
		logger.Error(err, "Recording the failed status of a revision", "revision", rel.Version)
	}
}

// pruneHistory keeps the newest Options.MaxHistory revisions of a release,
// never deleting the deployed one. It runs after a successful action only:
// a failed one never loses a good revision. Errors are logged (the next
// successful action prunes again).
func (m *Manager) pruneHistory(ctx context.Context, cfg *action.Configuration, name string) {
	logger := klog.FromContext(ctx)
	h, err := cfg.Releases.History(name)
	if err != nil {
		logger.Error(err, "Reading the history to prune it")
		return
	}
	if len(h) <= m.opts.MaxHistory {
		return
	}
	sort.Slice(h, func(i, j int) bool { return h[i].Version < h[j].Version })
	deployed := 0
	for _, r := range h {
		if r.Info != nil && r.Info.Status == release.StatusDeployed {
			deployed = r.Version // the newest deployed
		}
	}
	excess := len(h) - m.opts.MaxHistory
	for _, r := range h {
		if excess == 0 {
			break
		}
		if r.Version == deployed {
			continue
		}
		if _, err := cfg.Releases.Delete(name, r.Version); err != nil && !errors.Is(err, driver.ErrReleaseNotFound) {
			logger.Error(err, "Pruning a revision from the history", "revision", r.Version)
			continue
		}
		logger.V(4).Info("Pruned a revision from the history", "revision", r.Version, "status", r.Info.Status)
		excess--
	}
}
