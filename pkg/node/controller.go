package node

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	coreinformers "k8s.io/client-go/informers/core/v1"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	lcminformers "rockoon.dev/rockoon/pkg/client/informers/externalversions/lcm/v1alpha1"
	lcmlisters "rockoon.dev/rockoon/pkg/client/listers/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/operator"
)

// Config configures the controller.
type Config struct {
	// Namespace is the cloud's: its OpenStackDeployment, and the pods
	// force-deleted from dead nodes.
	Namespace string
	// Roles are the OpenStack node roles (ParseRoles; default
	// DefaultRoles).
	Roles Roles
	// FlappingTimeout is how long a node must have been NotReady before
	// its pods are force-deleted (the original's
	// node_not_ready_flapping_timeout, 120 s).
	FlappingTimeout time.Duration
	// ClusterRelease is the original's OSCTL_CLUSTER_RELEASE: when set, a
	// lock whose status.release differs is made active again with it.
	ClusterRelease string
	FieldManager   string
	Resync         time.Duration
}

// DefaultFlappingTimeout is the original's node_not_ready_flapping_timeout.
const DefaultFlappingTimeout = 120 * time.Second

func (c *Config) defaults() error {
	if c.Roles == nil {
		roles, err := ParseRoles(DefaultRoles)
		if err != nil {
			return err
		}
		c.Roles = roles
	}
	if c.FlappingTimeout == 0 {
		c.FlappingTimeout = DefaultFlappingTimeout
	}
	if c.Resync == 0 {
		c.Resync = 10 * time.Minute
	}
	return nil
}

// LegacyFinalizers are the finalizers the original's node container (kopf,
// named after its peering object) put on every Node. Nothing here needs
// them (a gone node's lock is found from the API state); left in place
// they would hold the deletion of every node of a cluster adopted from the
// original.
var LegacyFinalizers = []string{"lcm.mirantis.com/rockoon.node-finalizer", "rockoon.node-finalizer"}

// Informers are the controller's caches: every Node (managedFields and
// the image list dropped: TrimNode), every NodeWorkloadLock and
// NodeDisableNotification, and the OpenStackDeployments of the cloud
// namespace.
type Informers struct {
	Nodes         coreinformers.NodeInformer
	Locks         lcminformers.NodeWorkloadLockInformer
	Notifications lcminformers.NodeDisableNotificationInformer
	OSDPLs        lcminformers.OpenStackDeploymentInformer
}

// Controller keeps every node's labels and lock in step with its roles
// and clears dead nodes. Its queue's keys are node names.
type Controller struct {
	cfg           Config
	kube          kubernetes.Interface
	lcm           versioned.Interface
	nodes         corelisters.NodeLister
	locks         lcmlisters.NodeWorkloadLockLister
	notifications lcmlisters.NodeDisableNotificationLister
	osdpls        lcmlisters.OpenStackDeploymentLister
	ctrl          *operator.Controller[string]
	synced        map[string]cache.InformerSynced
	podsDeleted   prometheus.Counter
	now           func() time.Time
}

// New wires the controller to the informers.
func New(cfg Config, kube kubernetes.Interface, lcm versioned.Interface, inf Informers, metrics *operator.Metrics) (*Controller, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	c := &Controller{
		cfg: cfg, kube: kube, lcm: lcm,
		nodes: inf.Nodes.Lister(), locks: inf.Locks.Lister(), notifications: inf.Notifications.Lister(), osdpls: inf.OSDPLs.Lister(),
		synced: map[string]cache.InformerSynced{
			"nodes":                    inf.Nodes.Informer().HasSynced,
			"nodeworkloadlocks":        inf.Locks.Informer().HasSynced,
			"nodedisablenotifications": inf.Notifications.Informer().HasSynced,
			"openstackdeployments":     inf.OSDPLs.Informer().HasSynced,
		},
		podsDeleted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "rockoon_node_dead_node_pods_deleted_total",
			Help: "Pods of the cloud namespace force-deleted from nodes NotReady longer than the flapping timeout.",
		}),
		now: time.Now,
	}
	if metrics != nil {
		if err := metrics.Registry.Register(c.podsDeleted); err != nil {
			return nil, err
		}
	}
	synced := make([]cache.InformerSynced, 0, len(c.synced))
	for _, s := range c.synced {
		synced = append(synced, s)
	}
	c.ctrl = operator.NewController(operator.ControllerConfig[string]{Name: "node", Sync: c.sync, Metrics: metrics, Synced: synced})

	handlers := []struct {
		inf cache.SharedIndexInformer
		key func(any) string
	}{
		{inf.Nodes.Informer(), func(obj any) string {
			key, _ := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
			return key
		}},
		// A lock changed or deleted by someone else is put back (or, its
		// node gone, deleted); one left by a node deleted while the
		// binary was down is found at the start.
		{inf.Locks.Informer(), func(obj any) string {
			if l, ok := untomb(obj).(*lcmv1alpha1.NodeWorkloadLock); ok && strings.HasPrefix(l.Name, LockPrefix) {
				return strings.TrimPrefix(l.Name, LockPrefix)
			}
			return ""
		}},
		// A notification keeps a gone node's lock; its deletion releases it.
		{inf.Notifications.Informer(), func(obj any) string {
			if n, ok := untomb(obj).(*lcmv1alpha1.NodeDisableNotification); ok {
				return shortName(n.Spec.NodeName)
			}
			return ""
		}},
	}
	for _, h := range handlers {
		enqueue := func(obj any) {
			if k := h.key(obj); k != "" {
				c.ctrl.Enqueue(k)
			}
		}
		if _, err := h.inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    enqueue,
			UpdateFunc: func(_, obj any) { enqueue(obj) },
			DeleteFunc: enqueue,
		}); err != nil {
			return nil, err
		}
	}
	// Dead nodes are only cleared while the cloud exists: its arrival
	// looks at every node again. Status writes do not matter.
	all := func(any) {
		list, err := c.nodes.List(labels.Everything())
		if err != nil {
			return
		}
		for _, n := range list {
			c.ctrl.Enqueue(n.Name)
		}
	}
	if _, err := inf.OSDPLs.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: all, DeleteFunc: all}); err != nil {
		return nil, err
	}
	return c, nil
}

