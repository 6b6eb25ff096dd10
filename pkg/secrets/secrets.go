package secrets

import (
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	"rockoon.dev/rockoon/pkg/client/informers/externalversions"
	lcmlisters "rockoon.dev/rockoon/pkg/client/listers/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/watched"
)

// Config configures the secrets binary. The target namespaces default to
// the original's (hard-coded there, flags here).
type Config struct {
	// Namespace is the cloud's: the osdpl, its osdplst and the inputs.
	Namespace string
	// ControllerNamespace receives keystone-os-clouds and exporter-ca-cert
	// (osh-system).
	ControllerNamespace string
	// ExternalNamespace receives the external clouds.yaml and the
	// notification Secrets (openstack-external).
	ExternalNamespace string
	// TFNamespace holds ost-data and receives tf-data (openstack-tf-shared).
	TFNamespace string
	// BGPVPNSecret is the BGP neighbour Secret of the cloud namespace
	// (frr-bgp-neighbors).
	BGPVPNSecret string
	FieldManager string
	Resync       time.Duration
}

// Defaults of Config.
const (
	DefaultControllerNamespace = "osh-system"
	DefaultExternalNamespace   = "openstack-external"
	DefaultTFNamespace         = "openstack-tf-shared"
	DefaultBGPVPNSecret        = "frr-bgp-neighbors"
)

func (c *Config) defaults() {
	if c.ControllerNamespace == "" {
		c.ControllerNamespace = DefaultControllerNamespace
	}
	if c.ExternalNamespace == "" {
		c.ExternalNamespace = DefaultExternalNamespace
	}
	if c.TFNamespace == "" {
		c.TFNamespace = DefaultTFNamespace
	}
	if c.BGPVPNSecret == "" {
		c.BGPVPNSecret = DefaultBGPVPNSecret
	}
	if c.Resync == 0 {
		c.Resync = 10 * time.Minute
	}
}

// Names of the inputs and outputs (the original's).
const (
	OSCloudsSecret        = "keystone-os-clouds"
	ExternalCloudsSecret  = "openstack-identity-credentials"
	TLSPublicSecret       = "keystone-tls-public"
	ExporterCASecret      = "exporter-ca-cert"
	TFDataSecret          = "tf-data"
	TFOSTDataSecret       = "ost-data"
	TFOSTDataLabel        = "operator.tf.mirantis.com/ost_data_secret"
	NeutronAdminSecret    = "neutron-keystone-admin"
	RabbitMQUsersSecret   = "openstack-rabbitmq-users-credentials"
	RabbitMQCertsSecret   = credentials.RabbitMQExternalCerts
	RabbitMQExternalSvc   = "rabbitmq-external"
	ExternalRabbitMQLabel = "openstack.lcm.mirantis.com/rabbitmq-external"
)

// Controller runs every duty of the binary. Its queue's keys are duty
// names.
type Controller struct {
	cfg  Config
	kube kubernetes.Interface
	lcm  versioned.Interface

	osdpls   lcmlisters.OpenStackDeploymentLister
	statuses lcmlisters.OpenStackDeploymentStatusLister
	secrets  map[string]corelisters.SecretLister // by input name
	cms      corelisters.ConfigMapLister
	services corelisters.ServiceLister
	writer   watched.Writer

	duties    map[string]func(context.Context) error
	ctrl      *operator.Controller[string]
	factories []operator.InformerFactory
	synced    map[string]cache.InformerSynced
}

// secretInput is one selected Secret informer and the duties it feeds.
type secretInput struct {
	name   string
	sel    operator.Selection
	duties []string
}

func byName(name string) string { return fields.OneTermEqualSelector("metadata.name", name).String() }

