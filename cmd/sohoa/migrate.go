package main

import (
	"context"
	"fmt"
)

func init() {
	register("migrate", "apply the catalog's database migrations (and River's)", runMigrate)
}

// runMigrate applies pending migrations to the configured catalog. Every
// command that opens the catalog does the same on start; this one exists
// so operators can migrate before rolling out new workers.
func runMigrate(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "migrate", "[--data-dir DIR] [--database-url URL]")
	cfg := addStoreFlags(fs, e)
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	// Migrating is the first start of a new installation: it makes the
	// audit key too, to be copied to every other host before they start.
	s, code, ok := cfg.startWith(ctx, e, "migrate", openOptions{AppendsAudit: true})
	if !ok {
		return code
	}
	defer s.Close()

	applied := s.Migrated()
	var catalog int64
	var river int
	var err error
	if s.Postgres != nil {
		catalog, river, err = s.Postgres.SchemaVersions(ctx)
	} else {
		catalog, river, err = s.SQLite.SchemaVersions(ctx)
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa migrate:", err)
		return exitCode(err)
	}
	fmt.Fprintf(e.stdout, "catalog: %s\n", cfg.describeCatalog())
	fmt.Fprintf(e.stdout, "audit key: %s (key %s)\n", s.AuditKeyFile, s.AuditKey.ID())
	for _, m := range applied {
		fmt.Fprintf(e.stdout, "applied: %s\n", m)
	}
	if len(applied) == 0 {
		fmt.Fprintln(e.stdout, "nothing to apply: already up to date")
	}
	fmt.Fprintf(e.stdout, "schema: catalog version %d, River version %d\n", catalog, river)
	return exitOK
}
