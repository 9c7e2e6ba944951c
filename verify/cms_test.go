package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sohoa/sohoa/internal/testpki"
)

// cmsEnv is the test bundle: a PKI, a verifier trusting its root, a fixed
// clock and fresh revocation data for the standard path.
type cmsEnv struct {
	t    *testing.T
	pki  *testpki.PKI
	v    *Verifier
	cfg  Config
	now  time.Time
	data []byte
}

func newCMSEnv(t *testing.T, mods ...func(*Config)) *cmsEnv {
	t.Helper()
	p := testpki.New(t)
	now := time.Now().UTC().Truncate(time.Second)
	p.SetClock(func() time.Time { return now })
	cfg := Config{TrustAnchors: []*x509.Certificate{p.Root.Cert}, Now: func() time.Time { return now }}
	for _, m := range mods {
		m(&cfg)
	}
	v, err := New(cfg)
	require.NoError(t, err)
	return &cmsEnv{t: t, pki: p, v: v, cfg: cfg, now: now, data: []byte("%PDF-1.7 the signed bytes of a dossier \x00\x01\x02")}
}

// restart replaces the verifier with a new one of the same configuration
// (a new process: an empty revocation cache, closed breakers).
func (e *cmsEnv) restart() {
	v, err := New(e.cfg)
	require.NoError(e.t, err)
	e.v = v
}

func (e *cmsEnv) content() signedContent {
	return signedContent{r: bytes.NewReader(e.data), ranges: [][2]int64{{0, int64(len(e.data))}}}
}

// crls are fresh CRLs of the intermediate (for signers, the TSA) and the
// root (for the intermediate), issued at at.
func (e *cmsEnv) crls(at time.Time) [][]byte {
	return [][]byte{
		e.pki.CRL(e.t, e.pki.Intermediate, at, at.Add(7*24*time.Hour)),
		e.pki.CRL(e.t, e.pki.Root, at, at.Add(7*24*time.Hour)),
	}
}

// fresh is evidence with CRLs issued an hour ago.
func (e *cmsEnv) fresh() evidence { return evidence{CRLs: e.crls(e.now.Add(-time.Hour))} }

func (e *cmsEnv) check(der []byte, ev evidence, subFilter string) SignatureReport {
	sr := SignatureReport{Indication: TotalPassed}
	e.v.checkCMS(context.Background(), &sr, der, e.content(), ev, subFilter)
	return sr
}

func requireResult(t *testing.T, sr SignatureReport, ind Indication, sub SubIndication) {
	t.Helper()
	require.Equal(t, ind, sr.Indication, "problems: %q warnings: %q", sr.Problems, sr.Warnings)
	require.Equal(t, sub, sr.SubIndication, "problems: %q warnings: %q", sr.Problems, sr.Warnings)
	if ind == TotalPassed {
		require.Empty(t, sr.Problems)
	} else {
		require.NotEmpty(t, sr.Problems)
	}
}

func problemsContain(t *testing.T, sr SignatureReport, sub string) {
	t.Helper()
	for _, p := range append(append([]string{}, sr.Problems...), sr.Warnings...) {
		if strings.Contains(p, sub) {
			return
		}
	}
	t.Fatalf("no problem or warning contains %q: problems %q warnings %q", sub, sr.Problems, sr.Warnings)
}

// pkcs7Sign builds a detached CMS with digitorus/pkcs7 (a third-party
// producer: contentType, messageDigest, signingTime signed attributes).
func pkcs7Sign(t testing.TB, signer *testpki.Cert, data []byte, digest asn1.ObjectIdentifier, extra ...pkcs7.Attribute) []byte {
	t.Helper()
	sd, err := pkcs7.NewSignedData(data)
	require.NoError(t, err)
	sd.SetDigestAlgorithm(digest)
	chain := signer.Chain()
	require.NoError(t, sd.AddSignerChain(signer.Cert, signer.Key, chain[1:len(chain)-1], pkcs7.SignerInfoConfig{ExtraSignedAttributes: extra}))
	sd.Detach()
	der, err := sd.Finish()
	require.NoError(t, err)
	return der
}

// cms.Attr for the builder.
type tAttr struct {
	oid    asn1.ObjectIdentifier
	values [][]byte
}

func mustDER(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	require.NoError(t, err)
	return b
}

// cmsBuild builds a CMS SignedData by hand, for what digitorus/pkcs7
// cannot produce (RSA-PSS, subjectKeyIdentifier, ESS, chosen attribute
// order, CMSAlgorithmProtection, broken structures).
type cmsBuild struct {
	signer       *testpki.Cert
	certs        []*x509.Certificate // nil: the signer's chain without the root
	noCerts      bool
	hash         crypto.Hash // default SHA-256
	sigAlg       asn1.ObjectIdentifier
	sigParams    []byte
	pss          bool
	pssSalt      int
	content      []byte
	eContent     []byte // encapsulated content (adbe.pkcs7.sha1)
	eContentType asn1.ObjectIdentifier
	noAttrs      bool
	attrs        []tAttr // replaces the default signed attributes
	extra        []tAttr // appended to them
	noESS        bool
	essV1        bool
	essCert      *x509.Certificate
	ski          bool
	unsigned     func(sig []byte) []tAttr
	crlsField    [][]byte
	tamper       bool
	digestAlgOID asn1.ObjectIdentifier
}

