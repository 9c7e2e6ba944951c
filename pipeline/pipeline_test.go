package pipeline

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

func TestIngestAndProcess(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		const code = "U1-260302-0001"
		signed := b.ingest(t, req(code, compForm, "don.pdf", sample(t, "signed-valid-blt.pdf")))
		require.False(t, signed.Duplicate)
		require.True(t, signed.BlobCreated)
		require.True(t, signed.DossierCreated)
		require.Equal(t, "application/pdf", signed.Document.MediaType)

		// Before the workers run: queued, not digitized.
		st, err := b.p.Status(ctx, code)
		require.NoError(t, err)
		require.Len(t, st.Documents, 1)
		assert.True(t, st.Documents[0].Pending)
		assert.False(t, st.Digitized)
		assert.Contains(t, missingLines(st), fmt.Sprintf("component %q: no file", compID))

		b.start(t)
		unsigned := b.ingest(t, req(code, compID, "cccd.pdf", sample(t, "unsigned.pdf")))
		require.False(t, unsigned.DossierCreated)
		b.wait(t, signed.Document.ID, unsigned.Document.ID)

		for _, id := range []int64{signed.Document.ID, unsigned.Document.ID} {
			ins := b.inspections(t, id)
			require.Len(t, ins, 1)
			assert.NotEqual(t, sohoa.InspectionFail, ins[0].Outcome, "%+v", ins[0].Findings)
			require.Len(t, b.verifications(t, id), 1)
		}
		v := b.verifications(t, signed.Document.ID)[0]
		assert.Equal(t, sohoa.IndicationTotalPassed, v.Indication)
		assert.Equal(t, b.cfg.Verifier.TrustAnchorsSHA256(), v.TrustAnchorsSHA256)
		assert.True(t, json.Valid(v.ReportJSON))
		v = b.verifications(t, unsigned.Document.ID)[0]
		assert.Equal(t, sohoa.IndicationIndeterminate, v.Indication)
		assert.Equal(t, "NO_SIGNATURE", v.SubIndication)

		// A signed file and an unsigned scan (the unit has no key, so no
		// certified copy): scanned and checked, not digitized.
		assert.Equal(t, sohoa.DigitizationIncomplete, b.dossier(t, code).DigitizationState)
		assert.Equal(t, sohoa.ScanChecked, b.dossier(t, code).ScanState)
		st, err = b.p.Status(ctx, code)
		require.NoError(t, err)
		assert.False(t, st.Digitized)
		assert.True(t, st.ScannedChecked)
		assert.Equal(t, []string{fmt.Sprintf(`component %q: "cccd.pdf" is a scan without a certified copy signed by the unit`, compID)}, missingLines(st))
		require.Len(t, st.Missing, 1)
		assert.True(t, st.Missing[0].ScannedChecked)
		for _, d := range st.Documents {
			assert.False(t, d.Pending)
			assert.Empty(t, d.Error)
		}

		// Every job ran once.
		for _, j := range b.jobs(t, signed.Document.ID, unsigned.Document.ID) {
			assert.Equal(t, rivertype.JobStateCompleted, j.State, "%s job", j.Kind)
			assert.Equal(t, 1, j.Attempt)
		}

		// The audit log tells the story.
		entries, err := b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{})
		require.NoError(t, err)
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action+" "+e.Object)
		}
		// In the order the transactions committed: a document's job may
		// finish before the next document is ingested.
		require.Len(t, actions, 6)
		assert.Equal(t, "dossier.create dossier:"+code, actions[0])
		assert.ElementsMatch(t, []string{
			"dossier.create dossier:" + code,
			fmt.Sprintf("document.ingest document:%d", signed.Document.ID),
			fmt.Sprintf("document.ingest document:%d", unsigned.Document.ID),
			fmt.Sprintf("document.results document:%d", signed.Document.ID),
			fmt.Sprintf("document.results document:%d", unsigned.Document.ID),
			"dossier.digitization dossier:" + code,
		}, actions)
		for _, e := range entries {
			if e.Action == ActionDocumentResults {
				var d sohoa.AuditResultsDetails
				require.NoError(t, json.Unmarshal(e.Details, &d))
				require.NotNil(t, d.Inspection)
				require.NotNil(t, d.Verification)
				assert.NotEmpty(t, d.Verification.Indication)
				assert.Regexp(t, `^[0-9a-f]{64}$`, d.SHA256)
			}
		}
		// What the log records agrees with the catalog.
		check, err := b.cat.VerifyAudit(ctx)
		require.NoError(t, err)
		assert.True(t, check.OK, "%+v", check.CrossCheck)
		assert.Equal(t, 2, check.CrossCheck.Verifications)
		assert.Equal(t, 2, check.CrossCheck.Inspections)
		assert.Equal(t, 1, check.CrossCheck.Dossiers)
		assert.Zero(t, check.CrossCheck.UncheckedVerifications)

		// A failing signature makes a later result count against the
		// dossier only where it is the only file of its component: the
		// good one still satisfies compForm.
		tampered := b.ingest(t, req(code, compForm, "don-sua.pdf", sample(t, "tampered-digest.pdf")))
		b.wait(t, tampered.Document.ID)
		assert.Equal(t, sohoa.IndicationTotalFailed, b.verifications(t, tampered.Document.ID)[0].Indication)
		assert.Equal(t, sohoa.ScanChecked, b.dossier(t, code).ScanState)

		// A dossier with only a tampered file for a component is not
		// digitized, and says why.
		const code2 = "U1-260302-0002"
		bad := b.ingest(t, req(code2, compForm, "don-sua.pdf", sample(t, "tampered-digest.pdf")))
		good := b.ingest(t, req(code2, compID, "cccd.pdf", sample(t, "unsigned.pdf")))
		b.wait(t, bad.Document.ID, good.Document.ID)
		st, err = b.p.Status(ctx, code2)
		require.NoError(t, err)
		assert.False(t, st.Digitized)
		assert.False(t, st.ScannedChecked)
		assert.Equal(t, []string{
			fmt.Sprintf(`component %q: "don-sua.pdf" has a failed signature (TOTAL_FAILED, HASH_FAILURE)`, compForm),
			fmt.Sprintf(`component %q: "cccd.pdf" is a scan without a certified copy signed by the unit`, compID),
		}, missingLines(st))
		assert.Equal(t, sohoa.DigitizationIncomplete, b.dossier(t, code2).DigitizationState)
		assert.Equal(t, sohoa.ScanIncomplete, b.dossier(t, code2).ScanState)
	})
}

