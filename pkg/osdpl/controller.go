package osdpl

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/ceph"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	lcminformers "rockoon.dev/rockoon/pkg/client/informers/externalversions/lcm/v1alpha1"
	lcmlisters "rockoon.dev/rockoon/pkg/client/listers/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/templates"
)

// Config configures the controller.
type Config struct {
	Namespace     string
	FieldManager  string
	ImagesBaseURL string
	BinaryBaseURL string
	// ControllerHost is reported in osdplst (the pod's hostname).
	ControllerHost string
	// Resync is how often an unchanged osdpl is reconciled anyway, to
	// repair drift; default 10 minutes. A resync that finds nothing to
	// change writes nothing.
	Resync time.Duration
	// CephSharedNamespace holds the Ceph exchange Secrets; default
	// openstack-ceph-shared.
	CephSharedNamespace string
	// LMASharedNamespace receives StackLight's integration Secrets
	// (rabbitmq-creds, openstack-lma-config); default
	// render.DefaultLMASharedNamespace, openstack-lma-shared.
	LMASharedNamespace string
	// PodNetworks are the cluster's pod networks (render.ParsePodNetworks);
	// nil: render.DefaultPodNetworks.
	PodNetworks []any
	// WaitRequeue is how soon a waiting osdpl (an input not there yet, a
	// busy release) is looked at again; default 15 s.
	WaitRequeue time.Duration
	// RetryBase and RetryMax bound the exponential backoff of failed
	// reconciles; defaults 1 s and 5 min.
	RetryBase, RetryMax time.Duration
	// Recorder records the Events; default: operator.NewEventRecorder.
	Recorder record.EventRecorder
	// WaitHealthy gates the rollout on the health binary's osdplst
	// status.health: a wave starts, and the pass ends APPLIED, only when
	// the services of the earlier waves are Ready. HealthTimeout and
	// HealthDelay are the defaults of spec.timeouts.application_readiness
	// (1200 s and 10 s).
	WaitHealthy                bool
	HealthTimeout, HealthDelay time.Duration
}

// Controller reconciles the OpenStackDeployment of one namespace.
type Controller struct {
	cfg      Config
	kube     kubernetes.Interface
	lcm      versioned.Interface
	lister   lcmlisters.OpenStackDeploymentLister
	releases Releases
	// templates are the embedded service templates every render uses.
	templates *templates.Engine
	recorder  record.EventRecorder
	ctrl      *operator.Controller[cache.ObjectName]
	waits     readinessWaits
}

// New creates the controller and registers its event handlers on the
// informer; start the informer factory afterwards, then Run.
func New(ctx context.Context, cfg Config, kube kubernetes.Interface, lcm versioned.Interface,
	informer lcminformers.OpenStackDeploymentInformer, releases Releases, metrics *operator.Metrics) (*Controller, error) {
	if cfg.Resync == 0 {
		cfg.Resync = 10 * time.Minute
	}
	if cfg.CephSharedNamespace == "" {
		cfg.CephSharedNamespace = ceph.SharedNamespace
	}
	if cfg.LMASharedNamespace == "" {
		cfg.LMASharedNamespace = render.DefaultLMASharedNamespace
	}
	if cfg.WaitRequeue <= 0 {
		cfg.WaitRequeue = 15 * time.Second
	}
	if cfg.RetryBase <= 0 {
		cfg.RetryBase = time.Second
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 5 * time.Minute
	}
	if cfg.HealthTimeout <= 0 {
		cfg.HealthTimeout = 1200 * time.Second
	}
	if cfg.HealthDelay <= 0 {
		cfg.HealthDelay = 10 * time.Second
	}
	if cfg.Recorder == nil {
		cfg.Recorder = operator.NewEventRecorder(ctx, kube, cfg.Namespace, "rockoon-osdpl")
	}
	c := &Controller{
		cfg:       cfg,
		kube:      kube,
		lcm:       lcm,
		lister:    informer.Lister(),
		releases:  releases,
		templates: templates.New(),
		recorder:  cfg.Recorder,
	}
	c.ctrl = operator.NewController(operator.ControllerConfig[cache.ObjectName]{
		Name:        "openstackdeployment",
		Sync:        c.sync,
		Synced:      []cache.InformerSynced{informer.Informer().HasSynced},
		Metrics:     metrics,
		RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[cache.ObjectName](cfg.RetryBase, cfg.RetryMax),
	})
	_, err := informer.Informer().AddEventHandlerWithResyncPeriod(cache.ResourceEventHandlerFuncs{
		AddFunc: c.enqueue,
		UpdateFunc: func(oldObj, newObj any) {
			o, n := oldObj.(*lcmv1alpha1.OpenStackDeployment), newObj.(*lcmv1alpha1.OpenStackDeployment)
			if o.ResourceVersion == n.ResourceVersion || needsSync(o, n) {
				// Equal resource versions are the periodic resync.
				c.enqueue(newObj)
			}
		},
		DeleteFunc: c.enqueue,
	}, cfg.Resync)
	if err != nil {
		return nil, err
	}
	return c, nil
}

