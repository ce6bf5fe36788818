package store

import (
	"context"
	"fmt"
)

// GuestKey pairs a guest's workflow key with their store key (see
// internal/guestkey).
type GuestKey struct {
	OrgID  string
	Key    string
	Person string
}

// RememberGuestKeys records the way back from guests' workflow keys to
// their store keys (idempotent).
func (s *Store) RememberGuestKeys(ctx context.Context, keys []GuestKey) error {
	if len(keys) == 0 {
		return nil
	}
	orgs, wkeys, persons := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		orgs[i], wkeys[i], persons[i] = k.OrgID, k.Key, k.Person
	}
	_, err := s.db.Exec(ctx, `insert into guest_keys (org_id, key, person)
		select * from unnest($1::text[], $2::text[], $3::text[]) on conflict do nothing`, orgs, wkeys, persons)
	if err != nil {
		return fmt.Errorf("store: remember guest keys: %w", err)
	}
	return nil
}

// GuestPersons returns the store keys of guests' workflow keys; a key not
// remembered is missing from the map.
func (s *Store) GuestPersons(ctx context.Context, orgID string, keys []string) (map[string]string, error) {
	rows, err := s.db.Query(ctx, `select key, person from guest_keys where org_id = $1 and key = any($2)`, orgID, keys)
	if err != nil {
		return nil, fmt.Errorf("store: guest keys: %w", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, p string
		if err := rows.Scan(&k, &p); err != nil {
			return nil, err
		}
		out[k] = p
	}
	return out, rows.Err()
}
