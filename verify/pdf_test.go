package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
)

// pdfBundle is what an end-to-end PDF test needs: a PKI, a signer and a
// verifier that trusts the PKI's root.
type pdfBundle struct {
	pki    *testpki.PKI
	signer *testpki.Cert
	v      *Verifier
}

func setupPDF(t *testing.T, cfg ...func(*Config)) *pdfBundle {
	t.Helper()
	pki := testpki.New(t)
	c := Config{TrustAnchors: []*x509.Certificate{pki.Root.Cert}, Now: pki.Now}
	for _, f := range cfg {
		f(&c)
	}
	v, err := New(c)
	require.NoError(t, err)
	return &pdfBundle{pki: pki, signer: pki.NewSigner(t, "", testpki.Options{}), v: v}
}

// addTSAValidationData adds a /DSS update with the TSA's revocation data:
// B-LT needs the timestamp's validation data too, and pdfsign embeds only
// the signer's.
func (b *pdfBundle) addTSAValidationData(t *testing.T, pdf []byte) []byte {
	return testpdf.AddDSS(t, pdf, testpdf.ValidationData(t, b.pki, b.pki.Now(), b.pki.TSA))
}

func online(c *Config) { c.HTTPClient = &http.Client{Timeout: 10 * time.Second} }

func (b *pdfBundle) verify(t *testing.T, pdf []byte) *Report {
	t.Helper()
	rep, err := b.v.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)))
	require.NoError(t, err)
	return rep
}

func base(t *testing.T, o testpdf.BaseOptions) []byte { return testpdf.Base(o).Bytes }

// requireSig asserts one signature's verdict and returns it.
func requireSig(t *testing.T, rep *Report, i int, ind Indication, sub SubIndication) SignatureReport {
	t.Helper()
	require.Greater(t, len(rep.Signatures), i, "signatures: %+v", rep.Signatures)
	s := rep.Signatures[i]
	require.Equal(t, ind, s.Indication, "problems: %v", s.Problems)
	require.Equal(t, sub, s.SubIndication, "problems: %v", s.Problems)
	return s
}

func TestPDFLevels(t *testing.T) {
	b := setupPDF(t)
	doc := base(t, testpdf.BaseOptions{})
	cases := []struct {
		level     testpdf.Level
		want      string
		subFilter string
	}{
		{testpdf.LevelBT, "B-T", testpdf.SubFilterPKCS7},
		{testpdf.LevelBLT, "B-LT", testpdf.SubFilterPKCS7},
		{testpdf.LevelBLTA, "B-LTA", testpdf.SubFilterPKCS7},
		{testpdf.LevelBLT, "B-LT", testpdf.SubFilterCAdES},
		{testpdf.LevelBLTA, "B-LTA", testpdf.SubFilterCAdES},
	}
	for _, tc := range cases {
		t.Run(tc.want+"/"+tc.subFilter, func(t *testing.T) {
			pdf := testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{Level: tc.level, SubFilter: tc.subFilter})
			if tc.level == testpdf.LevelBLT {
				pdf = b.addTSAValidationData(t, pdf)
			}
			rep := b.verify(t, pdf)
			if tc.level == testpdf.LevelBT {
				// No revocation data embedded and no fetching: the status of
				// the signer cannot be known offline.
				s := requireSig(t, rep, 0, Indeterminate, TryLater)
				require.Empty(t, s.PAdESLevel)
				return
			}
			require.Equal(t, TotalPassed, rep.Indication, "%+v", rep.Signatures)
			s := requireSig(t, rep, 0, TotalPassed, NoSubIndication)
			require.Equal(t, tc.want, s.PAdESLevel, "timestamp: %+v revocation: %+v", s.Timestamp, s.Revocation)
			require.Equal(t, tc.subFilter, s.SubFilter)
			require.Equal(t, "signature_timestamp", s.ValidationTimeSource)
			require.True(t, s.DigestMatches)
			require.True(t, s.SignatureValid)
			require.True(t, s.ChainTrusted)
			require.NotNil(t, s.Signer)
			require.Contains(t, s.Signer.UIDs, "MST:0101234567")
			require.Equal(t, "Nguyễn Văn A", s.Signer.CommonName)
		})
	}
}

