package ceph

import (
	"context"
	"errors"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	lcminformers "rockoon.dev/rockoon/pkg/client/informers/externalversions/lcm/v1alpha1"
	lcmlisters "rockoon.dev/rockoon/pkg/client/listers/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/operator"
	"rockoon.dev/rockoon/pkg/templates"
	"rockoon.dev/rockoon/pkg/watched"
)

// WatchedPath is where the exchange Secret's hash goes in the osdpl's
// status.watched.
var WatchedPath = watched.Path{"ceph", "secret"}

// ExchangeConfig configures the exchange controller.
type ExchangeConfig struct {
	// Namespace is the cloud's (the osdpl's and the keyring Secrets').
	Namespace string
	// SharedNamespace holds the exchange Secrets (openstack-ceph-shared).
	SharedNamespace string
	FieldManager    string
	Recorder        record.EventRecorder
	// Templates builds the merged spec (presets, sizes); nil: the
	// embedded templates.
	Templates *templates.Engine
}

// Exchange keeps the cloud in step with the Ceph side's exchange Secret
// openstack-ceph-keys: every OpenStack user's <user>-rbd-keyring Secret
// holds its current key (the original creates them once and never updates
// them after a Ceph key rotation; here a rotated key reaches them), and the
// Secret's hash is in the osdpl's status.watched.ceph.secret.hash, so that
// osdpl re-renders (and rolls out the new keys) when it changes. A
// malformed Secret is a Warning Event on the osdpl naming the key and the
// problem; nothing published before is removed or overwritten. The other
// way, while the osdpl enables object storage, it publishes the RGW's
// Keystone credentials as RGWCredsSecret (syncRGWCreds).
type Exchange struct {
	cfg     ExchangeConfig
	kube    kubernetes.Interface
	keys    corelisters.SecretLister
	osdpls  lcmlisters.OpenStackDeploymentLister
	writer  watched.Writer
	ctrl    *operator.Controller[string]
	lastBad string
	// The RGW credentials' inputs and output (Informers).
	rgwCreds  corelisters.SecretLister
	pair      [2]corelisters.SecretLister
	valueFrom corelisters.SecretLister
}

// Informers are the exchange's caches, each selected narrowly (Run builds
// them with NewSelectedInformerFactory): the Ceph side's Secret
// (KeysSecret) and the published RGWCredsSecret of the shared namespace;
// of the cloud's namespace, the two Secrets of the object-storage pair
// (each by name) and the value_from Secrets (label
// openstack.lcm.mirantis.com/osdpl_secret=true), and the
// OpenStackDeployments.
type Informers struct {
	Keys, RGWCreds cache.SharedIndexInformer
	Pair           [2]cache.SharedIndexInformer
	ValueFrom      cache.SharedIndexInformer
	OSDPLs         lcminformers.OpenStackDeploymentInformer
}

// exchangeKey is the one key of the queue: every event means "look at the
// exchange Secret again".
const exchangeKey = "exchange"

// NewExchange wires the controller to the informers (see Informers).
func NewExchange(cfg ExchangeConfig, kube kubernetes.Interface, lcm versioned.Interface, inf Informers, metrics *operator.Metrics) (*Exchange, error) {
	if cfg.SharedNamespace == "" {
		cfg.SharedNamespace = SharedNamespace
	}
	if cfg.Templates == nil {
		cfg.Templates = templates.New()
	}
	osdpls := inf.OSDPLs
	e := &Exchange{
		cfg: cfg, kube: kube, keys: corelisters.NewSecretLister(inf.Keys.GetIndexer()), osdpls: osdpls.Lister(),
		writer:    watched.Writer{Client: lcm, Lister: osdpls.Lister(), Namespace: cfg.Namespace, FieldManager: cfg.FieldManager},
		rgwCreds:  corelisters.NewSecretLister(inf.RGWCreds.GetIndexer()),
		pair:      [2]corelisters.SecretLister{corelisters.NewSecretLister(inf.Pair[0].GetIndexer()), corelisters.NewSecretLister(inf.Pair[1].GetIndexer())},
		valueFrom: corelisters.NewSecretLister(inf.ValueFrom.GetIndexer()),
	}
	secrets := []cache.SharedIndexInformer{inf.Keys, inf.RGWCreds, inf.Pair[0], inf.Pair[1], inf.ValueFrom}
	synced := []cache.InformerSynced{osdpls.Informer().HasSynced}
	for _, i := range secrets {
		synced = append(synced, i.HasSynced)
	}
	e.ctrl = operator.NewController(operator.ControllerConfig[string]{
		Name: "ceph-exchange", Sync: e.sync, Metrics: metrics, Synced: synced,
	})
	enqueue := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { e.ctrl.Enqueue(exchangeKey) },
		UpdateFunc: func(any, any) { e.ctrl.Enqueue(exchangeKey) },
		DeleteFunc: func(any) { e.ctrl.Enqueue(exchangeKey) },
	}
	for _, i := range secrets {
		if _, err := i.AddEventHandler(enqueue); err != nil {
			return nil, err
		}
	}
	// A new osdpl gets the hash at once; a changed spec (its generation)
	// may change the RGW credentials. Status writes (ours included) do not
	// count.
	if _, err := osdpls.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { e.ctrl.Enqueue(exchangeKey) },
		UpdateFunc: func(old, cur any) {
			o, ok1 := old.(*lcmv1alpha1.OpenStackDeployment)
			c, ok2 := cur.(*lcmv1alpha1.OpenStackDeployment)
			if !ok1 || !ok2 || o.Generation != c.Generation {
				e.ctrl.Enqueue(exchangeKey)
			}
		},
		DeleteFunc: func(any) { e.ctrl.Enqueue(exchangeKey) },
	}); err != nil {
		return nil, err
	}
	return e, nil
}

