package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/sqlite"
)

// progressSeed builds a small Q1 2026 in a new data directory:
//
//	MIN
//	├── OSS1  D1 received 5 Jan, digitized
//	│         D2 received 14 Mar 23:59:59 in Vietnam, nothing filed
//	│         D3 received 15 Mar 00:00 in Vietnam (Q2) — not counted
//	│         a signed report on 25 Mar, 23:00 in Vietnam (on time)
//	└── OSS2  D4 received 1 Feb, resolved 10 Feb, nothing filed
func progressSeed(t *testing.T) map[string]string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "sohoa.db"), slog.New(slog.DiscardHandler))
	require.NoError(t, err)
	defer db.Close()
	for _, u := range []sohoa.Unit{{Code: "MIN", Name: "Bộ"}, {Code: "OSS1", Name: "Một cửa 1", ParentCode: "MIN"}, {Code: "OSS2", Name: "Một cửa 2", ParentCode: "MIN"}} {
		require.NoError(t, db.CreateUnit(ctx, &u))
	}
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: "P1", Name: "Cấp phép", RequiredComponents: []string{"Đơn đề nghị", "Bản sao CCCD"}}))
	vn := sohoa.Location()
	resolved := time.Date(2026, 2, 10, 9, 0, 0, 0, vn)
	for _, d := range []sohoa.Dossier{
		{Code: "D1", UnitCode: "OSS1", ReceivedAt: time.Date(2026, 1, 5, 9, 0, 0, 0, vn), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "D2", UnitCode: "OSS1", ReceivedAt: time.Date(2026, 3, 14, 23, 59, 59, 0, vn)},
		{Code: "D3", UnitCode: "OSS1", ReceivedAt: time.Date(2026, 3, 15, 0, 0, 0, 0, vn)},
		{Code: "D4", UnitCode: "OSS2", ReceivedAt: time.Date(2026, 2, 1, 9, 0, 0, 0, vn), Status: sohoa.StatusResolved, ResolvedAt: &resolved},
		{Code: "RPT", UnitCode: "MIN", ReceivedAt: time.Date(2025, 6, 1, 9, 0, 0, 0, vn)},
	} {
		d.ProcedureCode = "P1"
		require.NoError(t, db.CreateDossier(ctx, &d))
	}
	doc := &sohoa.Document{DossierCode: "RPT", BlobKey: strings.Repeat("ab", 32), Size: 10, FileName: "bao-cao.pdf",
		MediaType: "application/pdf", Role: sohoa.RoleReport, Source: sohoa.SourceAPI, UploadedBy: "head"}
	require.NoError(t, db.CreateDocument(ctx, doc))
	require.NoError(t, db.CreateVerification(ctx, &sohoa.Verification{DocumentID: doc.ID, Indication: sohoa.IndicationTotalPassed, ReportJSON: json.RawMessage(`{}`), VerifierVersion: "test"}))
	require.NoError(t, db.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "OSS1", Period: "2026-Q1", DocumentID: doc.ID,
		SubmittedAt: time.Date(2026, 3, 25, 23, 0, 0, 0, vn)}))
	return map[string]string{"SOHOA_DATA_DIR": dir}
}

// fixProgressClock sets the command's clock for the test.
func fixProgressClock(t *testing.T, at time.Time) {
	t.Helper()
	old := progressNow
	progressNow = func() time.Time { return at }
	t.Cleanup(func() { progressNow = old })
}