// New builds the controller and its informers (started by Run).
func New(cfg Config, kube kubernetes.Interface, lcm versioned.Interface, metrics *operator.Metrics) (*Controller, error) {
	cfg.defaults()
	c := &Controller{cfg: cfg, kube: kube, lcm: lcm, secrets: map[string]corelisters.SecretLister{}, synced: map[string]cache.InformerSynced{}}
	c.duties = map[string]func(context.Context) error{
		"value-from":    c.syncValueFrom,
		"configmaps":    c.syncConfigMaps,
		"bgpvpn":        c.syncBGPVPN,
		"tf":            c.syncTF,
		"rotation":      c.syncRotation,
		"os-clouds":     c.syncOSClouds,
		"exporter-ca":   c.syncExporterCA,
		"tf-data":       c.syncTFData,
		"notifications": c.syncNotifications,
	}
	ns := cfg.Namespace
	inputs := []secretInput{
		{"value-from", operator.Selection{Namespace: ns, Labels: lcmv1alpha1.OSDPLSecretLabel + "=true"}, []string{"value-from"}},
		{"bgpvpn", operator.Selection{Namespace: ns, Labels: "application=frr", Fields: byName(cfg.BGPVPNSecret)}, []string{"bgpvpn"}},
		{"tf", operator.Selection{Namespace: cfg.TFNamespace, Labels: TFOSTDataLabel + "=true"}, []string{"tf"}},
		// The rotation timestamps come from managedFields.
		{"rotation", operator.Selection{Namespace: ns, Labels: lcmv1alpha1.GeneratedCredentialsLabel + "=true", KeepManagedFields: true}, []string{"rotation"}},
		{"os-clouds", operator.Selection{Namespace: ns, Fields: byName(OSCloudsSecret)}, []string{"os-clouds"}},
		{"tls-public", operator.Selection{Namespace: ns, Fields: byName(TLSPublicSecret)}, []string{"exporter-ca"}},
		{"neutron", operator.Selection{Namespace: ns, Labels: "application=neutron,component in (server,configmap_etc)"}, []string{"tf-data"}},
		{"rabbitmq-users", operator.Selection{Namespace: ns, Fields: byName(RabbitMQUsersSecret)}, []string{"notifications"}},
		{"rabbitmq-certs", operator.Selection{Namespace: ns, Fields: byName(RabbitMQCertsSecret)}, []string{"notifications"}},
		{"external-notifications", operator.Selection{Namespace: cfg.ExternalNamespace, Labels: ExternalRabbitMQLabel + "=true"}, []string{"notifications"}},
	}
	for _, in := range inputs {
		f := operator.NewSelectedInformerFactory(kube, cfg.Resync, in.sel)
		inf := f.Core().V1().Secrets()
		if err := c.enqueueOn(inf.Informer(), in.duties...); err != nil {
			return nil, err
		}
		c.secrets[in.name] = inf.Lister()
		c.synced["secrets-"+in.name] = inf.Informer().HasSynced
		c.factories = append(c.factories, f)
	}
	cmf := operator.NewSelectedInformerFactory(kube, cfg.Resync, operator.Selection{Namespace: ns, Labels: lcmv1alpha1.WatchConfigMapLabel + "=true"})
	cmi := cmf.Core().V1().ConfigMaps()
	svcf := operator.NewSelectedInformerFactory(kube, cfg.Resync, operator.Selection{Namespace: ns, Fields: byName(RabbitMQExternalSvc)})
	svci := svcf.Core().V1().Services()
	lcmf := externalversions.NewSharedInformerFactoryWithOptions(lcm, cfg.Resync, externalversions.WithNamespace(ns),
		externalversions.WithTransform(operator.DropManagedFields))
	osdpls := lcmf.Lcm().V1alpha1().OpenStackDeployments()
	statuses := lcmf.Lcm().V1alpha1().OpenStackDeploymentStatus()
	if err := c.enqueueOn(cmi.Informer(), "configmaps"); err != nil {
		return nil, err
	}
	if err := c.enqueueOn(svci.Informer(), "notifications"); err != nil {
		return nil, err
	}
	// The osdpl: where the hashes go, and the spec some outputs read.
	if err := c.enqueueOn(osdpls.Informer(), "value-from", "configmaps", "bgpvpn", "tf", "os-clouds", "tf-data", "notifications"); err != nil {
		return nil, err
	}
	if err := c.enqueueOn(statuses.Informer(), "rotation"); err != nil {
		return nil, err
	}
	c.cms, c.services = cmi.Lister(), svci.Lister()
	c.osdpls, c.statuses = osdpls.Lister(), statuses.Lister()
	c.writer = watched.Writer{Client: lcm, Lister: c.osdpls, Namespace: ns, FieldManager: cfg.FieldManager}
	c.synced["configmaps"] = cmi.Informer().HasSynced
	c.synced["services"] = svci.Informer().HasSynced
	c.synced["openstackdeployments"] = osdpls.Informer().HasSynced
	c.synced["openstackdeploymentstatuses"] = statuses.Informer().HasSynced
	c.factories = append(c.factories, cmf, svcf, lcmf)

	synced := make([]cache.InformerSynced, 0, len(c.synced))
	for _, s := range c.synced {
		synced = append(synced, s)
	}
	c.ctrl = operator.NewController(operator.ControllerConfig[string]{Name: "secrets", Sync: c.sync, Metrics: metrics, Synced: synced})
	return c, nil
}