func TestPDFBaselineOnline(t *testing.T) {
	// B-B and B-T signatures without embedded revocation pass once the
	// status may be fetched; the fetched data makes no B-LT.
	b := setupPDF(t, online)
	doc := base(t, testpdf.BaseOptions{})
	pdf := testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBB})
	s := requireSig(t, b.verify(t, pdf), 0, TotalPassed, NoSubIndication)
	require.Equal(t, "B-B", s.PAdESLevel)
	require.Equal(t, "current_time", s.ValidationTimeSource)
	require.NotEmpty(t, s.Revocation)
	for _, r := range s.Revocation {
		require.Equal(t, "online", r.Source)
	}
	pdf = testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBT})
	s = requireSig(t, b.verify(t, pdf), 0, TotalPassed, NoSubIndication)
	require.Equal(t, "B-T", s.PAdESLevel)
}

func TestPDFCertificateProblems(t *testing.T) {
	b := setupPDF(t)
	doc := base(t, testpdf.BaseOptions{})
	now := b.pki.Now()
	cases := []struct {
		name string
		opts testpki.Options
		sign testpdf.SignOptions
		ind  Indication
		sub  SubIndication
		at   time.Time // PKI clock while signing, zero = now
	}{
		{name: "sha1", sign: testpdf.SignOptions{Level: testpdf.LevelBLT, Digest: crypto.SHA1}, ind: Indeterminate, sub: CryptoConstraintsFailureNoPOE},
		{name: "rsa1024", opts: testpki.Options{KeyType: testpki.RSA1024}, sign: testpdf.SignOptions{Level: testpdf.LevelBLT}, ind: Indeterminate, sub: CryptoConstraintsFailureNoPOE},
		{name: "ecdsa-p256", opts: testpki.Options{KeyType: testpki.ECDSAP256}, sign: testpdf.SignOptions{Level: testpdf.LevelBLT}, ind: TotalPassed},
		{name: "ecdsa-p384", opts: testpki.Options{KeyType: testpki.ECDSAP384}, sign: testpdf.SignOptions{Level: testpdf.LevelBLT}, ind: TotalPassed},
		{name: "wrong key usage", opts: testpki.Options{KeyUsage: x509.KeyUsageKeyEncipherment}, sign: testpdf.SignOptions{Level: testpdf.LevelBLT}, ind: Indeterminate, sub: ChainConstraintsFailure},
		{name: "expired, no timestamp", opts: testpki.Options{NotBefore: now.AddDate(-3, 0, 0), NotAfter: now.AddDate(-1, 0, 0)}, sign: testpdf.SignOptions{Level: testpdf.LevelBB}, at: now.AddDate(-2, 0, 0), ind: Indeterminate, sub: OutOfBoundsNoPOE},
		{name: "not yet valid", opts: testpki.Options{NotBefore: now.AddDate(1, 0, 0), NotAfter: now.AddDate(3, 0, 0)}, sign: testpdf.SignOptions{Level: testpdf.LevelBB}, ind: Indeterminate, sub: NotYetValid},
		{name: "timestamp after expiry", opts: testpki.Options{NotBefore: now.AddDate(-3, 0, 0), NotAfter: now.AddDate(-1, 0, 0)}, sign: testpdf.SignOptions{Level: testpdf.LevelBLT}, ind: TotalFailed, sub: Expired},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			signer := b.pki.NewSigner(t, "", tc.opts)
			if !tc.at.IsZero() {
				b.pki.SetClock(func() time.Time { return tc.at })
				defer b.pki.SetClock(time.Now)
			}
			pdf := testpdf.Sign(t, doc, signer, b.pki, tc.sign)
			if tc.sign.Level == testpdf.LevelBLT {
				pdf = b.addTSAValidationData(t, pdf)
			}
			b.pki.SetClock(time.Now)
			requireSig(t, b.verify(t, pdf), 0, tc.ind, tc.sub)
		})
	}
}

func TestPDFUntrustedRoot(t *testing.T) {
	b := setupPDF(t)
	other := testpki.NewUntrusted(t)
	signer := other.NewSigner(t, "", testpki.Options{})
	pdf := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), signer, other, testpdf.SignOptions{Level: testpdf.LevelBLT})
	s := requireSig(t, b.verify(t, pdf), 0, Indeterminate, NoCertificateChainFound)
	require.False(t, s.ChainTrusted)
}

