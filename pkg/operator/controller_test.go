package operator

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2/ktesting"
)

func fastLimiter() workqueue.TypedRateLimiter[string] {
	return workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Millisecond, 10*time.Millisecond)
}

func TestControllerRetriesUntilSuccess(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var calls atomic.Int32
	done := make(chan struct{})
	m := NewMetrics()
	c := NewController(ControllerConfig[string]{
		Name:        "retry",
		RateLimiter: fastLimiter(),
		Metrics:     m,
		Sync: func(ctx context.Context, key string) error {
			if calls.Add(1) < 3 {
				return errors.New("not yet")
			}
			close(done)
			return nil
		},
	})
	c.Enqueue("a")
	go func() { _ = c.Run(ctx) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("sync succeeded %d times, want a success on the 3rd call", calls.Load())
	}
	cancel()
	if got := testutil.ToFloat64(m.syncTotal.WithLabelValues("retry", "error")); got != 2 {
		t.Errorf("error syncs = %v, want 2", got)
	}
	if got := testutil.ToFloat64(m.workqueue.retries.WithLabelValues("retry")); got != 2 {
		t.Errorf("queue retries = %v, want 2", got)
	}
}

func TestControllerDropsAfterMaxRetries(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var calls atomic.Int32
	m := NewMetrics()
	c := NewController(ControllerConfig[string]{
		Name: "drop", RateLimiter: fastLimiter(), MaxRetries: 2, Metrics: m,
		Sync: func(context.Context, string) error { calls.Add(1); return errors.New("always") },
	})
	c.Enqueue("a")
	runDone := make(chan error, 1)
	go func() { runDone <- c.Run(ctx) }()
	// Dropped: three failed syncs observed, the key forgotten by the rate
	// limiter (no pending retry) and nothing queued. A retry after the drop
	// would have gone through AddRateLimited, so the key could not be idle.
	if err := wait.PollUntilContextTimeout(ctx, time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return testutil.ToFloat64(m.syncTotal.WithLabelValues("drop", "error")) >= 3 &&
			c.queue.NumRequeues("a") == 0 && c.queue.Len() == 0, nil
	}); err != nil {
		t.Fatalf("key not dropped: %d calls, %d requeues, %d queued", calls.Load(), c.queue.NumRequeues("a"), c.queue.Len())
	}
	// Stop and join the worker, so that a sync in flight is counted too.
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	if got := calls.Load(); got != 3 {
		t.Errorf("calls = %d, want 3 (first try + 2 retries)", got)
	}
	if got := testutil.ToFloat64(m.workqueue.retries.WithLabelValues("drop")); got != 2 {
		t.Errorf("queue retries = %v, want 2 (none after the drop)", got)
	}
}

func TestControllerRequeueAfter(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var times []time.Time
	second := make(chan struct{})
	c := NewController(ControllerConfig[string]{
		Name: "wait",
		Sync: func(context.Context, string) error {
			mu.Lock()
			defer mu.Unlock()
			times = append(times, time.Now())
			switch len(times) {
			case 1:
				return RequeueAfter(200 * time.Millisecond)
			case 2:
				close(second)
			}
			return nil
		},
	})
	c.Enqueue("a")
	runDone := make(chan error, 1)
	go func() { runDone <- c.Run(ctx) }()
	select {
	case <-second:
	case <-time.After(5 * time.Second):
		t.Fatal("the key did not come back after RequeueAfter")
	}
	// The second sync succeeded: nothing is requeued; stop and join the
	// worker before counting.
	if n := c.Len(); n != 0 {
		t.Errorf("%d keys queued after the successful sync", n)
	}
	cancel()
	if err := <-runDone; err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(times) != 2 {
		t.Fatalf("syncs = %d, want 2", len(times))
	}
	if gap := times[1].Sub(times[0]); gap < 200*time.Millisecond {
		t.Errorf("requeued after %s, want ≥200ms", gap)
	}
}

// TestControllerShutdownStopsAndWaitsForInFlightSync: cancelling the
// context reaches a running sync (its context is cancelled, so it stops at
// its next safe boundary), Run waits for it to return, and keys still
// queued are not started.
func TestControllerShutdownStopsAndWaitsForInFlightSync(t *testing.T) {
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	started := make(chan struct{})
	release := make(chan struct{})
	var finished, syncCtxErr atomic.Value
	var others atomic.Int32
	c := NewController(ControllerConfig[string]{
		Name: "drain",
		Sync: func(ctx context.Context, key string) error {
			if key != "slow" {
				others.Add(1)
				return nil
			}
			close(started)
			<-release
			syncCtxErr.Store(ctx.Err() != nil)
			finished.Store(true)
			return nil
		},
	})
	c.Enqueue("slow")
	runDone := make(chan error)
	go func() { runDone <- c.Run(ctx) }()
	<-started
	c.Enqueue("queued-1")
	c.Enqueue("queued-2")
	cancel()
	select {
	case <-runDone:
		t.Fatal("Run returned while a sync was in flight")
	case <-time.After(200 * time.Millisecond):
	}
	close(release)
	select {
	case err := <-runDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after the in-flight sync finished")
	}
	if finished.Load() != true || syncCtxErr.Load() != true {
		t.Errorf("in-flight sync finished=%v, its context cancelled=%v (want both)", finished.Load(), syncCtxErr.Load())
	}
	if n := others.Load(); n != 0 {
		t.Errorf("%d queued keys were started after shutdown", n)
	}
}