func TestDuplicates(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		body := sample(t, "unsigned.pdf")
		first := b.ingest(t, req("U1-260302-0001", compForm, "a.pdf", body))
		again := b.ingest(t, req("U1-260302-0001", compForm, "a-again.pdf", body))
		assert.True(t, again.Duplicate)
		assert.False(t, again.BlobCreated)
		assert.Equal(t, first.Document.ID, again.Document.ID)
		assert.Equal(t, "a.pdf", again.Document.FileName)
		assert.Len(t, b.jobs(t, first.Document.ID), 1, "a duplicate enqueues nothing")

		other := b.ingest(t, req("U1-260302-0002", compForm, "a.pdf", body))
		assert.False(t, other.Duplicate)
		assert.False(t, other.BlobCreated, "the blob is shared")
		assert.NotEqual(t, first.Document.ID, other.Document.ID)
		assert.Equal(t, first.Document.BlobKey, other.Document.BlobKey)
		assert.Equal(t, "U1-260302-0002", other.Document.DossierCode)

		entries, err := b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{Object: fmt.Sprintf("document:%d", first.Document.ID)})
		require.NoError(t, err)
		require.Len(t, entries, 2)
		assert.Equal(t, ActionDocumentIngest, entries[0].Action)
		assert.Equal(t, ActionDocumentDup, entries[1].Action)
		assert.Equal(t, "clerk1", entries[1].Actor)
		assert.Contains(t, string(entries[1].Details), `"uploaded_file_name":"a-again.pdf"`)

		b.start(t)
		b.wait(t, first.Document.ID, other.Document.ID)
		assert.Len(t, b.inspections(t, first.Document.ID), 1)
		assert.Len(t, b.inspections(t, other.Document.ID), 1)
	})
}

