package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/xuri/excelize/v2"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// progressNow is the clock of the progress tests: 20 March 2026, 10:00 in
// Vietnam, in 2026-Q1 (15 Dec 2025 – 14 Mar 2026) five days and fourteen
// hours before its report deadline (the end of 25 March).
var progressNow = time.Date(2026, 3, 20, 10, 0, 0, 0, vnZone)

// progressFixture fills setupAPI's tree (MIN → A → A1, MIN → B; procedure
// P1 requiring compForm and compID) with a hand-built data set whose
// digitization states are set directly:
//
//	A    received in Q1, digitized; A-3 received in Q1, nothing
//	     uploaded; A-4 received and resolved in Q1, digitized; A-5
//	     received in 2025-Q4, resolved in Q1, incomplete; A-6 received in
//	     2025-Q4, digitized (it holds A's report, signed, sent on 10 March)
//	A1   A1-1 received in Q1, digitized; A1-2 received at 23:00 on 14 March
//	     (Vietnam), incomplete
//	B    B-1 received in Q1, digitized; B-2 received in Q1, incomplete
//	     but stored as scanned and checked
//
// So in 2026-Q1: A alone received 4 (3 digitized) and resolved 2 (1
// digitized); A with A1 received 6 (4 digitized: 66.67%, 2 short) and
// resolved 2 (1: 50%, 1 short); B received 2 (1: 50%); MIN's subtree
// received 8 (5: 62.5%, 3 short; 6 scanned and checked, digitized ones
// included: 75%, 2 short), and of its 4 units only A sent its
// report (on time), the other three are pending. In 2025-Q4 A received 2
// 1 digitized: 50%.
func progressFixture(t *testing.T, b *apiBundle) {
	t.Helper()
	ctx := t.Context()
	vn := func(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, vnZone) }
	at := func(x time.Time) *time.Time { return &x }
	for _, d := range []sohoa.Dossier{
		{Code: "A-1", UnitCode: "A", ReceivedAt: vn(2026, 1, 5, 9), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "A-2", UnitCode: "A", ReceivedAt: vn(2026, 1, 6, 9), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "A-3", UnitCode: "A", ReceivedAt: vn(2026, 2, 1, 9)},
		{Code: "A-4", UnitCode: "A", ReceivedAt: vn(2026, 2, 2, 9), Status: sohoa.StatusResolved, ResolvedAt: at(vn(2026, 3, 1, 9)),
			DigitizationState: sohoa.DigitizationDigitized},
		{Code: "A-5", UnitCode: "A", ReceivedAt: vn(2025, 12, 1, 9), Status: sohoa.StatusResolved, ResolvedAt: at(vn(2026, 1, 10, 9))},
		{Code: "A-6", UnitCode: "A", ReceivedAt: vn(2025, 11, 1, 9), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "A1-1", UnitCode: "A1", ReceivedAt: vn(2026, 1, 7, 9), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "A1-2", UnitCode: "A1", ReceivedAt: vn(2026, 3, 14, 23)},
		{Code: "B-1", UnitCode: "B", ReceivedAt: vn(2026, 1, 8, 9), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "B-2", UnitCode: "B", ReceivedAt: vn(2026, 1, 9, 9), ScanState: sohoa.ScanChecked},
	} {
		d.ProcedureCode = "P1"
		require.NoError(t, b.db.CreateDossier(ctx, &d), d.Code)
	}
	doc := &sohoa.Document{DossierCode: "A-6", BlobKey: strings.Repeat("ab", 32), Size: 1000, FileName: "bao-cao-quy-1.pdf",
		MediaType: "application/pdf", Role: sohoa.RoleReport, Source: sohoa.SourceWeb, UploadedBy: "clerkA"}
	require.NoError(t, b.db.CreateDocument(ctx, doc))
	require.NoError(t, b.db.CreateVerification(ctx, &sohoa.Verification{DocumentID: doc.ID, Indication: sohoa.IndicationTotalPassed,
		ReportJSON: json.RawMessage(`{}`), VerifierVersion: "test"}))
	require.NoError(t, b.db.CreatePeriodicReport(ctx, &sohoa.PeriodicReport{UnitCode: "A", Period: "2026-Q1", DocumentID: doc.ID,
		SubmittedAt: vn(2026, 3, 10, 9)}))
}

