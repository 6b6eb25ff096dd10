// Package operatortest runs a binary's work in a test as its main would,
// on the shared runtime of pkg/operator, against a test API server: its
// writes counted and its log captured (to search it for secret values).
package operatortest

import (
	"context"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
	"k8s.io/klog/v2/ktesting"

	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/testenv"
)

// Binary is a binary's work running in the test.
type Binary struct {
	// Writes counts its requests that change something.
	Writes  *testenv.Writes
	Runtime *operator.Runtime
	logger  klog.Logger
	stop    func()
}

// Start runs work (the binary's Run, as its main passes it to
// Runtime.Run) for namespace ns over cfg, without leader election, on
// free loopback ports. It is stopped when the test ends, or by Stop.
func Start(t testing.TB, cfg *rest.Config, name, ns string, work func(ctx context.Context, rt *operator.Runtime) error) *Binary {
	t.Helper()
	b := &Binary{Writes: &testenv.Writes{}}
	opts := operator.NewOptions(name, 0)
	opts.Namespace, opts.LeaderElect = ns, false
	opts.MetricsBindAddress, opts.HealthBindAddress = "127.0.0.1:0", "127.0.0.1:0"
	b.Runtime = operator.NewRuntimeForConfig(opts, b.Writes.Wrap(cfg))
	// Buffered, so that Log has what was logged (ktesting only prints by
	// default).
	b.logger = ktesting.NewLogger(t, ktesting.NewConfig(ktesting.BufferLogs(true)))
	ctx, cancel := context.WithCancel(klog.NewContext(context.Background(), b.logger))
	done := make(chan error, 1)
	go func() { done <- b.Runtime.Run(ctx, func(ctx context.Context) error { return work(ctx, b.Runtime) }) }()
	var once sync.Once
	b.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("%s run: %v", name, err)
			}
		})
	}
	t.Cleanup(b.stop)
	return b
}

// Stop stops the work and waits for it.
func (b *Binary) Stop() { b.stop() }

// Log is everything the work logged so far.
func (b *Binary) Log() string {
	return b.logger.GetSink().(ktesting.Underlier).GetBuffer().String()
}

// Quiet fails the test when the work writes anything during d (a few of
// its resyncs: a converged binary writes nothing).
func (b *Binary) Quiet(t testing.TB, d time.Duration) {
	t.Helper()
	n := b.Writes.Count()
	time.Sleep(d)
	if w := b.Writes.Since(n); len(w) > 0 {
		t.Errorf("%d writes while nothing changed: %v", len(w), w)
	}
}
