package osdpl

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/catalog"
	"rockoon.dev/rockoon/pkg/osdplst"
	"rockoon.dev/rockoon/pkg/render"
)

// reconcile renders the osdpl and brings the releases in line with it. It
// plans first: when no release would change and the status already says
// so, it writes nothing (each release is still checked for drift).
func (c *Controller) reconcile(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) error {
	logger := klog.FromContext(ctx)
	st, err := c.ensureStatusObject(ctx, osdpl)
	if err != nil {
		return err
	}
	w := osdplst.NewWriter(c.lcm, c.cfg.FieldManager, st)
	if err := c.ensureClusterWorkloadLock(ctx, osdpl); err != nil {
		return err
	}
	cause := "update"
	if st.Status.OSDPL == nil {
		cause = "create"
	}
	in, err := c.renderInput(ctx, osdpl)
	if err != nil {
		return c.problem(ctx, w, osdpl, "", classifyRender(err))
	}
	if err := render.CheckApplicable(in.Spec); err != nil {
		return c.problem(ctx, w, osdpl, "", classifyRender(err))
	}
	guard, err := c.restoreCredentials(ctx, osdpl, st, in)
	if err != nil {
		return c.problem(ctx, w, osdpl, "", classifyRender(err))
	}
	res, read, err := c.renderWithGuard(ctx, in, guard)
	if err != nil {
		return c.problem(ctx, w, osdpl, "", classifyRender(err))
	}
	if err := render.CheckSupported(res.MSpec); err != nil {
		return c.problem(ctx, w, osdpl, res.Fingerprint, classifyRender(err))
	}
	// Credential and certificate rotation: new credentials become active,
	// the rest of the pass rolls them out.
	rotated, rotationDeferred, err := c.rotate(ctx, w, osdpl, read)
	if err != nil {
		return c.problem(ctx, w, osdpl, res.Fingerprint, err)
	}
	if rotated {
		if res, _, err = c.renderWithGuard(ctx, in, guard); err != nil {
			return c.problem(ctx, w, osdpl, "", classifyRender(err))
		}
	}
	logger.V(2).Info("Rendered", "fingerprint", res.Fingerprint, "services", len(res.Services), "untemplated", res.Untemplated)
	_, ingressInstalled := st.Status.Services["ingress"]
	res.Services = render.Managed(in.Spec, ingressInstalled, res.Services)

	removed := removedServices(st, res)
	plan, err := c.plan(ctx, st, res.Services)
	if err != nil {
		return c.problem(ctx, w, osdpl, res.Fingerprint, err)
	}
	dirty := len(removed) > 0 || len(plan) > 0 || st.Status.OSDPL == nil ||
		st.Status.OSDPL.State != lcmv1alpha1.StateApplied || st.Status.OSDPL.Fingerprint != res.Fingerprint
	// A pass resuming a wait of the same fingerprint stays WAITING (its
	// progress kept) until it changes something: a wait looked at again
	// writes nothing.
	resuming := st.Status.OSDPL != nil && st.Status.OSDPL.State == lcmv1alpha1.StateWaiting && st.Status.OSDPL.Fingerprint == res.Fingerprint
	begun := false
	begin := func() error {
		if !dirty || begun {
			return nil
		}
		begun = true
		logger.V(2).Info("Applying", "changing", slices.Sorted(maps.Keys(plan)), "removing", removed)
		if _, err := w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) {
			o := lcmState(s)
			setState(o, lcmv1alpha1.StateApplying)
			o.Cause, o.Fingerprint, o.OpenStackVersion = cause, res.Fingerprint, string(osdpl.Spec.OpenStackVersion)
			o.ControllerVersion, o.ControllerHost = controllerVersion(), c.cfg.ControllerHost
			if !resuming {
				o.LCMProgress = progress(0, len(res.Services))
			}
		}); err != nil {
			return err
		}
		return c.setConditions(ctx, osdpl, res.Fingerprint,
			condition(lcmv1alpha1.ConditionProgressing, true, "Applying", fmt.Sprintf("applying %d services", len(res.Services))))
	}
	if !resuming || len(removed) > 0 {
		if err := begin(); err != nil {
			return err
		}
	}

	// Services recorded in osdplst but not rendered any more are removed,
	// in reverse wave order, before anything is applied.
	for _, svc := range removed {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := c.removeService(ctx, w, osdpl, svc, st.Status.Services[svc].Releases); err != nil {
			return c.problem(ctx, w, osdpl, res.Fingerprint, fmt.Errorf("removing service %s: %w", svc, err))
		}
	}

	applied := 0
	for wave := range catalog.Waves {
		var services []render.Service
		for _, s := range res.Services {
			if s.Wave == wave {
				services = append(services, s)
			}
		}
		if len(services) == 0 {
			continue
		}
		// A release boundary: a lost lease or a shutdown stops here.
		if err := ctx.Err(); err != nil {
			return err
		}
		// Only a wave that changes something waits for the earlier ones
		// and marks the pass APPLYING.
		if slices.ContainsFunc(services, func(s render.Service) bool { return plan[s.Key] }) {
			if c.cfg.WaitHealthy && wave > 0 {
				if err := c.waitHealthy(ctx, osdpl, in.Spec, res, wave); err != nil {
					return c.problem(ctx, w, osdpl, res.Fingerprint, err)
				}
			}
			if err := begin(); err != nil {
				return err
			}
		}
		var mu sync.Mutex
		var errs []error
		var wg sync.WaitGroup
		for _, s := range services {
			wg.Go(func() {
				err := c.applyService(ctx, w, osdpl, s, plan[s.Key], res.Fingerprint, cause)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else {
					applied++
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 {
			return c.problem(ctx, w, osdpl, res.Fingerprint, joinErrors(errs))
		}
		if !dirty {
			// The recorded progress is already the final one.
			continue
		}
		if _, err := w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) {
			o := lcmState(s)
			if progressDone(o.LCMProgress, len(res.Services)) >= applied {
				// A resumed pass goes over the waves done before: the
				// progress never goes back (a new pass starts it at 0).
				return
			}
			o.LCMProgress = progress(applied, len(res.Services))
		}); err != nil {
			return err
		}
	}

	if c.cfg.WaitHealthy && dirty {
		// APPLIED means healthy too.
		if err := c.waitHealthy(ctx, osdpl, in.Spec, res, catalog.Waves); err != nil {
			return c.problem(ctx, w, osdpl, res.Fingerprint, err)
		}
	}
	msg := fmt.Sprintf("%d services applied", applied)
	if len(res.Untemplated) > 0 {
		msg += fmt.Sprintf("; not managed by this controller version yet: %s", strings.Join(res.Untemplated, ", "))
	}
	// The osdpl's conditions first: whoever sees APPLIED in the osdplst
	// then also sees Ready.
	if err := c.setConditions(ctx, osdpl, res.Fingerprint,
		condition(lcmv1alpha1.ConditionReady, true, "Applied", msg),
		condition(lcmv1alpha1.ConditionProgressing, false, "Applied", msg),
		condition(lcmv1alpha1.ConditionDegraded, false, "Applied", "")); err != nil {
		return err
	}
	_, err = w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) {
		o := lcmState(s)
		setState(o, lcmv1alpha1.StateApplied)
		if dirty {
			o.Cause, o.LCMProgress, o.Fingerprint = cause, progress(applied, len(res.Services)), res.Fingerprint
		}
		markRolledOut(s)
	})
	if err == nil && rotationDeferred {
		// The rotation that waited for this roll-out can start.
		c.ctrl.Enqueue(cache.ObjectName{Namespace: osdpl.Namespace, Name: osdpl.Name})
	}
	return err
}

