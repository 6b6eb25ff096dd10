package operator

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
	"k8s.io/klog/v2"

	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
)

// ErrLeaseLost is returned by Run when the leader Lease is lost while the
// process still runs: the process should exit and be restarted, so that no
// two instances ever work at once.
var ErrLeaseLost = errors.New("leader lease lost")

// Runtime is what a binary's Run gets: its options, client config, metrics
// registry and the health checks of its /healthz and /readyz endpoints.
type Runtime struct {
	Options *Options
	Config  *rest.Config
	Metrics *Metrics
	// Healthz is liveness: it fails when the process should be restarted.
	Healthz *Checks
	// Readyz is readiness: it fails until the controllers' informers have
	// synced and while the leader Lease is not held.
	Readyz *Checks

	leading   atomic.Bool
	acquired  atomic.Int64 // unix nanoseconds of the Lease's acquisition
	watchdog  *leaderelection.HealthzAdaptor
	listeners []net.Listener
	handlers  []http.Handler
}

// NewRuntime builds the client config and the metrics registry; nothing
// runs yet.
func NewRuntime(opts *Options) (*Runtime, error) {
	cfg, err := opts.RESTConfig()
	if err != nil {
		return nil, err
	}
	return NewRuntimeForConfig(opts, cfg), nil
}

// NewRuntimeForConfig is NewRuntime with a given client config.
func NewRuntimeForConfig(opts *Options, cfg *rest.Config) *Runtime {
	r := &Runtime{
		Options: opts,
		Config:  cfg,
		Metrics: NewMetrics(),
		Healthz: &Checks{},
		Readyz:  &Checks{},
	}
	r.Healthz.Add("ping", func(*http.Request) error { return nil })
	if opts.LeaderElect {
		r.watchdog = leaderelection.NewLeaderHealthzAdaptor(opts.LeaderElectionRenew)
		r.Healthz.Add("leader-election", r.watchdog.Check)
		r.Readyz.Add("leader", func(*http.Request) error {
			if !r.leading.Load() {
				return fmt.Errorf("not holding lease %s/%s", opts.LeaderElectionNS, opts.LeaderElectionName)
			}
			return nil
		})
	}
	return r
}

// Handover returns the instant before which every change in flight was
// started by another process that can no longer act: the time this
// process acquired the Lease, once the previous holder's grace period
// (GracefulShutdownPeriod, within which a holder that lost the Lease stops
// or exits) has passed since. It is the zero time until then and while
// not leading. Without leader election it is the time Run started work.
// The Helm driver recovers at once a release left pending before it.
func (r *Runtime) Handover() time.Time {
	at := r.acquired.Load()
	if at == 0 || !r.leading.Load() {
		return time.Time{}
	}
	t := time.Unix(0, at)
	if r.Options.LeaderElect && time.Since(t) < r.Options.GracefulShutdownPeriod {
		return time.Time{}
	}
	return t
}

// Leading reports whether this process holds the Lease (always true without
// leader election once started).
func (r *Runtime) Leading() bool { return r.leading.Load() }

// Addrs returns the addresses the HTTP servers listen on, once Run started
// them (useful with port 0).
func (r *Runtime) Addrs() []net.Addr {
	addrs := make([]net.Addr, 0, len(r.listeners))
	for _, l := range r.listeners {
		addrs = append(addrs, l.Addr())
	}
	return addrs
}

// Listen opens the metrics and health listeners; Run calls it when it was
// not called before.
func (r *Runtime) Listen() error {
	if r.listeners != nil {
		return nil
	}
	o := r.Options
	type srv struct {
		addr     string
		metrics  bool
		health   bool
		listener net.Listener
	}
	var servers []*srv
	if o.MetricsBindAddress != "0" && o.MetricsBindAddress != "" {
		servers = append(servers, &srv{addr: o.MetricsBindAddress, metrics: true})
	}
	if o.HealthBindAddress != "0" && o.HealthBindAddress != "" {
		if len(servers) == 1 && servers[0].addr == o.HealthBindAddress {
			servers[0].health = true
		} else {
			servers = append(servers, &srv{addr: o.HealthBindAddress, health: true})
		}
	}
	r.listeners = []net.Listener{}
	r.handlers = nil
	for _, s := range servers {
		l, err := net.Listen("tcp", s.addr)
		if err != nil {
			for _, open := range r.listeners {
				_ = open.Close()
			}
			r.listeners = nil
			return fmt.Errorf("listening on %s: %w", s.addr, err)
		}
		mux := http.NewServeMux()
		if s.metrics {
			mux.Handle("/metrics", promhttp.HandlerFor(r.Metrics.Registry, promhttp.HandlerOpts{Registry: r.Metrics.Registry}))
		}
		if s.health {
			mux.Handle("/healthz", r.Healthz)
			mux.Handle("/readyz", r.Readyz)
		}
		r.listeners = append(r.listeners, l)
		r.handlers = append(r.handlers, mux)
	}
	return nil
}

