package node

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
)

// The NodeWorkloadLock of a node, as the original makes it.
const (
	// LockPrefix + the node name is the lock's name.
	LockPrefix = "openstack-"
	// ControllerName is the lock's spec.controllerName.
	ControllerName = "openstack"
	// OriginalNodeAnnotation holds the node as it was when last seen:
	// {apiVersion, kind, spec, metadata: {name, labels}}.
	OriginalNodeAnnotation = "openstack.lcm.mirantis.com/original-node"
)

// LockName is the name of a node's NodeWorkloadLock.
func LockName(node string) string { return LockPrefix + node }

// lockSpec is the spec of a node's lock.
func lockSpec(node string) lcmv1alpha1.NodeWorkloadLockSpec {
	return lcmv1alpha1.NodeWorkloadLockSpec{ControllerName: ControllerName, NodeName: node, NodeDeletionRequestSupported: ptr.To(true)}
}

// originalNode is the value of OriginalNodeAnnotation for node.
func originalNode(node *corev1.Node) (string, error) {
	raw, err := json.Marshal(map[string]any{
		"apiVersion": "v1",
		"kind":       "Node",
		"metadata":   map[string]any{"name": node.Name, "labels": node.Labels},
		"spec":       node.Spec,
	})
	return string(raw), err
}

// sameJSON reports whether two JSON texts hold the same value (the
// original's annotation has Python's separators and key order).
func sameJSON(a, b string) bool {
	var x, y any
	if json.Unmarshal([]byte(a), &x) != nil || json.Unmarshal([]byte(b), &y) != nil {
		return false
	}
	return reflect.DeepEqual(x, y)
}

// syncLock keeps the node's lock present while it has an OpenStack role,
// and deletes it when it has none.
func (c *Controller) syncLock(ctx context.Context, node *corev1.Node) error {
	if len(c.cfg.Roles.Of(node)) == 0 {
		return c.deleteLock(ctx, node.Name, "the node has no OpenStack role")
	}
	return c.ensureLock(ctx, node)
}

// ensureLock is the original's present(): the lock is created (then made
// active), or its spec and original-node annotation are merged in; a lock
// without a state, or whose release is not ClusterRelease (when set), is
// made active with it.
func (c *Controller) ensureLock(ctx context.Context, node *corev1.Node) error {
	logger := klog.FromContext(ctx)
	name := LockName(node.Name)
	client := c.lcm.LcmV1alpha1().NodeWorkloadLocks()
	orig, err := originalNode(node)
	if err != nil {
		return err
	}
	spec := lockSpec(node.Name)
	lock, err := c.locks.Get(name)
	if apierrors.IsNotFound(err) {
		lock, err = client.Create(ctx, &lcmv1alpha1.NodeWorkloadLock{
			ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: map[string]string{OriginalNodeAnnotation: orig}},
			Spec:       spec,
		}, metav1.CreateOptions{FieldManager: c.cfg.FieldManager})
		if err != nil {
			return fmt.Errorf("creating NodeWorkloadLock %s: %w", name, err)
		}
		logger.Info("NodeWorkloadLock created", "lock", klog.KObj(lock), "roles", c.cfg.Roles.Of(node))
		return c.activate(ctx, lock)
	}
	if err != nil {
		return err
	}
	if lock.DeletionTimestamp != nil {
		// Being deleted (held by the maintenance protocol's finalizer):
		// created again once gone.
		logger.V(2).Info("NodeWorkloadLock is being deleted", "lock", klog.KObj(lock))
		return nil
	}
	patch := map[string]any{}
	if !reflect.DeepEqual(lock.Spec, spec) {
		patch["spec"] = spec
	}
	if !sameJSON(lock.Annotations[OriginalNodeAnnotation], orig) {
		patch["metadata"] = map[string]any{"annotations": map[string]string{OriginalNodeAnnotation: orig}}
	}
	if len(patch) > 0 {
		raw, err := json.Marshal(patch)
		if err != nil {
			return err
		}
		if lock, err = client.Patch(ctx, name, types.MergePatchType, raw, metav1.PatchOptions{FieldManager: c.cfg.FieldManager}); err != nil {
			return fmt.Errorf("updating NodeWorkloadLock %s: %w", name, err)
		}
		logger.V(2).Info("NodeWorkloadLock updated", "lock", klog.KObj(lock), "spec", patch["spec"] != nil, "originalNode", patch["metadata"] != nil)
	}
	if lock.Status.State == "" || (c.cfg.ClusterRelease != "" && lock.Status.Release != c.cfg.ClusterRelease) {
		return c.activate(ctx, lock)
	}
	return nil
}

// activate sets the lock's state active (and its release, when
// ClusterRelease is set) through the status subresource.
func (c *Controller) activate(ctx context.Context, lock *lcmv1alpha1.NodeWorkloadLock) error {
	upd := lock.DeepCopy()
	upd.Status.State = lcmv1alpha1.LockActive
	if c.cfg.ClusterRelease != "" {
		upd.Status.Release = c.cfg.ClusterRelease
	}
	if _, err := c.lcm.LcmV1alpha1().NodeWorkloadLocks().UpdateStatus(ctx, upd, metav1.UpdateOptions{FieldManager: c.cfg.FieldManager}); err != nil {
		return fmt.Errorf("activating NodeWorkloadLock %s: %w", lock.Name, err)
	}
	klog.FromContext(ctx).Info("NodeWorkloadLock active", "lock", klog.KObj(lock), "previousState", lock.Status.State, "release", upd.Status.Release)
	return nil
}

// nodeGone deletes the lock of a node that is gone (or going), unless a
// NodeDisableNotification names it: the node is then merely disabled and
// keeps its lock.
func (c *Controller) nodeGone(ctx context.Context, name string) error {
	ndns, err := c.notifications.List(labels.Everything())
	if err != nil {
		return err
	}
	for _, n := range ndns {
		if shortName(n.Spec.NodeName) == name {
			klog.FromContext(ctx).V(2).Info("Node gone but disabled: its lock stays", "notification", klog.KObj(n))
			return nil
		}
	}
	return c.deleteLock(ctx, name, "the node is gone")
}

// deleteLock deletes the node's lock (background propagation) when the
// cache holds it, is ours and is not already being deleted.
func (c *Controller) deleteLock(ctx context.Context, node, why string) error {
	lock, err := c.locks.Get(LockName(node))
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if lock.Spec.ControllerName != ControllerName || lock.DeletionTimestamp != nil {
		return nil
	}
	err = c.lcm.LcmV1alpha1().NodeWorkloadLocks().Delete(ctx, lock.Name, metav1.DeleteOptions{
		PropagationPolicy: ptr.To(metav1.DeletePropagationBackground),
		Preconditions:     &metav1.Preconditions{UID: &lock.UID},
	})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting NodeWorkloadLock %s: %w", lock.Name, err)
	}
	klog.FromContext(ctx).Info("NodeWorkloadLock deleted", "lock", klog.KObj(lock), "reason", why)
	return nil
}
