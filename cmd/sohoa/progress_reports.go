package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// reportsView is the IT centre's view of a period's reports (`sohoa
// progress reports`): per unit, where its report stands, and the
// countdown to the deadline.
type reportsView struct {
	Period  string `json:"period"`
	DueDate string `json:"due_date"`
	// Deadline is the first instant after the due date in Vietnam
	// (RFC 3339 with +07:00): a report before it is on time.
	Deadline  string            `json:"deadline"`
	AsOf      time.Time         `json:"as_of"`
	Countdown sohoa.Countdown   `json:"countdown"`
	Summary   map[string]int    `json:"summary"`
	Units     []reportsViewUnit `json:"units"`
	Unit      string            `json:"unit,omitempty"`
}

type reportsViewUnit struct {
	Code        string             `json:"code"`
	Name        string             `json:"name"`
	ParentCode  string             `json:"parent_code,omitempty"`
	Depth       int                `json:"depth"`
	Status      sohoa.ReportStatus `json:"status"`
	SubmittedAt *time.Time         `json:"submitted_at,omitempty"`
}

// reportStatuses in the order the summary lists them.
var reportStatuses = []sohoa.ReportStatus{sohoa.ReportOnTime, sohoa.ReportLate, sohoa.ReportUnsigned, sohoa.ReportPending, sohoa.ReportMissing}

// buildReportsView takes the report statuses from the live figures: a
// report that arrives after a close still counts here (as late).
func buildReportsView(p *sohoa.Progress, period sohoa.Period, now time.Time) *reportsView {
	deadline := sohoa.ReportDeadline(period)
	v := &reportsView{Period: p.Period, DueDate: p.DueDate, Deadline: deadline.In(sohoa.Location()).Format(time.RFC3339),
		AsOf: now.UTC().Truncate(time.Second), Countdown: sohoa.CountdownTo(deadline, now), Unit: p.Unit,
		Summary: map[string]int{}, Units: []reportsViewUnit{}}
	for _, s := range reportStatuses {
		v.Summary[string(s)] = 0
	}
	for _, u := range p.Units {
		v.Units = append(v.Units, reportsViewUnit{Code: u.Code, Name: u.Name, ParentCode: u.ParentCode, Depth: u.Depth,
			Status: u.Report, SubmittedAt: u.ReportSubmittedAt})
		v.Summary[string(u.Report)]++
	}
	return v
}

func runProgressReports(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "progress reports", "[--period P] [--unit CODE] [--json] [--data-dir DIR] [--database-url URL]")
	cfg := addStoreFlags(fs, e)
	periodFlag := fs.String("period", "", "reporting period: YYYY-Qn, YYYY-MM or YYYY; default the current quarter in Vietnam time")
	unit := fs.String("unit", "", "only this unit and the units below it; default every unit")
	asJSON := fs.Bool("json", false, "print the view as JSON")
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa progress reports:", statusErrText(err))
		return exitCode(err)
	}
	now := progressNow()
	period := sohoa.PeriodOf(sohoa.PeriodQuarter, now)
	if *periodFlag != "" {
		p, err := sohoa.ParsePeriod(*periodFlag)
		if err != nil {
			return fail(err)
		}
		period = p
	}
	if err := cfg.finish(e); err != nil {
		return fail(err)
	}
	st, err := cfg.openWith(ctx, e, openOptions{Existing: true})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	if *unit != "" {
		if _, err := st.Catalog.FindUnitByCode(ctx, *unit); err != nil {
			return fail(err)
		}
	}
	counts, err := st.Catalog.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: *unit, Period: period})
	if err != nil {
		return fail(err)
	}
	v := buildReportsView(sohoa.BuildProgress(sohoa.ProgressInput{Period: period, Unit: *unit, Counts: counts, Now: now}), period, now)
	if *asJSON {
		err = report.WriteJSON(e.stdout, v)
	} else {
		printReportsView(e.stdout, v)
	}
	if err != nil {
		return fail(err)
	}
	return exitOK
}

func printReportsView(w io.Writer, v *reportsView) {
	deadline, _ := time.Parse(time.RFC3339, v.Deadline)
	fmt.Fprintf(w, "Reports (báo cáo) for %s: due %s, on time until %s Vietnam time — %s\n", v.Period, v.DueDate,
		deadline.Add(-time.Minute).In(sohoa.Location()).Format("2006-01-02 15:04"), countdownText(v.Countdown))
	fmt.Fprintf(w, "As of %s Vietnam time.\n\n", localTime(v.AsOf))
	if len(v.Units) == 0 {
		fmt.Fprintln(w, "No units.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "UNIT (đơn vị)\tREPORT (báo cáo)\tSUBMITTED (thời điểm gửi)")
	for _, u := range v.Units {
		at := "-"
		if u.SubmittedAt != nil {
			at = localTime(*u.SubmittedAt)
		}
		l := report.ReportStatusLabels[u.Status]
		fmt.Fprintf(tw, "%s%s %s\t%s (%s)\t%s\n", strings.Repeat("  ", u.Depth), u.Code, u.Name, l.EN, l.VI, at)
	}
	_ = tw.Flush()
	var parts []string
	for _, s := range reportStatuses {
		parts = append(parts, fmt.Sprintf("%s %d", report.ReportStatusLabels[s].EN, v.Summary[string(s)]))
	}
	fmt.Fprintf(w, "\n%d units: %s.\n", len(v.Units), strings.Join(parts, ", "))
}

// countdownText is the countdown with its Vietnamese words.
func countdownText(c sohoa.Countdown) string {
	if c.Overdue {
		return fmt.Sprintf("%s (quá hạn %d ngày %d giờ)", c, c.Days, c.Hours)
	}
	return fmt.Sprintf("%s (còn %d ngày %d giờ)", c, c.Days, c.Hours)
}
