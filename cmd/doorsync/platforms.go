package main

import (
	"doorsync/internal/platformconn"
	"doorsync/internal/secrets"
	"doorsync/store"
)

// platformConns links orgs to their platforms through the platforms'
// allow-list (DOORSYNC_PLATFORM_ALLOWED_HOSTS).
func (e *environment) platformConns(st *store.Store, box *secrets.Box) *platformconn.Conns {
	return platformconn.New(platformconn.Options{Store: st, Secrets: box, Logger: e.log.With("component", "platform"),
		Egress: e.cfg.PlatformEgress})
}
