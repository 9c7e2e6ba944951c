package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/riverqueue/river"

	"github.com/sohoa/sohoa"
)

// Audit actions written by the pipeline (`sohoa audit verify` compares
// what they record with the catalog; see sohoa.AuditCrossChecker).
const (
	ActionDossierCreate   = sohoa.AuditDossierCreate
	ActionDocumentIngest  = sohoa.AuditDocumentIngest
	ActionDocumentDup     = sohoa.AuditDocumentDup
	ActionDossierState    = sohoa.AuditDossierState
	ActionDocumentResults = sohoa.AuditDocumentResults
)

// actorSystem is the audit actor of the workers.
const actorSystem = "system:pipeline"

// sniffLen is how much of the body is looked at to guess a media type
// (net/http's sniffing algorithm reads at most 512 bytes).
const sniffLen = 512

// placeholderKey stands in for the blob key while a request is checked
// before its bytes are stored.
const placeholderKey = "0000000000000000000000000000000000000000000000000000000000000000"

// check validates what it can of req before any byte is stored, so a bad
// request does not leave an orphan blob behind.
func (p *Pipeline) check(req *IngestRequest) error {
	if p.cfg.Blobs == nil {
		return sohoa.Errorf(sohoa.EINVALID, "ingest: the pipeline has no blob store")
	}
	if req.Body == nil {
		return sohoa.Errorf(sohoa.EINVALID, "ingest: no file body")
	}
	if err := sohoa.ValidateDossierCode(req.DossierCode); err != nil {
		return err
	}
	mt := req.MediaType
	if mt == "" {
		mt = "application/octet-stream"
	}
	d := sohoa.Document{
		DossierCode:   req.DossierCode,
		BlobKey:       placeholderKey,
		FileName:      req.FileName,
		MediaType:     mt,
		Role:          req.Role,
		ComponentName: req.Component,
		Source:        req.Source,
		UploadedBy:    req.UploadedBy,
	}
	if err := d.Validate(); err != nil {
		return err
	}
	if nd := req.NewDossier; nd != nil {
		if nd.Code != "" && nd.Code != req.DossierCode {
			return sohoa.Errorf(sohoa.EINVALID, "ingest: NewDossier code %q differs from the dossier code %q", nd.Code, req.DossierCode)
		}
		c := *nd
		c.Code = req.DossierCode
		if err := c.Validate(); err != nil {
			return err
		}
	}
	return nil
}

func (p *Pipeline) ingest(ctx context.Context, req IngestRequest) (*IngestResult, error) {
	return p.ingestThen(ctx, req, nil)
}

// recordedFunc runs at the end of the transaction that records an ingested
// file (created, or found as a duplicate); its error rolls the whole
// record back.
type recordedFunc func(ctx context.Context, tx sohoa.Catalog, doc *sohoa.Document) error

// ingestThen is Ingest with then run in the recording transaction: the
// certify job links the copy to its scan there, so a copy is never a
// document without its link.
func (p *Pipeline) ingestThen(ctx context.Context, req IngestRequest, then recordedFunc) (*IngestResult, error) {
	if err := p.check(&req); err != nil {
		return nil, err
	}
	q, err := p.client()
	if err != nil {
		return nil, err
	}
	start := int64(-1) // where a seekable body starts, to store it again
	if sk, ok := req.Body.(io.Seeker); ok && req.Reopen == nil {
		if off, err := sk.Seek(0, io.SeekCurrent); err == nil {
			start = off
		}
	}
	body := bufio.NewReaderSize(req.Body, 64<<10)
	if req.MediaType == "" {
		head, _ := body.Peek(sniffLen) // a short or failing body is Put's to report
		req.MediaType = http.DetectContentType(head)
	}
	info, err := p.cfg.Blobs.Put(ctx, body)
	if err != nil {
		return nil, fmt.Errorf("ingest %s: store file: %w", req.FileName, err)
	}
	for attempt := 1; ; attempt++ {
		var res *IngestResult
		res, err = p.record(ctx, q, &req, info, then)
		var locked *sohoa.BlobGCLockedError
		gone := errors.Is(err, errBlobGone)
		if attempt == maxGCRetries && (gone || errors.As(err, &locked)) {
			return nil, fmt.Errorf("ingest %s into dossier %s: %w", req.FileName, req.DossierCode,
				sohoa.Errorf(sohoa.EINTERNAL, "garbage collectors (fsck --gc) kept removing the file's bytes while it was being recorded; try again"))
		}
		if !(gone || errors.As(err, &locked)) {
			if err != nil {
				return nil, fmt.Errorf("ingest %s into dossier %s: %w", req.FileName, req.DossierCode, err)
			}
			p.log.Debug("ingested", "dossier", req.DossierCode, "document", res.Document.ID, "sha256", info.Key,
				"size", info.Size, "duplicate", res.Duplicate, "blob_created", info.Created)
			if info.Repaired {
				p.log.Warn("the blob store held a damaged copy of this file; replaced it", "sha256", info.Key,
					"file", req.FileName, "dossier", req.DossierCode, "document", res.Document.ID)
			}
			return res, nil
		}
		// A garbage collector (fsck --gc) took the bytes for an orphan
		// and may have deleted them, or has: wait for it, store them
		// again and record the document then (see sohoa.BlobGCService).
		if gone {
			p.log.Info("blob being collected as an orphan; storing it again", "sha256", info.Key,
				"file", req.FileName, "gone", true, "attempt", attempt)
		} else {
			p.log.Info("blob being collected as an orphan; storing it again", "sha256", info.Key,
				"file", req.FileName, "locked_at", locked.LockedAt, "stale", locked.Stale, "attempt", attempt)
			if err := p.awaitGC(ctx, info.Key); err != nil {
				return nil, fmt.Errorf("ingest %s: wait for the garbage collector: %w", req.FileName, err)
			}
		}
		if info, err = p.putAgain(ctx, &req, start, info.Key); err != nil {
			return nil, fmt.Errorf("ingest %s: store file again: %w", req.FileName, err)
		}
	}
}

