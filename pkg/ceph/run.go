package ceph

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/client-go/tools/cache"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/operator"
)

// Run is the ceph-exchange binary's work once it leads: informers of only
// the Secrets it reads or writes (each field-selected by name, the
// value_from ones by their label: nothing else of either namespace is
// cached) and of the osdpls, and the controller.
func Run(ctx context.Context, rt *operator.Runtime, sharedNamespace string, resync time.Duration) error {
	o := rt.Options
	kube, lcm, err := rt.Clients()
	if err != nil {
		return err
	}
	byName := func(ns, name string) operator.Selection {
		return operator.Selection{Namespace: ns, Fields: fields.OneTermEqualSelector("metadata.name", name).String()}
	}
	factories := []operator.InformerFactory{}
	secretInformer := func(sel operator.Selection) cache.SharedIndexInformer {
		f := operator.NewSelectedInformerFactory(kube, resync, sel)
		factories = append(factories, f)
		return f.Core().V1().Secrets().Informer()
	}
	inf := Informers{
		Keys:     secretInformer(byName(sharedNamespace, KeysSecret)),
		RGWCreds: secretInformer(byName(sharedNamespace, RGWCredsSecret)),
		Pair: [2]cache.SharedIndexInformer{
			secretInformer(byName(o.Namespace, PairName)),
			secretInformer(byName(o.Namespace, PairName+"-1")),
		},
		ValueFrom: secretInformer(operator.Selection{Namespace: o.Namespace, Labels: lcmv1alpha1.OSDPLSecretLabel + "=true"}),
	}
	lcmFactory := externalversions.NewSharedInformerFactoryWithOptions(lcm, resync, externalversions.WithNamespace(o.Namespace))
	inf.OSDPLs = lcmFactory.Lcm().V1alpha1().OpenStackDeployments()
	factories = append(factories, lcmFactory)
	e, err := NewExchange(ExchangeConfig{
		Namespace: o.Namespace, SharedNamespace: sharedNamespace, FieldManager: o.FieldManager(),
		Recorder: operator.NewEventRecorder(ctx, kube, o.Namespace, o.FieldManager()),
	}, kube, lcm, inf, rt.Metrics)
	if err != nil {
		return err
	}
	stop := rt.StartInformers(ctx, map[string]cache.InformerSynced{
		"ceph-keys":             inf.Keys.HasSynced,
		"rgw-creds":             inf.RGWCreds.HasSynced,
		"object-storage-pair":   inf.Pair[0].HasSynced,
		"object-storage-pair-1": inf.Pair[1].HasSynced,
		"value-from-secrets":    inf.ValueFrom.HasSynced,
		"openstackdeployments":  inf.OSDPLs.Informer().HasSynced,
	}, factories...)
	defer stop()
	return e.Run(ctx)
}
