package service

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
)

// RandomToken returns n random bytes from crypto/rand, URL-safe base64:
// invite links, API tokens, generated passwords.
func RandomToken(n int) string {
	return base64.RawURLEncoding.EncodeToString(randomBytes(n))
}

// randomBytes returns n random bytes from crypto/rand.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(fmt.Errorf("crypto/rand: %w", err)) // the OS is broken; nothing sensible to do
	}
	return b
}
