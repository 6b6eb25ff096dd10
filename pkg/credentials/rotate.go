package credentials

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

// ProtectedAccounts keep their username when a service pair is rotated: the
// username is copied from the active Secret, only the password is new.
// Keystone trusts are bound to these users (aodh's alarms, heat's stacks):
// another user would lose them.
var ProtectedAccounts = []string{"aodh", "heat_trustee"}

// keptFields are copied from the active Secret when a service pair is
// rotated: a new value would lose data (barbican's KEK) or need every end
// changed at once (the metadata and IPsec shared secrets).
var keptFields = []string{"kek", "metadata_secret", "ipsec_secret_key"}

// Rotation computes the new data of a pair's backup Secret from the active
// and the backup data. It must not change the active data.
type Rotation func(active, backup map[string][]byte) (map[string][]byte, error)

// RotateAdmin is the rotation of the openstack-admin-users pair: new
// passwords for identity, database and messaging; the backup's usernames
// are kept.
func RotateAdmin(active, backup map[string][]byte) (map[string][]byte, error) {
	out := maps.Clone(backup)
	for _, key := range []string{"identity", "database", "messaging"} {
		v, err := withNewPassword(out[key])
		if err != nil {
			return nil, fmt.Errorf("field %s: %w", key, err)
		}
		out[key] = v
	}
	return out, nil
}

// RotateService is the rotation of a generated-<svc>-passwords pair: new
// passwords for the database, messaging and notifications users and for
// every Keystone account; the backup's usernames are kept except those of
// ProtectedAccounts, copied from the active Secret with the kept fields
// (kek, metadata_secret, ipsec_secret_key). Other fields (memcached,
// secret_key) stay the backup's.
func RotateService(active, backup map[string][]byte) (map[string][]byte, error) {
	out := maps.Clone(backup)
	for _, key := range []string{"database", "messaging", "notifications", "identity"} {
		raw, ok := out[key]
		if !ok {
			continue
		}
		var users map[string]json.RawMessage
		if err := json.Unmarshal(raw, &users); err != nil || users == nil {
			return nil, fmt.Errorf("field %s is not a JSON object", key)
		}
		var activeUsers map[string]map[string]any
		if key == "identity" {
			// A malformed active field keeps the backup's usernames.
			_ = json.Unmarshal(active[key], &activeUsers)
		}
		for _, name := range slices.Sorted(maps.Keys(users)) {
			v, err := withNewPassword(users[name])
			if err != nil {
				return nil, fmt.Errorf("field %s.%s: %w", key, name, err)
			}
			if u, ok := activeUsers[name]["username"].(string); ok && slices.Contains(ProtectedAccounts, name) {
				if v, err = withUsername(v, u); err != nil {
					return nil, fmt.Errorf("field %s.%s: %w", key, name, err)
				}
			}
			users[name] = v
		}
		b, err := json.Marshal(users)
		if err != nil {
			return nil, err
		}
		out[key] = b
	}
	for _, key := range keptFields {
		if v, ok := active[key]; ok {
			out[key] = slices.Clone(v)
		}
	}
	return out, nil
}

// withNewPassword returns the JSON object raw with a new password (32
// characters); its other members are kept.
func withNewPassword(raw []byte) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("not a JSON object")
	}
	if _, ok := obj["password"]; !ok {
		return nil, fmt.Errorf("no password")
	}
	obj["password"] = Password(32)
	return json.Marshal(obj)
}

func withUsername(raw []byte, username string) ([]byte, error) {
	var obj map[string]any
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	obj["username"] = username
	return json.Marshal(obj)
}

// priority is a Secret's PriorityAnnotation, -1 without it.
func priority(s *corev1.Secret) (int64, error) {
	v, ok := s.Annotations[PriorityAnnotation]
	if !ok {
		return -1, nil
	}
	p, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("Secret %s/%s: annotation %s=%q is not an integer", s.Namespace, s.Name, PriorityAnnotation, v)
	}
	return p, nil
}

