package osdpl

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/metadata/metadatainformer"
	"k8s.io/client-go/tools/cache"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/credentials"
	"rockoon.dev/rockoon/pkg/render"
)

// CredentialSecrets is a metadata-only informer of the credential Secrets
// the controller generates (label lcmv1alpha1.GeneratedCredentialsLabel) in
// one namespace: it caches names and labels, never data, and drops
// managedFields.
type CredentialSecrets struct {
	metadatainformer.SharedInformerFactory
	informer informers.GenericInformer
}

// CredentialsInformer returns the informer; start it with the others.
func CredentialsInformer(client metadata.Interface, namespace string) CredentialSecrets {
	f := metadatainformer.NewFilteredSharedInformerFactory(client, 0, namespace, func(o *metav1.ListOptions) {
		o.LabelSelector = lcmv1alpha1.GeneratedCredentialsLabel + "=true"
	})
	inf := f.ForResource(schema.GroupVersionResource{Version: "v1", Resource: "secrets"})
	_ = inf.Informer().SetTransform(func(obj any) (any, error) {
		if o, ok := obj.(metav1.Object); ok {
			o.SetManagedFields(nil)
		}
		return obj, nil
	})
	return CredentialSecrets{SharedInformerFactory: f, informer: inf}
}

// Informer returns the shared informer.
func (c CredentialSecrets) Informer() cache.SharedIndexInformer { return c.informer.Informer() }

// WatchCredentials makes a deleted or changed credential Secret reconcile
// its namespace's OpenStackDeployment at once, so that it is restored
// before anything reads it.
func (c *Controller) WatchCredentials(informer cache.SharedIndexInformer) error {
	_, err := informer.AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(oldObj, newObj any) {
			o, okO := oldObj.(metav1.Object)
			n, okN := newObj.(metav1.Object)
			if okO && okN && o.GetResourceVersion() != n.GetResourceVersion() {
				c.enqueueNamespace(n.GetNamespace())
			}
		},
		DeleteFunc: func(obj any) {
			if d, ok := obj.(cache.DeletedFinalStateUnknown); ok {
				obj = d.Obj
			}
			if o, ok := obj.(metav1.Object); ok {
				c.enqueueNamespace(o.GetNamespace())
			}
		},
	})
	return err
}

