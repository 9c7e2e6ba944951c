package main

import (
	"encoding/json"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// openSeed opens progressSeed's catalog, to change it behind the CLI.
func openSeed(t *testing.T, vars map[string]string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(t.Context(), filepath.Join(vars["SOHOA_DATA_DIR"], "sohoa.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// A closed period keeps its snapshot: a late upload shows beside it.
func TestProgressCloseAndLateUpload(t *testing.T) {
	vars := progressSeed(t)

	// Before the deadline, only on purpose.
	fixProgressClock(t, time.Date(2026, 3, 20, 1, 0, 0, 0, time.UTC))
	code, _, errOut := runCmd(t, vars, "progress", "close", "--period", "2026-Q1")
	require.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "reports may still arrive on time")
	assert.Contains(t, errOut, "--early")
	code, _, errOut = runCmd(t, vars, "progress", "close")
	require.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "--period is required")

	fixProgressClock(t, time.Date(2026, 3, 30, 1, 0, 0, 0, time.UTC))
	code, out, errOut := runCmd(t, vars, "progress", "close", "--period", "2026-Q1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Closed 2026-Q1 for every unit at 2026-03-30 08:00 Vietnam time: 3 units frozen.")

	// Closing twice is a conflict: a snapshot is never rewritten.
	code, _, errOut = runCmd(t, vars, "progress", "close", "--period", "2026-Q1")
	require.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "already closed for every unit (last closed at 2026-03-30 08:00:00 +07:00 by system:cli)")
	code, _, errOut = runCmd(t, vars, "progress", "close", "--period", "2026-Q1", "--unit", "OSS1", "--early")
	require.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "already closed for OSS1")

	// A late upload: D2 is digitized after all, and D5 arrives at OSS2
	// dated in Q1.
	db := openSeed(t, vars)
	digitized := sohoa.DigitizationDigitized
	_, err := db.UpdateDossier(t.Context(), "D2", sohoa.DossierUpdate{DigitizationState: &digitized})
	require.NoError(t, err)
	require.NoError(t, db.CreateDossier(t.Context(), &sohoa.Dossier{Code: "D5", UnitCode: "OSS2", ProcedureCode: "P1",
		ReceivedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, sohoa.Location())}))
	require.NoError(t, db.Close())

	fixProgressClock(t, time.Date(2026, 4, 2, 1, 0, 0, 0, time.UTC))
	code, out, errOut = runCmd(t, vars, "progress", "--period", "2026-Q1", "--json")
	require.Equal(t, exitOK, code, errOut)
	var got struct {
		Period   string        `json:"period"`
		AsOf     time.Time     `json:"as_of"`
		Total    sohoa.Figures `json:"total"`
		Snapshot struct {
			ClosedAt time.Time `json:"closed_at"`
			ClosedBy string    `json:"closed_by"`
			Early    bool      `json:"early"`
			Figures  struct {
				Total sohoa.Figures        `json:"total"`
				Units []sohoa.UnitProgress `json:"units"`
			} `json:"figures"`
		} `json:"snapshot"`
		Live struct {
			AsOf  time.Time            `json:"as_of"`
			Total sohoa.Figures        `json:"total"`
			Units []sohoa.UnitProgress `json:"units"`
		} `json:"live"`
		Changes []sohoa.Change `json:"changes"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, time.Date(2026, 3, 30, 1, 0, 0, 0, time.UTC), got.Snapshot.ClosedAt)
	assert.Equal(t, "system:cli", got.Snapshot.ClosedBy)
	assert.False(t, got.Snapshot.Early)
	// The snapshot's figures, at the top and under snapshot.
	assert.Equal(t, int64(3), got.Total.Received)
	assert.Equal(t, int64(1), got.Total.Digitized.Count)
	assert.Equal(t, got.Total, got.Snapshot.Figures.Total)
	assert.Equal(t, got.Snapshot.ClosedAt, got.AsOf)
	// Today's beside them.
	assert.Equal(t, int64(4), got.Live.Total.Received)
	assert.Equal(t, int64(2), got.Live.Total.Digitized.Count)
	assert.Equal(t, time.Date(2026, 4, 2, 1, 0, 0, 0, time.UTC), got.Live.AsOf)
	var changes []string
	for _, c := range got.Changes {
		changes = append(changes, c.String())
	}
	assert.Equal(t, []string{
		"MIN: received 3 (snapshot) → 4 (now)", "MIN: digitized 1 (snapshot) → 2 (now)", "MIN: scanned_checked 1 (snapshot) → 2 (now)",
		"OSS1: digitized 1 (snapshot) → 2 (now)", "OSS1: scanned_checked 1 (snapshot) → 2 (now)",
		"OSS2: received 1 (snapshot) → 2 (now)",
	}, changes)

	code, out, errOut = runCmd(t, vars, "progress", "--period", "2026-Q1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Closed (đã chốt số liệu) at 2026-03-30 08:00 Vietnam time by system:cli: the figures below are the snapshot's.")
	assert.Regexp(t, `(?m)^MIN Bộ\s+3\s+1/3 33\.33% gap 2`, out, "the snapshot's figures in the table")
	assert.Contains(t, out, "Later changes (thay đổi sau khi chốt)")
	assert.Contains(t, out, "  OSS1: digitized 1 (snapshot) → 2 (now)\n")

	// The audit log has the close, once.
	db = openSeed(t, vars)
	entries, err := db.FindAuditEntries(t.Context(), sohoa.AuditFilter{Object: "period:2026-Q1"})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, sohoa.ActionProgressClose, entries[0].Action)
	assert.Equal(t, "system:cli", entries[0].Actor)
}

// A unit's own targets change its gaps; --target overrides them.
func TestUnitTargetsChangeGaps(t *testing.T) {
	vars := progressSeed(t)
	fixProgressClock(t, time.Date(2026, 3, 30, 1, 0, 0, 0, time.UTC))
	oss1 := func(args ...string) sohoa.UnitProgress {
		t.Helper()
		code, out, errOut := runCmd(t, vars, append([]string{"progress", "--period", "2026-Q1", "--unit", "OSS1", "--json"}, args...)...)
		require.Equal(t, exitOK, code, errOut)
		var got struct {
			Units []sohoa.UnitProgress `json:"units"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &got), out)
		require.Len(t, got.Units, 1)
		return got.Units[0]
	}
	u := oss1()
	assert.Equal(t, int64(1), u.Own.Digitized.Gap, "1 of 2 toward 100%")

	code, out, errOut := runCmd(t, vars, "unit", "target", "set", "OSS1", "--digitized", "50", "--reports", "90")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, "unit OSS1 targets: digitized 50%, results 100%, reports 90%\n", out)
	u = oss1()
	assert.Equal(t, sohoa.Targets{Digitized: 50, Results: 100, Reports: 90}, u.Targets)
	assert.Equal(t, int64(0), u.Own.Digitized.Gap, "1 of 2 meets 50%")
	assert.Equal(t, 50, u.Total.Digitized.Target)
	assert.Equal(t, 90, u.Own.ReportsSigned.Target)
	u = oss1("--target", "100")
	assert.Equal(t, int64(1), u.Own.Digitized.Gap, "--target overrides the unit's targets")

	code, out, errOut = runCmd(t, vars, "unit", "target", "list")
	require.Equal(t, exitOK, code, errOut)
	assert.Regexp(t, `^OSS1\s+digitized  50%  results 100%  reports  90%`, out)
	code, _, errOut = runCmd(t, vars, "unit", "target", "set", "OSS1", "--digitized", "0")
	require.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "not a percentage from 1 to 100")
	code, _, errOut = runCmd(t, vars, "unit", "target", "set", "NOPE")
	require.Equal(t, exitFailure, code, errOut)
	code, _, errOut = runCmd(t, vars, "unit", "target", "clear", "OSS1")
	require.Equal(t, exitOK, code, errOut)
	assert.Equal(t, int64(1), oss1().Own.Digitized.Gap, "back to 100%")
	code, _, _ = runCmd(t, vars, "unit", "target", "clear", "OSS1")
	require.Equal(t, exitFailure, code)
}

