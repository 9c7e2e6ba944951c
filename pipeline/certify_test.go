package pipeline

import (
	"bytes"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/report"
	"github.com/sohoa/sohoa/verify"
)

const (
	keyedAgency = "Ủy ban nhân dân xã Thanh Xuân"
	unkeyedUnit = "U2"
)

// certBundle is a bundle whose unit testUnit has an agency signing key
// from a test PKI (sealed in the catalog, unsealed by the workers with the
// audit key, as `sohoa unit cert set` and `sohoa work` do), whose verifier
// trusts that PKI's root, and with a second unit, unkeyedUnit, without a
// key.
type certBundle struct {
	*bundle
	pki  *testpki.PKI
	cert *testpki.Cert
}

func forEachCertBackend(t *testing.T, fn func(t *testing.T, b *certBundle)) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		pki := testpki.New(t)
		v, err := verify.New(verify.Config{TrustAnchors: []*x509.Certificate{pki.Root.Cert}, Now: pki.Now})
		require.NoError(t, err)
		ak, err := sohoa.NewAuditKey(bytes.Repeat([]byte{0x5a}, sohoa.AuditKeySize))
		require.NoError(t, err)
		b.cfg.Verifier = v
		b.cfg.SignerFor = UnsealWith(ak)
		b.cfg.CertifyHTTPClient = &http.Client{Timeout: 10 * time.Second}
		b.p = b.pipeline(t, b.cfg)

		_, err = b.cat.UpdateUnit(ctx, testUnit, sohoa.UnitUpdate{Name: ptr(keyedAgency)})
		require.NoError(t, err)
		require.NoError(t, b.cat.CreateUnit(ctx, &sohoa.Unit{Code: unkeyedUnit, Name: "Ủy ban nhân dân xã Khác"}))
		c := pki.NewSigner(t, keyedAgency, testpki.Options{})
		k, err := report.SealUnitKey(ak, testUnit, report.Signer{Key: c.Key, Certificate: c.Cert, Chain: c.Chain()[1:]}, pki.TSAURL())
		require.NoError(t, err)
		require.NoError(t, b.cat.SetUnitSigningKey(ctx, k))
		fn(t, &certBundle{bundle: b, pki: pki, cert: c})
	})
}

func ptr[T any](v T) *T { return &v }

// certifyJobs lists the certify jobs of the given scans, in any state.
func (b *certBundle) certifyJobs(t *testing.T, ids ...int64) []*rivertype.JobRow {
	t.Helper()
	q, err := b.p.client()
	require.NoError(t, err)
	where, args := q.docsWhere(ids)
	res, err := q.list(t.Context(), river.NewJobListParams().Kinds(KindCertify).States(rivertype.JobStates()...).Where(where, args).First(100))
	require.NoError(t, err)
	return res.Jobs
}

// waitCopy waits for scan's certify jobs to finish and returns its copy,
// nil when it has none.
func (b *certBundle) waitCopy(t *testing.T, scan int64) *sohoa.CertifiedCopy {
	t.Helper()
	require.Eventually(t, func() bool {
		for _, j := range b.certifyJobs(t, scan) {
			if j.FinalizedAt == nil {
				return false
			}
		}
		return true
	}, 60*time.Second, 20*time.Millisecond)
	c, err := b.cat.FindCertifiedCopy(t.Context(), scan)
	if sohoa.Code(err) == sohoa.ENOTFOUND {
		return nil
	}
	require.NoError(t, err)
	return c
}

func (b *certBundle) documents(t *testing.T, code string) []*sohoa.Document {
	t.Helper()
	docs, err := dossierDocuments(t.Context(), b.cat, code)
	require.NoError(t, err)
	return docs
}

func (b *certBundle) read(t *testing.T, doc *sohoa.Document) []byte {
	t.Helper()
	r, err := b.cfg.Blobs.Open(t.Context(), doc.BlobKey)
	require.NoError(t, err)
	defer r.Close()
	body, err := io.ReadAll(r)
	require.NoError(t, err)
	return body
}

