package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/verify"
)

// fixReportClock sets `sohoa report make`'s clock for the test.
func fixReportClock(t *testing.T, at time.Time) {
	t.Helper()
	old := reportNow
	reportNow = func() time.Time { return at }
	t.Cleanup(func() { reportNow = old })
}

// TestReportMake: the quarterly report of a unit with one subunit, made
// from a hand-built data set, signed with the unit's key (B-T), written
// with --out, submitted and verified through the pipeline; the progress
// figures then count it as signed and on time, and not as a dossier.
func TestReportMake(t *testing.T) {
	dir := t.TempDir()
	vars := map[string]string{"SOHOA_DATA_DIR": dir, "SOHOA_P12_PASSPHRASE": "bí mật"}
	for _, args := range [][]string{
		{"unit", "add", "UBND", "Ủy ban nhân dân tỉnh Hà Tĩnh"},
		{"unit", "add", "STP", "Bộ phận Một cửa Sở Tư pháp", "--parent", "UBND"},
		{"unit", "add", "STP.HT", "Phòng Hành chính tư pháp", "--parent", "STP"},
		{"procedure", "add", "P1", "Cấp phiếu lý lịch tư pháp"},
	} {
		code, _, errOut := runCmd(t, vars, args...)
		require.Equal(t, exitOK, code, errOut)
	}
	vn := sohoa.Location()
	// 2026-Q4 runs from 2026-09-15 to 2026-12-14, its report due 2026-12-25.
	db := openTestCatalog(t, dir)
	resolved := time.Date(2026, 11, 2, 9, 0, 0, 0, vn)
	for _, d := range []sohoa.Dossier{
		{Code: "STP-1", UnitCode: "STP", ReceivedAt: time.Date(2026, 9, 15, 0, 0, 0, 0, vn), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "STP-2", UnitCode: "STP", ReceivedAt: time.Date(2026, 10, 1, 9, 0, 0, 0, vn), DigitizationState: sohoa.DigitizationDigitized},
		{Code: "STP-3", UnitCode: "STP", ReceivedAt: time.Date(2026, 10, 2, 9, 0, 0, 0, vn)},
		{Code: "STP-4", UnitCode: "STP", ReceivedAt: time.Date(2026, 9, 14, 23, 0, 0, 0, vn)}, // 2026-Q3
		{Code: "HT-1", UnitCode: "STP.HT", ReceivedAt: time.Date(2026, 10, 5, 9, 0, 0, 0, vn), Status: sohoa.StatusResolved, ResolvedAt: &resolved,
			DigitizationState: sohoa.DigitizationDigitized},
	} {
		d.ProcedureCode = "P1"
		require.NoError(t, db.CreateDossier(t.Context(), &d))
	}
	require.NoError(t, db.Close())

	pki := testpki.New(t)
	p12, _ := writeP12(t, pki, "Bộ phận Một cửa Sở Tư pháp", "bí mật")
	code, _, errOut := runCmd(t, vars, "unit", "cert", "set", "STP", p12, "--tsa", pki.TSAURL())
	require.Equal(t, exitOK, code, errOut)
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "trust"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "trust", "root.pem"), pki.RootPEM(), 0o644))

	// Refused: a month, no unit, a unit without a key.
	code, _, errOut = runCmd(t, vars, "report", "make", "--unit", "STP", "--period", "2026-11")
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "quarter")
	code, _, _ = runCmd(t, vars, "report", "make", "--period", "2026-Q4")
	assert.Equal(t, exitUsage, code)
	code, _, errOut = runCmd(t, vars, "report", "make", "--unit", "STP.HT", "--period", "2026-Q4", "--out", filepath.Join(t.TempDir(), "x.pdf"))
	assert.Equal(t, exitFailure, code)
	assert.Contains(t, errOut, "no signing key")

	fixReportClock(t, time.Date(2026, 12, 7, 10, 0, 0, 0, vn))
	out := filepath.Join(t.TempDir(), "bao-cao.pdf")
	code, stdout, errOut := runCmd(t, vars, "report", "make", "--unit", "STP", "--period", "2026-Q4", "--out", out,
		"--place", "Hà Tĩnh", "--signer", "Nguyễn Văn An")
	require.Equal(t, exitOK, code, "%s\n%s", stdout, errOut)
	assert.Contains(t, stdout, "PAdES B-T")
	assert.Contains(t, stdout, "verification: TOTAL_PASSED")
	assert.Contains(t, stdout, "on time")
	pdf, err := os.ReadFile(out)
	require.NoError(t, err)

	// The text reads back: the motto, the unit with its diacritics, the
	// figures of the hand-built data set. STP: 3 received in 2026-Q4 (not
	// STP-4), 2 digitized; STP.HT: 1 received, 1 resolved, both digitized.
	text := reportText(t, pdf)
	flat := strings.Join(strings.Fields(text), " ")
	for _, want := range []string{"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
		"ỦY BAN NHÂN DÂN TỈNH HÀ TĨNH", "BỘ PHẬN MỘT CỬA SỞ TƯ PHÁP", "Hà Tĩnh, ngày 07 tháng 12 năm 2026",
		"Quý IV năm 2026", "Số hồ sơ tiếp nhận trong kỳ: 4; số hồ sơ đã số hóa: 3, đạt 75,00%",
		"Số hồ sơ đã giải quyết trong kỳ: 1; số kết quả giải quyết đã số hóa: 1, đạt 100,00%", "Nguyễn Văn An"} {
		assert.Contains(t, flat, want)
	}
	assert.Regexp(t, `Phòng Hành chính tư pháp\s+1\s+1\s+100,00\s+1\s+1\s+100,00`, text)
	assert.Regexp(t, `Tổng cộng\s+4\s+3\s+75,00\s+1\s+1\s+100,00`, text)

	// The signed report passes the verify package with the test PKI's
	// root, and pdfsig.
	v, err := verify.New(verify.Config{TrustAnchors: []*x509.Certificate{pki.Root.Cert}, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	require.NoError(t, err)
	rep, err := v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	require.Len(t, rep.Signatures, 1)
	assert.Equal(t, verify.TotalPassed, rep.Indication, "%s", rep.Summary)
	assert.Equal(t, "B-T", rep.Signatures[0].PAdESLevel)
	if bin, err := exec.LookPath("pdfsig"); err == nil || os.Getenv("CI") != "" {
		require.NoError(t, err)
		o, err := exec.Command(bin, out).CombinedOutput()
		require.NoError(t, err, "%s", o)
		assert.Contains(t, string(o), "Signature Validation: Signature is Valid.")
		changed := bytes.Clone(pdf)
		changed[len(changed)/3] ^= 0x01
		f := filepath.Join(t.TempDir(), "changed.pdf")
		require.NoError(t, os.WriteFile(f, changed, 0o600))
		o, _ = exec.Command(bin, f).CombinedOutput()
		assert.NotContains(t, string(o), "Signature Validation: Signature is Valid.")
		code, _, _ = runCmd(t, vars, "verify", f, "--trust", filepath.Join(dir, "trust", "root.pem"))
		assert.Equal(t, 1, code, "sohoa verify: TOTAL_FAILED")
	}

	// The progress figures: STP's report is signed and on time; the
	// dossier holding it is not a received dossier.
	fixProgressClock(t, time.Date(2026, 12, 7, 11, 0, 0, 0, vn))
	code, stdout, errOut = runCmd(t, vars, "progress", "--period", "2026-Q4", "--unit", "STP", "--json")
	require.Equal(t, exitOK, code, errOut)
	var got struct {
		Units []struct {
			Code   string `json:"code"`
			Report string `json:"report"`
			Own    struct {
				Received      int64 `json:"received"`
				ReportsSigned struct {
					Count int64 `json:"count"`
				} `json:"reports_signed"`
				ReportsOnTime struct {
					Count int64 `json:"count"`
				} `json:"reports_on_time"`
			} `json:"own"`
		} `json:"units"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &got), stdout)
	require.Len(t, got.Units, 2)
	assert.Equal(t, "STP", got.Units[0].Code)
	assert.Equal(t, "on_time", got.Units[0].Report)
	assert.Equal(t, int64(3), got.Units[0].Own.Received)
	assert.Equal(t, int64(1), got.Units[0].Own.ReportsSigned.Count)
	assert.Equal(t, int64(1), got.Units[0].Own.ReportsOnTime.Count)
	assert.Equal(t, "pending", got.Units[1].Report)

	// Made again (a correction): a second submission, kept beside the first.
	fixReportClock(t, time.Date(2026, 12, 8, 10, 0, 0, 0, vn))
	code, stdout, errOut = runCmd(t, vars, "report", "make", "--unit", "STP", "--period", "2026-Q4")
	require.Equal(t, exitOK, code, "%s\n%s", stdout, errOut)
	db = openTestCatalog(t, dir)
	rs, err := db.FindPeriodicReports(t.Context(), sohoa.ReportFilter{Scope: sohoa.AllUnits, UnitCode: "STP", Period: "2026-Q4"})
	require.NoError(t, err)
	assert.Len(t, rs, 2)
	assert.Equal(t, 2, auditActions(t, db, "unit:STP")["report.submit"])
	code, stdout, _ = runCmd(t, vars, "audit", "verify")
	assert.Equal(t, exitOK, code, stdout)
}

func reportText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("pdftotext is not installed and CI is set (scripts/test-services.sh installs poppler-utils)")
		}
		t.Skip("pdftotext is not installed (poppler-utils)")
	}
	f := filepath.Join(t.TempDir(), "r.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	o, err := exec.Command(bin, "-layout", "-enc", "UTF-8", f, "-").CombinedOutput()
	require.NoError(t, err, "%s", o)
	return string(o)
}
