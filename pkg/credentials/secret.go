package credentials

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"sort"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"

	lcmv1alpha1 "rockoon.dev/rockoon/apis/lcm/v1alpha1"
)

// PriorityAnnotation ranks the two Secrets of a rotation pair: the one with
// the highest integer value is active; one without it comes after.
const PriorityAnnotation = "openstack.lcm.mirantis.com/secret_priority"

// Field generates the value of one data key. A field whose value is a JSON
// object (Generate returns a map or struct) is stored as JSON; a string is
// stored as is.
type Field struct {
	Key      string
	Generate func() any
	// Opaque marks a plain string value (a key, a certificate): present, it
	// is never regenerated to be compared, and placeholders need not
	// generate it.
	Opaque bool
}

// Spec describes a generated Secret.
type Spec struct {
	Name string
	// Namespace, when set, is the Secret's namespace instead of the
	// store's (the cloud's): a Secret read by releases of another
	// namespace (catalog.Service.Namespace).
	Namespace string
	Fields    []Field
	// CopyFrom names an older Secret whose data seeds this one when it is
	// created (the original's renamed Secrets, e.g. keystone-fernet-keys).
	CopyFrom string
	// Type defaults to Opaque.
	Type corev1.SecretType
	// Atomic fields belong together (a key pair, a certificate and its
	// key): they are generated together, and a Secret holding only some of
	// them is an error (completing it would mismatch the halves; the
	// present ones are never replaced).
	Atomic bool
	// Guard, when set, is asked before generated values are written: the
	// Secret created (keys: every field) or keys added to it. An error
	// stops the write and is returned. The controller guards a deployed
	// cloud's Secrets, so that one lost in the middle of a pass is
	// restored from the deployed values, never generated anew.
	Guard func(name string, keys []string) error
	// Follow: the fields are not generated but copied from the spec (the
	// switch keys of networking-generic-switch): a present value that
	// differs from Generate's is replaced, so that the Secret follows the
	// spec. Replaced values are not generated ones: Guard is not asked.
	Follow bool
}

// Ensure makes sure the Secret exists with every field: a missing Secret is
// created with all fields generated; in an existing one, missing keys are
// generated and, for JSON-object fields, missing members are added. Present
// values are never changed. It returns the Secret's data (decoded from the
// API, not regenerated).
func Ensure(ctx context.Context, client kubernetes.Interface, namespace, fieldManager string, spec Spec) (map[string][]byte, error) {
	logger := klog.FromContext(ctx).WithValues("secret", klog.KRef(namespace, spec.Name))
	secrets := client.CoreV1().Secrets(namespace)
	for attempt := 0; ; attempt++ {
		existing, err := secrets.Get(ctx, spec.Name, metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			data, err := generateAll(spec)
			if err != nil {
				return nil, err
			}
			if spec.Guard != nil {
				if err := spec.Guard(spec.Name, sortedKeys(data)); err != nil {
					return nil, err
				}
			}
			if spec.CopyFrom != "" {
				old, err := secrets.Get(ctx, spec.CopyFrom, metav1.GetOptions{})
				switch {
				case err == nil:
					for k, v := range old.Data {
						data[k] = v
					}
				case !apierrors.IsNotFound(err):
					return nil, fmt.Errorf("reading Secret %s/%s: %w", namespace, spec.CopyFrom, err)
				}
			}
			typ := spec.Type
			if typ == "" {
				typ = corev1.SecretTypeOpaque
			}
			s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: spec.Name, Namespace: namespace, Labels: map[string]string{lcmv1alpha1.GeneratedCredentialsLabel: "true"}}, Type: typ, Data: data}
			created, err := secrets.Create(ctx, s, metav1.CreateOptions{FieldManager: fieldManager})
			if apierrors.IsAlreadyExists(err) && attempt < 3 {
				continue // created concurrently: read it
			}
			if err != nil {
				return nil, fmt.Errorf("creating Secret %s/%s: %w", namespace, spec.Name, err)
			}
			logger.Info("Created generated credentials", "keys", sortedKeys(data))
			return created.Data, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading Secret %s/%s: %w", namespace, spec.Name, err)
		}
		data, added, err := fillMissing(spec, existing.Data)
		if err != nil {
			return nil, fmt.Errorf("Secret %s/%s: %w", namespace, spec.Name, err)
		}
		replaced, err := follow(spec, data)
		if err != nil {
			return nil, fmt.Errorf("Secret %s/%s: %w", namespace, spec.Name, err)
		}
		labelled := existing.Labels[lcmv1alpha1.GeneratedCredentialsLabel] == "true"
		if len(added) == 0 && len(replaced) == 0 && labelled {
			return existing.Data, nil
		}
		if len(added) > 0 && spec.Guard != nil {
			if err := spec.Guard(spec.Name, added); err != nil {
				return nil, err
			}
		}
		// Adopted (the original's Secrets carry no label) or completed:
		// labelled so that the controller watches it.
		updated := existing.DeepCopy()
		updated.Data = data
		if updated.Labels == nil {
			updated.Labels = map[string]string{}
		}
		updated.Labels[lcmv1alpha1.GeneratedCredentialsLabel] = "true"
		result, err := secrets.Update(ctx, updated, metav1.UpdateOptions{FieldManager: fieldManager})
		if apierrors.IsConflict(err) && attempt < 3 {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("updating Secret %s/%s: %w", namespace, spec.Name, err)
		}
		if len(added) > 0 {
			logger.Info("Added missing fields to generated credentials", "fields", added)
		}
		if len(replaced) > 0 {
			logger.Info("Updated Secret fields to follow the spec", "fields", replaced)
		}
		return result.Data, nil
	}
}

