package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/riverqueue/river"

	"github.com/sohoa/sohoa"
)

// ReuseRequest attaches, by reference, a digitized document of an earlier
// dossier of the same applicant to a dossier as one of its components
// (sohoa reuse.go): no new scan, no new bytes.
type ReuseRequest struct {
	// DossierCode is the dossier the document is attached to.
	DossierCode string
	// Component is the component of that dossier's procedure it
	// satisfies (matched like sohoa.ComponentKey; stored as the
	// procedure spells it). Required.
	Component string
	// DocumentID is the original document, in an earlier dossier.
	DocumentID int64
	Source     sohoa.DocumentSource
	// Actor is recorded as the uploader and in the audit log.
	Actor string
}

// Reuse records the reused document in one transaction with its audit
// entry (sohoa.AuditDocumentReuse) and its job: the new document holds the
// original's blob and names it in ReusedFrom, and the pipeline inspects and
// verifies it again on those same bytes like any new document (the
// simplest truthful choice: its results are its own, and the dossier's
// state follows from them as for any file). It is refused (EINVALID) when
// the dossier or the original names no applicant or different ones, when
// the original's dossier was not received before this one, when the
// original is not a component document, or is not digitized (latest
// inspection failed or missing, latest verification not TOTAL_PASSED: an
// unsigned scan must be reused through its certified copy), and when the
// dossier already holds those bytes (ECONFLICT). Scope is the caller's to
// check, for both dossiers.
func (p *Pipeline) Reuse(ctx context.Context, req ReuseRequest) (*sohoa.Document, error) {
	if req.DocumentID <= 0 {
		return nil, sohoa.Errorf(sohoa.EINVALID, "the document to reuse is required")
	}
	if strings.TrimSpace(req.Component) == "" {
		return nil, sohoa.Errorf(sohoa.EINVALID, "the component the reused document satisfies is required")
	}
	q, err := p.client()
	if err != nil {
		return nil, err
	}
	var out *sohoa.Document
	err = q.withTx(ctx, func(tx sohoa.Catalog, insert insertFunc) error {
		d, err := tx.UpdateDossier(ctx, req.DossierCode, sohoa.DossierUpdate{}) // lock it
		if err != nil {
			return err
		}
		orig, err := tx.FindDocumentByID(ctx, req.DocumentID)
		if err != nil {
			return err
		}
		e, err := tx.FindDossierByCode(ctx, orig.DossierCode)
		if err != nil {
			return err
		}
		if err := checkReuse(d, e, orig); err != nil {
			return err
		}
		component, err := reuseComponent(ctx, tx, d, req.Component)
		if err != nil {
			return err
		}
		if err := checkDigitized(ctx, tx, orig); err != nil {
			return err
		}
		doc := &sohoa.Document{
			DossierCode: d.Code, BlobKey: orig.BlobKey, Size: orig.Size, FileName: orig.FileName,
			MediaType: orig.MediaType, Role: sohoa.RoleComponent, ComponentName: component,
			Source: req.Source, UploadedBy: req.Actor, ReusedFrom: orig.ID,
		}
		if err := tx.CreateDocument(ctx, doc); err != nil {
			if sohoa.Code(err) == sohoa.ECONFLICT {
				if dup, ferr := tx.FindDocumentByBlob(ctx, d.Code, orig.BlobKey); ferr == nil {
					return sohoa.Errorf(sohoa.ECONFLICT, "dossier %s already holds the same file (document %d)", d.Code, dup.ID)
				}
			}
			return err
		}
		// The original's row keeps the blob referenced, so no collector
		// deletes it; it must still be stored, though, to be read again.
		if p.cfg.Blobs != nil {
			if _, err := p.cfg.Blobs.Stat(ctx, orig.BlobKey); err != nil {
				return fmt.Errorf("the original's file (SHA-256 %s): %w", orig.BlobKey, err)
			}
		}
		jobs, err := insert(ctx, []river.InsertManyParams{{Args: processArgs{DocumentID: doc.ID}, InsertOpts: p.insertOpts()}})
		if err != nil {
			return fmt.Errorf("enqueue jobs for document %d: %w", doc.ID, err)
		}
		ids := make([]int64, 0, len(jobs))
		for _, j := range jobs {
			ids = append(ids, j.Job.ID)
		}
		details, err := json.Marshal(map[string]any{
			"dossier": doc.DossierCode, "sha256": doc.BlobKey, "size": doc.Size, "file_name": doc.FileName,
			"role": doc.Role, "component": doc.ComponentName, "source": doc.Source,
			"reused_from": orig.ID, "from_dossier": orig.DossierCode, "applicant_id": d.ApplicantID, "jobs": ids,
		})
		if err != nil {
			return err
		}
		out = doc
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{
			Actor: req.Actor, Action: sohoa.AuditDocumentReuse, Object: "document:" + strconv.FormatInt(doc.ID, 10), Details: details,
		})
	})
	if err != nil {
		return nil, err
	}
	p.log.Info("document reused", "dossier", out.DossierCode, "document", out.ID, "reused_from", out.ReusedFrom)
	return out, nil
}

