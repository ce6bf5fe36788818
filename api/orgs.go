package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"doorsync/access"
	"doorsync/internal/entity"
	"doorsync/store"
)

// orgBody is an org's settings as the API reads and writes them.
type orgBody struct {
	ID                  string        `json:"id,omitempty"`
	Name                string        `json:"name"`
	TimeZone            string        `json:"time_zone"`
	BookingBufferBefore *duration     `json:"booking_buffer_before,omitempty"`
	BookingBufferAfter  *duration     `json:"booking_buffer_after,omitempty"`
	ReconcileInterval   *duration     `json:"reconcile_interval,omitempty"`
	RemovalGuard        *removalGuard `json:"removal_guard,omitempty"`
	ProtectedSaltoUsers []string      `json:"protected_salto_users"`
	NoAccessPolicy      string        `json:"no_access_policy"`
	SaltoRateLimit      *rateLimit    `json:"salto_rate_limit,omitempty"`
	// PlatformSyncInterval is how often a connected platform is synced.
	PlatformSyncInterval *duration `json:"platform_sync_interval,omitempty"`
}

// rateLimit is the salto_rate_limit setting; absent, the org gets the
// deployment's (DOORSYNC_SALTO_RATE_LIMIT and DOORSYNC_SALTO_RATE_BURST).
type rateLimit struct {
	PerSecond *float64 `json:"per_second"`
	Burst     *int     `json:"burst"`
}

type removalGuard struct {
	MaxFraction      *float64  `json:"max_fraction"`
	MinCount         *int      `json:"min_count"`
	HoldExpiresAfter *duration `json:"hold_expires_after,omitempty"`
}

// Defaults of API.md.
const (
	defaultBuffer            = 15 * time.Minute
	defaultReconcileInterval = 15 * time.Minute
	defaultGuardFraction     = 0.2
	defaultGuardMinCount     = 10
	// A hold's expiry: store.DefaultHoldExpiresAfter, between an hour and
	// 30 days.
	minHoldExpiresAfter = time.Hour
	maxHoldExpiresAfter = 30 * 24 * time.Hour
)

func (h *handlers) putOrg(w http.ResponseWriter, r *http.Request) error {
	var body orgBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	settings, err := body.settings()
	if err != nil {
		return err
	}
	res, err := h.write.Org(r.Context(), store.Org{ID: chi.URLParam(r, "org"), Name: body.Name, Settings: settings})
	if err != nil {
		return err
	}
	h.flush(r.Context(), res.OutboxIDs)
	org, created := res.Org, res.Created
	if h.onOrgSaved != nil {
		if err := h.onOrgSaved(r.Context(), org); err != nil {
			return err
		}
	}
	if !created && res.Previous.Settings.SyncEvery() != org.Settings.SyncEvery() {
		if err := h.startSync(r.Context(), org, false); err != nil {
			return err
		}
	}
	writeJSON(w, createdOrOK(created), orgResponse(org))
	return nil
}

