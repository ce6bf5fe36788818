package store

import (
	"context"
	"fmt"
)

// APIKey is an org key as stored: its hash, never the key itself.
type APIKey struct {
	ID      string
	OrgID   string
	Name    string
	KeyHash []byte
	// Role is KeyRolePlatform or KeyRoleOperator.
	Role string
}

// Key roles: what an org key may do (see api/routes.go).
const (
	KeyRolePlatform = "platform"
	KeyRoleOperator = "operator"
)

// CreateAPIKey stores a key's hash; a key without a role is an operator.
func (s *Store) CreateAPIKey(ctx context.Context, k APIKey) error {
	if k.Role == "" {
		k.Role = KeyRoleOperator
	}
	_, err := s.db.Exec(ctx, `insert into api_keys (id, org_id, name, key_hash, role) values ($1, $2, $3, $4, $5)`,
		k.ID, k.OrgID, k.Name, k.KeyHash, k.Role)
	if err != nil {
		return fmt.Errorf("store: create api key: %w", err)
	}
	return nil
}

// DeleteAPIKey removes one of an org's keys, or returns ErrNotFound.
func (s *Store) DeleteAPIKey(ctx context.Context, orgID, id string) error {
	tag, err := s.db.Exec(ctx, `delete from api_keys where org_id = $1 and id = $2`, orgID, id)
	if err != nil {
		return fmt.Errorf("store: delete api key: %w", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("store: api key %s: %w", id, ErrNotFound)
	}
	return nil
}

// APIKeyByID returns a key's record for verification, or ErrNotFound.
func (s *Store) APIKeyByID(ctx context.Context, id string) (APIKey, error) {
	k := APIKey{ID: id}
	err := s.db.QueryRow(ctx, `select org_id, name, key_hash, role from api_keys where id = $1`, id).
		Scan(&k.OrgID, &k.Name, &k.KeyHash, &k.Role)
	if err != nil {
		return APIKey{}, fmt.Errorf("store: api key: %w", notFound(err))
	}
	return k, nil
}
