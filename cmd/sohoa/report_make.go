package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/report"
)

func init() {
	register("report", "the unit's quarterly report: make it from the figures, sign it with the unit's key and submit it", runReport)
}

const reportUsage = `Usage: sohoa report make --unit CODE --period 2026-Q1 [--out FILE] [flags]

make  writes the unit's quarterly report (báo cáo định kỳ) as a PDF from its
      figures for the period (the unit and its subunits, a table per subunit,
      the digitization rates of the last eight quarters as a chart), signs it
      with the unit's key (sohoa unit cert set; PAdES B-T with the unit's
      time-stamping service, else B-B), and submits it as the unit's report
      for the period: it is stored as a document (role report) in the
      dossier <unit>-BC-<period>, recorded as the unit's report in the same
      step, and verified like any upload; the progress figures count it as
      signed (on time or late) once it verifies. A report signed elsewhere
      and uploaded with role report into that dossier counts the same way.
      --out FILE also writes the signed PDF there; --no-submit only writes it.`

// reportNow is the clock of `sohoa report make` (the report's date, the
// signing and submission time); tests fix it.
var reportNow = time.Now

func runReport(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, reportUsage)
	}
	if args[0] != "make" {
		fmt.Fprintf(e.stderr, "sohoa report: unknown subcommand %q (make)\n", args[0])
		return exitUsage
	}
	return runReportMake(ctx, e, args[1:])
}

func runReportMake(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "report make", "--unit CODE --period YYYY-Qn [--out FILE] [--no-submit] [--place NAME] [--signer NAME] [--signer-title TITLE]")
	cfg := addStoreFlags(fs, e)
	unit := fs.String("unit", "", "the reporting unit (required)")
	periodFlag := fs.String("period", "", "the quarter reported on, YYYY-Qn (default: the quarter whose report is due next, in Vietnam time)")
	out := fs.String("out", "", "also write the signed PDF to this file")
	noSubmit := fs.Bool("no-submit", false, "only write the signed PDF (--out): do not submit it")
	place := fs.String("place", e.getenv("SOHOA_REPORT_PLACE"), "place name of the date line, e.g. \"Hà Nội\" (env SOHOA_REPORT_PLACE; default dots)")
	signer := fs.String("signer", "", "name printed under the signature (the unit's head)")
	signerTitle := fs.String("signer-title", report.DefaultSignerTitle, "title heading the signature block")
	target := fs.Int("target", sohoa.DefaultTarget, "target for every rate, in percent")
	trustDir := fs.String("trust-dir", "", "trust anchor directory for the verification (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa report make:", statusErrText(err))
		return exitCode(err)
	}
	now := reportNow()
	if *unit == "" {
		fmt.Fprintln(e.stderr, "sohoa report make: --unit is required")
		fs.Usage()
		return exitUsage
	}
	period := sohoa.PeriodOf(sohoa.PeriodQuarter, now)
	if *periodFlag != "" {
		p, err := sohoa.ParsePeriod(*periodFlag)
		if err != nil {
			return fail(err)
		}
		period = p
	}
	if period.Kind != sohoa.PeriodQuarter {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--period %s: the quarterly report is made for a quarter, YYYY-Qn", period))
	}
	if *noSubmit && *out == "" {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--no-submit needs --out: the report would go nowhere"))
	}
	if *target < 1 || *target > 100 {
		return fail(sohoa.Errorf(sohoa.EINVALID, "--target %d is not a percentage from 1 to 100", *target))
	}
	if err := cfg.finish(e); err != nil {
		return fail(err)
	}
	st, pipe, err := openPipeline(ctx, e, cfg, *trustDir, pipeline.Config{Workers: 1})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	cat := st.Catalog
	made, err := makeQuarterlyReport(ctx, cat, st.AuditKey, report.QuarterlyOptions{Unit: *unit, Period: period, Now: now, Target: *target,
		Place: *place, SignerName: *signer, SignerTitle: *signerTitle})
	if err != nil {
		return fail(err)
	}
	q, k, pdf := made.q, made.key, made.pdf
	level := "PAdES B-B"
	if k.TSAURL != "" {
		level = "PAdES B-T"
	}
	fmt.Fprintf(e.stdout, "unit %s: quarterly report %s (%s) made and signed by %s (%s)\n",
		q.Unit.Code, period, report.QuarterTitle(period), k.Subject, level)
	if *out != "" {
		if err := writeFileAtomic(*out, func(w io.Writer) error { _, err := w.Write(pdf); return err }); err != nil {
			return fail(err)
		}
		fmt.Fprintf(e.stdout, "wrote %s\n", *out)
	}
	if *noSubmit {
		return exitOK
	}
	res, verdict, err := submitReport(ctx, e, pipe, q.Unit.Code, period, pdf, now)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(e.stdout, "submitted as document %d in dossier %s; verification: %s\n",
		res.Document.ID, res.Document.DossierCode, verdict)
	counts, err := cat.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: q.Unit.Code, Period: period})
	if err != nil {
		return fail(err)
	}
	for _, c := range counts {
		if c.UnitCode == q.Unit.Code {
			s := sohoa.ReportStatusOf(c, period, now)
			fmt.Fprintf(e.stdout, "the unit's report for %s: %s (%s; due %s)\n", period,
				report.ReportStatusLabels[s].EN, report.ReportStatusLabels[s].VI, period.DueDate().Format(time.DateOnly))
		}
	}
	if verdict != sohoa.IndicationTotalPassed {
		fmt.Fprintf(e.stderr, "sohoa report make: the submitted report did not pass verification (%s): check the unit's certificate and the trust anchors (sohoa status %s)\n",
			verdict, res.Document.DossierCode)
		return exitFailure
	}
	return exitOK
}

