package api

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/go-chi/chi/v5"

	"doorsync/internal/saltoconn"
	"doorsync/saltoks"
	"doorsync/store"
)

type saltoPasswordBody struct {
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	IdentityURL  string `json:"identity_url"`
	APIURL       string `json:"api_url"`
	// Replace lets the connection re-point the org to another Salto KS
	// account while doorsync has applied access through the current one.
	Replace bool `json:"replace"`
}

func (b *saltoPasswordBody) validate() error {
	v := &validationError{}
	for field, val := range map[string]string{"client_id": b.ClientID, "client_secret": b.ClientSecret,
		"username": b.Username, "password": b.Password} {
		if val == "" {
			v.add(field, "is required")
		}
	}
	if b.IdentityURL == "" {
		b.IdentityURL = saltoks.DefaultIdentityURL
	}
	if b.APIURL == "" {
		b.APIURL = saltoks.DefaultAPIURL
	}
	for field, val := range map[string]string{"identity_url": b.IdentityURL, "api_url": b.APIURL} {
		if u, err := url.Parse(val); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			v.add(field, "must be an http(s) URL")
		}
	}
	sortFieldErrors(v)
	return v.orNil()
}

// putSalto connects the org with the system-user password grant.
func (h *handlers) putSalto(w http.ResponseWriter, r *http.Request) error {
	var body saltoPasswordBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if err := body.validate(); err != nil {
		return err
	}
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	sites, err := h.salto.ConnectPassword(r.Context(), org.ID, saltoconn.PasswordConnection{
		ClientID: body.ClientID, ClientSecret: body.ClientSecret, Username: body.Username,
		Password: body.Password, IdentityURL: body.IdentityURL, APIURL: body.APIURL, Replace: body.Replace,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, saltoconn.Status{Connected: true, Mode: saltoconn.ModePassword, Sites: sites})
	return nil
}

func (h *handlers) getSalto(w http.ResponseWriter, r *http.Request) error {
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	st, err := h.salto.Status(r.Context(), org.ID)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, st)
	return nil
}

type siteView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	TimeZone string `json:"time_zone"`
}

func (h *handlers) listSaltoSites(w http.ResponseWriter, r *http.Request) error {
	sites, err := h.salto.Sites(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	out := make([]siteView, 0, len(sites))
	for _, s := range sites {
		out = append(out, siteView{ID: s.ID, Name: s.Name, TimeZone: s.TimeZone})
	}
	writeJSON(w, http.StatusOK, listPage[siteView]{Data: out})
	return nil
}

type groupView struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Managed bool   `json:"managed"`
	// Problem is what the latest reconciliation run recorded on the group.
	Problem string `json:"problem,omitempty"`
}

func (h *handlers) listSaltoGroups(w http.ResponseWriter, r *http.Request) error {
	orgID, siteID := chi.URLParam(r, "org"), chi.URLParam(r, "site")
	client, err := h.salto.Client(r.Context(), orgID)
	if err != nil {
		return err
	}
	groups, err := client.ListAccessGroups(r.Context(), siteID, saltoks.ListOptions{})
	h.salto.Record(r.Context(), orgID, err)
	if err != nil {
		return err
	}
	managed, err := h.store.MappedGroups(r.Context(), orgID, siteID)
	if err != nil {
		return err
	}
	problems, err := h.store.GroupProblems(r.Context(), orgID)
	if err != nil {
		return err
	}
	out := make([]groupView, 0, len(groups))
	names := make([]store.SaltoName, 0, len(groups))
	for _, g := range groups {
		ref := store.GroupRef{SiteID: siteID, GroupID: g.ID}
		out = append(out, groupView{ID: g.ID, Name: g.Name, Managed: managed[ref], Problem: problems[ref]})
		names = append(names, store.SaltoName{SiteID: siteID, GroupID: g.ID, Name: g.Name})
	}
	// Explain shows these names without calling Salto KS; failing to keep
	// them spoils no listing.
	if err := h.store.RememberSaltoNames(r.Context(), orgID, names); err != nil {
		h.log.WarnContext(r.Context(), "could not remember salto group names", "org", orgID, "err", err)
	}
	writeJSON(w, http.StatusOK, listPage[groupView]{Data: out})
	return nil
}

// listPage is the list envelope of API.md.
type listPage[T any] struct {
	Data       []T    `json:"data"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// queryBool reads an optional true/false query parameter (absent: false).
func queryBool(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, fmt.Errorf("%s must be true or false", name)
}
