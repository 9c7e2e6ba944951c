package report

import (
	"bytes"
	"context"
	"crypto/x509"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/verify"
)

const agency = "Ủy ban nhân dân xã Thanh Xuân"

// requireTool returns the path of a command-line tool the test needs,
// skipping the test when it is missing, or failing it under CI (the test
// command installs poppler-utils: scripts/test-services.sh).
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is not installed and CI is set; install poppler-utils (scripts/test-services.sh does)", name)
	}
	t.Skipf("%s is not installed (poppler-utils)", name)
	return ""
}

type copyBundle struct {
	pki    *testpki.PKI
	signer Signer
	v      *verify.Verifier
	scan   []byte
}

func setupCopy(t *testing.T) *copyBundle {
	t.Helper()
	pki := testpki.New(t)
	c := pki.NewSigner(t, agency, testpki.Options{})
	v, err := verify.New(verify.Config{TrustAnchors: []*x509.Certificate{pki.Root.Cert}, Now: pki.Now})
	require.NoError(t, err)
	return &copyBundle{
		pki:    pki,
		signer: Signer{Key: c.Key, Certificate: c.Cert, Chain: c.Chain()[1:]},
		v:      v,
		scan:   testpdf.Base(testpdf.BaseOptions{Pages: 2}).Bytes,
	}
}

func (b *copyBundle) certify(t *testing.T, o CopyOptions) []byte {
	t.Helper()
	scan := bytes.Clone(b.scan)
	var out bytes.Buffer
	if o.HTTPClient == nil {
		o.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	_, err := CertifiedCopy(context.Background(), bytes.NewReader(scan), &out, b.signer, o)
	require.NoError(t, err)
	require.Equal(t, b.scan, scan, "the scan is unchanged")
	return out.Bytes()
}

func (b *copyBundle) verify(t *testing.T, pdf []byte) *verify.Report {
	t.Helper()
	rep, err := b.v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	return rep
}

// pdfsig runs poppler's pdfsig on pdf and returns its output and whether
// it exited 0. pdfsig checks the signature against the bytes; whether it
// trusts the certificate depends on its NSS database, which the tests
// leave alone (the verify package judges the path).
func pdfsig(t *testing.T, pdf []byte) (string, bool) {
	t.Helper()
	bin := requireTool(t, "pdfsig")
	dir := t.TempDir()
	f := filepath.Join(dir, "copy.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	out, err := exec.Command(bin, f).CombinedOutput()
	return string(out), err == nil
}

func pdftotext(t *testing.T, pdf []byte, page int) string {
	t.Helper()
	bin := requireTool(t, "pdftotext")
	f := filepath.Join(t.TempDir(), "copy.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	p := strconv.Itoa(page)
	out, err := exec.Command(bin, "-f", p, "-l", p, "-layout", "-enc", "UTF-8", f, "-").CombinedOutput()
	require.NoError(t, err, "%s", out)
	return string(out)
}

func TestStampText(t *testing.T) {
	at := time.Date(2026, 12, 7, 3, 15, 0, 0, time.UTC)
	assert.Equal(t, []string{"SAO Y", agency, "2026-12-07T10:15:00+07:00"}, StampText(CopyOptions{Agency: " " + agency + " ", Time: at}))
	assert.Equal(t, "TRÍCH SAO", StampText(CopyOptions{Agency: agency, Form: "TRÍCH SAO", Time: at})[0])
}

func TestCertifiedCopyBB(t *testing.T) {
	b := setupCopy(t)
	at := time.Date(2026, 12, 7, 3, 15, 0, 0, time.UTC)
	pdf := b.certify(t, CopyOptions{Agency: agency, Time: at})

	rep := b.verify(t, pdf)
	require.Len(t, rep.Signatures, 1)
	s := rep.Signatures[0]
	assert.Equal(t, verify.TotalPassed, rep.Indication, "%s %v %v", rep.Summary, s.Problems, rep.Problems)
	assert.Equal(t, "B-B", s.PAdESLevel)
	require.NotNil(t, s.ByteRange)
	assert.Equal(t, verify.CoverageEntireFile, s.ByteRange.Coverage)

	// The stamp is on page 1, top right, and reads back as text.
	text := pdftotext(t, pdf, 1)
	for _, want := range []string{"SAO Y", agency, "2026-12-07T10:15:00+07:00"} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, pdftotext(t, pdf, 2), "SAO Y", "only page 1 is stamped")
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.Contains(l, "SAO Y") {
			assert.Less(t, i, 3, "the stamp is at the top of the page: %q", text)
			assert.Greater(t, strings.Index(l, "SAO Y"), 20, "the stamp is on the right: %q", l)
		}
	}

	out, ok := pdfsig(t, pdf)
	assert.True(t, ok, out)
	assert.Contains(t, out, "Signature is Valid")
	assert.Contains(t, out, "Signer Certificate Common Name: "+agency)
	assert.Contains(t, out, "Signature Validation: Signature is Valid.")
	assert.Contains(t, out, "Total document signed")
}

func TestCertifiedCopyEmbedsTheFont(t *testing.T) {
	b := setupCopy(t)
	pdf := b.certify(t, CopyOptions{Agency: agency})
	bin := requireTool(t, "pdffonts")
	f := filepath.Join(t.TempDir(), "copy.pdf")
	require.NoError(t, os.WriteFile(f, pdf, 0o600))
	out, err := exec.Command(bin, "-f", "1", "-l", "1", f).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var line string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(l, "LiberationSerif-Italic") {
			line = l
		}
	}
	require.NotEmpty(t, line, "%s", out)
	fields := strings.Fields(line)
	// name type encoding emb sub uni object ID
	assert.Contains(t, fields, "yes", "embedded: %s", line)
}

