package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/report"
)

func init() {
	register("progress", "digitization figures per unit for a reporting period, toward the 100% targets; exports to JSON, CSV, XLSX", runProgress)
}

// progressNow is the clock of `sohoa progress` (the default period, the
// report deadline's countdown); tests fix it.
var progressNow = time.Now

// progressOutput is what --json prints (report.ProgressOutput, which the
// web API answers too).
type (
	progressOutput = report.ProgressOutput
	snapshotOutput = report.SnapshotOutput
	missingPage    = report.MissingPage
)

// runProgress prints a period's figures for every unit (or one unit's
// subtree) and writes the exports asked for. Exit 0 when it could, 1 for a
// bad period or an unknown unit.
func runProgress(ctx context.Context, e *env, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "close":
			return runProgressClose(ctx, e, args[1:])
		case "reports":
			return runProgressReports(ctx, e, args[1:])
		}
	}
	fs := newFlagSet(e, "progress", "[close|reports] [--period P] [--unit CODE] [--json] [--csv FILE] [--xlsx FILE] [--missing digitized|results_digitized [--limit N] [--cursor C]] [--data-dir DIR] [--database-url URL]")
	cfg := addStoreFlags(fs, e)
	periodFlag := fs.String("period", "", "reporting period: YYYY-Qn (quarter), YYYY-MM (month) or YYYY; default the current quarter in Vietnam time")
	unit := fs.String("unit", "", "only this unit and the units below it; default every unit")
	asJSON := fs.Bool("json", false, "print the figures as JSON instead of a table")
	csvFile := fs.String("csv", "", "also write the figures to this CSV file (- for standard output, instead of the table)")
	xlsxFile := fs.String("xlsx", "", "also write the figures to this XLSX file")
	target := fs.Int("target", 0, "target for every rate, in percent, overriding the units' own targets (sohoa unit target set) for this run")
	missing := fs.String("missing", "", "list the dossiers making up a gap, with what each is missing: digitized (received, not digitized) or results_digitized (resolved, result not digitized)")
	limit := fs.Int("limit", 20, "with --missing: dossiers per page")
	cursor := fs.String("cursor", "", "with --missing: the page after this cursor (printed at the end of a page)")
	lang := fs.String("lang", "en", "language of what is missing: en, or vi (Vietnamese)")
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa progress:", statusErrText(err))
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
	targetSet := false
	fs.Visit(func(f *flag.Flag) { targetSet = targetSet || f.Name == "target" })
	if targetSet && (*target < 1 || *target > 100) {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--target %d is not a percentage from 1 to 100", *target))
	}
	if *missing != "" && *missing != string(sohoa.GapDigitized) && *missing != string(sohoa.GapResultsDigitized) {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--missing %q: want digitized or results_digitized", *missing))
	}
	if *csvFile == "-" && *asJSON {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--csv - and --json both want standard output; write one to a file"))
	}
	if err := cfg.finish(e); err != nil {
		return fail(err)
	}
	st, err := cfg.openWith(ctx, e, openOptions{Existing: true})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	cat := st.Catalog
	if *unit != "" {
		if _, err := cat.FindUnitByCode(ctx, *unit); err != nil {
			return fail(err)
		}
	}
	f := sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: *unit, Period: period}
	out, err := report.ReadProgress(ctx, cat, f, now, *target)
	if err != nil {
		return fail(err)
	}
	if *missing != "" {
		if out.Missing, err = gapPage(ctx, e, cat, f, sohoa.GapKind(*missing), *cursor, *limit); err != nil {
			return fail(err)
		}
	}

	var wrote []string
	if *csvFile != "" && *csvFile != "-" {
		if err := writeFileAtomic(*csvFile, func(w io.Writer) error { return report.WriteCSV(w, out.Progress) }); err != nil {
			return fail(err)
		}
		wrote = append(wrote, *csvFile)
	}
	if *xlsxFile != "" {
		if err := writeFileAtomic(*xlsxFile, func(w io.Writer) error { return report.WriteXLSX(w, out.Progress) }); err != nil {
			return fail(err)
		}
		wrote = append(wrote, *xlsxFile)
	}
	switch {
	case *asJSON:
		err = report.WriteJSON(e.stdout, out)
	case *csvFile == "-":
		err = report.WriteCSV(e.stdout, out.Progress)
	default:
		printProgress(e.stdout, out.Progress, out.Snapshot, *target > 0)
		if out.Snapshot != nil {
			printChanges(e.stdout, out.Changes)
		}
		if out.Missing != nil {
			printMissing(e.stdout, out.Missing, period, sohoa.ParseLang(*lang))
		} else {
			printGapHint(e.stdout, out.Progress)
		}
	}
	if err != nil {
		return fail(err)
	}
	for _, name := range wrote {
		fmt.Fprintf(e.stderr, "sohoa progress: wrote %s\n", name)
	}
	return exitOK
}

