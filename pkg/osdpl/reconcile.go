package osdpl

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/layering"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/version"
)

var everything = labels.Everything()

// reconcile renders the osdpl and brings the releases in line with it.
func (c *Controller) reconcile(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) error {
	logger := klog.FromContext(ctx)
	st, err := c.ensureStatusObject(ctx, osdpl)
	if err != nil {
		return err
	}
	if err := c.ensureClusterWorkloadLock(ctx, osdpl); err != nil {
		return err
	}
	cause := "update"
	if st.Status.OSDPL == nil {
		cause = "create"
	}
	in, err := c.renderInput(ctx, osdpl)
	if errors.Is(err, ceph.ErrMalformed) {
		// Shown on the object (condition, Event), retried: the Ceph side
		// rewrites the Secret.
		return c.fail(ctx, osdpl, "", err)
	}
	if err != nil {
		return err
	}
	if restore, _ := layering.Get(in.Spec, "services", "database", "mariadb", "values", "manifests", "job_mariadb_phy_restore").(bool); restore {
		// As the original: nothing is applied while a database restore is
		// requested, so that no upgrade re-runs the restore Job over a
		// live database.
		return c.fail(ctx, osdpl, "", errPermanent{errors.New("spec.services.database.mariadb.values.manifests.job_mariadb_phy_restore is true: finish the database restore and set it to false; nothing is applied meanwhile")})
	}
	res, err := c.renderer.Render(ctx, in)
	if err != nil {
		return c.failRender(ctx, osdpl, err)
	}
	logger.V(2).Info("Rendered", "fingerprint", res.Fingerprint, "services", len(res.Services), "untemplated", res.Untemplated)
	res.Services = ingressManaged(in.Spec, st, res.Services)

	// Services recorded in osdplst but not rendered any more are removed,
	// in reverse wave order, before anything is applied.
	rendered := map[string]render.Service{}
	for _, s := range res.Services {
		rendered[s.Key] = s
	}
	// Enabled services without a template are not removed: they are
	// still enabled, just not managed by this version.
	for _, svc := range res.Untemplated {
		rendered[svc] = render.Service{Key: svc}
	}
	var removed []string
	for svc := range st.Status.Services {
		if _, ok := rendered[svc]; !ok {
			removed = append(removed, svc)
		}
	}
	sortReverseWaves(removed)
	for _, svc := range removed {
		if err := c.removeService(ctx, osdpl, svc, st.Status.Services[svc].Releases); err != nil {
			return c.fail(ctx, osdpl, res.Fingerprint, fmt.Errorf("removing service %s: %w", svc, err))
		}
	}

	if err := c.patchStatus(ctx, osdpl, map[string]any{"osdpl": map[string]any{
		"state": lcmv1alpha1.StateApplying, "cause": cause, "fingerprint": res.Fingerprint,
		"openstack_version": osdpl.Spec.OpenStackVersion, "controller_version": controllerVersion(), "controller_host": c.cfg.ControllerHost,
		"timestamp": timestamp(), "lcm_progress": progress(0, len(res.Services)),
	}}); err != nil {
		return err
	}
	if err := c.setConditions(ctx, osdpl, res.Fingerprint,
		condition(ConditionProgressing, true, "Applying", fmt.Sprintf("applying %d services", len(res.Services)))); err != nil {
		return err
	}

	applied := 0
	for wave := range render.Waves {
		var services []render.Service
		for _, s := range res.Services {
			if s.Wave == wave {
				services = append(services, s)
			}
		}
		if len(services) == 0 {
			continue
		}
		var mu sync.Mutex
		var errs []error
		var wg sync.WaitGroup
		for _, s := range services {
			wg.Go(func() {
				err := c.applyService(ctx, osdpl, s, st.Status.Services[s.Key], res.Fingerprint, cause)
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
		if err := c.patchStatus(ctx, osdpl, map[string]any{"osdpl": map[string]any{"lcm_progress": progress(applied, len(res.Services))}}); err != nil {
			return err
		}
		if len(errs) > 0 {
			return c.fail(ctx, osdpl, res.Fingerprint, errors.Join(errs...))
		}
	}

	msg := fmt.Sprintf("%d services applied", applied)
	if len(res.Untemplated) > 0 {
		msg += fmt.Sprintf("; not managed by this controller version yet: %s", strings.Join(res.Untemplated, ", "))
	}
	// The osdpl's conditions first: whoever sees APPLIED in the osdplst
	// then also sees Ready.
	if err := c.setConditions(ctx, osdpl, res.Fingerprint,
		condition(ConditionReady, true, "Applied", msg),
		condition(ConditionProgressing, false, "Applied", msg),
		condition(ConditionDegraded, false, "Applied", "")); err != nil {
		return err
	}
	return c.patchStatus(ctx, osdpl, map[string]any{"osdpl": map[string]any{
		"state": lcmv1alpha1.StateApplied, "cause": cause, "timestamp": timestamp(),
		"lcm_progress": progress(applied, len(res.Services)),
	}})
}

// applyService applies one service's releases in order and removes the
// releases it had before but does not render any more.
func (c *Controller) applyService(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, s render.Service, prev lcmv1alpha1.ServiceState, fingerprint, cause string) error {
	logger := klog.FromContext(ctx).WithValues("service", s.Key)
	names := make([]string, 0, len(s.Releases))
	for _, r := range s.Releases {
		names = append(names, r.Name)
	}
	// Record the releases before touching them: a crash in between must
	// not leave a release nobody knows about.
	all := union(prev.Releases, names)
	if err := c.patchService(ctx, osdpl, s.Key, map[string]any{
		"state": lcmv1alpha1.StateApplying, "releases": all, "fingerprint": fingerprint,
		"openstack_version": osdpl.Spec.OpenStackVersion, "controller_version": controllerVersion(),
		"controller_host": c.cfg.ControllerHost, "timestamp": timestamp(), "cause": nil,
	}); err != nil {
		return err
	}
	var changed []string
	for _, r := range s.Releases {
		ok, err := c.releases.Apply(ctx, r)
		if err != nil {
			err = fmt.Errorf("service %s: release %s (chart %s): %w", s.Key, r.Name, r.Chart, err)
			c.recorder.Event(osdpl, corev1.EventTypeWarning, "ApplyFailed", truncate(err.Error()))
			_ = c.patchService(ctx, osdpl, s.Key, map[string]any{"state": lcmv1alpha1.StateFailed, "cause": truncate(err.Error()), "timestamp": timestamp()})
			return err
		}
		if ok {
			changed = append(changed, r.Name)
		}
	}
	for _, old := range prev.Releases {
		if contains(names, old) {
			continue
		}
		if _, err := c.releases.Uninstall(ctx, osdpl.Namespace, old); err != nil {
			return fmt.Errorf("service %s: uninstalling release %s: %w", s.Key, old, err)
		}
		changed = append(changed, old+" (uninstalled)")
	}
	if err := c.patchService(ctx, osdpl, s.Key, map[string]any{"state": lcmv1alpha1.StateApplied, "releases": names, "timestamp": timestamp()}); err != nil {
		return err
	}
	if len(changed) > 0 {
		reason := strings.ToUpper(cause[:1]) + cause[1:]
		c.recorder.Eventf(osdpl, corev1.EventTypeNormal, reason, "%sd for %s: %s", cause, s.Key, strings.Join(changed, ", "))
		logger.Info("Service applied", "changed", changed)
	}
	return nil
}

// removeService uninstalls a service's releases and forgets it.
func (c *Controller) removeService(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, svc string, releases []string) error {
	if err := c.patchService(ctx, osdpl, svc, map[string]any{"state": lcmv1alpha1.StateDeleting, "timestamp": timestamp()}); err != nil {
		return err
	}
	for i := len(releases) - 1; i >= 0; i-- {
		if _, err := c.releases.Uninstall(ctx, osdpl.Namespace, releases[i]); err != nil {
			return fmt.Errorf("release %s: %w", releases[i], err)
		}
		c.recorder.Eventf(osdpl, corev1.EventTypeNormal, "Delete", "Deleted helm release %s for service %s", releases[i], svc)
	}
	return c.patchStatus(ctx, osdpl, map[string]any{"services": map[string]any{svc: nil}})
}

// finalize uninstalls every service in reverse wave order, then drops the
// finalizer. Secrets and volumes stay.
func (c *Controller) finalize(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) error {
	if !hasFinalizer(osdpl) {
		return nil
	}
	st, err := c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace).Get(ctx, osdpl.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		st, err = nil, nil
	}
	if err != nil {
		return err
	}
	if st != nil {
		_ = c.patchStatus(ctx, osdpl, map[string]any{"osdpl": map[string]any{"state": lcmv1alpha1.StateDeleting, "timestamp": timestamp()}})
		var svcs []string
		for svc := range st.Status.Services {
			svcs = append(svcs, svc)
		}
		sortReverseWaves(svcs)
		for _, svc := range svcs {
			if err := c.removeService(ctx, osdpl, svc, st.Status.Services[svc].Releases); err != nil {
				c.recorder.Eventf(osdpl, corev1.EventTypeWarning, "DeleteFailed", "service %s: %v", svc, err)
				return err
			}
		}
	}
	if err := c.deleteClusterWorkloadLock(ctx, osdpl); err != nil {
		return err
	}
	if st != nil && contains(st.Finalizers, StatusFinalizer) {
		var rest []string
		for _, f := range st.Finalizers {
			if f != StatusFinalizer {
				rest = append(rest, f)
			}
		}
		patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": rest}})
		if _, err := c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace).Patch(ctx, st.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager}); err != nil && !apierrors.IsNotFound(err) {
			return err
		}
	}
	var keep []string
	for _, f := range osdpl.Finalizers {
		if f != Finalizer {
			keep = append(keep, f)
		}
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": keep, "resourceVersion": osdpl.ResourceVersion}})
	_, err = c.lcm.LcmV1alpha1().OpenStackDeployments(osdpl.Namespace).Patch(ctx, osdpl.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// renderInput gathers what rendering needs from the cluster.
func (c *Controller) renderInput(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) (render.Input, error) {
	raw, err := json.Marshal(osdpl.Spec)
	if err != nil {
		return render.Input{}, err
	}
	spec, err := layering.FromJSON(raw)
	if err != nil {
		return render.Input{}, err
	}
	secrets, err := c.kube.CoreV1().Secrets(osdpl.Namespace).List(ctx, metav1.ListOptions{LabelSelector: SecretLabel + "=true"})
	if err != nil {
		return render.Input{}, fmt.Errorf("listing value_from Secrets: %w", err)
	}
	in := render.Input{
		Spec: spec.(map[string]any), Namespace: osdpl.Namespace, Secrets: map[string]map[string][]byte{},
		ImagesBaseURL: c.cfg.ImagesBaseURL, BinaryBaseURL: c.cfg.BinaryBaseURL,
	}
	for _, s := range secrets.Items {
		in.Secrets[s.Name] = s.Data
	}
	// The Ceph exchange Secret: absent means no Ceph (yet): a service that
	// stores on Ceph then fails with render.ErrCephKeysMissing and is
	// retried. Its changes reach us through status.watched.ceph, written by
	// the ceph-exchange binary; without it, through the resync period.
	keys, err := c.kube.CoreV1().Secrets(c.cfg.CephSharedNamespace).Get(ctx, ceph.KeysSecret, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return render.Input{}, fmt.Errorf("reading Secret %s/%s: %w", c.cfg.CephSharedNamespace, ceph.KeysSecret, err)
	default:
		if in.CephKeys, err = ceph.ParseKeys(keys.Data); err != nil {
			return render.Input{}, err
		}
	}
	cm, err := c.kube.CoreV1().ConfigMaps(osdpl.Namespace).Get(ctx, osdpl.Name+"-artifacts", metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
	case err != nil:
		return render.Input{}, fmt.Errorf("reading ConfigMap %s-artifacts: %w", osdpl.Name, err)
	default:
		if doc, ok := cm.Data[string(osdpl.Spec.OpenStackVersion)]; ok {
			if err := yaml.Unmarshal([]byte(doc), &in.ArtifactOverrides); err != nil {
				return render.Input{}, fmt.Errorf("ConfigMap %s-artifacts key %s: %w", osdpl.Name, osdpl.Spec.OpenStackVersion, err)
			}
		}
	}
	return in, nil
}

// failRender reports an error found before anything was touched. Errors a
// spec edit must fix (type conflicts, templates) wait for that edit; others
// (a Secret not there yet) are retried.
func (c *Controller) failRender(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, err error) error {
	var tce *layering.TypeConflictError
	var te *templates.Error
	if errors.As(err, &tce) || errors.As(err, &te) {
		err = errPermanent{err}
	}
	return c.fail(ctx, osdpl, "", err)
}

// errPermanent marks an error only a spec edit can fix: it is reported but
// not retried.
type errPermanent struct{ error }

func (e errPermanent) Unwrap() error { return e.error }

// fail records a failed reconcile: FAILED with the cause, Degraded, and a
// Warning Event. It returns err so that the key is retried, or nil for a
// permanent error once it is recorded (a failure to record it is retried).
func (c *Controller) fail(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, fingerprint string, err error) error {
	msg := truncate(err.Error())
	c.recorder.Event(osdpl, corev1.EventTypeWarning, "Failed", msg)
	if cerr := c.setConditions(ctx, osdpl, fingerprint,
		condition(ConditionReady, false, "Failed", msg),
		condition(ConditionProgressing, false, "Failed", msg),
		condition(ConditionDegraded, true, "Failed", msg)); cerr != nil {
		return errors.Join(err, cerr)
	}
	if perr := c.patchStatus(ctx, osdpl, map[string]any{"osdpl": map[string]any{"state": lcmv1alpha1.StateFailed, "cause": msg, "timestamp": timestamp()}}); perr != nil {
		return errors.Join(err, perr)
	}
	var perm errPermanent
	if errors.As(err, &perm) {
		return nil
	}
	return err
}

// ensureStatusObject returns the osdplst, creating it (owned by the osdpl)
// when missing.
func (c *Controller) ensureStatusObject(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) (*lcmv1alpha1.OpenStackDeploymentStatus, error) {
	client := c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace)
	st, err := client.Get(ctx, osdpl.Name, metav1.GetOptions{})
	if err == nil {
		if !contains(st.Finalizers, StatusFinalizer) {
			// Adopted from the original, or created by an older version.
			patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
				"finalizers": append(append([]string{}, st.Finalizers...), StatusFinalizer), "resourceVersion": st.ResourceVersion}})
			return client.Patch(ctx, st.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
		}
		return st, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, err
	}
	st = &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{
		Name: osdpl.Name, Namespace: osdpl.Namespace, Finalizers: []string{StatusFinalizer},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(osdpl, lcmv1alpha1.SchemeGroupVersion.WithKind("OpenStackDeployment"))},
	}}
	return client.Create(ctx, st, metav1.CreateOptions{FieldManager: c.cfg.FieldManager})
}

