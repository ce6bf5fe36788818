package api

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/console"
	"doorsync/store"
)

// consoleBackend serves the console's requests with the API's own route
// table, in process, as the session's principal: the console keeps no
// rules of its own (roles, validation, the audit actor are the API's), and
// no key is kept to do it (the session names the key's id, and authenticate
// takes the principal from the context instead of a bearer token).
type consoleBackend struct {
	h      *handlers
	routes http.Handler
}

// inProcessKey carries the principal of an in-process call; only this
// package can set it, so no HTTP request can.
type inProcessKey struct{}

func (b consoleBackend) SignIn(ctx context.Context, token string) (console.Principal, error) {
	p, err := b.h.principalFor(ctx, token)
	if errors.Is(err, errUnauthorized) {
		return console.Principal{}, console.ErrBadToken
	}
	if err != nil {
		return console.Principal{}, err
	}
	if !p.role.allows(roleOperator) {
		return console.Principal{}, console.ErrNotOperator
	}
	return console.Principal{Role: p.role.String(), KeyID: p.keyID, OrgID: p.orgID, Actor: p.name}, nil
}

// Valid says whether a session's key still exists with its role and org:
// deleting a key ends its console sessions.
func (b consoleBackend) Valid(ctx context.Context, p console.Principal) (bool, error) {
	if p.Role == roleAdmin.String() {
		return p.KeyID == "", nil
	}
	k, err := b.h.store.APIKeyByID(ctx, p.KeyID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return k.Role == p.Role && k.OrgID == p.OrgID && keyRoles[k.Role].allows(roleOperator), nil
}

func (b consoleBackend) Call(ctx context.Context, p console.Principal, method, target string, body []byte) console.Response {
	pr := principal{role: roleAdmin, name: adminActor}
	if p.Role != roleAdmin.String() {
		pr = principal{role: keyRoles[p.Role], orgID: p.OrgID, keyID: p.KeyID, name: p.Actor}
	}
	// The console's own request's routing is cleared, so that the call is
	// routed from the top of the route table.
	ctx = context.WithValue(ctx, chi.RouteCtxKey, (*chi.Context)(nil))
	req := httptest.NewRequestWithContext(context.WithValue(ctx, inProcessKey{}, pr), method, target, bytes.NewReader(body))
	if len(body) > 0 {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	b.routes.ServeHTTP(rec, req)
	return console.Response{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
}
