package node

import (
	"context"

	"k8s.io/client-go/informers"

	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/operator"
)

// Run is the node binary's work once it leads: informers of every Node
// (trimmed: TrimNode), every NodeWorkloadLock and NodeDisableNotification
// and the cloud namespace's OpenStackDeployments, and the controller.
func Run(ctx context.Context, rt *operator.Runtime, cfg Config) error {
	kube, lcm, err := rt.Clients()
	if err != nil {
		return err
	}
	cfg.Namespace, cfg.FieldManager = rt.Options.Namespace, rt.Options.FieldManager()
	if err := cfg.defaults(); err != nil {
		return err
	}
	nodes := informers.NewSharedInformerFactoryWithOptions(kube, cfg.Resync, informers.WithTransform(TrimNode))
	locks := externalversions.NewSharedInformerFactoryWithOptions(lcm, cfg.Resync, externalversions.WithTransform(operator.DropManagedFields))
	cloud := externalversions.NewSharedInformerFactoryWithOptions(lcm, cfg.Resync, externalversions.WithNamespace(cfg.Namespace),
		externalversions.WithTransform(operator.DropManagedFields))
	c, err := New(cfg, kube, lcm, Informers{
		Nodes:         nodes.Core().V1().Nodes(),
		Locks:         locks.Lcm().V1alpha1().NodeWorkloadLocks(),
		Notifications: locks.Lcm().V1alpha1().NodeDisableNotifications(),
		OSDPLs:        cloud.Lcm().V1alpha1().OpenStackDeployments(),
	}, rt.Metrics)
	if err != nil {
		return err
	}
	stop := rt.StartInformers(ctx, c.Synced(), nodes, locks, cloud)
	defer stop()
	return c.Run(ctx)
}
