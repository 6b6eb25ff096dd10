package layering

import (
	"fmt"
	"sort"
	"strings"
)

// SecretRefError is a value_from reference to a Secret or key that does
// not exist (among the Secrets labelled for substitution). The reconcile
// retries it: the Secret may appear later.
type SecretRefError struct {
	Path       []string
	Name, Key  string
	MissingKey bool
}

func (e *SecretRefError) Error() string {
	what := "Secret " + e.Name + " (labelled openstack.lcm.mirantis.com/osdpl_secret=true) not found"
	if e.MissingKey {
		what = "key " + e.Key + " not found in Secret " + e.Name
	}
	return fmt.Sprintf("spec.%s: value_from: %s", PathString(e.Path), what)
}

// SubstituteSecrets returns a copy of spec where every map member of the
// form {value_from: {secret_key_ref: {name, key}}} is replaced by the
// Secret's value (secrets maps a Secret name to its data). Lists are not
// walked, and value_from.from_url is left intact, as in the original.
func SubstituteSecrets(spec map[string]any, secrets map[string]map[string][]byte) (map[string]any, error) {
	out := DeepCopy(spec).(map[string]any)
	if err := substitute(out, secrets, nil); err != nil {
		return nil, err
	}
	return out, nil
}

func substitute(m map[string]any, secrets map[string]map[string][]byte, path []string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic first error
	for _, k := range keys {
		child, ok := m[k].(map[string]any)
		if !ok {
			continue
		}
		p := append(path[:len(path):len(path)], k)
		if ref, ok := secretKeyRef(child); ok {
			data, found := secrets[ref.name]
			if !found {
				return &SecretRefError{Path: p, Name: ref.name, Key: ref.key}
			}
			v, found := data[ref.key]
			if !found {
				return &SecretRefError{Path: p, Name: ref.name, Key: ref.key, MissingKey: true}
			}
			m[k] = string(v)
			continue
		}
		if err := substitute(child, secrets, p); err != nil {
			return err
		}
	}
	return nil
}

type keyRef struct{ name, key string }

func secretKeyRef(m map[string]any) (keyRef, bool) {
	vf, ok := m["value_from"].(map[string]any)
	if !ok {
		return keyRef{}, false
	}
	ref, ok := vf["secret_key_ref"].(map[string]any)
	if !ok {
		return keyRef{}, false
	}
	name, _ := ref["name"].(string)
	key, _ := ref["key"].(string)
	return keyRef{name: name, key: key}, true
}

// MSpecInput is everything the merged spec is built from.
type MSpecInput struct {
	// Spec is the OpenStackDeployment's full .spec as generic values
	// (every member, including ones the Go types do not know).
	Spec map[string]any
	// Secrets are the labelled substitution Secrets: name → data.
	Secrets map[string]map[string][]byte
	// Preset is the rendered preset document.
	Preset map[string]any
	// Size is the size document.
	Size map[string]any
	// ImagesBaseURL and BinaryBaseURL are the controller's defaults
	// (flags/environment); spec.artifacts overrides them.
	ImagesBaseURL, BinaryBaseURL string
	// ExtraCACerts are appended to features.ssl.public_endpoints.ca_cert
	// (proxy and CDN bundles).
	ExtraCACerts []string
}

// BuildMSpec builds the merged spec, lowest layer first: preset → artifact
// base URLs → size → user spec (after value_from substitution). A type
// conflict between layers is a *TypeConflictError naming the path.
func BuildMSpec(in MSpecInput) (map[string]any, error) {
	user, err := SubstituteSecrets(in.Spec, in.Secrets)
	if err != nil {
		return nil, err
	}
	joinCABundle(user, in.ExtraCACerts)
	base := DeepCopy(in.Preset)
	if base == nil {
		base = map[string]any{}
	}
	bm, ok := base.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("preset is not a map")
	}
	bm["artifacts"] = map[string]any{"images_base_url": in.ImagesBaseURL, "binary_base_url": in.BinaryBaseURL}
	layers := []struct {
		name string
		doc  map[string]any
	}{{"size", in.Size}, {"spec", user}}
	var out any = bm
	for _, l := range layers {
		if l.doc == nil {
			continue
		}
		if out, err = merge(out, l.doc, nil); err != nil {
			return nil, fmt.Errorf("merging the %s layer: %w", l.name, err)
		}
	}
	return out.(map[string]any), nil
}

func joinCABundle(spec map[string]any, extra []string) {
	pe := dig(spec, "features", "ssl", "public_endpoints")
	if pe == nil {
		return
	}
	ca, ok := pe["ca_cert"].(string)
	if !ok {
		return
	}
	parts := []string{strings.TrimSpace(ca)}
	for _, e := range extra {
		if e = strings.TrimSpace(e); e != "" {
			parts = append(parts, e)
		}
	}
	pe["ca_cert"] = strings.Join(parts, "\n")
}

// dig returns the map at path, or nil.
func dig(m map[string]any, path ...string) map[string]any {
	cur := m
	for _, p := range path {
		next, ok := cur[p].(map[string]any)
		if !ok {
			return nil
		}
		cur = next
	}
	return cur
}

// EnabledServices is mspec.features.services with ~removals applied (the
// merge already applied them across layers) and duplicates dropped, in
// order. Items still starting with "~" (a removal of a service no layer
// adds) are ignored.
func EnabledServices(mspec map[string]any) []string {
	f := dig(mspec, "features")
	if f == nil {
		return nil
	}
	list, _ := f["services"].([]any)
	seen := map[string]bool{}
	var out []string
	for _, item := range list {
		s, ok := item.(string)
		if !ok || strings.HasPrefix(s, "~") || seen[s] {
			continue
		}
		seen[s] = true
		out = append(out, s)
	}
	return out
}
