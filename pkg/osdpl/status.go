package osdpl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/osdplst"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/version"
)

// errPermanent marks an error only a spec edit can fix: it is reported but
// not retried.
type errPermanent struct{ error }

func (e errPermanent) Unwrap() error { return e.error }

// waitError marks a wait: an input not there yet (Ceph keys, a value_from
// Secret) or a release another process is changing. It is not a failure:
// the state is WAITING and the key comes back after Config.WaitRequeue.
type waitError struct {
	error
	// after, when set, replaces Config.WaitRequeue (a readiness delay).
	after time.Duration
	// degraded, when set, is also shown as Degraded=True with a Warning
	// Event (a wait past its timeout: still waiting, but someone should
	// look).
	degraded bool
}

func (e waitError) Unwrap() error { return e.error }

// Waiting marks err as a wait rather than a failure (for Releases
// implementations: a release another process is changing).
func Waiting(err error) error { return waitError{error: err} }

// isWait tells a wait from a failure.
func isWait(err error) bool {
	var w waitError
	var ref *layering.SecretRefError
	return errors.As(err, &w) || errors.As(err, &ref) || errors.Is(err, render.ErrCephKeysMissing) || errors.Is(err, render.ErrSharedSecretMissing)
}

// classifyRender marks the errors of rendering: a spec edit must fix type
// conflicts and template errors (permanent); missing inputs are waits.
func classifyRender(err error) error {
	var tce *layering.TypeConflictError
	var te *templates.Error
	switch {
	case errors.As(err, &tce), errors.As(err, &te), errors.Is(err, render.ErrInvalidInput):
		return errPermanent{err}
	case errors.Is(err, ceph.ErrMalformed):
		// Shown on the object, retried: the Ceph side rewrites the Secret.
		return err
	case isWait(err):
		return waitError{error: err}
	}
	return err
}

// problem records an error of a reconcile: a wait becomes WAITING with a
// Normal Event (once per reason) and a requeue after Config.WaitRequeue;
// anything else FAILED, Degraded and a Warning Event (once per cause). It
// returns what the workqueue should do: nil for a permanent failure once
// it is recorded, RequeueAfter for a wait, err otherwise (rate-limited
// retry).
func (c *Controller) problem(ctx context.Context, w *osdplst.Writer, osdpl *lcmv1alpha1.OpenStackDeployment, fingerprint string, err error) error {
	if ctx.Err() != nil {
		// Shutting down or the lease is lost: nothing failed, the next
		// leader resumes.
		return err
	}
	msg := truncate(err.Error())
	// Recording must not be cut by the end of the sync's context.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if isWait(err) {
		klog.FromContext(ctx).Info("Waiting", "reason", msg)
		if cond := findCondition(osdpl, lcmv1alpha1.ConditionProgressing); cond == nil || cond.Reason != "Waiting" || cond.Message != msg {
			c.recorder.Event(osdpl, corev1.EventTypeNormal, "Waiting", msg)
		}
		var we waitError
		errors.As(err, &we)
		conds := []metav1.Condition{condition(lcmv1alpha1.ConditionProgressing, true, "Waiting", msg)}
		if we.degraded {
			if cond := findCondition(osdpl, lcmv1alpha1.ConditionDegraded); cond == nil || cond.Status != metav1.ConditionTrue || cond.Message != msg {
				c.recorder.Event(osdpl, corev1.EventTypeWarning, "NotHealthy", msg)
			}
			conds = append(conds, condition(lcmv1alpha1.ConditionDegraded, true, "NotHealthy", msg))
		}
		if cerr := c.setConditions(rctx, osdpl, fingerprint, conds...); cerr != nil {
			return errors.Join(err, cerr)
		}
		if w != nil {
			if _, perr := w.Update(rctx, func(s *lcmv1alpha1.LCMStatus) {
				o := lcmState(s)
				setState(o, lcmv1alpha1.StateWaiting)
				o.Cause = msg
			}); perr != nil {
				return errors.Join(err, perr)
			}
		}
		after := c.cfg.WaitRequeue
		if we.after > 0 {
			after = we.after
		}
		return operator.RequeueAfter(after)
	}
	if cond := findCondition(osdpl, lcmv1alpha1.ConditionDegraded); cond == nil || cond.Status != metav1.ConditionTrue || cond.Message != msg {
		c.recorder.Event(osdpl, corev1.EventTypeWarning, "Failed", msg)
	}
	if cerr := c.setConditions(rctx, osdpl, fingerprint,
		condition(lcmv1alpha1.ConditionReady, false, "Failed", msg),
		condition(lcmv1alpha1.ConditionProgressing, false, "Failed", msg),
		condition(lcmv1alpha1.ConditionDegraded, true, "Failed", msg)); cerr != nil {
		return errors.Join(err, cerr)
	}
	if w != nil {
		if _, perr := w.Update(rctx, func(s *lcmv1alpha1.LCMStatus) {
			o := lcmState(s)
			setState(o, lcmv1alpha1.StateFailed)
			o.Cause = msg
		}); perr != nil {
			return errors.Join(err, perr)
		}
	}
	var perm errPermanent
	if errors.As(err, &perm) {
		return nil
	}
	return err
}

