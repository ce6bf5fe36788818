package activities

import (
	"context"
	"fmt"

	"doorsync/access"
	"doorsync/store"
)

// tagsOutOfStep is true when a member's Salto KS tag differs from their
// first access card on any site they exist on; it needs no Salto KS call.
func (r *applyRun) tagsOutOfStep(ctx context.Context) (bool, error) {
	if r.person.Kind != access.PersonMember {
		return false, nil
	}
	ids, err := r.identities(ctx)
	if err != nil {
		return false, err
	}
	want := firstCard(r.snap.Members[r.person.ID].AccessCards)
	for _, id := range ids {
		if id.TagNumber != want {
			return true, nil
		}
	}
	return false, nil
}

func firstCard(cards []string) string {
	if len(cards) == 0 {
		return ""
	}
	return cards[0]
}

// syncTags assigns the member's first access card as their tag on every
// site where they exist, and unassigns a tag doorsync assigned once the
// member has no card.
func (r *applyRun) syncTags(ctx context.Context) error {
	if r.person.Kind != access.PersonMember {
		return nil
	}
	ids, err := r.identities(ctx)
	if err != nil {
		return err
	}
	cards := r.snap.Members[r.person.ID].AccessCards
	for _, id := range ids {
		r.alive(ctx)
		if err := r.syncTag(ctx, id, cards); err != nil {
			return err
		}
	}
	return nil
}

func (r *applyRun) syncTag(ctx context.Context, id store.SaltoIdentity, cards []string) error {
	if id.TagNumber == firstCard(cards) {
		return nil
	}
	want := ""
	if len(cards) > 0 {
		tag, err := r.client.FindTagByNumber(ctx, id.SiteID, cards[0])
		if err != nil {
			return fmt.Errorf("find tag %s on site %s: %w", cards[0], id.SiteID, err)
		}
		if tag == nil {
			r.problems = append(r.problems, fmt.Sprintf("access card %s is not a tag on Salto KS site %s", cards[0], id.SiteID))
			return nil
		}
		want = tag.ID
	}
	if want != id.TagID {
		if err := r.setTag(ctx, id, want, cards); err != nil {
			return err
		}
	}
	id.TagID, id.TagNumber = want, firstCard(cards)
	r.identitiesChanged()
	return r.a.Store.SaveSaltoIdentity(ctx, r.org, id)
}

// setTag assigns tag want (or, with "", removes the user's tag), audited.
func (r *applyRun) setTag(ctx context.Context, id store.SaltoIdentity, want string, cards []string) error {
	if _, err := r.client.PatchUser(ctx, id.SiteID, id.SiteUserID, tagPatch(want)); err != nil {
		return fmt.Errorf("set tag of %s on site %s: %w", r.wkey, id.SiteID, err)
	}
	action, tagRef := ActionAssignTag, want
	if want == "" {
		action, tagRef = ActionUnassignTag, id.TagID
	}
	audit := r.audit(action, access.GroupRef{SiteID: id.SiteID}, id.UserID, tagReason(tagRef, cards))
	return r.a.Store.AddAudit(ctx, r.org, audit)
}
