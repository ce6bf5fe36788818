package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"doorsync/internal/guestkey"
	"doorsync/internal/saltoconn"
	"doorsync/internal/secrets"
)

// secretBox builds the box sealing secrets at rest from the configured keys.
func (e *environment) secretBox() (*secrets.Box, error) {
	if e.cfg.SecretKey == "" {
		return nil, errors.New("DOORSYNC_SECRET_KEY is required (32 random bytes, base64: openssl rand -base64 32)")
	}
	primary, err := secrets.ParseKey(e.cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("DOORSYNC_SECRET_KEY: %w", err)
	}
	var older [][]byte
	for i, s := range e.cfg.PreviousSecretKeys {
		k, err := secrets.ParseKey(s)
		if err != nil {
			return nil, fmt.Errorf("DOORSYNC_SECRET_KEYS_PREVIOUS[%d]: %w", i, err)
		}
		older = append(older, k)
	}
	return secrets.New(primary, older...)
}

// guestKeyer builds the hasher naming guests in Temporal: from
// DOORSYNC_GUEST_KEY, else derived from DOORSYNC_SECRET_KEY.
func (e *environment) guestKeyer() (*guestkey.Keyer, error) {
	if e.cfg.GuestKey != "" {
		k, err := secrets.ParseKey(e.cfg.GuestKey)
		if err != nil {
			return nil, fmt.Errorf("DOORSYNC_GUEST_KEY: %w", err)
		}
		return guestkey.New(k), nil
	}
	k, err := secrets.ParseKey(e.cfg.SecretKey)
	if err != nil {
		return nil, fmt.Errorf("DOORSYNC_SECRET_KEY: %w", err)
	}
	return guestkey.New(guestkey.Derive(k)), nil
}

// devDefaults fills what one-machine dev mode may generate: a secret key
// kept under the data dir (so sealed values survive restarts) and an admin
// token, which it prints.
func (e *environment) devDefaults() error {
	if e.cfg.SecretKey == "" {
		key, err := loadOrCreateKey(filepath.Join(e.cfg.DataDir, "secret.key"))
		if err != nil {
			return err
		}
		e.cfg.SecretKey = key
	}
	if e.cfg.AdminToken == "" {
		b := make([]byte, 24)
		rand.Read(b)
		e.cfg.AdminToken = "dsa_" + base64.RawURLEncoding.EncodeToString(b)
		fmt.Fprintf(e.stdout, "admin token (generated for this run): %s\n", e.cfg.AdminToken)
	}
	return nil
}

func loadOrCreateKey(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil { //nolint:gosec // the operator's own key file
		return strings.TrimSpace(string(b)), nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return "", err
	}
	key := secrets.NewKey()
	if err := os.WriteFile(path, []byte(key+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("write dev secret key: %w", err)
	}
	return key, nil
}

// runSecrets runs `doorsync secrets reseal`: every stored secret sealed
// with an older key (DOORSYNC_SECRET_KEYS_PREVIOUS) is sealed again with
// DOORSYNC_SECRET_KEY, after which the older keys can be dropped.
func runSecrets(ctx context.Context, env *environment, args []string) error {
	if len(args) != 1 || args[0] != "reseal" {
		return errors.New("secrets: want reseal")
	}
	box, err := env.secretBox()
	if err != nil {
		return err
	}
	st, err := env.openStore(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := saltoconn.New(saltoconn.Options{Store: st, Secrets: box, Logger: env.log}).Reseal(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "resealed %d secrets under the current key; %d already were; %d changed meanwhile\n",
		rep.Resealed, rep.Current, rep.Changed)
	if rep.Changed > 0 {
		fmt.Fprintln(env.stdout, "run it again to check the values that changed meanwhile before retiring an old key")
	}
	return nil
}