func TestConcurrentIngestOfTheSameFile(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		body := sample(t, "signed-valid-blt.pdf")
		const n = 8
		results := make([]*IngestResult, n)
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				results[i], errs[i] = b.p.Ingest(t.Context(), req("U1-260302-0009", compForm, fmt.Sprintf("f%d.pdf", i), body))
			})
		}
		wg.Wait()
		var created int
		for i := range n {
			require.NoError(t, errs[i])
			assert.Equal(t, results[0].Document.ID, results[i].Document.ID)
			if !results[i].Duplicate {
				created++
			}
		}
		assert.Equal(t, 1, created)
		docs, err := b.cat.FindDocuments(t.Context(), sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: "U1-260302-0009"})
		require.NoError(t, err)
		assert.Len(t, docs, 1)
		assert.Len(t, b.jobs(t, docs[0].ID), 1, "one process job")
	})
}

func TestIngestRejects(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		body := uniquePDF(1)
		r := req("U1-260302-0404", compForm, "x.pdf", body)
		r.NewDossier = nil
		_, err := b.p.Ingest(ctx, r)
		require.Error(t, err)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
		assert.Contains(t, sohoa.Message(err), "dossier U1-260302-0404 does not exist")

		_, err = b.cat.FindDossierByCode(ctx, "U1-260302-0404")
		assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
		docs, err := b.cat.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits})
		require.NoError(t, err)
		assert.Empty(t, docs, "no row")
		entries, err := b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{})
		require.NoError(t, err)
		assert.Empty(t, entries)
		assert.Empty(t, b.jobs(t, 1, 2, 3))

		// A NewDossier naming an unknown procedure: nothing either.
		r = req("U1-260302-0405", compForm, "x.pdf", body)
		r.NewDossier.ProcedureCode = "NOPE"
		_, err = b.p.Ingest(ctx, r)
		assert.Equal(t, sohoa.EINVALID, sohoa.Code(err))
		_, err = b.cat.FindDossierByCode(ctx, "U1-260302-0405")
		assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))

		// Bad requests are refused before any byte is stored.
		for name, mod := range map[string]func(*IngestRequest){
			"no dossier":   func(r *IngestRequest) { r.DossierCode = "" },
			"role":         func(r *IngestRequest) { r.Role = "cover" },
			"source":       func(r *IngestRequest) { r.Source = "" },
			"file name":    func(r *IngestRequest) { r.FileName = "a/b.pdf" },
			"uploader":     func(r *IngestRequest) { r.UploadedBy = "" },
			"body":         func(r *IngestRequest) { r.Body = nil },
			"code differs": func(r *IngestRequest) { r.NewDossier.Code = "OTHER" },
		} {
			body := []byte("never stored " + name)
			r := req("U1-260302-0406", compForm, "x.pdf", body)
			mod(&r)
			_, err := b.p.Ingest(ctx, r)
			assert.Equal(t, sohoa.EINVALID, sohoa.Code(err), name)
		}
		var blobs int
		require.NoError(t, b.cfg.Blobs.List(ctx, func(sohoa.BlobInfo) error { blobs++; return nil }))
		assert.Equal(t, 1, blobs, "only the first file's blob, an orphan")
	})
}