func TestPDFRevocation(t *testing.T) {
	doc := base(t, testpdf.BaseOptions{})
	for _, mode := range []struct {
		name string
		rev  testpdf.RevocationMode
	}{{"ocsp", testpdf.RevOCSPAndCRL}, {"crl", testpdf.RevCRLOnly}} {
		t.Run(mode.name+"/revoked before signing", func(t *testing.T) {
			b := setupPDF(t)
			b.pki.Revoke(b.signer, b.pki.Now().Add(-time.Hour), 1)
			pdf := testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT, Revocation: mode.rev})
			s := requireSig(t, b.verify(t, pdf), 0, TotalFailed, Revoked)
			require.True(t, slices.ContainsFunc(s.Revocation, func(r RevocationReport) bool { return r.Status == "revoked" }))
		})
		t.Run(mode.name+"/revoked after signing", func(t *testing.T) {
			b := setupPDF(t, online)
			pdf := testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBT, Revocation: mode.rev})
			// Revoked after the timestamp proved the signature existed.
			b.pki.Revoke(b.signer, b.pki.Now().Add(time.Minute), 1)
			b.pki.SetClock(func() time.Time { return time.Now().Add(time.Hour) })
			s := requireSig(t, b.verify(t, pdf), 0, TotalPassed, NoSubIndication)
			require.Equal(t, "signature_timestamp", s.ValidationTimeSource)
		})
	}
}

func TestPDFTwoSignatures(t *testing.T) {
	b := setupPDF(t)
	second := b.pki.NewSigner(t, "Trần Thị B", testpki.Options{KeyType: testpki.ECDSAP256})
	pdf := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT})
	pdf = testpdf.Sign(t, pdf, second, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT})
	rep := b.verify(t, pdf)
	require.Equal(t, TotalPassed, rep.Indication)
	first := requireSig(t, rep, 0, TotalPassed, NoSubIndication)
	require.Equal(t, CoverageEntireRevision, first.ByteRange.Coverage)
	require.NotNil(t, first.Changes)
	require.Empty(t, first.Changes.Disallowed)
	require.NotEmpty(t, first.Changes.Allowed)
	last := requireSig(t, rep, 1, TotalPassed, NoSubIndication)
	require.Equal(t, CoverageEntireFile, last.ByteRange.Coverage)
	require.Equal(t, "Trần Thị B", last.Signer.CommonName)
}

func TestPDFCertificationFormChanges(t *testing.T) {
	b := setupPDF(t)
	doc := base(t, testpdf.BaseOptions{FormFields: []string{"ho_ten"}})
	for _, tc := range []struct {
		name   string
		kind   testpdf.Kind
		docMDP int
		change func(t *testing.T, pdf []byte) []byte
		want   Indication
	}{
		{"P2 fill field", testpdf.Certification, 2, func(t *testing.T, p []byte) []byte { return testpdf.FillField(t, p, "ho_ten", "Lê Văn C") }, TotalPassed},
		{"P1 fill field", testpdf.Certification, 1, func(t *testing.T, p []byte) []byte { return testpdf.FillField(t, p, "ho_ten", "Lê Văn C") }, TotalFailed},
		// With approval signatures only, form filling is allowed as under P=2 (pyHanko's rule), and listed.
		{"approval fill field", testpdf.Approval, 0, func(t *testing.T, p []byte) []byte { return testpdf.FillField(t, p, "ho_ten", "Lê Văn C") }, TotalPassed},
		{"approval add annotation", testpdf.Approval, 0, func(t *testing.T, p []byte) []byte { return testpdf.AddAnnotation(t, p, 1, "ghi chú") }, TotalFailed},
		{"P3 add annotation", testpdf.Certification, 3, func(t *testing.T, p []byte) []byte { return testpdf.AddAnnotation(t, p, 1, "ghi chú") }, TotalPassed},
		{"P2 add annotation", testpdf.Certification, 2, func(t *testing.T, p []byte) []byte { return testpdf.AddAnnotation(t, p, 1, "ghi chú") }, TotalFailed},
		{"P2 rewrite page", testpdf.Certification, 2, func(t *testing.T, p []byte) []byte {
			return testpdf.RewritePageContents(t, p, 1, testpdf.PageText("Nội dung giả mạo"))
		}, TotalFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pdf := testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{Kind: tc.kind, DocMDP: tc.docMDP, Level: testpdf.LevelBLT})
			pdf = tc.change(t, pdf)
			rep := b.verify(t, pdf)
			s := rep.Signatures[0]
			require.Equal(t, tc.want, s.Indication, "problems: %v", s.Problems)
			if tc.kind == testpdf.Certification {
				require.Equal(t, KindCertification, s.Kind)
				require.Equal(t, tc.docMDP, s.DocMDPPermissions)
			}
			if tc.want == TotalFailed {
				require.Equal(t, DisallowedChanges, s.SubIndication)
				require.NotEmpty(t, s.Changes.Disallowed)
			} else {
				require.Empty(t, s.Changes.Disallowed)
			}
		})
	}
}

