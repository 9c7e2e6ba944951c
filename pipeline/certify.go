package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/riverqueue/river"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
	"github.com/sohoa/sohoa/verify"
)

// The certify job turns a scan of a unit that has an agency signing key
// into its certified electronic copy (bản sao điện tử, Decree 30/2020
// Art. 25.1.c): report.CertifiedCopy stamps and signs it, and the copy is
// stored through Ingest as a new document of the same dossier and
// component, so it is inspected and verified like any upload. The scan is
// left as it is; certified_copies links the two.
//
// The job is enqueued in the transaction that records a scan's results,
// once the scan is a component document whose latest inspection is not a
// failure and whose verification found no signature; a unit without a key
// gets none. It is idempotent: a scan has at most one copy (the link's
// primary key), the job first looks for one, and the copy's document and
// its link are written in one transaction, so a run that loses a race to
// another rolls its copy back and is done.

// ActionDocumentCertify is the audit action of a certified copy made: on
// the scan, with the copy's document and the certificate that signed it.
const ActionDocumentCertify = "document.certify"

// ActorCertify is the uploader and audit actor of certified copies.
const ActorCertify = "system:certify"

// CertifySource is the documents.source of a certified copy. The column
// allows only web, api, folder and bulk (a CHECK constraint, which SQLite
// cannot change without rebuilding the table); a copy is made by sohoa
// itself, programmatically, so it is recorded as "api" and told apart by
// its uploader, ActorCertify, and its certified_copies link.
const CertifySource = sohoa.SourceAPI

// certifyHTTPTimeout bounds each request the signing makes (the agency
// chain's OCSP or CRL, the time-stamping service) when Config gives no
// client.
const certifyHTTPTimeout = 30 * time.Second

// stepCertify is the beforeWork hook's name for the certify job, called
// after it checked that no copy exists yet, before signing.
const stepCertify = "certify"

type certifyArgs struct {
	// DocumentID is the scan's.
	DocumentID int64 `json:"document_id" river:"unique"`
}

func (certifyArgs) Kind() string { return KindCertify }

type certifyWorker struct {
	river.WorkerDefaults[certifyArgs]
	p *Pipeline
}

func (w *certifyWorker) Work(ctx context.Context, job *river.Job[certifyArgs]) error {
	id := job.Args.DocumentID
	_, err := w.p.certify(ctx, id, w.p.jobLog(job.JobRow.ID, KindCertify, id, job.Attempt))
	return jobErr(err)
}

// SignerFunc opens a unit's signing key for the certify job.
type SignerFunc func(ctx context.Context, k *sohoa.UnitSigningKey) (report.Signer, error)

// UnsealWith is the SignerFunc for keys the catalog keeps sealed under the
// audit key ak (`sohoa unit cert set`). A PKCS#11 token would be another
// SignerFunc returning a report.Signer whose Key stays on the token.
func UnsealWith(ak *sohoa.AuditKey) SignerFunc {
	return func(_ context.Context, k *sohoa.UnitSigningKey) (report.Signer, error) {
		return report.OpenUnitKey(ak, k)
	}
}

// unsigned reports whether a verification found no signature at all: the
// file is a scan, not a born-digital signed document (nor a copy).
func unsigned(v *sohoa.Verification) bool {
	return v != nil && v.Indication == sohoa.IndicationIndeterminate && v.SubIndication == string(verify.NoSignature)
}

// certifiable reports whether a document's latest results make it a scan
// to certify: a component, its inspection not a failure, no signature.
func certifiable(doc *sohoa.Document, in *sohoa.Inspection, v *sohoa.Verification) bool {
	return doc.Role == sohoa.RoleComponent && in != nil && in.Outcome != sohoa.InspectionFail && unsigned(v)
}