func algID(b *cryptobyte.Builder, oid asn1.ObjectIdentifier, params []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if params != nil {
			b.AddBytes(params)
		}
	})
}

func addAttrs(b *cryptobyte.Builder, attrs []tAttr) {
	for _, a := range attrs {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(a.oid)
			b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
				for _, v := range a.values {
					b.AddBytes(v)
				}
			})
		})
	}
}

func essV2DER(t testing.TB, c *x509.Certificate) []byte {
	sum := sha256.Sum256(c.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(sum[:])
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(4).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(c.RawIssuer)
						})
					})
					b.AddASN1BigInt(c.SerialNumber)
				})
			})
		})
	})
	return b.BytesOrPanic()
}

func essV1DER(t testing.TB, c *x509.Certificate) []byte {
	sum := sha1.Sum(c.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(sum[:])
			})
		})
	})
	return b.BytesOrPanic()
}

func pssParams(h crypto.Hash, salt int) []byte {
	oid := digestOIDFor(h)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { algID(b, oid, nil) })
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidMGF1)
				algID(b, oid, nil)
			})
		})
		b.AddASN1(cbasn1.Tag(2).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1Int64(int64(salt)) })
	})
	return b.BytesOrPanic()
}

func (c cmsBuild) build(t testing.TB) []byte {
	t.Helper()
	h := c.hash
	if h == 0 {
		h = crypto.SHA256
	}
	if _, ok := c.signer.Key.Public().(ed25519.PublicKey); ok && c.hash == 0 {
		h = crypto.SHA512
	}
	eType := c.eContentType
	if eType == nil {
		eType = oidData
	}
	signedData := c.content
	if c.eContent != nil {
		signedData = c.eContent
	}
	hw := h.New()
	hw.Write(signedData)
	md := hw.Sum(nil)

	var attrs []tAttr
	if !c.noAttrs {
		attrs = c.attrs
		if attrs == nil {
			attrs = []tAttr{
				{oidAttrContentType, [][]byte{mustDER(t, eType)}},
				{oidAttrMessageDigest, [][]byte{mustDER(t, md)}},
			}
			if !c.noESS {
				ec := c.essCert
				if ec == nil {
					ec = c.signer.Cert
				}
				if c.essV1 {
					attrs = append(attrs, tAttr{oidAttrSigningCertificate, [][]byte{essV1DER(t, ec)}})
				} else {
					attrs = append(attrs, tAttr{oidAttrSigningCertV2, [][]byte{essV2DER(t, ec)}})
				}
			}
		}
		attrs = append(attrs, c.extra...)
	}
	var signedAttrs []byte
	if !c.noAttrs {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { addAttrs(b, attrs) })
		signedAttrs = b.BytesOrPanic()
	}

	// Sign.
	var sig []byte
	var err error
	sigAlg, sigParams := c.sigAlg, c.sigParams
	msgDigest := md
	if signedAttrs != nil {
		w := h.New()
		w.Write(signedAttrs)
		msgDigest = w.Sum(nil)
	}
	switch pub := c.signer.Key.Public().(type) {
	case *rsa.PublicKey:
		if c.pss {
			salt := c.pssSalt
			if salt == 0 {
				salt = h.Size()
			}
			sig, err = c.signer.Key.Sign(rand.Reader, msgDigest, &rsa.PSSOptions{SaltLength: salt, Hash: h})
			if sigAlg == nil {
				sigAlg, sigParams = oidRSASSAPSS, pssParams(h, salt)
			}
		} else {
			sig, err = c.signer.Key.Sign(rand.Reader, msgDigest, h)
			if sigAlg == nil {
				sigAlg, sigParams = oidSHA256WithRSA, []byte{5, 0}
				switch h {
				case crypto.SHA1:
					sigAlg = oidSHA1WithRSA
				case crypto.SHA384:
					sigAlg = oidSHA384WithRSA
				case crypto.SHA512:
					sigAlg = oidSHA512WithRSA
				}
			}
		}
	case *ecdsa.PublicKey:
		sig, err = c.signer.Key.Sign(rand.Reader, msgDigest, h)
		if sigAlg == nil {
			sigAlg = map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: oidECDSAWithSHA1, crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384, crypto.SHA512: oidECDSAWithSHA512}[h]
		}
	case ed25519.PublicKey:
		require.NotNil(t, signedAttrs, "Ed25519 needs signed attributes here")
		sig, err = c.signer.Key.Sign(rand.Reader, signedAttrs, crypto.Hash(0))
		if sigAlg == nil {
			sigAlg = oidEd25519
		}
		_ = pub
	}
	require.NoError(t, err)
	if c.tamper {
		sig[len(sig)/2] ^= 0x40
	}
	var unsigned []tAttr
	if c.unsigned != nil {
		unsigned = c.unsigned(sig)
	}
	certs := c.certs
	if certs == nil && !c.noCerts {
		chain := c.signer.Chain()
		certs = chain[:len(chain)-1]
	}
	dAlg := c.digestAlgOID
	if dAlg == nil {
		dAlg = digestOIDFor(h)
	}

	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidSignedData)
		b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1Int64(map[bool]int64{true: 3, false: 1}[c.ski])
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { algID(b, dAlg, nil) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(eType)
					if c.eContent != nil {
						b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(c.eContent)
						})
					}
				})
				if len(certs) > 0 {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						for _, x := range certs {
							b.AddBytes(x.Raw)
						}
					})
				}
				if len(c.crlsField) > 0 {
					b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						for _, x := range c.crlsField {
							b.AddBytes(x)
						}
					})
				}
				b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1Int64(map[bool]int64{true: 3, false: 1}[c.ski])
						if c.ski {
							b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(c.signer.Cert.SubjectKeyId) })
						} else {
							b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
								b.AddBytes(c.signer.Cert.RawIssuer)
								b.AddASN1BigInt(c.signer.Cert.SerialNumber)
							})
						}
						algID(b, dAlg, nil)
						if signedAttrs != nil {
							b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { addAttrs(b, attrs) })
						}
						algID(b, sigAlg, sigParams)
						b.AddASN1OctetString(sig)
						if len(unsigned) > 0 {
							b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { addAttrs(b, unsigned) })
						}
					})
				})
			})
		})
	})
	return b.BytesOrPanic()
}