func TestPDFAttacks(t *testing.T) {
	b := setupPDF(t)
	signed := func(t *testing.T, o testpdf.BaseOptions, so testpdf.SignOptions) []byte {
		so.Level = testpdf.LevelBLT
		return testpdf.Sign(t, base(t, o), b.signer, b.pki, so)
	}
	cases := []struct {
		name string
		make func(t *testing.T) []byte
		sub  SubIndication
		hint string // a word the problems must mention
	}{
		{"page content rewritten", func(t *testing.T) []byte {
			return testpdf.RewritePageContents(t, signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{}), 1, testpdf.PageText("Số tiền: 999.999.999 đồng"))
		}, DisallowedChanges, "page"},
		{"tail uncovered", func(t *testing.T) []byte {
			return signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{ByteRange: testpdf.ByteRangeTail(40)})
		}, FormatFailure, "revision"},
		{"tail uncovered rewritten", func(t *testing.T) []byte {
			return testpdf.TailUncovered(t, signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{}), 0, 20)
		}, FormatFailure, ""},
		{"overlapping ranges", func(t *testing.T) []byte {
			return testpdf.OverlappingByteRange(t, signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{}), 0)
		}, FormatFailure, "overlap"},
		{"gap larger than contents", func(t *testing.T) []byte {
			return signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{ByteRange: testpdf.ByteRangeGap(10)})
		}, FormatFailure, "/Contents"},
		{"signature wrapping", func(t *testing.T) []byte {
			pdf := signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{ByteRangeAfterContents: true, Engine: testpdf.EngineNative})
			return testpdf.SignatureWrapping(t, pdf, 0, testpdf.PageRewriteObjects(t, pdf, 1, testpdf.PageText("Quyết định giả")))
		}, FormatFailure, "/Contents"},
		{"shadow made visible", func(t *testing.T) []byte {
			d := testpdf.Base(testpdf.BaseOptions{Shadow: true})
			pdf := testpdf.Sign(t, d.Bytes, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT})
			return testpdf.ShowShadow(t, pdf, 1, d.Shadow)
		}, DisallowedChanges, "page"},
		{"empty contents", func(t *testing.T) []byte {
			return testpdf.EmptyContents(t, signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{}), 0)
		}, FormatFailure, "empty"},
		{"zero contents", func(t *testing.T) []byte {
			return testpdf.ZeroContents(t, signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{}), 0)
		}, FormatFailure, "empty"},
		{"garbage contents", func(t *testing.T) []byte {
			return testpdf.GarbageContents(t, signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{}), 0)
		}, FormatFailure, ""},
		{"missing byte range", func(t *testing.T) []byte {
			return testpdf.RemoveByteRange(t, signed(t, testpdf.BaseOptions{}, testpdf.SignOptions{}), 0)
		}, FormatFailure, "/ByteRange"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			rep := b.verify(t, tc.make(t))
			require.Equal(t, TotalFailed, rep.Indication, "%+v", rep.Signatures)
			s := requireSig(t, rep, 0, TotalFailed, tc.sub)
			if tc.hint != "" {
				require.Contains(t, strings.Join(s.Problems, "\n"), tc.hint)
			}
		})
	}
}

