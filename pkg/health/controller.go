package health

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslisters "k8s.io/client-go/listers/apps/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	lcminformers "rockoon.dev/rockoon/pkg/client/informers/externalversions/lcm/v1alpha1"
	lcmlisters "rockoon.dev/rockoon/pkg/client/listers/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/osdplst"
)

// LegacyFinalizers are the finalizers the original's health container put
// on every Deployment, StatefulSet and DaemonSet of the cloud (kopf's,
// named after its peering object). Nothing here needs them; left in place
// they would block the deletion of every workload of a cloud adopted from
// the original.
var LegacyFinalizers = []string{"lcm.mirantis.com/rockoon.health-finalizer", "rockoon.health-finalizer"}

// Config configures the controller.
type Config struct {
	Namespace    string
	FieldManager string
	// Batch is how long changes are gathered into one osdplst patch;
	// default 200 ms (a readiness change reaches the osdplst within a
	// second).
	Batch time.Duration
	// Recorder records the Events on the OpenStackDeployment.
	Recorder record.EventRecorder
}

// key is a work item: the batch of the namespace (Kind empty), or one
// workload to strip of the legacy finalizers.
type key struct {
	Kind, Name string
	// Since is when the work of a followed Job started.
	Since time.Time
}

var batchKey = key{}

// Controller publishes the health of the workloads of one namespace.
type Controller struct {
	cfg          Config
	kube         kubernetes.Interface
	lcm          versioned.Interface
	deployments  appslisters.DeploymentLister
	statefulSets appslisters.StatefulSetLister
	daemonSets   appslisters.DaemonSetLister
	statuses     lcmlisters.OpenStackDeploymentStatusLister
	osdpls       lcmlisters.OpenStackDeploymentLister
	metrics      *metrics
	ctrl         *operator.Controller[key]

	// published is the health last written to the osdplst of UID
	// publishedTo (only the sync worker touches them): the transitions
	// are judged against it rather than against a cache that may lag.
	published   map[string]map[string]lcmv1alpha1.ComponentHealth
	publishedTo types.UID
	// settled is the desired pod count of each hooked DaemonSet when it
	// was last settled; rerun is the Job a hook is re-creating (both
	// worker-only).
	settled map[string]int32
	rerun   *batchv1.Job
}

// New creates the controller and registers its handlers on the informers
// of factory (the cloud namespace's, see NewInformerFactory) and on the
// OpenStackDeployment and OpenStackDeploymentStatus informers; start the
// factories afterwards, then Run.
func New(cfg Config, kube kubernetes.Interface, lcm versioned.Interface, factory informers.SharedInformerFactory,
	osdpls lcminformers.OpenStackDeploymentInformer, statuses lcminformers.OpenStackDeploymentStatusInformer, m *operator.Metrics) (*Controller, error) {
	if cfg.Batch <= 0 {
		cfg.Batch = 200 * time.Millisecond
	}
	if cfg.Recorder == nil {
		return nil, fmt.Errorf("health: Config.Recorder is required")
	}
	apps := factory.Apps().V1()
	c := &Controller{
		cfg:          cfg,
		kube:         kube,
		lcm:          lcm,
		deployments:  apps.Deployments().Lister(),
		statefulSets: apps.StatefulSets().Lister(),
		daemonSets:   apps.DaemonSets().Lister(),
		statuses:     statuses.Lister(),
		osdpls:       osdpls.Lister(),
		metrics:      newMetrics(m),
	}
	synced := []cache.InformerSynced{apps.Deployments().Informer().HasSynced, apps.StatefulSets().Informer().HasSynced,
		apps.DaemonSets().Informer().HasSynced, statuses.Informer().HasSynced, osdpls.Informer().HasSynced}
	c.ctrl = operator.NewController(operator.ControllerConfig[key]{Name: "health", Sync: c.sync, Synced: synced, Metrics: m})
	workloads := cache.ResourceEventHandlerFuncs{
		AddFunc:    c.workloadChanged,
		UpdateFunc: func(_, n any) { c.workloadChanged(n) },
		DeleteFunc: func(any) { c.ctrl.EnqueueAfter(batchKey, c.cfg.Batch) },
	}
	for _, inf := range []cache.SharedIndexInformer{apps.Deployments().Informer(), apps.StatefulSets().Informer(), apps.DaemonSets().Informer()} {
		if _, err := inf.AddEventHandler(workloads); err != nil {
			return nil, err
		}
	}
	// A new or replaced osdplst (a new cloud) gets the health at once.
	if _, err := statuses.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.ctrl.EnqueueAfter(batchKey, c.cfg.Batch) },
		UpdateFunc: func(o, n any) { c.statusChanged(o, n) },
	}); err != nil {
		return nil, err
	}
	return c, nil
}

