package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
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

// PutOrg creates or replaces an org, reporting whether it was created. It
// pokes nothing; see WriteOrg.
func (s *Store) PutOrg(ctx context.Context, o Org) (Org, bool, error) {
	res, err := s.WriteOrg(ctx, OrgWrite{Org: o})
	return res.Org, res.Created, err
}

// OrgWrite is an upsert of an org and its settings.
type OrgWrite struct {
	Org Org
	// FindReach, for an org that exists, works out how the change of its
	// settings from stored to next reaches the org's memberships, bookings
	// and day passes (nil or an empty answer: not at all). It runs inside
	// the write's transaction, after the upsert, and reads through tx,
	// under the exclusive lock of the org's configuration (see
	// reachlocks.go): a lifecycle write finds its reach under the shared lock, so
	// whichever comes second sees the first's settings or entity.
	FindReach func(ctx context.Context, tx *Store, stored, next Org) ([]EntityReach, error)
}

// EntityReach is how a change reaches one membership, booking or day pass
// (Kind, ID): its persons whose access changes now, and whether its access
// changes later (see Reach).
type EntityReach struct {
	Kind access.Kind
	ID   string
	Reach
}

// OrgWriteResult says what an org upsert did. OutboxIDs are the pokes it
// queued, for the caller to send at once after the commit.
type OrgWriteResult struct {
	Org       Org
	Created   bool
	OutboxIDs []int64
}

// WriteOrg creates or replaces an org and queues the pokes its FindReach
// asks for, in one transaction: each reached entity's lifecycle workflow is
// poked (started if its access changes later, else only if it runs), and
// the persons whose access changes now are poked directly.
func (s *Store) WriteOrg(ctx context.Context, w OrgWrite) (OrgWriteResult, error) {
	var res OrgWriteResult
	err := s.inWriteTx(ctx, func(tx pgx.Tx) error {
		res = OrgWriteResult{}
		if err := lockKeys(ctx, tx, false, configKey(w.Org.ID)); err != nil { // see reachlocks.go
			return err
		}
		stored, err := s.inside(tx).GetOrg(ctx, w.Org.ID)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		existed := err == nil
		if res.Org, res.Created, err = upsertOrg(ctx, tx, w.Org); err != nil {
			return err
		}
		if !existed || w.FindReach == nil {
			return nil
		}
		reaches, err := w.FindReach(ctx, s.inside(tx), stored, res.Org)
		if err != nil {
			return fmt.Errorf("store: reach of org %s settings: %w", w.Org.ID, err)
		}
		res.OutboxIDs, err = queuePokes(ctx, tx, w.Org.ID, settingsPokes(reaches), nil)
		return err
	})
	return res, err
}

// settingsPokes are the pokes of the entities a change of org settings
// reaches: the persons whose access it changes now, once each, and the
// lifecycle workflows of the entities with a change ahead.
func settingsPokes(reaches []EntityReach) []Poke {
	var pokes []Poke
	poked := map[string]bool{} // a person's access is recomputed whole: one poke will do
	for _, r := range reaches {
		lifecycle := []Poke{{Kind: PokeLifecycle, Target: LifecycleTarget(r.Kind, r.ID), Reason: "org settings changed"}}
		for _, p := range withDirectPokes(lifecycle, r.Kind, r.ID, r.Reach, "moved with the org settings") {
			if p.Kind == PokeAccess {
				if poked[p.Target] {
					continue
				}
				poked[p.Target] = true
			}
			pokes = append(pokes, p)
		}
	}
	return pokes
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
