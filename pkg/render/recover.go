package render

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"rockoon.dev/rockoon/pkg/credentials"
)

// RecoveryStore reads the credential Secrets without writing and stands a
// unique marker in for every value of a missing Secret or key. Rendering
// with it, then matching the markers against the values the deployed
// releases were given (Recovered), tells the values a deleted or emptied
// Secret held: what the cloud runs with. A rotation pair with one Secret
// missing renders the missing one as active, so that its markers stand
// where the deployed values of the active Secret are.
type RecoveryStore struct {
	Client    kubernetes.Interface
	Namespace string

	mu      sync.Mutex
	missing map[string]*MissingSecret
	markers map[string]markerRef // marker → where it stands
}

// MissingSecret is a Secret, or some keys of one, that the render needed
// and the cluster does not have.
type MissingSecret struct {
	Spec credentials.Spec
	// Exists is true when the Secret exists but lacks Keys.
	Exists bool
	Keys   []string
	// Present are the Pair member's other Secret's data (nil when not a
	// pair member).
	PairOther map[string][]byte
	// PairOtherName names it.
	PairOtherName string

	templates map[string]any // key → value with marker leaves
}

type markerRef struct {
	secret, key, path string
}

// Missing returns what the render found missing, by Secret name.
func (s *RecoveryStore) Missing() map[string]*MissingSecret {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.missing
}

