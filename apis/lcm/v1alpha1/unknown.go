package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
)

// UnknownFields keeps the JSON members of an object that its Go type does not
// declare, verbatim, so that they survive a decode/encode round trip; it also
// keeps declared members given as an explicit null (vlan_ranges: null), which
// the typed field can not tell from an absent one. Types
// with a field of this type get MarshalJSON/UnmarshalJSON methods generated
// into zz_generated.unknown.go (hack/gen-unknown) that call the functions
// below.
type UnknownFields map[string]json.RawMessage

// DeepCopyInto copies the receiver into out.
func (in UnknownFields) DeepCopyInto(out *UnknownFields) {
	if in == nil {
		*out = nil
		return
	}
	o := make(UnknownFields, len(in))
	for k, v := range in {
		o[k] = bytes.Clone(v)
	}
	*out = o
}

// DeepCopy returns a deep copy of the receiver.
func (in UnknownFields) DeepCopy() UnknownFields {
	var out UnknownFields
	in.DeepCopyInto(&out)
	return out
}

// Get decodes the unknown member name into v and reports whether it exists.
func (in UnknownFields) Get(name string, v any) (bool, error) {
	raw, ok := in[name]
	if !ok {
		return false, nil
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return true, fmt.Errorf("decoding %q: %w", name, err)
	}
	return true, nil
}

var knownNamesCache sync.Map // reflect.Type -> map[string]struct{}

// knownNames returns the JSON member names declared by struct type t.
func knownNames(t reflect.Type) map[string]struct{} {
	if v, ok := knownNamesCache.Load(t); ok {
		return v.(map[string]struct{})
	}
	names := map[string]struct{}{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		switch {
		case name == "-":
			continue
		case name == "" && f.Anonymous:
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			for n := range knownNames(ft) {
				names[n] = struct{}{}
			}
			continue
		case name == "":
			name = f.Name
		}
		names[name] = struct{}{}
	}
	knownNamesCache.Store(t, names)
	return names
}

// unmarshalKeepingUnknown decodes data into plain (a pointer to a struct type
// without JSON methods) and stores the members plain does not declare in
// unknown.
func unmarshalKeepingUnknown(data []byte, plain any, unknown *UnknownFields) error {
	if err := json.Unmarshal(data, plain); err != nil {
		return err
	}
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		return nil
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return err
	}
	known := knownNames(reflect.TypeOf(plain).Elem())
	*unknown = nil
	for k, v := range all {
		if _, ok := known[k]; ok && !bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
			continue
		}
		if *unknown == nil {
			*unknown = UnknownFields{}
		}
		(*unknown)[k] = v
	}
	return nil
}

// marshalKeepingUnknown encodes plain (a struct value without JSON methods)
// and adds the members of unknown that plain does not set itself.
func marshalKeepingUnknown(plain any, unknown UnknownFields) ([]byte, error) {
	data, err := json.Marshal(plain)
	if err != nil || len(unknown) == 0 {
		return data, err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		return nil, err
	}
	for k, v := range unknown {
		if _, set := all[k]; !set {
			all[k] = v
		}
	}
	return json.Marshal(all)
}
