package api

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/access"
	"doorsync/store"
)

// auditView is one audit entry as the API answers it.
type auditView struct {
	At          time.Time       `json:"at"`
	Action      string          `json:"action"`
	Person      string          `json:"person"`
	SiteID      string          `json:"site_id"`
	GroupID     string          `json:"group_id"`
	SaltoUserID string          `json:"salto_user_id"`
	Reason      json.RawMessage `json:"reason"` // null when none
	Trigger     string          `json:"trigger"`
	WorkflowID  string          `json:"workflow_id"`
	RunID       string          `json:"run_id"`
	Result      string          `json:"result"`
	Error       string          `json:"error"`
	Actor       string          `json:"actor"` // "" for doorsync's own changes
}

// auditResult is the shape of an audit entry's result.
var auditResult = regexp.MustCompile(`^[a-z_]{1,32}$`)

// listAudit answers audit entries, newest first, filtered by person (a
// person key: "member:m1", "guest:joe@example.com"), site_id, group_id
// since (RFC 3339) and result ("ok", "error", …), a page at a time.
func (h *handlers) listAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	v := &validationError{}
	f := store.AuditFilter{SiteID: q.Get("site_id"), GroupID: q.Get("group_id"), Limit: pageLimit(v, q)}
	if s := q.Get("person"); s != "" {
		p, err := access.ParsePersonKey(s)
		if err != nil {
			v.add("person", `must be a person key such as "member:m1" or "guest:joe@example.com"`)
		}
		f.Person = p.Key()
	}
	if s := q.Get("result"); s != "" {
		if !auditResult.MatchString(s) {
			v.add("result", `must be an audit result such as "ok" or "error"`)
		}
		f.Result = s
	}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			v.add("since", "must be an RFC 3339 time with an offset")
		}
		f.Since = t
	}
	if c := pageCursor(v, q); c != "" {
		id, err := strconv.ParseInt(c, 10, 64)
		if err != nil || id < 1 {
			v.add("cursor", "is not a cursor this API gave out")
		}
		f.Before = id
	}
	sortFieldErrors(v)
	if err := v.orNil(); err != nil {
		return err
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	limit := f.Limit
	f.Limit++ // one more says whether there is a next page
	entries, err := h.store.Audit(ctx, orgID, f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(entries, limit, func(e store.AuditEntry) string { return strconv.FormatInt(e.ID, 10) },
		func(e store.AuditEntry) auditView {
			return auditView{At: e.At, Action: e.Action, Person: e.Person, SiteID: e.SiteID,
				GroupID: e.GroupID, SaltoUserID: e.SaltoUserID, Reason: e.Reason, Trigger: e.Trigger,
				WorkflowID: e.WorkflowID, RunID: e.RunID, Result: e.Result, Error: e.Error, Actor: e.Actor}
		}))
	return nil
}