// Secret implements Store.
func (s *RecoveryStore) Secret(ctx context.Context, spec credentials.Spec) (map[string][]byte, error) {
	ns := namespaceOf(spec, s.Namespace)
	sec, err := s.Client.CoreV1().Secrets(ns).Get(ctx, spec.Name, metav1.GetOptions{})
	exists := true
	var data map[string][]byte
	switch {
	case apierrors.IsNotFound(err):
		exists = false
	case err != nil:
		return nil, fmt.Errorf("reading Secret %s/%s: %w", ns, spec.Name, err)
	default:
		data = sec.Data
	}
	out := map[string][]byte{}
	for k, v := range data {
		out[k] = v
	}
	var missing []string
	for _, f := range spec.Fields {
		if _, ok := out[f.Key]; !ok {
			missing = append(missing, f.Key)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.missing == nil {
		s.missing, s.markers = map[string]*MissingSecret{}, map[string]markerRef{}
	}
	m := s.missing[spec.Name]
	if m == nil {
		m = &MissingSecret{Spec: spec, Exists: exists, Keys: missing, templates: map[string]any{}}
		s.missing[spec.Name] = m
	}
	for _, f := range spec.Fields {
		if _, ok := out[f.Key]; ok {
			continue
		}
		if _, ok := m.templates[f.Key]; !ok {
			var v any = ""
			if !f.Opaque {
				v = f.Generate()
			}
			m.templates[f.Key] = s.markTree(spec.Name, f.Key, "", normalize(v))
		}
		b, err := encodeValue(m.templates[f.Key])
		if err != nil {
			return nil, err
		}
		out[f.Key] = b
	}
	return out, nil
}

// Pair implements Store: both Secrets, the missing one (if any) first.
func (s *RecoveryStore) Pair(ctx context.Context, spec credentials.Spec) ([2]map[string][]byte, error) {
	names := [2]string{spec.Name, spec.Name + "-1"}
	var datas [2]map[string][]byte
	var missing [2]bool
	for i, n := range names {
		one := spec
		one.Name = n
		d, err := s.Secret(ctx, one)
		if err != nil {
			return datas, err
		}
		datas[i] = d
		s.mu.Lock()
		_, missing[i] = s.missing[n]
		s.mu.Unlock()
	}
	switch {
	case missing[0] && !missing[1]:
		s.notePair(names[0], names[1], datas[1])
		return datas, nil
	case missing[1] && !missing[0]:
		s.notePair(names[1], names[0], datas[0])
		return [2]map[string][]byte{datas[1], datas[0]}, nil
	case missing[0] && missing[1]:
		// Both gone: the base name first, as EnsurePair creates them.
		return datas, nil
	}
	// Both present: ranked as the cluster ranks them.
	return ReadOnlyStore{Client: s.Client, Namespace: s.Namespace}.Pair(ctx, spec)
}

func (s *RecoveryStore) notePair(missing, other string, data map[string][]byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.missing[missing].PairOther, s.missing[missing].PairOtherName = data, other
}

// markTree replaces every string leaf with a marker.
func (s *RecoveryStore) markTree(secret, key, path string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = s.markTree(secret, key, path+"."+k, x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = s.markTree(secret, key, fmt.Sprintf("%s[%d]", path, i), x)
		}
		return out
	case string:
		m := fmt.Sprintf("rockoonrecover%06dx", len(s.markers))
		s.markers[m] = markerRef{secret: secret, key: key, path: path}
		return m
	}
	return v
}

func normalize(v any) any {
	if _, ok := v.(string); ok {
		return v
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	var g any
	if err := json.Unmarshal(b, &g); err != nil {
		return ""
	}
	return g
}

func encodeValue(v any) ([]byte, error) {
	if s, ok := v.(string); ok {
		return []byte(s), nil
	}
	return json.Marshal(v)
}

var markerRE = regexp.MustCompile(`rockoonrecover[0-9]{6}x`)

// Recovered matches the markers in rendered (a release's values rendered
// with this store) against deployed (the values the deployed revision of
// the same release was given) and records the values found. Call it for
// every release, then Data.
func (s *RecoveryStore) Recovered(rendered, deployed any, found map[string]string) {
	switch r := rendered.(type) {
	case map[string]any:
		d, ok := deployed.(map[string]any)
		if !ok {
			return
		}
		for k, v := range r {
			if dv, ok := d[k]; ok {
				s.Recovered(v, dv, found)
			}
		}
	case []any:
		d, ok := deployed.([]any)
		if !ok || len(d) != len(r) {
			return
		}
		for i := range r {
			s.Recovered(r[i], d[i], found)
		}
	case string:
		d, ok := deployed.(string)
		if !ok || !markerRE.MatchString(r) {
			return
		}
		locs := markerRE.FindAllStringIndex(r, -1)
		var pattern strings.Builder
		pattern.WriteString("^")
		last := 0
		for _, l := range locs {
			pattern.WriteString(regexp.QuoteMeta(r[last:l[0]]))
			pattern.WriteString("(.*?)")
			last = l[1]
		}
		pattern.WriteString(regexp.QuoteMeta(r[last:]))
		pattern.WriteString("$")
		re, err := regexp.Compile(pattern.String())
		if err != nil {
			return
		}
		m := re.FindStringSubmatch(d)
		if m == nil {
			return
		}
		for i, l := range locs {
			marker := r[l[0]:l[1]]
			if prev, ok := found[marker]; ok && prev != m[i+1] {
				// Two releases disagree: trust neither.
				found[marker] = "\x00conflict"
				continue
			}
			found[marker] = m[i+1]
		}
	}
}

// Data returns the recovered data of a missing Secret: the keys whose
// every marker was found (a JSON-object key with its found members only).
// Keys with nothing found are left out: no deployed release uses them.
func (s *RecoveryStore) Data(name string, found map[string]string) (map[string][]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.missing[name]
	if m == nil {
		return nil, nil
	}
	out := map[string][]byte{}
	keys := make([]string, 0, len(m.templates))
	for k := range m.templates {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, n := fill(m.templates[k], found)
		if n == 0 {
			continue
		}
		if s, ok := v.(string); ok && markerRE.MatchString(s) {
			continue
		}
		b, err := encodeValue(v)
		if err != nil {
			return nil, err
		}
		out[k] = b
	}
	return out, nil
}

// fill replaces found markers; members whose marker was not found are
// dropped (to be generated). It returns how many markers it replaced.
func fill(v any, found map[string]string) (any, int) {
	switch t := v.(type) {
	case map[string]any:
		out := map[string]any{}
		n := 0
		for k, x := range t {
			y, c := fill(x, found)
			if s, ok := y.(string); ok && markerRE.MatchString(s) {
				continue
			}
			if mm, ok := y.(map[string]any); ok && len(mm) == 0 && c == 0 {
				continue
			}
			out[k] = y
			n += c
		}
		return out, n
	case []any:
		out := make([]any, len(t))
		n := 0
		for i, x := range t {
			y, c := fill(x, found)
			out[i] = y
			n += c
		}
		return out, n
	case string:
		if val, ok := found[t]; ok && val != "\x00conflict" {
			return val, 1
		}
	}
	return v, 0
}
