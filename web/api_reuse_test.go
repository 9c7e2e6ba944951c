package web

import (
	stdcontext "context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// reuseBody is the JSON body that reuses document id as component.
func reuseBody(id int64, component string) string {
	return fmt.Sprintf(`{"reuse_document":%d,"component":%q}`, id, component)
}

func (b *apiBundle) reuse(t *testing.T, p *Principal, code string, id int64, component string) (*http.Response, []byte) {
	t.Helper()
	return b.call(t, p, apiReq{method: http.MethodPost, target: "/api/v1/dossiers/" + code + "/documents",
		body: []byte(reuseBody(id, component)), contentType: "application/json"})
}

// TestAPIReuse: a later dossier of the same applicant reuses a digitized
// document of an earlier one through the API: a new document row with the
// same bytes and reused_from, no new blob, and once the pipeline checked
// it the dossier is digitized with no new scan of that component; the
// progress figure counts it. Each refusal answers with its reason.
func TestAPIReuse(t *testing.T) {
	b := setupAPI(t, apiOpts{start: true})
	ctx, cancel := stdcontext.WithTimeout(t.Context(), 90*time.Second)
	defer cancel()
	const cccd = "001099012345"
	e := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-01-05T08:30:00+07:00","applicant_id":"`+cccd+`"}`)
	assert.Equal(t, cccd, e.ApplicantID)
	signed, signedA := sampleBytes(t, "signed-valid-blt.pdf"), sampleBytes(t, "signed-valid-blta.pdf")
	upload := func(code, component string, body []byte) int64 {
		t.Helper()
		res, raw := uploadRaw(t, b, b.clerkA, code, url.Values{"component": {component}, "filename": {"f.pdf"}}, body)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", raw)
		return decodeUpload(t, raw).Document.ID
	}
	eForm, eID := upload(e.Code, compForm, signed), upload(e.Code, compID, signedA)
	eScan := upload(e.Code, compID, sampleBytes(t, "scan-300dpi.pdf")) // an unsigned scan: not digitized
	require.NoError(t, b.p.WaitDocuments(ctx, []int64{eForm, eID, eScan}))
	st, err := b.p.Status(ctx, e.Code)
	require.NoError(t, err)
	require.Equal(t, sohoa.DigitizationDigitized, st.Dossier.DigitizationState, "the earlier dossier: %+v", st.Missing)

	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-02-10T08:30:00+07:00","applicant_id":"`+cccd+`"}`)
	other := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-02-11T08:30:00+07:00","applicant_id":"0100109106"}`)
	earlier := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-01-01T08:30:00+07:00","applicant_id":"`+cccd+`"}`)
	none := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-02-12T08:30:00+07:00"}`)
	inB := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1","received_at":"2026-02-12T08:30:00+07:00","applicant_id":"`+cccd+`"}`)
	res, raw := b.call(t, b.clerkA, apiReq{method: http.MethodPost, target: "/api/v1/dossiers", contentType: "application/json",
		body: []byte(`{"unit":"A","procedure":"P1","applicant_id":"12345"}`)})
	require.Equal(t, http.StatusBadRequest, res.StatusCode, "a malformed applicant id: %s", raw)

	blobsBefore := countBlobs(t, b)
	for _, c := range []struct {
		name    string
		p       *Principal
		code    string
		id      int64
		comp    string
		status  int
		message string
	}{
		{"another applicant", b.clerkA, other.Code, eID, compID, 400, "another applicant"},
		{"a later dossier's document", b.clerkA, earlier.Code, eID, compID, 400, "was not received before"},
		{"no applicant", b.clerkA, none.Code, eID, compID, 400, "names no applicant"},
		{"not digitized", b.clerkA, d.Code, eScan, compID, 400, "not digitized"},
		{"not a component of the procedure", b.clerkA, d.Code, eID, "Ảnh", 400, "has no component"},
		{"the original out of scope", b.clerkB, inB.Code, eID, compID, 404, "not found"},
		{"the dossier out of scope", b.clerkB, d.Code, eID, compID, 404, "not found"},
		{"a scanner", b.scannerA, d.Code, eID, compID, 403, "clerk or admin"},
		{"the same dossier", b.clerkA, e.Code, eID, compID, 400, "already a document of dossier"},
	} {
		res, raw := b.reuse(t, c.p, c.code, c.id, c.comp)
		assert.Equal(t, c.status, res.StatusCode, "%s: %s", c.name, raw)
		assert.Contains(t, string(raw), c.message, c.name)
	}

	upload(d.Code, compForm, append(append([]byte{}, signed...), "\n% another copy\n"...))
	res, raw = b.reuse(t, b.clerkA, d.Code, eID, strings.ToUpper(compID))
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", raw)
	reused := decodeUpload(t, raw).Document
	assert.Equal(t, eID, reused.ReusedFrom)
	assert.Equal(t, compID, reused.ComponentName, "stored as the procedure spells it")
	res, raw = b.reuse(t, b.clerkA, d.Code, eID, compID)
	assert.Equal(t, http.StatusConflict, res.StatusCode, "twice: %s", raw)
	assert.Equal(t, blobsBefore+1, countBlobs(t, b), "only the new upload stored bytes")

	docs, err := b.db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: d.Code})
	require.NoError(t, err)
	ids := make([]int64, len(docs))
	for i, doc := range docs {
		ids[i] = doc.ID
	}
	require.NoError(t, b.p.WaitDocuments(ctx, ids))
	st, err = b.p.Status(ctx, d.Code)
	require.NoError(t, err)
	assert.Equal(t, sohoa.DigitizationDigitized, st.Dossier.DigitizationState, "%+v", st.Missing)
	orig, err := b.db.FindDocumentByID(ctx, eID)
	require.NoError(t, err)
	assert.Equal(t, orig.BlobKey, reused.BlobKey)

	entries, err := b.db.FindAuditEntries(ctx, sohoa.AuditFilter{Action: sohoa.AuditDocumentReuse})
	require.NoError(t, err)
	require.Len(t, entries, 1)
	assert.Equal(t, "user:clerkA", entries[0].Actor)
	assert.Contains(t, string(entries[0].Details), fmt.Sprintf(`"reused_from":%d`, eID))

	res, raw = b.get(t, b.auditorA, "/api/v1/progress?period=2026-Q1&unit=A")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	var prog struct {
		Units []struct {
			Code string        `json:"code"`
			Own  sohoa.Figures `json:"own"`
		} `json:"units"`
	}
	require.NoError(t, json.Unmarshal(raw, &prog))
	require.NotEmpty(t, prog.Units)
	assert.Equal(t, "A", prog.Units[0].Code)
	own := prog.Units[0].Own
	assert.Equal(t, int64(5), own.Received, "e, d, other, earlier, none")
	assert.Equal(t, int64(1), own.Reused.Count)
	require.NotNil(t, own.Reused.Rate)
	assert.Equal(t, 20.0, *own.Reused.Rate)

	// The dossier page says where the file comes from.
	res, html := b.browser(t, b.clerkA).page(t, "/ho-so/"+d.Code)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Contains(t, html, "Tái sử dụng từ hồ sơ")
	assert.Contains(t, html, `href="/ho-so/`+e.Code+`"`)
}

