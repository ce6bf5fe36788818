package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"doorsync/access"
	"doorsync/saltoks"
	"doorsync/store"
)

// A member's access cards are Salto KS tag numbers. A tag belongs to one
// site and a Salto KS user holds one tag there, so each card is assigned on
// the site that knows it, to the member's user there (a site that knows
// several of the cards gets the first; the others are the person's
// problem). doorsync records the tag it assigned on each site
// (store.SaltoIdentity.TagID/TagNumber) and only ever unassigns that one: a
// tag the user got elsewhere (an adopted user's own, one given by hand) is
// never replaced or taken away, and a tag another Salto KS user holds is
// never taken from them. A card that cannot be assigned is the person's
// problem, with one audit error, and the run goes on.

// tagsOutOfStep is true when a member's access cards and the tags doorsync
// assigned differ: a card no site holds as theirs, or an assigned tag whose
// card is gone (or, under no_access_policy "suspend", on a site where they
// have no access left). It needs no Salto KS call. A card that cannot be
// assigned keeps it true, so every run looks again (and a fixed one is
// assigned, its problem cleared).
func (r *applyRun) tagsOutOfStep(ctx context.Context, desired []access.GroupRef) (bool, error) {
	if r.person.Kind != access.PersonMember {
		return false, nil
	}
	ids, err := r.identities(ctx)
	if err != nil {
		return false, err
	}
	cards := r.cards()
	placed, wanted := []string{}, false
	for _, id := range ids {
		want := r.tagsWanted(id, desired)
		wanted = wanted || want
		if id.TagNumber == "" {
			continue
		}
		if !want || !hasCard(cards, id.TagNumber) {
			return true, nil
		}
		placed = append(placed, id.TagNumber)
	}
	if !wanted {
		return false, nil
	}
	for _, c := range cards {
		if !hasCard(placed, c) {
			return true, nil
		}
	}
	return false, nil
}

// tagsWanted is false on a site where the member is to hold no tag: under
// no_access_policy "suspend", one where they have no access left and
// nothing applied (a held removal keeps the tag, as it keeps the user).
func (r *applyRun) tagsWanted(id store.SaltoIdentity, desired []access.GroupRef) bool {
	return r.settings.NoAccessPolicy != policySuspend || onSite(desired, id.SiteID) || r.appliedOn[id.SiteID]
}

// cards are the member's access card numbers, trimmed, without repeats
// (compared case-insensitively), in their order.
func (r *applyRun) cards() []string {
	var out []string
	for _, c := range r.snap.Members[r.person.ID].AccessCards {
		if c = strings.TrimSpace(c); c != "" && !hasCard(out, c) {
			out = append(out, c)
		}
	}
	return out
}

func hasCard(cards []string, number string) bool {
	return slices.ContainsFunc(cards, func(c string) bool { return strings.EqualFold(c, number) })
}

// tagRun is what one syncTags learns across the person's sites.
type tagRun struct {
	cards []string
	// sites are the person's users where they are to hold tags.
	sites []store.SaltoIdentity
	// placed are the cards their users hold.
	placed []string
	issues []tagIssue
}

// tagIssue is a card that cannot be assigned (or a tag that cannot be
// unassigned) on a site: the person's problem.
type tagIssue struct {
	action, siteID, userID, tagID, card, problem string
}

func (t *tagRun) add(action string, id store.SaltoIdentity, tagID, card, problem string) {
	t.issues = append(t.issues, tagIssue{action: action, siteID: id.SiteID, userID: id.UserID, tagID: tagID, card: card, problem: problem})
}

// siteTag is an access card that is a tag of a site.
type siteTag struct {
	card string
	tag  saltoks.Tag
}

// syncTags assigns the member's access cards as tags on the sites where
// they have a user, unassigns the tags doorsync assigned whose card is gone
// (or whose site they have no access left on, under no_access_policy
// "suspend"), and makes every card that cannot be assigned the person's
// problem.
func (r *applyRun) syncTags(ctx context.Context, desired []access.GroupRef) error {
	if r.person.Kind != access.PersonMember {
		return nil
	}
	ids, err := r.identities(ctx)
	if err != nil {
		return err
	}
	defer r.identitiesChanged()
	t := &tagRun{cards: r.cards()}
	for _, id := range ids {
		if !r.tagsWanted(id, desired) {
			err = r.releaseTag(ctx, id, t)
		} else {
			t.sites = append(t.sites, id)
			err = r.syncSiteTags(ctx, id, t)
		}
		if err != nil {
			return err
		}
	}
	t.addUnknownCards()
	return r.reportTagIssues(ctx, t)
}