// patchStatus merge-patches the osdplst status (null deletes a key), as
// the original's containers do.
func (c *Controller) patchStatus(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, status map[string]any) error {
	patch, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return err
	}
	_, err = c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace).Patch(ctx, osdpl.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
	if err != nil {
		return fmt.Errorf("patching OpenStackDeploymentStatus %s/%s: %w", osdpl.Namespace, osdpl.Name, err)
	}
	return nil
}

func (c *Controller) patchService(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, svc string, fields map[string]any) error {
	return c.patchStatus(ctx, osdpl, map[string]any{"services": map[string]any{svc: fields}})
}

// setConditions writes conditions on the osdpl status, stamped with the
// generation that was rendered (osdpl, not a fresher copy). A Ready
// condition is an outcome: it also sets status.observedGeneration, and the
// fingerprint and version when fingerprint is set.
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
		outcome = outcome || cond.Type == ConditionReady
	}
	if outcome {
		updated.Status.ObservedGeneration = osdpl.Generation
	}
	if outcome && fingerprint != "" {
		updated.Status.Fingerprint = fingerprint
		updated.Status.Version = controllerVersion()
	}
	if equalStatus(cur, updated) {
		return nil
	}
	_, err = c.lcm.LcmV1alpha1().OpenStackDeployments(osdpl.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{FieldManager: c.cfg.FieldManager})
	return err
}

