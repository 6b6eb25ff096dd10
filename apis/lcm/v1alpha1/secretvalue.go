package v1alpha1

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// UnmarshalJSON accepts a string or {value_from: {secret_key_ref: {...}}}.
func (in *SecretValue) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) > 0 && data[0] == '"' {
		*in = SecretValue{}
		return json.Unmarshal(data, &in.Value)
	}
	type plain SecretValue
	var p plain
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("a secret value is a string or {value_from: {secret_key_ref: {name, key}}}: %w", err)
	}
	*in = SecretValue(p)
	return nil
}

// MarshalJSON writes a string when the value is inline, the reference
// otherwise.
func (in SecretValue) MarshalJSON() ([]byte, error) {
	if in.ValueFrom == nil {
		return json.Marshal(in.Value)
	}
	type plain SecretValue
	return json.Marshal(plain(in))
}

// SecretRef returns the referenced Secret key, or nil for an inline value.
func (in *SecretValue) SecretRef() *SecretKeyRef {
	if in == nil || in.ValueFrom == nil {
		return nil
	}
	return in.ValueFrom.SecretKeyRef
}