func setupProgress(t *testing.T) *apiBundle {
	t.Helper()
	b := setupAPI(t, apiOpts{now: func() time.Time { return progressNow }})
	progressFixture(t, b)
	return b
}

// progressJSON decodes GET /api/v1/progress as p (checked against the
// OpenAPI document by call).
func progressJSON(t *testing.T, b *apiBundle, p *Principal, query string) report.ProgressOutput {
	t.Helper()
	res, raw := b.get(t, p, "/api/v1/progress"+query)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	var out report.ProgressOutput
	require.NoError(t, json.Unmarshal(raw, &out))
	return out
}

func TestAPIProgress(t *testing.T) {
	b := setupProgress(t)

	out := progressJSON(t, b, b.admin, "?period=2026-Q1")
	assert.Equal(t, "2026-Q1", out.Period)
	assert.Equal(t, "2025-12-15", out.FirstDay)
	assert.Equal(t, "2026-03-14", out.LastDay)
	assert.Equal(t, "2026-03-25", out.DueDate)
	assert.Equal(t, 5, out.DaysToDue)
	assert.Equal(t, 100, out.Target)
	var codes []string
	for _, u := range out.Units {
		codes = append(codes, fmt.Sprintf("%s/%d", u.Code, u.Depth))
	}
	assert.Equal(t, []string{"MIN/0", "A/1", "A1/2", "B/1"}, codes, "tree order with depths")
	rate := func(f sohoa.Figure) float64 { require.NotNil(t, f.Rate); return *f.Rate }

	tot := out.Total
	assert.Equal(t, int64(8), tot.Received)
	assert.Equal(t, int64(5), tot.Digitized.Count)
	assert.Equal(t, 62.5, rate(tot.Digitized))
	assert.Equal(t, int64(3), tot.Digitized.Gap)
	assert.Equal(t, int64(2), tot.Resolved)
	assert.Equal(t, int64(6), tot.ScannedChecked.Count, "the digitized five and B-2")
	assert.Equal(t, 75.0, rate(tot.ScannedChecked))
	assert.Equal(t, int64(2), tot.ScannedChecked.Gap)
	assert.Equal(t, int64(1), tot.ResultsDigitized.Count)
	assert.Equal(t, int64(4), tot.ReportsDue)
	assert.Equal(t, int64(1), tot.ReportsOnTime.Count)
	assert.Equal(t, 25.0, rate(tot.ReportsOnTime))
	assert.Equal(t, int64(3), tot.ReportsOnTime.Gap)

	a := out.Units[1]
	assert.Equal(t, "Một cửa A", a.Name)
	assert.Equal(t, 1, a.Subunits)
	assert.Equal(t, sohoa.ReportOnTime, a.Report)
	assert.Equal(t, int64(4), a.Own.Received)
	assert.Equal(t, int64(3), a.Own.Digitized.Count)
	assert.Equal(t, int64(6), a.Total.Received)
	assert.Equal(t, int64(4), a.Total.Digitized.Count)
	assert.Equal(t, 66.67, rate(a.Total.Digitized))
	assert.Equal(t, int64(2), a.Total.Digitized.Gap)
	assert.Equal(t, 50.0, rate(a.Total.ResultsDigitized))
	assert.Equal(t, int64(1), a.Total.ResultsDigitized.Gap)
	assert.Equal(t, sohoa.ReportPending, out.Units[3].Report, "B has not sent, and the deadline is ahead")
	assert.Nil(t, out.Snapshot)

	// The same JSON as the CLI's builder, field for field.
	want, err := report.ReadProgress(t.Context(), b.db, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: mustPeriod(t, "2026-Q1")}, progressNow, 0)
	require.NoError(t, err)
	wantJSON, err := json.Marshal(want)
	require.NoError(t, err)
	gotJSON, err := json.Marshal(out)
	require.NoError(t, err)
	assert.JSONEq(t, string(wantJSON), string(gotJSON))

	// The default period is the current quarter in Vietnam: 20 March is
	// after the 14th, so 2026-Q2 has begun.
	assert.Equal(t, "2026-Q2", progressJSON(t, b, b.admin, "").Period)

	// One unit's subtree; a target override; a gap's dossiers with what
	// each is missing, paged.
	sub := progressJSON(t, b, b.admin, "?period=2026-Q1&unit=A&target=50")
	require.Len(t, sub.Units, 2)
	assert.Equal(t, "A", sub.Unit)
	assert.Equal(t, int64(0), sub.Total.Digitized.Gap, "66.67% meets 50%")
	gap := progressJSON(t, b, b.admin, "?period=2026-Q1&unit=A&missing=digitized&limit=1")
	require.NotNil(t, gap.Missing)
	require.Len(t, gap.Missing.Dossiers, 1)
	assert.Equal(t, "A-3", gap.Missing.Dossiers[0].Dossier.Code, "oldest received first")
	require.Len(t, gap.Missing.Dossiers[0].Missing, 2, "both components are missing")
	assert.Equal(t, compForm, gap.Missing.Dossiers[0].Missing[0].Component)
	require.NotEmpty(t, gap.Missing.NextCursor)
	gap = progressJSON(t, b, b.admin, "?period=2026-Q1&unit=A&missing=digitized&limit=1&cursor="+gap.Missing.NextCursor)
	require.Len(t, gap.Missing.Dossiers, 1)
	assert.Equal(t, "A1-2", gap.Missing.Dossiers[0].Dossier.Code)
	assert.Empty(t, gap.Missing.NextCursor)
	gap = progressJSON(t, b, b.admin, "?period=2026-Q1&missing=results_digitized")
	require.Len(t, gap.Missing.Dossiers, 1)
	assert.Equal(t, "A-5", gap.Missing.Dossiers[0].Dossier.Code)

	// Refusals.
	for _, q := range []string{"?period=2026-Q5", "?format=pdf", "?target=0", "?missing=all", "?format=csv&missing=digitized", "?limit=0", "?bogus=1"} {
		res, raw := b.call(t, b.admin, apiReq{method: http.MethodGet, target: "/api/v1/progress" + q, malformed: true})
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s: %s", q, raw)
	}
	res, _ := b.get(t, b.admin, "/api/v1/progress?unit=NOPE")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.get(t, nil, "/api/v1/progress")
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
}

