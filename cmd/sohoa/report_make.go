package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
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
      dossier <unit>-BC-<period> and verified like any upload, then recorded
      so the progress figures count it (signed, on time or late).
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

	q, err := report.BuildQuarterly(ctx, cat, report.QuarterlyOptions{Unit: *unit, Period: period, Now: now, Target: *target,
		Place: *place, SignerName: *signer, SignerTitle: *signerTitle})
	if err != nil {
		return fail(err)
	}
	k, err := cat.FindUnitSigningKey(ctx, q.Unit.Code)
	if sohoa.Code(err) == sohoa.ENOTFOUND {
		return fail(sohoa.Errorf(sohoa.EINVALID, "unit %s has no signing key: set one with sohoa unit cert set %s FILE.p12", q.Unit.Code, q.Unit.Code))
	} else if err != nil {
		return fail(err)
	}
	key, err := report.OpenUnitKey(st.AuditKey, k)
	if err != nil {
		return fail(err)
	}
	pdf, err := report.MakeQuarterly(ctx, q, key, report.SignOptions{Time: now, TSAURL: k.TSAURL,
		HTTPClient: &http.Client{Timeout: 30 * time.Second}})
	if err != nil {
		return fail(err)
	}
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
	res, verdict, err := submitReport(ctx, e, st, pipe, q.Unit.Code, period, pdf, now)
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

// submitReport submits pdf as unit's periodic report for p through the
// pipeline's ingest (role report, in the dossier sohoa.ReportDossierCode,
// created with the first report), waits for the workers of this process
// to inspect and verify it, and records the submission. It returns the
// ingest result and the verification's indication.
func submitReport(ctx context.Context, e *env, st *stores, pipe *pipeline.Pipeline, unit string, p sohoa.Period, pdf []byte, now time.Time) (*pipeline.IngestResult, string, error) {
	cat := st.Catalog
	if _, err := cat.FindProcedureByCode(ctx, sohoa.ReportProcedureCode); sohoa.Code(err) == sohoa.ENOTFOUND {
		err := cat.WithTx(ctx, func(tx sohoa.Catalog) error {
			if err := tx.CreateProcedure(ctx, &sohoa.Procedure{Code: sohoa.ReportProcedureCode, Name: sohoa.ReportProcedureName}); err != nil {
				return err
			}
			return appendCLIAudit(ctx, tx, "procedure.create", "procedure:"+sohoa.ReportProcedureCode, nil)
		})
		if err != nil && sohoa.Code(err) != sohoa.ECONFLICT {
			return nil, "", err
		}
	} else if err != nil {
		return nil, "", err
	}
	dossier := sohoa.ReportDossierCode(unit, p)
	res, err := pipe.Ingest(ctx, pipeline.IngestRequest{
		DossierCode: dossier,
		NewDossier:  &sohoa.Dossier{UnitCode: unit, ProcedureCode: sohoa.ReportProcedureCode, ReceivedAt: now},
		Role:        sohoa.RoleReport,
		FileName:    "bao-cao-" + strings.ToLower(unit) + "-" + p.String() + ".pdf",
		MediaType:   "application/pdf",
		Source:      sohoa.SourceAPI,
		UploadedBy:  cliActor(),
		Body:        bytes.NewReader(pdf),
	})
	if err != nil {
		return nil, "", err
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
	status, err := pipe.Status(ctx, dossier)
	if err != nil {
		return nil, "", err
	}
	verdict := "none"
	for _, d := range status.Documents {
		if d.ID == res.Document.ID && d.Verification != nil {
			verdict = d.Verification.Indication
		}
	}
	err = cat.WithTx(ctx, func(tx sohoa.Catalog) error {
		r := &sohoa.PeriodicReport{UnitCode: unit, Period: p.String(), DocumentID: res.Document.ID, SubmittedAt: now}
		if err := tx.CreatePeriodicReport(ctx, r); err != nil {
			return err
		}
		return appendCLIAudit(ctx, tx, "report.submit", "unit:"+unit, map[string]any{
			"period": r.Period, "document": res.Document.ID, "sha256": res.Document.BlobKey, "indication": verdict,
		})
	})
	if sohoa.Code(err) == sohoa.ECONFLICT {
		return nil, "", sohoa.Errorf(sohoa.ECONFLICT, "this very report (document %d) is already submitted for %s", res.Document.ID, p)
	}
	if err != nil {
		return nil, "", err
	}
	return res, verdict, nil
}
