package ceph

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"sort"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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

// publishRGWCreds makes RGWCredsSecret hold exactly want; equal data is
// not written.
func (e *Exchange) publishRGWCreds(ctx context.Context, want map[string][]byte) error {
	ns := e.cfg.SharedNamespace
	if cur, err := e.rgwCreds.Secrets(ns).Get(RGWCredsSecret); err == nil && maps.EqualFunc(cur.Data, want, bytes.Equal) {
		return nil // the cache says so: no API read
	}
	changed, created, err := credentials.Save(ctx, e.kube, ns, RGWCredsSecret, want, credentials.SaveOptions{FieldManager: e.cfg.FieldManager, Exact: true})
	switch {
	case err != nil:
		return err
	case created:
		klog.FromContext(ctx).Info("RGW credentials published", "secret", klog.KRef(ns, RGWCredsSecret))
	case len(changed) > 0:
		// Key names only, never values.
		klog.FromContext(ctx).Info("RGW credentials updated", "secret", klog.KRef(ns, RGWCredsSecret), "keys", changed)
	}
	return nil
}
