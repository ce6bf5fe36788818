// Package payloadcodec encrypts Temporal payloads with AES-256-GCM
// (DOORSYNC_PAYLOAD_KEY), so that workflow inputs, results, signals and
// memos are stored in Temporal's history as ciphertext. Each encrypted
// payload names the key that sealed it, so the key can rotate: new payloads
// are sealed with the primary key, and older keys still open what they
// sealed.
package payloadcodec

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"

	"doorsync/internal/secrets"
)

// KeySize is the length of a key in bytes (AES-256).
const KeySize = secrets.KeySize

// Encoding is the metadata encoding of an encrypted payload; KeyIDMeta is
// the metadata naming the key that sealed it.
const (
	Encoding  = "binary/encrypted"
	KeyIDMeta = "encryption-key-id"
)

// ErrUnknownKey means a payload was sealed with a key this codec does not
// hold.
var ErrUnknownKey = errors.New("payloadcodec: sealed with an unknown key")

// ParseKey decodes a 32-byte key written as hex (64 digits) or base64
// (standard or URL alphabet, padded or not: secrets.ParseKey).
func ParseKey(s string) ([]byte, error) {
	s = strings.TrimSpace(s)
	if len(s) == 2*KeySize {
		if k, err := hex.DecodeString(s); err == nil {
			return k, nil
		}
	}
	k, err := secrets.ParseKey(s)
	if err != nil {
		return nil, fmt.Errorf("key is neither 64 hex digits nor base64 of 32 bytes: %w", err)
	}
	return k, nil
}

// Codec is a converter.PayloadCodec sealing with its primary key and
// opening with any of its keys (key ids as internal/secrets names them).
type Codec struct{ keys secrets.Keyring }

var _ converter.PayloadCodec = (*Codec)(nil)

// New builds a Codec sealing with primary and also opening with older keys.
func New(primary []byte, older ...[]byte) (*Codec, error) {
	keys, err := secrets.NewKeyring(primary, older...)
	if err != nil {
		return nil, fmt.Errorf("payloadcodec: %w", err)
	}
	return &Codec{keys: keys}, nil
}

// DataConverter is Temporal's default data converter with every payload
// passed through c.
func (c *Codec) DataConverter() converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), c)
}

// Encode seals each payload whole (its metadata and data), with the key id
// as additional data.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	id, aead := c.keys.Primary()
	for i, p := range payloads {
		plain, err := p.Marshal()
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: marshal payload: %w", err)
		}
		nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(plain)+aead.Overhead())
		if _, err := rand.Read(nonce); err != nil {
			return payloads, err
		}
		out[i] = &commonpb.Payload{
			Metadata: map[string][]byte{
				converter.MetadataEncoding: []byte(Encoding),
				KeyIDMeta:                  []byte(id),
			},
			Data: aead.Seal(nonce, nonce, plain, []byte(id)),
		}
	}
	return out, nil
}

// Decode opens each encrypted payload; others pass unchanged (payloads
// written before the key was set).
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		id := string(p.GetMetadata()[KeyIDMeta])
		aead, ok := c.keys.AEAD(id)
		if !ok {
			return payloads, fmt.Errorf("%w (%q)", ErrUnknownKey, id)
		}
		data := p.GetData()
		if len(data) < aead.NonceSize() {
			return payloads, errors.New("payloadcodec: encrypted payload too short")
		}
		plain, err := aead.Open(nil, data[:aead.NonceSize()], data[aead.NonceSize():], []byte(id))
		if err != nil {
			return payloads, fmt.Errorf("payloadcodec: open payload: %w", err)
		}
		out[i] = &commonpb.Payload{}
		if err := out[i].Unmarshal(plain); err != nil {
			return payloads, fmt.Errorf("payloadcodec: unmarshal payload: %w", err)
		}
	}
	return out, nil
}