func TestCMSValidPKCS7Producer(t *testing.T) {
	e := newCMSEnv(t)
	for _, kt := range []string{testpki.RSA2048, testpki.RSA3072, testpki.ECDSAP256, testpki.ECDSAP384, testpki.Ed25519} {
		t.Run(kt, func(t *testing.T) {
			signer := e.pki.NewSigner(t, "", testpki.Options{KeyType: kt})
			digest := pkcs7.OIDDigestAlgorithmSHA256
			if kt == testpki.Ed25519 || kt == testpki.ECDSAP384 {
				digest = pkcs7.OIDDigestAlgorithmSHA512
			}
			der := pkcs7Sign(t, signer, e.data, digest)
			// PDF /Contents is zero-padded after the DER.
			padded := append(der, make([]byte, 512)...)
			sr := e.check(padded, e.fresh(), "adbe.pkcs7.detached")
			requireResult(t, sr, TotalPassed, NoSubIndication)
			require.True(t, sr.DigestMatches)
			require.True(t, sr.SignatureValid)
			require.True(t, sr.ChainTrusted)
			require.Len(t, sr.Chain, 3)
			require.Equal(t, "Nguyễn Văn A", sr.Signer.CommonName)
			require.NotNil(t, sr.ClaimedSigningTime, "pkcs7 writes a signingTime attribute")
			require.Equal(t, "current_time", sr.ValidationTimeSource)
			require.Equal(t, e.now, sr.ValidationTime)
			require.False(t, sr.essBound, "pkcs7 writes no ESS attribute")
			require.Len(t, sr.Revocation, 2)
			for _, r := range sr.Revocation {
				require.Equal(t, "good", r.Status)
				require.Equal(t, "dss", r.Source)
				require.Equal(t, "crl", r.Kind)
			}
		})
	}
}

func TestCMSHandBuiltAlgorithms(t *testing.T) {
	e := newCMSEnv(t)
	rsaSigner := e.pki.NewSigner(t, "", testpki.Options{})
	cases := []struct {
		name string
		b    cmsBuild
		alg  string
	}{
		{"rsa-pkcs1-sha256", cmsBuild{signer: rsaSigner}, "RSA PKCS#1 v1.5 with SHA-256"},
		{"rsa-pkcs1-rsaEncryption-oid", cmsBuild{signer: rsaSigner, sigAlg: oidRSAEncryption, sigParams: []byte{5, 0}}, "RSA PKCS#1 v1.5 with SHA-256"},
		{"rsa-pss-sha256", cmsBuild{signer: rsaSigner, pss: true}, "RSASSA-PSS with SHA-256 (MGF1, salt 32)"},
		{"rsa-pss-sha384-salt20", cmsBuild{signer: rsaSigner, pss: true, hash: crypto.SHA384, pssSalt: 20}, "RSASSA-PSS with SHA-384 (MGF1, salt 20)"},
		{"rsa-sha512", cmsBuild{signer: rsaSigner, hash: crypto.SHA512}, "RSA PKCS#1 v1.5 with SHA-512"},
		{"ecdsa-p256", cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.ECDSAP256})}, "ECDSA with SHA-256"},
		{"ecdsa-p384", cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.ECDSAP384}), hash: crypto.SHA384}, "ECDSA with SHA-384"},
		{"ed25519", cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.Ed25519})}, "Ed25519"},
		{"ski-sid", cmsBuild{signer: rsaSigner, ski: true}, "RSA PKCS#1 v1.5 with SHA-256"},
		{"ess-v1", cmsBuild{signer: rsaSigner, essV1: true}, "RSA PKCS#1 v1.5 with SHA-256"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.content = e.data
			sr := e.check(tc.b.build(t), e.fresh(), "ETSI.CAdES.detached")
			requireResult(t, sr, TotalPassed, NoSubIndication)
			require.Equal(t, tc.alg, sr.SignatureAlgorithm)
			require.True(t, sr.essBound)
		})
	}
}