func TestPermanentFailuresAreRecorded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		const code = "U1-260302-0001"
		full := sample(t, "signed-valid-blt.pdf")
		text := b.ingest(t, req(code, compForm, "note.txt", []byte("Đây không phải là PDF.\n")))
		assert.Equal(t, "text/plain; charset=utf-8", text.Document.MediaType)
		trunc := b.ingest(t, req(code, compID, "cut.pdf", full[:1000]))
		b.start(t)
		b.wait(t, text.Document.ID, trunc.Document.ID)

		for _, doc := range []*sohoa.Document{text.Document, trunc.Document} {
			ins := b.inspections(t, doc.ID)
			require.Len(t, ins, 1, doc.FileName)
			// The inspector recovers what it can of a truncated file (a
			// warning); the verifier cannot read it, which is enough.
			assert.NotEqual(t, sohoa.InspectionOK, ins[0].Outcome)
			assert.Equal(t, "readable", ins[0].Findings[0].Rule)
			vs := b.verifications(t, doc.ID)
			require.Len(t, vs, 1)
			assert.Equal(t, sohoa.IndicationTotalFailed, vs[0].Indication)
			assert.Equal(t, "FORMAT_FAILURE", vs[0].SubIndication)
			assert.NotEmpty(t, decodeReport(vs[0]).Error)
		}
		for _, j := range b.jobs(t, text.Document.ID, trunc.Document.ID) {
			assert.Equal(t, rivertype.JobStateCompleted, j.State, "%s job: a verdict, not an error", j.Kind)
			assert.Equal(t, 1, j.Attempt, "%s job: not retried", j.Kind)
		}
		assert.Equal(t, sohoa.InspectionFail, b.inspections(t, text.Document.ID)[0].Outcome)
		assert.Contains(t, b.inspections(t, text.Document.ID)[0].Findings[0].Message, "not a PDF")

		st, err := b.p.Status(ctx, code)
		require.NoError(t, err)
		for _, d := range st.Documents {
			assert.True(t, strings.HasPrefix(d.Error, "cannot be read: "), d.Error)
		}
		require.Len(t, st.Missing, 2)
		assert.Contains(t, st.Missing[0].Message, `"note.txt" cannot be read (the file is not a PDF (text/plain; charset=utf-8))`)
		assert.Contains(t, st.Missing[1].Message, `"cut.pdf" cannot be read`)

		// Sources ask per document (in their order).
		ds, err := b.p.Documents(ctx, []int64{trunc.Document.ID, text.Document.ID})
		require.NoError(t, err)
		require.Len(t, ds, 2)
		assert.Equal(t, "cut.pdf", ds[0].FileName)
		assert.Contains(t, ds[0].Error, "cannot be read: ")
		assert.Contains(t, ds[1].Error, "not a PDF")
		_, err = b.p.Documents(ctx, []int64{999})
		assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))

		// The sweep leaves them alone: the verdict will not change.
		res, err := b.p.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, SweepResult{Documents: 2}, *res)
	})
}

func TestTransientFailuresAreRetried(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		flaky := &flakyBlobs{BlobStore: b.cfg.Blobs}
		flaky.fails.Store(3)
		cfg := b.cfg
		cfg.Blobs = flaky
		p := b.pipeline(t, cfg)
		res, err := p.Ingest(t.Context(), req("U1-260302-0001", compForm, "a.pdf", sample(t, "signed-valid-blt.pdf")))
		require.NoError(t, err)
		require.NoError(t, p.Start(context.WithoutCancel(t.Context())))
		ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
		defer cancel()
		require.NoError(t, p.WaitDocuments(ctx, []int64{res.Document.ID}))
		b.settle(t, res.Document.ID)

		id := res.Document.ID
		assert.Len(t, b.inspections(t, id), 1)
		assert.Len(t, b.verifications(t, id), 1)
		assert.Equal(t, int32(4), flaky.opens.Load(), "3 failures, then one open for both steps")
		var attempts, errs int
		for _, j := range b.jobs(t, id) {
			assert.Equal(t, rivertype.JobStateCompleted, j.State)
			attempts += j.Attempt
			errs += len(j.Errors)
			for _, e := range j.Errors {
				assert.Contains(t, e.Error, "connection reset by peer")
			}
		}
		assert.Equal(t, 4, attempts)
		assert.Equal(t, 3, errs)
	})
}

