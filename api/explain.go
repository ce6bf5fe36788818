package api

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/access"
	"doorsync/internal/entity"
	"doorsync/internal/snapshot"
	"doorsync/store"
)

// explainedAccess is a person's access now and to come, with the reasons,
// what doorsync has applied, and what it is about to revoke.
type explainedAccess struct {
	Person     personView        `json:"person"`
	SaltoUsers []saltoUserView   `json:"salto_users"`
	Groups     []groupAccessView `json:"groups"`
	Upcoming   []groupAccessView `json:"upcoming"`
	// AppliedNotGranted are groups doorsync applied that nothing grants
	// now: they are about to be revoked.
	AppliedNotGranted []appliedView `json:"applied_not_granted"`
	// Problem is the person's last failure that retrying cannot fix ("").
	Problem string `json:"problem"`
}

type personView struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Email string `json:"email"`
}

type saltoUserView struct {
	SiteID            string `json:"site_id"`
	SiteUserID        string `json:"site_user_id"`
	UserID            string `json:"user_id"`
	SubscriptionState string `json:"subscription_state"`
	// TagNumber is the tag (one of the member's access cards) doorsync
	// assigned to the user; omitted when it assigned none.
	TagNumber string `json:"tag_number,omitempty"`
}

type groupAccessView struct {
	SiteID  string `json:"site_id"`
	GroupID string `json:"group_id"`
	// SiteName and GroupName are the names Salto KS gave them when doorsync
	// last listed them (absent when it never has): read from the store, so
	// explain never waits on Salto KS.
	SiteName  string       `json:"site_name,omitempty"`
	GroupName string       `json:"group_name,omitempty"`
	Active    bool         `json:"active"`
	From      time.Time    `json:"from"`
	Until     *time.Time   `json:"until"`
	Applied   bool         `json:"applied"`
	Reasons   []reasonView `json:"reasons"`
}

// reasonView is a reason as explain answers it: the engine's, and where
// its entity came from a platform, the platform and its object.
type reasonView struct {
	access.Reason
	Source   string `json:"source,omitempty"`
	SourceID string `json:"source_id,omitempty"`
}

type appliedView struct {
	SiteID    string    `json:"site_id"`
	GroupID   string    `json:"group_id"`
	SiteName  string    `json:"site_name,omitempty"`
	GroupName string    `json:"group_name,omitempty"`
	AppliedAt time.Time `json:"applied_at"`
}

// explainMember explains a member's access; 404 for a member doorsync
// does not hold.
func (h *handlers) explainMember(w http.ResponseWriter, r *http.Request) error {
	ctx, orgID, id := r.Context(), chi.URLParam(r, "org"), chi.URLParam(r, "id")
	e, err := h.store.GetEntity(ctx, orgID, access.KindMember, id)
	if err != nil {
		return err
	}
	var m access.Member
	if err := json.Unmarshal(e.Body, &m); err != nil {
		return err
	}
	return h.explain(w, r, access.MemberRef(id), m.Email)
}

// explainGuest explains a guest's (or non-member booker's) access, by
// e-mail; a guest no booking names has none.
func (h *handlers) explainGuest(w http.ResponseWriter, r *http.Request) error {
	email, err := url.PathUnescape(chi.URLParam(r, "email"))
	if err != nil || !entity.ValidEmail(access.NormalizeEmail(email)) {
		v := &validationError{}
		v.add("email", "must be an e-mail address")
		return v
	}
	p := access.GuestRef(email)
	return h.explain(w, r, p, p.ID)
}

