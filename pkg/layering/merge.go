package layering

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
)

// TypeConflictError is the permanent error of merging two values whose
// types can not be merged (a string over a map, a list over a string, a
// value over a non-null value of another kind). Path names the key path.
type TypeConflictError struct {
	Path       []string
	Base, Next string
}

func (e *TypeConflictError) Error() string {
	return fmt.Sprintf("can not merge %s over %s at %s", e.Next, e.Base, PathString(e.Path))
}

// PathString joins a key path as a.b.c (list indexes as [i]).
func PathString(path []string) string {
	if len(path) == 0 {
		return "<root>"
	}
	var b strings.Builder
	for i, p := range path {
		if strings.HasPrefix(p, "[") || i == 0 {
			b.WriteString(p)
			continue
		}
		b.WriteString(".")
		b.WriteString(p)
	}
	return b.String()
}

// Merge merges next into base and returns the result, following the
// original's rules:
//
//   - map over map: recursive per key; keys only in next are added;
//   - list over list: union-append: base's items first, then each item of
//     next not already present (deep equality); a string item "~x" removes
//     the first item equal to "x" instead (ignored when absent);
//   - scalars of the same kind: next wins (bool and int count as one kind, as
//     Python's bool is an int; int and float override each other too);
//   - base null: next wins;
//   - anything else is a *TypeConflictError naming the path.
//
// Merge does not modify its arguments; the result shares no mutable parts
// with next.
func Merge(base, next any) (any, error) {
	return merge(DeepCopy(base), next, nil)
}

// MergeAll merges the layers in order over an empty map.
func MergeAll(layers ...any) (any, error) {
	var out any = map[string]any{}
	for _, l := range layers {
		var err error
		if out, err = merge(out, l, nil); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func merge(base, next any, path []string) (any, error) {
	if base == nil {
		return DeepCopy(next), nil
	}
	switch b := base.(type) {
	case map[string]any:
		n, ok := next.(map[string]any)
		if !ok {
			return nil, conflict(path, base, next)
		}
		for k, nv := range n {
			bv, exists := b[k]
			if !exists {
				b[k] = DeepCopy(nv)
				continue
			}
			merged, err := merge(bv, nv, append(path[:len(path):len(path)], k))
			if err != nil {
				return nil, err
			}
			b[k] = merged
		}
		return b, nil
	case []any:
		n, ok := next.([]any)
		if !ok {
			return nil, conflict(path, base, next)
		}
		return unionAppend(b, n), nil
	}
	if kindOf(base) == kindOf(next) || isNumber(base) && isNumber(next) && !isBoolFloat(base, next) {
		return DeepCopy(next), nil
	}
	return nil, conflict(path, base, next)
}

func unionAppend(base, next []any) []any {
	out := base
	for _, item := range next {
		if s, ok := item.(string); ok && strings.HasPrefix(s, "~") {
			target := s[1:]
			for i, e := range out {
				if es, ok := e.(string); ok && es == target {
					out = append(out[:i:i], out[i+1:]...)
					break
				}
			}
			continue
		}
		present := false
		for _, e := range out {
			if Equal(e, item) {
				present = true
				break
			}
		}
		if !present {
			out = append(out, DeepCopy(item))
		}
	}
	if out == nil {
		out = []any{}
	}
	return out
}

// kind classes for merging: bool and int are one class (Python).
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "map"
	case []any:
		return "list"
	case string:
		return "string"
	case bool, int64, int:
		return "int"
	case float64:
		return "float"
	}
	return fmt.Sprintf("%T", v)
}

func isNumber(v any) bool {
	switch v.(type) {
	case bool, int64, int, float64:
		return true
	}
	return false
}

func isBoolFloat(a, b any) bool {
	_, ab := a.(bool)
	_, bb := b.(bool)
	_, af := a.(float64)
	_, bf := b.(float64)
	return ab && bf || bb && af
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "a map"
	case []any:
		return "a list"
	case string:
		return "a string"
	case bool:
		return "a bool"
	case int64, int:
		return "an integer"
	case float64:
		return "a float"
	}
	return fmt.Sprintf("%T", v)
}

func conflict(path []string, base, next any) error {
	return &TypeConflictError{Path: append([]string(nil), path...), Base: typeName(base), Next: typeName(next)}
}

// Equal is deep equality of two values, with int64 and float64 of the same
// value equal (as in Python).
func Equal(a, b any) bool {
	switch av := a.(type) {
	case int64:
		switch bv := b.(type) {
		case float64:
			return float64(av) == bv
		case int64:
			return av == bv
		}
		return false
	case float64:
		switch bv := b.(type) {
		case int64:
			return av == float64(bv)
		case float64:
			return av == bv
		}
		return false
	case map[string]any:
		bv, ok := b.(map[string]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for k, x := range av {
			y, ok := bv[k]
			if !ok || !Equal(x, y) {
				return false
			}
		}
		return true
	case []any:
		bv, ok := b.([]any)
		if !ok || len(av) != len(bv) {
			return false
		}
		for i := range av {
			if !Equal(av[i], bv[i]) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a, b)
}

// DeepCopy copies a value tree.
func DeepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			out[k] = DeepCopy(x)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = DeepCopy(x)
		}
		return out
	}
	return v
}

// Normalize converts decoded JSON/YAML into the value types of this
// package: json.Number and Go integer types become int64 (or float64 when
// not integral), float32 becomes float64, map[any]any becomes
// map[string]any.
func Normalize(v any) (any, error) {
	switch t := v.(type) {
	case nil, string, bool, int64, float64:
		return t, nil
	case int:
		return int64(t), nil
	case int32:
		return int64(t), nil
	case uint64:
		return int64(t), nil
	case float32:
		return float64(t), nil
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		return t.Float64()
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, x := range t {
			n, err := Normalize(x)
			if err != nil {
				return nil, err
			}
			out[k] = n
		}
		return out, nil
	case []any:
		out := make([]any, len(t))
		for i, x := range t {
			n, err := Normalize(x)
			if err != nil {
				return nil, err
			}
			out[i] = n
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported value type %T", v)
}

// FromJSON decodes JSON into normalized values (integers stay integers).
func FromJSON(data []byte) (any, error) {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return Normalize(v)
}

// ObjectValues encodes a typed object (e.g. an OpenStackDeployment's
// spec) as normalized values: the map the layering and templates work on.
func ObjectValues(obj any) (map[string]any, error) {
	raw, err := json.Marshal(obj)
	if err != nil {
		return nil, fmt.Errorf("encoding %T: %w", obj, err)
	}
	v, err := FromJSON(raw)
	if err != nil {
		return nil, err
	}
	m, _ := v.(map[string]any)
	return m, nil
}
