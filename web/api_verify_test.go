package web

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/verify"
)

func TestAPIVerify(t *testing.T) {
	b := setupAPI(t, apiOpts{maxVerify: 50 << 10})
	verifyRaw := func(p *Principal, name string, body []byte) (*http.Response, []byte) {
		t.Helper()
		return b.call(t, p, apiReq{method: http.MethodPost, target: "/api/v1/verify?filename=" + name, body: body, contentType: "application/pdf"})
	}
	report := func(raw []byte) *verify.Report {
		t.Helper()
		var out verifyOutput
		require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
		assert.Equal(t, "sohoa.verify/v1", out.Schema)
		require.Len(t, out.Files, 1)
		return out.Files[0]
	}

	res, raw := verifyRaw(b.auditorA, "hop-dong.pdf", sampleBytes(t, "signed-valid-blt.pdf"))
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	rep := report(raw)
	assert.Equal(t, verify.TotalPassed, rep.Indication)
	assert.Equal(t, "hop-dong.pdf", rep.File)
	assert.Len(t, rep.Signatures, 1)

	body, ct := multipartBody(t, nil, "../sửa.pdf", sampleBytes(t, "tampered-digest.pdf"))
	res, raw = b.call(t, b.scannerA, apiReq{method: http.MethodPost, target: "/api/v1/verify", body: body, contentType: ct})
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	rep = report(raw)
	assert.Equal(t, verify.TotalFailed, rep.Indication)
	assert.Equal(t, "sửa.pdf", rep.File)

	// Not a PDF: reported as the CLI reports it (error set), not stored.
	res, raw = verifyRaw(b.clerkB, "x.pdf", []byte("hello, not a PDF"))
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	assert.NotEmpty(t, report(raw).Error)

	res, raw = verifyRaw(b.clerkA, "big.pdf", sampleBytes(t, "signed-valid-blta.pdf")) // 61 KB
	assert.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode, "%s", raw)
	res, raw = verifyRaw(b.clerkA, "empty.pdf", nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode, "%s", raw)
	res, _ = verifyRaw(nil, "a.pdf", sampleBytes(t, "unsigned.pdf"))
	assert.Equal(t, http.StatusUnauthorized, res.StatusCode)
	assert.Zero(t, b.countBlobs(t), "ad-hoc verification stores nothing")
}
