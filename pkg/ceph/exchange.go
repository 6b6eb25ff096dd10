package ceph

import (
	"context"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/klog/v2"

	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	lcminformers "rockoon.dev/rockoon/pkg/client/informers/externalversions/lcm/v1alpha1"
	lcmlisters "rockoon.dev/rockoon/pkg/client/listers/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/operator"
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
}

// Exchange keeps the cloud in step with the Ceph side's exchange Secret
// openstack-ceph-keys: every OpenStack user's <user>-rbd-keyring Secret
// holds its current key (the original creates them once and never updates
// them after a Ceph key rotation; here a rotated key reaches them), and the
// Secret's hash is in the osdpl's status.watched.ceph.secret.hash, so that
// osdpl re-renders (and rolls out the new keys) when it changes. A
// malformed Secret is a Warning Event on the osdpl naming the key and the
// problem; nothing published before is removed or overwritten.
type Exchange struct {
	cfg     ExchangeConfig
	kube    kubernetes.Interface
	keys    corelisters.SecretLister
	osdpls  lcmlisters.OpenStackDeploymentLister
	writer  watched.Writer
	ctrl    *operator.Controller[string]
	lastBad string
}

// exchangeKey is the one key of the queue: every event means "look at the
// exchange Secret again".
const exchangeKey = "exchange"

// NewExchange wires the controller to the informers: keys must be an
// informer of Secrets of the shared namespace (field-selected to
// KeysSecret by NewKeysInformerFactory).
func NewExchange(cfg ExchangeConfig, kube kubernetes.Interface, lcm versioned.Interface, keys cache.SharedIndexInformer, osdpls lcminformers.OpenStackDeploymentInformer, metrics *operator.Metrics) (*Exchange, error) {
	if cfg.SharedNamespace == "" {
		cfg.SharedNamespace = SharedNamespace
	}
	e := &Exchange{
		cfg: cfg, kube: kube, keys: corelisters.NewSecretLister(keys.GetIndexer()), osdpls: osdpls.Lister(),
		writer: watched.Writer{Client: lcm, Lister: osdpls.Lister(), Namespace: cfg.Namespace, FieldManager: cfg.FieldManager},
	}
	e.ctrl = operator.NewController(operator.ControllerConfig[string]{
		Name: "ceph-exchange", Sync: e.sync, Metrics: metrics,
		Synced: []cache.InformerSynced{keys.HasSynced, osdpls.Informer().HasSynced},
	})
	enqueue := cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { e.ctrl.Enqueue(exchangeKey) },
		UpdateFunc: func(any, any) { e.ctrl.Enqueue(exchangeKey) },
		DeleteFunc: func(any) { e.ctrl.Enqueue(exchangeKey) },
	}
	if _, err := keys.AddEventHandler(enqueue); err != nil {
		return nil, err
	}
	// A new osdpl gets the hash at once.
	if _, err := osdpls.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{AddFunc: func(any) { e.ctrl.Enqueue(exchangeKey) }}); err != nil {
		return nil, err
	}
	return e, nil
}

// Run runs the controller until ctx ends.
func (e *Exchange) Run(ctx context.Context) error { return e.ctrl.Run(ctx) }

func (e *Exchange) sync(ctx context.Context, _ string) error {
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
	secrets := e.kube.CoreV1().Secrets(e.cfg.Namespace)
	users := make([]string, 0, len(keys.Users))
	for u := range keys.Users {
		users = append(users, u)
	}
	slices.Sort(users)
	for _, u := range users {
		name, key := KeyringSecret(u), []byte(keys.Users[u].Key)
		cur, err := secrets.Get(ctx, name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: e.cfg.Namespace}, Data: map[string][]byte{"key": key}}
			if _, err := secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: e.cfg.FieldManager}); err != nil && !apierrors.IsAlreadyExists(err) {
				return changed, fmt.Errorf("creating Secret %s/%s: %w", e.cfg.Namespace, name, err)
			} else if err != nil {
				// Created meanwhile (by osdpl's render): look again.
				return changed, err
			}
			changed = append(changed, name)
		case err != nil:
			return changed, fmt.Errorf("reading Secret %s/%s: %w", e.cfg.Namespace, name, err)
		case string(cur.Data["key"]) != string(key):
			upd := cur.DeepCopy()
			if upd.Data == nil {
				upd.Data = map[string][]byte{}
			}
			upd.Data["key"] = key
			if _, err := secrets.Update(ctx, upd, metav1.UpdateOptions{FieldManager: e.cfg.FieldManager}); err != nil {
				return changed, fmt.Errorf("updating Secret %s/%s: %w", e.cfg.Namespace, name, err)
			}
			changed = append(changed, name)
		}
	}
	return changed, nil
}
