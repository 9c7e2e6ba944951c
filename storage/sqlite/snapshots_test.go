package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestProgressSnapshotsCannotBeChangedThroughSQL(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "sohoa.db"))
	require.NoError(t, db.CreateUnit(t.Context(), &sohoa.Unit{Code: "U1", Name: "Một cửa"}))
	require.NoError(t, db.CreateProgressSnapshot(t.Context(), []sohoa.ProgressSnapshotRow{{Period: "2026-Q1", UnitCode: "U1", Name: "Một cửa",
		ClosedAt: time.Now(), ClosedBy: "head", Targets: sohoa.DefaultTargets(), Report: sohoa.ReportMissing}}))
	_, err := db.Writer().Exec(`UPDATE progress_snapshots SET own_received = 5`)
	require.ErrorContains(t, err, "never rewritten")
	_, err = db.Writer().Exec(`DELETE FROM progress_snapshots`)
	require.ErrorContains(t, err, "never rewritten")
}
