package redact

import (
	"encoding/base64"
	"encoding/json"
	"regexp"
	"sort"
	"strings"
)

// Mask replaces every redacted value or part of a value.
const Mask = "<redacted>"

// MinEmbedded is the length from which a known secret is also masked where
// it is embedded in a longer string; a shorter one is masked only where it
// is a whole value (masking every "abc" of the output would hide much and
// protect little).
const MinEmbedded = 6

// Redactor masks known secrets and secret-looking values. Its methods are
// safe for concurrent use; a nil *Redactor redacts nothing (and returns its
// input, not a copy).
type Redactor struct {
	// exact holds every known secret (and its trimmed and base64 forms).
	exact map[string]bool
	// embedded are the known secrets of at least MinEmbedded bytes, longest
	// first, then in byte order.
	embedded []string
	replacer *strings.Replacer
}

// New returns a Redactor that knows the given secret strings. Each is also
// known trimmed of surrounding white space and, from 8 bytes on, in its
// standard base64 form. Empty strings are ignored.
func New(knownSecrets []string) *Redactor {
	r := &Redactor{exact: map[string]bool{}}
	r.add(knownSecrets)
	r.build()
	return r
}

// With returns a Redactor that knows the secrets of r and more.
func (r *Redactor) With(more ...string) *Redactor {
	n := &Redactor{exact: map[string]bool{}}
	if r != nil {
		for s := range r.exact {
			n.exact[s] = true
		}
	}
	n.add(more)
	n.build()
	return n
}

func (r *Redactor) add(secrets []string) {
	for _, s := range secrets {
		for _, f := range []string{s, strings.TrimSpace(s)} {
			if f == "" || f == Mask {
				continue
			}
			r.exact[f] = true
			if len(f) >= 8 {
				r.exact[base64.StdEncoding.EncodeToString([]byte(f))] = true
			}
		}
	}
}

func (r *Redactor) build() {
	r.embedded = r.embedded[:0]
	for s := range r.exact {
		if len(s) >= MinEmbedded {
			r.embedded = append(r.embedded, s)
		}
	}
	sort.Slice(r.embedded, func(i, j int) bool {
		a, b := r.embedded[i], r.embedded[j]
		if len(a) != len(b) {
			return len(a) > len(b)
		}
		return a < b
	})
	pairs := make([]string, 0, 2*len(r.embedded))
	for _, s := range r.embedded {
		pairs = append(pairs, s, Mask)
	}
	// At one position the first matching argument wins: the longest.
	r.replacer = strings.NewReplacer(pairs...)
}

// Values returns a redacted deep copy of a values tree.
func (r *Redactor) Values(m map[string]any) map[string]any {
	if r == nil || m == nil {
		return m
	}
	return r.walk("", m).(map[string]any)
}

// Value returns a redacted deep copy of v: maps (map[string]any,
// map[string]string), lists ([]any, []string), strings and scalars, as
// decoded from JSON or YAML. Other types are returned as they are.
func (r *Redactor) Value(v any) any {
	return r.ValueAt("", v)
}

// ValueAt is Value for a value that sits under the map key key: a scalar is
// masked whole when the key is secret-looking (see SecretKey), and so are
// the elements of a list under such a key.
func (r *Redactor) ValueAt(key string, v any) any {
	if r == nil {
		return v
	}
	return r.walk(key, v)
}

func (r *Redactor) walk(key string, v any) any {
	switch t := v.(type) {
	case map[string]any:
		if t == nil {
			return t
		}
		// A {name: OS_PASSWORD, value: ...} pair (an environment variable).
		named, _ := t["name"].(string)
		out := make(map[string]any, len(t))
		for k, x := range t {
			ck := k
			if indexKey(k) {
				ck = key
			} else if k == "value" && SecretKey(named) {
				ck = named
			}
			out[k] = r.walk(ck, x)
		}
		return out
	case map[string]string:
		if t == nil {
			return t
		}
		out := make(map[string]string, len(t))
		for k, x := range t {
			ck := k
			if indexKey(k) {
				ck = key
			}
			out[k] = r.leaf(ck, x)
		}
		return out
	case []any:
		if t == nil {
			return t
		}
		out := make([]any, len(t))
		for i, x := range t {
			out[i] = r.walk(key, x)
		}
		return out
	case []string:
		if t == nil {
			return t
		}
		out := make([]string, len(t))
		for i, x := range t {
			out[i] = r.leaf(key, x)
		}
		return out
	case string:
		return r.leaf(key, t)
	case float64, float32, int, int64, int32, uint, uint64, uint32, json.Number:
		if SecretKey(key) {
			return Mask
		}
		return v
	}
	return v
}

