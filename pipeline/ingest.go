package pipeline

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

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
	if err := p.check(&req); err != nil {
		return nil, err
	}
	q, err := p.client()
	if err != nil {
		return nil, err
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

	var res *IngestResult
	err = p.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		res = &IngestResult{BlobCreated: info.Created}
		if err := p.ensureDossier(ctx, tx, &req, res); err != nil {
			return err
		}
		if dup, err := tx.FindDocumentByBlob(ctx, req.DossierCode, info.Key); err == nil {
			res.Document, res.Duplicate = dup, true
			return p.audit(ctx, tx, &req, ActionDocumentDup, dup, info, nil)
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
			if sohoa.Code(err) != sohoa.ECONFLICT {
				return err
			}
			// Another ingest of the same bytes won the race.
			dup, ferr := tx.FindDocumentByBlob(ctx, req.DossierCode, info.Key)
			if ferr != nil {
				return err
			}
			res.Document, res.Duplicate = dup, true
			return p.audit(ctx, tx, &req, ActionDocumentDup, dup, info, nil)
		}
		jobs, err := q.insertTx(ctx, tx.TxHandle(), []river.InsertManyParams{
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
		return p.audit(ctx, tx, &req, ActionDocumentIngest, doc, info, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("ingest %s into dossier %s: %w", req.FileName, req.DossierCode, err)
	}
	p.log.Debug("ingested", "dossier", req.DossierCode, "document", res.Document.ID, "sha256", info.Key,
		"size", info.Size, "duplicate", res.Duplicate, "blob_created", info.Created)
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