func (h *handlers) getOrg(w http.ResponseWriter, r *http.Request) error {
	org, err := h.store.GetOrg(r.Context(), chi.URLParam(r, "org"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, orgResponse(org))
	return nil
}

// settings validates the body and fills the defaults.
func (b orgBody) settings() (store.OrgSettings, error) {
	v := &validationError{}
	if b.Name == "" {
		v.add("name", "is required")
	}
	if b.TimeZone == "" {
		v.add("time_zone", "is required")
	} else if err := access.CheckTimeZone(b.TimeZone); err != nil {
		v.add("time_zone", "is not an IANA time zone")
	}
	s := store.OrgSettings{
		TimeZone:            b.TimeZone,
		BookingBufferBefore: durationOr(b.BookingBufferBefore, defaultBuffer),
		BookingBufferAfter:  durationOr(b.BookingBufferAfter, defaultBuffer),
		ReconcileInterval:   durationOr(b.ReconcileInterval, defaultReconcileInterval),
		RemovalGuard: store.RemovalGuard{MaxFraction: defaultGuardFraction, MinCount: defaultGuardMinCount,
			HoldExpiresAfter: store.DefaultHoldExpiresAfter},
		ProtectedSaltoUsers: b.ProtectedSaltoUsers,
		NoAccessPolicy:      b.NoAccessPolicy,
	}
	checkRange(v, "booking_buffer_before", s.BookingBufferBefore, 0, entity.MaxBuffer)
	checkRange(v, "booking_buffer_after", s.BookingBufferAfter, 0, entity.MaxBuffer)
	checkRange(v, "reconcile_interval", s.ReconcileInterval, time.Minute, 24*time.Hour)
	s.PlatformSyncInterval = durationOr(b.PlatformSyncInterval, store.DefaultPlatformSyncInterval)
	checkRange(v, "platform_sync_interval", s.PlatformSyncInterval, time.Minute, 24*time.Hour)
	if g := b.RemovalGuard; g != nil {
		if g.MaxFraction != nil {
			s.RemovalGuard.MaxFraction = *g.MaxFraction
		}
		if g.MinCount != nil {
			s.RemovalGuard.MinCount = *g.MinCount
		}
		s.RemovalGuard.HoldExpiresAfter = durationOr(g.HoldExpiresAfter, store.DefaultHoldExpiresAfter)
	}
	checkRange(v, "removal_guard.hold_expires_after", s.RemovalGuard.HoldExpiresAfter, minHoldExpiresAfter, maxHoldExpiresAfter)
	if f := s.RemovalGuard.MaxFraction; f <= 0 || f > 1 {
		v.add("removal_guard.max_fraction", "must be more than 0 and at most 1")
	}
	if s.RemovalGuard.MinCount < 0 {
		v.add("removal_guard.min_count", "must not be negative")
	}
	if s.NoAccessPolicy == "" {
		s.NoAccessPolicy = "keep"
	}
	if s.NoAccessPolicy != "keep" && s.NoAccessPolicy != "suspend" {
		v.add("no_access_policy", `must be "keep" or "suspend"`)
	}
	if s.ProtectedSaltoUsers == nil {
		s.ProtectedSaltoUsers = []string{}
	}
	s.SaltoRateLimit = b.SaltoRateLimit.setting(v)
	return s, v.orNil()
}

// Bounds of salto_rate_limit.
const (
	maxRatePerSecond = 1000
	maxRateBurst     = 1000
)

// setting validates the salto_rate_limit setting; nil stays nil.
func (l *rateLimit) setting(v *validationError) *store.RateLimit {
	if l == nil {
		return nil
	}
	if l.PerSecond == nil || *l.PerSecond <= 0 || *l.PerSecond > maxRatePerSecond {
		v.add("salto_rate_limit.per_second", fmt.Sprintf("is required: more than 0 and at most %d", maxRatePerSecond))
	}
	if l.Burst == nil || *l.Burst < 1 || *l.Burst > maxRateBurst {
		v.add("salto_rate_limit.burst", fmt.Sprintf("is required: from 1 to %d", maxRateBurst))
	}
	if l.PerSecond == nil || l.Burst == nil {
		return nil
	}
	return &store.RateLimit{PerSecond: *l.PerSecond, Burst: *l.Burst}
}

func durationOr(d *duration, def time.Duration) time.Duration {
	if d == nil {
		return def
	}
	return time.Duration(*d)
}

func checkRange(v *validationError, field string, d, lo, hi time.Duration) {
	if d < lo || d > hi {
		v.add(field, "must be between "+entity.FormatDuration(lo)+" and "+entity.FormatDuration(hi))
	}
}

func orgResponse(o store.Org) orgView {
	s := o.Settings
	before, after, interval := duration(s.BookingBufferBefore), duration(s.BookingBufferAfter), duration(s.ReconcileInterval)
	fraction, minCount := s.RemovalGuard.MaxFraction, s.RemovalGuard.MinCount
	expiresAfter := duration(s.RemovalGuard.ExpiresAfter())
	syncEvery := duration(s.SyncEvery())
	return orgView{orgBody: orgBody{
		ID: o.ID, Name: o.Name, TimeZone: s.TimeZone,
		BookingBufferBefore: &before, BookingBufferAfter: &after, ReconcileInterval: &interval,
		RemovalGuard:        &removalGuard{MaxFraction: &fraction, MinCount: &minCount, HoldExpiresAfter: &expiresAfter},
		ProtectedSaltoUsers: s.ProtectedSaltoUsers, NoAccessPolicy: s.NoAccessPolicy,
		SaltoRateLimit: rateLimitView(s.SaltoRateLimit), PlatformSyncInterval: &syncEvery,
	}, DeletingSince: o.DeletingSince}
}

func createdOrOK(created bool) int {
	if created {
		return http.StatusCreated
	}
	return http.StatusOK
}

// rateLimitView is the org's salto_rate_limit setting, nil when unset.
func rateLimitView(l *store.RateLimit) *rateLimit {
	if l == nil {
		return nil
	}
	perSecond, burst := l.PerSecond, l.Burst
	return &rateLimit{PerSecond: &perSecond, Burst: &burst}
}
