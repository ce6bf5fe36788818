package activities

import (
	"context"

	"doorsync/saltoks"
	"doorsync/store"
)

// rememberNames refreshes the names Salto KS gives the managed groups and
// their sites (store.SaltoNames), which explain and the console show
// without calling Salto KS: one listing of sites and one of groups per
// managed site, each run. A failure is logged and the run goes on: a name
// is a convenience, and the next run tries again.
func (rc *reconcile) rememberNames(ctx context.Context) {
	var names []store.SaltoName
	sites, err := rc.client.ListSites(ctx)
	if err != nil {
		rc.namesFailed(ctx, "sites", err)
	}
	for _, s := range sites {
		names = append(names, store.SaltoName{SiteID: s.ID, Name: s.Name})
	}
	seen := map[string]bool{}
	for _, g := range rc.groups {
		if seen[g.SiteID] {
			continue
		}
		seen[g.SiteID] = true
		groups, err := rc.client.ListAccessGroups(ctx, g.SiteID, saltoks.ListOptions{})
		if err != nil {
			rc.namesFailed(ctx, "access groups of "+g.SiteID, err)
			continue
		}
		for _, ag := range groups {
			names = append(names, store.SaltoName{SiteID: g.SiteID, GroupID: ag.ID, Name: ag.Name})
		}
	}
	if err := rc.a.Store.RememberSaltoNames(ctx, rc.org.ID, names); err != nil {
		rc.namesFailed(ctx, "store", err)
	}
}

func (rc *reconcile) namesFailed(ctx context.Context, what string, err error) {
	rc.a.log().WarnContext(ctx, "reconcile could not refresh salto names; explain keeps the last ones",
		"org", rc.org.ID, "run", rc.in.RunID, "what", what, "err", err)
}