// issueP521 issues a P-521 signer from the PKI's intermediate by hand
// (testpki has no P-521 key type).
func issueP521(t *testing.T, p *testpki.PKI) *testpki.Cert {
	key, err := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(521521),
		Subject:      testpki.DefaultSubject("P-521 signer"),
		NotBefore:    testpki.DefaultNotBefore,
		NotAfter:     testpki.DefaultNotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.Intermediate.Cert, key.Public(), p.Intermediate.Key)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testpki.Cert{Cert: c, Key: key, DER: der, Issuer: p.Intermediate}
}

func TestCMSECDSAP521(t *testing.T) {
	e := newCMSEnv(t)
	signer := issueP521(t, e.pki)
	sr := e.check(cmsBuild{signer: signer, content: e.data, hash: crypto.SHA512}.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, "ECDSA with SHA-512", sr.SignatureAlgorithm)
	require.Equal(t, "ECDSA P-521", sr.Signer.KeyAlgorithm)
}

func TestCMSHashFailure(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	der := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
	e.data = append([]byte{}, e.data...)
	e.data[3] ^= 1
	sr := e.check(der, e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalFailed, HashFailure)
	require.False(t, sr.DigestMatches)
	require.True(t, sr.SignatureValid, "the signed attributes themselves are intact")
}

func TestCMSSignatureFlipped(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	for _, kt := range []string{"rsa", "pss", "ecdsa", "ed25519"} {
		t.Run(kt, func(t *testing.T) {
			b := cmsBuild{signer: signer, content: e.data, tamper: true}
			switch kt {
			case "pss":
				b.pss = true
			case "ecdsa":
				b.signer = e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.ECDSAP256})
			case "ed25519":
				b.signer = e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.Ed25519})
			}
			sr := e.check(b.build(t), e.fresh(), "adbe.pkcs7.detached")
			requireResult(t, sr, TotalFailed, SigCryptoFailure)
			require.True(t, sr.DigestMatches)
			require.False(t, sr.SignatureValid)
		})
	}
	t.Run("pkcs7-byte-flip", func(t *testing.T) {
		der := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
		// The RSA signature value is the last 256 bytes of the DER.
		der[len(der)-10] ^= 0xff
		sr := e.check(der, e.fresh(), "adbe.pkcs7.detached")
		requireResult(t, sr, TotalFailed, SigCryptoFailure)
	})
}

func TestCMSSHA1Policy(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	der := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA1)
	sr := e.check(der, e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
	problemsContain(t, sr, "the signature digests with SHA-1, which is too weak under the policy: it is acceptable only for material proven to exist before 2009-01-01, and nothing proves that")
	require.True(t, sr.SignatureValid, "the signature itself is sound; only the policy rejects it")
	for _, p := range sr.Problems {
		require.NotContains(t, strings.ToLower(p), "forg")
	}

	e2 := newCMSEnv(t, func(c *Config) { c.Policy = DefaultPolicy(); c.Policy.AllowSHA1 = true })
	signer2 := e2.pki.NewSigner(t, "", testpki.Options{})
	sr = e2.check(pkcs7Sign(t, signer2, e2.data, pkcs7.OIDDigestAlgorithmSHA1), e2.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, "SHA-1", sr.DigestAlgorithm)
}

func TestCMSRSA1024(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.RSA1024})
	sr := e.check(pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
	problemsContain(t, sr, "the signature was made with a 1024-bit RSA key (the policy's minimum is 2048 bits), which is too weak under the policy: it is acceptable only for material proven to exist before 2009-01-01")

	e2 := newCMSEnv(t, func(c *Config) { c.Policy = DefaultPolicy(); c.Policy.MinRSABits = 1024 })
	signer2 := e2.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.RSA1024})
	sr = e2.check(pkcs7Sign(t, signer2, e2.data, pkcs7.OIDDigestAlgorithmSHA256), e2.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
}

