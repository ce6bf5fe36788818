package main

import (
	"doorsync/connectors"
	"doorsync/internal/platformconn"
	"doorsync/internal/secrets"
	"doorsync/store"
)

// platformFactories build each platform's connector from an org's
// connection: officernd.New and nexudus.New, each given the connection's
// config and the allow-listed HTTP client. A platform missing here cannot
// be connected (PUT …/platform answers 400 naming kind).
var platformFactories = map[connectors.Platform]platformconn.Factory{}

// platformConns links orgs to their platforms through the platforms'
// allow-list (DOORSYNC_PLATFORM_ALLOWED_HOSTS).
func (e *environment) platformConns(st *store.Store, box *secrets.Box) *platformconn.Conns {
	return platformconn.New(platformconn.Options{Store: st, Secrets: box, Logger: e.log.With("component", "platform"),
		Egress: e.cfg.PlatformEgress, Factories: platformFactories})
}
