package verify

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
)

func TestDefaultSunsets(t *testing.T) {
	s := DefaultPolicy().Sunsets
	require.Equal(t, jan1(2009), s.SHA1)
	for bits, want := range map[int]time.Time{
		512: {}, 1023: {}, 1024: jan1(2009), 1535: jan1(2009), 1536: jan1(2016),
		2047: jan1(2026), 2048: jan1(2026), 3072: jan1(2029), 4096: jan1(2029),
	} {
		require.Equal(t, want, keySunset(s.RSA[:], bits), "RSA %d", bits)
	}
	for bits, want := range map[int]time.Time{
		128: {}, 160: jan1(2013), 192: jan1(2013), 224: jan1(2016), 256: jan1(2029),
	} {
		require.Equal(t, want, keySunset(s.EC[:], bits), "EC %d", bits)
	}
}

// withSunsets returns a config modifier setting the SHA-1 and RSA-1024
// sunsets: tests cannot make timestamps from before 2009, so they move
// the dates instead, as a site may.
func withSunsets(sha1, rsa1024 time.Time) func(*Config) {
	return func(c *Config) {
		c.Policy = DefaultPolicy()
		c.Policy.Sunsets.SHA1 = sha1
		c.Policy.Sunsets.RSA[0].Until = rsa1024
	}
}

// A signature using an algorithm the policy rejects is accepted, with a
// warning, when a verified signature timestamp from before the
// algorithm's sunset proves it existed; otherwise it is
// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE, never TOTAL_FAILED.
// Tampering stays TOTAL_FAILED whatever the POE.
func TestWeakAlgorithmProofOfExistence(t *testing.T) {
	probe := newCMSEnv(t)
	now := probe.now
	before, after := now.Add(24*time.Hour), now.Add(-2*time.Hour)
	stamp := now.Add(-time.Hour)

	cases := []struct {
		name    string
		sunset  time.Time // SHA-1 and RSA-1024 sunset
		b       func(e *cmsEnv) cmsBuild
		ind     Indication
		sub     SubIndication
		message string
	}{
		{"sha1 timestamp before sunset", before, func(e *cmsEnv) cmsBuild {
			return cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{}), hash: crypto.SHA1, unsigned: e.tsAttr(stamp)}
		}, TotalPassed, NoSubIndication, "the signature digests with SHA-1, which is too weak under the policy since " + fmtDate(before) + "; accepted because the signature timestamp proves the signature existed at " + fmtTime(stamp)},
		{"sha1 timestamp after sunset", after, func(e *cmsEnv) cmsBuild {
			return cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{}), hash: crypto.SHA1, unsigned: e.tsAttr(stamp)}
		}, Indeterminate, CryptoConstraintsFailureNoPOE, "the earliest proof of existence, the signature timestamp at " + fmtTime(stamp) + ", is not earlier"},
		{"sha1 no timestamp", before, func(e *cmsEnv) cmsBuild {
			return cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{}), hash: crypto.SHA1}
		}, Indeterminate, CryptoConstraintsFailureNoPOE, "nothing proves that"},
		{"rsa1024 timestamp before sunset", before, func(e *cmsEnv) cmsBuild {
			return cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.RSA1024}), unsigned: e.tsAttr(stamp)}
		}, TotalPassed, NoSubIndication, "a 1024-bit RSA key (the policy's minimum is 2048 bits), which is too weak under the policy since " + fmtDate(before) + "; accepted"},
		{"rsa1024 no timestamp", before, func(e *cmsEnv) cmsBuild {
			return cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.RSA1024})}
		}, Indeterminate, CryptoConstraintsFailureNoPOE, "a 1024-bit RSA key"},
		{"sha1 tampered, timestamp before sunset", before, func(e *cmsEnv) cmsBuild {
			return cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{}), hash: crypto.SHA1, unsigned: e.tsAttr(stamp), tamper: true}
		}, TotalFailed, SigCryptoFailure, "does not verify"},
		{"rsa1024 tampered, no timestamp", before, func(e *cmsEnv) cmsBuild {
			return cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{KeyType: testpki.RSA1024}), tamper: true}
		}, TotalFailed, SigCryptoFailure, "does not verify"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newCMSEnv(t, withSunsets(tc.sunset, tc.sunset))
			b := tc.b(e)
			b.content = e.data
			sr := e.check(b.build(t), e.fresh(), "ETSI.CAdES.detached")
			requireResult(t, sr, tc.ind, tc.sub)
			problemsContain(t, sr, tc.message)
			for _, p := range append(sr.Problems, sr.Warnings...) {
				require.NotContains(t, strings.ToLower(p), "forg", "a weak algorithm is never called a forgery")
			}
		})
	}

	// The document changed after signing: HASH_FAILURE, POE or not.
	e := newCMSEnv(t, withSunsets(before, before))
	der := cmsBuild{signer: e.pki.NewSigner(t, "", testpki.Options{}), hash: crypto.SHA1, content: e.data, unsigned: e.tsAttr(stamp)}.build(t)
	e.data = append([]byte("changed "), e.data...)
	requireResult(t, e.check(der, e.fresh(), "ETSI.CAdES.detached"), TotalFailed, HashFailure)

	// --allow-sha1 still accepts SHA-1 outright, without a warning about it.
	allow := newCMSEnv(t, func(c *Config) { c.Policy = DefaultPolicy(); c.Policy.AllowSHA1 = true })
	sr := allow.check(pkcs7Sign(t, allow.pki.NewSigner(t, "", testpki.Options{}), allow.data, pkcs7.OIDDigestAlgorithmSHA1), allow.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.NotContains(t, strings.Join(sr.Warnings, "\n"), "too weak")
}

