package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/inspect"
	"github.com/sohoa/sohoa/verify"
)

// Config wires a Pipeline to the opened stores and libraries. Catalog is
// always needed; Blobs for Ingest, Blobs and Verifier
// for Start (a pipeline used only for Status or WaitDocuments needs
// neither).
type Config struct {
	// Catalog is the catalog with River's side of its database:
	// OnPostgres(db) or OnSQLite(db).
	Catalog  Catalog
	Blobs    sohoa.BlobStore
	Verifier *verify.Verifier
	// Inspect is the policy every document is inspected under; the zero
	// Policy means inspect.DefaultPolicy().
	Inspect inspect.Policy
	Logger  *slog.Logger
	// Now is the clock (audit details, re-verification ages); nil means
	// time.Now.
	Now func() time.Time
	// Workers is River's MaxWorkers for the pipeline's queue; 0 means
	// 2*GOMAXPROCS.
	Workers int
	// ReverifyInterval is how often the periodic sweep runs (re-verify
	// INDETERMINATE verdicts and verdicts under other trust anchors,
	// re-enqueue documents whose jobs were lost); 0 means
	// DefaultReverifyInterval, below zero turns it off.
	ReverifyInterval time.Duration
	// CloseInterval is how often the scheduled close runs (close the
	// periods whose report deadline has passed, see CloseDue); 0 means
	// DefaultCloseInterval, below zero turns it off.
	CloseInterval time.Duration
	// SignerFor opens a unit's signing key for the certify job, which
	// turns the scans of units with a key into certified copies
	// (certify.go); UnsealWith(auditKey) opens the keys `sohoa unit cert
	// set` sealed. Nil turns certified copies off in this process: no
	// certify job is enqueued by its workers.
	SignerFor SignerFunc
	// CertifyHTTPClient fetches, while a copy is signed, the revocation
	// status of the unit's certificate chain (embedded in the copy) and
	// the time-stamping service's token; nil means a client with a
	// 30-second timeout per request.
	CertifyHTTPClient *http.Client
	// OnRecorded, when set, is called after a job committed an
	// inspection or a verification (either may be nil), for metrics. It
	// runs on the worker's goroutine: it must not block.
	OnRecorded func(in *sohoa.Inspection, v *sohoa.Verification)
}

// DefaultReverifyInterval is the periodic sweep's default interval.
const DefaultReverifyInterval = 6 * time.Hour

// IngestRequest is one file for one dossier, from any source (web upload,
// API, hot folder, bulk import).
type IngestRequest struct {
	// DossierCode is required.
	DossierCode string
	// NewDossier, when non-nil and the dossier does not exist, is created
	// (in the same transaction as the document) from its UnitCode,
	// ProcedureCode, ReceivedAt (and optional DueAt/Status); its Code is
	// ignored (DossierCode is used). When nil and the dossier is missing,
	// Ingest fails with EINVALID "dossier X does not exist".
	NewDossier *sohoa.Dossier
	Role       sohoa.DocumentRole
	// Component is the component's name (thành phần hồ sơ) for
	// RoleComponent; it is matched, trimmed, against the procedure's
	// RequiredComponents.
	Component string
	// FileName is the base name shown to users (no directory).
	FileName string
	// MediaType is sniffed from the first bytes when empty.
	MediaType string
	Source    sohoa.DocumentSource
	// UploadedBy is the actor recorded on the document and in the audit
	// log: a username, or "system:<source>" for unattended sources.
	UploadedBy string
	// Body is streamed into the blob store; Ingest never holds the whole
	// file in memory.
	Body io.Reader
	// Reopen, when set, reads the same bytes again from the start. Ingest
	// needs them again in one rare case: `sohoa fsck --gc` was deleting
	// them as an orphan blob at the moment they were stored (the blob
	// existed already, unused). Without Reopen, a Body that is an
	// io.Seeker is seeked back; otherwise Ingest fails (EINTERNAL, so
	// that retrying sources retry) and the file must be sent again.
	Reopen func() (io.ReadCloser, error)

	// submittedAt is a periodic report's submission time (SubmitReport);
	// zero means now.
	submittedAt time.Time
}

// IngestResult says what Ingest did.
type IngestResult struct {
	Document *sohoa.Document
	// Duplicate: the same bytes were already a document of this dossier;
	// Document is that document and no job was enqueued.
	Duplicate bool
	// BlobCreated: this call stored the bytes (false when the blob store
	// already had them, from this or another dossier).
	BlobCreated bool
	// BlobRepaired: the blob store held a damaged copy of these bytes and
	// this call replaced it (the repair `sohoa fsck` advises).
	BlobRepaired bool
	// DossierCreated: the dossier was created from NewDossier.
	DossierCreated bool
}