func TestPanicFailsOnlyItsJob(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		b.p.maxAttempts = 3
		b.p.beforeWork = func(step string, doc *sohoa.Document) {
			if step == stepInspect && doc.FileName == "panic.pdf" {
				panic("inspector exploded on " + doc.FileName)
			}
		}
		const code = "U1-260302-0001"
		var ids []int64
		boom := b.ingest(t, req(code, compForm, "panic.pdf", uniquePDF(0)))
		for i := 1; i <= 6; i++ {
			ids = append(ids, b.ingest(t, req(code, compID, fmt.Sprintf("ok%d.pdf", i), uniquePDF(i))).Document.ID)
		}
		b.start(t)
		b.wait(t, append(ids, boom.Document.ID)...)

		for _, id := range ids {
			assert.Len(t, b.inspections(t, id), 1, "the worker went on after the panic")
		}
		assert.Empty(t, b.inspections(t, boom.Document.ID))
		assert.Len(t, b.verifications(t, boom.Document.ID), 1, "the document's other step is recorded, once")
		jobs := b.jobs(t, boom.Document.ID)
		require.Len(t, jobs, 1)
		job := jobs[0]
		assert.Equal(t, KindProcess, job.Kind)
		assert.Equal(t, rivertype.JobStateDiscarded, job.State)
		require.Len(t, job.Errors, 3)
		assert.Contains(t, job.Errors[0].Error, "inspector exploded on panic.pdf")
		assert.NotEmpty(t, job.Errors[0].Trace)

		st, err := b.p.Status(ctx, code)
		require.NoError(t, err)
		require.Equal(t, boom.Document.ID, st.Documents[0].ID)
		assert.Contains(t, st.Documents[0].Error, "process job discarded after 3 attempt(s)")
		assert.Contains(t, st.Documents[0].Error, "inspector exploded")
		ds, err := b.p.Documents(ctx, []int64{boom.Document.ID, ids[0]})
		require.NoError(t, err)
		assert.Contains(t, ds[0].Error, "inspector exploded")
		assert.Empty(t, ds[1].Error)

		// Once the bug is fixed, the sweep picks the document up again.
		b.p.beforeWork = nil
		res, err := b.p.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, res.Inspect)
		assert.Zero(t, res.Verify)
		b.wait(t, boom.Document.ID)
		assert.Len(t, b.inspections(t, boom.Document.ID), 1)
		st, err = b.p.Status(ctx, code)
		require.NoError(t, err)
		assert.Empty(t, st.Documents[0].Error)
	})
}

