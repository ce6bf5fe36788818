package api

import (
	"net/http"

	"doorsync/store"
)

// role is what a principal may do; each role may do all that the roles
// below it may.
type role int

const (
	// rolePlatform writes and reads space entities, day-pass uses and
	// imports, and reads explain and audit.
	rolePlatform role = iota + 1
	// roleOperator may also change the Salto KS connection, mappings,
	// reconcile runs and holds, and what the operator owns in the space
	// (PATCH of a location's site, a resource's buffers).
	roleOperator
	// roleAdmin (the admin token) may do everything: orgs and their keys.
	roleAdmin
)

// adminActor names the admin token in the audit log.
const adminActor = "admin"

// keyRoles are the roles an org key may have, by their stored name.
var keyRoles = map[string]role{store.KeyRolePlatform: rolePlatform, store.KeyRoleOperator: roleOperator}

// allows says whether a principal of role r may use a route that needs want.
func (r role) allows(want role) bool { return r >= want }

func (r role) String() string {
	switch r {
	case rolePlatform:
		return store.KeyRolePlatform
	case roleOperator:
		return store.KeyRoleOperator
	case roleAdmin:
		return "admin"
	}
	return "none"
}

// errForbidden is the 403 of a principal below the route's role.
func errForbidden(want role) error {
	if want == roleAdmin {
		return httpError(http.StatusForbidden, "only the admin token may do this")
	}
	return httpError(http.StatusForbidden, "this needs an "+want.String()+" key or the admin token")
}