func untomb(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

// shortName is a hostname up to its first dot, as the original matches a
// NodeDisableNotification's spec.nodeName to a node.
func shortName(host string) string {
	name, _, _ := strings.Cut(host, ".")
	return name
}

// TrimNode is the Node informer's transform: managedFields and the
// node's image list (most of a Node's size; nothing here reads them) are
// dropped.
func TrimNode(obj any) (any, error) {
	if n, ok := obj.(*corev1.Node); ok {
		n.ManagedFields = nil
		n.Status.Images = nil
	}
	return obj, nil
}

// Synced names the informers to wait for (readiness).
func (c *Controller) Synced() map[string]cache.InformerSynced { return c.synced }

// Run processes the queue until ctx is done.
func (c *Controller) Run(ctx context.Context) error { return c.ctrl.Run(ctx) }

func (c *Controller) sync(ctx context.Context, name string) error {
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("node", name))
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return c.nodeGone(ctx, name)
	}
	if err != nil {
		return err
	}
	if node, err = c.dropLegacyFinalizers(ctx, node); err != nil || node == nil {
		return err
	}
	if node.DeletionTimestamp != nil {
		// Held by someone else's finalizer: it is going all the same.
		return c.nodeGone(ctx, name)
	}
	if node, err = c.syncLabels(ctx, node); err != nil {
		return err
	}
	// Both run: a failing lock does not hold a dead node's pods back (a
	// failure retries with backoff, and the wait is looked at again then).
	lockErr := c.syncLock(ctx, node)
	wait, deadErr := c.syncDead(ctx, node)
	if err := errors.Join(lockErr, deadErr); err != nil {
		return err
	}
	if wait > 0 {
		return operator.RequeueAfter(wait)
	}
	return nil
}

// syncLabels sets or removes the internal role labels (one merge patch,
// only when one differs); it returns the node as it now is.
func (c *Controller) syncLabels(ctx context.Context, node *corev1.Node) (*corev1.Node, error) {
	changes := c.cfg.Roles.labelChanges(node)
	if len(changes) == 0 {
		return node, nil
	}
	out, err := c.patchNode(ctx, node, map[string]any{"labels": changes})
	if err != nil {
		return nil, fmt.Errorf("labelling Node %s: %w", node.Name, err)
	}
	set, removed := []string{}, []string{}
	for k, v := range changes {
		if v == nil {
			removed = append(removed, k)
		} else {
			set = append(set, k)
		}
	}
	slices.Sort(set)
	slices.Sort(removed)
	klog.FromContext(ctx).Info("Node labels updated", "roles", c.cfg.Roles.Of(out), "set", set, "removed", removed)
	return out, nil
}

// dropLegacyFinalizers removes the original's kopf finalizer (others
// stay); it returns the node as it now is, nil when it is gone.
func (c *Controller) dropLegacyFinalizers(ctx context.Context, node *corev1.Node) (*corev1.Node, error) {
	keep := slices.DeleteFunc(slices.Clone(node.Finalizers), func(f string) bool { return slices.Contains(LegacyFinalizers, f) })
	if len(keep) == len(node.Finalizers) {
		return node, nil
	}
	out, err := c.patchNode(ctx, node, map[string]any{"finalizers": keep, "resourceVersion": node.ResourceVersion})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("removing the original's finalizer of Node %s: %w", node.Name, err)
	}
	klog.FromContext(ctx).Info("Removed the original's node finalizer")
	return out, nil
}

// patchNode merge-patches the node's metadata.
func (c *Controller) patchNode(ctx context.Context, node *corev1.Node, metadata map[string]any) (*corev1.Node, error) {
	raw, err := json.Marshal(map[string]any{"metadata": metadata})
	if err != nil {
		return nil, err
	}
	return c.kube.CoreV1().Nodes().Patch(ctx, node.Name, types.MergePatchType, raw, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
}
