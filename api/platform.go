package api

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/connectors"
	"doorsync/internal/platformconn"
	"doorsync/store"
)

// PlatformSyncer starts and stops an org's platform sync: the backfill run
// and its schedule (reconciler.Reconciler's StartPlatformSync and
// StopPlatformSync).
type PlatformSyncer interface {
	StartPlatformSync(ctx context.Context, orgID string, every time.Duration) error
	StopPlatformSync(ctx context.Context, orgID string) error
	// EnsurePlatformSchedule sets the schedule's interval, starting no run.
	EnsurePlatformSchedule(ctx context.Context, orgID string, every time.Duration) error
	// SyncPlatformNow starts a full run now, approving the deletions the
	// removal guard held if approveRemovals; false when a run is going on.
	SyncPlatformNow(ctx context.Context, orgID string, approveRemovals bool) (bool, error)
}

// platformBody is PUT …/platform: one platform's credentials.
type platformBody struct {
	Kind          string `json:"kind"`
	OrgSlug       string `json:"org_slug"`
	ClientID      string `json:"client_id"`
	ClientSecret  string `json:"client_secret"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	WebhookSecret string `json:"webhook_secret"`
	BaseURL       string `json:"base_url"`
	IdentityURL   string `json:"identity_url"`
}

// maxCredential bounds each credential's length.
const maxCredential = 1024

// orgSlug is OfficeRnD's organization slug, a path segment of its API.
var orgSlug = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$`)

// config validates the body, naming every bad field, and returns the
// connection's config (the URLs left empty where the body names none:
// platformconn fills the public ones).
func (b platformBody) config() (platformconn.Config, error) {
	v := &validationError{}
	cfg := platformconn.Config{Platform: connectors.Platform(b.Kind), OrgSlug: b.OrgSlug, ClientID: b.ClientID,
		ClientSecret: b.ClientSecret, Username: b.Username, Password: b.Password, WebhookSecret: b.WebhookSecret,
		BaseURL: b.BaseURL, IdentityURL: b.IdentityURL}
	fields := map[string]string{"org_slug": b.OrgSlug, "client_id": b.ClientID, "client_secret": b.ClientSecret,
		"username": b.Username, "password": b.Password, "identity_url": b.IdentityURL}
	var required, foreign []string
	switch cfg.Platform {
	case connectors.OfficeRnD:
		required, foreign = []string{"org_slug", "client_id", "client_secret"}, []string{"username", "password"}
		if b.OrgSlug != "" && !orgSlug.MatchString(b.OrgSlug) {
			v.add("org_slug", "must be 1-128 characters of A-Z a-z 0-9 _ -, starting with a letter or digit")
		}
	case connectors.Nexudus:
		required, foreign = []string{"username", "password"}, []string{"org_slug", "client_id", "client_secret", "identity_url"}
	case "":
		v.add("kind", "is required: officernd or nexudus")
	default:
		v.add("kind", "must be officernd or nexudus")
	}
	for _, f := range required {
		if fields[f] == "" {
			v.add(f, "is required")
		}
	}
	for _, f := range foreign {
		if fields[f] != "" {
			v.add(f, "is not a field of a "+b.Kind+" connection")
		}
	}
	fields["webhook_secret"] = b.WebhookSecret
	for f, val := range fields {
		if len(val) > maxCredential {
			v.add(f, "must be at most 1024 characters")
		}
	}
	for f, val := range map[string]string{"base_url": b.BaseURL, "identity_url": b.IdentityURL} {
		if u, err := url.Parse(val); val != "" && (err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "") {
			v.add(f, "must be an http(s) URL")
		}
	}
	sortFieldErrors(v)
	return cfg, v.orNil()
}

// platformView is GET …/platform: the connection and its sync, never a
// secret.
type platformView struct {
	Kind        *connectors.Platform `json:"kind"`
	Connected   bool                 `json:"connected"`
	ConnectedAt *time.Time           `json:"connected_at"`
	LastSyncAt  *time.Time           `json:"last_sync_at"`
	LastError   string               `json:"last_error"`
	Counts      map[string]int       `json:"counts"`
	// Held says why the last full sync's deletions are held ("" when none).
	Held string `json:"held"`
	// SyncInterval is the org's platform_sync_interval.
	SyncInterval duration `json:"sync_interval"`
	// WebhookURL is where to point the platform's webhooks; "" when not
	// connected.
	WebhookURL string `json:"webhook_url"`
}

// putPlatform connects the org to its platform (checked with one list
// call), then starts its sync: a backfill now and a schedule every
// platform_sync_interval.
func (h *handlers) putPlatform(w http.ResponseWriter, r *http.Request) error {
	var body platformBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	cfg, err := body.config()
	if err != nil {
		return err
	}
	if h.platforms == nil {
		return errPlatformsOff
	}
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	if err := h.platforms.Connect(r.Context(), org.ID, cfg); err != nil {
		return err
	}
	if err := h.startSync(r.Context(), org, true); err != nil {
		return err
	}
	return h.writePlatform(w, r, org)
}

