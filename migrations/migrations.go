// Package migrations holds sohoa's catalog schema as goose SQL migrations,
// one directory per dialect, embedded in the binary. storage/postgres and
// storage/sqlite apply them (and River's own migrations) when they open a
// catalog; `sohoa migrate` applies them on demand.
//
// Both dialects describe the same model. Differences are deliberate:
// PostgreSQL stores timestamptz and compares codes with COLLATE "C" so
// ordering is byte-wise like SQLite's; SQLite uses STRICT tables and stores
// times as fixed-width UTC text (2006-01-02T15:04:05.000000Z) so text order
// is time order. Never edit a released migration; add a new file.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed postgres/*.sql sqlite/*.sql
var files embed.FS

// Postgres returns the PostgreSQL migrations, rooted at their directory.
func Postgres() fs.FS { return sub("postgres") }

// SQLite returns the SQLite migrations, rooted at their directory.
func SQLite() fs.FS { return sub("sqlite") }

func sub(dir string) fs.FS {
	f, err := fs.Sub(files, dir)
	if err != nil {
		panic(err) // the directories are embedded; this cannot fail
	}
	return f
}