func mustPeriod(t *testing.T, s string) sohoa.Period {
	t.Helper()
	p, err := sohoa.ParsePeriod(s)
	require.NoError(t, err)
	return p
}

// TestAPIProgressScope: an auditor of A sees A and A1, never B, and a
// unit outside the scope is not found, as one that does not exist.
func TestAPIProgressScope(t *testing.T) {
	b := setupProgress(t)
	out := progressJSON(t, b, b.auditorA, "?period=2026-Q1")
	var codes []string
	for _, u := range out.Units {
		codes = append(codes, u.Code)
	}
	assert.Equal(t, []string{"A", "A1"}, codes)
	assert.Equal(t, int64(6), out.Total.Received)
	assert.Equal(t, int64(4), out.Total.Digitized.Count)
	for _, p := range []*Principal{b.auditorA, b.clerkA, b.scannerA} {
		for _, q := range []string{"?unit=B", "?unit=MIN", "?unit=B&format=csv"} {
			res, raw := b.get(t, p, "/api/v1/progress"+q)
			assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s %s: %s", p.User.Username, q, raw)
			assert.NotContains(t, string(raw), "Một cửa B")
		}
	}
	res, raw := b.get(t, b.clerkB, "/api/v1/progress?period=2026-Q1&format=csv")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, string(raw), "Một cửa A")
	assert.Contains(t, string(raw), "Một cửa B")
}