func (h *handlers) getPlatform(w http.ResponseWriter, r *http.Request) error {
	if h.platforms == nil {
		return errPlatformsOff
	}
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	return h.writePlatform(w, r, org)
}

// deletePlatform stops the org's sync, then forgets its connection; the
// entities it wrote stay until the operator deletes them. A sync that
// cannot be stopped leaves the connection as it was (503: try again).
func (h *handlers) deletePlatform(w http.ResponseWriter, r *http.Request) error {
	if h.platforms == nil {
		return errPlatformsOff
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	if h.platformSync != nil {
		if err := h.platformSync.StopPlatformSync(ctx, orgID); err != nil {
			h.log.WarnContext(ctx, "could not stop the platform sync", "org", orgID, "err", err)
			return httpError(http.StatusServiceUnavailable, "the platform sync could not be stopped; nothing was changed: try again")
		}
	}
	if err := h.platforms.Disconnect(ctx, orgID); errors.Is(err, platformconn.ErrNotConnected) {
		return errNotFound
	} else if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// startSync starts a connected org's sync at its interval: on connecting,
// a fresh backfill and the schedule (StartPlatformSync); otherwise, on an
// interval change, the schedule alone (EnsurePlatformSchedule).
func (h *handlers) startSync(ctx context.Context, org store.Org, connecting bool) error {
	if h.platformSync == nil || h.platforms == nil {
		return nil
	}
	st, err := h.platforms.Status(ctx, org.ID)
	if err != nil || !st.Connected {
		return err
	}
	start := h.platformSync.EnsurePlatformSchedule
	if connecting {
		start = h.platformSync.StartPlatformSync
	}
	if err := start(ctx, org.ID, org.Settings.SyncEvery()); err != nil {
		h.log.WarnContext(ctx, "could not start the platform sync", "org", org.ID, "err", err)
		return httpError(http.StatusServiceUnavailable, "the change is saved, but the platform sync could not be (re)started: repeat the request")
	}
	return nil
}

func (h *handlers) writePlatform(w http.ResponseWriter, r *http.Request, org store.Org) error {
	st, err := h.platforms.Status(r.Context(), org.ID)
	if err != nil {
		return err
	}
	view := platformView{Connected: st.Connected, ConnectedAt: st.ConnectedAt, LastSyncAt: st.Sync.LastSyncAt,
		LastError: st.Sync.LastError, Counts: st.Sync.Counts, Held: st.Sync.Held, SyncInterval: duration(org.Settings.SyncEvery())}
	if st.Connected {
		kind := st.Platform
		view.Kind, view.WebhookURL = &kind, h.publicURL+hookPath(kind, org.ID)
	}
	writeJSON(w, http.StatusOK, view)
	return nil
}

// hookPath is where a platform delivers its webhooks for an org.
func hookPath(p connectors.Platform, orgID string) string {
	return "/v1/hooks/" + string(p) + "/" + url.PathEscape(orgID)
}

var errPlatformsOff = httpError(http.StatusServiceUnavailable, "platform connections are not configured on this deployment")

// platformSyncBody is POST …/platform/sync.
type platformSyncBody struct {
	// ApproveRemovals approves, for this run, the deletions the removal
	// guard held (the operator has checked the platform really dropped
	// them).
	ApproveRemovals bool `json:"approve_removals"`
}

// syncPlatform starts a full platform sync now (202), approving the held
// deletions if asked; 409 while another run is going on, 404 when the org
// is not connected.
func (h *handlers) syncPlatform(w http.ResponseWriter, r *http.Request) error {
	var body platformSyncBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if h.platforms == nil || h.platformSync == nil {
		return errPlatformsOff
	}
	ctx, orgID := r.Context(), chi.URLParam(r, "org")
	if _, err := h.store.GetOrg(ctx, orgID); err != nil {
		return err
	}
	if st, err := h.platforms.Status(ctx, orgID); err != nil {
		return err
	} else if !st.Connected {
		return errNotFound
	}
	started, err := h.platformSync.SyncPlatformNow(ctx, orgID, body.ApproveRemovals)
	if err != nil {
		h.log.WarnContext(ctx, "could not start a platform sync", "org", orgID, "err", err)
		return httpError(http.StatusServiceUnavailable, "the platform sync could not be started: try again")
	}
	if !started {
		return httpError(http.StatusConflict, "a platform sync is under way: try again when it has ended")
	}
	writeJSON(w, http.StatusAccepted, map[string]bool{"approve_removals": body.ApproveRemovals})
	return nil
}
