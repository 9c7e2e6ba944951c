package postgres_test

import (
	"io/fs"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/migrations"
	"github.com/sohoa/sohoa/storage/catalogtest"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

func open(t *testing.T, dbURL string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(t.Context(), pgtest.NewSchema(t, dbURL), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

// Each test creates this package's own database; every catalog gets a
// fresh schema in it.
func TestConformance(t *testing.T) {
	dbURL := pgtest.NewDatabase(t, "storage_postgres")
	catalogtest.RunConformance(t, func(t *testing.T) sohoa.Catalog { return open(t, dbURL) }, tamperer{})
}

// tamperer edits audit rows as a database superuser would: replica mode
// skips the append-only triggers.
type tamperer struct{}

func (tp tamperer) exec(t *testing.T, c sohoa.Catalog, sql string, args ...any) {
	t.Helper()
	require.EqualValues(t, 1, tp.run(t, c, sql, args...))
}

// Exec numbers the ? placeholders for PostgreSQL.
func (tp tamperer) Exec(t *testing.T, c sohoa.Catalog, sql string, args ...any) {
	t.Helper()
	var b strings.Builder
	n := 0
	for _, r := range sql {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	tp.run(t, c, b.String(), args...)
}

func (tamperer) Reopen(t *testing.T, c sohoa.Catalog, key *sohoa.AuditKey) sohoa.Catalog {
	t.Helper()
	cfg := c.(*postgres.DB).Pool().Config().ConnConfig.ConnString()
	db, err := postgres.Open(t.Context(), cfg, nil, postgres.WithAuditKey(key))
	require.NoError(t, err)
	t.Cleanup(db.Close)
	return db
}

func (tamperer) run(t *testing.T, c sohoa.Catalog, sql string, args ...any) int64 {
	t.Helper()
	db := c.(*postgres.DB)
	ctx := t.Context()
	tx, err := db.Pool().Begin(ctx)
	require.NoError(t, err)
	defer tx.Rollback(ctx)
	_, err = tx.Exec(ctx, `SET LOCAL session_replication_role = replica`)
	require.NoError(t, err)
	tag, err := tx.Exec(ctx, sql, args...)
	require.NoError(t, err, sql)
	require.NoError(t, tx.Commit(ctx))
	return tag.RowsAffected()
}

func (tp tamperer) EditAuditRow(t *testing.T, c sohoa.Catalog, seq int64, actor string) {
	tp.exec(t, c, `UPDATE audit_log SET actor = $2 WHERE seq = $1`, seq, actor)
}

func (tp tamperer) DeleteAuditRow(t *testing.T, c sohoa.Catalog, seq int64) {
	tp.exec(t, c, `DELETE FROM audit_log WHERE seq = $1`, seq)
}

func TestPostgres(t *testing.T) {
	dbURL := pgtest.NewDatabase(t, "storage_postgres_own")

	t.Run("AuditRowsCannotBeChangedThroughSQL", func(t *testing.T) {
		db := open(t, dbURL)
		require.NoError(t, db.AppendAudit(t.Context(), &sohoa.AuditEntry{Actor: "a", Action: "b"}))
		_, err := db.Pool().Exec(t.Context(), `UPDATE audit_log SET actor = 'x'`)
		require.ErrorContains(t, err, "append-only")
		_, err = db.Pool().Exec(t.Context(), `DELETE FROM audit_log`)
		require.ErrorContains(t, err, "append-only")
		_, err = db.Pool().Exec(t.Context(), `TRUNCATE audit_log`)
		require.ErrorContains(t, err, "append-only")
	})

	t.Run("MigrationsIdempotentAndConcurrent", func(t *testing.T) {
		url := pgtest.NewSchema(t, dbURL)
		var wg sync.WaitGroup
		dbs := make([]*postgres.DB, 4)
		errs := make([]error, 4)
		for i := range dbs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				dbs[i], errs[i] = postgres.Open(t.Context(), url, nil)
			}()
		}
		wg.Wait()
		applied := 0
		for i, db := range dbs {
			require.NoError(t, errs[i])
			applied += len(db.Migrated())
			defer db.Close()
		}
		assert.Positive(t, applied)
		again, err := postgres.Open(t.Context(), url, nil)
		require.NoError(t, err)
		defer again.Close()
		assert.Empty(t, again.Migrated(), "a second open applies nothing")
		cat, river, err := again.SchemaVersions(t.Context())
		require.NoError(t, err)
		assert.Equal(t, latestMigration(t, migrations.Postgres()), cat)
		assert.Positive(t, river)
	})

	t.Run("BadURL", func(t *testing.T) {
		_, err := postgres.Open(t.Context(), "postgres://%zz", nil)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
	})
}

// latestMigration is the highest goose version among the embedded
// migrations (the NNNNN_ prefix of their names).
func latestMigration(t *testing.T, fsys fs.FS) int64 {
	t.Helper()
	entries, err := fs.ReadDir(fsys, ".")
	require.NoError(t, err)
	var latest int64
	for _, e := range entries {
		prefix, _, _ := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(prefix, 10, 64)
		require.NoError(t, err, e.Name())
		latest = max(latest, v)
	}
	return latest
}