// restoreCredentials puts back the credential Secrets (or keys) of a
// deployed cloud that were deleted or emptied, with the values the
// deployed releases use: without it, the render would generate new ones
// and roll them out, a silent rotation. Keys no deployed release uses are
// left to be generated. A cloud never deployed is left alone.
//
// For a deployed cloud it returns the guard of the pass's credential
// store: only the Secrets found missing here may get generated values;
// one lost after this look (in the middle of the pass) is a wait, restored
// by the next pass, never generated anew.
func (c *Controller) restoreCredentials(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, st *lcmv1alpha1.OpenStackDeploymentStatus, in render.Input) (func(name string, keys []string) error, error) {
	deployed := map[string]bool{}
	for _, s := range st.Status.Services {
		for _, r := range s.Releases {
			deployed[r] = true
		}
	}
	if len(deployed) == 0 {
		return nil, nil
	}
	store := &render.RecoveryStore{Client: c.kube, Namespace: osdpl.Namespace}
	res, err := (&render.Renderer{Templates: c.templates, Store: store}).Render(ctx, in)
	if err != nil {
		return nil, err
	}
	missing := store.Missing()
	guard := func(name string, keys []string) error {
		if _, ok := missing[name]; ok {
			return nil
		}
		return waitError{error: fmt.Errorf("credentials Secret %s/%s lost %s while the cloud was being reconciled: it is restored from the deployed releases before anything is applied", osdpl.Namespace, name, strings.Join(keys, ", "))}
	}
	if len(missing) == 0 {
		return guard, nil
	}
	logger := klog.FromContext(ctx)
	found := map[string]string{}
	for _, s := range res.Services {
		for _, r := range s.Releases {
			if !deployed[r.Name] {
				continue
			}
			values, err := c.releases.Values(ctx, r.Namespace, r.Name)
			if err != nil {
				return nil, fmt.Errorf("reading the deployed values of release %s to restore credentials: %w", r.Name, err)
			}
			if values == nil {
				continue
			}
			rendered, err := jsonRoundTrip(r.Values)
			if err != nil {
				return nil, err
			}
			store.Recovered(rendered, values, found)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(missing)) {
		m := missing[name]
		data, err := store.Data(name, found)
		if err != nil {
			return nil, err
		}
		if len(data) == 0 {
			logger.V(2).Info("Missing credentials not used by any deployed release: generated", "secret", name, "keys", m.Keys)
			continue
		}
		if m.PairOther != nil && subset(data, m.PairOther) {
			// The deployed values are the other Secret's: the missing one
			// was the inactive member of the pair, which no release uses.
			logger.Info("Missing inactive Secret of a rotation pair: generated anew", "secret", name)
			continue
		}
		if err := c.writeRestored(ctx, osdpl, m, data); err != nil {
			return nil, err
		}
		keys := slices.Sorted(maps.Keys(data))
		what := "was deleted"
		if m.Exists {
			what = "lost keys " + strings.Join(keys, ", ")
		}
		c.recorder.Eventf(osdpl, corev1.EventTypeWarning, "CredentialsRestored",
			"Secret %s %s: restored with the values the deployed releases use (%d keys); nothing was rotated", name, what, len(keys))
		logger.Info("Restored credentials from the deployed releases", "secret", klog.KRef(osdpl.Namespace, name), "keys", keys)
	}
	return guard, nil
}

// renderWithGuard renders with the controller's credential store, asking
// guard (when not nil) before any generated value is written.
// It also returns the Secrets the render read.
func (c *Controller) renderWithGuard(ctx context.Context, in render.Input, guard func(name string, keys []string) error) (*render.Result, *readSecrets, error) {
	store := newReadSecrets(render.ClusterStore{Client: c.kube, Namespace: c.cfg.Namespace, FieldManager: c.cfg.FieldManager, Guard: guard})
	res, err := (&render.Renderer{Templates: c.templates, Store: store}).Render(ctx, in)
	return res, store, err
}

// writeRestored creates the Secret, or adds the keys to it. A restored
// active member of a rotation pair is ranked above the other one.
func (c *Controller) writeRestored(ctx context.Context, osdpl *lcmv1alpha1.OpenStackDeployment, m *render.MissingSecret, data map[string][]byte) error {
	ns := osdpl.Namespace
	if m.Spec.Namespace != "" {
		ns = m.Spec.Namespace
	}
	secrets := c.kube.CoreV1().Secrets(ns)
	annotations := map[string]string{}
	if m.PairOther != nil {
		other, err := secrets.Get(ctx, m.PairOtherName, metav1.GetOptions{})
		if err != nil {
			return fmt.Errorf("reading Secret %s/%s: %w", ns, m.PairOtherName, err)
		}
		if p, ok := other.Annotations[credentials.PriorityAnnotation]; ok {
			n, err := strconv.ParseInt(p, 10, 64)
			if err != nil {
				return fmt.Errorf("Secret %s/%s: annotation %s=%q is not an integer", ns, m.PairOtherName, credentials.PriorityAnnotation, p)
			}
			annotations[credentials.PriorityAnnotation] = strconv.FormatInt(n+1, 10)
		} else if strings.HasSuffix(m.Spec.Name, "-1") {
			annotations[credentials.PriorityAnnotation] = "1"
		}
	}
	if !m.Exists {
		typ := m.Spec.Type
		if typ == "" {
			typ = corev1.SecretTypeOpaque
		}
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
			Name: m.Spec.Name, Namespace: ns, Annotations: annotations,
			Labels: map[string]string{lcmv1alpha1.GeneratedCredentialsLabel: "true"},
		}, Type: typ, Data: data}
		_, err := secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: c.cfg.FieldManager})
		if err != nil {
			return fmt.Errorf("restoring Secret %s/%s: %w", ns, m.Spec.Name, err)
		}
		return nil
	}
	cur, err := secrets.Get(ctx, m.Spec.Name, metav1.GetOptions{})
	if err != nil {
		return fmt.Errorf("reading Secret %s/%s: %w", ns, m.Spec.Name, err)
	}
	up := cur.DeepCopy()
	if up.Data == nil {
		up.Data = map[string][]byte{}
	}
	for k, v := range data {
		if _, ok := up.Data[k]; !ok {
			up.Data[k] = v
		}
	}
	if up.Annotations == nil && len(annotations) > 0 {
		up.Annotations = map[string]string{}
	}
	maps.Copy(up.Annotations, annotations)
	if _, err := secrets.Update(ctx, up, metav1.UpdateOptions{FieldManager: c.cfg.FieldManager}); err != nil {
		if apierrors.IsConflict(err) {
			return err
		}
		return fmt.Errorf("restoring keys of Secret %s/%s: %w", ns, m.Spec.Name, err)
	}
	return nil
}

// subset tells whether every key of a is in b with the same value.
func subset(a, b map[string][]byte) bool {
	for k, v := range a {
		if string(b[k]) != string(v) {
			return false
		}
	}
	return true
}

func jsonRoundTrip(v map[string]any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("encoding values: %w", err)
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("decoding values: %w", err)
	}
	return out, nil
}
