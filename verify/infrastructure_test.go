package verify

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"math/big"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/internal/vntrust"
)

// The Government CA's certificate policy arc, as the real G2 CAs carry it.
var oidVGCAPolicy = asn1.ObjectIdentifier{2, 16, 704, 1, 1, 1, 1, 1}

// lookalike is a locally made hierarchy shaped like one of Vietnam's: a
// root whose subject is byte for byte the real root's (own key, never the
// real one), an issuing CA under it and a signer.
type lookalike struct {
	root, inter, signer *testpki.Cert
}

func builtinRoot(t *testing.T, in vntrust.Infrastructure) *x509.Certificate {
	t.Helper()
	for _, c := range vntrust.All() {
		if c.Role == vntrust.RoleRoot && c.Infrastructure == in {
			return c.Cert
		}
	}
	t.Fatalf("no built-in %s root", in)
	return nil
}

func newLookalike(t *testing.T, p *testpki.PKI, real *x509.Certificate, interName string) *lookalike {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		RawSubject:            real.RawSubject,
		NotBefore:             testpki.DefaultNotBefore,
		NotAfter:              testpki.DefaultNotAfter,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		SubjectKeyId:          []byte("sohoa lookalike root " + interName),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	require.Equal(t, real.RawSubject, cert.RawSubject)
	require.False(t, cert.Equal(real))
	root := &testpki.Cert{Cert: cert, Key: key, DER: der}

	subj := real.Subject
	subj.Names, subj.ExtraNames = nil, nil
	subj.CommonName = interName
	inter := p.NewCert(t, root, testpki.Options{IsCA: true, Subject: subj, Policies: []asn1.ObjectIdentifier{oidVGCAPolicy}})
	signer := p.NewCert(t, inter, testpki.Options{Subject: testpki.DefaultSubject("Trần Văn Bình"), Policies: []asn1.ObjectIdentifier{oidVGCAPolicy}})
	return &lookalike{root: root, inter: inter, signer: signer}
}

func (l *lookalike) evidence(t *testing.T, p *testpki.PKI, now time.Time) evidence {
	at := now.Add(-time.Hour)
	return evidence{CRLs: [][]byte{
		p.CRL(t, l.inter, at, at.Add(7*24*time.Hour)),
		p.CRL(t, l.root, at, at.Add(7*24*time.Hour)),
	}}
}

// signBare signs data with the signer alone in the CMS (no issuing CA),
// as some signing tools do.
func signBare(t *testing.T, signer *testpki.Cert, data []byte) []byte {
	t.Helper()
	sd, err := pkcs7.NewSignedData(data)
	require.NoError(t, err)
	sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
	require.NoError(t, sd.AddSigner(signer.Cert, signer.Key, pkcs7.SignerInfoConfig{}))
	sd.Detach()
	der, err := sd.Finish()
	require.NoError(t, err)
	return der
}

func sha256Hex(c *x509.Certificate) string {
	s := sha256.Sum256(c.Raw)
	return hex.EncodeToString(s[:])
}

// A root named exactly like the Government CA's root, but with its own
// key, is a unit-configured anchor, not the Government CA: the
// infrastructure is decided by the anchor's fingerprint. Told that its
// fingerprint is the Government CA's, the classifier says gov.
func TestInfrastructureByFingerprintNotName(t *testing.T) {
	gov := builtinRoot(t, vntrust.Gov)
	e := newCMSEnv(t)
	l := newLookalike(t, e.pki, gov, "CA phục vụ các cơ quan Nhà nước G2")
	sig := pkcs7Sign(t, l.signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)

	for _, tc := range []struct {
		name  string
		infra map[string]TrustInfrastructure
		want  TrustInfrastructure
	}{
		{"default classifier (the real roots' fingerprints)", nil, InfraConfigured},
		{"the test root's fingerprint injected as gov", map[string]TrustInfrastructure{sha256Hex(l.root.Cert): InfraGov}, InfraGov},
		{"the test root's fingerprint injected as public", map[string]TrustInfrastructure{sha256Hex(l.root.Cert): InfraPublic}, InfraPublic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, err := New(Config{
				TrustAnchors:    append(vntrust.Roots(), l.root.Cert),
				Intermediates:   vntrust.Intermediates(),
				Infrastructures: tc.infra,
				Now:             func() time.Time { return e.now },
			})
			require.NoError(t, err)
			e.v = v
			sr := e.check(sig, l.evidence(t, e.pki, e.now), "adbe.pkcs7.detached")
			requireResult(t, sr, TotalPassed, NoSubIndication)
			require.True(t, sr.ChainTrusted)
			require.Equal(t, tc.want, sr.TrustInfrastructure)
			require.Equal(t, sha256Hex(l.root.Cert), sr.Chain[len(sr.Chain)-1].SHA256)
		})
	}

	// The real roots are classified by their fingerprints.
	v, err := New(Config{})
	require.NoError(t, err)
	require.Equal(t, InfraGov, v.infrastructureOf([]*x509.Certificate{gov}))
	require.Equal(t, InfraPublic, v.infrastructureOf([]*x509.Certificate{builtinRoot(t, vntrust.Public)}))
	require.Equal(t, InfraConfigured, v.infrastructureOf([]*x509.Certificate{l.root.Cert}))
	require.Equal(t, InfraConfigured, v.infrastructureOf([]*x509.Certificate{e.pki.Root.Cert}))
}