// joinErrors joins the errors of one wave; it is a wait only when every
// error is.
func joinErrors(errs []error) error {
	err := errors.Join(errs...)
	for _, e := range errs {
		if !isWait(e) {
			return err
		}
	}
	return waitError{error: err}
}

// removedServices are the services recorded in osdplst but not rendered
// any more, in reverse wave order. Enabled services without a template are
// not removed: they are still enabled, just not managed by this version.
func removedServices(st *lcmv1alpha1.OpenStackDeploymentStatus, res *render.Result) []string {
	rendered := map[string]bool{}
	for _, s := range res.Services {
		rendered[s.Key] = true
	}
	for _, svc := range res.Untemplated {
		rendered[svc] = true
	}
	var removed []string
	for svc := range st.Status.Services {
		if !rendered[svc] {
			removed = append(removed, svc)
		}
	}
	sortReverseWaves(removed)
	return removed
}

// plan returns the services that would change: a release to install or
// upgrade, a release to uninstall, or a record that is not APPLIED.
func (c *Controller) plan(ctx context.Context, st *lcmv1alpha1.OpenStackDeploymentStatus, services []render.Service) (map[string]bool, error) {
	out := map[string]bool{}
	for _, s := range services {
		prev, ok := st.Status.Services[s.Key]
		if !ok || prev.State != lcmv1alpha1.StateApplied || !slices.Equal(prev.Releases, releaseNames(s)) {
			out[s.Key] = true
			continue
		}
		for _, r := range s.Releases {
			changed, err := c.releases.Plan(ctx, r)
			if err != nil {
				return nil, fmt.Errorf("service %s: planning release %s (chart %s): %w", s.Key, r.Name, r.Chart, err)
			}
			if changed {
				out[s.Key] = true
				break
			}
		}
	}
	return out, nil
}

func releaseNames(s render.Service) []string {
	names := make([]string, 0, len(s.Releases))
	for _, r := range s.Releases {
		names = append(names, r.Name)
	}
	return names
}