func TestCertifiedCopyBT(t *testing.T) {
	b := setupCopy(t)
	pdf := b.certify(t, CopyOptions{Agency: agency, TSAURL: b.pki.TSAURL()})
	// Offline, the copy passes at B-B: the signature embeds the status of
	// the agency's chain, not the TSA's (that would be B-LT's /DSS).
	rep := b.verify(t, pdf)
	require.Len(t, rep.Signatures, 1)
	assert.Equal(t, verify.TotalPassed, rep.Indication, "%s", rep.Summary)
	assert.Equal(t, "B-B", rep.Signatures[0].PAdESLevel)
	// Online (sohoa verify --online), the timestamp verifies too.
	v, err := verify.New(verify.Config{TrustAnchors: []*x509.Certificate{b.pki.Root.Cert}, Now: b.pki.Now, HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	require.NoError(t, err)
	rep, err = v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	require.Len(t, rep.Signatures, 1)
	s := rep.Signatures[0]
	assert.Equal(t, verify.TotalPassed, rep.Indication, "%s %v", rep.Summary, s.Problems)
	require.NotNil(t, s.Timestamp, "a signature timestamp")
	assert.Equal(t, "B-T", s.PAdESLevel, "%+v", *s.Timestamp)
	out, ok := pdfsig(t, pdf)
	assert.True(t, ok, out)
	assert.Contains(t, out, "Signature Validation: Signature is Valid.")
}

func TestCertifiedCopyChangedFails(t *testing.T) {
	b := setupCopy(t)
	pdf := b.certify(t, CopyOptions{Agency: agency})
	// Change one byte in the middle of the first signed range.
	changed := bytes.Clone(pdf)
	sigs := testpdf.Signatures(changed)
	require.Len(t, sigs, 1)
	at := int(sigs[0].ByteRange[1]) / 2
	changed[at] ^= 0x01

	rep := b.verify(t, changed)
	assert.Equal(t, verify.TotalFailed, rep.Indication, "%s", rep.Summary)
	out, ok := pdfsig(t, changed)
	assert.False(t, ok && strings.Contains(out, "Signature is Valid"), out)
	assert.NotContains(t, out, "Signature Validation: Signature is Valid.")
}

func TestCertifiedCopyRefusesBadInput(t *testing.T) {
	b := setupCopy(t)
	var out bytes.Buffer
	_, err := CertifiedCopy(context.Background(), bytes.NewReader(b.scan), &out, b.signer, CopyOptions{})
	assert.Error(t, err, "no agency")
	_, err = CertifiedCopy(context.Background(), bytes.NewReader([]byte("not a pdf")), &out, b.signer, CopyOptions{Agency: agency})
	assert.Error(t, err)
	other := testpki.New(t).NewSigner(t, "", testpki.Options{})
	_, err = CertifiedCopy(context.Background(), bytes.NewReader(b.scan), &out, Signer{Key: other.Key, Certificate: b.signer.Certificate}, CopyOptions{Agency: agency})
	assert.ErrorContains(t, err, "does not belong")
}

func TestPKCS12RoundTrip(t *testing.T) {
	b := setupCopy(t)
	p12, err := EncodePKCS12(b.signer, "mật khẩu")
	require.NoError(t, err)
	s, err := LoadPKCS12(p12, "mật khẩu")
	require.NoError(t, err)
	assert.True(t, s.Certificate.Equal(b.signer.Certificate))
	require.Len(t, s.Chain, 2)
	assert.True(t, s.Chain[0].Equal(b.pki.Intermediate.Cert), "nearest issuer first")
	assert.True(t, s.Chain[1].Equal(b.pki.Root.Cert))
	_, err = LoadPKCS12(p12, "wrong")
	assert.ErrorContains(t, err, "wrong passphrase")
	_, err = LoadPKCS12([]byte("junk"), "")
	assert.Error(t, err)
}

func TestSealUnitKey(t *testing.T) {
	b := setupCopy(t)
	ak, err := sohoa.NewAuditKey(bytes.Repeat([]byte{7}, sohoa.AuditKeySize))
	require.NoError(t, err)
	k, err := SealUnitKey(ak, "OSS1", b.signer, "http://tsa.example.vn")
	require.NoError(t, err)
	assert.Equal(t, "OSS1", k.UnitCode)
	assert.Contains(t, k.Subject, agency)
	assert.NotContains(t, string(k.Sealed), agency, "the certificate is encrypted too")
	s, err := OpenUnitKey(ak, k)
	require.NoError(t, err)
	assert.True(t, s.Certificate.Equal(b.signer.Certificate))
	require.NoError(t, s.Validate())

	other, err := sohoa.NewAuditKey(bytes.Repeat([]byte{8}, sohoa.AuditKeySize))
	require.NoError(t, err)
	_, err = OpenUnitKey(other, k)
	assert.ErrorContains(t, err, "does not open")
	moved := *k
	moved.UnitCode = "OSS2"
	_, err = OpenUnitKey(ak, &moved)
	assert.ErrorContains(t, err, "does not open", "bound to its unit")
	_, err = SealUnitKey(nil, "OSS1", b.signer, "")
	assert.Error(t, err)
}