func equalStatus(a, b *lcmv1alpha1.OpenStackDeployment) bool {
	ja, _ := json.Marshal(a.Status)
	jb, _ := json.Marshal(b.Status)
	return string(ja) == string(jb)
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
		wi, wj := render.WaveOf(svcs[i]), render.WaveOf(svcs[j])
		if wi != wj {
			return wi > wj
		}
		return svcs[i] > svcs[j]
	})
}

func progress(done, total int) string { return fmt.Sprintf("%d/%d", done, total) }

// timestamp is the original's str(datetime.utcnow()) format.
func timestamp() string { return time.Now().UTC().Format("2006-01-02 15:04:05.000000") }

func controllerVersion() string { return version.Version }

// Hostname is the default ControllerHost.
func Hostname() string {
	h, _ := os.Hostname()
	return h
}

func truncate(s string) string {
	const max = 1000
	if len(s) > max {
		return s[:max] + "…"
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func union(a, b []string) []string {
	out := append([]string{}, a...)
	for _, x := range b {
		if !contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}

// ingressManaged applies the original's rule for the legacy nginx ingress:
// it is managed only when spec.migration.ingress.state is "present" or the
// cloud already has it (recorded in the osdplst); "absent" removes it. New
// clouds are served by app-gateway.
func ingressManaged(mspec map[string]any, st *lcmv1alpha1.OpenStackDeploymentStatus, services []render.Service) []render.Service {
	state, _ := layering.Get(mspec, "migration", "ingress", "state").(string)
	_, installed := st.Status.Services["ingress"]
	if state == "present" || (installed && state != "absent") {
		return services
	}
	return slices.DeleteFunc(slices.Clone(services), func(s render.Service) bool { return s.Key == "ingress" })
}