// enqueueCertify enqueues the certify job for doc, in the transaction that
// records its new results in and v (either may be nil: the other is read),
// when doc is now a scan to certify, its unit has a signing key and it has
// no copy yet.
func (p *Pipeline) enqueueCertify(ctx context.Context, tx sohoa.Catalog, insert insertFunc, doc *sohoa.Document, d *sohoa.Dossier,
	in *sohoa.Inspection, v *sohoa.Verification, log *slog.Logger) error {
	if p.cfg.SignerFor == nil || doc.Role != sohoa.RoleComponent || (in == nil && v == nil) {
		return nil
	}
	// This job's own results are the newest: when one rules the document
	// out, nothing needs reading.
	if (in != nil && in.Outcome == sohoa.InspectionFail) || (v != nil && !unsigned(v)) {
		return nil
	}
	ids := []int64{doc.ID}
	if in == nil {
		m, err := tx.LatestInspections(ctx, ids)
		if err != nil {
			return err
		}
		in = m[doc.ID]
	}
	if v == nil {
		m, err := tx.LatestVerdicts(ctx, ids)
		if err != nil {
			return err
		}
		v = m[doc.ID]
	}
	if !certifiable(doc, in, v) {
		return nil
	}
	if _, err := tx.FindUnitSigningKey(ctx, d.UnitCode); sohoa.Code(err) == sohoa.ENOTFOUND {
		return nil
	} else if err != nil {
		return err
	}
	if _, err := tx.FindCertifiedCopy(ctx, doc.ID); err == nil {
		return nil // certified already (this is a re-inspection or a new verdict)
	} else if sohoa.Code(err) != sohoa.ENOTFOUND {
		return err
	}
	res, err := insert(ctx, []river.InsertManyParams{{Args: certifyArgs{DocumentID: doc.ID}, InsertOpts: p.insertOpts()}})
	if err != nil {
		return fmt.Errorf("enqueue the certify job of document %d: %w", doc.ID, err)
	}
	if len(res) == 1 {
		log.Info("certify job enqueued", "certify_job", res[0].Job.ID, "already_queued", res[0].UniqueSkippedAsDuplicate)
	}
	return nil
}

// errCopyExists rolls back a copy whose scan got a copy from another run
// meanwhile.
var errCopyExists = errors.New("the scan has a certified copy already")