// DossierStatus is what `sohoa status` prints (its --json form is a
// contract, see DESIGN.md).
type DossierStatus struct {
	Dossier   *sohoa.Dossier   `json:"dossier"`
	Documents []DocumentStatus `json:"documents"`
	// Missing says, one line per unmet requirement, why the dossier does
	// not count as digitized; empty when Digitized.
	Missing   []sohoa.Requirement `json:"missing"`
	Digitized bool                `json:"digitized"`
}

// DocumentStatus is one document with its latest inspection and
// verification. The document's own fields (id, sha256, role, …) are
// inlined.
type DocumentStatus struct {
	sohoa.Document
	// Inspection is the latest inspection, nil while none has run.
	Inspection *InspectionJSON `json:"inspection"`
	// Verification is the latest verification, nil while none has run.
	Verification *VerificationJSON `json:"verification"`
	// Pending is true while an inspect or verify job for the document is
	// queued, running or waiting to retry.
	Pending bool `json:"pending,omitempty"`
	// Error is a permanent failure recorded on the document (an
	// unreadable file, or a job that gave up after its last attempt).
	Error string `json:"error,omitempty"`
}

// InspectionJSON is a document's latest inspection as shown.
type InspectionJSON struct {
	Outcome          sohoa.InspectionOutcome `json:"outcome"`
	Findings         []sohoa.Finding         `json:"findings"`
	PolicyName       string                  `json:"policy_name"`
	InspectorVersion string                  `json:"inspector_version"`
	InspectedAt      time.Time               `json:"inspected_at"`
}

// VerificationJSON is a document's latest verification as shown; Report
// is the verifier's full report (docs/verify-report.md).
type VerificationJSON struct {
	Indication         string          `json:"indication"`
	SubIndication      string          `json:"sub_indication,omitempty"`
	Summary            string          `json:"summary"`
	Signatures         int             `json:"signatures"`
	VerifiedAt         time.Time       `json:"verified_at"`
	VerifierVersion    string          `json:"verifier_version"`
	TrustAnchorsSHA256 string          `json:"trust_anchors_sha256"`
	Error              string          `json:"error,omitempty"`
	Report             json.RawMessage `json:"report,omitempty"`
}

// New checks cfg and builds a Pipeline. Ingest works right away; call
// Start to run the workers in this process.
func New(cfg Config) (*Pipeline, error) { return newPipeline(cfg) }

// Ingest stores one file and records it; see the package documentation.
func (p *Pipeline) Ingest(ctx context.Context, req IngestRequest) (*IngestResult, error) {
	return p.ingest(ctx, req)
}

// Start starts River's workers (and, unless turned off, the periodic
// sweep) in this process. Jobs are claimed with row locks, so any number
// of processes may run workers over one PostgreSQL database.
func (p *Pipeline) Start(ctx context.Context) error { return p.start(ctx) }

// Stop stops fetching new jobs and waits for running ones to finish, or
// until ctx ends (then running jobs are cancelled and retried later).
func (p *Pipeline) Stop(ctx context.Context) error { return p.stop(ctx) }

// WaitDocuments blocks until every given document is processed: its
// inspection and verification are recorded, or its jobs finished without
// recording one (cancelled, or discarded after the last attempt: Documents
// then reports the failure), or ctx ends. The state is read from the
// database, so documents whose jobs run in another process (sohoa work)
// are waited for too.
func (p *Pipeline) WaitDocuments(ctx context.Context, ids []int64) error {
	return p.waitDocuments(ctx, ids, nil)
}

// WaitDocumentsReport is WaitDocuments that tells report, after each look
// at the database (a few times a second) and once at the end, how many of
// the documents are processed, in any order.
func (p *Pipeline) WaitDocumentsReport(ctx context.Context, ids []int64, report func(done int)) error {
	return p.waitDocuments(ctx, ids, report)
}

// QueueDepth counts the inspection and verification jobs waiting to run
// (available, scheduled or retrying), whichever process will run them.
func (p *Pipeline) QueueDepth(ctx context.Context) (int, error) {
	n, err := p.cfg.Catalog.jobs().queued(ctx)
	if err != nil {
		return 0, fmt.Errorf("count queued jobs: %w", err)
	}
	return n, nil
}

// Status assembles what `sohoa status` prints; ENOTFOUND when the dossier
// does not exist.
func (p *Pipeline) Status(ctx context.Context, dossierCode string) (*DossierStatus, error) {
	return p.status(ctx, dossierCode)
}

// Verifier is the verifier the workers use (nil when the pipeline was
// built without one), for callers that verify with the same trust
// anchors: the API's ad-hoc verification.
func (p *Pipeline) Verifier() *verify.Verifier { return p.cfg.Verifier }