func TestSweepReverifies(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		// Workers without trust anchors: the valid signature is
		// INDETERMINATE (no chain to a trusted root).
		cfg := b.cfg
		cfg.Verifier = testVerifier(t, false)
		untrusting := b.pipeline(t, cfg)
		signed, err := untrusting.Ingest(ctx, req("U1-260302-0001", compForm, "a.pdf", sample(t, "signed-valid-blt.pdf")))
		require.NoError(t, err)
		// Both components signed (born-digital files), so the dossier is
		// digitized once both signatures pass; until then it is scanned
		// and checked (INDETERMINATE is not a failure).
		unsigned, err := untrusting.Ingest(ctx, req("U1-260302-0001", compID, "b.pdf", sample(t, "signed-valid-blta.pdf")))
		require.NoError(t, err)
		require.NoError(t, untrusting.Start(context.WithoutCancel(ctx)))
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		require.NoError(t, untrusting.WaitDocuments(wctx, []int64{signed.Document.ID, unsigned.Document.ID}))
		b.settle(t, signed.Document.ID, unsigned.Document.ID)
		vs := b.verifications(t, signed.Document.ID)
		require.Len(t, vs, 1)
		assert.Equal(t, sohoa.IndicationIndeterminate, vs[0].Indication)
		assert.Equal(t, "NO_CERTIFICATE_CHAIN_FOUND", vs[0].SubIndication)
		assert.Equal(t, sohoa.DigitizationIncomplete, b.dossier(t, "U1-260302-0001").DigitizationState)
		assert.Equal(t, sohoa.ScanChecked, b.dossier(t, "U1-260302-0001").ScanState)

		// Re-verifying under the same anchors reaches the same verdict:
		// nothing new is recorded.
		res, err := untrusting.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, SweepResult{Documents: 2, Reverify: 2}, *res)
		b.settle(t, signed.Document.ID, unsigned.Document.ID)
		assert.Len(t, b.verifications(t, signed.Document.ID), 1)
		assert.Len(t, b.verifications(t, unsigned.Document.ID), 1)
		require.NoError(t, untrusting.Stop(ctx))

		// The trust anchors change: the periodic sweep re-verifies.
		cfg = b.cfg
		cfg.ReverifyInterval = 300 * time.Millisecond
		trusting := b.pipeline(t, cfg)
		require.NoError(t, trusting.Start(context.WithoutCancel(ctx)))
		require.Eventually(t, func() bool {
			return len(b.verifications(t, signed.Document.ID)) == 2 && len(b.verifications(t, unsigned.Document.ID)) == 2
		}, 20*time.Second, 50*time.Millisecond)
		vs = b.verifications(t, signed.Document.ID)
		assert.Equal(t, sohoa.IndicationTotalPassed, vs[0].Indication, "newest first")
		assert.Equal(t, b.cfg.Verifier.TrustAnchorsSHA256(), vs[0].TrustAnchorsSHA256)
		require.Eventually(t, func() bool {
			return b.dossier(t, "U1-260302-0001").DigitizationState == sohoa.DigitizationDigitized
		}, 10*time.Second, 50*time.Millisecond)

		// Nothing is left to re-verify.
		assert.False(t, trusting.NeedsReverify(vs[0]))
		assert.True(t, trusting.NeedsReverify(&sohoa.Verification{Indication: sohoa.IndicationIndeterminate, SubIndication: "TRY_LATER", ReportJSON: json.RawMessage(`{}`)}))
	})
}

func TestStatusJSON(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		const code = "U1-260302-0001"
		a := b.ingest(t, req(code, compForm, "a.pdf", sample(t, "signed-valid-blt.pdf")))
		b.start(t)
		b.wait(t, a.Document.ID)

		st, err := b.p.Status(ctx, code)
		require.NoError(t, err)
		raw, err := json.Marshal(st)
		require.NoError(t, err)
		var got struct {
			Dossier   map[string]any   `json:"dossier"`
			Documents []map[string]any `json:"documents"`
			Missing   []struct {
				Role      string       `json:"role"`
				Component string       `json:"component"`
				Reason    sohoa.Reason `json:"reason"`
				Message   string       `json:"message"`
			} `json:"missing"`
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		require.NoError(t, dec.Decode(&got))
		assert.Equal(t, code, got.Dossier["code"])
		require.Len(t, got.Documents, 1)
		d := got.Documents[0]
		assert.Equal(t, a.Document.BlobKey, d["sha256"])
		assert.Equal(t, "component", d["role"])
		ins := d["inspection"].(map[string]any)
		assert.Contains(t, []any{"ok", "warn", "fail"}, ins["outcome"])
		findings := ins["findings"].([]any)
		require.NotEmpty(t, findings)
		for _, f := range findings {
			f := f.(map[string]any)
			assert.NotEmpty(t, f["rule"])
			assert.Contains(t, []any{"ok", "warn", "fail"}, f["outcome"])
			assert.Contains(t, f, "message")
		}
		ver := d["verification"].(map[string]any)
		assert.Equal(t, "TOTAL_PASSED", ver["indication"])
		require.Len(t, got.Missing, 1)
		assert.Equal(t, fmt.Sprintf("component %q: no file", compID), got.Missing[0].Message)
		assert.Equal(t, "component", got.Missing[0].Role)
		assert.Equal(t, compID, got.Missing[0].Component)
		assert.Equal(t, sohoa.ReasonNoFile, got.Missing[0].Reason.Code)

		_, err = b.p.Status(ctx, "U1-260302-9999")
		assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	})
}