// RotatePair rotates the pair name / name+"-1" (both must exist) for
// rotation id: the backup Secret gets rotate's data and priority id in one
// update, which makes it the active one; the active Secret, which the
// releases use until the new one is rolled out, is not touched. A pair
// whose active Secret already has priority id was rotated for id: nothing
// is written and rotated is false. An active priority above id is an
// error (the pair was rotated for a later rotation_id). Values are never
// logged.
func RotatePair(ctx context.Context, client kubernetes.Interface, namespace, fieldManager, name string, id int64, rotate Rotation) (rotated bool, err error) {
	secrets := client.CoreV1().Secrets(namespace)
	for attempt := 0; ; attempt++ {
		var pair [2]*corev1.Secret
		for i, n := range []string{name, name + "-1"} {
			s, err := secrets.Get(ctx, n, metav1.GetOptions{})
			if err != nil {
				return false, fmt.Errorf("reading Secret %s/%s: %w", namespace, n, err)
			}
			pair[i] = s
		}
		active, err := Active(pair[0], pair[1])
		if err != nil {
			return false, err
		}
		backup := pair[1]
		if active == pair[1] {
			backup = pair[0]
		}
		prio, err := priority(active)
		if err != nil {
			return false, err
		}
		if prio == id {
			return false, nil
		}
		if prio > id {
			return false, fmt.Errorf("Secret %s/%s has %s=%d, above rotation_id %d: it was rotated for a later rotation_id", namespace, active.Name, PriorityAnnotation, prio, id)
		}
		data, err := rotate(active.Data, backup.Data)
		if err != nil {
			return false, fmt.Errorf("rotating Secret %s/%s: %w", namespace, backup.Name, err)
		}
		up := backup.DeepCopy()
		up.Data = data
		if up.Annotations == nil {
			up.Annotations = map[string]string{}
		}
		up.Annotations[PriorityAnnotation] = strconv.FormatInt(id, 10)
		_, err = secrets.Update(ctx, up, metav1.UpdateOptions{FieldManager: fieldManager})
		if apierrors.IsConflict(err) && attempt < 3 {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("updating Secret %s/%s: %w", namespace, backup.Name, err)
		}
		klog.FromContext(ctx).Info("Rotated credentials: the backup Secret of the pair is active", "secret", klog.KRef(namespace, backup.Name),
			"previous", active.Name, "rotationID", id, "keys", sortedKeys(data))
		return true, nil
	}
}

// RotationAnnotation records on a regenerated Secret that is not a pair
// (the amphora CA) the rotation_id it was regenerated for.
const RotationAnnotation = "openstack.lcm.mirantis.com/rotation_id"

// Regenerate generates every field of the Secret of newSpec() (which must
// exist) anew for rotation id, keeping keys the spec does not know, and
// records id in RotationAnnotation in the same update. A Secret already
// regenerated for id (or a later one) is not touched: rotated is false.
// newSpec is called for each attempt: a Spec generates related values
// (a key and its certificate) once.
func Regenerate(ctx context.Context, client kubernetes.Interface, namespace, fieldManager string, newSpec func() Spec, id int64) (rotated bool, err error) {
	secrets := client.CoreV1().Secrets(namespace)
	for attempt := 0; ; attempt++ {
		spec := newSpec()
		cur, err := secrets.Get(ctx, spec.Name, metav1.GetOptions{})
		if err != nil {
			return false, fmt.Errorf("reading Secret %s/%s: %w", namespace, spec.Name, err)
		}
		if v, ok := cur.Annotations[RotationAnnotation]; ok {
			done, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return false, fmt.Errorf("Secret %s/%s: annotation %s=%q is not an integer", namespace, spec.Name, RotationAnnotation, v)
			}
			if done >= id {
				return false, nil
			}
		}
		fresh, err := generateAll(spec)
		if err != nil {
			return false, err
		}
		up := cur.DeepCopy()
		if up.Data == nil {
			up.Data = map[string][]byte{}
		}
		maps.Copy(up.Data, fresh)
		if up.Annotations == nil {
			up.Annotations = map[string]string{}
		}
		up.Annotations[RotationAnnotation] = strconv.FormatInt(id, 10)
		_, err = secrets.Update(ctx, up, metav1.UpdateOptions{FieldManager: fieldManager})
		if apierrors.IsConflict(err) && attempt < 3 {
			continue
		}
		if err != nil {
			return false, fmt.Errorf("updating Secret %s/%s: %w", namespace, spec.Name, err)
		}
		klog.FromContext(ctx).Info("Regenerated Secret", "secret", klog.KRef(namespace, spec.Name), "rotationID", id, "keys", sortedKeys(fresh))
		return true, nil
	}
}