// errBlobGone: the stored bytes were deleted (by a garbage collector)
// between Put and the transaction recording them.
var errBlobGone = errors.New("the stored file was removed as an orphan blob meanwhile")

// The errors Ingest gives up with here are EINTERNAL, not ECONFLICT: the
// same request, sent again, succeeds, and the hot folder treats ECONFLICT
// as a verdict on the file (pipeline/source.IsPermanent).

// maxGCRetries bounds how often Ingest stores a file again because garbage
// collectors kept locking its bytes.
const maxGCRetries = 5

// gcPollMax is the longest pause between two looks at a gc lock.
const gcPollMax = time.Second

// awaitGC returns once no collector holds key's gc lock, breaking a lock
// that has gone stale (its collector crashed). It waits at most a little
// longer than BlobGCLockStale: by then any lock it saw is stale.
func (p *Pipeline) awaitGC(ctx context.Context, key string) error {
	deadline := p.now().Add(sohoa.BlobGCLockStale + time.Minute)
	delay := 5 * time.Millisecond
	for {
		at, locked, err := p.cfg.Catalog.BlobGCLock(ctx, key)
		if err != nil || !locked {
			return err
		}
		if p.now().Sub(at) > sohoa.BlobGCLockStale {
			p.log.Warn("breaking an abandoned gc lock", "sha256", key, "locked_at", at)
			return p.cfg.Catalog.UnlockBlobForGC(ctx, key, at)
		}
		if p.now().After(deadline) {
			return sohoa.Errorf(sohoa.EINTERNAL, "garbage collectors keep locking blob %s; try again", key)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, gcPollMax)
	}
}

// putAgain stores the request's bytes again, from Reopen or by seeking the
// body back to start, and checks that they are the bytes first stored.
func (p *Pipeline) putAgain(ctx context.Context, req *IngestRequest, start int64, key string) (sohoa.BlobInfo, error) {
	var r io.Reader
	switch {
	case req.Reopen != nil:
		rc, err := req.Reopen()
		if err != nil {
			return sohoa.BlobInfo{}, err
		}
		defer rc.Close()
		r = rc
	case start >= 0:
		if _, err := req.Body.(io.Seeker).Seek(start, io.SeekStart); err != nil {
			return sohoa.BlobInfo{}, err
		}
		r = req.Body
	default:
		return sohoa.BlobInfo{}, sohoa.Errorf(sohoa.EINTERNAL,
			"its bytes were being removed as an orphan by fsck --gc and cannot be read again here; send the file again")
	}
	info, err := p.cfg.Blobs.Put(ctx, r)
	if err != nil {
		return sohoa.BlobInfo{}, err
	}
	if info.Key != key {
		return sohoa.BlobInfo{}, sohoa.Errorf(sohoa.EINTERNAL, "the file changed while it was being imported (SHA-256 %s, then %s); import it again", key, info.Key)
	}
	return info, nil
}