func countBlobs(t *testing.T, b *apiBundle) int {
	t.Helper()
	n := 0
	require.NoError(t, b.db.ForEachBlobKey(t.Context(), func(string, int64) error { n++; return nil }))
	return n
}

// reuseTarget makes orig (a document of unit's dossier) digitized, names
// its dossier's applicant, and returns a matrix target that reuses it in a
// fresh later dossier of the same applicant and unit.
func reuseTarget(t *testing.T, b *apiBundle, unit string, orig int64) matrixTarget {
	ctx := t.Context()
	doc, err := b.db.FindDocumentByID(ctx, orig)
	require.NoError(t, err)
	e, err := b.db.FindDossierByCode(ctx, doc.DossierCode)
	require.NoError(t, err)
	// The earlier dossier of the applicant: a copy of the document in a
	// dossier with an applicant (the matrix's own dossiers have none).
	applicant := map[string]string{"A": "001099000001", "B": "001099000002"}[unit]
	src := &sohoa.Dossier{UnitCode: unit, ProcedureCode: "P1", ReceivedAt: e.ReceivedAt.Add(-time.Hour), ApplicantID: applicant}
	require.NoError(t, b.db.CreateDossier(ctx, src))
	cp := *doc
	cp.ID, cp.DossierCode = 0, src.Code
	require.NoError(t, b.db.CreateDocument(ctx, &cp))
	require.NoError(t, b.db.CreateInspection(ctx, &sohoa.Inspection{DocumentID: cp.ID, Outcome: sohoa.InspectionOK, PolicyName: "default", InspectorVersion: "test"}))
	require.NoError(t, b.db.CreateVerification(ctx, &sohoa.Verification{DocumentID: cp.ID, Indication: sohoa.IndicationTotalPassed,
		ReportJSON: json.RawMessage(`{}`), VerifierVersion: "test"}))
	return func(t *testing.T) apiReq {
		d := &sohoa.Dossier{UnitCode: unit, ProcedureCode: "P1", ReceivedAt: e.ReceivedAt, ApplicantID: applicant}
		require.NoError(t, b.db.CreateDossier(t.Context(), d))
		return apiReq{method: http.MethodPost, target: "/api/v1/dossiers/" + d.Code + "/documents",
			body: []byte(reuseBody(cp.ID, compID)), contentType: "application/json"}
	}
}
