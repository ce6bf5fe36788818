package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"

	"doorsync/store"
)

// principal is who a request acts as: the admin, or one org's key.
type principal struct {
	role  role
	orgID string // the key's org; empty for the admin
	keyID string // empty for the admin
	name  string // the key's name, or "admin"
}

// actor names the principal in the audit log: the key's name, or "admin".
func (p principal) actor() string { return p.name }

type principalKey struct{}

func principalFrom(ctx context.Context) principal {
	p, _ := ctx.Value(principalKey{}).(principal)
	return p
}

var errUnauthorized = httpError(http.StatusUnauthorized, "missing or invalid bearer token")

// authenticate resolves the bearer token to a principal; 401 otherwise.
func (h *handlers) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The console's in-process calls come as their session's principal
		// (console.go); no request from outside can carry one.
		if p, ok := r.Context().Value(inProcessKey{}).(principal); ok {
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
			return
		}
		p, err := h.principalFor(r.Context(), bearerToken(r))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="doorsync"`)
			h.writeError(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	})
}

func bearerToken(r *http.Request) string {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(token)
}

func (h *handlers) principalFor(ctx context.Context, token string) (principal, error) {
	if token == "" {
		return principal{}, errUnauthorized
	}
	if equalHashes(token, h.adminToken) {
		return principal{role: roleAdmin, name: adminActor}, nil
	}
	id, ok := apiKeyID(token)
	if !ok {
		return principal{}, errUnauthorized
	}
	k, err := h.store.APIKeyByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return principal{}, errUnauthorized
	}
	if err != nil {
		return principal{}, err
	}
	sum := hashKey(token)
	if subtle.ConstantTimeCompare(sum[:], k.KeyHash) != 1 {
		return principal{}, errUnauthorized
	}
	r, ok := keyRoles[k.Role]
	if !ok {
		return principal{}, fmt.Errorf("api key %s has the unknown role %q", id, k.Role)
	}
	return principal{role: r, orgID: k.OrgID, keyID: k.ID, name: k.Name}, nil
}

// equalHashes compares two secrets in constant time, whatever their length.
func equalHashes(a, b string) bool {
	if b == "" {
		return false
	}
	ha, hb := sha256.Sum256([]byte(a)), sha256.Sum256([]byte(b))
	return subtle.ConstantTimeCompare(ha[:], hb[:]) == 1
}

// API keys read "dsk_<id>_<secret>"; the id finds the stored hash.
const keyPrefix = "dsk_"

func newAPIKey() (id, key string) {
	b := make([]byte, 32)
	rand.Read(b)
	id = base64.RawURLEncoding.EncodeToString(b[:9])
	id = strings.NewReplacer("-", "x", "_", "y").Replace(id)
	return id, keyPrefix + id + "_" + base64.RawURLEncoding.EncodeToString(b[9:])
}

func apiKeyID(token string) (string, bool) {
	rest, ok := strings.CutPrefix(token, keyPrefix)
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, "_")
	return id, ok && id != ""
}

func hashKey(key string) [32]byte { return sha256.Sum256([]byte(key)) }

// scopeToOrg lets the admin through and an org key only into its own org;
// any other org answers 404, as if it did not exist.
func (h *handlers) scopeToOrg(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := principalFrom(r.Context())
		if p.role != roleAdmin && p.orgID != chi.URLParam(r, "org") {
			h.writeError(w, r, errNotFound)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// requireRole refuses (403) a principal whose role is below want.
func (h *handlers) requireRole(want role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !principalFrom(r.Context()).role.allows(want) {
				h.writeError(w, r, errForbidden(want))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}