// The IT centre's view: where each unit's report stands, and the time
// left until the deadline (the end of the 25th in Vietnam).
func TestProgressReportsCountdown(t *testing.T) {
	vars := progressSeed(t)
	fixProgressClock(t, time.Date(2026, 3, 20, 1, 0, 0, 0, time.UTC)) // 20 Mar 08:00 in Vietnam
	code, out, errOut := runCmd(t, vars, "progress", "reports", "--period", "2026-Q1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "Reports (báo cáo) for 2026-Q1: due 2026-03-25, on time until 2026-03-25 23:59 Vietnam time — 5 days 16 hours left (còn 5 ngày 16 giờ)")
	assert.Regexp(t, `(?m)^  OSS1 Một cửa 1\s+on time \(đúng hạn\)\s+2026-03-25 23:00$`, out)
	assert.Regexp(t, `(?m)^  OSS2 Một cửa 2\s+not yet sent \(chưa gửi, còn hạn\)\s+-$`, out)
	assert.Contains(t, out, "3 units: on time 1, late 0, not validly signed 0, not yet sent 2, missing 0.")

	fixProgressClock(t, time.Date(2026, 3, 27, 3, 30, 0, 0, time.UTC)) // 27 Mar 10:30 in Vietnam
	code, out, errOut = runCmd(t, vars, "progress", "reports", "--period", "2026-Q1", "--json")
	require.Equal(t, exitOK, code, errOut)
	var got struct {
		Deadline  string          `json:"deadline"`
		Countdown sohoa.Countdown `json:"countdown"`
		Summary   map[string]int  `json:"summary"`
		Units     []struct {
			Code   string             `json:"code"`
			Status sohoa.ReportStatus `json:"status"`
		} `json:"units"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	assert.Equal(t, "2026-03-26T00:00:00+07:00", got.Deadline)
	assert.Equal(t, sohoa.Countdown{Days: 1, Hours: 10, Overdue: true}, got.Countdown)
	assert.Equal(t, map[string]int{"on_time": 1, "late": 0, "unsigned": 0, "pending": 0, "missing": 2}, got.Summary)
	require.Len(t, got.Units, 3)
	assert.Equal(t, sohoa.ReportMissing, got.Units[0].Status)
	assert.Equal(t, sohoa.ReportOnTime, got.Units[1].Status)
	code, out, _ = runCmd(t, vars, "progress", "reports", "--period", "2026-Q1", "--unit", "OSS2")
	require.Equal(t, exitOK, code)
	assert.Contains(t, out, "overdue by 1 day 10 hours (quá hạn 1 ngày 10 giờ)")
	assert.Contains(t, out, "1 units: on time 0, late 0, not validly signed 0, not yet sent 0, missing 1.")
}
