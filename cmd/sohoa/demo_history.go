package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/auditkey"
	"github.com/sohoa/sohoa/internal/demodata"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/report"
	"github.com/sohoa/sohoa/verify"
)

// The demo's history: the shop's dossiers of the two quarters before the
// one the demo was first filled in (the last quarter whose report deadline
// had passed then, and the one before), through the same pipeline as
// today's, with their dates set back; the shop's signed quarterly report
// for the last of them, made by `sohoa report make`'s code and submitted
// a few days before its deadline; and both quarters closed. Every step
// finds what an earlier run did, so running the demo again adds nothing.

// demoPastPlans are the two past quarters' dossiers, oldest quarter
// first, one letter per dossier:
//
//	.  a signed application and a 300 dpi scan (certified): digitized
//	R  the same, resolved with a signed result: digitized, result digitized
//	r  resolved, but no result file: neither
//	L  a 100 dpi scan, which fails inspection: not digitized
//	M  no scan of the second component: not digitized
//
// The older quarter has 5 of 8 digitized and 2 of 3 results, the last
// one 9 of 10 and 3 of 3: the dashboard's trend goes up.
var demoPastPlans = [2]string{"R..r.LRM", "R..R..R..L"}

// demoReportSigner is the name under the demo report's signature.
const demoReportSigner = "Phạm Thu Hà"

// demoPastPeriods are the demo's two past quarters for a demo first filled
// at filledAt, oldest first.
func demoPastPeriods(filledAt time.Time) [2]sohoa.Period {
	last := sohoa.LatestDuePeriod(sohoa.PeriodQuarter, filledAt)
	return [2]sohoa.Period{last.Previous(), last}
}

// demoReportTime is when the demo's report for p was made, signed and
// submitted: the 22nd of the quarter's last month, 09:00 Vietnam time,
// three days before it is due.
func demoReportTime(p sohoa.Period) time.Time {
	return p.DueDate().AddDate(0, 0, -3).Add(9 * time.Hour)
}

// demoPastDossier is one dossier of the history.
type demoPastDossier struct {
	period int // index in demoPastPeriods
	code   string
	nd     sohoa.Dossier
	files  []demoFile
}

// demoHistory lays the history out: each quarter's dossiers spread over
// its first eighty days, received at 09:00 Vietnam time, resolved a week
// later.
func demoHistory(filledAt time.Time) []demoPastDossier {
	var out []demoPastDossier
	for pi, p := range demoPastPeriods(filledAt) {
		plan := demoPastPlans[pi]
		for i, kind := range plan {
			received := p.FirstDay().AddDate(0, 0, 3+i*80/len(plan)).Add(9*time.Hour + time.Duration(i)*13*time.Minute)
			due := received.AddDate(0, 0, 15)
			d := demoPastDossier{period: pi,
				code: fmt.Sprintf("%s-%s-%04d", demoShop, received.In(sohoa.Location()).Format("060102"), i+1),
				nd:   sohoa.Dossier{UnitCode: demoShop, ProcedureCode: demoProcedure.Code, ReceivedAt: received, DueAt: &due}}
			d.files = append(d.files, demoFile{sample: "signed-valid-blt.pdf", role: sohoa.RoleComponent, component: compForm, source: sohoa.SourceWeb, actor: "canbo.motcua"})
			switch kind {
			case 'L':
				d.files = append(d.files, demoFile{sample: "scan-low-resolution.pdf", role: sohoa.RoleComponent, component: compCopy, source: sohoa.SourceFolder, actor: "mayquet.01"})
			case 'M':
			default:
				d.files = append(d.files, demoFile{sample: "scan-300dpi.pdf", role: sohoa.RoleComponent, component: compCopy, source: sohoa.SourceFolder, actor: "mayquet.01"})
			}
			if kind == 'R' || kind == 'r' {
				resolved := received.AddDate(0, 0, 7).Add(6 * time.Hour)
				d.nd.Status, d.nd.ResolvedAt = sohoa.StatusResolved, &resolved
			}
			if kind == 'R' {
				d.files = append(d.files, demoFile{sample: "certified-p2.pdf", role: sohoa.RoleResult, source: sohoa.SourceWeb, actor: "canbo.motcua"})
			}
			out = append(out, d)
		}
	}
	return out
}

// demoIngestHistory ingests the history's files; like demoIngest it
// returns the dossier codes, the documents and how many were new.
func demoIngestHistory(ctx context.Context, p *pipeline.Pipeline, filledAt time.Time) (codes []string, ids []int64, added int, err error) {
	for _, d := range demoHistory(filledAt) {
		codes = append(codes, d.code)
		for _, f := range d.files {
			body, err := demodata.FS.ReadFile(f.sample)
			if err != nil {
				return nil, nil, 0, err
			}
			nd := d.nd
			res, err := p.Ingest(ctx, pipeline.IngestRequest{
				DossierCode: d.code, NewDossier: &nd, Role: f.role, Component: f.component,
				FileName: f.sample, MediaType: "application/pdf", Source: f.source, UploadedBy: f.actor,
				Body: bytes.NewReader(body),
			})
			if err != nil {
				return nil, nil, 0, err
			}
			if !res.Duplicate {
				added++
			}
			ids = append(ids, res.Document.ID)
		}
	}
	return codes, ids, added, nil
}

