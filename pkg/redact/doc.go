// Package redact masks secrets in rendered Helm values and in text, for
// output meant for people (osdpl render, osdpl diff).
//
// A Redactor knows a set of secret strings (the values of the credential
// Secrets a render read or generated, the value_from Secrets, the Ceph keys)
// and masks, recursively through maps and lists:
//
//   - every string that is, or embeds, a known secret (also its standard
//     base64 form): the secret is replaced by Mask in place, the rest of the
//     string is kept (a URL, a configuration file);
//   - every scalar under a secret-looking key (password, passwd,
//     passphrase, secret, token, kek, keyring, private_key, secret_key,
//     access_key, fernet_keys, credential_keys, ...; see SecretKey); a map
//     under such a key is walked, its own keys judged in turn; the elements
//     of a list, and the members of a map whose keys are numbers, are judged
//     by the key above them;
//   - inside any string: the password of a URL (scheme://user:PASSWORD@host
//     keeps everything but PASSWORD), the body of PEM private key blocks, and
//     the value of "key = value" / "key: value" lines whose key is
//     secret-looking (configuration files embedded in values).
//
// Redaction is deterministic, returns deep copies (the input is never
// modified) and keeps the structure: maps keep their keys, lists their
// length, and an empty string stays empty, so that two redacted trees can
// still be told apart leaf by leaf. Values are compared before they are
// redacted (Previous helps to mask the former value of a changed secret).
package redact
