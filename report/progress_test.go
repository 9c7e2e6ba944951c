package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// progress is a small hand-built Q1 2026: a department with one one-stop
// shop below it.
func progress(t *testing.T) *sohoa.Progress {
	t.Helper()
	p, err := sohoa.ParsePeriod("2026-Q1")
	require.NoError(t, err)
	signed := time.Date(2026, 3, 25, 16, 59, 59, 0, time.UTC) // 23:59:59 on the 25th in Vietnam
	return sohoa.BuildProgress(sohoa.ProgressInput{
		Period: p,
		Now:    time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
		Counts: []sohoa.UnitCounts{
			{UnitCode: "DEP1", Name: "Cục Một", Received: 1, ReceivedDigitized: 0},
			{UnitCode: "OSS1", Name: "Bộ phận Một cửa, số 1", ParentCode: "DEP1", Received: 3, ReceivedDigitized: 2,
				ReceivedScannedChecked: 3, Resolved: 2, ResolvedDigitized: 2, Reports: 1, FirstReportAt: &signed, FirstSignedReportAt: &signed},
		},
	})
}

// The rows every export holds, as text: figures_for, unit, received,
// digitized, rate, gap, resolved, results, rate, gap, reports due,
// signed, rate, gap, on time, rate, gap, report status, submitted at,
// scanned and checked, rate, gap.
var wantRows = [][]string{
	{"unit", "DEP1", "1", "0", "0.00", "1", "0", "0", "", "0", "1", "0", "0.00", "1", "0", "0.00", "1", "missing", "", "0", "0.00", "1"},
	{"subtree", "DEP1", "4", "2", "50.00", "2", "2", "2", "100.00", "0", "2", "1", "50.00", "1", "1", "50.00", "1", "", "", "3", "75.00", "1"},
	{"unit", "OSS1", "3", "2", "66.67", "1", "2", "2", "100.00", "0", "1", "1", "100.00", "0", "1", "100.00", "0", "on_time", "2026-03-25T23:59:59+07:00", "3", "100.00", "0"},
	{"subtree", "OSS1", "3", "2", "66.67", "1", "2", "2", "100.00", "0", "1", "1", "100.00", "0", "1", "100.00", "0", "", "", "3", "100.00", "0"},
	{"all", "", "4", "2", "50.00", "2", "2", "2", "100.00", "0", "2", "1", "50.00", "1", "1", "50.00", "1", "", "", "3", "75.00", "1"},
}

// pick reads the columns wantRows lists from a full row, by header key.
func pick(t *testing.T, header, row []string) []string {
	t.Helper()
	col := map[string]int{}
	for i, k := range header {
		col[k] = i
	}
	var out []string
	for _, k := range []string{"figures_for", "unit_code", "received", "digitized", "digitized_rate", "digitized_gap",
		"resolved", "results_digitized", "results_digitized_rate", "results_digitized_gap",
		"reports_due", "reports_signed", "reports_signed_rate", "reports_signed_gap",
		"reports_on_time", "reports_on_time_rate", "reports_on_time_gap", "report_status", "report_submitted_at",
		"scanned_checked", "scanned_checked_rate", "scanned_checked_gap"} {
		i, ok := col[k]
		require.True(t, ok, "column %s", k)
		v := ""
		if i < len(row) {
			v = row[i]
		}
		out = append(out, v)
	}
	return out
}

func keys() []string {
	var out []string
	for _, c := range report.Columns {
		out = append(out, c.Key)
	}
	return out
}

// New columns are only ever added at the end: the scanned-and-checked
// figure came after the targets, the reused one after it.
func TestColumnsOrder(t *testing.T) {
	k := keys()
	assert.Equal(t, []string{"digitized_target", "results_digitized_target", "reports_target",
		"scanned_checked", "scanned_checked_rate", "scanned_checked_gap", "reused", "reused_rate"}, k[len(k)-8:])
}

func TestCSVReadBack(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.WriteCSV(&buf, progress(t)))
	recs, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 1+len(wantRows))
	assert.Equal(t, keys(), recs[0])
	for i, want := range wantRows {
		assert.Equal(t, want, pick(t, recs[0], recs[i+1]), "row %d", i+1)
		assert.Equal(t, []string{"2026-Q1", "2025-12-15", "2026-03-14", "2026-03-25"}, recs[i+1][:4])
		assert.Equal(t, "100", recs[i+1][24], "target")
	}
	assert.Equal(t, "Bộ phận Một cửa, số 1", recs[3][5], "a name with a comma survives quoting")
	assert.Equal(t, "DEP1", recs[3][6])
	assert.Equal(t, "1", recs[3][7], "level")
	assert.Equal(t, "", recs[5][7], "the all row has no level")
}

func TestXLSXReadBack(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.WriteXLSX(&buf, progress(t)))
	f, err := excelize.OpenReader(&buf)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, []string{report.SheetProgress, report.SheetLabels}, f.GetSheetList())

	rows, err := f.GetRows(report.SheetProgress)
	require.NoError(t, err)
	require.Len(t, rows, 1+len(wantRows))
	assert.Equal(t, keys(), rows[0])
	for i, want := range wantRows {
		assert.Equal(t, want, pick(t, rows[0], rows[i+1]), "row %d", i+1)
	}
	// Numbers are numbers: the raw value of OSS1's rate is the number,
	// shown with two decimals.
	raw, err := f.GetCellValue(report.SheetProgress, "L4", excelize.Options{RawCellValue: true})
	require.NoError(t, err)
	assert.Equal(t, "66.67", raw)
	typ, err := f.GetCellType(report.SheetProgress, "J4")
	require.NoError(t, err)
	assert.NotEqual(t, excelize.CellTypeSharedString, typ, "received is numeric")
	assert.NotEqual(t, excelize.CellTypeInlineString, typ)

	labels, err := f.GetRows(report.SheetLabels)
	require.NoError(t, err)
	require.Len(t, labels, 1+len(report.Columns))
	assert.Equal(t, []string{"digitized_rate", "digitized rate (%)", "Tỷ lệ hồ sơ đã số hóa (%)"}, labels[12])
}

func TestJSONExport(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, report.WriteJSON(&buf, progress(t)))
	var got struct {
		Period   string `json:"period"`
		FirstDay string `json:"first_day"`
		LastDay  string `json:"last_day"`
		DueDate  string `json:"due_date"`
		Units    []struct {
			Code  string                     `json:"code"`
			Own   map[string]json.RawMessage `json:"own"`
			Total map[string]json.RawMessage `json:"total"`
		}
	}
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	assert.Equal(t, "2026-Q1", got.Period)
	assert.Equal(t, "2025-12-15", got.FirstDay, "first_day")
	assert.Equal(t, "2026-03-14", got.LastDay)
	assert.Equal(t, "2026-03-25", got.DueDate)
	require.Len(t, got.Units, 2)
	assert.JSONEq(t, `{"count":2,"of":4,"rate":50,"target":100,"gap":2,"gap_points":50}`, string(got.Units[0].Total["digitized"]))
	assert.JSONEq(t, `{"count":0,"of":0,"rate":null,"target":100,"gap":0,"gap_points":null}`, string(got.Units[0].Own["results_digitized"]))
	assert.Contains(t, buf.String(), "Bộ phận Một cửa", "UTF-8, not escaped")
}
