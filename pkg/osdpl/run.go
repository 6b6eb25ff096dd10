package osdpl

import (
	"context"

	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"

	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	"rockoon.dev/rockoon/pkg/helm"
	"rockoon.dev/rockoon/pkg/operator"
)

// Run is the osdpl binary's work once it leads: the Helm driver (helmOpts;
// its Handover is the runtime's), the informers of the namespace and the
// controller (cfg; Namespace and FieldManager default to the runtime's
// options, Recorder to an Event recorder), until ctx ends.
func Run(ctx context.Context, rt *operator.Runtime, cfg Config, helmOpts helm.Options) error {
	kube, lcm, err := rt.Clients()
	if err != nil {
		return err
	}
	meta, err := metadata.NewForConfig(rt.Config)
	if err != nil {
		return err
	}
	helmOpts.Handover = rt.Handover
	hm, err := helm.New(rt.Config, helmOpts)
	if err != nil {
		return err
	}
	if cfg.Namespace == "" {
		cfg.Namespace = rt.Options.Namespace
	}
	if cfg.FieldManager == "" {
		cfg.FieldManager = rt.Options.FieldManager()
	}
	if cfg.Recorder == nil {
		cfg.Recorder = operator.NewEventRecorder(ctx, kube, cfg.Namespace, cfg.FieldManager)
	}
	factory := externalversions.NewSharedInformerFactoryWithOptions(lcm, cfg.Resync, externalversions.WithNamespace(cfg.Namespace))
	informer := factory.Lcm().V1alpha1().OpenStackDeployments()
	credentials := CredentialsInformer(meta, cfg.Namespace)
	c, err := New(ctx, cfg, kube, lcm, informer, HelmReleases{Manager: hm}, rt.Metrics)
	if err != nil {
		return err
	}
	if err := c.WatchCredentials(credentials.Informer()); err != nil {
		return err
	}
	stop := rt.StartInformers(ctx, map[string]cache.InformerSynced{
		"openstackdeployments": informer.Informer().HasSynced,
		"credential-secrets":   credentials.Informer().HasSynced,
	}, factory, credentials)
	defer stop()
	return c.Run(ctx)
}
