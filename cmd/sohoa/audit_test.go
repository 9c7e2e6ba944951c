package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
	"github.com/sohoa/sohoa/storage/sqlite"
)

func appendEntries(t *testing.T, c sohoa.Catalog, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		require.NoError(t, c.AppendAudit(t.Context(), &sohoa.AuditEntry{Actor: "clerk1", Action: "dossier.create", Object: "dossier:X"}))
	}
}

func TestAuditVerifySQLite(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": dir}

	code, out, errOut := runCmd(t, vars, "audit", "verify")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "intact: 0 entries")

	db, err := sqlite.Open(t.Context(), filepath.Join(dir, "sohoa.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	appendEntries(t, db, 4)
	require.NoError(t, db.Close())

	code, out, errOut = runCmd(t, vars, "audit", "verify")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "intact: 4 entries")

	// Someone with the file edits row 2, getting round the trigger.
	raw, err := sql.Open("sqlite", filepath.Join(dir, "sohoa.db"))
	require.NoError(t, err)
	for _, q := range []string{
		`DROP TRIGGER audit_log_no_update`,
		`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`,
	} {
		_, err := raw.Exec(q)
		require.NoError(t, err, q)
	}
	require.NoError(t, raw.Close())

	code, out, _ = runCmd(t, vars, "audit", "verify")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "BROKEN at seq 2")

	code, out, _ = runCmd(t, vars, "audit", "verify", "--json")
	assert.Equal(t, 1, code)
	var res sohoa.AuditCheck
	require.NoError(t, json.Unmarshal([]byte(out), &res))
	assert.False(t, res.OK)
	assert.Equal(t, int64(2), res.FirstBrokenSeq)

	code, _, _ = runCmd(t, vars, "audit")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCmd(t, vars, "audit", "list")
	assert.Equal(t, exitUsage, code)
	code, _, _ = runCmd(t, vars, "help", "audit")
	assert.Equal(t, 0, code)
}

func TestAuditVerifyPostgres(t *testing.T) {
	url := pgtest.NewDatabase(t, "cmd_sohoa_audit")
	vars := map[string]string{"SOHOA_DATABASE_URL": url}

	db, err := postgres.Open(t.Context(), url, nil)
	require.NoError(t, err)
	defer db.Close()
	appendEntries(t, db, 5)

	code, out, errOut := runCmd(t, vars, "audit", "verify")
	require.Equal(t, 0, code, errOut)
	assert.Contains(t, out, "intact: 5 entries")

	// A superuser deletes row 3 with the triggers off.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, url)
	require.NoError(t, err)
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, `SET session_replication_role = replica`)
	require.NoError(t, err)
	_, err = conn.Exec(ctx, `DELETE FROM audit_log WHERE seq = 3`)
	require.NoError(t, err)

	code, out, _ = runCmd(t, vars, "audit", "verify")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "BROKEN at seq 3")
}
