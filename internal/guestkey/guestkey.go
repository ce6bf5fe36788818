// Package guestkey names guests without their e-mail wherever doorsync's
// names leave Postgres: in Temporal workflow ids, search attributes,
// workflow and activity inputs and outputs, and logs. A guest's store key
// is "guest:<normalized e-mail>"; their workflow key is "guest:" and 32 hex
// digits of an HMAC-SHA256 of the e-mail under a deployment key, stable
// for as long as the key is. Members keep "member:<id>" everywhere.
//
// The store keeps the way back (store.RememberGuestKeys), written by
// whoever first hands a guest's workflow key to Temporal, so activities
// can find the e-mail they need.
package guestkey

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// KeySize is the length of a deployment key in bytes.
const KeySize = 32

// guestPrefix begins every guest key, stored or hashed.
const guestPrefix = "guest:"

// hashLen is how many hex digits of the HMAC a workflow key keeps
// (128 bits).
const hashLen = 32

// Keyer turns store person keys into workflow person keys.
type Keyer struct{ key []byte }

// New returns a Keyer hashing under key.
func New(key []byte) *Keyer { return &Keyer{key: append([]byte(nil), key...)} }

// Derive is the deployment key doorsync uses when none is configured: an
// HMAC-SHA256 of a fixed label under the secret key (so the secret key
// itself never hashes e-mails).
func Derive(secretKey []byte) []byte {
	m := hmac.New(sha256.New, secretKey)
	m.Write([]byte("doorsync guest key v1"))
	return m.Sum(nil)
}

// WorkflowKey is the person's name in Temporal: a guest's store key
// ("guest:joe@example.com") becomes "guest:<hash>"; a member's key, or a
// key that is already a workflow key, is returned as it is.
func (k *Keyer) WorkflowKey(personKey string) string {
	email, ok := strings.CutPrefix(personKey, guestPrefix)
	if !ok || !strings.Contains(email, "@") {
		return personKey
	}
	m := hmac.New(sha256.New, k.key)
	m.Write([]byte(email))
	return guestPrefix + hex.EncodeToString(m.Sum(nil))[:hashLen]
}

// IsHashedGuest reports whether key is a guest's workflow key, which the
// store must turn back into their store key. E-mails always contain "@";
// hashes never do.
func IsHashedGuest(key string) bool {
	rest, ok := strings.CutPrefix(key, guestPrefix)
	return ok && !strings.Contains(rest, "@")
}

// IsStoredGuest reports whether key is a guest's store key, which holds
// their e-mail.
func IsStoredGuest(key string) bool {
	rest, ok := strings.CutPrefix(key, guestPrefix)
	return ok && strings.Contains(rest, "@")
}
