package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// PlatformConnection is an org's link to its coworking platform
// (connectors.Platform's values). ConfigEnc is the sealed config
// (internal/platformconn); the store never sees it in clear.
type PlatformConnection struct {
	OrgID     string
	Platform  string
	ConfigEnc string
	// Generation grows on every (re)connection, so cached clients know to
	// rebuild.
	Generation  int64
	ConnectedAt time.Time
	Sync        PlatformSync
}

// PlatformSync is the state of an org's platform sync, kept with its
// connection.
type PlatformSync struct {
	LastSyncAt *time.Time
	LastError  string
	// Counts are the entities of each kind the last full sync read.
	Counts map[string]int
	// Watermarks are, per stream, the modification time the next
	// incremental read starts from.
	Watermarks map[string]time.Time
	// Held says why a sweep's deletions are held ("" when none is).
	Held string
}

// PlatformSealContext is the context an org's platform config is sealed
// under (internal/secrets), so a sealed config cannot move to another org.
func PlatformSealContext(orgID string) string { return "org:" + orgID + "/platform/config" }

// PutPlatformConnection creates or replaces an org's platform connection
// with a new generation and a fresh sync state: a reconnection may name
// another account, whose watermarks and held sweep the old one's are not.
// An org being deleted takes none: ErrOrgDeleting.
func (s *Store) PutPlatformConnection(ctx context.Context, c PlatformConnection) error {
	tag, err := s.db.Exec(ctx, `
		insert into platform_connections (org_id, platform, config_enc)
		select $1, $2, $3 from orgs where id = $1 and deleting_since is null for share
		on conflict (org_id) do update set platform = excluded.platform, config_enc = excluded.config_enc,
			generation = nextval('platform_connection_generations'), connected_at = now(),
			last_sync_at = null, last_error = '', counts = '{}', watermarks = '{}', held = ''`,
		c.OrgID, c.Platform, c.ConfigEnc)
	if err != nil {
		return fmt.Errorf("store: put platform connection: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: put platform connection of %s: %w", c.OrgID, ErrOrgDeleting)
	}
	return nil
}

// GetPlatformConnection returns an org's platform connection, or
// ErrNotFound.
func (s *Store) GetPlatformConnection(ctx context.Context, orgID string) (PlatformConnection, error) {
	c := PlatformConnection{OrgID: orgID}
	var counts, watermarks []byte
	err := s.db.QueryRow(ctx, `
		select platform, config_enc, generation, connected_at, last_sync_at, last_error, counts, watermarks, held
		from platform_connections where org_id = $1`, cachedPlan, orgID).
		Scan(&c.Platform, &c.ConfigEnc, &c.Generation, &c.ConnectedAt, &c.Sync.LastSyncAt, &c.Sync.LastError,
			&counts, &watermarks, &c.Sync.Held)
	if err != nil {
		return PlatformConnection{}, fmt.Errorf("store: platform connection %s: %w", orgID, notFound(err))
	}
	if err := decodeSyncMaps(counts, watermarks, &c.Sync); err != nil {
		return PlatformConnection{}, fmt.Errorf("store: platform connection %s: %w", orgID, err)
	}
	return c, nil
}

// DeletePlatformConnection removes an org's platform connection and its
// sync state (the entities it wrote stay); ErrNotFound when it has none.
func (s *Store) DeletePlatformConnection(ctx context.Context, orgID string) error {
	tag, err := s.db.Exec(ctx, `delete from platform_connections where org_id = $1`, orgID)
	if err != nil {
		return fmt.Errorf("store: delete platform connection: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: platform connection %s: %w", orgID, ErrNotFound)
	}
	return nil
}

// PlatformSyncState returns the sync state of the org's platform
// connection, or ErrNotFound when the org has none.
func (s *Store) PlatformSyncState(ctx context.Context, orgID string) (PlatformSync, error) {
	c, err := s.GetPlatformConnection(ctx, orgID)
	return c.Sync, err
}

// RecordPlatformSync replaces the sync state of the org's platform
// connection; ErrNotFound when the org has none (it was disconnected
// while the sync ran). Nil maps are stored empty.
func (s *Store) RecordPlatformSync(ctx context.Context, orgID string, st PlatformSync) error {
	counts, err := json.Marshal(nonNil(st.Counts))
	if err != nil {
		return fmt.Errorf("store: record platform sync: %w", err)
	}
	watermarks, err := json.Marshal(nonNil(st.Watermarks))
	if err != nil {
		return fmt.Errorf("store: record platform sync: %w", err)
	}
	tag, err := s.db.Exec(ctx, `
		update platform_connections set last_sync_at = $2, last_error = $3, counts = $4, watermarks = $5, held = $6
		where org_id = $1`, orgID, st.LastSyncAt, st.LastError, counts, watermarks, st.Held)
	if err != nil {
		return fmt.Errorf("store: record platform sync: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: platform connection %s: %w", orgID, ErrNotFound)
	}
	return nil
}

func decodeSyncMaps(counts, watermarks []byte, st *PlatformSync) error {
	if err := json.Unmarshal(counts, &st.Counts); err != nil {
		return fmt.Errorf("counts: %w", err)
	}
	if err := json.Unmarshal(watermarks, &st.Watermarks); err != nil {
		return fmt.Errorf("watermarks: %w", err)
	}
	st.Counts, st.Watermarks = nonNil(st.Counts), nonNil(st.Watermarks)
	return nil
}

func nonNil[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return m
}