// syncSiteTags gives the member's user on one site the first card the site
// knows, unless the user already holds one of the cards or a tag doorsync
// did not assign; with no card for the site, the tag doorsync assigned there
// is unassigned. A member without cards whom doorsync gave no tag there has
// nothing to place or take back, and their user is not read.
func (r *applyRun) syncSiteTags(ctx context.Context, id store.SaltoIdentity, t *tagRun) error {
	if len(t.cards) == 0 && id.TagNumber == "" {
		return nil
	}
	user, err := r.client.GetUser(ctx, id.SiteID, id.SiteUserID)
	if saltoks.IsNotFound(err) {
		return r.forgetIfGone(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("get user of %s on site %s: %w", r.wkey, id.SiteID, err)
	}
	known, err := r.knownTags(ctx, id, t)
	if err != nil {
		return err
	}
	if id, err = r.dropIfChangedByHand(ctx, id, user); err != nil {
		return err
	}
	if held, ok := heldCard(known, user.TagID); ok {
		t.placed = append(t.placed, held.card)
		t.oneTagPerUser(id, known, held)
		return nil
	}
	if user.TagID != "" && id.TagNumber == "" {
		t.notDoorsyncs(id, known, user)
		return nil
	}
	return r.assignFirstFree(ctx, id, known, t)
}

// knownTags looks the member's cards up on the site: those it knows as
// tags, in the cards' order. A lookup Salto KS refuses is an issue.
func (r *applyRun) knownTags(ctx context.Context, id store.SaltoIdentity, t *tagRun) ([]siteTag, error) {
	var known []siteTag
	for _, c := range t.cards {
		tag, err := r.client.FindTagByNumber(ctx, id.SiteID, c)
		switch {
		case saltoks.IsNotFound(err): // not a tag of this site
		case saltoks.IsRefused(err):
			t.add(ActionAssignTag, id, "", c, fmt.Sprintf("Salto KS refused to look up access card %s on site %s: %s",
				c, id.SiteID, refusalText(err)))
		case err != nil:
			return nil, fmt.Errorf("find tag of %s on site %s: %w", r.wkey, id.SiteID, err)
		default:
			known = append(known, siteTag{card: c, tag: *tag})
		}
	}
	return known, nil
}

// dropIfChangedByHand forgets the tag doorsync assigned when the user no
// longer holds it (someone changed it in Salto KS): what they hold now is
// not doorsync's to unassign.
func (r *applyRun) dropIfChangedByHand(ctx context.Context, id store.SaltoIdentity, user *saltoks.SiteUser) (store.SaltoIdentity, error) {
	if id.TagNumber == "" || strings.EqualFold(user.TagID, id.TagID) {
		return id, nil
	}
	id.TagID, id.TagNumber = "", ""
	return id, r.a.Store.SetAssignedTag(ctx, r.org, r.key, id.SiteID, "", "", nil)
}

func heldCard(known []siteTag, userTagID string) (siteTag, bool) {
	for _, k := range known {
		if userTagID != "" && strings.EqualFold(k.tag.ID, userTagID) {
			return k, true
		}
	}
	return siteTag{}, false
}

// oneTagPerUser makes the site's other cards issues: the user holds held.
func (t *tagRun) oneTagPerUser(id store.SaltoIdentity, known []siteTag, held siteTag) {
	for _, k := range known {
		if k.card != held.card {
			t.add(ActionAssignTag, id, k.tag.ID, k.card, fmt.Sprintf(
				"access card %s is not assigned on Salto KS site %s: a user holds one tag there, and they hold access card %s",
				k.card, id.SiteID, held.card))
		}
	}
}

// notDoorsyncs makes the site's cards issues: the user holds a tag doorsync
// did not assign, which it does not replace.
func (t *tagRun) notDoorsyncs(id store.SaltoIdentity, known []siteTag, user *saltoks.SiteUser) {
	held := user.TagNumber
	if held == "" {
		held = user.TagID
	}
	for _, k := range known {
		t.add(ActionAssignTag, id, k.tag.ID, k.card, fmt.Sprintf(
			"access card %s is not assigned on Salto KS site %s: their Salto KS user there holds tag %s, which doorsync did not assign and does not replace",
			k.card, id.SiteID, held))
	}
}

// assignFirstFree assigns the first card the site knows that no other
// Salto KS user holds; the cards others hold, and the free ones after the
// first, are issues. With no card to assign, the tag doorsync assigned
// there (if any) is unassigned.
func (r *applyRun) assignFirstFree(ctx context.Context, id store.SaltoIdentity, known []siteTag, t *tagRun) error {
	var target *siteTag
	for i, k := range known {
		switch {
		case k.tag.UserID != "" && !strings.EqualFold(k.tag.UserID, id.UserID):
			t.add(ActionAssignTag, id, k.tag.ID, k.card, fmt.Sprintf(
				"access card %s is held by another Salto KS user on site %s: doorsync does not take it from them", k.card, id.SiteID))
		case target == nil:
			target = &known[i]
		default:
			t.add(ActionAssignTag, id, k.tag.ID, k.card, fmt.Sprintf(
				"access card %s is not assigned on Salto KS site %s: a user holds one tag there, and they get access card %s",
				k.card, id.SiteID, target.card))
		}
	}
	if target == nil {
		return r.unassignTag(ctx, id, t)
	}
	return r.assignTag(ctx, id, *target, t)
}

// assignTag gives the user the tag of card k, audited; a refusal is an
// issue.
func (r *applyRun) assignTag(ctx context.Context, id store.SaltoIdentity, k siteTag, t *tagRun) error {
	_, err := r.client.PatchUser(ctx, id.SiteID, id.SiteUserID, tagPatch(k.tag.ID))
	if saltoks.IsRefused(err) {
		t.add(ActionAssignTag, id, k.tag.ID, k.card, fmt.Sprintf("Salto KS refused to assign access card %s on site %s: %s",
			k.card, id.SiteID, refusalText(err)))
		return nil
	}
	if err != nil {
		return fmt.Errorf("set tag of %s on site %s: %w", r.wkey, id.SiteID, err)
	}
	t.placed = append(t.placed, k.card)
	audit := r.audit(ActionAssignTag, access.GroupRef{SiteID: id.SiteID}, id.UserID, tagReason(k.tag.ID, k.card, t.cards))
	return r.a.Store.SetAssignedTag(ctx, r.org, r.key, id.SiteID, k.tag.ID, k.card, &audit)
}

// unassignTag takes away the tag doorsync assigned to the user (the caller
// checked they still hold it), audited; a refusal is an issue.
func (r *applyRun) unassignTag(ctx context.Context, id store.SaltoIdentity, t *tagRun) error {
	if id.TagNumber == "" {
		return nil
	}
	_, err := r.client.PatchUser(ctx, id.SiteID, id.SiteUserID, tagPatch(""))
	if saltoks.IsRefused(err) {
		t.add(ActionUnassignTag, id, id.TagID, id.TagNumber, fmt.Sprintf("Salto KS refused to unassign access card %s on site %s: %s",
			id.TagNumber, id.SiteID, refusalText(err)))
		return nil
	}
	if err != nil {
		return fmt.Errorf("unassign tag of %s on site %s: %w", r.wkey, id.SiteID, err)
	}
	audit := r.audit(ActionUnassignTag, access.GroupRef{SiteID: id.SiteID}, id.UserID, tagReason(id.TagID, id.TagNumber, t.cards))
	return r.a.Store.SetAssignedTag(ctx, r.org, r.key, id.SiteID, "", "", &audit)
}

// releaseTag unassigns the tag doorsync assigned on a site where the member
// is to hold none, if the user still holds it.
func (r *applyRun) releaseTag(ctx context.Context, id store.SaltoIdentity, t *tagRun) error {
	if id.TagNumber == "" {
		return nil
	}
	user, err := r.client.GetUser(ctx, id.SiteID, id.SiteUserID)
	if saltoks.IsNotFound(err) {
		return r.forgetIfGone(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("get user of %s on site %s: %w", r.wkey, id.SiteID, err)
	}
	if id, err = r.dropIfChangedByHand(ctx, id, user); err != nil {
		return err
	}
	return r.unassignTag(ctx, id, t)
}

// addUnknownCards makes an issue of every card that is a tag on none of
// the sites where the person has a user (none when they have no user yet).
func (t *tagRun) addUnknownCards() {
	if len(t.sites) == 0 {
		return
	}
	siteIDs := make([]string, len(t.sites))
	for i, id := range t.sites {
		siteIDs[i] = id.SiteID
	}
	for _, c := range t.cards {
		if !hasCard(t.placed, c) && !slices.ContainsFunc(t.issues, func(is tagIssue) bool { return strings.EqualFold(is.card, c) }) {
			t.add(ActionAssignTag, t.sites[0], "", c, fmt.Sprintf("access card %s is not a tag on Salto KS site %s",
				c, strings.Join(siteIDs, ", ")))
		}
	}
}

// reportTagIssues makes each issue the person's problem (a card another
// site's user holds after all is none) and records it with one audit error
// entry, unless the last entry about that card on that site already says
// the same (runs repeat until it is fixed).
func (r *applyRun) reportTagIssues(ctx context.Context, t *tagRun) error {
	for _, is := range t.issues {
		if is.action == ActionAssignTag && hasCard(t.placed, is.card) {
			continue
		}
		r.problems = append(r.problems, is.problem)
		last, err := r.a.Store.LastTagAudit(ctx, r.org, r.key, is.siteID, is.card)
		if err == nil && last.Action == is.action && last.Result == resultError && last.Error == is.problem {
			continue
		}
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		audit := r.audit(is.action, access.GroupRef{SiteID: is.siteID}, is.userID, tagReason(is.tagID, is.card, t.cards))
		audit.Result, audit.Error = resultError, is.problem
		if err := r.a.Store.AddAudit(ctx, r.org, audit); err != nil {
			return err
		}
	}
	return nil
}