func TestPDFUnsignedAndUnreadable(t *testing.T) {
	b := setupPDF(t)
	rep := b.verify(t, base(t, testpdf.BaseOptions{SignatureField: "Chữ ký lãnh đạo"}))
	require.Equal(t, Indeterminate, rep.Indication)
	require.Equal(t, NoSignature, rep.SubIndication)
	require.Equal(t, []string{"Chữ ký lãnh đạo"}, rep.UnsignedFields)

	for name, data := range map[string][]byte{
		"empty":     {},
		"not a pdf": []byte("<html>hello</html>"),
		"truncated": base(t, testpdf.BaseOptions{})[:200],
	} {
		t.Run(name, func(t *testing.T) {
			rep, err := b.v.Verify(context.Background(), bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err, "an unreadable file is a verdict")
			requireUnreadable(t, rep, "pdf")
		})
	}
}

// requireUnreadable checks the verdict on a file that is not a readable
// PDF or CMS: TOTAL_FAILED/FORMAT_FAILURE, the detail in Error and in the
// reason file.unreadable.
func requireUnreadable(t *testing.T, rep *Report, format string) {
	t.Helper()
	require.NotNil(t, rep)
	require.Equal(t, TotalFailed, rep.Indication)
	require.Equal(t, FormatFailure, rep.SubIndication)
	require.Equal(t, format, rep.Format)
	require.NotEmpty(t, rep.Error)
	require.True(t, rep.Unreadable())
	require.Equal(t, ReasonUnreadable, rep.Reason.Code)
	require.Equal(t, rep.Error, rep.Reason.Params["detail"])
	require.Empty(t, rep.Signatures)
	require.NotNil(t, rep.Signatures, "the JSON schema keeps the empty list")
}

// A reader that fails is an error, not a verdict on the file.
func TestPDFReadFailureIsAnError(t *testing.T) {
	b := setupPDF(t)
	_, err := b.v.Verify(context.Background(), failingReader{}, 1<<20)
	require.Error(t, err)
}

type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestPDFXRefStreamDocument(t *testing.T) {
	b := setupPDF(t)
	pdf := testpdf.Sign(t, base(t, testpdf.BaseOptions{XRefStream: true}), b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT})
	requireSig(t, b.verify(t, pdf), 0, TotalPassed, NoSubIndication)
}

func TestDetached(t *testing.T) {
	b := setupPDF(t)
	content := []byte("<baocao ky=\"2026-Q1\">Báo cáo số hóa</baocao>")
	sig := testpdf.DetachedCMS(t, content, b.signer, b.pki, testpdf.CMSOptions{})
	rep, err := b.v.VerifyDetached(context.Background(), sig, bytes.NewReader(content), int64(len(content)))
	require.NoError(t, err)
	require.Equal(t, "cms", rep.Format)
	require.Len(t, rep.Signatures, 1)
	require.True(t, rep.Signatures[0].DigestMatches)
	require.NotEqual(t, TotalFailed, rep.Indication)

	changed := append([]byte{}, content...)
	changed[3] ^= 1
	rep, err = b.v.VerifyDetached(context.Background(), sig, bytes.NewReader(changed), int64(len(changed)))
	require.NoError(t, err)
	requireSig(t, rep, 0, TotalFailed, HashFailure)

	rep, err = b.v.VerifyDetached(context.Background(), []byte("not cms"), bytes.NewReader(content), int64(len(content)))
	require.NoError(t, err)
	requireUnreadable(t, rep, "cms")
	require.Contains(t, rep.Error, "not a CMS signature")
}

func TestPDFSignatureWrappingReportsHiddenBytes(t *testing.T) {
	b := setupPDF(t)
	pdf := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT, ByteRangeAfterContents: true, Engine: testpdf.EngineNative})
	pdf = testpdf.SignatureWrapping(t, pdf, 0, testpdf.PageRewriteObjects(t, pdf, 1, testpdf.PageText("Quyết định giả")))
	rep := b.verify(t, pdf)
	require.Equal(t, TotalFailed, rep.Indication)
	require.Contains(t, strings.Join(rep.Problems, "\n"), "belong to no object")
	s := rep.Signatures[0]
	require.Equal(t, CoverageAnomalous, s.ByteRange.Coverage)
	require.True(t, s.DigestMatches, "the wrapped bytes still hash correctly; only the structure betrays the attack")
}