func TestCertifiedCopyOfAKeyedUnitsScan(t *testing.T) {
	forEachCertBackend(t, func(t *testing.T, b *certBundle) {
		ctx := t.Context()
		const code = "U1-260302-0001"
		scanBytes := sample(t, "scan-300dpi.pdf") // inspection warns (greyscale, no text layer): still certified
		scan := b.ingest(t, req(code, compForm, "don.pdf", scanBytes)).Document
		b.start(t)
		b.wait(t, scan.ID)
		require.Equal(t, sohoa.InspectionWarn, b.inspections(t, scan.ID)[0].Outcome)

		c := b.waitCopy(t, scan.ID)
		require.NotNil(t, c, "the scan of a unit with a key gets a certified copy")
		jobs := b.certifyJobs(t, scan.ID)
		require.Len(t, jobs, 1)
		assert.Equal(t, rivertype.JobStateCompleted, jobs[0].State)
		assert.Equal(t, scan.ID, c.ScanDocumentID)

		cp, err := b.cat.FindDocumentByID(ctx, c.CopyDocumentID)
		require.NoError(t, err)
		assert.Equal(t, code, cp.DossierCode)
		assert.Equal(t, sohoa.RoleComponent, cp.Role)
		assert.Equal(t, compForm, cp.ComponentName)
		assert.Equal(t, ActorCertify, cp.UploadedBy)
		assert.Equal(t, CertifySource, cp.Source)
		assert.Equal(t, "don (bản sao điện tử).pdf", cp.FileName)
		assert.Equal(t, "application/pdf", cp.MediaType)

		// The copy goes through the pipeline like any upload: inspected
		// and verified, and its signature passes.
		b.wait(t, cp.ID)
		require.NotEqual(t, sohoa.InspectionFail, b.inspections(t, cp.ID)[0].Outcome)
		vs := b.verifications(t, cp.ID)
		require.Len(t, vs, 1)
		assert.Equal(t, sohoa.IndicationTotalPassed, vs[0].Indication, "%s", vs[0].ReportJSON)
		assert.Empty(t, b.certifyJobs(t, cp.ID), "a copy is signed: it is not certified again")

		// The copy's bytes verify on their own, signed by the unit, and
		// the scan is unchanged.
		pdf := b.read(t, cp)
		rep, err := b.cfg.Verifier.Verify(ctx, bytes.NewReader(pdf), int64(len(pdf)))
		require.NoError(t, err)
		require.Len(t, rep.Signatures, 1)
		assert.Equal(t, verify.TotalPassed, rep.Indication)
		assert.Equal(t, scanBytes, b.read(t, scan))
		// The stamp names the unit, as the catalog has it, and the time.
		text := pdftotext(t, pdf)
		for _, want := range report.StampText(report.CopyOptions{Agency: keyedAgency, Time: c.SignedAt}) {
			assert.Contains(t, text, want)
		}
		require.NotNil(t, rep.Signatures[0].ClaimedSigningTime)
		// The stamp's time is the one recorded; the signature's own
		// signingTime attribute is pkcs7's clock a moment later.
		assert.WithinDuration(t, c.SignedAt, *rep.Signatures[0].ClaimedSigningTime, 5*time.Second)
		assert.Equal(t, b.cert.Cert.Subject.CommonName, rep.Signatures[0].Signer.CommonName)

		// Audited: the copy's ingest by system:certify and the certify.
		es, err := b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{Action: ActionDocumentCertify, Object: "document:" + itoa(scan.ID)})
		require.NoError(t, err)
		require.Len(t, es, 1)
		assert.Equal(t, ActorCertify, es[0].Actor)
		assert.Equal(t, "document:"+itoa(scan.ID), es[0].Object)
		var det map[string]any
		require.NoError(t, json.Unmarshal(es[0].Details, &det))
		assert.EqualValues(t, cp.ID, det["copy_document_id"])
		assert.Equal(t, cp.BlobKey, det["copy_sha256"])
		assert.Equal(t, keyedAgency, det["agency"])
		es, err = b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{Action: ActionDocumentIngest, Object: "document:" + itoa(cp.ID)})
		require.NoError(t, err)
		require.Len(t, es, 1)
		assert.Equal(t, ActorCertify, es[0].Actor)

		// The dossier has the scan and its one copy.
		assert.Len(t, b.documents(t, code), 2)
		// The copy makes its component digitized; the dossier is digitized
		// once the other component's scan has its copy too. Until then the
		// scan alone is only scanned and checked.
		st, err := b.p.Status(ctx, code)
		require.NoError(t, err)
		assert.Equal(t, []string{fmt.Sprintf("component %q: no file", compID)}, missingLines(st))
		id := b.ingest(t, req(code, compID, "cccd.pdf", sample(t, "unsigned.pdf"))).Document
		b.wait(t, id.ID)
		assert.Equal(t, sohoa.ScanChecked, b.dossier(t, code).ScanState)
		idCopy := b.waitCopy(t, id.ID)
		require.NotNil(t, idCopy)
		b.wait(t, idCopy.CopyDocumentID)
		d := b.dossier(t, code)
		assert.Equal(t, sohoa.DigitizationDigitized, d.DigitizationState, "both components have certified copies")
		assert.Equal(t, sohoa.ScanChecked, d.ScanState)
	})
}