// leaf redacts a string under key.
func (r *Redactor) leaf(key, s string) string {
	if s == "" {
		return s
	}
	if r.exact[s] || r.exact[strings.TrimSpace(s)] {
		return Mask
	}
	if secretLeaf(key, s) && !strings.Contains(s, "{{") {
		return Mask
	}
	return r.String(s)
}

// String masks, in s, every embedded known secret (of at least MinEmbedded
// bytes), the password of URLs, the body of PEM private keys, and the
// values of secret-looking "key = value", "key: value" and "--key=value"
// settings. A string that is a known secret as a whole becomes Mask.
func (r *Redactor) String(s string) string {
	if r == nil || s == "" {
		return s
	}
	if r.exact[s] || r.exact[strings.TrimSpace(s)] {
		return Mask
	}
	if len(r.embedded) > 0 {
		s = r.replacer.Replace(s)
	}
	s = maskPEM(s)
	s = maskURLPasswords(s)
	s = maskFlags(s)
	s = maskSettings(s)
	return s
}

// urlPassword matches scheme://user:PASSWORD@ (the user may be empty; the
// password runs to the last @ of the authority).
var urlPassword = regexp.MustCompile(`([A-Za-z][A-Za-z0-9+.\-]*://[^\s:/?#@'"]*:)([^\s/?#'"]+)@`)

func maskURLPasswords(s string) string {
	if !strings.Contains(s, "://") {
		return s
	}
	return urlPassword.ReplaceAllStringFunc(s, func(m string) string {
		sub := urlPassword.FindStringSubmatch(m)
		if sub[2] == Mask {
			return m
		}
		return sub[1] + Mask + "@"
	})
}

// maskPEM keeps the armor of PEM private keys and masks their body; an
// unterminated one is masked to the end.
func maskPEM(s string) string {
	const begin = "-----BEGIN "
	if !strings.Contains(s, begin) {
		return s
	}
	var b strings.Builder
	for {
		i := strings.Index(s, begin)
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		rest := s[i+len(begin):]
		j := strings.Index(rest, "-----")
		if j < 0 || strings.ContainsAny(rest[:j], "\n") {
			b.WriteString(s[:i+len(begin)])
			s = rest
			continue
		}
		label := rest[:j]
		head := i + len(begin) + j + len("-----")
		b.WriteString(s[:head])
		s = s[head:]
		if !strings.HasSuffix(label, "PRIVATE KEY") && !strings.HasSuffix(label, "PRIVATE KEY BLOCK") {
			continue
		}
		footer := "-----END " + label + "-----"
		k := strings.Index(s, footer)
		if k < 0 {
			b.WriteString("\n" + Mask + "\n")
			return b.String()
		}
		b.WriteString("\n" + Mask + "\n" + footer)
		s = s[k+len(footer):]
	}
}

// setting matches a "key = value" or "key: value" line (optionally quoted
// key, optional export).
var setting = regexp.MustCompile(`(?m)^([ \t]*(?:export[ \t]+)?["']?)([A-Za-z_][A-Za-z0-9_.\-]*)(["']?[ \t]*[=:][ \t]*)([^\r\n]*?)([ \t]*,?[ \t]*\r?)$`)

func maskSettings(s string) string {
	if !strings.ContainsAny(s, "=:") {
		return s
	}
	idx := setting.FindAllStringSubmatchIndex(s, -1)
	if idx == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, m := range idx {
		key := s[m[4]:m[5]]
		val := s[m[8]:m[9]]
		if !maskableSetting(key, val) {
			continue
		}
		b.WriteString(s[last:m[8]])
		b.WriteString(maskQuoted(val))
		last = m[9]
	}
	b.WriteString(s[last:])
	return b.String()
}

func maskableSetting(key, val string) bool {
	if val == "" || val == Mask || strings.Contains(val, "{{") {
		return false
	}
	switch val[0] {
	case '|', '>', '{', '[', '&', '*':
		// YAML block scalars, flow collections, anchors: not a value here.
		return false
	}
	if strings.Trim(val, `"'`) == "" || strings.Trim(val, `"'`) == Mask {
		return false
	}
	return secretLeaf(key, strings.Trim(val, `"'`))
}

// maskQuoted masks a value, keeping its quotes.
func maskQuoted(v string) string {
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return string(v[0]) + Mask + string(v[0])
	}
	return Mask
}

// flag matches --name=value on a command line.
var flag = regexp.MustCompile(`(^|[\s"'])(--?[A-Za-z][A-Za-z0-9_\-]*=)([^\s'"]+)`)