// madeReport is a quarterly report made and signed: its figures, the key
// that signed it and the signed PDF.
type madeReport struct {
	q   *report.Quarterly
	key *sohoa.UnitSigningKey
	pdf []byte
}

// makeQuarterlyReport builds the quarterly report o asks for from the
// catalog's figures and signs it with the unit's key (PAdES B-T with the
// unit's time-stamping service, else B-B) at o.Now: what `sohoa report
// make` submits, and the demo too.
func makeQuarterlyReport(ctx context.Context, cat sohoa.Catalog, ak *sohoa.AuditKey, o report.QuarterlyOptions) (*madeReport, error) {
	q, err := report.BuildQuarterly(ctx, cat, o)
	if err != nil {
		return nil, err
	}
	k, err := cat.FindUnitSigningKey(ctx, q.Unit.Code)
	if sohoa.Code(err) == sohoa.ENOTFOUND {
		return nil, sohoa.Errorf(sohoa.EINVALID, "unit %s has no signing key: set one with sohoa unit cert set %s FILE.p12", q.Unit.Code, q.Unit.Code)
	} else if err != nil {
		return nil, err
	}
	key, err := report.OpenUnitKey(ak, k)
	if err != nil {
		return nil, err
	}
	pdf, err := report.MakeQuarterly(ctx, q, key, report.SignOptions{Time: o.Now, TSAURL: k.TSAURL,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		return nil, err
	}
	return &madeReport{q: q, key: k, pdf: pdf}, nil
}

// submitReport submits pdf as unit's periodic report for p
// (pipeline.SubmitReport: role report in the dossier
// sohoa.ReportDossierCode, recorded as submitted at now), starts the
// workers of this process, waits for them to inspect and verify it, and
// stops them. It returns the ingest result and the verification's
// indication. The very same report submitted again is ECONFLICT.
func submitReport(ctx context.Context, e *env, pipe *pipeline.Pipeline, unit string, p sohoa.Period, pdf []byte, now time.Time) (*pipeline.IngestResult, string, error) {
	res, err := pipe.SubmitReport(ctx, pipeline.ReportSubmission{Unit: unit, Period: p, Body: bytes.NewReader(pdf),
		UploadedBy: cliActor(), SubmittedAt: now})
	if err != nil {
		return nil, "", err
	}
	if res.Duplicate {
		return nil, "", sohoa.Errorf(sohoa.ECONFLICT, "this very report (document %d) is already submitted for %s", res.Document.ID, p)
	}
	if err := pipe.Start(ctx); err != nil {
		return nil, "", err
	}
	werr := pipe.WaitDocuments(ctx, []int64{res.Document.ID})
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	if err := pipe.Stop(sctx); err != nil {
		e.log.Warn("stopping the workers", "err", err)
	}
	if werr != nil {
		return nil, "", fmt.Errorf("wait for the report's verification: %w", werr)
	}
	verdict, err := documentVerdict(ctx, pipe, res.Document)
	return res, verdict, err
}

// documentVerdict is the indication of doc's latest verification, "none"
// when it has none.
func documentVerdict(ctx context.Context, pipe *pipeline.Pipeline, doc *sohoa.Document) (string, error) {
	status, err := pipe.Status(ctx, doc.DossierCode)
	if err != nil {
		return "", err
	}
	for _, d := range status.Documents {
		if d.ID == doc.ID && d.Verification != nil {
			return d.Verification.Indication, nil
		}
	}
	return "none", nil
}