// @signpdf signs up to "%%EOF" without the newline after it: the line end
// left out means nothing. One byte more left out is an uncovered tail.
func TestPDFByteRangeEndsAtEOFMarker(t *testing.T) {
	b := setupPDF(t)
	upTo := func(n int64) func(a, c, L int64) []int64 {
		return func(a, c, L int64) []int64 { return []int64{0, a, c, L - c - n} }
	}
	pdf := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT, ByteRange: upTo(1)})
	require.True(t, bytes.HasSuffix(pdf, []byte("%%EOF\n")))
	s := requireSig(t, b.verify(t, pdf), 0, TotalPassed, NoSubIndication)
	require.Equal(t, CoverageEntireFile, s.ByteRange.Coverage)

	pdf = testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT, ByteRange: upTo(2)})
	s = requireSig(t, b.verify(t, pdf), 0, TotalFailed, FormatFailure)
	require.Equal(t, CoverageAnomalous, s.ByteRange.Coverage)
}

// A /SubFilter sohoa does not implement (or none) is INDETERMINATE with
// the reason, while a CMS value is still checked: tampering it reveals,
// including renaming the /SubFilter of a signed document, stays
// TOTAL_FAILED.
func TestPDFUnsupportedSubFilter(t *testing.T) {
	b := setupPDF(t)
	doc := base(t, testpdf.BaseOptions{})
	pbad := testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{SubFilter: "PBAD.PAdES", Engine: testpdf.EngineNative, Level: testpdf.LevelBT})
	rep := b.verify(t, pbad)
	require.Equal(t, Indeterminate, rep.Indication)
	s := requireSig(t, rep, 0, Indeterminate, SigConstraintsFailure)
	require.Equal(t, "PBAD.PAdES", s.SubFilter)
	require.Contains(t, s.Problems[0], "sohoa does not support the signature format /SubFilter /PBAD.PAdES")
	require.Contains(t, s.Problems[0], "no sign of tampering")
	require.True(t, s.DigestMatches)
	require.True(t, s.SignatureValid)
	require.Equal(t, "Nguyễn Văn A", s.Signer.CommonName)
	require.Empty(t, s.PAdESLevel)

	// The same signature after the page was rewritten.
	tampered := testpdf.RewritePageContents(t, pbad, 1, testpdf.PageText("Số tiền: 999.999.999 đồng"))
	requireSig(t, b.verify(t, tampered), 0, TotalFailed, DisallowedChanges)

	// Renaming the /SubFilter of a valid signature changes signed bytes.
	signed := testpdf.Sign(t, doc, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT})
	requireSig(t, b.verify(t, signed), 0, TotalPassed, NoSubIndication)
	renamed := bytes.Replace(signed, []byte("/SubFilter /adbe.pkcs7.detached"), []byte("/SubFilter /adbe.pkcs7.detacheX"), 1)
	require.NotEqual(t, signed, renamed)
	s = requireSig(t, b.verify(t, renamed), 0, TotalFailed, HashFailure)
	require.Contains(t, strings.Join(s.Warnings, "\n"), "/SubFilter /adbe.pkcs7.detacheX")

	// A value that is not a CMS at all: nothing can be checked.
	garbage := testpdf.GarbageContents(t, pbad, 0)
	s = requireSig(t, b.verify(t, garbage), 0, Indeterminate, SigConstraintsFailure)
	require.Contains(t, s.Problems[0], "not a CMS signature")
}

// Without /SubFilter (optional in ISO 32000-1) the value is read as a
// detached CMS the same way.
func TestNoSubFilter(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	run := func(der []byte) SignatureReport {
		sr := SignatureReport{Indication: TotalPassed}
		e.v.checkUnsupportedSubFilter(context.Background(), &sr, der, e.content(), e.fresh(), "")
		return sr
	}
	good := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
	sr := run(good)
	requireResult(t, sr, Indeterminate, SigConstraintsFailure)
	require.Contains(t, sr.Problems[0], "has no /SubFilter")

	// A format failure as a detached CMS (here: encapsulated content) may
	// only mean the format differs: still INDETERMINATE, the finding shown.
	sum := sha1.Sum(e.data)
	sr = run(cmsBuild{signer: signer, content: e.data, eContent: sum[:], hash: crypto.SHA256}.build(t))
	requireResult(t, sr, Indeterminate, SigConstraintsFailure)
	require.Contains(t, strings.Join(sr.Warnings, "\n"), "read as adbe.pkcs7.detached: the CMS encapsulates")

	e.data = append([]byte("changed "), e.data...)
	requireResult(t, run(good), TotalFailed, HashFailure)
	requireResult(t, run(cmsBuild{signer: signer, content: e.data, tamper: true}.build(t)), TotalFailed, SigCryptoFailure)
}

