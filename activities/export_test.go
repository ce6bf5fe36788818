package activities

import "context"

// SetAfterAdd makes a's ApplyAccess call f between each Salto KS add and
// its record; an error from f ends the run there, as a killed worker would.
func SetAfterAdd(a *Activities, f func(context.Context) error) { a.afterAdd = f }
