package watched

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/client/clientset/versioned"
	lcmlisters "rockoon.dev/rockoon/pkg/client/listers/lcm/v1alpha1"
	"rockoon.dev/rockoon/pkg/layering"
)

// SecretHash is the original's hash of a Secret: sha256 hex of the JSON of
// its data map (values base64, as the API returns them), keys sorted, with
// Python's separators.
func SecretHash(data map[string][]byte) string {
	m := make(map[string]any, len(data))
	for k, v := range data {
		m[k] = base64.StdEncoding.EncodeToString(v)
	}
	return hashOf(m)
}

// ConfigMapHash is the same hash of a ConfigMap's data.
func ConfigMapHash(data map[string]string) string {
	m := make(map[string]any, len(data))
	for k, v := range data {
		m[k] = v
	}
	return hashOf(m)
}

func hashOf(m map[string]any) string {
	h, err := layering.Fingerprint(m)
	if err != nil {
		// Strings only: the encoding can not fail.
		panic(err)
	}
	return h
}

// Path is where in status.watched a hash lives, e.g. {"ceph", "secret"}
// for status.watched.ceph.secret.hash.
type Path []string

// Child is the path of name below p, e.g. {"value_from", "secret"} →
// {"value_from", "secret", name}.
func (p Path) Child(name string) Path { return slices.Concat(p, Path{name}) }

// Writer writes hashes into the status.watched of the namespace's
// OpenStackDeployments.
type Writer struct {
	Client       versioned.Interface
	Lister       lcmlisters.OpenStackDeploymentLister
	Namespace    string
	FieldManager string
}

// Set makes status.watched.<path>.hash equal hash on every
// OpenStackDeployment of the namespace (one, normally); an empty hash
// removes the entry (a deleted input). Objects that already say so are not
// written: a resync writes nothing. It returns the number of objects
// written.
func (w Writer) Set(ctx context.Context, path Path, hash string) (int, error) {
	list, err := w.Lister.OpenStackDeployments(w.Namespace).List(labels.Everything())
	if err != nil {
		return 0, err
	}
	slices.SortFunc(list, func(a, b *lcmv1alpha1.OpenStackDeployment) int {
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	written := 0
	for _, o := range list {
		if Get(o, path) == hash {
			continue
		}
		var leaf any = map[string]any{"hash": hash}
		if hash == "" {
			leaf = nil
		}
		for i := len(path) - 1; i >= 0; i-- {
			leaf = map[string]any{path[i]: leaf}
		}
		patch, err := json.Marshal(map[string]any{"status": map[string]any{"watched": leaf}})
		if err != nil {
			return written, err
		}
		if _, err := w.Client.LcmV1alpha1().OpenStackDeployments(o.Namespace).Patch(ctx, o.Name, types.MergePatchType, patch,
			metav1.PatchOptions{FieldManager: w.FieldManager}, "status"); err != nil {
			return written, fmt.Errorf("writing status.watched.%s of OpenStackDeployment %s/%s: %w", pathString(path), o.Namespace, o.Name, err)
		}
		klog.FromContext(ctx).V(2).Info("Watched input changed", "osdpl", klog.KObj(o), "path", pathString(path), "hash", hash)
		written++
	}
	return written, nil
}

// Get reads status.watched.<path>.hash of an OpenStackDeployment ("" when
// absent).
func Get(o *lcmv1alpha1.OpenStackDeployment, path Path) string {
	raw, err := json.Marshal(o.Status.Watched)
	if err != nil || o.Status.Watched == nil {
		return ""
	}
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return ""
	}
	for _, p := range append(path, "hash") {
		m, ok := v.(map[string]any)
		if !ok {
			return ""
		}
		v = m[p]
	}
	s, _ := v.(string)
	return s
}

func pathString(p Path) string {
	out := ""
	for i, s := range p {
		if i > 0 {
			out += "."
		}
		out += s
	}
	return out
}