// lcmState returns the osdpl member of the status, created when missing.
func lcmState(s *lcmv1alpha1.LCMStatus) *lcmv1alpha1.OSDPLState {
	if s.OSDPL == nil {
		s.OSDPL = &lcmv1alpha1.OSDPLState{}
	}
	return s.OSDPL
}

// setState changes the state, stamping the time only when it changes: a
// pass that changes nothing writes nothing.
func setState(o *lcmv1alpha1.OSDPLState, state lcmv1alpha1.LCMState) {
	if o.State != state {
		o.State = state
		o.Timestamp = timestamp()
	}
}

func setServiceState(s *lcmv1alpha1.ServiceState, state lcmv1alpha1.LCMState) {
	if s.State != state {
		s.State = state
		s.Timestamp = timestamp()
	}
}

// updateService changes one service's record.
func updateService(w *osdplst.Writer, ctx context.Context, svc string, f func(*lcmv1alpha1.ServiceState)) error {
	_, err := w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) {
		if s.Services == nil {
			s.Services = map[string]lcmv1alpha1.ServiceState{}
		}
		st := s.Services[svc]
		f(&st)
		s.Services[svc] = st
	})
	return err
}

// setConditions writes conditions on the osdpl status, stamped with the
// generation that was rendered (osdpl, not a fresher copy). A Ready
// condition is an outcome: it also sets status.observedGeneration, and the
// fingerprint and version when fingerprint is set. Nothing is written when
// nothing changes.
func (c *Controller) setConditions(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, fingerprint string, conds ...metav1.Condition) error {
	cur, err := c.lcm.LcmV1alpha1().OpenStackDeployments(osdpl.Namespace).Get(ctx, osdpl.Name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	updated := cur.DeepCopy()
	outcome := false
	for _, cond := range conds {
		cond.ObservedGeneration = osdpl.Generation
		meta.SetStatusCondition(&updated.Status.Conditions, cond)
		outcome = outcome || cond.Type == lcmv1alpha1.ConditionReady
	}
	if outcome {
		updated.Status.ObservedGeneration = osdpl.Generation
	}
	if outcome && fingerprint != "" {
		updated.Status.Fingerprint = fingerprint
		updated.Status.Version = controllerVersion()
	}
	if equalJSON(cur.Status, updated.Status) {
		return nil
	}
	_, err = c.lcm.LcmV1alpha1().OpenStackDeployments(osdpl.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{FieldManager: c.cfg.FieldManager})
	if err != nil {
		return fmt.Errorf("updating the status of OpenStackDeployment %s/%s: %w", osdpl.Namespace, osdpl.Name, err)
	}
	return nil
}

func equalJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

func condition(typ string, status bool, reason, msg string) metav1.Condition {
	s := metav1.ConditionFalse
	if status {
		s = metav1.ConditionTrue
	}
	return metav1.Condition{Type: typ, Status: s, Reason: reason, Message: msg}
}

func findCondition(o *lcmv1alpha1.OpenStackDeployment, typ string) *metav1.Condition {
	return meta.FindStatusCondition(o.Status.Conditions, typ)
}

func sortReverseWaves(svcs []string) {
	sort.Slice(svcs, func(i, j int) bool {
		wi, wj := catalog.WaveOf(svcs[i]), catalog.WaveOf(svcs[j])
		if wi != wj {
			return wi > wj
		}
		return svcs[i] > svcs[j]
	})
}

func progress(done, total int) string { return fmt.Sprintf("%d/%d", done, total) }

// progressDone is the done count of a progress of total services (-1 when
// it is not one).
func progressDone(p string, total int) int {
	var done, of int
	if _, err := fmt.Sscanf(p, "%d/%d", &done, &of); err != nil || of != total {
		return -1
	}
	return done
}

// timestamp is the original's str(datetime.utcnow()) format.
func timestamp() string { return time.Now().UTC().Format("2006-01-02 15:04:05.000000") }

func controllerVersion() string { return version.Version }

// Hostname is the default ControllerHost.
func Hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "unknown"
	}
	return h
}

func truncate(s string) string {
	const max = 1000
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}