func generateAll(spec Spec) (map[string][]byte, error) {
	data := make(map[string][]byte, len(spec.Fields))
	for _, f := range spec.Fields {
		v, err := encode(f.Generate())
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Key, err)
		}
		data[f.Key] = v
	}
	return data, nil
}

// fillMissing returns the data with missing fields (and missing members of
// JSON-object fields) added, and the names of what was added. Present
// values keep their exact bytes.
func fillMissing(spec Spec, existing map[string][]byte) (map[string][]byte, []string, error) {
	data := maps.Clone(existing)
	if data == nil {
		data = map[string][]byte{}
	}
	if spec.Atomic {
		var present, missing []string
		for _, f := range spec.Fields {
			if _, ok := data[f.Key]; ok {
				present = append(present, f.Key)
			} else {
				missing = append(missing, f.Key)
			}
		}
		if len(present) > 0 && len(missing) > 0 {
			return nil, nil, fmt.Errorf("Secret %s holds %v but not %v, which belong together: restore the missing keys or delete the Secret to have all generated anew", spec.Name, present, missing)
		}
	}
	var added []string
	for _, f := range spec.Fields {
		cur, ok := data[f.Key]
		if !ok {
			v, err := encode(f.Generate())
			if err != nil {
				return nil, nil, fmt.Errorf("field %s: %w", f.Key, err)
			}
			data[f.Key] = v
			added = append(added, f.Key)
			continue
		}
		if f.Opaque {
			continue
		}
		gen := f.Generate()
		genObj, isObj := asObject(gen)
		if !isObj {
			continue
		}
		var curObj map[string]any
		if err := json.Unmarshal(cur, &curObj); err != nil || curObj == nil {
			// Present but not a JSON object: leave it, it is the user's.
			continue
		}
		var paths []string
		addMissing(curObj, genObj, f.Key, &paths)
		if len(paths) == 0 {
			continue
		}
		v, err := json.Marshal(curObj)
		if err != nil {
			return nil, nil, err
		}
		data[f.Key] = v
		added = append(added, paths...)
	}
	return data, added, nil
}