// checkReuse applies the rules on the two dossiers: same applicant, the
// original's received earlier, a component document.
func checkReuse(d, e *sohoa.Dossier, orig *sohoa.Document) error {
	switch {
	case e.Code == d.Code:
		return sohoa.Errorf(sohoa.EINVALID, "document %d is already a document of dossier %s", orig.ID, d.Code)
	case d.ApplicantID == "":
		return sohoa.Errorf(sohoa.EINVALID, "dossier %s names no applicant (applicant_id): only an applicant's own earlier documents can be reused", d.Code)
	case e.ApplicantID != d.ApplicantID:
		return sohoa.Errorf(sohoa.EINVALID, "document %d belongs to dossier %s of another applicant: only the same applicant's documents can be reused", orig.ID, e.Code)
	case !e.ReceivedAt.Before(d.ReceivedAt):
		return sohoa.Errorf(sohoa.EINVALID, "dossier %s was not received before dossier %s: only an earlier dossier's documents can be reused", e.Code, d.Code)
	case orig.Role != sohoa.RoleComponent:
		return sohoa.Errorf(sohoa.EINVALID, "document %d is a %s document: only component documents can be reused", orig.ID, orig.Role)
	}
	return nil
}

// reuseComponent finds the component among the procedure's required
// ones (any name when it lists none).
func reuseComponent(ctx context.Context, tx sohoa.Catalog, d *sohoa.Dossier, name string) (string, error) {
	proc, err := tx.FindProcedureByCode(ctx, d.ProcedureCode)
	if err != nil {
		return "", err
	}
	name = strings.TrimSpace(name)
	if len(proc.RequiredComponents) == 0 {
		return name, nil
	}
	for _, c := range proc.RequiredComponents {
		if sohoa.ComponentKey(c) == sohoa.ComponentKey(name) {
			return c, nil
		}
	}
	return "", sohoa.Errorf(sohoa.EINVALID, "procedure %s has no component %q (it lists %s)", proc.Code, name, strings.Join(proc.RequiredComponents, "; "))
}

// checkDigitized refuses an original that is not digitized: its latest
// inspection must not fail and its latest verification must be
// TOTAL_PASSED (a certified copy, or a validly signed file).
func checkDigitized(ctx context.Context, tx sohoa.Catalog, orig *sohoa.Document) error {
	ids := []int64{orig.ID}
	ins, err := tx.LatestInspections(ctx, ids)
	if err != nil {
		return err
	}
	ver, err := tx.LatestVerdicts(ctx, ids)
	if err != nil {
		return err
	}
	in, v := ins[orig.ID], ver[orig.ID]
	switch {
	case in == nil || v == nil:
		return sohoa.Errorf(sohoa.EINVALID, "document %d is not digitized: it is not yet inspected and verified", orig.ID)
	case in.Outcome == sohoa.InspectionFail:
		return sohoa.Errorf(sohoa.EINVALID, "document %d is not digitized: it fails inspection", orig.ID)
	case v.Indication == sohoa.IndicationTotalPassed:
		return nil
	case v.SubIndication == "NO_SIGNATURE":
		if c, err := tx.FindCertifiedCopy(ctx, orig.ID); err == nil {
			return sohoa.Errorf(sohoa.EINVALID, "document %d is not digitized: it is an unsigned scan; reuse its certified copy, document %d", orig.ID, c.CopyDocumentID)
		}
		return sohoa.Errorf(sohoa.EINVALID, "document %d is not digitized: it is an unsigned scan without a certified copy", orig.ID)
	}
	return sohoa.Errorf(sohoa.EINVALID, "document %d is not digitized: its signature verification is %s", orig.ID, v.Indication)
}