// A resolved dossier's scanned paper result gets a certified copy too, with
// the result's role: the copy, signed with the unit's key, is the result
// validly signed by the unit, so the dossier is digitized.
func TestCertifiedCopyOfAResultScan(t *testing.T) {
	forEachCertBackend(t, func(t *testing.T, b *certBundle) {
		ctx := t.Context()
		const code = "U1-260302-0005"
		resolved := func(r IngestRequest) IngestRequest {
			at := r.NewDossier.ReceivedAt.AddDate(0, 0, 5)
			r.NewDossier.Status, r.NewDossier.ResolvedAt = sohoa.StatusResolved, &at
			return r
		}
		form := b.ingest(t, resolved(req(code, compForm, "don.pdf", uniquePDF(11)))).Document
		id := b.ingest(t, resolved(req(code, compID, "cccd.pdf", uniquePDF(12)))).Document
		r := resolved(req(code, "", "giay-phep.pdf", uniquePDF(13)))
		r.Role = sohoa.RoleResult
		result := b.ingest(t, r).Document
		b.start(t)
		b.wait(t, form.ID, id.ID, result.ID)
		var copies []int64
		for _, scan := range []int64{form.ID, id.ID, result.ID} {
			c := b.waitCopy(t, scan)
			require.NotNil(t, c, "document %d", scan)
			copies = append(copies, c.CopyDocumentID)
		}
		b.wait(t, copies...)
		cp, err := b.cat.FindDocumentByID(ctx, copies[2])
		require.NoError(t, err)
		assert.Equal(t, sohoa.RoleResult, cp.Role)
		assert.Empty(t, cp.ComponentName)
		assert.Equal(t, "giay-phep (bản sao điện tử).pdf", cp.FileName)
		assert.Equal(t, sohoa.IndicationTotalPassed, b.verifications(t, cp.ID)[0].Indication)

		d := b.dossier(t, code)
		assert.Equal(t, sohoa.DigitizationDigitized, d.DigitizationState, "the result's copy is signed by the unit")
		assert.Equal(t, sohoa.ScanChecked, d.ScanState)
		st, err := b.p.Status(ctx, code)
		require.NoError(t, err)
		assert.True(t, st.Digitized)
		assert.Empty(t, missingLines(st))
	})
}

func TestCertifyIsIdempotent(t *testing.T) {
	forEachCertBackend(t, func(t *testing.T, b *certBundle) {
		ctx := t.Context()
		const code = "U1-260302-0002"
		// The first run of a scan's certify job finds, just before it
		// signs, that another run made the copy meanwhile (a retry after
		// a crash, a second process): it loses the race.
		var raced atomic.Bool
		var inner atomic.Pointer[sohoa.CertifiedCopy]
		b.p.beforeWork = func(step string, doc *sohoa.Document) {
			if step == stepCertify && raced.CompareAndSwap(false, true) {
				c, err := b.p.certify(ctx, doc.ID, b.p.log)
				if assert.NoError(t, err) && assert.NotNil(t, c) {
					inner.Store(c)
				}
			}
		}
		scan := b.ingest(t, req(code, compForm, "don.pdf", uniquePDF(1))).Document
		b.start(t)
		b.wait(t, scan.ID)
		c := b.waitCopy(t, scan.ID)
		require.NotNil(t, c)
		require.True(t, raced.Load())
		require.NotNil(t, inner.Load())
		assert.Equal(t, inner.Load().CopyDocumentID, c.CopyDocumentID, "the copy of the run that won stands")
		jobs := b.certifyJobs(t, scan.ID)
		require.Len(t, jobs, 1)
		assert.Equal(t, rivertype.JobStateCompleted, jobs[0].State, "losing the race is done, not an error")
		assert.Equal(t, 1, jobs[0].Attempt)
		assert.Len(t, b.documents(t, code), 2, "the loser's copy was rolled back")

		// Run again (a River retry of a job whose completion was lost, a
		// re-enqueue): it finds the copy and is done.
		again, err := b.p.certify(ctx, scan.ID, b.p.log)
		require.NoError(t, err)
		assert.Nil(t, again)
		q, err := b.p.client()
		require.NoError(t, err)
		_, err = q.insert(ctx, []river.InsertManyParams{{Args: certifyArgs{DocumentID: scan.ID}, InsertOpts: b.p.insertOpts()}})
		require.NoError(t, err)
		require.Len(t, b.certifyJobs(t, scan.ID), 2)
		assert.Equal(t, c, b.waitCopy(t, scan.ID))
		for _, j := range b.certifyJobs(t, scan.ID) {
			assert.Equal(t, rivertype.JobStateCompleted, j.State)
		}

		// Re-running the scan's own process job (a new inspection policy,
		// the sweep) enqueues no second certify job either.
		_, err = b.p.Record(ctx, code)
		require.NoError(t, err)
		_, err = q.insert(ctx, []river.InsertManyParams{{Args: processArgs{DocumentID: scan.ID, Reverify: true}, InsertOpts: b.p.insertOpts()}})
		require.NoError(t, err)
		b.settle(t, scan.ID)
		assert.Len(t, b.certifyJobs(t, scan.ID), 2)
		assert.Len(t, b.documents(t, code), 2, "still one copy")
		es, err := b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{Action: ActionDocumentCertify})
		require.NoError(t, err)
		assert.Len(t, es, 1)
	})
}