// certify makes and records the certified copy of scan scanID, and returns
// the link; nil when there is nothing to do (a copy exists, the unit has
// no key any more, the scan no longer passes inspection).
func (p *Pipeline) certify(ctx context.Context, scanID int64, log *slog.Logger) (*sohoa.CertifiedCopy, error) {
	log.Info("job started")
	cat := p.cfg.Catalog
	scan, err := cat.FindDocumentByID(ctx, scanID)
	if err != nil {
		return nil, fmt.Errorf("certify document %d: %w", scanID, err)
	}
	if c, err := cat.FindCertifiedCopy(ctx, scanID); err == nil {
		log.Info("certified already", "copy", c.CopyDocumentID)
		return nil, nil
	} else if sohoa.Code(err) != sohoa.ENOTFOUND {
		return nil, err
	}
	d, err := cat.FindDossierByCode(ctx, scan.DossierCode)
	if err != nil {
		return nil, fmt.Errorf("certify document %d: %w", scanID, err)
	}
	k, err := cat.FindUnitSigningKey(ctx, d.UnitCode)
	if sohoa.Code(err) == sohoa.ENOTFOUND {
		log.Info("the unit has no signing key any more: no copy", "unit", d.UnitCode)
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	ins, err := cat.LatestInspections(ctx, []int64{scanID})
	if err != nil {
		return nil, err
	}
	vs, err := cat.LatestVerdicts(ctx, []int64{scanID})
	if err != nil {
		return nil, err
	}
	if !certifiable(scan, ins[scanID], vs[scanID]) {
		log.Info("no longer a scan that passes inspection: no copy")
		return nil, nil
	}
	unit, err := cat.FindUnitByCode(ctx, d.UnitCode)
	if err != nil {
		return nil, err
	}
	if p.cfg.SignerFor == nil {
		// Another process enqueued it; this one cannot open keys. A
		// retry may land on one that can.
		return nil, sohoa.Errorf(sohoa.EINTERNAL, "certify document %d: this process cannot open units' signing keys (no audit key)", scanID)
	}
	signer, err := p.cfg.SignerFor(ctx, k)
	if err != nil {
		return nil, fmt.Errorf("certify document %d: %w", scanID, err)
	}
	if p.beforeWork != nil {
		p.beforeWork(stepCertify, scan)
	}

	f, err := p.openBlob(ctx, scan, true)
	if err != nil {
		return nil, err
	}
	closeScan := sync.OnceFunc(f.Close)
	defer closeScan()
	if !f.isPDF {
		return nil, sohoa.Errorf(sohoa.EINVALID, "certify document %d: not a PDF", scanID)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, transientf("certify document %d: %w", scanID, err)
	}
	out, err := os.CreateTemp("", "sohoa-certify-*.pdf")
	if err != nil {
		return nil, fmt.Errorf("certify document %d: %w", scanID, err)
	}
	defer func() { out.Close(); os.Remove(out.Name()) }()
	client := p.cfg.CertifyHTTPClient
	if client == nil {
		client = &http.Client{Timeout: certifyHTTPTimeout}
	}
	at, err := report.CertifiedCopy(ctx, f, out, signer, report.CopyOptions{
		Agency: unit.Name, Time: p.now(), TSAURL: k.TSAURL, HTTPClient: client,
	})
	if err != nil {
		return nil, fmt.Errorf("certify document %d: %w", scanID, err)
	}
	closeScan() // the scan's slot and file are not needed for the ingest
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		return nil, fmt.Errorf("certify document %d: %w", scanID, err)
	}

	link := &sohoa.CertifiedCopy{ScanDocumentID: scanID, SignedAt: at}
	res, err := p.ingestThen(ctx, IngestRequest{
		DossierCode: scan.DossierCode,
		Role:        scan.Role,
		Component:   scan.ComponentName,
		FileName:    copyFileName(scan.FileName),
		MediaType:   "application/pdf",
		Source:      CertifySource,
		UploadedBy:  ActorCertify,
		Body:        out,
	}, func(ctx context.Context, tx sohoa.Catalog, doc *sohoa.Document) error {
		link.CopyDocumentID = doc.ID
		if err := tx.RecordCertifiedCopy(ctx, link); err != nil {
			if sohoa.Code(err) == sohoa.ECONFLICT {
				if _, ferr := tx.FindCertifiedCopy(ctx, scanID); ferr == nil {
					return errCopyExists
				}
			}
			return err
		}
		details, err := json.Marshal(map[string]any{
			"dossier":          scan.DossierCode,
			"scan_sha256":      scan.BlobKey,
			"copy_document_id": doc.ID,
			"copy_sha256":      doc.BlobKey,
			"signed_at":        link.SignedAt.UTC().Format(time.RFC3339),
			"agency":           unit.Name,
			"cert_sha256":      k.CertSHA256,
			"tsa_url":          k.TSAURL,
		})
		if err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{
			Actor: ActorCertify, Action: ActionDocumentCertify, Object: "document:" + strconv.FormatInt(scanID, 10), Details: details,
		})
	})
	if errors.Is(err, errCopyExists) {
		log.Info("another run certified the scan first; its copy stands")
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("certify document %d: store the copy: %w", scanID, err)
	}
	log.Info("certified copy made", "copy", res.Document.ID, "sha256", res.Document.BlobKey, "signed_at", at, "tsa", k.TSAURL != "")
	return link, nil
}

// copyNameSuffix ends a certified copy's file name.
const copyNameSuffix = " (bản sao điện tử).pdf"

// copyFileName names the copy after its scan: "cccd.pdf" becomes
// "cccd (bản sao điện tử).pdf", within sohoa.MaxNameLen runes.
func copyFileName(scan string) string {
	stem := strings.TrimSuffix(scan, filepath.Ext(scan))
	if stem == "" {
		stem = "scan"
	}
	max := sohoa.MaxNameLen - utf8.RuneCountInString(copyNameSuffix)
	if utf8.RuneCountInString(stem) > max {
		stem = string([]rune(stem)[:max])
	}
	return strings.TrimSpace(stem) + copyNameSuffix
}

// Certify makes the certified copy of scan scanID now, in the caller's
// goroutine, as the certify job does (nothing when it has a copy, is no
// longer a scan that passes inspection, or its unit has no key), and
// returns the link (nil when nothing was made). It is for scans whose
// results were recorded before their unit got its key, for which no job
// was enqueued.
func (p *Pipeline) Certify(ctx context.Context, scanID int64) (*sohoa.CertifiedCopy, error) {
	return p.certify(ctx, scanID, p.log.With("kind", KindCertify, "document", scanID))
}
