package ceph

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/layering"
)

// PairName is the base name of the object-storage service's rotation pair
// (generated-object-storage-passwords and its -1), which holds the
// ceph-rgw account.
var PairName = credentials.ServiceSecretName(ObjectStorage)

// syncRGWCreds publishes RGWCredsSecret when the namespace's
// OpenStackDeployment enables object storage and the active Secret of the
// object-storage pair holds the ceph-rgw account (osdpl generates the
// pair when it renders the service; until then there is nothing to
// publish). The Secret is written only when its data differs. When object
// storage is not enabled (or no longer is) the Secret is left as it is:
// as the original, which writes it and never deletes it, and whose
// ceph-rgw account outlives the service (its pair is never deleted
// either). No value is logged.
func (e *Exchange) syncRGWCreds(ctx context.Context) error {
	logger := klog.FromContext(ctx)
	list, err := e.osdpls.OpenStackDeployments(e.cfg.Namespace).List(labels.Everything())
	if err != nil {
		return err
	}
	sort.Slice(list, func(i, j int) bool { return list[i].Name < list[j].Name })
	var osdpl *lcmv1alpha1.OpenStackDeployment
	var mspec map[string]any
	for _, o := range list {
		m, err := e.mergedSpec(o)
		if err != nil {
			return fmt.Errorf("OpenStackDeployment %s/%s: %w", o.Namespace, o.Name, err)
		}
		if ObjectStorageEnabled(m) {
			osdpl, mspec = o, m
			break
		}
	}
	if osdpl == nil {
		return nil
	}
	var secrets []*corev1.Secret
	for i, name := range []string{PairName, PairName + "-1"} {
		s, err := e.pair[i].Secrets(e.cfg.Namespace).Get(name)
		switch {
		case apierrors.IsNotFound(err):
		case err != nil:
			return err
		default:
			secrets = append(secrets, s)
		}
	}
	active, err := credentials.Active(secrets...)
	if err != nil {
		return err
	}
	if active == nil {
		logger.V(2).Info("Object storage enabled, its credentials not generated yet", "secret", klog.KRef(e.cfg.Namespace, PairName))
		return nil
	}
	username, password, ok := rgwAccount(active.Data)
	if !ok {
		logger.V(2).Info("No ceph-rgw account in the active credentials", "secret", klog.KObj(active))
		return nil
	}
	want, err := RGWCreds(mspec, e.cfg.Namespace, username, password)
	if err != nil {
		return fmt.Errorf("OpenStackDeployment %s/%s: %w", osdpl.Namespace, osdpl.Name, err)
	}
	return e.publishRGWCreds(ctx, want)
}

// mergedSpec is the osdpl's merged spec, value_from resolved from the
// cached value_from Secrets (as osdpl renders it).
func (e *Exchange) mergedSpec(o *lcmv1alpha1.OpenStackDeployment) (map[string]any, error) {
	spec, err := layering.ObjectValues(o.Spec)
	if err != nil {
		return nil, err
	}
	cached, err := e.valueFrom.Secrets(o.Namespace).List(labels.Everything())
	if err != nil {
		return nil, err
	}
	secrets := make(map[string]map[string][]byte, len(cached))
	for _, s := range cached {
		secrets[s.Name] = s.Data
	}
	return e.cfg.Templates.MSpec(spec, secrets, o.Namespace, "", "")
}

// rgwAccount reads the ceph-rgw account of a pair Secret's data.
func rgwAccount(data map[string][]byte) (username, password string, ok bool) {
	acc, _ := layering.Get(credentials.DecodeAll(data), "identity", RGWAccount).(map[string]any)
	username, _ = acc["username"].(string)
	password, _ = acc["password"].(string)
	return username, password, username != "" && password != ""
}

// publishRGWCreds creates or updates RGWCredsSecret to hold exactly want;
// equal data is not written.
func (e *Exchange) publishRGWCreds(ctx context.Context, want map[string][]byte) error {
	ns := e.cfg.SharedNamespace
	secrets := e.kube.CoreV1().Secrets(ns)
	cur, err := e.rgwCreds.Secrets(ns).Get(RGWCredsSecret)
	switch {
	case apierrors.IsNotFound(err):
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: RGWCredsSecret, Namespace: ns}, Type: corev1.SecretTypeOpaque, Data: want}
		if _, err := secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: e.cfg.FieldManager}); err != nil {
			// AlreadyExists: the cache is behind; the informer's event
			// brings the next sync.
			return fmt.Errorf("creating Secret %s/%s: %w", ns, RGWCredsSecret, err)
		}
		klog.FromContext(ctx).Info("RGW credentials published", "secret", klog.KRef(ns, RGWCredsSecret))
		return nil
	case err != nil:
		return err
	case maps.EqualFunc(cur.Data, want, bytes.Equal):
		return nil
	}
	var changed []string
	for k := range maps.Keys(want) {
		if c, ok := cur.Data[k]; !ok || !bytes.Equal(c, want[k]) {
			changed = append(changed, k)
		}
	}
	for k := range cur.Data {
		if _, ok := want[k]; !ok {
			changed = append(changed, k)
		}
	}
	slices.Sort(changed)
	upd := cur.DeepCopy()
	upd.Data = want
	if _, err := secrets.Update(ctx, upd, metav1.UpdateOptions{FieldManager: e.cfg.FieldManager}); err != nil {
		return fmt.Errorf("updating Secret %s/%s: %w", ns, RGWCredsSecret, err)
	}
	// Key names only, never values.
	klog.FromContext(ctx).Info("RGW credentials updated", "secret", klog.KRef(ns, RGWCredsSecret), "keys", changed)
	return nil
}