// Certificates of the path signed with SHA-1 are judged with the
// signature's proof of existence too.
func TestWeakCertificateProofOfExistence(t *testing.T) {
	stamp := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	for _, covered := range []bool{true, false} {
		sunset := stamp.Add(time.Hour)
		if !covered {
			sunset = stamp.Add(-time.Hour)
		}
		e := newCMSEnv(t, withSunsets(sunset, sunset))
		ca := e.pki.NewCert(t, e.pki.Root, testpki.Options{IsCA: true, SigAlg: x509.SHA1WithRSA, Subject: testpki.DefaultSubject("Legacy SHA-1 CA")})
		signer := e.pki.NewCert(t, ca, testpki.Options{SigAlg: x509.SHA1WithRSA})
		ev := evidence{CRLs: [][]byte{
			e.pki.CRL(t, ca, e.now.Add(-time.Hour), e.now.Add(time.Hour)),
			e.pki.CRL(t, e.pki.Root, e.now.Add(-time.Hour), e.now.Add(time.Hour)),
		}}
		ev.CRLs = append(ev.CRLs, e.crls(e.now.Add(-time.Hour))...)
		sr := e.check(cmsBuild{signer: signer, content: e.data, certs: []*x509.Certificate{signer.Cert, ca.Cert}, unsigned: e.tsAttr(stamp)}.build(t), ev, "ETSI.CAdES.detached")
		if covered {
			requireResult(t, sr, TotalPassed, NoSubIndication)
			problemsContain(t, sr, `the certificate "Legacy SHA-1 CA"`)
			problemsContain(t, sr, "is signed with SHA1-RSA, which is too weak under the policy since")
		} else {
			requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
			require.Len(t, sr.Problems, 2, "the leaf's and the CA's certificate signatures: %q", sr.Problems)
		}
	}
}

// sha1CRL is a CRL of issuer signed with SHA-1.
func sha1CRL(t *testing.T, issuer *testpki.Cert, at time.Time) []byte {
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		SignatureAlgorithm: x509.SHA1WithRSA,
		Number:             big.NewInt(at.Unix()),
		ThisUpdate:         at,
		NextUpdate:         at.Add(7 * 24 * time.Hour),
	}, issuer.Cert, issuer.Key)
	require.NoError(t, err)
	return der
}