// Run serves the HTTP endpoints and runs start once this process leads
// (immediately without leader election). It returns when ctx is done and
// start has returned, or with ErrLeaseLost, or with start's error.
func (r *Runtime) Run(ctx context.Context, start func(ctx context.Context) error) error {
	logger := klog.FromContext(ctx)
	if err := r.Listen(); err != nil {
		return err
	}
	g, gctx := errgroup.WithContext(ctx)
	for i, l := range r.listeners {
		server := &http.Server{Handler: r.handlers[i], ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 30 * time.Second}
		g.Go(func() error {
			logger.Info("Serving", "address", l.Addr().String())
			if err := server.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return fmt.Errorf("serving %s: %w", l.Addr(), err)
			}
			return nil
		})
		g.Go(func() error {
			<-gctx.Done()
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			return server.Shutdown(sctx)
		})
	}
	g.Go(func() error {
		var err error
		if r.Options.LeaderElect {
			err = r.runLeaderElected(gctx, start)
		} else {
			r.acquired.Store(time.Now().UnixNano())
			r.leading.Store(true)
			err = start(gctx)
		}
		if err != nil {
			return err
		}
		// start returned without error: the work is over, stop serving.
		return context.Canceled
	})
	if err := g.Wait(); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

func (r *Runtime) runLeaderElected(ctx context.Context, start func(ctx context.Context) error) error {
	logger := klog.FromContext(ctx)
	o := r.Options
	hostname, _ := os.Hostname()
	identity := hostname + "_" + uuid.NewString()
	client, err := kubernetes.NewForConfig(rest.AddUserAgent(rest.CopyConfig(r.Config), "leader-election"))
	if err != nil {
		return err
	}
	lock, err := resourcelock.New(resourcelock.LeasesResourceLock, o.LeaderElectionNS, o.LeaderElectionName,
		client.CoreV1(), client.CoordinationV1(), resourcelock.ResourceLockConfig{Identity: identity})
	if err != nil {
		return err
	}
	var (
		startErr  error
		started   atomic.Bool
		startDone = make(chan struct{})
		lost      atomic.Bool
	)
	// The elector's context outlives ctx: on shutdown the work is cancelled
	// first and the lease is released only once the work has returned, so
	// that a successor never acts while this process still works.
	leCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	go func() {
		select {
		case <-ctx.Done():
			if !started.Load() {
				cancel()
			}
		case <-leCtx.Done():
		}
	}()
	elector, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   o.LeaderElectionLease,
		RenewDeadline:   o.LeaderElectionRenew,
		RetryPeriod:     o.LeaderElectionRetry,
		ReleaseOnCancel: true,
		Name:            o.LeaderElectionName,
		WatchDog:        r.watchdog,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(leading context.Context) {
				logger.Info("Acquired lease", "lease", klog.KRef(o.LeaderElectionNS, o.LeaderElectionName), "identity", identity)
				started.Store(true)
				r.acquired.Store(time.Now().UnixNano())
				r.leading.Store(true)
				defer close(startDone)
				// The work stops on shutdown (ctx) or when the lease is lost
				// (leading).
				work, stop := context.WithCancel(leading)
				defer stop()
				go func() {
					select {
					case <-ctx.Done():
					case <-work.Done():
					}
					stop()
				}()
				startErr = start(work)
				// The work is over: give the lease up.
				cancel()
			},
			OnStoppedLeading: func() {
				r.leading.Store(false)
				if leCtx.Err() == nil {
					// Neither a shutdown nor the end of the work: the
					// lease could not be renewed.
					lost.Store(true)
				}
				logger.Info("Stopped leading", "lease", klog.KRef(o.LeaderElectionNS, o.LeaderElectionName), "lost", lost.Load())
			},
		},
	})
	if err != nil {
		return err
	}
	if r.watchdog != nil {
		r.watchdog.SetLeaderElection(elector)
	}
	elector.Run(leCtx)
	if started.Load() {
		// start's context is cancelled once leading ends; let it finish.
		select {
		case <-startDone:
		case <-time.After(o.GracefulShutdownPeriod):
			return fmt.Errorf("%w; work did not stop within %s", ErrLeaseLost, o.GracefulShutdownPeriod)
		}
	}
	switch {
	case startErr != nil && !lost.Load():
		return startErr
	case lost.Load():
		return ErrLeaseLost
	}
	return nil
}

// Clients returns the clientsets of the runtime's config: Kubernetes and
// the generated one of our API.
func (r *Runtime) Clients() (kubernetes.Interface, versioned.Interface, error) {
	kube, err := kubernetes.NewForConfig(r.Config)
	if err != nil {
		return nil, nil, err
	}
	lcm, err := versioned.NewForConfig(r.Config)
	if err != nil {
		return nil, nil, err
	}
	return kube, lcm, nil
}
