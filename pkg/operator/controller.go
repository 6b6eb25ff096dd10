package operator

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

// SyncFunc reconciles one key. Returning an error requeues the key with
// backoff; RequeueAfter asks for a later pass without counting a failure.
type SyncFunc[K comparable] func(ctx context.Context, key K) error

// requeueAfter is the error returned by RequeueAfter.
type requeueAfter struct{ after time.Duration }

func (r *requeueAfter) Error() string { return fmt.Sprintf("requeue after %s", r.after) }

// RequeueAfter makes a SyncFunc's key come back after d: for waits (health,
// a missing dependency) that must not block a worker or back off.
func RequeueAfter(d time.Duration) error { return &requeueAfter{after: d} }

// ControllerConfig configures a Controller.
type ControllerConfig[K comparable] struct {
	// Name names the controller in logs and metrics (and its queue).
	Name string
	// Sync reconciles a key.
	Sync SyncFunc[K]
	// Synced are the informers to wait for before the workers start.
	Synced []cache.InformerSynced
	// Workers is the number of concurrent workers (default 1).
	Workers int
	// MaxRetries is the number of rate-limited retries of a failing key
	// before it is dropped until its next event (0 = retry forever).
	MaxRetries int
	// RateLimiter defaults to per-item exponential backoff from 5ms to
	// 1000s combined with a 10 qps / 100 burst bucket.
	RateLimiter workqueue.TypedRateLimiter[K]
	// Metrics receives the queue and sync metrics; optional.
	Metrics *Metrics
}

// Controller is a typed rate-limited workqueue drained by workers that call
// Sync, in the sample-controller shape: event handlers Enqueue keys, Run
// waits for the named caches, runs the workers until ctx ends, then shuts
// the queue down, lets in-flight syncs finish and joins the workers.
type Controller[K comparable] struct {
	cfg   ControllerConfig[K]
	queue workqueue.TypedRateLimitingInterface[K]
}

// NewController creates the controller and its queue; register the event
// handlers (which call Enqueue) before starting the informers.
func NewController[K comparable](cfg ControllerConfig[K]) *Controller[K] {
	if cfg.Workers <= 0 {
		cfg.Workers = 1
	}
	if cfg.RateLimiter == nil {
		cfg.RateLimiter = workqueue.DefaultTypedControllerRateLimiter[K]()
	}
	qcfg := workqueue.TypedRateLimitingQueueConfig[K]{Name: cfg.Name}
	if cfg.Metrics != nil {
		qcfg.MetricsProvider = cfg.Metrics.WorkqueueProvider()
	}
	return &Controller[K]{cfg: cfg, queue: workqueue.NewTypedRateLimitingQueueWithConfig(cfg.RateLimiter, qcfg)}
}

// Enqueue adds a key.
func (c *Controller[K]) Enqueue(key K) { c.queue.Add(key) }

// EnqueueAfter adds a key after d.
func (c *Controller[K]) EnqueueAfter(key K, d time.Duration) { c.queue.AddAfter(key, d) }

// Len is the number of queued keys.
func (c *Controller[K]) Len() int { return c.queue.Len() }

// Run waits for the caches, runs the workers and blocks until ctx is done;
// then it stops taking keys, waits for in-flight syncs and returns.
func (c *Controller[K]) Run(ctx context.Context) error {
	defer utilruntime.HandleCrashWithContext(ctx)
	logger := klog.FromContext(ctx).WithValues("controller", c.cfg.Name)
	ctx = klog.NewContext(ctx, logger)

	if !cache.WaitForNamedCacheSyncWithContext(ctx, c.cfg.Synced...) {
		c.queue.ShutDown()
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("%s: caches did not sync", c.cfg.Name)
	}
	logger.Info("Starting workers", "count", c.cfg.Workers)
	var wg sync.WaitGroup
	for range c.cfg.Workers {
		wg.Go(func() {
			wait.UntilWithContext(ctx, c.runWorker, time.Second)
		})
	}
	<-ctx.Done()
	logger.Info("Shutting down workers")
	c.queue.ShutDownWithDrain()
	wg.Wait()
	return nil
}

func (c *Controller[K]) runWorker(ctx context.Context) {
	for c.processNextItem(ctx) {
	}
}

func (c *Controller[K]) processNextItem(ctx context.Context) bool {
	key, shutdown := c.queue.Get()
	if shutdown {
		return false
	}
	defer c.queue.Done(key)
	if ctx.Err() != nil {
		// Shutting down: keys still queued are left for the next process.
		return true
	}
	logger := klog.LoggerWithValues(klog.FromContext(ctx), "key", key)
	start := time.Now()
	// The sync gets ctx: it ends on shutdown or when the lease is lost, and
	// the sync stops at its next safe boundary (work that must not be cut,
	// such as a Helm action in flight, detaches from it itself). The queue
	// drains, so Run returns once the sync has.
	err := c.cfg.Sync(klog.NewContext(ctx, logger), key)
	c.observe(time.Since(start), err)
	c.handleErr(ctx, logger, key, err)
	return true
}

func (c *Controller[K]) observe(d time.Duration, err error) {
	if c.cfg.Metrics == nil {
		return
	}
	result := "success"
	var ra *requeueAfter
	switch {
	case errors.As(err, &ra):
		result = "requeue"
	case err != nil:
		result = "error"
	}
	c.cfg.Metrics.syncTotal.WithLabelValues(c.cfg.Name, result).Inc()
	c.cfg.Metrics.syncDuration.WithLabelValues(c.cfg.Name).Observe(d.Seconds())
}

func (c *Controller[K]) handleErr(ctx context.Context, logger klog.Logger, key K, err error) {
	var ra *requeueAfter
	switch {
	case err == nil:
		c.queue.Forget(key)
	case ctx.Err() != nil:
		// Stopped by shutdown or a lost lease: the next leader resumes.
		logger.V(2).Info("Sync stopped", "err", err)
	case errors.As(err, &ra):
		c.queue.Forget(key)
		c.queue.AddAfter(key, ra.after)
		logger.V(4).Info("Requeued", "after", ra.after)
	case apierrors.IsConflict(err):
		// Someone else wrote first: retry quietly with the fresh object.
		logger.V(4).Info("Conflict, retrying", "err", err)
		c.queue.AddRateLimited(key)
	case c.cfg.MaxRetries > 0 && c.queue.NumRequeues(key) >= c.cfg.MaxRetries:
		c.queue.Forget(key)
		utilruntime.HandleErrorWithContext(ctx, err, "Dropping key after retries", "key", key, "retries", c.cfg.MaxRetries)
	default:
		logger.Error(err, "Sync failed, retrying", "retries", c.queue.NumRequeues(key))
		c.queue.AddRateLimited(key)
	}
}