// NewInformerFactory returns the factory of the cloud namespace's
// workloads, trimmed to what health reads (metadata without managed
// fields and annotations, replicas, update strategy, status): pod
// templates are dropped, so memory stays flat in a large namespace.
func NewInformerFactory(kube kubernetes.Interface, namespace string, resync time.Duration) informers.SharedInformerFactory {
	return informers.NewSharedInformerFactoryWithOptions(kube, resync, informers.WithNamespace(namespace), informers.WithTransform(Trim))
}

// Trim keeps of a workload what health reads.
func Trim(obj any) (any, error) {
	meta := func(m *metav1.ObjectMeta) {
		m.ManagedFields = nil
		m.Annotations = nil
		m.OwnerReferences = nil
	}
	switch o := obj.(type) {
	case *appsv1.Deployment:
		meta(&o.ObjectMeta)
		o.Spec = appsv1.DeploymentSpec{Replicas: o.Spec.Replicas}
		o.Status.Conditions = nil
	case *appsv1.StatefulSet:
		meta(&o.ObjectMeta)
		o.Spec = appsv1.StatefulSetSpec{Replicas: o.Spec.Replicas}
		o.Status.Conditions = nil
	case *appsv1.DaemonSet:
		meta(&o.ObjectMeta)
		o.Spec = appsv1.DaemonSetSpec{UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: o.Spec.UpdateStrategy.Type}}
		o.Status.Conditions = nil
	}
	return obj, nil
}

// Run processes the queue until ctx is done.
func (c *Controller) Run(ctx context.Context) error { return c.ctrl.Run(ctx) }

func (c *Controller) workloadChanged(obj any) {
	c.ctrl.EnqueueAfter(batchKey, c.cfg.Batch)
	m, ok := obj.(metav1.Object)
	if !ok {
		return
	}
	for _, f := range m.GetFinalizers() {
		if slices.Contains(LegacyFinalizers, f) {
			c.ctrl.Enqueue(key{Kind: kindOf(obj), Name: m.GetName()})
			return
		}
	}
}

// statusChanged queues a batch when someone else changed the health
// members (a stale writer, a user): they are put back.
func (c *Controller) statusChanged(oldObj, newObj any) {
	o, n := oldObj.(*lcmv1alpha1.OpenStackDeploymentStatus), newObj.(*lcmv1alpha1.OpenStackDeploymentStatus)
	if o.ResourceVersion == n.ResourceVersion || o.UID != n.UID || !equalHealth(o, n) {
		c.ctrl.EnqueueAfter(batchKey, c.cfg.Batch)
	}
}

func equalHealth(a, b *lcmv1alpha1.OpenStackDeploymentStatus) bool {
	ah, bh := "", ""
	if a.Status.OSDPL != nil {
		ah = a.Status.OSDPL.Health
	}
	if b.Status.OSDPL != nil {
		bh = b.Status.OSDPL.Health
	}
	if ah != bh || len(a.Status.Health) != len(b.Status.Health) {
		return false
	}
	for app, comps := range a.Status.Health {
		if !maps.EqualFunc(comps, b.Status.Health[app], func(x, y lcmv1alpha1.ComponentHealth) bool {
			return x.Status == y.Status && x.Generation == y.Generation
		}) {
			return false
		}
	}
	return true
}

func kindOf(obj any) string {
	switch obj.(type) {
	case *appsv1.Deployment:
		return "Deployment"
	case *appsv1.StatefulSet:
		return "StatefulSet"
	case *appsv1.DaemonSet:
		return "DaemonSet"
	}
	return ""
}

