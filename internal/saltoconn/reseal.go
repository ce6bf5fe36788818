package saltoconn

import (
	"context"
	"fmt"
	"strings"

	"doorsync/store"
)

// ResealReport counts what Reseal did with each stored secret.
type ResealReport struct {
	// Resealed were sealed with an older key and are now under the
	// current one.
	Resealed int
	// Current were already sealed with the current key.
	Current int
	// Changed were rewritten by someone else between reading and
	// resealing (a token refreshed): run Reseal again to check them.
	Changed int
}

// Reseal seals every stored secret (each connection's client secret,
// password and token, each pending flow's PKCE verifier, each webhook's
// signing secret, each platform connection's config) again under the
// Box's primary key, so older keys can be retired. It opens each with the
// Box's keys and writes it back only if the row still holds what was read,
// so a token refreshed meanwhile is never overwritten. Running it again
// changes nothing. A value no key of the Box opens stops it with an error
// that names the row, never the value.
func (m *Manager) Reseal(ctx context.Context) (ResealReport, error) {
	var rep ResealReport
	values, err := m.opts.Store.SealedValues(ctx)
	if err != nil {
		return rep, err
	}
	box := m.opts.Secrets
	for _, v := range values {
		if !box.NeedsRotation(v.Value) {
			rep.Current++
			continue
		}
		sealCtx, err := resealContext(v)
		if err != nil {
			return rep, err
		}
		plain, err := box.Open(v.Value, sealCtx)
		if err != nil {
			return rep, fmt.Errorf("saltoconn: open %s.%s of %s: %w", v.Table, v.Column, rowName(v), err)
		}
		replaced, err := m.opts.Store.ReplaceSealed(ctx, v, box.Seal(plain, sealCtx))
		if err != nil {
			return rep, err
		}
		if replaced {
			rep.Resealed++
		} else {
			rep.Changed++
		}
	}
	return rep, nil
}

// resealContext is the context a stored value was sealed with.
func resealContext(v store.SealedValue) (string, error) {
	switch v.Table {
	case "salto_connections":
		return sealContext(v.Key, strings.TrimSuffix(v.Column, "_enc")), nil
	case "salto_oauth_states":
		return stateContext(v.Key), nil
	case "webhooks":
		return store.WebhookSealContextOfKey(v.Key), nil
	case "platform_connections":
		return store.PlatformSealContext(v.Key), nil
	}
	return "", fmt.Errorf("saltoconn: no seal context known for %s.%s", v.Table, v.Column)
}

// rowName names a row without revealing a secret: an OAuth state is one
// until used, so only its org-free table is named.
func rowName(v store.SealedValue) string {
	if v.Table == "salto_oauth_states" {
		return "a pending authorization"
	}
	if v.Table == "webhooks" {
		return "webhook " + v.Key
	}
	return "org " + v.Key
}
