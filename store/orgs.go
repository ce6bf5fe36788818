package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Org is a tenant and its settings.
type Org struct {
	ID        string
	Name      string
	Settings  OrgSettings
	CreatedAt time.Time
	UpdatedAt time.Time
	// DeletingSince is set once the org's deletion was accepted; nil
	// otherwise (see BeginOrgDeletion).
	DeletingSince *time.Time
}

// OrgSettings are an org's behaviour switches, stored as one JSON document.
type OrgSettings struct {
	TimeZone            string        `json:"time_zone"`
	BookingBufferBefore time.Duration `json:"booking_buffer_before"`
	BookingBufferAfter  time.Duration `json:"booking_buffer_after"`
	ReconcileInterval   time.Duration `json:"reconcile_interval"`
	RemovalGuard        RemovalGuard  `json:"removal_guard"`
	ProtectedSaltoUsers []string      `json:"protected_salto_users"`
	NoAccessPolicy      string        `json:"no_access_policy"`
	// SaltoRateLimit caps the org's Salto KS requests; nil means the
	// deployment's default (DOORSYNC_SALTO_RATE_LIMIT and _BURST).
	SaltoRateLimit *RateLimit `json:"salto_rate_limit,omitempty"`
	// PlatformSyncInterval is how often the org's platform connection is
	// synced (0: DefaultPlatformSyncInterval; see SyncEvery).
	PlatformSyncInterval time.Duration `json:"platform_sync_interval,omitempty"`
}

// DefaultPlatformSyncInterval is how often a platform is synced unless the
// org's platform_sync_interval says otherwise.
const DefaultPlatformSyncInterval = 5 * time.Minute

// SyncEvery is the org's platform sync interval (its default for orgs
// saved before the setting existed).
func (s OrgSettings) SyncEvery() time.Duration {
	if s.PlatformSyncInterval <= 0 {
		return DefaultPlatformSyncInterval
	}
	return s.PlatformSyncInterval
}

// RateLimit lets PerSecond requests a second through on average, and up
// to Burst at once.
type RateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst"`
}

// RemovalGuard holds a group's removals when they exceed both bounds.
type RemovalGuard struct {
	MaxFraction float64 `json:"max_fraction"`
	MinCount    int     `json:"min_count"`
	// HoldExpiresAfter is how long a pending hold waits for an operator
	// (0: DefaultHoldExpiresAfter; see ExpiresAfter).
	HoldExpiresAfter time.Duration `json:"hold_expires_after,omitempty"`
}

// PutOrg creates or replaces an org and pokes nothing: for creating one
// (whose settings reach nothing yet) and for tests. A change of an
// existing org's settings goes through write.Org, which pokes whom it
// reaches.
func (s *Store) PutOrg(ctx context.Context, o Org) (Org, bool, error) {
	var created bool
	err := s.Write(ctx, func(tx *Tx) error {
		var err error
		o, created, err = tx.UpsertOrg(ctx, o)
		return err
	})
	return o, created, err
}

func upsertOrg(ctx context.Context, tx pgx.Tx, o Org) (Org, bool, error) {
	settings, err := json.Marshal(o.Settings)
	if err != nil {
		return Org{}, false, err
	}
	var created bool
	err = tx.QueryRow(ctx, `
		insert into orgs (id, name, settings) values ($1, $2, $3)
		on conflict (id) do update set name = excluded.name, settings = excluded.settings, updated_at = now()
			where orgs.deleting_since is null
		returning created_at, updated_at, (xmax = 0)`,
		o.ID, o.Name, settings).Scan(&o.CreatedAt, &o.UpdatedAt, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return Org{}, false, fmt.Errorf("store: put org %s: %w", o.ID, ErrOrgDeleting)
	}
	if err != nil {
		return Org{}, false, fmt.Errorf("store: put org %s: %w", o.ID, err)
	}
	return o, created, nil
}

// GetOrg returns one org, or ErrNotFound.
func (s *Store) GetOrg(ctx context.Context, id string) (Org, error) {
	o := Org{ID: id}
	var settings []byte
	err := s.db.QueryRow(ctx, `select name, settings, created_at, updated_at, deleting_since from orgs where id = $1`, cachedPlan, id).
		Scan(&o.Name, &settings, &o.CreatedAt, &o.UpdatedAt, &o.DeletingSince)
	if err != nil {
		return Org{}, fmt.Errorf("store: get org %s: %w", id, notFound(err))
	}
	if err := json.Unmarshal(settings, &o.Settings); err != nil {
		return Org{}, fmt.Errorf("store: org %s settings: %w", id, err)
	}
	return o, nil
}

// OrgIDs lists every org id, sorted.
func (s *Store) OrgIDs(ctx context.Context) ([]string, error) {
	rows, err := s.db.Query(ctx, `select id from orgs order by id`)
	if err != nil {
		return nil, fmt.Errorf("store: list orgs: %w", err)
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}
