package write

import (
	"context"
	"fmt"

	"doorsync/access"
	"doorsync/store"
)

// ReapplyReason is the reason a reapply's poke carries (the workflow's
// logs and the outbox name it).
const ReapplyReason = "reapply requested"

// Reapply pokes a member's access workflow, which recomputes what they
// should have and applies the difference: what an operator asks for once
// the cause of a problem is fixed outside doorsync (a seat freed, a tag
// released). It changes no data, so repeating it is harmless. An unknown
// member is store.ErrNotFound.
func (wr *Writer) Reapply(ctx context.Context, orgID, memberID string) ([]int64, error) {
	var ids []int64
	err := wr.Store.Write(ctx, func(tx *store.Tx) error {
		// The lock orders the poke after a write of the member in flight,
		// so the run it starts reads that write.
		m, err := tx.LockEntity(ctx, orgID, access.KindMember, memberID)
		if err != nil {
			return err
		}
		if m == nil {
			return fmt.Errorf("write: reapply member %s: %w", memberID, store.ErrNotFound)
		}
		ids, err = tx.Queue(ctx, orgID, []store.Poke{{Kind: store.PokeAccess, Target: access.MemberRef(memberID).Key(), At: wr.now(), Reason: ReapplyReason}}, 0)
		return err
	})
	return ids, err
}