func (c *Controller) enqueueOn(inf cache.SharedIndexInformer, duties ...string) error {
	enqueue := func() {
		for _, d := range duties {
			c.ctrl.Enqueue(d)
		}
	}
	_, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { enqueue() },
		UpdateFunc: func(any, any) { enqueue() },
		DeleteFunc: func(any) { enqueue() },
	})
	return err
}

// Run starts the informers (readiness waits for them) and the controller
// until ctx ends.
func Run(ctx context.Context, rt *operator.Runtime, cfg Config) error {
	kube, lcm, err := rt.Clients()
	if err != nil {
		return err
	}
	cfg.Namespace, cfg.FieldManager = rt.Options.Namespace, rt.Options.FieldManager()
	c, err := New(cfg, kube, lcm, rt.Metrics)
	if err != nil {
		return err
	}
	stop := rt.StartInformers(ctx, c.synced, c.factories...)
	defer stop()
	// Every duty once at the start: outputs whose inputs are all absent
	// (e.g. external notifications turned off) converge too.
	for d := range c.duties {
		c.ctrl.Enqueue(d)
	}
	return c.ctrl.Run(ctx)
}

func (c *Controller) sync(ctx context.Context, duty string) error {
	f, ok := c.duties[duty]
	if !ok {
		return nil
	}
	ctx = klog.NewContext(ctx, klog.FromContext(ctx).WithValues("duty", duty))
	return f(ctx)
}

// osdpl returns the namespace's OpenStackDeployment (the first by name),
// nil when there is none.
func (c *Controller) osdpl() (*lcmv1alpha1.OpenStackDeployment, error) {
	list, err := c.osdpls.OpenStackDeployments(c.cfg.Namespace).List(labels.Everything())
	if err != nil || len(list) == 0 {
		return nil, err
	}
	slices.SortFunc(list, func(a, b *lcmv1alpha1.OpenStackDeployment) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	return list[0], nil
}

// secret returns the named Secret of an input's cache, nil when absent.
func (c *Controller) secret(input, namespace, name string) (*corev1.Secret, error) {
	s, err := c.secrets[input].Secrets(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	return s, err
}

// save makes Secret namespace/name hold data (and the labels); other
// keys stay (several duties may share one Secret). It reports whether it
// wrote.
func (c *Controller) save(ctx context.Context, namespace, name string, lbls map[string]string, data map[string][]byte) (bool, error) {
	changed, created, err := credentials.Save(ctx, c.kube, namespace, name, data, credentials.SaveOptions{FieldManager: c.cfg.FieldManager, Labels: lbls})
	switch {
	case err != nil:
		return false, err
	case created:
		klog.FromContext(ctx).Info("Secret created", "secret", klog.KRef(namespace, name), "keys", changed)
	case len(changed) > 0:
		klog.FromContext(ctx).Info("Secret updated", "secret", klog.KRef(namespace, name), "keys", changed)
	}
	return created || len(changed) > 0, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
