package render

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"rockoon.dev/rockoon/pkg/credentials"
)

// Store provides the data of generated credential Secrets.
type Store interface {
	// Secret returns the data of the Secret described by spec.
	Secret(ctx context.Context, spec credentials.Spec) (map[string][]byte, error)
	// Pair returns the rotation pair of spec: active first, then backup.
	Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error)
}

// ClusterStore creates missing Secrets and fills missing fields
// (credentials.Ensure): the controller's store.
type ClusterStore struct {
	Client       kubernetes.Interface
	Namespace    string
	FieldManager string
	// Guard, when set, is asked before generated values are written
	// (credentials.Spec.Guard).
	Guard func(name string, keys []string) error
}

// Secret implements Store.
func (s ClusterStore) Secret(ctx context.Context, spec credentials.Spec) (map[string][]byte, error) {
	spec.Guard = s.Guard
	return credentials.Ensure(ctx, s.Client, namespaceOf(spec, s.Namespace), s.FieldManager, spec)
}

// Pair implements Store.
func (s ClusterStore) Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error) {
	spec.Guard = s.Guard
	p, err := credentials.EnsurePair(ctx, s.Client, s.Namespace, s.FieldManager, spec)
	return [2]map[string][]byte{p.Active, p.Backup}, err
}

// namespaceOf is the namespace of spec's Secret in a store of namespace ns.
func namespaceOf(spec credentials.Spec, ns string) string {
	if spec.Namespace != "" {
		return spec.Namespace
	}
	return ns
}

// ReadOnlyStore reads existing Secrets and never writes; a missing Secret
// is replaced by placeholders.
type ReadOnlyStore struct {
	Client    kubernetes.Interface
	Namespace string
}

// Secret implements Store.
func (s ReadOnlyStore) Secret(ctx context.Context, spec credentials.Spec) (map[string][]byte, error) {
	ns := namespaceOf(spec, s.Namespace)
	sec, err := s.Client.CoreV1().Secrets(ns).Get(ctx, spec.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return PlaceholderStore{}.Secret(ctx, spec)
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s/%s: %w", ns, spec.Name, err)
	}
	return sec.Data, nil
}

// Pair implements Store; the active Secret is the one with the highest
// priority annotation.
func (s ReadOnlyStore) Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error) {
	names := [2]string{spec.Name, spec.Name + "-1"}
	var out [2]map[string][]byte
	prio := [2]string{}
	for i, n := range names {
		sec, err := s.Client.CoreV1().Secrets(s.Namespace).Get(ctx, n, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			one := spec
			one.Name = n
			if out[i], err = (PlaceholderStore{}).Secret(ctx, one); err != nil {
				return out, err
			}
			continue
		}
		if err != nil {
			return out, fmt.Errorf("reading Secret %s/%s: %w", s.Namespace, n, err)
		}
		out[i] = sec.Data
		prio[i] = sec.Annotations[credentials.PriorityAnnotation]
	}
	var rank [2]int64
	for i, p := range prio {
		rank[i] = -1
		if p == "" {
			continue
		}
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return out, fmt.Errorf("Secret %s/%s: annotation %s=%q is not an integer", s.Namespace, names[i], credentials.PriorityAnnotation, p)
		}
		rank[i] = n
	}
	if rank[1] > rank[0] {
		out[0], out[1] = out[1], out[0]
	}
	return out, nil
}

// placeholderPrefix starts every placeholder value.
const placeholderPrefix = "PLACEHOLDER:"

// IsPlaceholder tells whether a value is a placeholder, not a secret.
func IsPlaceholder(v string) bool { return strings.HasPrefix(v, placeholderPrefix) }

// PlaceholderStore returns deterministic placeholders instead of secrets:
// every string of a generated field becomes "PLACEHOLDER:<secret>:<path>".
// Rendering with it needs no cluster and is reproducible byte for byte.
type PlaceholderStore struct{}

// Secret implements Store.
func (PlaceholderStore) Secret(_ context.Context, spec credentials.Spec) (map[string][]byte, error) {
	data := map[string][]byte{}
	for _, f := range spec.Fields {
		if f.Opaque {
			data[f.Key] = []byte(placeholderPrefix + spec.Name + ":" + f.Key)
			continue
		}
		v := placeholder(spec.Name+":"+f.Key, f.Generate())
		if s, ok := v.(string); ok {
			data[f.Key] = []byte(s)
			continue
		}
		b, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		data[f.Key] = b
	}
	return data, nil
}

// Pair implements Store.
func (p PlaceholderStore) Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error) {
	active, err := p.Secret(ctx, spec)
	if err != nil {
		return [2]map[string][]byte{}, err
	}
	backupSpec := spec
	backupSpec.Name += "-1"
	backup, err := p.Secret(ctx, backupSpec)
	return [2]map[string][]byte{active, backup}, err
}

func placeholder(path string, v any) any {
	if _, ok := v.(string); ok {
		return placeholderPrefix + path
	}
	b, err := json.Marshal(v)
	if err != nil {
		return placeholderPrefix + path
	}
	var g any
	_ = json.Unmarshal(b, &g)
	return placeholderWalk(path, g)
}

func placeholderWalk(path string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		out := make(map[string]any, len(t))
		for _, k := range keys {
			out[k] = placeholderWalk(path+"."+k, t[k])
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = placeholderWalk(fmt.Sprintf("%s[%d]", path, i), x)
		}
		return out
	case string:
		return placeholderPrefix + path
	}
	return v
}