// An intermediate offered by configuration completes a path the
// signature does not carry; without it there is none. It is never an
// anchor: a signer it issued directly does not pass when its root is not
// trusted.
func TestOfferedIntermediates(t *testing.T) {
	e := newCMSEnv(t)
	l := newLookalike(t, e.pki, builtinRoot(t, vntrust.Public), "VNPT-CA SHA2 (test)")
	sig := signBare(t, l.signer, e.data)
	ev := l.evidence(t, e.pki, e.now)
	clock := func() time.Time { return e.now }

	v, err := New(Config{TrustAnchors: []*x509.Certificate{l.root.Cert}, Now: clock})
	require.NoError(t, err)
	e.v = v
	sr := e.check(sig, ev, "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, NoCertificateChainFound)
	require.Empty(t, sr.Reasons, "a missing intermediate is not an unknown root")

	v, err = New(Config{TrustAnchors: []*x509.Certificate{l.root.Cert}, Intermediates: []*x509.Certificate{l.inter.Cert}, Now: clock})
	require.NoError(t, err)
	e.v = v
	sr = e.check(sig, ev, "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Len(t, sr.Chain, 3)
	require.Equal(t, InfraConfigured, sr.TrustInfrastructure)

	v, err = New(Config{TrustAnchors: []*x509.Certificate{e.pki.Root.Cert}, Intermediates: []*x509.Certificate{l.inter.Cert, l.root.Cert}, Now: clock})
	require.NoError(t, err)
	e.v = v
	sr = e.check(sig, ev, "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, NoCertificateChainFound)
	require.False(t, sr.ChainTrusted)

	// The offered intermediates count in the anchor set's identity.
	a, err := New(Config{TrustAnchors: []*x509.Certificate{l.root.Cert}})
	require.NoError(t, err)
	b, err := New(Config{TrustAnchors: []*x509.Certificate{l.root.Cert}, Intermediates: []*x509.Certificate{l.inter.Cert}})
	require.NoError(t, err)
	require.NotEqual(t, a.TrustAnchorsSHA256(), b.TrustAnchorsSHA256())
}

// A chain ending in an issuer named like a Vietnamese root that no anchor
// matches (a newer generation of the national root, a Government CA root
// the unit has not installed) is NO_CERTIFICATE_CHAIN_FOUND with the
// coded reason trust.unknown_vn_root, in both languages; an unrelated
// untrusted root is not.
func TestUnknownVietnameseRoot(t *testing.T) {
	e := newCMSEnv(t) // trusts the test PKI's root only
	for _, real := range []*x509.Certificate{builtinRoot(t, vntrust.Public), builtinRoot(t, vntrust.Gov)} {
		l := newLookalike(t, e.pki, real, "Issuing CA under "+real.Subject.CommonName)
		sr := e.check(pkcs7Sign(t, l.signer, e.data, pkcs7.OIDDigestAlgorithmSHA256), l.evidence(t, e.pki, e.now), "adbe.pkcs7.detached")
		requireResult(t, sr, Indeterminate, NoCertificateChainFound)
		require.Empty(t, sr.TrustInfrastructure)
		require.Equal(t, []sohoa.Reason{sohoa.NewReason(ReasonUnknownVNRoot, "issuer", real.Subject.CommonName)}, sr.Reasons)
		problemsContain(t, sr, "chains to a Vietnamese root sohoa does not know yet")
		problemsContain(t, sr, "sohoa trust add")
		en := sr.Reasons[0].Text(sohoa.LangEN)
		require.Contains(t, en, "chain to a Vietnamese root sohoa does not know yet")
		require.Contains(t, en, real.Subject.CommonName)
		require.Contains(t, en, "add it with `sohoa trust add`")
		require.Contains(t, sr.Reasons[0].Text(sohoa.LangVI), "chứng thư gốc của Việt Nam mà sohoa chưa biết")
	}

	other := testpki.NewUntrusted(t)
	sr := e.check(pkcs7Sign(t, other.NewSigner(t, "", testpki.Options{}), e.data, pkcs7.OIDDigestAlgorithmSHA256), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, NoCertificateChainFound)
	require.Empty(t, sr.Reasons)
	problemsContain(t, sr, "does not chain to a configured trust anchor")
}

// Every infrastructure has its words in both languages.
func TestInfrastructureWords(t *testing.T) {
	require.Equal(t, "chữ ký số chuyên dùng Chính phủ", sohoa.NewReason(InfraGov.Code()).Text(sohoa.LangVI))
	require.Equal(t, "chữ ký số công cộng", sohoa.NewReason(InfraPublic.Code()).Text(sohoa.LangVI))
	require.Equal(t, "chứng thư do đơn vị cấu hình", sohoa.NewReason(InfraConfigured.Code()).Text(sohoa.LangVI))
	require.Contains(t, sohoa.NewReason(InfraGov.Code()).Text(sohoa.LangEN), "Government")
	require.Empty(t, TrustInfrastructure("").Code())
}
