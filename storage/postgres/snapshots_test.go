package postgres_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

func TestProgressSnapshotsCannotBeChangedThroughSQL(t *testing.T) {
	db := open(t, pgtest.NewDatabase(t, "storage_postgres_snapshots"))
	ctx := t.Context()
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: "U1", Name: "Một cửa"}))
	require.NoError(t, db.CreateProgressSnapshot(ctx, []sohoa.ProgressSnapshotRow{{Period: "2026-Q1", UnitCode: "U1", Name: "Một cửa",
		ClosedAt: time.Now(), ClosedBy: "head", Targets: sohoa.DefaultTargets(), Report: sohoa.ReportMissing}}))
	for _, stmt := range []string{`UPDATE progress_snapshots SET own_received = 5`, `DELETE FROM progress_snapshots`, `TRUNCATE progress_snapshots`} {
		_, err := db.Pool().Exec(ctx, stmt)
		require.ErrorContains(t, err, "never rewritten", stmt)
	}
}