// follow replaces, in data, the present values of a Follow spec that
// differ from the spec's, and returns their keys.
func follow(spec Spec, data map[string][]byte) ([]string, error) {
	if !spec.Follow {
		return nil, nil
	}
	var replaced []string
	for _, f := range spec.Fields {
		v, err := encode(f.Generate())
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", f.Key, err)
		}
		if cur, ok := data[f.Key]; ok && string(cur) != string(v) {
			data[f.Key] = v
			replaced = append(replaced, f.Key)
		}
	}
	return replaced, nil
}

func addMissing(cur, gen map[string]any, path string, added *[]string) {
	for _, k := range sortedKeys(gen) {
		g := gen[k]
		c, ok := cur[k]
		if !ok {
			cur[k] = g
			*added = append(*added, path+"."+k)
			continue
		}
		cm, cok := c.(map[string]any)
		gm, gok := g.(map[string]any)
		if cok && gok {
			addMissing(cm, gm, path+"."+k, added)
		}
	}
}

// asObject converts a generated value to a generic JSON object, if it is one.
func asObject(v any) (map[string]any, bool) {
	if _, ok := v.(string); ok {
		return nil, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, false
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil || m == nil {
		return nil, false
	}
	return m, true
}

func encode(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	return json.Marshal(v)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Decode reads a Secret field as the original does: JSON when it parses,
// the plain string otherwise.
func Decode(value []byte) any {
	var v any
	if err := json.Unmarshal(value, &v); err == nil {
		if _, isString := v.(string); !isString {
			return v
		}
	}
	return string(value)
}

// DecodeAll decodes every field of a Secret's data.
func DecodeAll(data map[string][]byte) map[string]any {
	out := make(map[string]any, len(data))
	for k, v := range data {
		out[k] = Decode(v)
	}
	return out
}

// Pair is a rotation pair's data, active first.
type Pair struct {
	ActiveName string
	Active     map[string][]byte
	BackupName string
	Backup     map[string][]byte
}

// EnsurePair ensures both Secrets of the rotation pair spec.Name and
// spec.Name+"-1" (generated independently) and returns them ranked by
// PriorityAnnotation: highest first, a Secret without it after one with
// it, and the base name first when neither has it.
func EnsurePair(ctx context.Context, client kubernetes.Interface, namespace, fieldManager string, spec Spec) (Pair, error) {
	names := []string{spec.Name, spec.Name + "-1"}
	var datas [2]map[string][]byte
	for i, name := range names {
		s := spec
		s.Name = name
		d, err := Ensure(ctx, client, namespace, fieldManager, s)
		if err != nil {
			return Pair{}, err
		}
		datas[i] = d
	}
	var objs [2]*corev1.Secret
	for i, name := range names {
		s, err := client.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return Pair{}, fmt.Errorf("reading Secret %s/%s: %w", namespace, name, err)
		}
		objs[i] = s
	}
	active, err := Active(objs[0], objs[1])
	if err != nil {
		return Pair{}, err
	}
	if active == objs[1] {
		return Pair{ActiveName: names[1], Active: datas[1], BackupName: names[0], Backup: datas[0]}, nil
	}
	return Pair{ActiveName: names[0], Active: datas[0], BackupName: names[1], Backup: datas[1]}, nil
}

// Active returns the active Secret of a rotation pair (nil ones are
// skipped): the one with the highest PriorityAnnotation, a Secret without
// it after one with it, the first given on a tie. A priority that is not
// an integer is an error naming the Secret.
func Active(secrets ...*corev1.Secret) (*corev1.Secret, error) {
	var best *corev1.Secret
	bestPrio := int64(-1)
	for _, s := range secrets {
		if s == nil {
			continue
		}
		prio := int64(-1)
		if v, ok := s.Annotations[PriorityAnnotation]; ok {
			p, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("Secret %s/%s: annotation %s=%q is not an integer", s.Namespace, s.Name, PriorityAnnotation, v)
			}
			prio = p
		}
		if best == nil || prio > bestPrio {
			best, bestPrio = s, prio
		}
	}
	return best, nil
}