func TestProgressJSON(t *testing.T) {
	vars := progressSeed(t)
	fixProgressClock(t, time.Date(2026, 3, 30, 1, 0, 0, 0, time.UTC))
	code, out, errOut := runCmd(t, vars, "progress", "--period", "2026-Q1", "--json")
	require.Equal(t, exitOK, code, errOut)
	var got struct {
		Period   string `json:"period"`
		FirstDay string `json:"first_day"`
		LastDay  string `json:"last_day"`
		DueDate  string `json:"due_date"`
		Total    sohoa.Figures
		Units    []sohoa.UnitProgress `json:"units"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &got), out)
	// The contract in DESIGN.md.
	assert.Equal(t, "2026-Q1", got.Period)
	assert.Equal(t, "2025-12-15", got.FirstDay)
	assert.Equal(t, "2026-03-14", got.LastDay)
	assert.Equal(t, "2026-03-25", got.DueDate)
	require.Len(t, got.Units, 3)
	min := got.Units[0]
	assert.Equal(t, "MIN", min.Code)
	assert.Equal(t, int64(3), min.Total.Received, "D1, D2 (the last second of the 14th), D4; not D3")
	assert.Equal(t, int64(1), min.Total.Digitized.Count)
	assert.Equal(t, 33.33, *min.Total.Digitized.Rate)
	assert.Equal(t, int64(2), min.Total.Digitized.Gap)
	assert.Equal(t, int64(1), min.Total.Resolved)
	assert.Equal(t, 0.0, *min.Total.ResultsDigitized.Rate)
	assert.Equal(t, int64(1), min.Total.ResultsDigitized.Gap)
	assert.Equal(t, int64(3), min.Total.ReportsDue)
	assert.Equal(t, int64(1), min.Total.ReportsSigned.Count)
	assert.Equal(t, int64(1), min.Total.ReportsOnTime.Count)
	assert.Equal(t, sohoa.ReportMissing, min.Report)
	assert.Equal(t, sohoa.ReportOnTime, got.Units[1].Report)
	assert.Equal(t, "OSS1", got.Units[1].Code)
	assert.Equal(t, int64(2), got.Units[1].Own.Received)

	// The dossiers making up a gap, with what each is missing as codes.
	code, out, errOut = runCmd(t, vars, "progress", "--period", "2026-Q1", "--unit", "OSS2", "--json", "--missing", "results_digitized")
	require.Equal(t, exitOK, code, errOut)
	var gap struct {
		Units   []sohoa.UnitProgress `json:"units"`
		Missing struct {
			Gap      string `json:"gap"`
			Dossiers []struct {
				Dossier struct {
					Code string `json:"code"`
				} `json:"dossier"`
				Missing []sohoa.Requirement `json:"missing"`
			} `json:"dossiers"`
		} `json:"missing"`
	}
	require.NoError(t, json.Unmarshal([]byte(out), &gap), out)
	require.Len(t, gap.Units, 1)
	assert.Equal(t, "results_digitized", gap.Missing.Gap)
	require.Len(t, gap.Missing.Dossiers, 1)
	assert.Equal(t, "D4", gap.Missing.Dossiers[0].Dossier.Code)
	var what []string
	for _, r := range gap.Missing.Dossiers[0].Missing {
		what = append(what, string(r.Role)+" "+r.Component+" "+string(r.Reason.Code))
	}
	assert.Equal(t, []string{"component Đơn đề nghị dossier.no_file", "component Bản sao CCCD dossier.no_file", "result  dossier.no_file"}, what)
}

func TestProgressTableAndPaging(t *testing.T) {
	vars := progressSeed(t)
	fixProgressClock(t, time.Date(2026, 3, 20, 1, 0, 0, 0, time.UTC))
	code, out, errOut := runCmd(t, vars, "progress", "--period", "2026-q1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "2026-Q1: 2025-12-15 to 2026-03-14, report due 2026-03-25 (due in 5 days)")
	assert.Contains(t, out, "digitized (số hóa)")
	lines := strings.Split(out, "\n")
	var minLine string
	for _, l := range lines {
		if strings.HasPrefix(l, "MIN ") {
			minLine = l
		}
	}
	assert.Contains(t, out, "scanned and checked (đã quét, kiểm tra)")
	assert.Regexp(t, `^MIN Bộ\s+3\s+1/3 33\.33% gap 2\s+1/3 33\.33% gap 2\s+1\s+0/1 0\.00% gap 1\s+1/3 33\.33% gap 2\s+1/3 33\.33% gap 2\s+not yet sent\s+0/3 0\.00%$`, minLine)
	assert.Contains(t, out, "--missing digitized")

	code, out, errOut = runCmd(t, vars, "progress", "--period", "2026-Q1", "--missing", "digitized", "--limit", "1")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "D4  unit OSS2, received 2026-02-01 09:00, resolved 2026-02-10 09:00")
	assert.Contains(t, out, `component "Đơn đề nghị": no file`)
	require.Contains(t, out, "More: add --cursor ")
	cursor := strings.TrimSpace(out[strings.Index(out, "--cursor ")+len("--cursor "):])
	code, out, errOut = runCmd(t, vars, "progress", "--period", "2026-Q1", "--missing", "digitized", "--limit", "1", "--cursor", cursor, "--lang", "vi")
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, out, "D2  unit OSS1, received 2026-03-14 23:59")
	assert.Contains(t, out, "thành phần hồ sơ “Bản sao CCCD”: chưa có tệp")
	assert.NotContains(t, out, "More:")
}

func TestProgressExports(t *testing.T) {
	vars := progressSeed(t)
	fixProgressClock(t, time.Date(2026, 3, 30, 1, 0, 0, 0, time.UTC))
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "q1.csv"), filepath.Join(dir, "q1.xlsx")
	code, _, errOut := runCmd(t, vars, "progress", "--period", "2026-Q1", "--unit", "OSS1", "--csv", csvPath, "--xlsx", xlsxPath)
	require.Equal(t, exitOK, code, errOut)
	assert.Contains(t, errOut, "wrote "+csvPath)

	f, err := os.Open(csvPath)
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 4, "header, OSS1 unit and subtree, all")
	col := map[string]int{}
	for i, k := range recs[0] {
		col[k] = i
	}
	for _, r := range recs[1:] {
		assert.Equal(t, "2026-03-25", r[col["due_date"]])
		assert.Equal(t, "2", r[col["received"]])
		assert.Equal(t, "50.00", r[col["digitized_rate"]])
		assert.Equal(t, "1", r[col["digitized_gap"]])
	}
	assert.Equal(t, []string{"unit", "subtree", "all"}, []string{recs[1][col["figures_for"]], recs[2][col["figures_for"]], recs[3][col["figures_for"]]})
	assert.Equal(t, "on_time", recs[1][col["report_status"]])
	assert.Equal(t, "2026-03-25T23:00:00+07:00", recs[1][col["report_submitted_at"]])

	x, err := excelize.OpenFile(xlsxPath)
	require.NoError(t, err)
	defer x.Close()
	rows, err := x.GetRows("progress")
	require.NoError(t, err)
	require.Len(t, rows, 4)
	assert.Equal(t, recs[0], rows[0])
	assert.Equal(t, recs[1], rows[1])

	// --csv - prints the CSV instead of the table.
	code, out, errOut := runCmd(t, vars, "progress", "--period", "2026-Q1", "--unit", "OSS1", "--csv", "-")
	require.Equal(t, exitOK, code, errOut)
	back, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	require.NoError(t, err)
	assert.Equal(t, recs, back)
}

func TestProgressDefaultsAndErrors(t *testing.T) {
	vars := progressSeed(t)
	// 15 Mar 00:30 in Vietnam: Q2 has begun although it is still the 14th in UTC.
	fixProgressClock(t, time.Date(2026, 3, 14, 17, 30, 0, 0, time.UTC))
	code, out, errOut := runCmd(t, vars, "progress", "--json", "--unit", "OSS1")
	require.Equal(t, exitOK, code, errOut)
	var got sohoa.Progress
	require.NoError(t, json.Unmarshal([]byte(out), &got))
	assert.Equal(t, "2026-Q2", got.Period)
	assert.Equal(t, int64(1), got.Total.Received, "D3")

	for _, args := range [][]string{
		{"--period", "2026-Q5"},
		{"--unit", "NOPE"},
		{"--missing", "reports"},
		{"--target", "0"},
		{"--csv", "-", "--json"},
	} {
		code, _, errOut := runCmd(t, vars, append([]string{"progress"}, args...)...)
		assert.Equal(t, exitFailure, code, "%v: %s", args, errOut)
		assert.Contains(t, errOut, "sohoa progress: ")
	}
	code, _, errOut = runCmd(t, map[string]string{"SOHOA_DATA_DIR": filepath.Join(t.TempDir(), "none")}, "progress")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "does not exist")
}
