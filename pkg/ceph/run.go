package ceph

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/tools/cache"

	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/operator"
)

// Run is the ceph-exchange binary's work once it leads: an informer of
// the exchange Secret only (field-selected by name: nothing else of the
// shared namespace is cached) and of the osdpls, and the controller.
func Run(ctx context.Context, rt *operator.Runtime, sharedNamespace string, resync time.Duration) error {
	o := rt.Options
	kube, lcm, err := rt.Clients()
	if err != nil {
		return err
	}
	keysFactory := informers.NewSharedInformerFactoryWithOptions(kube, resync,
		informers.WithNamespace(sharedNamespace),
		informers.WithTweakListOptions(func(lo *metav1.ListOptions) {
			lo.FieldSelector = fields.OneTermEqualSelector("metadata.name", KeysSecret).String()
		}),
		informers.WithTransform(func(obj any) (any, error) {
			if s, ok := obj.(*corev1.Secret); ok {
				s.ManagedFields = nil
			}
			return obj, nil
		}))
	keys := keysFactory.Core().V1().Secrets().Informer()
	lcmFactory := externalversions.NewSharedInformerFactoryWithOptions(lcm, resync, externalversions.WithNamespace(o.Namespace))
	osdpls := lcmFactory.Lcm().V1alpha1().OpenStackDeployments()
	e, err := NewExchange(ExchangeConfig{
		Namespace: o.Namespace, SharedNamespace: sharedNamespace, FieldManager: o.FieldManager(),
		Recorder: operator.NewEventRecorder(ctx, kube, o.Namespace, o.FieldManager()),
	}, kube, lcm, keys, osdpls, rt.Metrics)
	if err != nil {
		return err
	}
	stop := rt.StartInformers(ctx, map[string]cache.InformerSynced{
		"ceph-keys":            keys.HasSynced,
		"openstackdeployments": osdpls.Informer().HasSynced,
	}, keysFactory, lcmFactory)
	defer stop()
	return e.Run(ctx)
}