func TestNoCertifiedCopy(t *testing.T) {
	forEachCertBackend(t, func(t *testing.T, b *certBundle) {
		ctx := t.Context()
		// A scan that fails inspection (100 dpi), a signed upload, and a
		// scan of a unit without a key: none gets a copy or a job.
		low := b.ingest(t, req("U1-260302-0003", compForm, "low.pdf", sample(t, "scan-low-resolution.pdf"))).Document
		signed := b.ingest(t, req("U1-260302-0003", compID, "signed.pdf", sample(t, "signed-valid-blt.pdf"))).Document
		other := req("U2-260302-0001", compForm, "don.pdf", uniquePDF(3))
		other.NewDossier.UnitCode = unkeyedUnit
		unkeyed := b.ingest(t, other).Document
		b.start(t)
		b.wait(t, low.ID, signed.ID, unkeyed.ID)
		require.Equal(t, sohoa.InspectionFail, b.inspections(t, low.ID)[0].Outcome)
		require.Equal(t, "NO_SIGNATURE", b.verifications(t, low.ID)[0].SubIndication)
		require.Equal(t, "NO_SIGNATURE", b.verifications(t, unkeyed.ID)[0].SubIndication)
		require.NotEqual(t, sohoa.InspectionFail, b.inspections(t, unkeyed.ID)[0].Outcome)

		assert.Empty(t, b.certifyJobs(t, low.ID, signed.ID, unkeyed.ID))
		for _, id := range []int64{low.ID, signed.ID, unkeyed.ID} {
			_, err := b.cat.FindCertifiedCopy(ctx, id)
			assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
		}
		assert.Len(t, b.documents(t, "U1-260302-0003"), 2)
		assert.Len(t, b.documents(t, "U2-260302-0001"), 1)

		// A job enqueued before the unit's key was removed is done
		// without a copy.
		require.NoError(t, b.cat.DeleteUnitSigningKey(ctx, testUnit))
		scan := b.ingest(t, req("U1-260302-0004", compForm, "don.pdf", uniquePDF(4))).Document
		b.wait(t, scan.ID)
		assert.Empty(t, b.certifyJobs(t, scan.ID), "no key, no job")
		c, err := b.p.certify(ctx, scan.ID, b.p.log)
		require.NoError(t, err)
		assert.Nil(t, c)
	})
}

// pdftotext returns page 1's text (poppler-utils; scripts/test-services.sh
// installs it, and under CI a missing tool fails the test).
func pdftotext(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed and CI is set")
		}
		t.Skip("pdftotext is not installed (poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "copy.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	out, err := exec.Command(bin, "-f", "1", "-l", "1", "-enc", "UTF-8", f, "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestCopyFileName(t *testing.T) {
	assert.Equal(t, "cccd (bản sao điện tử).pdf", copyFileName("cccd.pdf"))
	assert.Equal(t, "scan (bản sao điện tử).pdf", copyFileName(".pdf"))
	long := copyFileName(string(bytes.Repeat([]byte("ệ"), sohoa.MaxNameLen)) + ".pdf")
	d := &sohoa.Document{DossierCode: "U1-260302-0001", BlobKey: placeholderKey, FileName: long, MediaType: "application/pdf",
		Role: sohoa.RoleComponent, Source: CertifySource, UploadedBy: ActorCertify}
	assert.NoError(t, d.Validate())
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
