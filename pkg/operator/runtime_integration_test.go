package operator_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2/ktesting"

	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/testenv"
)

func testOptions(ns string) *operator.Options {
	o := operator.NewOptions("test", 0)
	o.Namespace = ns
	o.MetricsBindAddress = "127.0.0.1:0"
	o.HealthBindAddress = "127.0.0.1:0"
	o.LeaderElectionNS = ns
	o.LeaderElectionLease = 2 * time.Second
	o.LeaderElectionRenew = time.Second
	o.LeaderElectionRetry = 200 * time.Millisecond
	return o
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	}); err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestRuntimeServesHealthAndMetricsAndLosesLease runs a small ConfigMap
// controller under the runtime against a real API server: /readyz fails
// until the lease is held and the informer synced, /metrics has the
// workqueue, sync and client-go metrics, and when another holder takes the
// Lease, Run returns ErrLeaseLost and /readyz fails.
func TestRuntimeServesHealthAndMetricsAndLosesLease(t *testing.T) {
	env := testenv.New(t, testenv.Options{NoCRDs: true})
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ns := "rt"
	kube := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	rt := operator.NewRuntimeForConfig(testOptions(ns), env.Config)
	if err := rt.Listen(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + rt.Addrs()[0].String()

	// Block the lease first so that the runtime is not leading at start.
	lease := holdLease(t, kube, ns, "rockoon-test", "someone-else", 3)

	synced := make(chan struct{})
	seen := make(chan string, 10)
	runErr := make(chan error, 1)
	go func() {
		runErr <- rt.Run(ctx, func(ctx context.Context) error {
			factory := informers.NewSharedInformerFactoryWithOptions(kube, 0, informers.WithNamespace(ns))
			cms := factory.Core().V1().ConfigMaps()
			c := operator.NewController(operator.ControllerConfig[string]{
				Name:    "configmaps",
				Metrics: rt.Metrics,
				Synced:  []cache.InformerSynced{cms.Informer().HasSynced},
				Sync: func(ctx context.Context, key string) error {
					seen <- key
					return nil
				},
			})
			if _, err := cms.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
				AddFunc: func(obj any) {
					key, _ := cache.MetaNamespaceKeyFunc(obj)
					c.Enqueue(key)
				},
			}); err != nil {
				return err
			}
			rt.Readyz.Add("informers", operator.SyncedCheck(cms.Informer().HasSynced))
			factory.Start(ctx.Done())
			defer factory.Shutdown()
			close(synced)
			return c.Run(ctx)
		})
	}()

	if code, body := get(t, base+"/readyz"); code != http.StatusInternalServerError || !strings.Contains(body, "not holding lease") {
		t.Errorf("readyz before leading: %d %q", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != http.StatusOK {
		t.Errorf("healthz must pass while waiting for the lease: %d", code)
	}
	select {
	case <-synced:
		t.Fatal("started without the lease")
	case <-time.After(500 * time.Millisecond):
	}
	releaseLease(t, kube, lease)
	<-synced
	waitFor(t, "readyz", func() bool { code, _ := get(t, base+"/readyz"); return code == http.StatusOK })

	if _, err := kube.CoreV1().ConfigMaps(ns).Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm1"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	select {
	case key := <-seen:
		if key != ns+"/cm1" {
			t.Errorf("synced %q", key)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("controller did not sync the ConfigMap")
	}
	_, metrics := get(t, base+"/metrics")
	for _, want := range []string{
		`workqueue_adds_total{name="configmaps"} 1`,
		`rockoon_controller_sync_total{controller="configmaps",result="success"} 1`,
		`rest_client_requests_total{code="200"`,
		"go_goroutines", "process_resident_memory_bytes",
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	// Another holder takes the lease over: renewals fail, Run ends.
	stealLease(t, kube, ns, "rockoon-test", "intruder")
	select {
	case err := <-runErr:
		if !errors.Is(err, operator.ErrLeaseLost) {
			t.Fatalf("Run returned %v, want ErrLeaseLost", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("Run did not notice the lost lease")
	}
	if rt.Leading() {
		t.Error("still leading after losing the lease")
	}
}

// TestRuntimeStopsCleanlyAndReleasesLease: on cancellation Run returns nil
// and the lease is released, so that a restarted process takes over at once.
func TestRuntimeStopsCleanlyAndReleasesLease(t *testing.T) {
	env := testenv.New(t, testenv.Options{NoCRDs: true})
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	kube := kubernetes.NewForConfigOrDie(env.Config)
	ns := "stop"
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rt := operator.NewRuntimeForConfig(testOptions(ns), env.Config)
	started := make(chan struct{})
	draining := make(chan struct{})
	finish := make(chan struct{})
	runErr := make(chan error, 1)
	go func() {
		runErr <- rt.Run(ctx, func(ctx context.Context) error {
			close(started)
			<-ctx.Done()
			close(draining)
			<-finish // in-flight work still running after the signal
			return nil
		})
	}()
	<-started
	acquired, err := kube.CoordinationV1().Leases(ns).Get(context.Background(), "rockoon-test", metav1.GetOptions{})
	if err != nil || acquired.Spec.HolderIdentity == nil || *acquired.Spec.HolderIdentity == "" {
		t.Fatalf("work started without the lease: %+v %v", acquired, err)
	}
	holder := *acquired.Spec.HolderIdentity
	cancel()
	<-draining
	drainingSince := time.Now()
	// While the work drains, the lease must stay held: a successor must not
	// start working on the same releases yet. Proof: the elector still
	// renews it (a RenewTime after the signal) under the same holder, and no
	// read in between shows it released.
	if err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 10*time.Second, true, func(ctx context.Context) (bool, error) {
		held, err := kube.CoordinationV1().Leases(ns).Get(ctx, "rockoon-test", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		if held.Spec.HolderIdentity == nil || *held.Spec.HolderIdentity != holder {
			return false, fmt.Errorf("lease released while the work was still running: %+v", held.Spec)
		}
		return held.Spec.RenewTime != nil && held.Spec.RenewTime.After(drainingSince), nil
	}); err != nil {
		t.Fatalf("lease not renewed by its holder while the work drained: %v", err)
	}
	close(finish)
	if err := <-runErr; err != nil {
		t.Fatalf("Run: %v", err)
	}
	l, err := kube.CoordinationV1().Leases(ns).Get(context.Background(), "rockoon-test", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if l.Spec.HolderIdentity != nil && *l.Spec.HolderIdentity != "" {
		t.Errorf("lease still held by %q after shutdown", *l.Spec.HolderIdentity)
	}

	// A second start with an error from the work returns that error.
	rt2 := operator.NewRuntimeForConfig(testOptions(ns), env.Config)
	boom := fmt.Errorf("boom")
	if err := rt2.Run(context.Background(), func(context.Context) error { return boom }); !errors.Is(err, boom) {
		t.Errorf("Run = %v, want the work's error", err)
	}
}