// A CRL signed with SHA-1 is usable only when the signed attributes embed
// it and a signature timestamp from before the sunset covers the
// signature; otherwise it cannot be used, which leaves the status unknown
// (TRY_LATER), never a failure.
func TestWeakRevocationData(t *testing.T) {
	stamp := time.Now().UTC().Truncate(time.Second).Add(-time.Hour)
	e := newCMSEnv(t, withSunsets(stamp.Add(time.Hour), time.Time{}))
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	crls := [][]byte{sha1CRL(t, e.pki.Intermediate, e.now.Add(-2*time.Hour)), e.pki.CRL(t, e.pki.Root, e.now.Add(-2*time.Hour), e.now.Add(time.Hour))}
	// The TSA's chain needs revocation data of its own, unweakened.
	tsaCRLs := evidence{CRLs: e.crls(e.now.Add(-time.Minute))}

	embedded := cmsBuild{signer: signer, content: e.data, extra: []tAttr{archivalAttr(crls, nil)}, unsigned: e.tsAttr(stamp)}
	sr := e.check(embedded.build(t), tsaCRLs, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, "cms", sr.Revocation[0].Source)
	problemsContain(t, sr, "CRL embedded in the signature: it is signed with SHA1-RSA, which is too weak under the policy since")

	// In the document's /DSS, nothing covers it.
	e2 := newCMSEnv(t, withSunsets(stamp.Add(time.Hour), time.Time{}))
	signer2 := e2.pki.NewSigner(t, "", testpki.Options{})
	crls2 := [][]byte{sha1CRL(t, e2.pki.Intermediate, e2.now.Add(-2*time.Hour)), e2.pki.CRL(t, e2.pki.Root, e2.now.Add(-2*time.Hour), e2.now.Add(time.Hour))}
	sr = e2.check(cmsBuild{signer: signer2, content: e2.data, unsigned: e2.tsAttr(stamp)}.build(t), evidence{CRLs: crls2}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.Contains(t, strings.Join(sr.Revocation[0].Problems, "\n"), "signed with SHA1-RSA, which is too weak under the policy (acceptable only for data proven to exist before")

	// Embedded, but without a timestamp.
	sr = e.check(cmsBuild{signer: signer, content: e.data, extra: []tAttr{archivalAttr(crls, nil)}}.build(t), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.Contains(t, strings.Join(sr.Revocation[0].Problems, "\n"), "not covered by a timestamp from before then")
}

// A later document timestamp is a proof of existence for the signatures
// of earlier revisions: weak material it predates is accepted.
func TestDocTimestampCoversWeakSignature(t *testing.T) {
	for _, tc := range []struct {
		name   string
		sunset time.Duration // relative to now
		ind    Indication
		sub    SubIndication
	}{
		{"before sunset", 24 * time.Hour, TotalPassed, NoSubIndication},
		{"after sunset", -24 * time.Hour, Indeterminate, CryptoConstraintsFailureNoPOE},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var sunset time.Time
			b := setupPDF(t, func(c *Config) {
				sunset = c.Now().Add(tc.sunset)
				withSunsets(sunset, sunset)(c)
			})
			pdf := testpdf.Sign(t, base(t, testpdf.BaseOptions{}), b.signer, b.pki, testpdf.SignOptions{Level: testpdf.LevelBLT, Digest: crypto.SHA1})
			pdf = b.addTSAValidationData(t, pdf)
			// Without a document timestamp: nothing proves existence (the
			// signature timestamp's own imprint is SHA-1, so it proves nothing).
			s := requireSig(t, b.verify(t, pdf), 0, Indeterminate, CryptoConstraintsFailureNoPOE)
			require.NotEmpty(t, s.weak)

			pdf = testpdf.Sign(t, pdf, nil, b.pki, testpdf.SignOptions{Kind: testpdf.DocTimestamp, Digest: crypto.SHA256})
			rep := b.verify(t, pdf)
			requireSig(t, rep, 1, TotalPassed, NoSubIndication)
			s = requireSig(t, rep, 0, tc.ind, tc.sub)
			if tc.ind == TotalPassed {
				require.Empty(t, s.Problems)
				require.Contains(t, strings.Join(s.Warnings, "\n"), "the signature digests with SHA-1, which is too weak under the policy since "+fmtDate(sunset)+"; accepted because the document timestamp")
				require.Equal(t, TotalPassed, rep.Indication)
			} else {
				require.Contains(t, strings.Join(s.Problems, "\n"), "too weak under the policy")
			}
		})
	}
}

// coverWithDocTimestamps on a hand-made report: only material whose sunset
// the document timestamp predates is lifted; the verdict without the weak
// material comes back once nothing weak is left; a failed or earlier
// timestamp proves nothing.
func TestCoverWithDocTimestamps(t *testing.T) {
	ts := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	early := weakAlg{what: "the signature digests with SHA-1", sunset: ts.Add(time.Hour)}
	late := weakAlg{what: "the signature was made with a 1024-bit RSA key", sunset: ts.Add(-time.Hour)}
	sig := func(ws ...weakAlg) SignatureReport {
		s := SignatureReport{Field: "Sig1", Kind: KindApproval, revision: 0, Indication: Indeterminate, SubIndication: CryptoConstraintsFailureNoPOE,
			weakBase: TotalPassed, weakBaseSub: NoSubIndication}
		for _, w := range ws {
			p := w.rejected(time.Time{}, "")
			s.Problems = append(s.Problems, p)
			s.weak = append(s.weak, weakPending{w, p})
		}
		return s
	}
	docTS := func(rev int, ind Indication) SignatureReport {
		return SignatureReport{Field: "DocTS", Kind: KindDocumentTimestamp, revision: rev, Indication: ind, Timestamp: &TimestampReport{Time: ts}}
	}

	rep := &Report{Signatures: []SignatureReport{sig(early), docTS(1, TotalPassed)}}
	coverWithDocTimestamps(rep)
	require.Equal(t, TotalPassed, rep.Signatures[0].Indication)
	require.Empty(t, rep.Signatures[0].Problems)
	require.Contains(t, rep.Signatures[0].Warnings[0], `accepted because the document timestamp "DocTS" proves`)

	rep = &Report{Signatures: []SignatureReport{sig(early, late), docTS(1, TotalPassed)}}
	coverWithDocTimestamps(rep)
	s := rep.Signatures[0]
	require.Equal(t, Indeterminate, s.Indication)
	require.Equal(t, CryptoConstraintsFailureNoPOE, s.SubIndication)
	require.Len(t, s.Problems, 1)
	require.Contains(t, s.Problems[0], "1024-bit RSA key")

	for _, d := range []SignatureReport{docTS(1, Indeterminate), docTS(0, TotalPassed)} {
		rep = &Report{Signatures: []SignatureReport{sig(early), d}}
		coverWithDocTimestamps(rep)
		require.Equal(t, Indeterminate, rep.Signatures[0].Indication)
	}

	// Another INDETERMINATE reason stays once the weak material is covered.
	other := sig(early)
	other.weakBase, other.weakBaseSub = Indeterminate, TryLater
	rep = &Report{Signatures: []SignatureReport{other, docTS(1, TotalPassed)}}
	coverWithDocTimestamps(rep)
	require.Equal(t, TryLater, rep.Signatures[0].SubIndication)
}