// applyService applies one service's releases in order and removes the
// releases it had before but does not render any more. A service the plan
// found unchanged keeps its record untouched unless a release had drifted.
func (c *Controller) applyService(ctx context.Context, w *osdplst.Writer, osdpl *lcmv1alpha1.OpenStackDeployment, s render.Service, planned bool, fingerprint, cause string) error {
	logger := klog.FromContext(ctx).WithValues("service", s.Key)
	names := releaseNames(s)
	prev := w.Current().Status.Services[s.Key]
	if planned {
		// Record the releases before touching them: a crash in between
		// must not leave a release nobody knows about.
		if err := updateService(w, ctx, s.Key, func(st *lcmv1alpha1.ServiceState) {
			setServiceState(st, lcmv1alpha1.StateApplying)
			st.Releases = union(prev.Releases, names)
			st.Fingerprint, st.OpenStackVersion = fingerprint, string(osdpl.Spec.OpenStackVersion)
			st.ControllerVersion, st.ControllerHost, st.Cause = controllerVersion(), c.cfg.ControllerHost, ""
		}); err != nil {
			return err
		}
	}
	var changed []string
	for _, r := range s.Releases {
		// A release boundary: a lost lease or a shutdown stops here; the
		// action in flight (inside Apply) runs to its end.
		if err := ctx.Err(); err != nil {
			return err
		}
		ok, err := c.releases.Apply(ctx, r)
		if err != nil && ctx.Err() != nil {
			// Stopped (shutdown, lost lease): nothing to record, the next
			// leader resumes.
			return err
		}
		if err != nil {
			err = fmt.Errorf("service %s: release %s (chart %s): %w", s.Key, r.Name, r.Chart, err)
			state := lcmv1alpha1.StateFailed
			if isWait(err) {
				state = lcmv1alpha1.StateWaiting
			}
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
			defer cancel()
			if uerr := updateService(w, rctx, s.Key, func(st *lcmv1alpha1.ServiceState) {
				setServiceState(st, state)
				st.Cause = truncate(err.Error())
			}); uerr != nil {
				logger.Error(uerr, "Recording the service state", "state", state)
			}
			return err
		}
		if ok {
			changed = append(changed, r.Name)
		}
	}
	for _, old := range prev.Releases {
		if slices.Contains(names, old) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := c.releases.Uninstall(ctx, releaseNamespace(s.Key, osdpl.Namespace), old); err != nil {
			return fmt.Errorf("service %s: uninstalling release %s: %w", s.Key, old, err)
		}
		changed = append(changed, old+" (uninstalled)")
	}
	// The outcome is recorded even when the sync is being stopped: the
	// actions above are done.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), recordTimeout)
	defer cancel()
	if err := updateService(w, rctx, s.Key, func(st *lcmv1alpha1.ServiceState) {
		if planned || len(changed) > 0 {
			st.Timestamp = timestamp()
			st.Fingerprint, st.OpenStackVersion = fingerprint, string(osdpl.Spec.OpenStackVersion)
		}
		setServiceState(st, lcmv1alpha1.StateApplied)
		st.Releases, st.Cause = names, ""
	}); err != nil {
		return err
	}
	if len(changed) > 0 {
		reason := strings.ToUpper(cause[:1]) + cause[1:]
		if !planned {
			reason = "DriftRepaired"
		}
		c.recorder.Eventf(osdpl, corev1.EventTypeNormal, reason, "%sd for %s: %s", cause, s.Key, strings.Join(changed, ", "))
		logger.Info("Service applied", "changed", changed, "planned", planned)
	}
	return nil
}

// removeService uninstalls a service's releases and forgets it.
func (c *Controller) removeService(ctx context.Context, w *osdplst.Writer, osdpl *lcmv1alpha1.OpenStackDeployment, svc string, releases []string) error {
	if err := updateService(w, ctx, svc, func(st *lcmv1alpha1.ServiceState) {
		setServiceState(st, lcmv1alpha1.StateDeleting)
	}); err != nil {
		return err
	}
	for i := len(releases) - 1; i >= 0; i-- {
		if _, err := c.releases.Uninstall(ctx, releaseNamespace(svc, osdpl.Namespace), releases[i]); err != nil {
			return fmt.Errorf("release %s: %w", releases[i], err)
		}
		c.recorder.Eventf(osdpl, corev1.EventTypeNormal, "Delete", "Deleted helm release %s for service %s", releases[i], svc)
	}
	_, err := w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) { delete(s.Services, svc) })
	return err
}

// recordTimeout bounds the status write that records an action's outcome
// after the sync's context ended.
const recordTimeout = 30 * time.Second

func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// releaseNamespace is the namespace of a service's releases in the cloud
// of namespace cloud (redis has its own, catalog.Service.Namespace).
func releaseNamespace(svc, cloud string) string {
	entry, _ := catalog.Lookup(svc)
	return entry.ReleaseNamespace(cloud)
}
