package store

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jackc/pgx/v5"

	"doorsync/access"
)

// Reach locks keep a write of a membership, booking or day pass from
// missing a concurrent write of something it depends on, and the other way
// round. The first works out whom it reaches from what is stored; the second
// finds, in its dependent pokes, the lifecycle entities it affects. Each
// sees only what was committed when it read, so two such writes at the
// same moment (a member and a membership naming them, sent by two
// webhooks) could each miss the other, and the member would be poked by
// neither. Transaction-scoped advisory locks order them: a lifecycle write
// holds shared locks on what it depends on while it finds its reach; a write of one
// of those holds an exclusive lock from before it looks for dependents
// until it commits. Whichever comes second sees the first.
//
// The keys are coarse where writes are rare: one per org for everything an
// operator configures (locations, floors, resources, plans, teams,
// mappings), one per member, and one per team's membership roll.

// configKey is the lock of an org's settings, locations, floors, resources, plans,
// teams and mappings.
func configKey(orgID string) string { return orgID + "/config" }

// memberKey is the lock of one member.
func memberKey(orgID, id string) string { return orgID + "/member/" + id }

// teamRollKey is the lock of who is in a team.
func teamRollKey(orgID, id string) string { return orgID + "/team/" + id }

// lockKeys takes transaction-scoped advisory locks on keys, shared or
// exclusive, in one order, so that two writes cannot wait on each other.
func lockKeys(ctx context.Context, tx pgx.Tx, shared bool, keys ...string) error {
	fn := "pg_advisory_xact_lock"
	if shared {
		fn = "pg_advisory_xact_lock_shared"
	}
	_, err := tx.Exec(ctx, `select `+fn+`(h) from (select distinct hashtextextended(k, 0) as h
		from unnest($1::text[]) as k) as keys order by h`, keys)
	if err != nil {
		return fmt.Errorf("store: reach locks: %w", err)
	}
	return nil
}

// holderColumns are the references of a lifecycle entity that decide whom
// it reaches, from access's declaration: the fields of lifecycle kinds
// that reference a member, and those that reference a team (a member's
// own team field too, for lockAsDependency's member bodies).
var holderColumns = struct{ members, teams []string }{
	members: distinct(fieldsOf(access.LifecycleReferences(access.KindMember))...),
	teams:   distinct(append(fieldsOf(access.LifecycleReferences(access.KindTeam)), memberTeamColumn)...),
}

// lockForReach takes the shared locks finding a lifecycle entity's reach
// needs, for each body it is found from (the stored one and the new one).
func lockForReach(ctx context.Context, tx pgx.Tx, orgID string, bodies ...json.RawMessage) error {
	keys, err := holderKeys(orgID, true, bodies)
	if err != nil {
		return err
	}
	return lockKeys(ctx, tx, true, append(keys, configKey(orgID))...)
}

// lockAsDependency takes the exclusive locks a write of a non-lifecycle
// entity (kind, id) needs before it looks for what depends on it. A
// member's write also locks the rolls of the teams it leaves and joins.
func lockAsDependency(ctx context.Context, tx pgx.Tx, orgID string, kind access.Kind, id string, bodies ...json.RawMessage) error {
	if kind != access.KindMember {
		return lockKeys(ctx, tx, false, configKey(orgID))
	}
	keys, err := holderKeys(orgID, false, bodies)
	if err != nil {
		return err
	}
	return lockKeys(ctx, tx, false, append(keys, memberKey(orgID, id))...)
}

// holderKeys are the keys of the team rolls (and, withMembers, of the
// members) that bodies reference; a nil body references nothing.
func holderKeys(orgID string, withMembers bool, bodies []json.RawMessage) ([]string, error) {
	var keys []string
	for _, b := range bodies {
		if b == nil {
			continue
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(b, &fields); err != nil {
			return nil, fmt.Errorf("store: holder references: %w", err)
		}
		if withMembers {
			for _, c := range holderColumns.members {
				id, err := stringField(fields, c)
				if err != nil {
					return nil, err
				}
				if id != "" {
					keys = append(keys, memberKey(orgID, id))
				}
			}
		}
		for _, c := range holderColumns.teams {
			id, err := stringField(fields, c)
			if err != nil {
				return nil, err
			}
			if id != "" {
				keys = append(keys, teamRollKey(orgID, id))
			}
		}
	}
	return keys, nil
}

// stringField is the string field of a body ("" when absent or null).
func stringField(fields map[string]json.RawMessage, name string) (string, error) {
	raw, ok := fields[name]
	if !ok {
		return "", nil
	}
	var v *string
	if err := json.Unmarshal(raw, &v); err != nil {
		return "", fmt.Errorf("store: holder reference %s: %w", name, err)
	}
	if v == nil {
		return "", nil
	}
	return *v, nil
}