func TestNeedsReverify(t *testing.T) {
	p, err := New(Config{})
	require.Error(t, err, "a catalog and a River driver are required")
	p = &Pipeline{anchors: strings.Repeat("a", 64)}
	other := strings.Repeat("b", 64)
	v := func(ind, sub, anchors, report string) *sohoa.Verification {
		return &sohoa.Verification{Indication: ind, SubIndication: sub, TrustAnchorsSHA256: anchors, ReportJSON: json.RawMessage(report)}
	}
	for _, c := range []struct {
		v    *sohoa.Verification
		want bool
	}{
		{v("INDETERMINATE", "NO_SIGNATURE", other, `{}`), false},
		{v("INDETERMINATE", "TRY_LATER", p.anchors, `{}`), true},
		{v("INDETERMINATE", "NO_CERTIFICATE_CHAIN_FOUND", p.anchors, `{}`), true},
		{v("TOTAL_PASSED", "", p.anchors, `{}`), false},
		{v("TOTAL_PASSED", "", other, `{}`), true},
		{v("TOTAL_FAILED", "HASH_FAILURE", other, `{}`), true},
		{v("TOTAL_FAILED", "FORMAT_FAILURE", other, `{"error":"not a PDF"}`), false},
		{v("TOTAL_FAILED", "FORMAT_FAILURE", other, `{"signatures":[{}]}`), true},
	} {
		assert.Equal(t, c.want, p.NeedsReverify(c.v), "%s/%s", c.v.Indication, c.v.SubIndication)
	}
}

func TestSingleStepJobsOfEarlierVersions(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		// A document whose inspect and verify jobs were queued by a version
		// before the process job: the catalog row without Ingest's job.
		const code = "U1-260302-0001"
		require.NoError(t, b.cat.CreateDossier(ctx, func() *sohoa.Dossier { d := newDossier(); d.Code = code; return d }()))
		info, err := b.cfg.Blobs.Put(ctx, bytes.NewReader(sample(t, "signed-valid-blt.pdf")))
		require.NoError(t, err)
		doc := &sohoa.Document{DossierCode: code, BlobKey: info.Key, Size: info.Size, FileName: "a.pdf",
			MediaType: "application/pdf", Role: sohoa.RoleComponent, ComponentName: compForm,
			Source: sohoa.SourceBulk, UploadedBy: "clerk1"}
		require.NoError(t, b.cat.CreateDocument(ctx, doc))
		q, err := b.p.client()
		require.NoError(t, err)
		_, err = q.insert(ctx, []river.InsertManyParams{
			{Args: inspectArgs{DocumentID: doc.ID}, InsertOpts: b.p.insertOpts()},
			{Args: verifyArgs{DocumentID: doc.ID}, InsertOpts: b.p.insertOpts()},
		})
		require.NoError(t, err)
		b.start(t)
		b.wait(t, doc.ID)

		assert.Len(t, b.inspections(t, doc.ID), 1)
		vs := b.verifications(t, doc.ID)
		require.Len(t, vs, 1)
		assert.Equal(t, sohoa.IndicationTotalPassed, vs[0].Indication)
		var kinds []string
		for _, j := range b.jobs(t, doc.ID) {
			kinds = append(kinds, j.Kind)
			assert.Equal(t, rivertype.JobStateCompleted, j.State)
		}
		assert.ElementsMatch(t, []string{KindInspect, KindVerify}, kinds)
	})
}

// missingLines is what status prints for each unmet requirement, in English.
func missingLines(st *DossierStatus) []string {
	out := make([]string, len(st.Missing))
	for i, m := range st.Missing {
		out[i] = m.Text(sohoa.LangEN)
	}
	return out
}