// TestAPIProgressExports reads the CSV and XLSX downloads back.
func TestAPIProgressExports(t *testing.T) {
	b := setupProgress(t)
	res, raw := b.get(t, b.auditorA, "/api/v1/progress?period=2026-Q1&format=csv")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	assert.Equal(t, csvType, res.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="tien-do-2026-Q1.csv"`, res.Header.Get("Content-Disposition"))
	recs, err := csv.NewReader(bytes.NewReader(raw)).ReadAll()
	require.NoError(t, err)
	require.Len(t, recs, 1+2*2+1, "header, A and A1 (unit and subtree rows), all")
	col := map[string]int{}
	for i, k := range recs[0] {
		col[k] = i
	}
	a := recs[2] // A's subtree row
	assert.Equal(t, "A", a[col["unit_code"]])
	assert.Equal(t, "subtree", a[col["figures_for"]])
	assert.Equal(t, "6", a[col["received"]])
	assert.Equal(t, "4", a[col["digitized"]])
	assert.Equal(t, "66.67", a[col["digitized_rate"]])
	assert.Equal(t, "2", a[col["digitized_gap"]])

	res, raw = b.get(t, b.admin, "/api/v1/progress?period=2026-Q1&unit=B&format=xlsx")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, xlsxType, res.Header.Get("Content-Type"))
	assert.Equal(t, `attachment; filename="tien-do-2026-Q1-B.xlsx"`, res.Header.Get("Content-Disposition"))
	x, err := excelize.OpenReader(bytes.NewReader(raw))
	require.NoError(t, err)
	defer x.Close()
	rows, err := x.GetRows(report.SheetProgress)
	require.NoError(t, err)
	require.Len(t, rows, 1+2+1)
	assert.Equal(t, "B", rows[1][col["unit_code"]])
	assert.Equal(t, "2", rows[1][col["received"]])
	assert.Equal(t, "50.00", rows[1][col["digitized_rate"]])
}

// TestUIProgress: the dashboard in Vietnamese with its numbers, bars,
// trend, countdown and links; in English on ?lang=en; scoped.
func TestUIProgress(t *testing.T) {
	b := setupProgress(t)
	admin := b.browser(t, b.admin)

	res, body := admin.page(t, "/tien-do?period=2026-Q1")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assertHas(t, body,
		"<h1>Tiến độ số hóa</h1>",
		`<a href="/tien-do" aria-current="page">Tiến độ số hóa</a>`,
		"Quý I/2026 (2026-Q1): 15/12/2025 – 14/03/2026",
		"25/03/2026 — <strong class=\"countdown\">còn 5 ngày 14 giờ</strong>",
		"Đang cập nhật",
		"Số hóa tại tiếp nhận", "Kết quả giải quyết TTHC đã số hóa", "Báo cáo ký số đúng hạn", "Xu hướng 8 quý",
		"Quý II/2024 – Quý I/2026",
		// A with A1: 4 of 6, 66,67%, 2 short, linking to the dossiers.
		`<span class="counts">4/6</span> <strong>66,67%</strong> · <a href="/tien-do/A?gap=digitized&amp;period=2026-Q1">thiếu 2</a>`,
		`<span class="counts">1/2</span> <strong>50%</strong> · <a href="/tien-do/A?gap=results_digitized&amp;period=2026-Q1">thiếu 1</a>`,
		// MIN, the top, with everything: 5 of 8.
		`<span class="counts">5/8</span> <strong>62,5%</strong>`,
		// Scanned and checked, its own bar: 6 of 8 (B-2 too), no gap list.
		`<th scope="col">Đã quét, kiểm tra</th>`,
		`aria-label="Đã quét, kiểm tra: 6/8, 75% (chỉ tiêu 100%), thiếu 2"`,
		`<span class="counts">6/8</span> <strong>75%</strong> · <span class="short">thiếu 2</span>`,
		`aria-label="Đã quét, kiểm tra: 2/2, 100% (chỉ tiêu 100%)"`,
		// The bar: an SVG rect as wide as the rate, the target marked.
		`<rect x="0" y="0" width="66.67" height="10" fill="#cf222e"/>`,
		`<line x1="100" x2="100" y1="0" y2="10"`,
		`aria-label="Số hóa tại tiếp nhận: 4/6, 66,67% (chỉ tiêu 100%), thiếu 2"`,
		`<title>Số hóa tại tiếp nhận: 4/6, 66,67% (chỉ tiêu 100%), thiếu 2</title>`,
		// A's own report came on time; B's is still to come.
		`<span class="badge badge-ok">Đúng hạn</span>`, `<span class="badge badge-none">Chưa gửi, còn hạn</span>`,
		"gồm 1 đơn vị trực thuộc",
		`href="/api/v1/progress?format=csv&amp;period=2026-Q1"`, `href="/api/v1/progress?format=xlsx&amp;period=2026-Q1"`,
		`href="/tien-do/bao-cao?period=2026-Q1"`,
	)
	// A's trend: 2025-Q4 at 50%, 2026-Q1 at 66,67%, nothing before.
	assert.Contains(t, body, "Số hóa tại tiếp nhận: Quý II/2024 —, Quý III/2024 —, Quý IV/2024 —, Quý I/2025 —, Quý II/2025 —, Quý III/2025 —, Quý IV/2025 50%, Quý I/2026 66,67%")
	assert.Regexp(t, `<svg class="trend"[^>]*role="img"`, body)
	// Tree order: MIN, A, A1, B.
	iMIN, iA, iA1, iB := strings.Index(body, ">Bộ</a>"), strings.Index(body, ">Một cửa A</a>"), strings.Index(body, ">Phòng A1</a>"), strings.Index(body, ">Một cửa B</a>")
	assert.True(t, iMIN > 0 && iMIN < iA && iA < iA1 && iA1 < iB, "tree order: %d %d %d %d", iMIN, iA, iA1, iB)

	// The default period is the current quarter; a bad one is said.
	_, body = admin.page(t, "/tien-do")
	assert.Contains(t, body, `<option value="2026-Q2" selected>Quý II/2026 (2026-Q2)</option>`)
	_, body = admin.page(t, "/tien-do?period=2026-Q9")
	assert.Contains(t, body, "Bộ lọc không hợp lệ:")

	// English.
	_, body = admin.page(t, "/tien-do?period=2026-Q1&lang=en")
	assertHas(t, body, "<h1>Digitization progress</h1>", "Digitized at intake", "Scanned and checked", "5 days 14 hours left",
		`<span class="counts">4/6</span> <strong>66.67%</strong>`, ">2 short</a>", "Q1 2026 (2026-Q1)", "On time")

	// An auditor of A sees A and A1 only.
	aud := b.browser(t, b.auditorA)
	_, body = aud.page(t, "/tien-do?period=2026-Q1&lang=vi")
	assert.Contains(t, body, ">Một cửa A</a>")
	assert.NotContains(t, body, "Một cửa B")
	assert.NotContains(t, body, "Tổng các đơn vị", "one top unit: no total row")
	for _, p := range []string{"/tien-do/B?period=2026-Q1", "/tien-do/MIN", "/tien-do?unit=B"} {
		res, body := aud.page(t, p)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, p)
		assert.NotContains(t, body, "Một cửa B")
	}
	_, body = aud.page(t, "/tien-do/bao-cao?period=2026-Q1")
	assert.NotContains(t, body, "Một cửa B")
}

// TestUIProgressGap: a unit's gap lists its dossiers (and its subunits'),
// each with what it is missing, page by page.
func TestUIProgressGap(t *testing.T) {
	b := setupProgress(t)
	old := progressGapPageSize
	progressGapPageSize = 1
	t.Cleanup(func() { progressGapPageSize = old })
	clerk := b.browser(t, b.clerkA)
	res, body := clerk.page(t, "/tien-do/A?period=2026-Q1&gap=digitized&lang=vi")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assertHas(t, body,
		"Tiến độ số hóa: Một cửa A (A)",
		`<a href="/tien-do/A?gap=digitized&amp;period=2026-Q1" aria-current="page">Hồ sơ chưa số hóa (2)</a>`,
		`Kết quả giải quyết chưa số hóa (1)</a>`,
		`<a href="/ho-so/A-3">A-3</a>`, "Còn thiếu",
		`<span class="counts">4/6</span>`,
		`<dt>Đã quét, kiểm tra</dt><dd><div class="bar">`,
		`aria-label="Đã quét, kiểm tra: 4/6, 66,67% (chỉ tiêu 100%), thiếu 2"`,
		`rel="next"`,
	)
	assert.Contains(t, body, compForm, "what A-3 is missing, from the message catalogue")
	assert.NotContains(t, body, "A1-2", "on the next page")
	next := between(body, `<p class="pager"><a href="`, `"`)
	_, body = clerk.page(t, strings.ReplaceAll(next, "&amp;", "&"))
	assert.Contains(t, body, `<a href="/ho-so/A1-2">A1-2</a></td><td data-label="Đơn vị">Phòng A1 (A1)</td>`, "a subunit's dossier")
	assert.NotContains(t, body, `rel="next"`)

	_, body = clerk.page(t, "/tien-do/A?period=2026-Q1&gap=results_digitized")
	assert.Contains(t, body, `<a href="/ho-so/A-5">A-5</a>`)
	assert.Contains(t, body, "Kết quả giải quyết TTHC", "the result is what A-5 lacks")

	_, body = clerk.page(t, "/tien-do/A?period=2026-Q1&lang=en")
	assertHas(t, body, "Digitization progress: Một cửa A (A)", "Dossiers not digitized (2)</a>", "Results not digitized (1)</a>",
		"Missing", "« Back to the progress dashboard")

	res, _ = clerk.page(t, "/tien-do/A?gap=everything")
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
}

// assertHas checks that body holds each of wants, naming only the missing
// ones (a page is long).
func assertHas(t *testing.T, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("the page does not contain %q", w)
		}
	}
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	s = s[i+len(from):]
	if j := strings.Index(s, to); j >= 0 {
		return s[:j]
	}
	return s
}

// TestUIProgressReportsAndClose: the IT centre's view, and a closed
// period's snapshot with the changes after it.
func TestUIProgressReportsAndClose(t *testing.T) {
	b := setupProgress(t)
	admin := b.browser(t, b.admin)
	res, body := admin.page(t, "/tien-do/bao-cao?period=2026-Q1")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assertHas(t, body,
		"<h1>Tình hình gửi báo cáo định kỳ</h1>", "còn 5 ngày 14 giờ",
		`<span class="badge badge-ok">Đúng hạn: 1</span>`, `<span class="badge badge-none">Chưa gửi, còn hạn: 3</span>`,
		`<span class="badge badge-bad">Chưa gửi, quá hạn: 0</span>`,
		"10/03/2026 09:00:00 (GMT&#43;7)",
	)
	_, body = admin.page(t, "/tien-do/bao-cao?period=2026-Q1&lang=en")
	assertHas(t, body, "<h1>Periodic reports by unit</h1>", "5 days 14 hours left", `<span class="badge badge-ok">On time: 1</span>`,
		`<span class="badge badge-none">Not sent yet: 3</span>`)
	admin.page(t, "/tien-do?lang=vi")

	// After the deadline the three are missing, and the countdown overdue.
	later := setupAPI(t, apiOpts{now: func() time.Time { return time.Date(2026, 3, 27, 12, 0, 0, 0, vnZone) }})
	progressFixture(t, later)
	_, body = later.browser(t, later.admin).page(t, "/tien-do/bao-cao?period=2026-Q1")
	assert.Contains(t, body, `<span class="badge badge-bad">Chưa gửi, quá hạn: 3</span>`)
	assert.Contains(t, body, `<strong class="overdue">quá hạn 1 ngày 12 giờ</strong>`)

	// Close the period (early, at progressNow), then a dossier of A comes
	// late: the dashboard keeps the snapshot's figures and lists the change.
	_, err := sohoa.CloseProgress(t.Context(), b.db, sohoa.CloseRequest{Period: mustPeriod(t, "2026-Q1"), Actor: "user:admin", Now: progressNow, Early: true})
	require.NoError(t, err)
	require.NoError(t, b.db.CreateDossier(t.Context(), &sohoa.Dossier{Code: "A-7", UnitCode: "A", ProcedureCode: "P1",
		ReceivedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, vnZone)}))
	_, body = admin.page(t, "/tien-do?period=2026-Q1")
	assertHas(t, body,
		`<span class="badge badge-ok">Đã chốt số liệu</span> lúc 20/03/2026 10:00:00 (GMT&#43;7) bởi user:admin (chốt sớm, trước hạn gửi báo cáo)`,
		"Thay đổi sau khi chốt",
		"<strong>Một cửa A (A)</strong> — Số hồ sơ tiếp nhận: 6 khi chốt → 7 hiện nay",
		"<strong>Bộ (MIN)</strong> — Số hồ sơ tiếp nhận: 8 khi chốt → 9 hiện nay",
		`<span class="counts">4/6</span>`, // the snapshot's, not 4/7
	)
	// The API says the same.
	out := progressJSON(t, b, b.admin, "?period=2026-Q1&unit=A")
	require.NotNil(t, out.Snapshot)
	assert.Equal(t, int64(6), out.Total.Received)
	assert.Equal(t, int64(7), out.Live.Total.Received)
	// The gap list is today's: A-7 is in it, and the page says so.
	_, body = admin.page(t, "/tien-do/A?period=2026-Q1")
	assert.Contains(t, body, "A-7")
	assert.Contains(t, body, "Danh sách theo dữ liệu hiện tại")
}

// TestUIProgressNoEnglish: the progress pages a Vietnamese reader sees
// have no English in their visible text, what is missing included.
func TestUIProgressNoEnglish(t *testing.T) {
	b := setupProgress(t)
	for _, p := range []*Principal{b.admin, b.auditorA} {
		u := b.browser(t, p)
		for _, target := range []string{"/tien-do?period=2026-Q1", "/tien-do", "/tien-do/A?period=2026-Q1",
			"/tien-do/A?period=2026-Q1&gap=results_digitized", "/tien-do/bao-cao?period=2026-Q1"} {
			res, body := u.page(t, target)
			require.Equal(t, http.StatusOK, res.StatusCode, target)
			assert.Empty(t, englishIn(body), "English on %s", target)
		}
	}
}

// TestUIProgressTrendClosed: the trend shows a closed quarter's snapshot,
// not today's count, and the open quarters' live figures, on the
// dashboard of the period and of a later one.
func TestUIProgressTrendClosed(t *testing.T) {
	b := setupProgress(t)
	admin := b.browser(t, b.admin)
	_, err := sohoa.CloseProgress(t.Context(), b.db, sohoa.CloseRequest{Period: mustPeriod(t, "2025-Q4"), Actor: "user:admin", Now: progressNow})
	require.NoError(t, err)
	// A-5 (received in 2025-Q4) digitized after the close: A's 2025-Q4
	// would be 2 of 2 today; the snapshot says 1 of 2.
	digitized := sohoa.DigitizationDigitized
	_, err = b.db.UpdateDossier(t.Context(), "A-5", sohoa.DossierUpdate{DigitizationState: &digitized})
	require.NoError(t, err)
	_, body := admin.page(t, "/tien-do?period=2026-Q1")
	assert.Contains(t, body, "Số hóa tại tiếp nhận: Quý II/2024 —, Quý III/2024 —, Quý IV/2024 —, Quý I/2025 —, Quý II/2025 —, Quý III/2025 —, Quý IV/2025 50%, Quý I/2026 66,67%")
	// 2026-Q2's dashboard: 2026-Q1 open, counted live with the quarters
	// before it; 2025-Q4 still the snapshot's.
	_, body = admin.page(t, "/tien-do?period=2026-Q2")
	assert.Contains(t, body, "Số hóa tại tiếp nhận: Quý III/2024 —, Quý IV/2024 —, Quý I/2025 —, Quý II/2025 —, Quý III/2025 —, Quý IV/2025 50%, Quý I/2026 66,67%, Quý II/2026 —")
	// A new dossier in 2026-Q1 moves the live quarter.
	require.NoError(t, b.db.CreateDossier(t.Context(), &sohoa.Dossier{Code: "A-8", UnitCode: "A", ProcedureCode: "P1",
		ReceivedAt: time.Date(2026, 3, 2, 9, 0, 0, 0, vnZone), DigitizationState: sohoa.DigitizationDigitized}))
	_, body = admin.page(t, "/tien-do?period=2026-Q2")
	assert.Contains(t, body, "Quý IV/2025 50%, Quý I/2026 71,43%, Quý II/2026 —")
}
