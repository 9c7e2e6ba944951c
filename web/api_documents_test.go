package web

import (
	"bytes"
	stdcontext "context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

func uploadMultipart(t *testing.T, b *apiBundle, p *Principal, code string, fields [][2]string, name string, file []byte) (*http.Response, []byte) {
	t.Helper()
	body, ct := multipartBody(t, fields, name, file)
	return b.call(t, p, apiReq{method: http.MethodPost, target: "/api/v1/dossiers/" + code + "/documents", body: body, contentType: ct})
}

func uploadRaw(t *testing.T, b *apiBundle, p *Principal, code string, query url.Values, file []byte) (*http.Response, []byte) {
	t.Helper()
	return b.call(t, p, apiReq{method: http.MethodPost, target: "/api/v1/dossiers/" + code + "/documents?" + query.Encode(),
		body: file, contentType: "application/pdf"})
}

func decodeUpload(t *testing.T, raw []byte) uploadResult {
	t.Helper()
	var u uploadResult
	require.NoError(t, json.Unmarshal(raw, &u), "%s", raw)
	return u
}

func TestAPIUploadAndDownload(t *testing.T) {
	b := setupAPI(t, apiOpts{start: true})
	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1","received_at":"2026-03-02T08:30:00+07:00"}`)
	signed := sampleBytes(t, "signed-valid-blt.pdf")
	const vnName = "Đơn đề nghị cấp phép.pdf"

	res, raw := uploadMultipart(t, b, b.clerkA, d.Code, [][2]string{{"role", "component"}, {"component", compForm}}, vnName, signed)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", raw)
	up := decodeUpload(t, raw)
	assert.False(t, up.Duplicate)
	assert.Equal(t, "/api/v1/documents/"+strconv.FormatInt(up.Document.ID, 10), up.StatusURL)
	assert.Equal(t, up.StatusURL, res.Header.Get("Location"))
	assert.Equal(t, vnName, up.Document.FileName)
	assert.Equal(t, "application/pdf", up.Document.MediaType)
	assert.Equal(t, "user:clerkA", up.Document.UploadedBy)
	assert.Equal(t, sohoa.SourceAPI, up.Document.Source)

	// The raw-body form, by a scanner, with a path-traversal name: the
	// name is kept as metadata only, cleaned to its last element.
	scan := sampleBytes(t, "scan-300dpi.pdf")
	res, raw = uploadRaw(t, b, b.scannerA, d.Code, url.Values{"role": {"component"}, "component": {compID}, "filename": {`..\..\..//etc/passwd.pdf`}}, scan)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", raw)
	up2 := decodeUpload(t, raw)
	assert.Equal(t, "passwd.pdf", up2.Document.FileName)
	res, raw = uploadMultipart(t, b, b.clerkA, d.Code, [][2]string{{"component", compID}, {"filename", "../../x.pdf"}}, "ignored.pdf", scan)
	require.Equal(t, http.StatusOK, res.StatusCode, "the same bytes again: %s", raw)
	assert.True(t, decodeUpload(t, raw).Duplicate)

	ctx, cancel := stdcontext.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	require.NoError(t, b.p.WaitDocuments(ctx, []int64{up.Document.ID, up2.Document.ID}))

	res, raw = b.get(t, b.auditorA, up.StatusURL)
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	var st pipeline.DocumentStatus
	require.NoError(t, json.Unmarshal(raw, &st))
	require.NotNil(t, st.Inspection)
	require.NotNil(t, st.Verification)
	assert.Equal(t, sohoa.IndicationTotalPassed, st.Verification.Indication)
	assert.Nil(t, st.Verification.Report, "the summary leaves the report to /verifications")
	assert.Equal(t, up.Document.BlobKey, st.BlobKey)

	res, raw = b.get(t, b.auditorA, up.StatusURL+"/verifications")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	var vl verificationList
	require.NoError(t, json.Unmarshal(raw, &vl))
	require.Len(t, vl.Items, 1)
	assert.Contains(t, string(vl.Items[0].ReportJSON), `"signatures"`)

	// The dossier's status shows both documents.
	res, raw = b.get(t, b.clerkA, "/api/v1/dossiers/"+d.Code)
	require.Equal(t, http.StatusOK, res.StatusCode)
	var ds pipeline.DossierStatus
	require.NoError(t, json.Unmarshal(raw, &ds))
	assert.Len(t, ds.Documents, 2)

	// Download.
	res, raw = b.get(t, b.auditorA, up.StatusURL+"/content")
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.True(t, bytes.Equal(signed, raw))
	assert.Equal(t, "application/pdf", res.Header.Get("Content-Type"))
	assert.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	assert.Equal(t, `attachment; filename="Don de nghi cap phep.pdf"; filename*=UTF-8''%C4%90%C6%A1n%20%C4%91%E1%BB%81%20ngh%E1%BB%8B%20c%E1%BA%A5p%20ph%C3%A9p.pdf`,
		res.Header.Get("Content-Disposition"))
	var dl *sohoa.AuditEntry
	for _, e := range b.audit(t) {
		if e.Action == "document.download" {
			dl = e
		}
	}
	require.NotNil(t, dl, "download audited")
	assert.Equal(t, "user:auditorA", dl.Actor)
	assert.Equal(t, "document:"+strconv.FormatInt(up.Document.ID, 10), dl.Object)
	var ingest *sohoa.AuditEntry
	for _, e := range b.audit(t) {
		if e.Action == sohoa.AuditDocumentIngest && e.Object == dl.Object {
			ingest = e
		}
	}
	require.NotNil(t, ingest, "upload audited by the pipeline")
	assert.Equal(t, "user:clerkA", ingest.Actor)

	// Out of scope: 404 everywhere, as for a document that does not exist.
	for _, path := range []string{up.StatusURL, up.StatusURL + "/content", up.StatusURL + "/verifications"} {
		res, raw = b.get(t, b.clerkB, path)
		assert.Equal(t, http.StatusNotFound, res.StatusCode, "%s: %s", path, raw)
		res, _ = b.get(t, nil, path)
		assert.Equal(t, http.StatusUnauthorized, res.StatusCode, path)
	}
	res, _ = b.get(t, b.admin, "/api/v1/documents/999999")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = b.get(t, b.admin, "/api/v1/documents/bogus")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestAPIUploadRefused(t *testing.T) {
	b := setupAPI(t, apiOpts{maxUpload: 20 << 10})
	d := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	small := sampleBytes(t, "scan-low-resolution.pdf") // 3 KB
	big := sampleBytes(t, "signed-valid-blt.pdf")      // 41 KB
	q := url.Values{"component": {compForm}, "filename": {"a.pdf"}}

	for _, tc := range []struct {
		name string
		p    *Principal
		code string
		want int
	}{
		{"anonymous", nil, d.Code, http.StatusUnauthorized},
		{"auditor", b.auditorA, d.Code, http.StatusForbidden},
		{"clerk of another unit", b.clerkB, d.Code, http.StatusNotFound},
		{"no such dossier", b.clerkA, "A-000000-0000", http.StatusNotFound},
	} {
		res, raw := uploadRaw(t, b, tc.p, tc.code, q, small)
		assert.Equal(t, tc.want, res.StatusCode, "%s: %s", tc.name, raw)
	}

	res, raw := uploadRaw(t, b, b.clerkA, d.Code, q, big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "%s", raw)
	res, raw = uploadMultipart(t, b, b.clerkA, d.Code, [][2]string{{"component", compForm}}, "a.pdf", big)
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "%s", raw)

	// Type by content: a text file named .pdf, and a PDF renamed .txt.
	res, raw = uploadMultipart(t, b, b.clerkA, d.Code, [][2]string{{"component", compForm}}, "giay-to.pdf", []byte("not a PDF at all, just text\n"))
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "%s", raw)
	assert.Equal(t, sohoa.EINVALID, errorCode(t, raw))
	res, raw = uploadRaw(t, b, b.clerkA, d.Code, url.Values{"component": {compForm}, "filename": {"x.pdf"}}, []byte{})
	assert.Equal(t, http.StatusUnsupportedMediaType, res.StatusCode, "empty body: %s", raw)

	for _, bad := range []url.Values{{"role": {"poster"}}, {"bogus": {"1"}}} {
		res, raw = b.call(t, b.clerkA, apiReq{method: http.MethodPost, target: "/api/v1/dossiers/" + d.Code + "/documents?" + bad.Encode(),
			body: small, contentType: "application/pdf", malformed: true})
		assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%v: %s", bad, raw)
	}
	res, raw = uploadMultipart(t, b, b.clerkA, d.Code, [][2]string{{"colour", "red"}}, "a.pdf", small)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", raw)

	assert.Zero(t, b.countBlobs(t), "nothing stored")
	docs, err := b.db.FindDocuments(t.Context(), sohoa.DocumentFilter{Scope: sohoa.AllUnits})
	require.NoError(t, err)
	assert.Empty(t, docs)

	res, raw = uploadRaw(t, b, b.clerkA, d.Code, q, small)
	assert.Equal(t, http.StatusAccepted, res.StatusCode, "under the limit: %s", raw)
}

func TestContentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"a.pdf":                   `attachment; filename="a.pdf"; filename*=UTF-8''a.pdf`,
		`Bản sao "CCCD" 100%.pdf`: `attachment; filename="Ban sao _CCCD_ 100_.pdf"; filename*=UTF-8''B%E1%BA%A3n%20sao%20%22CCCD%22%20100%25.pdf`,
		"ĐƠN.pdf":                 `attachment; filename="DON.pdf"; filename*=UTF-8''%C4%90%C6%A0N.pdf`,
		"":                        `attachment; filename="document"; filename*=UTF-8''document`,
	} {
		assert.Equal(t, want, contentDisposition(name), name)
	}
}

func TestSafeFileName(t *testing.T) {
	for in, want := range map[string]string{
		"../../etc/passwd":   "passwd",
		`C:\Users\a\Đơn.pdf`: "Đơn.pdf",
		"a\x00b\r\n.pdf":     "ab.pdf",
		"..":                 "",
		"dir/":               "",
		" spaced name.pdf ":  "spaced name.pdf",
		"\xff\xfebroken.pdf": "broken.pdf",
		`quote"d.pdf`:        "quoted.pdf",
	} {
		assert.Equal(t, want, safeFileName(in), "%q", in)
	}
}