func (h *handlers) explain(w http.ResponseWriter, r *http.Request, p access.PersonRef, email string) error {
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	s, err := snapshot.Loader{Store: h.store}.Person(ctx, orgID, p)
	if err != nil {
		return err
	}
	ex := access.Explain(access.GrantsForPerson(s, p), p, h.now())
	identities, err := h.store.SaltoIdentities(ctx, orgID, p.Key())
	if err != nil {
		return err
	}
	applied, err := h.store.AppliedGroups(ctx, orgID, p.Key())
	if err != nil {
		return err
	}
	problem, err := h.store.PersonProblem(ctx, orgID, p.Key())
	if err != nil {
		return err
	}
	isApplied := map[store.GroupRef]bool{}
	for _, a := range applied { // an unconfirmed add (being applied) is not claimed yet
		isApplied[store.GroupRef{SiteID: a.SiteID, GroupID: a.GroupID}] = a.Confirmed
	}
	sources, err := h.store.EntitySources(ctx, orgID, reasonEntities(ex))
	if err != nil {
		return err
	}
	names, err := h.store.SaltoNames(ctx, orgID, explainedSites(ex, applied))
	if err != nil {
		return err
	}
	out := explainedAccess{
		Person:     personView{Kind: p.Kind, ID: p.ID, Email: email},
		SaltoUsers: []saltoUserView{},
		Groups:     groupViews(ex.Active, isApplied, sources, names),
		Upcoming:   groupViews(ex.Upcoming, isApplied, sources, names),
		Problem:    problem,
	}
	for _, id := range identities {
		out.SaltoUsers = append(out.SaltoUsers, saltoUserView{SiteID: id.SiteID, SiteUserID: id.SiteUserID,
			UserID: id.UserID, SubscriptionState: id.SubscriptionState, TagNumber: id.TagNumber})
	}
	granted := map[store.GroupRef]bool{}
	for _, g := range ex.Active {
		granted[store.GroupRef{SiteID: g.SiteID, GroupID: g.GroupID}] = true
	}
	out.AppliedNotGranted = []appliedView{}
	for _, a := range applied {
		if !granted[store.GroupRef{SiteID: a.SiteID, GroupID: a.GroupID}] {
			out.AppliedNotGranted = append(out.AppliedNotGranted, appliedView{SiteID: a.SiteID, GroupID: a.GroupID,
				SiteName: names[store.GroupRef{SiteID: a.SiteID}], GroupName: names[store.GroupRef{SiteID: a.SiteID, GroupID: a.GroupID}],
				AppliedAt: a.AppliedAt})
		}
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func groupViews(groups []access.GroupExplanation, applied map[store.GroupRef]bool, sources map[store.EntityRef]store.EntitySource,
	names map[store.GroupRef]string) []groupAccessView {
	out := make([]groupAccessView, 0, len(groups))
	for _, g := range groups {
		reasons := make([]reasonView, len(g.Reasons))
		for i, r := range g.Reasons {
			src := sources[store.EntityRef{Kind: r.Kind, ID: r.ID}]
			reasons[i] = reasonView{Reason: r, Source: src.Source, SourceID: src.SourceID}
		}
		ref := store.GroupRef{SiteID: g.SiteID, GroupID: g.GroupID}
		out = append(out, groupAccessView{SiteID: g.SiteID, GroupID: g.GroupID,
			SiteName: names[store.GroupRef{SiteID: g.SiteID}], GroupName: names[ref],
			Active: g.Active, From: g.From, Until: g.Until, Applied: applied[ref], Reasons: reasons})
	}
	return out
}

// reasonEntities are the entities behind an explanation's reasons, each
// once.
func reasonEntities(ex access.Explanation) []store.EntityRef {
	seen := map[store.EntityRef]bool{}
	var out []store.EntityRef
	for _, gs := range [][]access.GroupExplanation{ex.Active, ex.Upcoming} {
		for _, g := range gs {
			for _, r := range g.Reasons {
				if ref := (store.EntityRef{Kind: r.Kind, ID: r.ID}); !seen[ref] {
					seen[ref] = true
					out = append(out, ref)
				}
			}
		}
	}
	return out
}

// explainedSites are the sites an explanation and what was applied name,
// each once: whose names explain looks up.
func explainedSites(ex access.Explanation, applied []store.AppliedGroup) []string {
	seen := map[string]bool{}
	var out []string
	add := func(site string) {
		if !seen[site] {
			seen[site] = true
			out = append(out, site)
		}
	}
	for _, gs := range [][]access.GroupExplanation{ex.Active, ex.Upcoming} {
		for _, g := range gs {
			add(g.SiteID)
		}
	}
	for _, a := range applied {
		add(a.SiteID)
	}
	return out
}
