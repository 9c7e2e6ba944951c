package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// The progress dashboard ("Tiến độ số hóa"): how far each unit in the
// reader's scope is from the plan's targets in a period, with bars drawn
// as server-rendered SVG (no script, and only SVG presentation attributes,
// which the CSP allows where it forbids style), the trend of the last
// eight quarters, the report deadline's countdown and the snapshot's
// state; a unit's gap opens the dossiers making it up; the IT centre's
// view lists whose report came on time, late, unsigned or not at all.

// Paths of the progress pages.
const (
	progressPath        = "/tien-do"
	progressReportsPath = progressPath + "/bao-cao"
)

// progressTrendQuarters is how many quarters a unit's trend shows, the
// period's own (or the one it ends in) last.
const progressTrendQuarters = report.HistoryQuarters

// progressGapPageSize is how many dossiers a page of a gap lists.
var progressGapPageSize = 25

// progressRoutes registers the progress pages. The literal bao-cao wins
// over {unit} (net/http's most specific pattern).
func (s *server) progressRoutes() {
	s.handle("GET "+progressPath, s.requirePage(s.handleProgressPage))
	s.handle("GET "+progressReportsPath, s.requirePage(s.handleProgressReportsPage))
	s.handle("GET "+progressPath+"/{unit}", s.requirePage(s.handleProgressUnitPage))
}

// numFmt writes numbers as lang reads them: 1.234 and 85,71 in
// Vietnamese, 1,234 and 85.71 in English.
type numFmt sohoa.Lang