// gapPage reads a page of a gap's dossiers and what each is missing, by
// the digitization rule the workers apply (pipeline.Status).
func gapPage(ctx context.Context, e *env, cat pipeline.Catalog, f sohoa.ProgressFilter, kind sohoa.GapKind, cursor string, limit int) (*missingPage, error) {
	p, err := pipeline.New(pipeline.Config{Catalog: cat, Logger: e.log})
	if err != nil {
		return nil, err
	}
	return report.ReadGap(ctx, cat, func(ctx context.Context, code string) (*sohoa.Dossier, []sohoa.Requirement, error) {
		ds, err := p.Status(ctx, code)
		if err != nil {
			return nil, nil, err
		}
		return ds.Dossier, ds.Missing, nil
	}, f, kind, cursor, limit)
}

// writeFileAtomic writes a file through a temporary file in the same
// directory, so a failed export never leaves half a file under the name.
func writeFileAtomic(name string, write func(io.Writer) error) (err error) {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = write(tmp); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}

// progressHeadings are the table's columns: English with the Vietnamese
// word people know.
var progressHeadings = []string{
	"UNIT (đơn vị)", "received (tiếp nhận)", "digitized (số hóa)", "scanned and checked (đã quét, kiểm tra)", "resolved (giải quyết)",
	"results digitized (kết quả số hóa)", "reports signed (ký số)", "on time (đúng hạn)", "own report (báo cáo)",
	"reused (tái sử dụng)",
}