// demoCopies waits until every scan among docs (processed: a component
// that passed inspection, with no signature) has its certified copy and
// the copies are processed, and returns the copies. A scan whose results
// were recorded before the shop got its key (a directory filled by an
// older sohoa) got no certify job: it is certified here, the same way.
func demoCopies(ctx context.Context, cat sohoa.Catalog, p *pipeline.Pipeline, docs []int64) ([]int64, error) {
	statuses, err := p.Documents(ctx, docs)
	if err != nil {
		return nil, err
	}
	key, err := cat.FindUnitSigningKey(ctx, demoShop)
	if err != nil {
		return nil, err
	}
	var scans []int64
	for _, d := range statuses {
		if d.Role != sohoa.RoleComponent || d.Inspection == nil || d.Inspection.Outcome == sohoa.InspectionFail ||
			d.Verification == nil || d.Verification.SubIndication != string(verify.NoSignature) {
			continue
		}
		scans = append(scans, d.ID)
		if d.Inspection.InspectedAt.Before(key.UpdatedAt) && d.Verification.VerifiedAt.Before(key.UpdatedAt) {
			if _, err := cat.FindCertifiedCopy(ctx, d.ID); sohoa.Code(err) == sohoa.ENOTFOUND {
				if _, err := p.Certify(ctx, d.ID); err != nil {
					return nil, fmt.Errorf("certify %s (document %d): %w", d.FileName, d.ID, err)
				}
			}
		}
	}
	var copies []int64
	for _, id := range scans {
		for {
			c, err := cat.FindCertifiedCopy(ctx, id)
			if err == nil {
				copies = append(copies, c.CopyDocumentID)
				break
			}
			if sohoa.Code(err) != sohoa.ENOTFOUND {
				return nil, err
			}
			select {
			case <-ctx.Done():
				return nil, fmt.Errorf("waiting for the certified copy of document %d: %w", id, ctx.Err())
			case <-time.After(25 * time.Millisecond):
			}
		}
	}
	if err := p.WaitDocuments(ctx, copies); err != nil {
		return nil, fmt.Errorf("waiting for the certified copies' inspection and verification: %w", err)
	}
	return copies, nil
}

// demoReported is the demo's quarterly report.
type demoReported struct {
	period  sohoa.Period
	doc     *sohoa.Document
	verdict string
	status  sohoa.ReportStatus
	added   bool
}

// demoReport makes, signs and submits the shop's quarterly report for
// period once (a report submitted before is kept), at demoReportTime,
// and waits for its verification.
func demoReport(ctx context.Context, cfg *storeConfig, cat sohoa.Catalog, p *pipeline.Pipeline, period sohoa.Period) (*demoReported, error) {
	out := &demoReported{period: period}
	at := demoReportTime(period)
	prev, err := cat.FindPeriodicReports(ctx, sohoa.ReportFilter{Scope: sohoa.AllUnits, UnitCode: demoShop, Period: period.String()})
	if err != nil {
		return nil, err
	}
	if len(prev) > 0 {
		if out.doc, err = cat.FindDocumentByID(ctx, prev[0].DocumentID); err != nil {
			return nil, err
		}
	} else {
		ak, err := auditkey.Load(cfg.auditKeyPath())
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		made, err := makeQuarterlyReport(ctx, cat, ak, report.QuarterlyOptions{Unit: demoShop, Period: period, Now: at,
			Place: "Hà Nội", SignerName: demoReportSigner, SignerTitle: report.DefaultSignerTitle})
		if err != nil {
			return nil, fmt.Errorf("make the report: %w", err)
		}
		res, err := p.SubmitReport(ctx, pipeline.ReportSubmission{Unit: demoShop, Period: period, Body: bytes.NewReader(made.pdf),
			UploadedBy: demoActor, SubmittedAt: at})
		if err != nil {
			return nil, fmt.Errorf("submit the report: %w", err)
		}
		out.doc, out.added = res.Document, true
	}
	if err := p.WaitDocuments(ctx, []int64{out.doc.ID}); err != nil {
		return nil, fmt.Errorf("waiting for the report's verification: %w", err)
	}
	if out.verdict, err = documentVerdict(ctx, p, out.doc); err != nil {
		return nil, err
	}
	counts, err := cat.CountProgress(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: demoShop, Period: period})
	if err != nil {
		return nil, err
	}
	for _, c := range counts {
		if c.UnitCode == demoShop {
			out.status = sohoa.ReportStatusOf(c, period, time.Now())
		}
	}
	return out, nil
}

// demoClose closes the past quarters not closed yet, freezing their
// figures; it returns, per quarter, whether this run closed it.
func demoClose(ctx context.Context, cat sohoa.Catalog, periods [2]sohoa.Period) ([2]bool, error) {
	var closed [2]bool
	for i, p := range periods {
		_, err := sohoa.CloseProgress(ctx, cat, sohoa.CloseRequest{Period: p, Actor: demoActor, Now: time.Now()})
		switch {
		case err == nil:
			closed[i] = true
		case sohoa.Code(err) == sohoa.ECONFLICT: // closed by an earlier run
		default:
			return closed, fmt.Errorf("close %s: %w", p, err)
		}
	}
	return closed, nil
}

// demoPastFigures are what the demo printed of a past quarter.
type demoPastFigures struct {
	period                                       sohoa.Period
	received, digitized, resolved, resultsDigitd int
}

// summary is a past quarter's line.
func (f demoPastFigures) summary() string {
	return fmt.Sprintf("%s (%s to %s): %d dossiers received, %d digitized; %d resolved, %d with their result digitized",
		f.period, f.period.FirstDay().Format(time.DateOnly), f.period.LastDay().Format(time.DateOnly),
		f.received, f.digitized, f.resolved, f.resultsDigitd)
}

// demoProgressURL is the progress dashboard's address under the server's.
func demoProgressURL(base string) string {
	return strings.TrimSuffix(base, "/") + "/tien-do"
}