// record finds or creates the document for the stored bytes, enqueues its
// job and writes the audit entry, in one transaction, then runs then (when
// set) in it.
func (p *Pipeline) record(ctx context.Context, q queue, req *IngestRequest, info sohoa.BlobInfo, then recordedFunc) (*IngestResult, error) {
	var res *IngestResult
	err := q.withTx(ctx, func(tx sohoa.Catalog, insert insertFunc) error {
		res = &IngestResult{BlobCreated: info.Created, BlobRepaired: info.Repaired}
		if err := p.ensureDossier(ctx, tx, req, res); err != nil {
			return err
		}
		if dup, err := tx.FindDocumentByBlob(ctx, req.DossierCode, info.Key); err == nil {
			res.Document, res.Duplicate = dup, true
			return p.recorded(ctx, tx, req, ActionDocumentDup, dup, info, nil, then)
		} else if sohoa.Code(err) != sohoa.ENOTFOUND {
			return err
		}
		doc := &sohoa.Document{
			DossierCode:   req.DossierCode,
			BlobKey:       info.Key,
			Size:          info.Size,
			FileName:      req.FileName,
			MediaType:     req.MediaType,
			Role:          req.Role,
			ComponentName: req.Component,
			Source:        req.Source,
			UploadedBy:    req.UploadedBy,
		}
		if err := tx.CreateDocument(ctx, doc); err != nil { // a conflict leaves tx usable
			var locked *sohoa.BlobGCLockedError
			if sohoa.Code(err) != sohoa.ECONFLICT || errors.As(err, &locked) {
				return err
			}
			// Another ingest of the same bytes won the race.
			dup, ferr := tx.FindDocumentByBlob(ctx, req.DossierCode, info.Key)
			if ferr != nil {
				return err
			}
			res.Document, res.Duplicate = dup, true
			return p.recorded(ctx, tx, req, ActionDocumentDup, dup, info, nil, then)
		}
		// The claim in CreateDocument keeps collectors off the blob until
		// this transaction ends; one may have deleted it before, after
		// the Put above found it stored: look (see sohoa.BlobGCService).
		if st, err := p.cfg.Blobs.Stat(ctx, info.Key); sohoa.Code(err) == sohoa.ENOTFOUND || (err == nil && st.Size != info.Size) {
			return errBlobGone
		} else if err != nil {
			return fmt.Errorf("check the stored file: %w", err)
		}
		jobs, err := insert(ctx, []river.InsertManyParams{
			{Args: processArgs{DocumentID: doc.ID}, InsertOpts: p.insertOpts()},
		})
		if err != nil {
			return fmt.Errorf("enqueue jobs for document %d: %w", doc.ID, err)
		}
		ids := make([]int64, 0, len(jobs))
		for _, j := range jobs {
			ids = append(ids, j.Job.ID)
		}
		res.Document = doc
		return p.recorded(ctx, tx, req, ActionDocumentIngest, doc, info, ids, then)
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// ensureDossier finds the request's dossier, creating it from NewDossier
// when asked to.
func (p *Pipeline) ensureDossier(ctx context.Context, tx sohoa.Catalog, req *IngestRequest, res *IngestResult) error {
	_, err := tx.FindDossierByCode(ctx, req.DossierCode)
	if err == nil || sohoa.Code(err) != sohoa.ENOTFOUND {
		return err
	}
	if req.NewDossier == nil {
		return sohoa.Errorf(sohoa.EINVALID, "dossier %s does not exist", req.DossierCode)
	}
	d := *req.NewDossier
	d.Code = req.DossierCode
	if err := tx.WithTx(ctx, func(sp sohoa.Catalog) error { return sp.CreateDossier(ctx, &d) }); err != nil {
		if sohoa.Code(err) == sohoa.ECONFLICT {
			// Created by a concurrent ingest in the meantime.
			_, err = tx.FindDossierByCode(ctx, req.DossierCode)
		}
		return err
	}
	res.DossierCreated = true
	details, _ := json.Marshal(map[string]any{
		"unit": d.UnitCode, "procedure": d.ProcedureCode, "received_at": d.ReceivedAt, "source": req.Source,
	})
	return tx.AppendAudit(ctx, &sohoa.AuditEntry{
		Actor: req.UploadedBy, Action: ActionDossierCreate, Object: "dossier:" + d.Code, Details: details,
	})
}

// recorded appends the ingest's audit entry, records a periodic report
// (report.go), then runs then.
func (p *Pipeline) recorded(ctx context.Context, tx sohoa.Catalog, req *IngestRequest, action string, doc *sohoa.Document, info sohoa.BlobInfo, jobs []int64, then recordedFunc) error {
	if err := p.audit(ctx, tx, req, action, doc, info, jobs); err != nil {
		return err
	}
	if err := p.recordReport(ctx, tx, req, doc); err != nil || then == nil {
		return err
	}
	return then(ctx, tx, doc)
}

func (p *Pipeline) audit(ctx context.Context, tx sohoa.Catalog, req *IngestRequest, action string, doc *sohoa.Document, info sohoa.BlobInfo, jobs []int64) error {
	details := map[string]any{
		"dossier":      doc.DossierCode,
		"sha256":       doc.BlobKey,
		"size":         doc.Size,
		"file_name":    doc.FileName,
		"role":         doc.Role,
		"source":       doc.Source,
		"blob_created": info.Created,
	}
	if info.Repaired {
		details["blob_repaired"] = true
	}
	if doc.ComponentName != "" {
		details["component"] = doc.ComponentName
	}
	if jobs != nil {
		details["jobs"] = jobs
	}
	if action == ActionDocumentDup {
		// What this upload was, beside the document it duplicates.
		details["uploaded_file_name"] = req.FileName
		details["uploaded_source"] = req.Source
	}
	b, err := json.Marshal(details)
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, &sohoa.AuditEntry{
		Actor: req.UploadedBy, Action: action, Object: "document:" + strconv.FormatInt(doc.ID, 10), Details: b,
	})
}
