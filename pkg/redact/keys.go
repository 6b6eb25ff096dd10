package redact

import (
	"regexp"
	"strings"
	"unicode"
)

// secretWords are words that make a key secret-looking when they are its
// last word (admin_password, OIDCCryptoPassphrase, metadata_proxy_shared_secret).
var secretWords = map[string]bool{
	"password": true, "passwords": true, "passwd": true, "pwd": true, "pass": true,
	"passphrase": true, "secret": true, "token": true, "kek": true, "keyring": true,
	"privkey": true, "psk": true, "apikey": true, "secretkey": true, "privatekey": true,
}

// keyQualifiers are the words that, before key or keys, make a key
// secret-looking (private_key, secret_key, api_key, access_key, client_key,
// fernet_keys, credential_keys, memcache_secret_key).
var keyQualifiers = map[string]bool{
	"password": true, "passwd": true, "pass": true, "passphrase": true, "secret": true, "token": true,
	"private": true, "priv": true, "api": true, "access": true, "auth": true, "encryption": true,
	"crypto": true, "signing": true, "ssh": true, "fernet": true, "credential": true, "credentials": true,
	"master": true, "shared": true, "session": true, "cookie": true, "hmac": true, "kek": true,
	"ca": true, "server": true, "client": true, "tls": true, "ssl": true, "rsa": true, "ecdsa": true,
	"ed25519": true, "dsa": true, "cephx": true,
}

// dataWords are last words that, after a secret word, make a key
// secret-looking (password_hash, secret_value, token_data).
var dataWords = map[string]bool{"value": true, "data": true, "b64": true, "base64": true, "hash": true, "string": true}

// secretSuffixes make a key of one word (no separators) secret-looking:
// adminpassword, dbpasswd, clientsecret.
var secretSuffixes = []string{"password", "passwd", "passphrase", "secret"}

// ambiguousWords are keys that are secret only when their value looks like
// key material (a toleration's key is not, a cephx key is).
var ambiguousWords = map[string]bool{"key": true, "keys": true}

// words splits a key into lower-case words at non-alphanumerics and at
// camelCase boundaries (OIDCCryptoPassphrase: oidc crypto passphrase).
func words(key string) []string {
	var out []string
	var cur []rune
	flush := func() {
		if len(cur) > 0 {
			out = append(out, strings.ToLower(string(cur)))
			cur = cur[:0]
		}
	}
	rs := []rune(key)
	for i, r := range rs {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			flush()
			continue
		}
		if unicode.IsUpper(r) && len(cur) > 0 {
			prev := rs[i-1]
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				flush()
			}
		}
		cur = append(cur, r)
	}
	flush()
	return out
}

// SecretKey tells whether a map key (or a configuration option name) looks
// like it holds a secret: its last word is a secret word (password, passwd,
// pwd, pass, passphrase, secret, token, kek, keyring, psk), or it ends in
// key/keys/value/data/hash after a qualifier (private_key, secret_key,
// api_key, access_key, client_key, fernet_keys, credential_keys,
// memcache_secret_key), or it is one word ending in password, passwd,
// passphrase or secret. Keys that name a secret rather than hold it
// (secret_name, password_file, secret_key_ref) are not secret-looking, nor
// is "key" alone (see the value test of Redactor), nor a key with a colon
// (policy rule names such as identity:revoke_token).
func SecretKey(key string) bool {
	if strings.Contains(key, ":") {
		// A policy rule name (identity:revoke_token), never a secret.
		return false
	}
	w := words(key)
	if len(w) == 0 {
		return false
	}
	last := w[len(w)-1]
	if secretWords[last] {
		return true
	}
	if len(w) > 1 {
		prev := w[len(w)-2]
		if (last == "key" || last == "keys") && keyQualifiers[prev] {
			return true
		}
		if dataWords[last] && (secretWords[prev] || prev == "private") {
			return true
		}
	}
	if len(w) == 1 {
		for _, s := range secretSuffixes {
			if strings.HasSuffix(last, s) && last != s {
				return true
			}
		}
	}
	return false
}

// ambiguousKey: "key" or "keys" alone.
func ambiguousKey(key string) bool {
	w := words(key)
	return len(w) == 1 && ambiguousWords[w[0]]
}

var base64Like = regexp.MustCompile(`^[A-Za-z0-9+/]{20,}={0,2}$`)

// keyMaterial tells whether a value looks like a key: a PEM private key or a
// long base64 string.
func keyMaterial(v string) bool {
	v = strings.TrimSpace(v)
	return strings.Contains(v, "PRIVATE KEY") || base64Like.MatchString(v)
}

// secretLeaf tells whether a scalar under key is to be masked whole.
func secretLeaf(key, v string) bool {
	if SecretKey(key) {
		return true
	}
	return ambiguousKey(key) && keyMaterial(v)
}

// indexKey: a map key made of digits only (fernet keys "0", "1"), which is
// judged by the key above it.
func indexKey(k string) bool {
	if k == "" {
		return false
	}
	for _, r := range k {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// usernameKeys are members of a credential Secret's JSON that are not
// secret.
var usernameKeys = map[string]bool{"username": true, "user": true, "user_name": true, "name": true, "login": true}

var sshPublicKey = regexp.MustCompile(`^(ssh-(rsa|dss|ed25519)|ecdsa-sha2-[a-z0-9-]+|sk-[a-z0-9@.-]+) [A-Za-z0-9+/=]+( [^\n]*)?$`)

// publicMaterial tells whether a Secret's value is public: PEM
// certificates only (no private key), or an OpenSSH public key.
func publicMaterial(v string) bool {
	t := strings.TrimSpace(v)
	if strings.HasPrefix(t, "-----BEGIN CERTIFICATE-----") && !strings.Contains(t, "PRIVATE KEY") {
		return true
	}
	return !strings.Contains(t, "\n") && sshPublicKey.MatchString(t)
}
