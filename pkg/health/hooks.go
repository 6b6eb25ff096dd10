package health

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/operator"
)

// A DaemonSet hook runs when the DaemonSet grows (a node added): its
// desired pod count rose above the count last seen settled. The original
// keyed its hooks on the (previous, current) health of the batch
// snapshot, which missed transitions, and its "desired count increased"
// guard compared with a value nobody wrote; this is the guard it intended.
type dsHook struct {
	// daemonSet is the hook's "<application>-<component>" (the
	// DaemonSet's name for the charts concerned).
	daemonSet string
	// onReady runs the hook once the grown DaemonSet is Ready (nova: the
	// new computes must be up to be discovered); otherwise while it is
	// not (octavia: the new health manager needs its resources to start).
	onReady bool
	run     func(c *Controller, ctx context.Context) error
}

var dsHooks = []dsHook{
	{daemonSet: "nova-compute-default", onReady: true, run: (*Controller).novaCellSetup},
	{daemonSet: "octavia-health-manager-default", onReady: false, run: (*Controller).octaviaCreateResources},
}

// NovaCellSetupCronJob and OctaviaCreateResourcesJob are the objects of
// the charts the hooks act on.
const (
	NovaCellSetupCronJob      = "nova-cell-setup"
	OctaviaCreateResourcesJob = "octavia-create-resources"
)

// runHooks compares each hooked DaemonSet with its settled size and runs
// the hook on growth. It runs in the batch, on the worker.
func (c *Controller) runHooks(ctx context.Context, daemonSets []*appsv1.DaemonSet) {
	logger := klog.FromContext(ctx)
	if c.settled == nil {
		c.settled = map[string]int32{}
	}
	for _, ds := range daemonSets {
		app, comp := Identify(ds.Name, ds.Labels)
		for _, h := range dsHooks {
			if app+"-"+comp != h.daemonSet {
				continue
			}
			desired, ready := ds.Status.DesiredNumberScheduled, DaemonSetReady(ds)
			before, known := c.settled[h.daemonSet]
			logger.V(4).Info("Hooked DaemonSet", "daemonSet", klog.KObj(ds), "desired", desired, "ready", ready, "settled", before, "known", known)
			switch {
			case !known || desired < before:
				// First sight (a restart), or a node removed.
				c.settled[h.daemonSet] = desired
			case desired > before && ready == h.onReady:
				logger.Info("DaemonSet grew: running its hook", "daemonSet", klog.KObj(ds), "desired", desired, "before", before)
				if err := h.run(c, ctx); err != nil {
					logger.Error(err, "DaemonSet hook failed; retried with the next batch", "daemonSet", klog.KObj(ds))
					c.ctrl.EnqueueAfter(batchKey, 10*time.Second)
					continue
				}
				c.settled[h.daemonSet] = desired
			case desired > before && ready:
				// Grew and settled without needing the hook.
				c.settled[h.daemonSet] = desired
			}
		}
	}
}

// novaCellSetup starts a Job from the nova-cell-setup CronJob (cell
// discovery of the new computes), named nova-cell-setup-<10 characters>
// and owned by the CronJob, as the original; a key follows it until it
// completes (then it is deleted) or 600 s pass.
func (c *Controller) novaCellSetup(ctx context.Context) error {
	batch := c.kube.BatchV1()
	cj, err := batch.CronJobs(c.cfg.Namespace).Get(ctx, NovaCellSetupCronJob, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		klog.FromContext(ctx).Info("No CronJob to run the nova cell setup from", "cronJob", klog.KRef(c.cfg.Namespace, NovaCellSetupCronJob))
		return nil
	}
	if err != nil {
		return err
	}
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:        NovaCellSetupCronJob + "-" + credentials.NameSuffix(10),
			Namespace:   c.cfg.Namespace,
			Labels:      cj.Spec.JobTemplate.Labels,
			Annotations: cj.Spec.JobTemplate.Annotations,
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "batch/v1", Kind: "CronJob", Name: cj.Name, UID: cj.UID,
				Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}},
		},
		Spec: cj.Spec.JobTemplate.Spec,
	}
	created, err := batch.Jobs(c.cfg.Namespace).Create(ctx, job, metav1.CreateOptions{FieldManager: c.cfg.FieldManager})
	if err != nil {
		return fmt.Errorf("creating Job %s from CronJob %s: %w", job.Name, cj.Name, err)
	}
	klog.FromContext(ctx).Info("Started the nova cell setup", "job", klog.KObj(created))
	c.ctrl.EnqueueAfter(key{Kind: "CellSetupJob", Name: created.Name, Since: time.Now()}, time.Second)
	return nil
}