// Run runs the controller until ctx ends.
func (e *Exchange) Run(ctx context.Context) error { return e.ctrl.Run(ctx) }

// sync brings both halves of the exchange up to date: what the Ceph side
// published (keyrings, hash) and what the cloud publishes (the RGW
// credentials); one failing does not hold the other back.
func (e *Exchange) sync(ctx context.Context, _ string) error {
	return errors.Join(e.syncKeys(ctx), e.syncRGWCreds(ctx))
}

func (e *Exchange) syncKeys(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	sec, err := e.keys.Secrets(e.cfg.SharedNamespace).Get(KeysSecret)
	if apierrors.IsNotFound(err) {
		// Nothing published is taken back: a Ceph side that deleted its
		// Secret (for a moment, or for good) leaves the cloud as it is.
		logger.V(2).Info("No Ceph exchange Secret", "secret", klog.KRef(e.cfg.SharedNamespace, KeysSecret))
		return nil
	}
	if err != nil {
		return err
	}
	keys, err := ParseKeys(sec.Data)
	if err != nil {
		e.malformed(ctx, sec, err)
		return nil
	}
	e.lastBad = ""
	changed, err := e.syncKeyrings(ctx, keys)
	if err != nil {
		return err
	}
	n, err := e.writer.Set(ctx, WatchedPath, watched.SecretHash(sec.Data))
	if err != nil {
		return err
	}
	if len(changed) > 0 || n > 0 {
		logger.Info("Ceph exchange Secret synced", "keyringsUpdated", changed, "osdplsNotified", n)
	}
	return nil
}

// malformed records a malformed exchange Secret once per version of it.
func (e *Exchange) malformed(ctx context.Context, sec *corev1.Secret, err error) {
	if e.lastBad == sec.ResourceVersion {
		return
	}
	e.lastBad = sec.ResourceVersion
	klog.FromContext(ctx).Error(err, "Ceph exchange Secret not applied", "secret", klog.KObj(sec))
	list, lerr := e.osdpls.OpenStackDeployments(e.cfg.Namespace).List(labels.Everything())
	if lerr != nil {
		return
	}
	for _, o := range list {
		// The error names the key and the problem, never a value.
		e.cfg.Recorder.Eventf(o, corev1.EventTypeWarning, "CephKeysMalformed",
			"Secret %s/%s not applied, the keys in use are kept: %v", sec.Namespace, sec.Name, err)
	}
}

// syncKeyrings makes every user's keyring Secret hold its current key;
// it returns the Secrets it created or changed.
func (e *Exchange) syncKeyrings(ctx context.Context, keys *Keys) ([]string, error) {
	var changed []string
	users := make([]string, 0, len(keys.Users))
	for u := range keys.Users {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		name := KeyringSecret(u)
		// A conflict with osdpl's render creating it meanwhile is an error
		// retried with the fresh object.
		keysWritten, _, err := credentials.Save(ctx, e.kube, e.cfg.Namespace, name, map[string][]byte{"key": []byte(keys.Users[u].Key)},
			credentials.SaveOptions{FieldManager: e.cfg.FieldManager})
		if err != nil {
			return changed, err
		}
		if len(keysWritten) > 0 {
			changed = append(changed, name)
		}
	}
	return changed, nil
}