// Encrypted files: the empty user password ("permissions only") is read and
// verified; a file that needs a password is INDETERMINATE when signed, with
// what could be checked still checked, and unreadable otherwise.
func TestPDFEncrypted(t *testing.T) {
	b := setupPDF(t)
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("testdata", "encrypted", name))
		require.NoError(t, err)
		return data
	}
	t.Run("owner password only, signed after encryption", func(t *testing.T) {
		pdf := testpdf.Sign(t, read("owner-only-unsigned.pdf"), b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
		rep := b.verify(t, pdf)
		require.NotNil(t, rep.Encryption)
		require.True(t, rep.Encryption.Decrypted)
		require.Equal(t, "AES-256", rep.Encryption.Algorithm)
		requireSig(t, rep, 0, TotalPassed, NoSubIndication)
	})
	t.Run("user password, signed", func(t *testing.T) {
		pdf := testpdf.Sign(t, read("locked-unsigned.pdf"), b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT, Reason: "Phê duyệt"})
		rep := b.verify(t, pdf)
		require.False(t, rep.Encryption.Decrypted)
		require.Contains(t, rep.Encryption.Reason, "user password")
		s := requireSig(t, rep, 0, Indeterminate, SignedDataNotFound)
		require.True(t, s.DigestMatches)
		require.True(t, s.SignatureValid)
		require.True(t, s.ChainTrusted)
		require.Empty(t, s.Reason, "strings of a file sohoa cannot decrypt are not shown")
		require.Contains(t, strings.Join(s.Problems, "\n"), "needs a user password")

		// Tampering the raw bytes still shows.
		i := bytes.Index(pdf, []byte("/MediaBox"))
		bad := bytes.Clone(pdf)
		bad[i+2] ^= 1
		requireSig(t, b.verify(t, bad), 0, TotalFailed, HashFailure)
	})
	t.Run("user password, unsigned", func(t *testing.T) {
		data := read("locked-unsigned.pdf")
		rep, err := b.v.Verify(context.Background(), bytes.NewReader(data), int64(len(data)))
		require.NoError(t, err)
		requireUnreadable(t, rep, "pdf")
		require.Contains(t, rep.Error, "needs a user password")
	})
	t.Run("encryption added after signing", func(t *testing.T) {
		signed := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
		// An update that adds an /Encrypt dictionary needing a password,
		// copied from a qpdf-encrypted file.
		locked := read("locked-unsigned.pdf")
		ltr, err := testpdf.ReadTrailer(locked)
		require.NoError(t, err)
		encRef, _ := testpdf.DictGet(ltr.Dict, "Encrypt")
		encNum, ok := testpdf.RefNum(encRef)
		require.True(t, ok)
		encBody, err := testpdf.Object(locked, encNum)
		require.NoError(t, err)
		str, err := testpdf.ReadTrailer(signed)
		require.NoError(t, err)
		n := str.Size
		var u bytes.Buffer
		u.Write(signed)
		off := u.Len()
		fmt.Fprintf(&u, "%d 0 obj\n%s\nendobj\n", n, encBody)
		xref := u.Len()
		fmt.Fprintf(&u, "xref\n%d 1\n%010d 00000 n\r\ntrailer\n<< /Size %d /Root %d 0 R /Encrypt %d 0 R /ID %s /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
			n, off, n+1, str.Root, n, ltr.ID, str.StartXRef, xref)
		rep := b.verify(t, u.Bytes())
		requireSig(t, rep, 0, TotalFailed, DisallowedChanges)
	})
}

