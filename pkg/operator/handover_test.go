package operator_test

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2/ktesting"

	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/testenv"
)

// Handover is zero until the previous holder's grace period has passed
// since this process acquired the Lease, then the acquisition time; zero
// again once the work has stopped.
func TestHandoverWaitsForThePreviousHoldersGrace(t *testing.T) {
	env := testenv.New(t, testenv.Options{NoCRDs: true})
	_, ctx := ktesting.NewTestContext(t)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ns := "handover"
	kube := kubernetes.NewForConfigOrDie(env.Config)
	if _, err := kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	opts := testOptions(ns)
	opts.MetricsBindAddress, opts.HealthBindAddress = "0", "0"
	opts.GracefulShutdownPeriod = 1500 * time.Millisecond
	rt := operator.NewRuntimeForConfig(opts, env.Config)
	if !rt.Handover().IsZero() {
		t.Fatal("Handover before leading")
	}
	type sample struct {
		at time.Time
		h  time.Time
	}
	samples := make(chan sample, 1)
	done := make(chan error, 1)
	var started time.Time
	go func() {
		done <- rt.Run(ctx, func(ctx context.Context) error {
			started = time.Now()
			if h := rt.Handover(); !h.IsZero() {
				t.Errorf("Handover %v right after acquiring the lease: the previous holder may still act", h)
			}
			var h time.Time
			err := wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
				h = rt.Handover()
				return !h.IsZero(), nil
			})
			if err != nil {
				t.Error("Handover stayed zero")
			}
			samples <- sample{at: time.Now(), h: h}
			<-ctx.Done()
			return nil
		})
	}()
	s := <-samples
	if wait := s.at.Sub(started); wait < opts.GracefulShutdownPeriod-100*time.Millisecond {
		t.Errorf("Handover set after %s, before the grace period %s", wait, opts.GracefulShutdownPeriod)
	}
	if s.h.After(started) || started.Sub(s.h) > time.Second {
		t.Errorf("Handover %v is not the acquisition time (work started %v)", s.h, started)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if !rt.Handover().IsZero() {
		t.Error("Handover after the lease was released")
	}
}