func (nf numFmt) int(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "."
	if sohoa.Lang(nf) == sohoa.LangEN {
		sep = ","
	}
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// rate is "85,71%" (at most two decimals, as the exports): "62,5%",
// "100%".
func (nf numFmt) rate(r float64) string {
	s := strconv.FormatFloat(r, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if sohoa.Lang(nf) != sohoa.LangEN {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s + "%"
}

// periodLabel names a period for people: "Quý I/2026", "Tháng 3/2026",
// "Năm 2026"; "Q1 2026", "March 2026", "Year 2026".
func periodLabel(p sohoa.Period, lang sohoa.Lang) string {
	en := lang == sohoa.LangEN
	switch p.Kind {
	case sohoa.PeriodQuarter:
		if en {
			return fmt.Sprintf("Q%d %d", p.Number, p.Year)
		}
		return fmt.Sprintf("Quý %s/%d", [...]string{"I", "II", "III", "IV"}[p.Number-1], p.Year)
	case sohoa.PeriodMonth:
		if en {
			return fmt.Sprintf("%s %d", time.Month(p.Number), p.Year)
		}
		return fmt.Sprintf("Tháng %d/%d", p.Number, p.Year)
	}
	if en {
		return fmt.Sprintf("Year %d", p.Year)
	}
	return fmt.Sprintf("Năm %d", p.Year)
}

func vnDate(t time.Time) string { return t.In(vnZone).Format("02/01/2006") }

// countdownText is the time to the report deadline: "còn 5 ngày 16 giờ",
// "quá hạn 1 ngày 10 giờ".
func countdownText(c sohoa.Countdown, lang sohoa.Lang) string {
	if lang == sohoa.LangEN {
		return c.String()
	}
	if c.Overdue {
		return fmt.Sprintf("quá hạn %d ngày %d giờ", c.Days, c.Hours)
	}
	return fmt.Sprintf("còn %d ngày %d giờ", c.Days, c.Hours)
}

// pickOption is one entry of a picker.
type pickOption struct {
	Value, Label string
	Selected     bool
}

// periodOptions are the picker's periods: the current quarter and the
// eleven before it, newest first, and sel when it is not among them.
func periodOptions(now time.Time, sel sohoa.Period, lang sohoa.Lang) []pickOption {
	var out []pickOption
	found := false
	p := sohoa.PeriodOf(sohoa.PeriodQuarter, now)
	for i := 0; i < 12; i++ {
		out = append(out, pickOption{Value: p.String(), Label: periodLabel(p, lang), Selected: p == sel})
		found = found || p == sel
		p = p.Previous()
	}
	if !found {
		out = append([]pickOption{{Value: sel.String(), Label: periodLabel(sel, lang), Selected: true}}, out...)
	}
	return out
}

// barView is one figure drawn as a bar toward 100%, with the target
// marked: Width and TargetX are in the SVG's 0–100 user units.
type barView struct {
	Title   string // what the SVG says to a screen reader
	Counts  string // "7/10"
	Rate    string // "70%"; "" when there was nothing to measure
	Width   string
	TargetX string
	Fill    string
	Met     bool
	Gap     string // "thiếu 3"; "" when met
	GapURL  string // the dossiers or reports making up the gap
}

// Bar colours: met, within 20 points of the target, further.
const (
	fillMet  = "#2da44e"
	fillNear = "#bf8700"
	fillFar  = "#cf222e"
)

func newBar(name string, f sohoa.Figure, nf numFmt, t map[string]string, gapURL string) barView {
	b := barView{Counts: nf.int(f.Count) + "/" + nf.int(f.Of), Width: "0", TargetX: strconv.Itoa(f.Target)}
	target := nf.rate(float64(f.Target))
	if f.Rate == nil {
		b.Title = fmt.Sprintf("%s: %s (%s %s)", name, t["pg_nothing"], t["pg_target"], target)
		b.Met = true
		return b
	}
	b.Rate = nf.rate(*f.Rate)
	b.Width = strconv.FormatFloat(min(*f.Rate, 100), 'f', 2, 64)
	b.Met = f.Gap == 0
	switch {
	case b.Met:
		b.Fill = fillMet
	case *f.Rate >= float64(f.Target)-20:
		b.Fill = fillNear
	default:
		b.Fill = fillFar
	}
	b.Title = fmt.Sprintf("%s: %s, %s (%s %s)", name, b.Counts, b.Rate, t["pg_target"], target)
	if !b.Met {
		b.Gap = fmt.Sprintf(t["pg_gap"], nf.int(f.Gap))
		b.Title += ", " + b.Gap
		b.GapURL = gapURL
	}
	return b
}

// trendView is a unit's rates over the last quarters as a small line
// chart: one polyline per figure, broken where a quarter had nothing to
// measure, with a dot at each measured quarter.
type trendView struct {
	Title string
	Lines []trendLine
}

type trendLine struct {
	Stroke, Dash string
	Segments     []string // polyline points
	Dots         [][2]string
}

// The trend chart's size in CSS pixels (and SVG user units).
const (
	trendW, trendH = 168, 56
	trendPad       = 6
)

// trendSeries are the figures the trend draws, with their colours.
var trendSeries = []struct {
	key          string
	stroke, dash string
	rate         func(sohoa.Figures) *float64
}{
	{"pg_digitized", "#0969da", "", func(f sohoa.Figures) *float64 { return f.Digitized.Rate }},
	{"pg_results", "#8250df", "4 2", func(f sohoa.Figures) *float64 { return f.ResultsDigitized.Rate }},
	{"pg_reports", "#1b1f24", "1 2", func(f sohoa.Figures) *float64 { return f.ReportsOnTime.Rate }},
}

func newTrend(periods []sohoa.Period, figs []*sohoa.Figures, nf numFmt, lang sohoa.Lang) trendView {
	t := uiStrings[lang]
	tv := trendView{}
	var parts []string
	n := len(periods)
	x := func(i int) float64 {
		if n < 2 {
			return trendW / 2
		}
		return trendPad + float64(i)*float64(trendW-2*trendPad)/float64(n-1)
	}
	y := func(r float64) float64 { return trendH - trendPad - min(r, 100)/100*(trendH-2*trendPad) }
	num := func(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }
	for _, s := range trendSeries {
		ln := trendLine{Stroke: s.stroke, Dash: s.dash}
		var seg []string
		var vals []string
		for i := range periods {
			var r *float64
			if figs[i] != nil {
				r = s.rate(*figs[i])
			}
			if r == nil {
				if len(seg) > 0 {
					ln.Segments = append(ln.Segments, strings.Join(seg, " "))
				}
				seg = nil
				vals = append(vals, periodLabel(periods[i], lang)+" —")
				continue
			}
			seg = append(seg, num(x(i))+","+num(y(*r)))
			ln.Dots = append(ln.Dots, [2]string{num(x(i)), num(y(*r))})
			vals = append(vals, periodLabel(periods[i], lang)+" "+nf.rate(*r))
		}
		if len(seg) > 0 {
			ln.Segments = append(ln.Segments, strings.Join(seg, " "))
		}
		tv.Lines = append(tv.Lines, ln)
		parts = append(parts, t[s.key]+": "+strings.Join(vals, ", "))
	}
	tv.Title = t["pg_trend"] + ". " + strings.Join(parts, ". ") + "."
	return tv
}

// legendItem names a line of the trend charts.
type legendItem struct{ Name, Stroke, Dash string }

// progressRow is one unit of the dashboard.
type progressRow struct {
	Code, Name  string
	Depth       int
	Subunits    int
	Bars        []barView
	Report      string
	ReportClass string
	Trend       trendView
	DetailURL   string
}

type changeView struct{ Unit, Text string }

type progressData struct {
	Period, PeriodLabel     string
	FirstDay, LastDay, Due  string
	Countdown               string
	Overdue                 bool
	Closed                  bool
	ClosedAt, ClosedBy      string
	Early                   bool
	OpenUnits               []string
	Changes                 []changeView
	AsOf                    string
	Periods, Units          []pickOption
	Unit                    string
	Total                   []barView
	Rows                    []progressRow
	TrendRange              string
	TrendLegend             []legendItem
	CSV, XLSX, JSON         string
	ReportsURL              string
	Error                   string
	HasRows, ShowTotal      bool
	OwnTargets, TargetsNote bool
}

// reportBadge is a report status's badge class and text.
func reportBadge(st sohoa.ReportStatus, t map[string]string) (string, string) {
	class := map[sohoa.ReportStatus]string{sohoa.ReportOnTime: "badge-ok", sohoa.ReportLate: "badge-warn",
		sohoa.ReportUnsigned: "badge-warn", sohoa.ReportPending: "badge-none", sohoa.ReportMissing: "badge-bad"}[st]
	if class == "" {
		class = "badge-none"
	}
	return class, t["pg_rs_"+string(st)]
}

// progressQuery is a progress page's query string for period and unit,
// with more pairs.
func progressQuery(period sohoa.Period, unit string, kv ...string) string {
	q := url.Values{"period": {period.String()}}
	if unit != "" {
		q.Set("unit", unit)
	}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Set(kv[i], kv[i+1])
	}
	return "?" + q.Encode()
}

// unitOptions are the units in scope for the picker, by code, with "all"
// first.
func unitOptions(units unitIndex, sel string, t map[string]string) []pickOption {
	out := []pickOption{{Value: "", Label: t["pg_all_units"], Selected: sel == ""}}
	for _, u := range units.list {
		out = append(out, pickOption{Value: u.Code, Label: u.Name + " (" + u.Code + ")", Selected: u.Code == sel})
	}
	return out
}

// periodHead fills the period's dates, countdown and picker.
func (s *server) periodHead(d *progressData, p sohoa.Period, lang sohoa.Lang) {
	now := s.now()
	d.Period, d.PeriodLabel = p.String(), periodLabel(p, lang)
	d.FirstDay, d.LastDay, d.Due = vnDate(p.FirstDay()), vnDate(p.LastDay()), vnDate(p.DueDate())
	c := sohoa.CountdownTo(sohoa.ReportDeadline(p), now)
	d.Countdown, d.Overdue = countdownText(c, lang), c.Overdue
	d.Periods = periodOptions(now, p, lang)
}

// handleProgressPage is GET /tien-do: the dashboard of a period (default
// the current quarter in Vietnam time) for the units in scope, or one
// unit's subtree.
func (s *server) handleProgressPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := pageLang(r)
	t := uiStrings[lang]
	nf := numFmt(lang)
	q := r.URL.Query()
	d := progressData{Unit: q.Get("unit")}
	units := s.unitNames(r)
	d.Units = unitOptions(units, d.Unit, t)
	f, err := s.progressFilter(ctx, strings.TrimSpace(q.Get("period")), d.Unit)
	if err != nil {
		if sohoa.Code(err) != sohoa.EINVALID {
			s.pageError(w, r, err)
			return
		}
		d.Error = t["bad_filter"] + " " + sohoa.Message(err)
		s.periodHead(&d, sohoa.PeriodOf(sohoa.PeriodQuarter, s.now()), lang)
		s.renderPage(w, r, http.StatusOK, "progress", s.page(r, "pg_title", d))
		return
	}
	p := f.Period
	s.periodHead(&d, p, lang)
	out, err := report.ReadProgress(ctx, s.cfg.Catalog, f, s.now(), 0)
	if err != nil && sohoa.Code(err) != sohoa.EFORBIDDEN { // a user without units sees none
		s.pageError(w, r, err)
		return
	}
	d.CSV, d.XLSX, d.JSON = progressExportURL(f, "csv"), progressExportURL(f, "xlsx"), progressExportURL(f, "json")
	d.ReportsURL = progressReportsPath + progressQuery(p, d.Unit)
	if out == nil {
		s.renderPage(w, r, http.StatusOK, "progress", s.page(r, "pg_title", d))
		return
	}
	d.AsOf = vnTime(out.AsOf)
	if sn := out.Snapshot; sn != nil {
		d.Closed, d.ClosedAt, d.ClosedBy, d.Early, d.OpenUnits = true, vnTime(sn.ClosedAt), sn.ClosedBy, sn.Early, sn.OpenUnits
		if out.Live != nil {
			d.AsOf = vnTime(out.Live.AsOf)
		}
		for _, c := range out.Changes {
			d.Changes = append(d.Changes, changeView{Unit: units.name(c.Unit), Text: changeText(c, nf, t, lang)})
		}
	}
	// The trend: the figures of each of the last quarters, the official
	// ones (a closed quarter's snapshot) as the dashboard shows them.
	last := sohoa.PeriodOf(sohoa.PeriodQuarter, p.LastDay())
	periods := make([]sohoa.Period, progressTrendQuarters)
	for i := progressTrendQuarters - 1; i >= 0; i-- {
		periods[i] = last
		last = last.Previous()
	}
	// The period's own figures are out's; the earlier quarters are read
	// from their snapshots alone when closed (no live count beside them)
	// and otherwise counted together (report.ReadTrend).
	series, err := report.ReadTrend(ctx, s.cfg.Catalog, f, periods, s.now(), 0, map[sohoa.Period]*sohoa.Progress{p: out.Progress})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	trend := map[string][]*sohoa.Figures{}
	for i, po := range series {
		for _, u := range po.Units {
			if trend[u.Code] == nil {
				trend[u.Code] = make([]*sohoa.Figures, len(periods))
			}
			fig := u.Total
			trend[u.Code][i] = &fig
		}
	}
	d.TrendRange = periodLabel(periods[0], lang) + " – " + periodLabel(periods[len(periods)-1], lang)
	for _, ser := range trendSeries {
		d.TrendLegend = append(d.TrendLegend, legendItem{Name: t[ser.key], Stroke: ser.stroke, Dash: ser.dash})
	}
	gapURL := func(unit string, gap sohoa.GapKind) string {
		return progressPath + "/" + url.PathEscape(unit) + progressQuery(p, "", "gap", string(gap))
	}
	bars := func(code string, fg sohoa.Figures) []barView {
		var dg, rg, rp string
		if code != "" {
			dg, rg, rp = gapURL(code, sohoa.GapDigitized), gapURL(code, sohoa.GapResultsDigitized), progressReportsPath+progressQuery(p, code)
		} else {
			rp = d.ReportsURL
		}
		return []barView{
			newBar(t["pg_digitized"], fg.Digitized, nf, t, dg),
			newBar(t["pg_scanned"], fg.ScannedChecked, nf, t, ""),
			newBar(t["pg_results"], fg.ResultsDigitized, nf, t, rg),
			newBar(t["pg_reports"], fg.ReportsOnTime, nf, t, rp),
		}
	}
	tops := 0
	for _, u := range out.Units {
		if u.Depth == 0 {
			tops++
		}
		if u.Targets != sohoa.DefaultTargets() {
			d.OwnTargets = true
		}
		row := progressRow{Code: u.Code, Name: u.Name, Depth: min(u.Depth, 5), Subunits: u.Subunits, Bars: bars(u.Code, u.Total),
			Trend: newTrend(periods, trend[u.Code], nf, lang), DetailURL: progressPath + "/" + url.PathEscape(u.Code) + progressQuery(p, "")}
		row.ReportClass, row.Report = reportBadge(u.Report, t)
		d.Rows = append(d.Rows, row)
	}
	d.HasRows = len(d.Rows) > 0
	d.ShowTotal = tops > 1
	d.Total = bars("", out.Total)
	s.renderPage(w, r, http.StatusOK, "progress", s.page(r, "pg_title", d))
}

// changeText is a later change in words: "Số hồ sơ đã số hóa: 95 khi chốt
// → 97 hiện nay".
func changeText(c sohoa.Change, nf numFmt, t map[string]string, lang sohoa.Lang) string {
	name := c.Figure
	for _, col := range report.Columns {
		if col.Key == c.Figure {
			name = col.VI
			if lang == sohoa.LangEN {
				name = col.EN
			}
		}
	}
	val := func(v any) string {
		switch x := v.(type) {
		case int64:
			return nf.int(x)
		case string:
			_, txt := reportBadge(sohoa.ReportStatus(x), t)
			if txt != "" {
				return txt
			}
			return x
		}
		return fmt.Sprint(v)
	}
	if c.Figure == "report" {
		name = t["pg_own_report"]
	}
	return fmt.Sprintf(t["pg_change"], name, val(c.Snapshot), val(c.Now))
}

// gapDossierView is one dossier of a gap.
type gapDossierView struct {
	Code, Unit, Received, Resolved, Status string
	Missing                                missingView
}

type progressUnitData struct {
	progressData
	Code, Name    string
	Gap           string
	Tabs          []pickOption // value: URL, selected: current
	Dossiers      []gapDossierView
	Next          string
	Back          string
	Live          bool // the list is today's, beside a closed period's figures
	GapCount      string
	Bars          []barView
	HasDossiers   bool
	ReportClass   string
	Report        string
	ReportPageURL string
}

// handleProgressUnitPage is GET /tien-do/{unit}?period=P&gap=G: a unit's
// figures and, page by page, the dossiers making up one of its gaps (it
// and its subunits), each with what it is missing.
func (s *server) handleProgressUnitPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := pageLang(r)
	t := uiStrings[lang]
	nf := numFmt(lang)
	q := r.URL.Query()
	code := r.PathValue("unit")
	f, err := s.progressFilter(ctx, strings.TrimSpace(q.Get("period")), code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	gap := sohoa.GapKind(q.Get("gap"))
	switch gap {
	case "":
		gap = sohoa.GapDigitized
	case sohoa.GapDigitized, sohoa.GapResultsDigitized:
	default:
		s.pageError(w, r, sohoa.Errorf(sohoa.EINVALID, "gap %.30q: want digitized or results_digitized", gap))
		return
	}
	p := f.Period
	d := progressUnitData{Code: code, Gap: string(gap)}
	s.periodHead(&d.progressData, p, lang)
	out, err := report.ReadProgress(ctx, s.cfg.Catalog, f, s.now(), 0)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(out.Units) == 0 {
		s.pageError(w, r, sohoa.Errorf(sohoa.ENOTFOUND, "unit %q not found", code))
		return
	}
	u := out.Units[0]
	d.Name = u.Name
	d.Closed = out.Snapshot != nil
	d.Live = d.Closed
	d.AsOf = vnTime(out.AsOf)
	d.ReportClass, d.Report = reportBadge(u.Report, t)
	d.Back = progressPath + progressQuery(p, "")
	d.CSV, d.XLSX, d.JSON = progressExportURL(f, "csv"), progressExportURL(f, "xlsx"), progressExportURL(f, "json")
	d.ReportPageURL = progressReportsPath + progressQuery(p, code)
	self := progressPath + "/" + url.PathEscape(code)
	d.Bars = []barView{
		newBar(t["pg_digitized"], u.Total.Digitized, nf, t, ""),
		newBar(t["pg_scanned"], u.Total.ScannedChecked, nf, t, ""),
		newBar(t["pg_results"], u.Total.ResultsDigitized, nf, t, ""),
		newBar(t["pg_reports"], u.Total.ReportsOnTime, nf, t, d.ReportPageURL),
	}
	for _, g := range []struct {
		kind  sohoa.GapKind
		key   string
		short int64
	}{
		{sohoa.GapDigitized, "pg_tab_digitized", u.Total.Digitized.Of - u.Total.Digitized.Count},
		{sohoa.GapResultsDigitized, "pg_tab_results", u.Total.ResultsDigitized.Of - u.Total.ResultsDigitized.Count},
	} {
		label := fmt.Sprintf(t[g.key], nf.int(g.short))
		d.Tabs = append(d.Tabs, pickOption{Value: self + progressQuery(p, "", "gap", string(g.kind)), Label: label, Selected: g.kind == gap})
		if g.kind == gap {
			d.GapCount = label
		}
	}
	page, err := report.ReadGap(ctx, s.cfg.Catalog, s.gapMissing, f, gap, q.Get("cursor"), progressGapPageSize)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	units := s.unitNames(r)
	for _, g := range page.Dossiers {
		dv := gapDossierView{Code: g.Dossier.Code, Unit: units.name(g.Dossier.UnitCode), Received: vnTime(g.Dossier.ReceivedAt), Status: t["st_"+string(g.Dossier.Status)]}
		if g.Dossier.ResolvedAt != nil {
			dv.Resolved = vnTime(*g.Dossier.ResolvedAt)
		}
		dv.Missing = missingView{Complete: t["pg_nothing_missing"]}
		for _, m := range g.Missing {
			dv.Missing.Items = append(dv.Missing.Items, requirementText(m, lang))
		}
		d.Dossiers = append(d.Dossiers, dv)
	}
	d.HasDossiers = len(d.Dossiers) > 0
	if page.NextCursor != "" {
		d.Next = self + progressQuery(p, "", "gap", string(gap), "cursor", page.NextCursor)
	}
	pg := s.page(r, "pg_unit_title", d)
	pg.Title += ": " + u.Name + " (" + code + ")"
	s.renderPage(w, r, http.StatusOK, "progress_unit", pg)
}

// reportRow is one unit of the IT centre's view.
type reportRow struct {
	Code, Name   string
	Depth        int
	Class, State string
	Submitted    string
}

type progressReportsData struct {
	progressData
	Reports []reportRow
	Summary []pickOption // Value: badge class, Label: "Đúng hạn: 3"
	Back    string
}

// reportStatuses in the order the summary lists them.
var reportStatuses = []sohoa.ReportStatus{sohoa.ReportOnTime, sohoa.ReportLate, sohoa.ReportUnsigned, sohoa.ReportPending, sohoa.ReportMissing}

// handleProgressReportsPage is GET /tien-do/bao-cao: the IT centre's view
// of a period's reports, per unit in scope (or in a unit's subtree):
// on time, late, unsigned, not sent yet or missing, with when each came
// and the countdown to the deadline. Always live, as `sohoa progress
// reports`: a report sent after a close still shows (as late).
func (s *server) handleProgressReportsPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	lang := pageLang(r)
	t := uiStrings[lang]
	q := r.URL.Query()
	d := progressReportsData{}
	d.Unit = q.Get("unit")
	units := s.unitNames(r)
	d.Units = unitOptions(units, d.Unit, t)
	f, err := s.progressFilter(ctx, strings.TrimSpace(q.Get("period")), d.Unit)
	if err != nil {
		if sohoa.Code(err) != sohoa.EINVALID {
			s.pageError(w, r, err)
			return
		}
		d.Error = t["bad_filter"] + " " + sohoa.Message(err)
		s.periodHead(&d.progressData, sohoa.PeriodOf(sohoa.PeriodQuarter, s.now()), lang)
		s.renderPage(w, r, http.StatusOK, "progress_reports", s.page(r, "pg_reports_title", d))
		return
	}
	p := f.Period
	s.periodHead(&d.progressData, p, lang)
	d.Back = progressPath + progressQuery(p, d.Unit)
	out, err := report.ReadProgress(ctx, s.cfg.Catalog, f, s.now(), 0)
	if err != nil && sohoa.Code(err) != sohoa.EFORBIDDEN {
		s.pageError(w, r, err)
		return
	}
	counts := map[sohoa.ReportStatus]int{}
	if out != nil {
		list := out.Units
		if out.Live != nil {
			list = out.Live.Units
		}
		d.AsOf = vnTime(s.now())
		for _, u := range list {
			row := reportRow{Code: u.Code, Name: u.Name, Depth: min(u.Depth, 5)}
			row.Class, row.State = reportBadge(u.Report, t)
			if u.ReportSubmittedAt != nil {
				row.Submitted = vnTime(*u.ReportSubmittedAt)
			}
			counts[u.Report]++
			d.Reports = append(d.Reports, row)
		}
	}
	for _, st := range reportStatuses {
		class, label := reportBadge(st, t)
		d.Summary = append(d.Summary, pickOption{Value: class, Label: label + ": " + strconv.Itoa(counts[st])})
	}
	d.HasRows = len(d.Reports) > 0
	s.renderPage(w, r, http.StatusOK, "progress_reports", s.page(r, "pg_reports_title", d))
}
