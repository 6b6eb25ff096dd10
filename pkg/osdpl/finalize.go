package osdpl

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/osdplst"
)

// finalize uninstalls every service in reverse wave order, then drops the
// finalizer. Secrets and volumes stay. An osdpl that never was the served
// one (a refused duplicate) has no osdplst of its own and only loses the
// finalizer.
func (c *Controller) finalize(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) error {
	if !slices.Contains(osdpl.Finalizers, lcmv1alpha1.OSDPLFinalizer) {
		return nil
	}
	st, err := c.statusObject(ctx, osdpl)
	if err != nil {
		return err
	}
	if st != nil {
		w := osdplst.NewWriter(c.lcm, c.cfg.FieldManager, st)
		if _, err := w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) { setState(lcmState(s), lcmv1alpha1.StateDeleting) }); err != nil {
			return err
		}
		var svcs []string
		for svc := range st.Status.Services {
			svcs = append(svcs, svc)
		}
		sortReverseWaves(svcs)
		for _, svc := range svcs {
			if err := c.removeService(ctx, w, osdpl, svc, st.Status.Services[svc].Releases); err != nil {
				c.recorder.Eventf(osdpl, corev1.EventTypeWarning, "DeleteFailed", "service %s: %v", svc, err)
				return err
			}
		}
	}
	if err := c.deleteClusterWorkloadLock(ctx, osdpl); err != nil {
		return err
	}
	if st != nil && slices.Contains(st.Finalizers, lcmv1alpha1.OSDPLStatusFinalizer) {
		if err := c.dropStatusFinalizer(ctx, st); err != nil {
			return err
		}
	}
	keep := slices.DeleteFunc(slices.Clone(osdpl.Finalizers), func(f string) bool { return f == lcmv1alpha1.OSDPLFinalizer })
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": keep, "resourceVersion": osdpl.ResourceVersion}})
	if err != nil {
		return err
	}
	_, err = c.lcm.LcmV1alpha1().OpenStackDeployments(osdpl.Namespace).Patch(ctx, osdpl.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func (c *Controller) dropStatusFinalizer(ctx context.Context, st *lcmv1alpha1.OpenStackDeploymentStatus) error {
	rest := slices.DeleteFunc(slices.Clone(st.Finalizers), func(f string) bool { return f == lcmv1alpha1.OSDPLStatusFinalizer })
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": rest, "resourceVersion": st.ResourceVersion}})
	if err != nil {
		return err
	}
	_, err = c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(st.Namespace).Patch(ctx, st.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("removing the finalizer of OpenStackDeploymentStatus %s/%s: %w", st.Namespace, st.Name, err)
	}
	return nil
}

// statusObject returns the osdpl's own osdplst, nil when there is none. An
// osdplst controlled by another object (left by a deleted osdpl of the same
// name) is not this osdpl's.
func (c *Controller) statusObject(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) (*lcmv1alpha1.OpenStackDeploymentStatus, error) {
	st, err := c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace).Get(ctx, osdpl.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading OpenStackDeploymentStatus %s/%s: %w", osdpl.Namespace, osdpl.Name, err)
	}
	if ref := metav1.GetControllerOf(st); ref != nil && ref.UID != osdpl.UID {
		return nil, nil
	}
	return st, nil
}

// ensureStatusObject returns the osdplst, creating it (owned by the osdpl)
// when missing. One left by a deleted osdpl of the same name (another
// owner UID) is deleted and created anew; one without an owner (adopted
// from the original) is kept.
func (c *Controller) ensureStatusObject(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) (*lcmv1alpha1.OpenStackDeploymentStatus, error) {
	logger := klog.FromContext(ctx)
	client := c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace)
	st, err := client.Get(ctx, osdpl.Name, metav1.GetOptions{})
	if err == nil {
		if ref := metav1.GetControllerOf(st); ref != nil && ref.UID != osdpl.UID {
			logger.Info("Replacing an OpenStackDeploymentStatus left by a deleted OpenStackDeployment", "ownerUID", ref.UID)
			if err := c.dropStatusFinalizer(ctx, st); err != nil {
				return nil, err
			}
			uid := st.UID
			err := client.Delete(ctx, st.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
			if err != nil && !apierrors.IsNotFound(err) {
				return nil, fmt.Errorf("deleting the stale OpenStackDeploymentStatus %s/%s: %w", st.Namespace, st.Name, err)
			}
			c.recorder.Event(osdpl, corev1.EventTypeNormal, "StatusReplaced", "the OpenStackDeploymentStatus of a deleted OpenStackDeployment of the same name was replaced")
			return c.createStatusObject(ctx, osdpl)
		}
		if !slices.Contains(st.Finalizers, lcmv1alpha1.OSDPLStatusFinalizer) {
			// Adopted from the original, or created by an older version.
			patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
				"finalizers": append(slices.Clone(st.Finalizers), lcmv1alpha1.OSDPLStatusFinalizer), "resourceVersion": st.ResourceVersion}})
			if err != nil {
				return nil, err
			}
			return client.Patch(ctx, st.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
		}
		return st, nil
	}
	if !apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("reading OpenStackDeploymentStatus %s/%s: %w", osdpl.Namespace, osdpl.Name, err)
	}
	return c.createStatusObject(ctx, osdpl)
}

func (c *Controller) createStatusObject(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) (*lcmv1alpha1.OpenStackDeploymentStatus, error) {
	st := &lcmv1alpha1.OpenStackDeploymentStatus{ObjectMeta: metav1.ObjectMeta{
		Name: osdpl.Name, Namespace: osdpl.Namespace, Finalizers: []string{lcmv1alpha1.OSDPLStatusFinalizer},
		OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(osdpl, lcmv1alpha1.SchemeGroupVersion.WithKind("OpenStackDeployment"))},
	}}
	st, err := c.lcm.LcmV1alpha1().OpenStackDeploymentStatus(osdpl.Namespace).Create(ctx, st, metav1.CreateOptions{FieldManager: c.cfg.FieldManager})
	if err != nil {
		return nil, fmt.Errorf("creating OpenStackDeploymentStatus %s/%s: %w", osdpl.Namespace, osdpl.Name, err)
	}
	return st, nil
}
