// Package secrets seals values doorsync keeps at rest (Salto KS client
// secrets, passwords and tokens) with AES-256-GCM. Each sealed value names
// the key that sealed it, so keys can rotate: new values are sealed with the
// primary key, and older keys still open what they sealed.
package secrets

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = 32

// format is the prefix of every sealed value: "v1:<key id>:<base64>".
const format = "v1"

// ErrUnknownKey means a value was sealed with a key this Box does not hold.
var ErrUnknownKey = errors.New("secrets: sealed with an unknown key")

// Box seals with its primary key and opens with any of its keys.
type Box struct{ Keyring }

// Keyring holds AES-256-GCM keys by key id: a primary one to seal with,
// and older ones that still open what they sealed. Box uses it for values
// at rest, internal/payloadcodec for Temporal payloads.
type Keyring struct {
	primary string
	aeads   map[string]cipher.AEAD
}

// NewKeyring builds a Keyring sealing with primary and also opening with
// older keys (each KeySize bytes).
func NewKeyring(primary []byte, older ...[]byte) (Keyring, error) {
	r := Keyring{aeads: map[string]cipher.AEAD{}}
	for i, k := range append([][]byte{primary}, older...) {
		aead, err := newAEAD(k)
		if err != nil {
			return Keyring{}, err
		}
		id := KeyID(k)
		r.aeads[id] = aead
		if i == 0 {
			r.primary = id
		}
	}
	return r, nil
}

// Primary is the id of the key that seals, and its AEAD.
func (r Keyring) Primary() (string, cipher.AEAD) { return r.primary, r.aeads[r.primary] }

// AEAD is the AEAD of key id, if the keyring holds it.
func (r Keyring) AEAD(id string) (cipher.AEAD, bool) {
	aead, ok := r.aeads[id]
	return aead, ok
}

// ParseKey decodes a base64 (standard or URL alphabet) 32-byte key.
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(s); err == nil {
			if len(k) != KeySize {
				return nil, fmt.Errorf("secrets: key is %d bytes, want %d", len(k), KeySize)
			}
			return k, nil
		}
	}
	return nil, errors.New("secrets: key is not base64")
}

// NewKey returns a fresh random key, base64-encoded.
func NewKey() string {
	k := make([]byte, KeySize)
	rand.Read(k)
	return base64.StdEncoding.EncodeToString(k)
}

// New builds a Box sealing with primary and also opening with older keys.
func New(primary []byte, older ...[]byte) (*Box, error) {
	r, err := NewKeyring(primary, older...)
	if err != nil {
		return nil, err
	}
	return &Box{Keyring: r}, nil
}

// KeyID names a key without revealing it: the first 8 hex digits of its
// SHA-256.
func KeyID(key []byte) string {
	sum := sha256.Sum256(key)
	return hex.EncodeToString(sum[:4])
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeySize {
		return nil, fmt.Errorf("secrets: key is %d bytes, want %d", len(key), KeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// Seal encrypts plaintext; context binds the value to where it is stored
// (e.g. "org:acme/salto/password") so a sealed value cannot be moved to
// another row or field and still open.
func (b *Box) Seal(plaintext []byte, context string) string {
	aead := b.aeads[b.primary]
	nonce := make([]byte, aead.NonceSize())
	rand.Read(nonce)
	sealed := aead.Seal(nonce, nonce, plaintext, []byte(context))
	return format + ":" + b.primary + ":" + base64.RawStdEncoding.EncodeToString(sealed)
}

// Open decrypts a value Seal produced with the same context.
func (b *Box) Open(sealed, context string) ([]byte, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != format {
		return nil, errors.New("secrets: not a sealed value")
	}
	aead, ok := b.aeads[parts[1]]
	if !ok {
		return nil, fmt.Errorf("%w (key id %s)", ErrUnknownKey, parts[1])
	}
	raw, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, errors.New("secrets: malformed sealed value")
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], []byte(context))
	if err != nil {
		return nil, errors.New("secrets: value does not open (wrong key, context or tampered)")
	}
	return plain, nil
}

// NeedsRotation reports whether sealed was made with a key other than the
// primary one.
func (b *Box) NeedsRotation(sealed string) bool {
	parts := strings.SplitN(sealed, ":", 3)
	return len(parts) != 3 || parts[1] != b.primary
}
