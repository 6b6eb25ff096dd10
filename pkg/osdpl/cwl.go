package osdpl

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
)

// cwlName is the ClusterWorkloadLock of an osdpl, as the original names it.
func cwlName(osdpl *lcmv1alpha1.OpenStackDeployment) string { return "openstack-" + osdpl.Name }

// ensureClusterWorkloadLock keeps the osdpl's ClusterWorkloadLock present
// (controllerName openstack, state active), for the cluster maintenance
// framework; the node binary changes its state during maintenance.
func (c *Controller) ensureClusterWorkloadLock(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) error {
	client := c.lcm.LcmV1alpha1().ClusterWorkloadLocks()
	cwl, err := client.Get(ctx, cwlName(osdpl), metav1.GetOptions{})
	if err == nil {
		if cwl.Status.State != "" {
			return nil
		}
		// Created by a process killed before it could activate it.
		cwl.Status.State = lcmv1alpha1.LockActive
		_, err = client.UpdateStatus(ctx, cwl, metav1.UpdateOptions{FieldManager: c.cfg.FieldManager})
		return err
	}
	if !apierrors.IsNotFound(err) {
		return err
	}
	cwl, err = client.Create(ctx, &lcmv1alpha1.ClusterWorkloadLock{
		ObjectMeta: metav1.ObjectMeta{Name: cwlName(osdpl)},
		Spec:       lcmv1alpha1.ClusterWorkloadLockSpec{ControllerName: "openstack"},
	}, metav1.CreateOptions{FieldManager: c.cfg.FieldManager})
	if err != nil {
		return fmt.Errorf("creating ClusterWorkloadLock %s: %w", cwlName(osdpl), err)
	}
	cwl.Status.State = lcmv1alpha1.LockActive
	if _, err := client.UpdateStatus(ctx, cwl, metav1.UpdateOptions{FieldManager: c.cfg.FieldManager}); err != nil {
		return fmt.Errorf("activating ClusterWorkloadLock %s: %w", cwlName(osdpl), err)
	}
	return nil
}

func (c *Controller) deleteClusterWorkloadLock(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) error {
	err := c.lcm.LcmV1alpha1().ClusterWorkloadLocks().Delete(ctx, cwlName(osdpl), metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting ClusterWorkloadLock %s: %w", cwlName(osdpl), err)
	}
	return nil
}
