package operator_test

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// holdLease creates or takes a Lease for holder for seconds.
func holdLease(t *testing.T, kube kubernetes.Interface, ns, name, holder string, seconds int32) *coordinationv1.Lease {
	t.Helper()
	ctx := context.Background()
	now := metav1.NewMicroTime(time.Now())
	spec := coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &seconds, AcquireTime: &now, RenewTime: &now}
	l, err := kube.CoordinationV1().Leases(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		l, err = kube.CoordinationV1().Leases(ns).Create(ctx, &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: spec}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	if err != nil {
		t.Fatal(err)
	}
	l.Spec = spec
	if l, err = kube.CoordinationV1().Leases(ns).Update(ctx, l, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	return l
}

func releaseLease(t *testing.T, kube kubernetes.Interface, l *coordinationv1.Lease) {
	t.Helper()
	if err := kube.CoordinationV1().Leases(l.Namespace).Delete(context.Background(), l.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
}

// stealLease overwrites the Lease with another holder, retrying on
// conflicts with the renewing leader.
func stealLease(t *testing.T, kube kubernetes.Interface, ns, name, holder string) {
	t.Helper()
	for range 50 {
		l, err := kube.CoordinationV1().Leases(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		now := metav1.NewMicroTime(time.Now())
		d := int32(60)
		l.Spec.HolderIdentity, l.Spec.RenewTime, l.Spec.AcquireTime, l.Spec.LeaseDurationSeconds = &holder, &now, &now, &d
		if _, err = kube.CoordinationV1().Leases(ns).Update(context.Background(), l, metav1.UpdateOptions{}); err == nil {
			return
		} else if !apierrors.IsConflict(err) {
			t.Fatal(err)
		}
	}
	t.Fatal("could not steal the lease")
}