// Broken cross-reference data in a later revision is rebuilt from the
// revision's bytes and analysed like any other: a sloppy writer's honest
// signature passes (with a warning), a change hidden behind a broken table
// fails, and a damaged header fails the signature that covers it.
func TestPDFRepairedRevisions(t *testing.T) {
	b := setupPDF(t)
	signed := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT})
	// breakXref points the last startxref a few bytes off.
	breakXref := func(pdf []byte) []byte {
		i := bytes.LastIndex(pdf, []byte("startxref\n"))
		require.Positive(t, i)
		j := i + len("startxref\n")
		k := j + bytes.IndexByte(pdf[j:], '\n')
		var off int
		_, err := fmt.Sscanf(string(pdf[j:k]), "%d", &off)
		require.NoError(t, err)
		return append(append(bytes.Clone(pdf[:j]), fmt.Sprintf("%d", off+3)...), pdf[k:]...)
	}
	t.Run("second signature with a broken startxref", func(t *testing.T) {
		pdf := testpdf.Sign(t, signed, b.signer, b.pki, testpdf.SignOptions{Engine: testpdf.EngineNative, Level: testpdf.LevelBLT, Visible: true})
		// The second signature covers its startxref: break the xref of an
		// update after it instead, made by a sloppy DSS writer.
		pdf = breakXref(testpdf.AddDSS(t, pdf, testpdf.ValidationData(t, b.pki, b.pki.Now(), b.signer)))
		rep := b.verify(t, pdf)
		require.True(t, rep.Repaired)
		require.Contains(t, strings.Join(rep.Problems, "\n"), "revision 4")
		s := requireSig(t, rep, 0, TotalPassed, NoSubIndication)
		require.Contains(t, strings.Join(s.Warnings, "\n"), "repaired")
		requireSig(t, rep, 1, TotalPassed, NoSubIndication)
	})
	t.Run("page rewritten behind a broken table", func(t *testing.T) {
		pdf := breakXref(testpdf.RewritePageContents(t, signed, 1, testpdf.PageText("Số tiền: 999.999.999 đồng")))
		rep := b.verify(t, pdf)
		require.True(t, rep.Repaired)
		require.Equal(t, TotalFailed, rep.Indication)
		s := requireSig(t, rep, 0, TotalFailed, DisallowedChanges)
		require.Contains(t, strings.Join(s.Problems, "\n"), "page")
	})
	t.Run("damaged header", func(t *testing.T) {
		pdf := bytes.Clone(signed)
		require.True(t, bytes.HasPrefix(pdf, []byte("%PDF-1.7")))
		copy(pdf, "%PDX-1.7")
		rep := b.verify(t, pdf)
		require.Contains(t, strings.Join(rep.Problems, "\n"), "header")
		requireSig(t, rep, 0, TotalFailed, HashFailure)
	})
}

// Readers take the first or the last of a repeated key: a signature
// dictionary that gives /ByteRange twice is ambiguous even when the value
// sohoa reads (the last, as qpdf) verifies.
func TestPDFDuplicateSignatureKeys(t *testing.T) {
	b := setupPDF(t)
	pdf := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{
		Level: testpdf.LevelBLT, SigDictPrefix: "/ByteRange[0 100 200 300] "})
	rep := b.verify(t, pdf)
	s := requireSig(t, rep, 0, TotalFailed, FormatFailure)
	require.True(t, s.DigestMatches, "the last /ByteRange is the one really signed")
	require.Contains(t, strings.Join(s.Problems, "\n"), "/ByteRange twice")

	// A repeated key of no consequence (pdfsign repeats /Version in the
	// catalog) changes nothing.
	requireSig(t, b.verify(t, testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{
		Level: testpdf.LevelBLT, SigDictPrefix: "/Name (x) "})), 0, TotalPassed, NoSubIndication)
}

// Bytes after the last %%EOF (a scanner's file still being written, or
// data appended without a cross-reference section) are said, not silent.
func TestPDFUnsignedTail(t *testing.T) {
	b := setupPDF(t)
	signed := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT})
	// A second signature's update, cut in half: the first revision still
	// verifies, and the half written after it is reported.
	two := testpdf.Sign(t, signed, b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT, Engine: testpdf.EngineNative})
	half := two[:len(signed)+(len(two)-len(signed))/2]
	rep := b.verify(t, half)
	s := requireSig(t, rep, 0, TotalPassed, NoSubIndication)
	require.Contains(t, strings.Join(rep.Problems, "\n"), "belong to no revision")
	require.Contains(t, strings.Join(s.Warnings, "\n"), "no signature covers them")

	// Trailing white space is not a tail.
	rep = b.verify(t, append(bytes.Clone(signed), "\n\n  \n"...))
	require.NotContains(t, strings.Join(rep.Problems, "\n"), "belong to no revision")
}
