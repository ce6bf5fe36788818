package secrets

import (
	"errors"
	"strings"
	"testing"
)

func mustKey(t *testing.T) []byte {
	k, err := ParseKey(NewKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestSealOpenRoundTripHidesPlaintext(t *testing.T) {
	b, _ := New(mustKey(t))
	sealed := b.Seal([]byte("hunter2"), "org:a/password")
	if strings.Contains(sealed, "hunter2") {
		t.Fatalf("sealed value shows the plaintext: %s", sealed)
	}
	if again := b.Seal([]byte("hunter2"), "org:a/password"); again == sealed {
		t.Fatal("two seals of the same value are equal; nonce not random")
	}
	got, err := b.Open(sealed, "org:a/password")
	if err != nil || string(got) != "hunter2" {
		t.Fatalf("Open = %q, %v", got, err)
	}
}

func TestOpenRefusesOtherContextTamperingAndUnknownKeys(t *testing.T) {
	b, _ := New(mustKey(t))
	sealed := b.Seal([]byte("s3cret"), "org:a/password")
	if _, err := b.Open(sealed, "org:b/password"); err == nil {
		t.Error("opened under another context")
	}
	tampered := sealed[:len(sealed)-2] + "AA"
	if _, err := b.Open(tampered, "org:a/password"); err == nil {
		t.Error("opened a tampered value")
	}
	other, _ := New(mustKey(t))
	if _, err := other.Open(sealed, "org:a/password"); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("foreign key: err = %v, want ErrUnknownKey", err)
	}
	if _, err := b.Open("plaintext", "x"); err == nil {
		t.Error("opened a value that was never sealed")
	}
}

func TestRotationOpensOldValuesAndSealsWithNewKey(t *testing.T) {
	oldKey, newKey := mustKey(t), mustKey(t)
	before, _ := New(oldKey)
	sealed := before.Seal([]byte("token"), "ctx")

	after, err := New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := after.Open(sealed, "ctx"); err != nil || string(got) != "token" {
		t.Fatalf("rotated box cannot open old value: %q, %v", got, err)
	}
	if !after.NeedsRotation(sealed) {
		t.Error("old value not reported as needing rotation")
	}
	if after.NeedsRotation(after.Seal([]byte("x"), "ctx")) {
		t.Error("new value reported as needing rotation")
	}
}

func TestParseKeyRejectsWrongLengthAndNonBase64(t *testing.T) {
	for _, s := range []string{"", "not base64!!", "c2hvcnQ="} {
		if _, err := ParseKey(s); err == nil {
			t.Errorf("ParseKey(%q) accepted", s)
		}
	}
}