func maskFlags(s string) string {
	if !strings.Contains(s, "-") || !strings.Contains(s, "=") {
		return s
	}
	idx := flag.FindAllStringSubmatchIndex(s, -1)
	var b strings.Builder
	last := 0
	for _, m := range idx {
		name := strings.TrimRight(strings.TrimLeft(s[m[4]:m[5]], "-"), "=")
		val := s[m[6]:m[7]]
		if val == Mask || strings.Contains(val, "{{") || !secretLeaf(name, val) {
			continue
		}
		b.WriteString(s[last:m[6]])
		b.WriteString(Mask)
		last = m[7]
	}
	b.WriteString(s[last:])
	return b.String()
}

// SecretData returns the strings of a Secret's data worth masking: each
// value that is not public (a PEM certificate, an OpenSSH public key) and,
// for values that are JSON objects or lists (the generated credentials:
// {"username": ..., "password": ...}), each string member except user
// names (members username, user, user_name, name, login).
func SecretData(data map[string][]byte) []string {
	keys := make([]string, 0, len(data))
	for k := range data {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var out []string
	for _, k := range keys {
		raw := data[k]
		var v any
		if err := json.Unmarshal(raw, &v); err == nil {
			switch v.(type) {
			case map[string]any, []any:
				out = appendStrings(out, k, v)
				continue
			}
		}
		if s := string(raw); !publicMaterial(s) {
			out = append(out, s)
		}
	}
	return out
}

// Strings returns the string leaves of a decoded JSON value that SecretData
// would keep: every one but user names and public material.
func Strings(v any) []string { return appendStrings(nil, "", v) }

func appendStrings(out []string, key string, v any) []string {
	switch t := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = appendStrings(out, k, t[k])
		}
	case []any:
		for _, x := range t {
			out = appendStrings(out, key, x)
		}
	case string:
		if !usernameKeys[strings.ToLower(key)] && !publicMaterial(t) {
			out = append(out, t)
		}
	}
	return out
}

// Previous returns the former secrets that an old values tree holds where
// the new one (same paths) holds a secret: the old value of a leaf whose new
// value is a known secret or sits under a secret-looking key, and, in a
// changed string that embeds a known secret, the old text where the new one
// has the secret. Add them to a Redactor (With) to mask a changed secret on
// both sides of a diff, also where the old tree repeats it elsewhere.
func (r *Redactor) Previous(old, new any) []string {
	if r == nil {
		return nil
	}
	var out []string
	var walk func(key string, a, b any)
	walk = func(key string, a, b any) {
		switch bt := b.(type) {
		case map[string]any:
			am, ok := a.(map[string]any)
			if !ok {
				return
			}
			keys := make([]string, 0, len(bt))
			for k := range bt {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				av, ok := am[k]
				if !ok {
					continue
				}
				ck := k
				if indexKey(k) {
					ck = key
				}
				walk(ck, av, bt[k])
			}
		case []any:
			al, ok := a.([]any)
			if !ok {
				return
			}
			for i := 0; i < len(al) && i < len(bt); i++ {
				walk(key, al[i], bt[i])
			}
		case string:
			as, ok := a.(string)
			if !ok || as == bt || as == "" {
				return
			}
			if r.exact[bt] || r.exact[strings.TrimSpace(bt)] || secretLeaf(key, bt) {
				out = append(out, as)
				return
			}
			if s := r.changedSecret(as, bt); s != "" {
				out = append(out, s)
			}
		}
	}
	walk("", old, new)
	return out
}

// changedSecret returns the part of a that b replaced with text overlapping
// a known secret, widened to the whole secret; "" when the change touches
// no known secret.
func (r *Redactor) changedSecret(a, b string) string {
	p := 0
	for p < len(a) && p < len(b) && a[p] == b[p] {
		p++
	}
	q := 0
	for q < len(a)-p && q < len(b)-p && a[len(a)-1-q] == b[len(b)-1-q] {
		q++
	}
	start, end := p, len(b)-q // the changed range of b
	touched := false
	for _, s := range r.embedded {
		for off := 0; ; {
			i := strings.Index(b[off:], s)
			if i < 0 {
				break
			}
			i += off
			j := i + len(s)
			if (i < end && j > p) || (p == end && i < p && j > p) {
				touched = true
				start, end = min(start, i), max(end, j)
			}
			off = i + 1
		}
	}
	if !touched {
		return ""
	}
	oldEnd := len(a) - (len(b) - end)
	if oldEnd <= start {
		return ""
	}
	return a[start:oldEnd]
}