// A 512-bit RSA signer: crypto/rsa refuses the key, so this used to be
// reported as a cryptographic failure. The signature verifies (math/big);
// the key is below every sunset entry, so it is
// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE, and a bad signature
// under it is still TOTAL_FAILED.
func TestRSA512Signer(t *testing.T) {
	e := newCMSEnv(t)
	key := newTestRSAKey(t, 512, big.NewInt(65537))
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(512512),
		Subject:      testpki.DefaultSubject("RSA-512 signer"),
		NotBefore:    testpki.DefaultNotBefore,
		NotAfter:     testpki.DefaultNotAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, e.pki.Intermediate.Cert, key.pub, e.pki.Intermediate.Key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	signer := &testpki.Cert{Cert: cert, Key: key, DER: der, Issuer: e.pki.Intermediate}

	sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
	require.True(t, sr.SignatureValid)
	problemsContain(t, sr, "a 512-bit RSA key (the policy's minimum is 2048 bits), which is too weak under the policy and was never acceptable under it")

	sr = e.check(cmsBuild{signer: signer, content: e.data, tamper: true}.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalFailed, SigCryptoFailure)
}

// A timestamp token whose TSA signed with SHA-1 is no proof of existence:
// a token cannot prove its own existence, so its weak material is
// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE (for a document
// timestamp, a later one may still cover it).
func TestWeakTimestampToken(t *testing.T) {
	e := newCMSEnv(t)
	at := e.now.Add(-time.Hour)
	sum := sha256.Sum256(e.data)
	var info tstInfo
	info.Version = 1
	info.Policy = testpki.OIDTSAPolicy
	info.MessageImprint.HashAlgorithm.Algorithm = oidSHA256
	info.MessageImprint.HashedMessage = sum[:]
	info.SerialNumber = big.NewInt(7)
	info.GenTime = at
	tst := mustDER(t, info)
	token := cmsBuild{signer: e.pki.TSA, hash: crypto.SHA1, eContentType: oidTSTInfo, eContent: tst, content: tst,
		certs: []*x509.Certificate{e.pki.TSA.Cert, e.pki.Intermediate.Cert}}.build(t)
	sr := SignatureReport{Indication: TotalPassed}
	e.v.checkDocTimestamp(context.Background(), &sr, token, e.content(), e.fresh())
	requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
	require.True(t, sr.SignatureValid)
	problemsContain(t, sr, "the document timestamp digests with SHA-1, which is too weak under the policy")
	require.Len(t, sr.weak, 1)

	// Used as a signature timestamp, it proves nothing: the signature is
	// validated at the current time and still passes on its own.
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	tok := func(sig []byte) []tAttr {
		s := sha256.Sum256(sig)
		info.MessageImprint.HashedMessage = s[:]
		tst := mustDER(t, info)
		return []tAttr{{oidAttrSigTimeStampToken, [][]byte{cmsBuild{signer: e.pki.TSA, hash: crypto.SHA1, eContentType: oidTSTInfo, eContent: tst, content: tst,
			certs: []*x509.Certificate{e.pki.TSA.Cert, e.pki.Intermediate.Cert}}.build(t)}}}
	}
	sr = e.check(cmsBuild{signer: signer, content: e.data, unsigned: tok}.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, CryptoConstraintsFailureNoPOE, sr.Timestamp.SubIndication)
	require.Equal(t, "current_time", sr.ValidationTimeSource)
}
