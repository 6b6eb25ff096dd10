package credentials

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"math/big"
)

// alphabet is [a-zA-Z0-9] without "o" and "O", as the original's passwords.
const alphabet = "abcdefghijklmnpqrstuvwxyzABCDEFGHIJKLMNPQRSTUVWXYZ0123456789"

// lowerAlphabet is [a-z0-9] without "o", as the original's random object
// name suffixes.
const lowerAlphabet = "abcdefghijklmnpqrstuvwxyz0123456789"

// Password returns n characters drawn uniformly from the alphabet with a
// cryptographic random source.
func Password(n int) string { return draw(alphabet, n) }

// NameSuffix returns n characters of [a-z0-9] without "o" (valid in object
// names), as the original's suffixes of the Jobs it starts.
func NameSuffix(n int) string { return draw(lowerAlphabet, n) }

func draw(from string, n int) string {
	max := big.NewInt(int64(len(from)))
	b := make([]byte, n)
	for i := range b {
		k, err := rand.Int(rand.Reader, max)
		if err != nil {
			panic(fmt.Sprintf("crypto/rand: %v", err)) // the kernel's RNG does not fail
		}
		b[i] = from[k.Int64()]
	}
	return string(b)
}

// Name returns prefix followed by random characters, n long in all (the
// prefix alone, truncated, when it is n or longer).
func Name(prefix string, n int) string {
	if len(prefix) >= n {
		return prefix[:n]
	}
	return prefix + Password(n-len(prefix))
}

// UserPass is a username and a password.
type UserPass struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

// NewUserPass returns {username: Name(prefix, 16), password: Password(32)}.
func NewUserPass(prefix string) UserPass {
	return UserPass{Username: Name(prefix, 16), Password: Password(32)}
}

// KEK returns a key-encryption key: the base64 of a 32-character password
// (barbican's simple_crypto kek).
func KEK() string {
	return base64.StdEncoding.EncodeToString([]byte(Password(32)))
}