// needsSync tells a change that matters (spec, deletion, finalizers, the
// status members other controllers write to trigger a reconcile) from our
// own status writes.
func needsSync(o, n *lcmv1alpha1.OpenStackDeployment) bool {
	return o.Generation != n.Generation ||
		!reflect.DeepEqual(o.DeletionTimestamp, n.DeletionTimestamp) ||
		!reflect.DeepEqual(o.Finalizers, n.Finalizers) ||
		!reflect.DeepEqual(o.Status.Watched, n.Status.Watched) ||
		!reflect.DeepEqual(o.Status.Credentials, n.Status.Credentials) ||
		!reflect.DeepEqual(o.Status.Certificates, n.Status.Certificates)
}

func (c *Controller) enqueue(obj any) {
	if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = d.Obj
	}
	ref, err := cache.ObjectToName(obj)
	if err != nil {
		runtime.HandleError(err)
		return
	}
	c.ctrl.Enqueue(ref)
}

// enqueueNamespace queues the OpenStackDeployments of a namespace (for
// changes of the objects they depend on).
func (c *Controller) enqueueNamespace(ns string) {
	all, err := c.lister.OpenStackDeployments(ns).List(labels.Everything())
	if err != nil {
		runtime.HandleError(err)
		return
	}
	for _, o := range all {
		c.ctrl.Enqueue(cache.ObjectName{Namespace: o.Namespace, Name: o.Name})
	}
}

// Run processes the queue until ctx is done. A sync stops at the next
// release boundary when ctx ends (shutdown, lost lease); only the Helm
// action in flight runs to its end.
func (c *Controller) Run(ctx context.Context) error { return c.ctrl.Run(ctx) }

// sync reconciles one OpenStackDeployment.
func (c *Controller) sync(ctx context.Context, ref cache.ObjectName) error {
	logger := klog.FromContext(ctx).WithValues("osdpl", klog.KRef(ref.Namespace, ref.Name))
	ctx = klog.NewContext(ctx, logger)
	osdpl, err := c.lister.OpenStackDeployments(ref.Namespace).Get(ref.Name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// Deletion first: a refused duplicate that carries the finalizer must
	// still go away.
	if osdpl.DeletionTimestamp != nil {
		return c.finalize(ctx, osdpl)
	}
	if active, err := c.active(ref.Namespace); err != nil {
		return err
	} else if active.UID != osdpl.UID {
		return c.refuseDuplicate(ctx, osdpl, active.Name)
	}
	if !slices.Contains(osdpl.Finalizers, lcmv1alpha1.OSDPLFinalizer) {
		return c.addFinalizer(ctx, osdpl)
	}
	if osdpl.Spec.Draft != nil && *osdpl.Spec.Draft {
		logger.V(2).Info("Draft: nothing applied")
		return c.setConditions(ctx, osdpl, "", condition(lcmv1alpha1.ConditionProgressing, false, "Draft", "spec.draft is true: nothing is applied"))
	}
	return c.reconcile(ctx, osdpl)
}

// active is the OpenStackDeployment the controller serves in a namespace:
// the one already served (it carries the finalizer, which only the served
// one gets, and was not refused as a duplicate), else the oldest, then the
// first by UID, among those not being deleted. Once chosen it stays
// chosen: a later one, even created in the same second (creation
// timestamps have a resolution of a second), never displaces it. Others
// are refused.
func (c *Controller) active(ns string) (*lcmv1alpha1.OpenStackDeployment, error) {
	all, err := c.lister.OpenStackDeployments(ns).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	served := func(o *lcmv1alpha1.OpenStackDeployment) bool {
		if !slices.Contains(o.Finalizers, lcmv1alpha1.OSDPLFinalizer) {
			return false
		}
		cond := findCondition(o, lcmv1alpha1.ConditionReady)
		return cond == nil || cond.Reason != "Duplicate"
	}
	var best *lcmv1alpha1.OpenStackDeployment
	for _, o := range all {
		if o.DeletionTimestamp != nil && !served(o) {
			continue
		}
		switch {
		case best == nil:
			best = o
		case served(o) != served(best):
			if served(o) {
				best = o
			}
		case o.CreationTimestamp.Before(&best.CreationTimestamp),
			o.CreationTimestamp.Equal(&best.CreationTimestamp) && o.UID < best.UID:
			best = o
		}
	}
	if best == nil {
		return nil, fmt.Errorf("no OpenStackDeployment in namespace %s", ns)
	}
	return best, nil
}

func (c *Controller) refuseDuplicate(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, active string) error {
	msg := fmt.Sprintf("only one OpenStackDeployment per namespace is served; %s/%s is, this one is ignored", osdpl.Namespace, active)
	if cond := findCondition(osdpl, lcmv1alpha1.ConditionReady); cond == nil || cond.Reason != "Duplicate" {
		c.recorder.Event(osdpl, corev1.EventTypeWarning, "Duplicate", msg)
	}
	return c.setConditions(ctx, osdpl, "", condition(lcmv1alpha1.ConditionReady, false, "Duplicate", msg))
}

func (c *Controller) addFinalizer(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment) error {
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{
		"finalizers":      append(slices.Clone(osdpl.Finalizers), lcmv1alpha1.OSDPLFinalizer),
		"resourceVersion": osdpl.ResourceVersion,
	}})
	if err != nil {
		return err
	}
	_, err = c.lcm.LcmV1alpha1().OpenStackDeployments(osdpl.Namespace).Patch(ctx, osdpl.Name, types.MergePatchType, patch, metav1.PatchOptions{FieldManager: c.cfg.FieldManager})
	// The update event brings the object back with the finalizer.
	return err
}
