package credentials

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
)

// SaveOptions tune Save.
type SaveOptions struct {
	FieldManager string
	// Labels are added to the Secret (others stay).
	Labels map[string]string
	// Exact removes the keys data does not have; otherwise they stay
	// (several writers may share one Secret).
	Exact bool
}

// Save makes Secret namespace/name hold data: created when missing, else
// merge-patched with the keys that differ (and the missing labels), not
// written at all when nothing does. It returns the names of the keys it
// wrote (all of them on create; never values) and whether it created the
// Secret. It is the one writer of the Secrets derived from other objects
// (the secrets binary's outputs, the Ceph keyrings, openstack-rgw-creds).
func Save(ctx context.Context, client kubernetes.Interface, namespace, name string, data map[string][]byte, opts SaveOptions) (changed []string, created bool, err error) {
	secrets := client.CoreV1().Secrets(namespace)
	cur, err := secrets.Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: opts.Labels}, Type: corev1.SecretTypeOpaque, Data: data}
		if _, err := secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: opts.FieldManager}); err != nil {
			return nil, false, fmt.Errorf("creating Secret %s/%s: %w", namespace, name, err)
		}
		return sortedKeys(data), true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading Secret %s/%s: %w", namespace, name, err)
	}
	patchData := map[string]any{} // []byte encodes as base64, as data wants
	for k, v := range data {
		if c, ok := cur.Data[k]; !ok || !bytes.Equal(c, v) {
			patchData[k], changed = v, append(changed, k)
		}
	}
	if opts.Exact {
		for k := range cur.Data {
			if _, ok := data[k]; !ok {
				patchData[k], changed = nil, append(changed, k)
			}
		}
	}
	patch := map[string]any{}
	if len(patchData) > 0 {
		patch["data"] = patchData
	}
	missing := map[string]string{}
	for k, v := range opts.Labels {
		if cur.Labels[k] != v {
			missing[k] = v
		}
	}
	if len(missing) > 0 {
		patch["metadata"] = map[string]any{"labels": missing}
	}
	if len(patch) == 0 {
		return nil, false, nil
	}
	raw, err := json.Marshal(patch)
	if err != nil {
		return nil, false, err
	}
	if _, err := secrets.Patch(ctx, name, types.MergePatchType, raw, metav1.PatchOptions{FieldManager: opts.FieldManager}); err != nil {
		return nil, false, fmt.Errorf("patching Secret %s/%s: %w", namespace, name, err)
	}
	slices.Sort(changed)
	return changed, false, nil
}
