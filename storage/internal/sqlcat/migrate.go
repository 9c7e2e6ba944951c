package sqlcat

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"

	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivermigrate"
)

// Migrate applies the catalog's pending goose migrations (fsys, in goose's
// dialect gd, on db) and then River's (on river), and lists what it applied
// ("catalog 1 …", "river 6 …"). Serialising concurrent migrators is the
// caller's.
func Migrate[TTx any](ctx context.Context, gd goose.Dialect, db *sql.DB, fsys fs.FS, river riverdriver.Driver[TTx], log *slog.Logger) (applied []string, err error) {
	p, err := goose.NewProvider(gd, db, fsys, goose.WithSlog(log.With("migrations", "catalog")))
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate catalog: %w", err)
	}
	for _, r := range res {
		applied = append(applied, fmt.Sprintf("catalog %d %s", r.Source.Version, baseName(r.Source.Path)))
	}
	rm, err := rivermigrate.New(river, &rivermigrate.Config{Logger: log.With("migrations", "river")})
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	rres, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return nil, fmt.Errorf("migrate river: %w", err)
	}
	for _, v := range rres.Versions {
		applied = append(applied, fmt.Sprintf("river %d %s", v.Version, v.Name))
	}
	if len(applied) > 0 {
		log.Info("migrations applied", "migrations", applied)
	}
	return applied, nil
}

// baseName is the last element of a migration's slash-separated path.
func baseName(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