func (c *Controller) sync(ctx context.Context, k key) error {
	switch k.Kind {
	case "":
		return c.publish(ctx)
	case "CellSetupJob":
		return c.followCellSetup(ctx, k)
	case "RecreateJob":
		return c.recreateJob(ctx, k)
	}
	return c.dropLegacyFinalizers(ctx, k)
}

// Compute returns the health of the namespace's workloads:
// application → component → health. When several workloads map to the
// same component (the original let the last listed win), it is Unhealthy
// if any of them is, with the highest generation.
func (c *Controller) Compute() (map[string]map[string]lcmv1alpha1.ComponentHealth, error) {
	out := map[string]map[string]lcmv1alpha1.ComponentHealth{}
	add := func(name string, lbls map[string]string, ready bool, generation int64) {
		app, comp := Identify(name, lbls)
		if out[app] == nil {
			out[app] = map[string]lcmv1alpha1.ComponentHealth{}
		}
		h, seen := out[app][comp]
		if !seen || h.Status == Ready && !ready {
			h.Status = Status(ready)
		}
		h.Generation = max(h.Generation, generation)
		out[app][comp] = h
	}
	ns := c.cfg.Namespace
	ds, err := c.deployments.Deployments(ns).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	for _, d := range ds {
		add(d.Name, d.Labels, DeploymentReady(d), d.Status.ObservedGeneration)
	}
	ss, err := c.statefulSets.StatefulSets(ns).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		add(s.Name, s.Labels, StatefulSetReady(s), s.Status.ObservedGeneration)
	}
	dss, err := c.daemonSets.DaemonSets(ns).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	for _, d := range dss {
		add(d.Name, d.Labels, DaemonSetReady(d), d.Status.ObservedGeneration)
	}
	return out, nil
}

// Summary is "<ready applications>/<applications>": an application is
// ready when every component is.
func Summary(h map[string]map[string]lcmv1alpha1.ComponentHealth) string {
	ready := 0
	for _, comps := range h {
		if appReady(comps) {
			ready++
		}
	}
	return fmt.Sprintf("%d/%d", ready, len(h))
}

// ApplicationReady tells whether an application of status.health is
// Ready: it has components and every one is Ready (the original's
// is_application_ready).
func ApplicationReady(comps map[string]lcmv1alpha1.ComponentHealth) bool {
	return len(comps) > 0 && appReady(comps)
}

func appReady(comps map[string]lcmv1alpha1.ComponentHealth) bool {
	for _, c := range comps {
		if c.Status != Ready {
			return false
		}
	}
	return true
}

