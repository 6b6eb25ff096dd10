package ceph

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/fields"
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
	keysFactory := operator.NewSelectedInformerFactory(kube, resync, operator.Selection{
		Namespace: sharedNamespace, Fields: fields.OneTermEqualSelector("metadata.name", KeysSecret).String(),
	})
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