func TestCMSGarbage(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	good := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
	twoSigners := func() []byte {
		sd, err := pkcs7.NewSignedData(e.data)
		require.NoError(t, err)
		sd.SetDigestAlgorithm(pkcs7.OIDDigestAlgorithmSHA256)
		require.NoError(t, sd.AddSigner(signer.Cert, signer.Key, pkcs7.SignerInfoConfig{}))
		require.NoError(t, sd.AddSigner(signer.Cert, signer.Key, pkcs7.SignerInfoConfig{}))
		sd.Detach()
		der, err := sd.Finish()
		require.NoError(t, err)
		return der
	}()
	notSignedData := mustDER(t, struct {
		OID asn1.ObjectIdentifier
	}{oidData})
	deep := bytes.Repeat([]byte{0x30, 0x80}, 5000)
	cases := map[string][]byte{
		"empty":           {},
		"zeros":           make([]byte, 64),
		"text":            []byte("hello, this is not a signature"),
		"truncated":       good[:len(good)/2],
		"not-signed-data": notSignedData,
		"two-signers":     twoSigners,
		"deep-nesting":    deep,
		"huge-length":     {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff, 0x00},
		"bad-tag":         {0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	}
	for name, der := range cases {
		t.Run(name, func(t *testing.T) {
			sr := e.check(der, e.fresh(), "adbe.pkcs7.detached")
			requireResult(t, sr, TotalFailed, FormatFailure)
		})
	}
}

// Bytes after the SignedData inside the signature value are ignored with
// a warning: they are outside the signed range. Tampering still fails.
func TestCMSTrailingJunk(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	good := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
	junk := append(append(append([]byte{}, good...), 0, 0, 'x', 0x30, 0x82, 0xff), make([]byte, 300)...)
	sr := e.check(junk, e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	problemsContain(t, sr, "6 bytes that are not zero padding follow the signature's CMS structure")

	// Zero padding alone says nothing.
	sr = e.check(append(append([]byte{}, good...), make([]byte, 64)...), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Empty(t, sr.Warnings)

	// A second complete CMS after the first is junk too; the first decides.
	other := pkcs7Sign(t, signer, []byte("other content"), pkcs7.OIDDigestAlgorithmSHA256)
	sr = e.check(append(append([]byte{}, other...), good...), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalFailed, HashFailure)
	problemsContain(t, sr, "follow the signature's CMS structure")

	e.data = append([]byte("changed "), e.data...)
	sr = e.check(junk, e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalFailed, HashFailure)

	// The same for a document timestamp token.
	d := newCMSEnv(t)
	sum := sha256.Sum256(d.data)
	tok := append(d.pki.Timestamp(t, sum[:], crypto.SHA256, d.now.Add(-time.Hour)), 'j', 'u', 'n', 'k')
	ts := SignatureReport{Indication: TotalPassed}
	d.v.checkDocTimestamp(context.Background(), &ts, tok, d.content(), d.fresh())
	requireResult(t, ts, TotalPassed, NoSubIndication)
	problemsContain(t, ts, "follow the document timestamp's CMS structure")
}

// A repeated signed attribute is an error only for the attributes that
// must be unique (RFC 5652 section 11, ESS, RFC 6211); others are warned
// about.
func TestCMSRepeatedSignedAttributes(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	md := sha256.Sum256(e.data)
	ct := tAttr{oidAttrContentType, [][]byte{mustDER(t, oidData)}}
	mdA := tAttr{oidAttrMessageDigest, [][]byte{mustDER(t, md[:])}}
	ess := tAttr{oidAttrSigningCertV2, [][]byte{essV2DER(t, signer.Cert)}}
	unknown := tAttr{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7}, [][]byte{mustDER(t, "a vendor's note")}}
	st := tAttr{oidAttrSigningTime, [][]byte{mustDER(t, e.now.Add(-time.Minute))}}
	ok := cmsBuild{signer: signer, content: e.data, attrs: []tAttr{ct, mdA, ess, unknown, unknown}}
	sr := e.check(ok.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	problemsContain(t, sr, "signed attribute 1.3.6.1.4.1.99999.7 appears more than once")

	for name, attrs := range map[string][]tAttr{
		"message-digest":             {ct, mdA, ess, mdA},
		"content-type":               {ct, ct, mdA, ess},
		"signing-time":               {ct, mdA, ess, st, st},
		"ESS signing-certificate-v2": {ct, mdA, ess, ess},
		"CMSAlgorithmProtection": {ct, mdA, ess,
			algProtection(t, oidSHA256, oidSHA256WithRSA, []byte{5, 0}),
			algProtection(t, oidSHA256, oidSHA256WithRSA, []byte{5, 0})},
	} {
		t.Run(name, func(t *testing.T) {
			sr := e.check(cmsBuild{signer: signer, content: e.data, attrs: attrs}.build(t), e.fresh(), "ETSI.CAdES.detached")
			requireResult(t, sr, TotalFailed, FormatFailure)
			problemsContain(t, sr, "("+name+") appears more than once")
		})
	}

	// Two adbe-revocationInfoArchival attributes: both are read.
	crls := e.crls(e.now.Add(-time.Hour))
	two := cmsBuild{signer: signer, content: e.data, extra: []tAttr{archivalAttr(crls[:1], nil), archivalAttr(crls[1:], nil)}}
	sr = e.check(two.build(t), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	requireSources(t, sr, "cms", "crl")
	problemsContain(t, sr, "appears more than once")
}

func TestCMSBER(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	der := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
	// Re-encode the outer ContentInfo and [0] with indefinite lengths.
	s := cryptobyte.String(der)
	var ci, content cryptobyte.String
	var oid asn1.ObjectIdentifier
	require.True(t, s.ReadASN1(&ci, cbasn1.SEQUENCE))
	require.True(t, ci.ReadASN1ObjectIdentifier(&oid))
	require.True(t, ci.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()))
	oidDER := mustDER(t, oid)
	ber := []byte{0x30, 0x80}
	ber = append(ber, oidDER...)
	ber = append(ber, 0xa0, 0x80)
	ber = append(ber, content...)
	ber = append(ber, 0, 0, 0, 0)
	sr := e.check(append(ber, make([]byte, 100)...), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
}

func TestCMSSignedAttributeFormat(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	md := sha256.Sum256(e.data)
	ct := tAttr{oidAttrContentType, [][]byte{mustDER(t, oidData)}}
	mdA := tAttr{oidAttrMessageDigest, [][]byte{mustDER(t, md[:])}}
	ess := tAttr{oidAttrSigningCertV2, [][]byte{essV2DER(t, signer.Cert)}}
	cases := []struct {
		name string
		b    cmsBuild
		sub  SubIndication
		ind  Indication
		msg  string
	}{
		{"no-content-type", cmsBuild{attrs: []tAttr{mdA, ess}}, FormatFailure, TotalFailed, "no content-type"},
		{"wrong-content-type", cmsBuild{attrs: []tAttr{{oidAttrContentType, [][]byte{mustDER(t, oidTSTInfo)}}, mdA, ess}}, FormatFailure, TotalFailed, "content-type attribute says"},
		{"no-message-digest", cmsBuild{attrs: []tAttr{ct, ess}}, FormatFailure, TotalFailed, "no message-digest"},
		{"duplicate-attr", cmsBuild{attrs: []tAttr{ct, mdA, mdA, ess}}, FormatFailure, TotalFailed, "more than once"},
		{"two-digest-values", cmsBuild{attrs: []tAttr{ct, {oidAttrMessageDigest, [][]byte{mustDER(t, md[:]), mustDER(t, md[:])}}, ess}}, FormatFailure, TotalFailed, "exactly one value"},
		{"econtent-type-not-data", cmsBuild{eContentType: oidTSTInfo}, FormatFailure, TotalFailed, "must sign id-data"},
		{"encapsulated-in-detached", cmsBuild{eContent: e.data}, FormatFailure, TotalFailed, "encapsulates"},
		{"cades-without-attrs", cmsBuild{noAttrs: true}, FormatFailure, TotalFailed, "no signed attributes"},
		{"ess-names-other-cert", cmsBuild{essCert: e.pki.TSA.Cert}, NoSigningCertificateFound, Indeterminate, "substituted"},
		{"ess-v1-names-other-cert", cmsBuild{essV1: true, essCert: e.pki.Intermediate.Cert}, NoSigningCertificateFound, Indeterminate, "substituted"},
		{"signer-cert-missing", cmsBuild{noCerts: true}, NoSigningCertificateFound, Indeterminate, "not in the signature"},
		{"unknown-sig-alg", cmsBuild{sigAlg: oidEd448}, CryptoConstraintsFailure, Indeterminate, "cannot verify"},
		{"unknown-digest-alg", cmsBuild{digestAlgOID: asn1.ObjectIdentifier{1, 2, 3, 4}}, CryptoConstraintsFailure, Indeterminate, "does not support"},
		{"key-mismatch-alg", cmsBuild{sigAlg: oidECDSAWithSHA256}, SigCryptoFailure, TotalFailed, "ECDSA"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.b.signer, tc.b.content = signer, e.data
			sr := e.check(tc.b.build(t), e.fresh(), "ETSI.CAdES.detached")
			requireResult(t, sr, tc.ind, tc.sub)
			problemsContain(t, sr, tc.msg)
		})
	}
	// A CAdES signature without ESS signing-certificate-v2 lacks the
	// binding PAdES requires, which is no evidence of tampering: a warning,
	// and no PAdES level.
	sr := e.check(cmsBuild{signer: signer, content: e.data, noESS: true}.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Contains(t, strings.Join(sr.Warnings, "\n"), "signing-certificate-v2")
	require.Empty(t, padesLevel(&sr))
	// adbe.pkcs7.detached may omit signed attributes and ESS.
	sr = e.check(cmsBuild{signer: signer, content: e.data, noAttrs: true}.build(t), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.True(t, sr.DigestMatches)
	sr = e.check(cmsBuild{signer: signer, content: e.data, noAttrs: true, tamper: true}.build(t), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalFailed, SigCryptoFailure)
	// The signer certificate may come from the document's DSS.
	ev := e.fresh()
	ev.Certs = signer.Chain()
	sr = e.check(cmsBuild{signer: signer, content: e.data, noCerts: true}.build(t), ev, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
}

// Signed attributes in non-DER order verify as sent (digitorus/pkcs7
// re-sorts them and would fail).
func TestCMSUnsortedSignedAttributes(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	md := sha256.Sum256(e.data)
	attrs := []tAttr{
		{oidAttrSigningCertV2, [][]byte{essV2DER(t, signer.Cert)}},
		{oidAttrMessageDigest, [][]byte{mustDER(t, md[:])}},
		{oidAttrSigningTime, [][]byte{mustDER(t, e.now.Add(-time.Minute))}},
		{oidAttrContentType, [][]byte{mustDER(t, oidData)}},
	}
	sr := e.check(cmsBuild{signer: signer, content: e.data, attrs: attrs}.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, e.now.Add(-time.Minute), *sr.ClaimedSigningTime)
	problemsContain(t, sr, "signing-time attribute, which PAdES says must not be used")
}

func algProtection(t *testing.T, digest asn1.ObjectIdentifier, sigAlg asn1.ObjectIdentifier, params []byte) tAttr {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		algID(b, digest, nil)
		b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(sigAlg)
			if params != nil {
				b.AddBytes(params)
			}
		})
	})
	return tAttr{oidAttrAlgorithmProtection, [][]byte{b.BytesOrPanic()}}
}

func TestCMSAlgorithmProtection(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	ok := cmsBuild{signer: signer, content: e.data, extra: []tAttr{algProtection(t, oidSHA256, oidSHA256WithRSA, []byte{5, 0})}}
	requireResult(t, e.check(ok.build(t), e.fresh(), "ETSI.CAdES.detached"), TotalPassed, NoSubIndication)

	pss := cmsBuild{signer: signer, content: e.data, pss: true, extra: []tAttr{algProtection(t, oidSHA256, oidRSASSAPSS, pssParams(crypto.SHA256, 32))}}
	requireResult(t, e.check(pss.build(t), e.fresh(), "ETSI.CAdES.detached"), TotalPassed, NoSubIndication)

	bad := cmsBuild{signer: signer, content: e.data, extra: []tAttr{algProtection(t, oidSHA256, oidSHA512WithRSA, []byte{5, 0})}}
	sr := e.check(bad.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalFailed, SigCryptoFailure)
	problemsContain(t, sr, "CMSAlgorithmProtection")

	badDigest := cmsBuild{signer: signer, content: e.data, extra: []tAttr{algProtection(t, oidSHA384, oidSHA256WithRSA, []byte{5, 0})}}
	requireResult(t, e.check(badDigest.build(t), e.fresh(), "ETSI.CAdES.detached"), TotalFailed, SigCryptoFailure)
}

func TestCMSAdbePKCS7SHA1(t *testing.T) {
	e := newCMSEnv(t, func(c *Config) { c.Policy = DefaultPolicy(); c.Policy.AllowSHA1 = true })
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	sum := sha1.Sum(e.data)
	b := cmsBuild{signer: signer, content: e.data, eContent: sum[:], hash: crypto.SHA1, noESS: true}
	sr := e.check(b.build(t), e.fresh(), "adbe.pkcs7.sha1")
	requireResult(t, sr, TotalPassed, NoSubIndication)

	// The encapsulated digest no longer matches the document.
	e.data = append([]byte("changed "), e.data...)
	sr = e.check(b.build(t), e.fresh(), "adbe.pkcs7.sha1")
	requireResult(t, sr, TotalFailed, HashFailure)
	problemsContain(t, sr, "encapsulated")

	// No encapsulated digest at all.
	b.eContent = nil
	requireResult(t, e.check(b.build(t), e.fresh(), "adbe.pkcs7.sha1"), TotalFailed, FormatFailure)

	// The default policy rejects the format's SHA-1.
	d := newCMSEnv(t)
	signer = d.pki.NewSigner(t, "", testpki.Options{})
	sum = sha1.Sum(d.data)
	sr = d.check(cmsBuild{signer: signer, content: d.data, eContent: sum[:], noESS: true}.build(t), d.fresh(), "adbe.pkcs7.sha1")
	requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
	problemsContain(t, sr, "the adbe.pkcs7.sha1 format digests the document with SHA-1, which is too weak under the policy")
}

func TestCMSDetachedP7S(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	der := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
	sr := e.check(der, e.fresh(), "")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	_ = pem.EncodeToMemory
}

// rsaSHA1Sig builds an adbe.x509.rsa_sha1 /Contents: a DER OCTET STRING
// with a PKCS#1 v1.5 signature, zero-padded.
func rsaSHA1Sig(t *testing.T, key crypto.Signer, h crypto.Hash, data []byte) []byte {
	w := h.New()
	w.Write(data)
	sig, err := key.Sign(rand.Reader, w.Sum(nil), h)
	require.NoError(t, err)
	return append(mustDER(t, sig), make([]byte, 64)...)
}

func TestX509RSASHA1(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	certs := [][]byte{signer.DER, e.pki.Intermediate.DER}
	run := func(contents []byte, certs [][]byte) SignatureReport {
		sr := SignatureReport{Indication: TotalPassed}
		e.v.checkX509RSASHA1(context.Background(), &sr, contents, certs, e.content(), e.fresh())
		return sr
	}
	// Acrobat writes SHA-256 DigestInfos under the same SubFilter.
	sr := run(rsaSHA1Sig(t, signer.Key, crypto.SHA256, e.data), certs)
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, "SHA-256", sr.DigestAlgorithm)
	require.True(t, sr.ChainTrusted)

	sr = run(rsaSHA1Sig(t, signer.Key, crypto.SHA1, e.data), certs)
	requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
	require.Len(t, sr.weak, 1, "kept for a later document timestamp")
	// Tampering is still a failure, whatever the algorithm.
	sr = run(rsaSHA1Sig(t, signer.Key, crypto.SHA1, []byte("other data")), certs)
	requireResult(t, sr, TotalFailed, HashFailure)

	sr = run(rsaSHA1Sig(t, signer.Key, crypto.SHA256, []byte("other data")), certs)
	requireResult(t, sr, TotalFailed, HashFailure)

	bad := rsaSHA1Sig(t, signer.Key, crypto.SHA256, e.data)
	bad[20] ^= 1
	requireResult(t, run(bad, certs), TotalFailed, SigCryptoFailure)

	requireResult(t, run([]byte{0x30, 0x03, 1, 2, 3}, certs), TotalFailed, FormatFailure)
	requireResult(t, run(rsaSHA1Sig(t, signer.Key, crypto.SHA256, e.data), nil), Indeterminate, NoSigningCertificateFound)

	ec := e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.ECDSAP256})
	requireResult(t, run(rsaSHA1Sig(t, signer.Key, crypto.SHA256, e.data), [][]byte{ec.DER}), TotalFailed, SigCryptoFailure)
}