// publish writes the namespace's health into its osdplst, one merge
// patch for every change since the last one (none when nothing changed).
func (c *Controller) publish(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	health, err := c.Compute()
	if err != nil {
		return err
	}
	c.metrics.observe(health)
	dss, err := c.daemonSets.DaemonSets(c.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	c.runHooks(ctx, dss)
	st, osdpl, err := c.target()
	if err != nil || st == nil {
		// No cloud yet: its osdplst's creation queues a batch.
		return err
	}
	w := osdplst.NewWriter(c.lcm, c.cfg.FieldManager, st)
	prev := st.Status.Health
	if c.publishedTo == st.UID {
		prev = c.published
	}
	sent, err := w.Update(ctx, func(s *lcmv1alpha1.LCMStatus) {
		s.Health = health
		if len(health) == 0 {
			s.Health = nil
		}
		if s.OSDPL == nil {
			s.OSDPL = &lcmv1alpha1.OSDPLState{}
		}
		s.OSDPL.Health = Summary(health)
	})
	if err != nil {
		c.metrics.patchErrors.Inc()
		if apierrors.IsNotFound(err) {
			return nil // gone meanwhile: the informer catches up
		}
		return err
	}
	c.published, c.publishedTo = health, st.UID
	if !sent {
		return nil
	}
	c.metrics.lastPatch.SetToCurrentTime()
	logger.V(2).Info("Published health", "osdplst", klog.KObj(st), "health", Summary(health))
	if osdpl != nil {
		c.recordTransitions(osdpl, prev, health)
	}
	return nil
}

// target is the osdplst health is written to: the one of the served
// OpenStackDeployment (only it has one), and that osdpl (for Events).
func (c *Controller) target() (*lcmv1alpha1.OpenStackDeploymentStatus, *lcmv1alpha1.OpenStackDeployment, error) {
	all, err := c.statuses.OpenStackDeploymentStatus(c.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return nil, nil, err
	}
	for _, st := range all {
		if st.DeletionTimestamp != nil {
			continue
		}
		owner := metav1.GetControllerOf(st)
		if owner == nil {
			continue
		}
		o, err := c.osdpls.OpenStackDeployments(c.cfg.Namespace).Get(owner.Name)
		if err != nil || o.UID != owner.UID {
			// A stale osdplst of a deleted osdpl: osdpl replaces it.
			continue
		}
		return st, o, nil
	}
	return nil, nil, nil
}

// recordTransitions records an Event on the osdpl for every application
// that turned Unhealthy (Warning) or Ready (Normal) since the last patch.
// A new application that starts Unhealthy (a rollout) is not a warning.
func (c *Controller) recordTransitions(osdpl *lcmv1alpha1.OpenStackDeployment, prev, cur map[string]map[string]lcmv1alpha1.ComponentHealth) {
	for _, app := range slices.Sorted(maps.Keys(cur)) {
		comps := cur[app]
		was, existed := prev[app]
		switch now := appReady(comps); {
		case now && (!existed || !appReady(was)):
			c.cfg.Recorder.Eventf(osdpl, corev1.EventTypeNormal, "ApplicationReady", "application %s is Ready (%d components)", app, len(comps))
		case !now && existed && appReady(was):
			c.cfg.Recorder.Eventf(osdpl, corev1.EventTypeWarning, "ApplicationUnhealthy", "application %s is Unhealthy: %s", app, strings.Join(unhealthy(comps), ", "))
		}
	}
}

func unhealthy(comps map[string]lcmv1alpha1.ComponentHealth) []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(comps)) {
		if comps[name].Status != Ready {
			out = append(out, name)
		}
	}
	return out
}

// dropLegacyFinalizers removes the original's health finalizers from one
// workload (the others it carries stay).
func (c *Controller) dropLegacyFinalizers(ctx context.Context, k key) error {
	var obj metav1.Object
	var err error
	ns := c.cfg.Namespace
	switch k.Kind {
	case "Deployment":
		obj, err = c.deployments.Deployments(ns).Get(k.Name)
	case "StatefulSet":
		obj, err = c.statefulSets.StatefulSets(ns).Get(k.Name)
	case "DaemonSet":
		obj, err = c.daemonSets.DaemonSets(ns).Get(k.Name)
	default:
		runtime.HandleError(fmt.Errorf("health: unknown kind %q", k.Kind))
		return nil
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	keep := slices.DeleteFunc(slices.Clone(obj.GetFinalizers()), func(f string) bool { return slices.Contains(LegacyFinalizers, f) })
	if len(keep) == len(obj.GetFinalizers()) {
		return nil
	}
	patch, err := json.Marshal(map[string]any{"metadata": map[string]any{"finalizers": keep, "resourceVersion": obj.GetResourceVersion()}})
	if err != nil {
		return err
	}
	opts := metav1.PatchOptions{FieldManager: c.cfg.FieldManager}
	apps := c.kube.AppsV1()
	switch k.Kind {
	case "Deployment":
		_, err = apps.Deployments(ns).Patch(ctx, k.Name, types.MergePatchType, patch, opts)
	case "StatefulSet":
		_, err = apps.StatefulSets(ns).Patch(ctx, k.Name, types.MergePatchType, patch, opts)
	case "DaemonSet":
		_, err = apps.DaemonSets(ns).Patch(ctx, k.Name, types.MergePatchType, patch, opts)
	}
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("removing the legacy health finalizer of %s %s/%s: %w", k.Kind, ns, k.Name, err)
	}
	klog.FromContext(ctx).Info("Removed the original's health finalizer", "kind", k.Kind, "workload", klog.KRef(ns, k.Name))
	return nil
}
