// Package migrations holds doorsync's numbered SQL migrations, embedded so
// the binary carries its own schema. store.Migrate applies them.
package migrations

import "embed"

// FS holds every migration file, named NNN_description.sql, in tern's
// format: the up SQL, then "---- create above / drop below ----", then the
// down SQL.
//
//go:embed *.sql
var FS embed.FS
