package activities

import "context"

// SetAfterAdd makes a's ApplyAccess call f between each Salto KS add and
// its record; an error from f ends the run there, as a killed worker would.
func SetAfterAdd(a *Activities, f func(context.Context) error) { a.afterAdd = f }

// SetAfterList makes a's ReconcileOrg call f after it lists each group.
func SetAfterList(a *Activities, f func(context.Context)) { a.afterList = f }
