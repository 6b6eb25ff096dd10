package node

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"
)

// readyCondition returns the node's Ready condition, nil when it has none
// (a node that never reported).
func readyCondition(node *corev1.Node) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == corev1.NodeReady {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// deadSince returns when the node is judged dead: its Ready condition's
// last transition plus the flapping timeout; ok is false while it is
// Ready (or never reported).
func (c *Controller) deadSince(node *corev1.Node) (at time.Time, ok bool) {
	ready := readyCondition(node)
	if ready == nil || ready.Status == corev1.ConditionTrue {
		return time.Time{}, false
	}
	return ready.LastTransitionTime.Add(c.cfg.FlappingTimeout), true
}

// syncDead force-deletes the cloud namespace's pods from a node NotReady
// (False or Unknown) for longer than the flapping timeout, while the
// cloud's OpenStackDeployment exists, as the original. Before the timeout
// it returns how long to wait (a flap may end). Only pods created before
// the node was judged dead (the second before the deadline, the
// timestamps' precision) are deleted: the original deletes once per
// NotReady transition, and the pods that DaemonSets put back on the dead
// node later are left alone (deleting them again would never end). A
// pod already force-deleted (held by a finalizer) is not deleted again.
func (c *Controller) syncDead(ctx context.Context, node *corev1.Node) (time.Duration, error) {
	deadline, notReady := c.deadSince(node)
	if !notReady {
		return 0, nil
	}
	osdpls, err := c.osdpls.OpenStackDeployments(c.cfg.Namespace).List(labels.Everything())
	if err != nil || len(osdpls) == 0 {
		return 0, err
	}
	logger := klog.FromContext(ctx)
	if wait := deadline.Sub(c.now()); wait > 0 {
		logger.V(2).Info("Node NotReady, may be a flap", "deadAt", deadline.UTC().Format(time.RFC3339), "wait", wait)
		return wait, nil
	}
	// Read directly, only for a dead node: the namespace's pods are not
	// cached.
	pods, err := c.kube.CoreV1().Pods(c.cfg.Namespace).List(ctx, metav1.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.nodeName", node.Name).String(),
	})
	if err != nil {
		return 0, fmt.Errorf("listing the pods of dead Node %s: %w", node.Name, err)
	}
	var deleted []string
	for i := range pods.Items {
		pod := &pods.Items[i]
		if !pod.CreationTimestamp.Time.Before(deadline) {
			continue
		}
		if pod.DeletionTimestamp != nil && ptr.Deref(pod.DeletionGracePeriodSeconds, -1) == 0 {
			continue
		}
		err := c.kube.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
			GracePeriodSeconds: ptr.To[int64](0),
			PropagationPolicy:  ptr.To(metav1.DeletePropagationBackground),
			Preconditions:      &metav1.Preconditions{UID: &pod.UID},
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			// Gone, or replaced by a new pod of the same name.
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("deleting pod %s/%s of dead Node %s: %w", pod.Namespace, pod.Name, node.Name, err)
		}
		c.podsDeleted.Inc()
		deleted = append(deleted, pod.Name)
	}
	if len(deleted) > 0 {
		logger.Info("Pods force-deleted from a dead node", "namespace", c.cfg.Namespace, "pods", deleted, "deadAt", deadline.UTC().Format(time.RFC3339))
	}
	return 0, nil
}
