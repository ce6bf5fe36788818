package store

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"
)

// SealedValue is one sealed column of one row (internal/secrets): the
// value as stored, and the row's key to find it again.
type SealedValue struct {
	Table  string
	Column string
	// Key is the row's key: the org id, the OAuth state, or a webhook's
	// seal_key ("org/id").
	Key   string
	Value string
}

// sealedColumn names a column holding sealed values, and its table's key.
type sealedColumn struct{ table, key, column string }

// sealedColumns are every column doorsync keeps sealed. A new sealed
// column belongs here (and its seal context in saltoconn's reseal), so
// `doorsync secrets reseal` moves it to the current key too.
var sealedColumns = []sealedColumn{
	{"salto_connections", "org_id", "client_secret_enc"},
	{"salto_connections", "org_id", "password_enc"},
	{"salto_connections", "org_id", "token_enc"},
	{"salto_oauth_states", "state", "verifier_enc"},
	{"webhooks", "seal_key", "secret_enc"},
	{"platform_connections", "org_id", "config_enc"},
}

// SealedValues returns every non-empty sealed value stored.
func (s *Store) SealedValues(ctx context.Context) ([]SealedValue, error) {
	var out []SealedValue
	for _, c := range sealedColumns {
		q := fmt.Sprintf(`select %s, %s from %s where %s <> '' order by 1`,
			ident(c.key), ident(c.column), ident(c.table), ident(c.column))
		rows, err := s.db.Query(ctx, q)
		if err != nil {
			return nil, fmt.Errorf("store: read %s.%s: %w", c.table, c.column, err)
		}
		values, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SealedValue, error) {
			v := SealedValue{Table: c.table, Column: c.column}
			err := r.Scan(&v.Key, &v.Value)
			return v, err
		})
		if err != nil {
			return nil, fmt.Errorf("store: read %s.%s: %w", c.table, c.column, err)
		}
		out = append(out, values...)
	}
	return out, nil
}

// ReplaceSealed stores sealed in place of v, only if the row still holds
// v's value (a token refreshed meanwhile is left as it is): it reports
// whether it replaced it. The row's generation is kept: the value in clear
// is the same.
func (s *Store) ReplaceSealed(ctx context.Context, v SealedValue, sealed string) (bool, error) {
	i := slices.IndexFunc(sealedColumns, func(c sealedColumn) bool { return c.table == v.Table && c.column == v.Column })
	if i < 0 {
		return false, fmt.Errorf("store: %s.%s is not a sealed column", v.Table, v.Column)
	}
	key := sealedColumns[i].key
	q := fmt.Sprintf(`update %s set %s = $1 where %s = $2 and %s = $3`, ident(v.Table), ident(v.Column), ident(key), ident(v.Column))
	tag, err := s.db.Exec(ctx, q, sealed, v.Key, v.Value)
	if err != nil {
		return false, fmt.Errorf("store: reseal %s.%s: %w", v.Table, v.Column, err)
	}
	return tag.RowsAffected() == 1, nil
}

func ident(name string) string { return pgx.Identifier{name}.Sanitize() }
