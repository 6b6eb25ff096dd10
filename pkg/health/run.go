package health

import (
	"context"
	"time"

	"k8s.io/client-go/tools/cache"

	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/operator"
)

// Run is the health binary's work once it leads: the informers of the
// cloud namespace (workloads trimmed; resynced every resync, which heals
// missed events) and the controller, until ctx ends.
func Run(ctx context.Context, rt *operator.Runtime, resync time.Duration) error {
	o := rt.Options
	kube, lcm, err := rt.Clients()
	if err != nil {
		return err
	}
	workloads := NewInformerFactory(kube, o.Namespace, resync)
	lcmFactory := externalversions.NewSharedInformerFactoryWithOptions(lcm, resync, externalversions.WithNamespace(o.Namespace))
	osdpls := lcmFactory.Lcm().V1alpha1().OpenStackDeployments()
	statuses := lcmFactory.Lcm().V1alpha1().OpenStackDeploymentStatus()
	c, err := New(Config{
		Namespace: o.Namespace, FieldManager: o.FieldManager(),
		Recorder: operator.NewEventRecorder(ctx, kube, o.Namespace, o.FieldManager()),
	}, kube, lcm, workloads, osdpls, statuses, rt.Metrics)
	if err != nil {
		return err
	}
	apps := workloads.Apps().V1()
	stop := rt.StartInformers(ctx, map[string]cache.InformerSynced{
		"deployments":                 apps.Deployments().Informer().HasSynced,
		"statefulsets":                apps.StatefulSets().Informer().HasSynced,
		"daemonsets":                  apps.DaemonSets().Informer().HasSynced,
		"openstackdeployments":        osdpls.Informer().HasSynced,
		"openstackdeploymentstatuses": statuses.Informer().HasSynced,
	}, workloads, lcmFactory)
	defer stop()
	return c.Run(ctx)
}
