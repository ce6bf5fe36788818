package api

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5/middleware"

	"doorsync/internal/entity"
	"doorsync/internal/saltoconn"
	"doorsync/saltoks"
	"doorsync/store"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type      string       `json:"type"`
	Title     string       `json:"title"`
	Status    int          `json:"status"`
	Detail    string       `json:"detail,omitempty"`
	Errors    []fieldError `json:"errors,omitempty"`
	RequestID string       `json:"request_id,omitempty"`
	// RunID names the reconcile run that is running (409 on …/reconcile).
	RunID string `json:"run_id,omitempty"`
}

// fieldError names one invalid field.
type fieldError = entity.FieldError

// validationError collects every invalid field of a request (400): an
// entity.Invalid, the error the entity bodies' validation returns, under
// the handlers' own spelling.
type validationError struct{ entity.Invalid }

func (v *validationError) add(field, msg string) { v.Add(field, msg) }

// Unwrap makes the error an *entity.Invalid for writeError and the import.
func (v *validationError) Unwrap() error { return &v.Invalid }

// sortFieldErrors orders the errors by field, so answers are stable.
func sortFieldErrors(v *validationError) { v.Sort() }

// orNil returns v as an error when it holds any field, else nil.
func (v *validationError) orNil() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return v
}

// statusError is an error with its HTTP answer decided where it arose.
type statusError struct {
	status int
	detail string
}

func (e *statusError) Error() string { return e.detail }

func httpError(status int, detail string) error { return &statusError{status, detail} }

var errNotFound = httpError(http.StatusNotFound, "not found")

// writeError is the one place errors become HTTP answers. Internal errors
// are logged with the request id and answered without their text.
func (h *handlers) writeError(w http.ResponseWriter, r *http.Request, err error) {
	p := problem{Type: "about:blank", RequestID: middleware.GetReqID(r.Context())}
	var (
		verr     *entity.Invalid
		serr     *statusError
		maxErr   *http.MaxBytesError
		refused  *saltoconn.RefusedError
		hostErr  *saltoconn.HostRefusedError
		saltoErr *saltoks.Error
		guard    *store.GuardTripped
		busy     *store.RunInProgress
	)
	switch {
	case platformProblem(err, &p):
		// A platform connection's or webhook's error (platformerrors.go).
	case errors.As(err, &verr):
		p.Status, p.Detail, p.Errors = http.StatusBadRequest, "the request is not valid", verr.Fields
	case errors.As(err, &serr):
		p.Status, p.Detail = serr.status, serr.detail
	case errors.As(err, &maxErr):
		p.Status, p.Detail = http.StatusRequestEntityTooLarge, "the body is larger than 1 MiB"
	case errors.As(err, &guard):
		p.Status, p.Errors = http.StatusConflict, guardErrors(guard)
		p.Detail = fmt.Sprintf("deleting the org would remove %d Salto KS users from %d access groups, more than its mass-removal guard lets through; nothing was changed: repeat with ?force=true to remove them anyway",
			guard.Removals, len(guard.Groups))
	case errors.As(err, &busy):
		p.Status, p.RunID = http.StatusConflict, busy.Run.ID
		p.Detail = "a reconciliation of the org is running (run " + busy.Run.ID + "); start another once it has finished"
	case errors.Is(err, store.ErrOrgDeleting):
		p.Status, p.Detail = http.StatusConflict, "the org is being deleted; it takes no more writes"
	case errors.Is(err, store.ErrNotFound):
		p.Status, p.Detail = http.StatusNotFound, "not found"
	case errors.Is(err, store.ErrDeletedVersion):
		p.Status, p.Detail = http.StatusConflict, "the entity was deleted at this version or a newer one; nothing was changed"
	case errors.Is(err, store.ErrStale):
		p.Status, p.Detail = http.StatusConflict, "the stored version is newer; nothing was changed"
	case errors.Is(err, store.ErrConflict):
		p.Status, p.Detail = http.StatusConflict, err.Error()
	case errors.As(err, &hostErr):
		p.Status, p.Detail = http.StatusBadRequest, "a Salto KS URL names a host this deployment may not reach; nothing was stored"
		p.Errors = []fieldError{{Field: hostErr.Field, Message: hostErr.Reason}}
	case errors.As(err, &refused):
		p.Status, p.Detail = http.StatusBadGateway, refused.Error()
	case errors.Is(err, saltoconn.ErrRepoint):
		p.Status, p.Detail = http.StatusConflict, "this would move the org to another Salto KS account while doorsync has applied access through the current one; "+
			"ask to replace it (\"replace\": true, or replace=true on …/salto/authorize) to revoke that access first"
	case errors.Is(err, saltoconn.ErrNotConnected):
		p.Status, p.Detail = http.StatusConflict, "the org is not connected to Salto KS"
	case errors.Is(err, saltoconn.ErrNoPartnerClient):
		p.Status, p.Detail = http.StatusBadRequest, "this deployment has no Salto KS partner client for the authorization-code flow; connect with PUT …/salto instead"
	case errors.Is(err, saltoconn.ErrNotStarter):
		p.Status, p.Detail = http.StatusBadRequest, "this browser did not start the authorization (its cookie is missing or does not match); start again from …/salto/authorize"
	case errors.Is(err, saltoconn.ErrBadState):
		p.Status, p.Detail = http.StatusBadRequest, "the authorization state is unknown, already used or expired; start again"
	case saltoks.IsNotFound(err):
		p.Status, p.Detail = http.StatusNotFound, "Salto KS does not know it"
	case errors.As(err, &saltoErr):
		p.Status, p.Detail = http.StatusBadGateway, fmt.Sprintf("Salto KS answered HTTP %d", saltoErr.Status)
	default:
		p.Status, p.Detail = http.StatusInternalServerError, "internal error; quote the request id when reporting it"
		h.log.ErrorContext(r.Context(), "request failed", "err", err, "request_id", p.RequestID,
			"method", r.Method, "route", routeOf(r))
	}
	p.Title = http.StatusText(p.Status)
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	writeBody(w, p)
}

// guardErrors names each group a deletion's guard holds and how many users
// it would remove from it.
func guardErrors(g *store.GuardTripped) []fieldError {
	out := make([]fieldError, len(g.Groups))
	for i, gr := range g.Groups {
		out[i] = fieldError{Field: "access_groups", Message: fmt.Sprintf("%s/%s: %d users", gr.SiteID, gr.GroupID, gr.Users)}
	}
	return out
}

// handlerFunc is an HTTP handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

func (h *handlers) handle(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(w, r); err != nil {
			h.writeError(w, r, err)
		}
	}
}