// FuzzCMS feeds arbitrary bytes to checkCMS as the signature value: it
// must never panic, whatever the bytes.
func FuzzCMS(f *testing.F) {
	p := testpki.New(f)
	data := []byte("fuzz content")
	signer := p.NewSigner(f, "", testpki.Options{})
	ec := p.NewSigner(f, "", testpki.Options{KeyType: testpki.ECDSAP256})
	f.Add(pkcs7Sign(f, signer, data, pkcs7.OIDDigestAlgorithmSHA256))
	f.Add(pkcs7Sign(f, ec, data, pkcs7.OIDDigestAlgorithmSHA256))
	tsDigest := sha256.Sum256([]byte("x"))
	f.Add(p.Timestamp(f, tsDigest[:], crypto.SHA256, time.Now()))
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0x30, 0x80, 0, 0, 0, 0, 0, 0})
	// Richer seeds: a timestamped CAdES signature with embedded CRLs and
	// OCSP responses, RSA-PSS with a subjectKeyIdentifier, Ed25519.
	now := time.Now()
	crls := [][]byte{p.CRL(f, p.Intermediate, now, now.Add(time.Hour)), p.CRL(f, p.Root, now, now.Add(time.Hour))}
	ocsps := [][]byte{p.OCSP(f, signer, now), p.OCSP(f, p.Intermediate, now)}
	ts := func(sig []byte) []tAttr {
		sum := sha256.Sum256(sig)
		return []tAttr{{oidAttrSigTimeStampToken, [][]byte{p.Timestamp(f, sum[:], crypto.SHA256, now)}}}
	}
	f.Add(cmsBuild{signer: signer, content: data, unsigned: ts, extra: []tAttr{archivalAttr(crls, ocsps)}}.build(f))
	f.Add(cmsBuild{signer: signer, content: data, pss: true, ski: true, crlsField: crls}.build(f))
	f.Add(cmsBuild{signer: p.NewSigner(f, "", testpki.Options{KeyType: testpki.Ed25519}), content: data}.build(f))
	f.Add([]byte{})
	v, err := New(Config{TrustAnchors: []*x509.Certificate{p.Root.Cert}, Now: func() time.Time { return time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		f.Fatal(err)
	}
	content := signedContent{r: bytes.NewReader(data), ranges: [][2]int64{{0, int64(len(data))}}}
	f.Fuzz(func(t *testing.T, der []byte) {
		for _, sf := range []string{"adbe.pkcs7.detached", "ETSI.CAdES.detached", "adbe.pkcs7.sha1"} {
			sr := SignatureReport{Indication: TotalPassed}
			v.checkCMS(context.Background(), &sr, der, content, evidence{}, sf)
			if sr.Indication == "" {
				t.Fatal("no indication")
			}
		}
		sr := SignatureReport{Indication: TotalPassed}
		v.checkDocTimestamp(context.Background(), &sr, der, content, evidence{})
		v.checkX509RSASHA1(context.Background(), &sr, der, [][]byte{der}, content, evidence{})
	})
}