// followCellSetup deletes the cell setup Job once complete (foreground,
// as the original), gives up after 600 s; it polls without blocking the
// worker.
func (c *Controller) followCellSetup(ctx context.Context, k key) error {
	jobs := c.kube.BatchV1().Jobs(c.cfg.Namespace)
	job, err := jobs.Get(ctx, k.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !jobFinished(job, batchv1.JobComplete) {
		if time.Since(k.Since) > 600*time.Second {
			klog.FromContext(ctx).Info("The nova cell setup did not complete within 600 s; left for inspection", "job", klog.KObj(job))
			return nil
		}
		return operator.RequeueAfter(time.Second)
	}
	err = jobs.Delete(ctx, k.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationForeground)})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the completed Job %s: %w", k.Name, err)
	}
	klog.FromContext(ctx).Info("The nova cell setup completed", "job", klog.KObj(job))
	return nil
}

// octaviaCreateResources re-runs the completed octavia-create-resources
// Job (it creates the health managers' ports): deleted, then re-created
// from its own spec without the fields the API server sets.
func (c *Controller) octaviaCreateResources(ctx context.Context) error {
	jobs := c.kube.BatchV1().Jobs(c.cfg.Namespace)
	job, err := jobs.Get(ctx, OctaviaCreateResourcesJob, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if !jobFinished(job, batchv1.JobComplete) {
		// Running (or failed): it is not re-run, as the original.
		return nil
	}
	if err := jobs.Delete(ctx, job.Name, metav1.DeleteOptions{PropagationPolicy: ptr.To(metav1.DeletePropagationBackground),
		Preconditions: &metav1.Preconditions{UID: ptr.To(job.UID)}}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting Job %s to re-run it: %w", job.Name, err)
	}
	c.rerun = rerunnable(job)
	c.ctrl.EnqueueAfter(key{Kind: "RecreateJob", Name: job.Name, Since: time.Now()}, time.Second)
	return nil
}

// recreateJob creates the re-run Job once its predecessor is gone (within
// 120 s).
func (c *Controller) recreateJob(ctx context.Context, k key) error {
	if c.rerun == nil || c.rerun.Name != k.Name {
		return nil
	}
	jobs := c.kube.BatchV1().Jobs(c.cfg.Namespace)
	if _, err := jobs.Get(ctx, k.Name, metav1.GetOptions{}); err == nil {
		if time.Since(k.Since) > 120*time.Second {
			return fmt.Errorf("Job %s was not deleted within 120 s: not re-run", k.Name)
		}
		return operator.RequeueAfter(time.Second)
	} else if !apierrors.IsNotFound(err) {
		return err
	}
	if _, err := jobs.Create(ctx, c.rerun, metav1.CreateOptions{FieldManager: c.cfg.FieldManager}); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("re-creating Job %s: %w", k.Name, err)
	}
	klog.FromContext(ctx).Info("Re-ran the Job", "job", klog.KRef(c.cfg.Namespace, k.Name))
	c.rerun = nil
	return nil
}

// rerunnable is job without what the API server and the Job controller
// set: status, identity, the controller-uid labels and the selector.
func rerunnable(job *batchv1.Job) *batchv1.Job {
	out := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{
		Name: job.Name, Namespace: job.Namespace, Labels: map[string]string{}, Annotations: job.Annotations, OwnerReferences: job.OwnerReferences,
	}, Spec: *job.Spec.DeepCopy()}
	for k, v := range job.Labels {
		if k != "controller-uid" && k != batchv1.ControllerUidLabel {
			out.Labels[k] = v
		}
	}
	out.Spec.Selector = nil
	out.Spec.ManualSelector = nil
	lbls := map[string]string{}
	for k, v := range out.Spec.Template.Labels {
		if k != "controller-uid" && k != batchv1.ControllerUidLabel && k != batchv1.JobNameLabel && k != "job-name" {
			lbls[k] = v
		}
	}
	out.Spec.Template.Labels = lbls
	return out
}

func jobFinished(job *batchv1.Job, typ batchv1.JobConditionType) bool {
	for _, c := range job.Status.Conditions {
		if c.Type == typ && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}
