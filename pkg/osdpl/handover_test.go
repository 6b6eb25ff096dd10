package osdpl_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"helm.sh/helm/v3/pkg/release"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2/ktesting"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/osdpl"
	"rockoon.dev/rockoon/pkg/render"
	"rockoon.dev/rockoon/pkg/testenv"
)

// hooked runs hook before each Apply of the wrapped Releases.
type hooked struct {
	osdpl.HelmReleases
	hook func(ctx context.Context, r render.Release) error
}

func (h hooked) Apply(ctx context.Context, r render.Release) (bool, error) {
	if h.hook != nil {
		if err := h.hook(ctx, r); err != nil {
			return false, err
		}
	}
	return h.HelmReleases.Apply(ctx, r)
}

// leader runs one osdpl "process": a leader-elected runtime (short lease)
// whose work is the controller over real Helm. Its Lease requests fail
// while partitioned is set. The returned channel yields Run's error.
func leader(t *testing.T, ns, host string, partitioned *atomic.Bool, hook func(context.Context, render.Release) error) (<-chan error, context.CancelFunc) {
	t.Helper()
	cfg := rest.CopyConfig(env.Config)
	cfg.Wrap(func(rt http.RoundTripper) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			if partitioned != nil && partitioned.Load() && strings.Contains(r.URL.Path, "/leases") {
				return nil, errors.New("partitioned from the API server")
			}
			return rt.RoundTrip(r)
		})
	})
	opts := operator.NewOptions("osdpl", 0)
	opts.Namespace, opts.LeaderElectionNS = ns, ns
	opts.MetricsBindAddress, opts.HealthBindAddress = "0", "0"
	// A renew deadline of seconds: a busy 2-core machine answers a Lease
	// update in over a second at times.
	opts.LeaderElectionLease, opts.LeaderElectionRenew, opts.LeaderElectionRetry = 6*time.Second, 4*time.Second, 500*time.Millisecond
	opts.GracefulShutdownPeriod = time.Second
	rt := operator.NewRuntimeForConfig(opts, cfg)
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	exited := make(chan struct{})
	go func() {
		defer close(exited)
		done <- rt.Run(ctx, func(ctx context.Context) error {
			m, err := helm.New(cfg, helm.Options{ChartsDir: testenv.SharedCharts(t), DisableHooks: true, Timeout: 2 * time.Minute, Handover: rt.Handover})
			if err != nil {
				return err
			}
			lcmc := versioned.NewForConfigOrDie(cfg)
			factory := externalversions.NewSharedInformerFactoryWithOptions(lcmc, 0, externalversions.WithNamespace(ns))
			c, err := osdpl.New(ctx, osdpl.Config{Namespace: ns, FieldManager: "test", ImagesBaseURL: "reg.example", ControllerHost: host,
				WaitRequeue: 200 * time.Millisecond, RetryBase: 100 * time.Millisecond, RetryMax: 2 * time.Second},
				kubernetes.NewForConfigOrDie(cfg), lcmc, factory.Lcm().V1alpha1().OpenStackDeployments(),
				hooked{HelmReleases: osdpl.HelmReleases{Manager: m}, hook: hook}, rt.Metrics)
			if err != nil {
				return err
			}
			stop := rt.StartInformers(ctx, nil, factory)
			defer stop()
			return c.Run(ctx)
		})
	}()
	// The test may have taken Run's error from done already.
	t.Cleanup(func() { cancel(); <-exited })
	return done, cancel
}

// TestLeaseHandoverInTheMiddleOfARollout: process A loses its Lease (its
// Lease requests fail) while it applies the cloud, having also "died"
// during an upgrade of memcached (a pending-upgrade revision); process B
// takes over: A stops at the release boundary and exits with
// ErrLeaseLost, B recovers the pending revision at once (not after the
// Helm timeout) and finishes the rollout; no release is left pending and
// no credential changes.
func TestLeaseHandoverInTheMiddleOfARollout(t *testing.T) {
	ns := "handover"
	setup(t, ns)
	ctx := context.Background()
	m, err := helm.New(env.Config, helm.Options{ChartsDir: testenv.SharedCharts(t), DisableHooks: true})
	if err != nil {
		t.Fatal(err)
	}
	var partitioned atomic.Bool
	mid := make(chan struct{})
	var midOnce atomic.Bool
	aDone, _ := leader(t, ns, "process-a", &partitioned, func(ctx context.Context, r render.Release) error {
		if r.Name != "openstack-keystone" {
			return nil
		}
		if midOnce.CompareAndSwap(false, true) {
			close(mid)
		}
		<-ctx.Done() // slow, until the lease is lost
		return ctx.Err()
	})
	createOSDPL(t, ns, "lab")
	select {
	case <-mid:
	case <-time.After(2 * time.Minute):
		t.Fatal("A never reached keystone")
	}
	// A was also killed in the middle of an upgrade of memcached.
	h, err := m.History(ctx, ns, "openstack-memcached")
	if err != nil || len(h) == 0 {
		t.Fatalf("memcached history: %v %v", h, err)
	}
	last := h[len(h)-1]
	last.SetStatus(release.StatusPendingUpgrade, "killed")
	if err := m.UpdateStored(ctx, last); err != nil {
		t.Fatal(err)
	}
	creds := secretsData(t, ns)

	start := time.Now()
	partitioned.Store(true)
	bDone, _ := leader(t, ns, "process-b", nil, nil)
	select {
	case err := <-aDone:
		if !errors.Is(err, operator.ErrLeaseLost) {
			t.Errorf("A returned %v, want ErrLeaseLost", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("A did not stop after losing its lease")
	}
	st := waitStatus(t, ns, "lab", 60*time.Second, func(o *lcmv1alpha1.OSDPLState) bool {
		return o.State == lcmv1alpha1.StateApplied && o.ControllerHost == "process-b"
	})
	t.Logf("handover: APPLIED by B %.1f s after A lost its lease (lease 6 s, grace 1 s)", time.Since(start).Seconds())
	if st.Status.Services["identity"].State != lcmv1alpha1.StateApplied {
		t.Errorf("identity: %+v", st.Status.Services["identity"])
	}
	list, err := m.List(ctx, ns)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range list {
		if r.Status != release.StatusDeployed.String() {
			t.Errorf("release %s is %s", r.Name, r.Status)
		}
	}
	if got := secretsData(t, ns); fmt.Sprint(got) != fmt.Sprint(creds) {
		t.Error("credentials changed during the handover")
	}
	select {
	case err := <-bDone:
		t.Fatalf("B stopped: %v", err)
	default:
	}
}

// secretsData returns the data of every credential Secret of ns.
func secretsData(t *testing.T, ns string) map[string]map[string]string {
	t.Helper()
	list, err := kube.CoreV1().Secrets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: lcmv1alpha1.GeneratedCredentialsLabel + "=true"})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]map[string]string{}
	for _, s := range list.Items {
		d := map[string]string{}
		for k, v := range s.Data {
			d[k] = string(v)
		}
		out[s.Name] = d
	}
	return out
}
