// Package pipeline owns how a file becomes verified, queryable facts: the
// one ingestion entry point every source uses (web upload, API, scanner hot
// folder, bulk import), and the River jobs that inspect each document's
// scan quality, verify its signatures and record what that means for its
// dossier. Sources (pipeline/source, cmd/sohoa) decide which dossier and
// component a file belongs to; this package stores and judges it.
//
// # Ingestion
//
// Ingest streams the body into the blob store first (content-addressed, so
// storing known bytes again is a no-op), then in one catalog transaction
// creates the dossier when asked to, finds or creates the document row and
// inserts its process job (River's transactional insert) and an audit
// entry. The same bytes for the same dossier are a duplicate: the
// existing document is returned and nothing is enqueued. The same bytes in
// another dossier are a new document over the same blob. A failure after
// the blob was stored leaves an orphan blob, which is harmless (sohoa fsck
// reports it), and no row.
//
// For sources: an Ingest error with code EINVALID is a bad request (no such
// dossier and no NewDossier, an unknown unit or procedure, a bad file name
// or role) and will fail again; any other error (storage, database,
// cancelled) may succeed later. A file whose content is bad (not a PDF,
// unreadable) is not an Ingest error: it is stored and judged, and after
// WaitDocuments, Documents reports it with Error set.
//
// # Jobs
//
// A document has one process job. It reads the document's bytes once (from
// the store's file on disk, or into memory or a temporary file, checked
// against the key, from S3) and runs two steps over them:
//
//   - inspect runs the inspect package under the configured policy and
//     produces an Inspection. A file that is not a PDF gets a failing
//     "readable" finding.
//   - verify runs the verifier and produces a Verification with its full
//     report. A file the verifier cannot read (not a PDF, broken beyond
//     use, encrypted) is recorded as TOTAL_FAILED with sub-indication
//     FORMAT_FAILURE and the reason in the report's "error", the way
//     `sohoa verify --json` reports it.
//   - record is not a step of its own: both results are stored in one
//     transaction that also recomputes the dossier's digitization state
//     (after locking the dossier row, so concurrent results of one dossier
//     are applied one after the other). River's unique jobs cannot exclude
//     a running job, so a separate per-dossier job could miss a result
//     that lands while it runs.
//
// The steps are isolated: when one fails (a storage error, a panic) the
// other's result is still recorded, the attempt fails, and the retry runs
// only the missing step. The single-step inspect and verify jobs of
// earlier versions are still run by the same code.
// The certify job makes a scan's certified copy (bản sao điện tử): when a
// component document's results show it passed inspection (warnings
// allowed) and has no signature, and its dossier's unit has a signing key,
// the transaction recording those results enqueues it (unique per scan).
// It stamps and signs the scan with the unit's key (report.CertifiedCopy;
// Config.SignerFor opens the key) and ingests the copy into the same
// dossier and component, linking it to the scan (certified_copies) and
// auditing it in the ingest's transaction; the copy then gets its own
// process job. A scan with a copy is done; a run that loses a race to
// another rolls its copy back.
//
// The sweep job runs every ReverifyInterval on one process (River's
// leader): it enqueues a process job for documents whose verdict may change
// (INDETERMINATE for a reason other than NO_SIGNATURE, or reached under
// other trust anchors) and for documents that have no inspection or
// verification (their jobs were discarded or lost). A re-verification that
// reaches the same verdict under the same verifier and anchors is not
// stored again, so history holds changes rather than polls.
//
// Jobs are unique per document among unfinished jobs of their kind, and
// every step is idempotent (a first inspection or verification that
// already has a result is skipped), because River runs a job at least
// once: a process killed after our commit but before River marked the job
// done runs it again elsewhere.
//
// # Jobs held by a process that died
//
// River marks a job running when a process takes it and rescues it only
// by age (RescueStuckJobsAfter: JobTimeout plus an hour), so the jobs of a
// process killed with SIGKILL, or cut off by a crash, would wait 90
// minutes. Instead every process that runs workers names its River client
// (the name River writes into attempted_by) and writes a heartbeat every
// HeartbeatEvery into the worker_processes table; the pipeline creates it
// when missing. At every heartbeat each worker process looks at the
// running jobs: one whose holder has been silent for Lease, measured from
// this process's own unbroken run of heartbeats (after a database outage
// everyone was silent), or that stopped cleanly, is made available again
// with River's rescue statement and the reason recorded as the attempt's
// error; a job on its last attempt is discarded instead. A long job in a
// process that still answers is never taken, whatever its length. Holdup
// tells a waiting front end which of its documents are held by whom, and
// when a dead holder's jobs will be taken over.
//
// # Retries
//
// Errors that a later attempt may not hit (storage, database, a missing or
// corrupt blob, shutdown) fail the attempt and River retries with its
// backoff (attempt⁴ seconds plus jitter) up to MaxAttempts, the last about
// four hours after the first; after that the job is discarded, its last
// error is shown by Status, and the next sweep enqueues the document again.
// Errors that will not get better (EINVALID, ENOTFOUND, EFORBIDDEN: a
// deleted document, a bug) cancel the job with its error. Verdicts on the
// file itself are results, not errors: they are recorded and the job
// completes, so a broken PDF is never retried forever. A panic in a job is
// recovered by River, which fails that attempt with the panic's message
// (and retries it like any error); the worker goes on with other jobs.
//
// # Digitization rule
//
// The rule itself is the root package's sohoa.EvaluateDigitization, free
// of storage and queues so status, progress and the web UI share it. The
// pipeline reads what it needs (the dossier, its procedure, its documents
// and their latest inspection and verification) and stores the state it
// returns whenever a result changes it, in the same transaction as the
// result, with an audit entry holding the unmet requirements as reason
// codes and parameters (sohoa.Requirement). Status lists them; rendered
// in English they read, for example
//
//	component "Đơn đề nghị": no file
//	component "Bản sao CCCD": "cccd.pdf" fails inspection (resolution)
//	component "Tờ khai": "tk.pdf" has a failed signature (TOTAL_FAILED, HASH_FAILURE)
//	result: no file
package pipeline