func printProgress(w io.Writer, p *sohoa.Progress, snap *snapshotOutput, override bool) {
	due := "due today"
	switch {
	case p.DaysToDue == 1:
		due = "due tomorrow"
	case p.DaysToDue > 1:
		due = fmt.Sprintf("due in %d days", p.DaysToDue)
	case p.DaysToDue == -1:
		due = "due yesterday"
	case p.DaysToDue < -1:
		due = fmt.Sprintf("due %d days ago", -p.DaysToDue)
	}
	fmt.Fprintf(w, "Progress (tiến độ) %s: %s to %s, report due %s (%s)\n", p.Period, p.FirstDay, p.LastDay, p.DueDate, due)
	if snap != nil {
		early := ""
		if snap.Early {
			early = ", early (before the deadline)"
		}
		fmt.Fprintf(w, "Closed (đã chốt số liệu) at %s Vietnam time by %s%s: the figures below are the snapshot's.\n",
			snap.ClosedAt.In(sohoa.Location()).Format("2006-01-02 15:04"), snap.ClosedBy, early)
		if len(snap.OpenUnits) > 0 {
			fmt.Fprintf(w, "Not closed, shown live: %s.\n", strings.Join(snap.OpenUnits, ", "))
		}
		fmt.Fprintln(w, "A unit's figures include its subunits'.")
		fmt.Fprintln(w)
	} else {
		fmt.Fprintf(w, "As of %s Vietnam time; %s; a unit's figures include its subunits'.\n\n",
			p.AsOf.In(sohoa.Location()).Format("2006-01-02 15:04"), targetText(p, override))
	}
	if len(p.Units) == 0 {
		fmt.Fprintln(w, "No units.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(progressHeadings, "\t"))
	row := func(name string, f sohoa.Figures, status string) {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\n", name, f.Received, figureText(f.Digitized), figureText(f.ScannedChecked), f.Resolved,
			figureText(f.ResultsDigitized), figureText(f.ReportsSigned), figureText(f.ReportsOnTime), status, figureText(f.Reused))
	}
	tops := 0
	for _, u := range p.Units {
		if u.Depth == 0 {
			tops++
		}
		row(strings.Repeat("  ", u.Depth)+u.Code+" "+u.Name, u.Total, report.ReportStatusLabels[u.Report].EN)
	}
	if tops > 1 {
		row("ALL (tổng)", p.Total, "")
	}
	_ = tw.Flush()
}

// targetText says what the rates are measured against.
func targetText(p *sohoa.Progress, override bool) string {
	if override {
		return fmt.Sprintf("target %d%% for every rate (--target)", p.Target)
	}
	for _, u := range p.Units {
		if u.Targets != sohoa.DefaultTargets() {
			return "targets 100% unless a unit has its own (sohoa unit target list)"
		}
	}
	return "target 100% for every rate"
}

// printChanges lists what changed since the snapshot.
func printChanges(w io.Writer, changes []sohoa.Change) {
	if len(changes) == 0 {
		fmt.Fprintln(w, "\nNo later changes (không có thay đổi sau khi chốt): the live figures match the snapshot.")
		return
	}
	fmt.Fprintln(w, "\nLater changes (thay đổi sau khi chốt), which never rewrite the snapshot:")
	for _, c := range changes {
		fmt.Fprintf(w, "  %s\n", c)
	}
}

// figureText is "7/10 70.00% gap 3", "10/10 100.00%" or "0/0 -".
func figureText(f sohoa.Figure) string {
	if f.Rate == nil {
		return fmt.Sprintf("%d/%d -", f.Count, f.Of)
	}
	s := fmt.Sprintf("%d/%d %.2f%%", f.Count, f.Of, *f.Rate)
	if f.Gap > 0 {
		s += fmt.Sprintf(" gap %d", f.Gap)
	}
	return s
}

// printGapHint says how to list what makes up the dossier gaps.
func printGapHint(w io.Writer, p *sohoa.Progress) {
	var hints []string
	if g := p.Total.Digitized.Of - p.Total.Digitized.Count; g > 0 {
		hints = append(hints, fmt.Sprintf("%d received and not digitized: --missing digitized", g))
	}
	if g := p.Total.ResultsDigitized.Of - p.Total.ResultsDigitized.Count; g > 0 {
		hints = append(hints, fmt.Sprintf("%d resolved without a digitized result: --missing results_digitized", g))
	}
	if len(hints) > 0 {
		fmt.Fprintf(w, "\nWhat each dossier is missing (còn thiếu): %s.\n", strings.Join(hints, "; "))
	}
}

func printMissing(w io.Writer, m *missingPage, period sohoa.Period, lang sohoa.Lang) {
	what := "received in %s and not digitized (chưa số hóa)"
	if m.Gap == sohoa.GapResultsDigitized {
		what = "resolved in %s without a digitized result (kết quả chưa số hóa)"
	}
	fmt.Fprintf(w, "\nDossiers "+what+", oldest received first:\n", period)
	if len(m.Dossiers) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, g := range m.Dossiers {
		d := g.Dossier
		line := fmt.Sprintf("  %s  unit %s, received %s", d.Code, d.UnitCode, localTime(d.ReceivedAt))
		if d.ResolvedAt != nil {
			line += ", resolved " + localTime(*d.ResolvedAt)
		}
		fmt.Fprintln(w, line)
		if len(g.Missing) == 0 {
			fmt.Fprintln(w, "    - nothing now: the recorded state is updated when the dossier's next job finishes")
		}
		for _, r := range g.Missing {
			fmt.Fprintf(w, "    - %s\n", r.Text(lang))
		}
	}
	if m.NextCursor != "" {
		fmt.Fprintf(w, "More: add --cursor %s\n", m.NextCursor)
	}
}
