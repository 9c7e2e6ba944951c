package verify

import (
	"context"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
)

// httpClientForTests talks to the PKI's loopback server.
var httpClientForTests = http.Client{Timeout: 10 * time.Second}

func TestSignatureTimestamp(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	at := e.now.Add(-time.Hour)

	t.Run("valid", func(t *testing.T) {
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: e.tsAttr(at)}.build(t), e.fresh(), "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		require.Equal(t, "signature_timestamp", sr.ValidationTimeSource)
		require.Equal(t, at, sr.ValidationTime)
		require.NotNil(t, sr.Timestamp)
		require.Equal(t, TotalPassed, sr.Timestamp.Indication)
		require.True(t, sr.Timestamp.ImprintValid)
		require.True(t, sr.Timestamp.ChainTrusted)
		require.Equal(t, "SHA-256", sr.Timestamp.HashAlgorithm)
		require.Equal(t, e.pki.TSA.Cert.Subject.CommonName, sr.Timestamp.TSA.CommonName)
		require.Equal(t, at, sr.Timestamp.Time)
		// Signer, its CA, the TSA and its CA.
		require.Len(t, sr.Revocation, 4)
		require.Equal(t, e.pki.TSA.Cert.Subject.CommonName, sr.Revocation[2].Certificate)
	})
	t.Run("tsa-revoked-after-timestamp", func(t *testing.T) {
		e := newCMSEnv(t)
		signer := e.pki.NewSigner(t, "", testpki.Options{})
		e.pki.Revoke(e.pki.TSA, e.now.Add(-30*time.Minute), 4)
		ev := evidence{CRLs: e.crls(e.now.Add(-time.Minute))}
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: e.tsAttr(at)}.build(t), ev, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		require.Equal(t, TotalPassed, sr.Timestamp.Indication)
		problemsContain(t, sr, "signature timestamp: the TSA certificate")
		require.Equal(t, "revoked", sr.Revocation[2].Status)
	})
	t.Run("tsa-revoked-before-timestamp", func(t *testing.T) {
		e := newCMSEnv(t)
		signer := e.pki.NewSigner(t, "", testpki.Options{})
		e.pki.Revoke(e.pki.TSA, e.now.Add(-2*time.Hour), 1)
		ev := evidence{CRLs: e.crls(e.now.Add(-time.Minute))}
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: e.tsAttr(at)}.build(t), ev, "ETSI.CAdES.detached")
		require.Equal(t, TotalFailed, sr.Timestamp.Indication)
		require.Equal(t, Revoked, sr.Timestamp.SubIndication)
		require.Equal(t, "current_time", sr.ValidationTimeSource)
		require.Len(t, sr.Revocation, 2, "a failed timestamp's revocation entries are not the signature's")
	})
	t.Run("wrong-imprint", func(t *testing.T) {
		other := func([]byte) []tAttr {
			sum := sha256.Sum256([]byte("another signature"))
			return []tAttr{{oidAttrSigTimeStampToken, [][]byte{e.pki.Timestamp(t, sum[:], crypto.SHA256, at)}}}
		}
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: other}.build(t), e.fresh(), "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		require.Equal(t, "current_time", sr.ValidationTimeSource)
		require.Equal(t, TotalFailed, sr.Timestamp.Indication)
		require.Equal(t, HashFailure, sr.Timestamp.SubIndication)
		require.False(t, sr.Timestamp.ImprintValid)
		problemsContain(t, sr, "signature timestamp is not valid")
	})
	t.Run("tsa-without-critical-eku", func(t *testing.T) {
		tsa := e.pki.NewCert(t, e.pki.Intermediate, testpki.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: e.tsAttr(at, testpki.TimestampOptions{TSA: tsa})}.build(t), e.fresh(), "ETSI.CAdES.detached")
		require.Equal(t, Indeterminate, sr.Timestamp.Indication)
		require.Equal(t, ChainConstraintsFailure, sr.Timestamp.SubIndication)
		require.Equal(t, "current_time", sr.ValidationTimeSource)
	})
	t.Run("signer-cert-as-tsa", func(t *testing.T) {
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: e.tsAttr(at, testpki.TimestampOptions{TSA: signer})}.build(t), e.fresh(), "ETSI.CAdES.detached")
		require.Equal(t, Indeterminate, sr.Timestamp.Indication)
		require.Equal(t, ChainConstraintsFailure, sr.Timestamp.SubIndication)
	})
	t.Run("tsa-untrusted", func(t *testing.T) {
		other := testpki.NewUntrusted(t)
		tok := func(sig []byte) []tAttr {
			sum := sha256.Sum256(sig)
			return []tAttr{{oidAttrSigTimeStampToken, [][]byte{other.Timestamp(t, sum[:], crypto.SHA256, at)}}}
		}
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: tok}.build(t), e.fresh(), "ETSI.CAdES.detached")
		require.Equal(t, Indeterminate, sr.Timestamp.Indication)
		require.Equal(t, NoCertificateChainFound, sr.Timestamp.SubIndication)
		requireResult(t, sr, TotalPassed, NoSubIndication)
	})
	t.Run("sha1-imprint", func(t *testing.T) {
		tok := func(sig []byte) []tAttr {
			sum := sha1.Sum(sig)
			return []tAttr{{oidAttrSigTimeStampToken, [][]byte{e.pki.Timestamp(t, sum[:], crypto.SHA1, at)}}}
		}
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: tok}.build(t), e.fresh(), "ETSI.CAdES.detached")
		require.Equal(t, Indeterminate, sr.Timestamp.Indication)
		require.Equal(t, CryptoConstraintsFailureNoPOE, sr.Timestamp.SubIndication)
		require.True(t, sr.Timestamp.ImprintValid)
		require.Equal(t, "current_time", sr.ValidationTimeSource, "a weak timestamp proves nothing")
		requireResult(t, sr, TotalPassed, NoSubIndication)
	})
	t.Run("future", func(t *testing.T) {
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: e.tsAttr(e.now.Add(time.Hour))}.build(t), e.fresh(), "ETSI.CAdES.detached")
		require.Equal(t, TotalFailed, sr.Timestamp.Indication)
		require.Equal(t, FormatFailure, sr.Timestamp.SubIndication)
	})
	t.Run("garbage-token", func(t *testing.T) {
		tok := func([]byte) []tAttr {
			return []tAttr{{oidAttrSigTimeStampToken, [][]byte{{0x30, 0x03, 0x02, 0x01, 0x01}}}}
		}
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: tok}.build(t), e.fresh(), "ETSI.CAdES.detached")
		require.Equal(t, FormatFailure, sr.Timestamp.SubIndication)
		requireResult(t, sr, TotalPassed, NoSubIndication)
	})
	t.Run("earliest-valid-wins", func(t *testing.T) {
		two := func(sig []byte) []tAttr {
			sum := sha256.Sum256(sig)
			return []tAttr{{oidAttrSigTimeStampToken, [][]byte{
				e.pki.Timestamp(t, sum[:], crypto.SHA256, at),
				e.pki.Timestamp(t, sum[:], crypto.SHA256, at.Add(-time.Hour)),
			}}}
		}
		sr := e.check(cmsBuild{signer: signer, content: e.data, unsigned: two}.build(t), e.fresh(), "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		require.Equal(t, at.Add(-time.Hour), sr.ValidationTime)
	})
}

func TestDocTimestamp(t *testing.T) {
	e := newCMSEnv(t)
	at := e.now.Add(-time.Hour)
	run := func(der []byte, ev evidence) SignatureReport {
		sr := SignatureReport{Indication: TotalPassed}
		e.v.checkDocTimestamp(context.Background(), &sr, der, e.content(), ev)
		return sr
	}
	sum := sha256.Sum256(e.data)
	tok := e.pki.Timestamp(t, sum[:], crypto.SHA256, at)
	sr := run(append(tok, make([]byte, 300)...), e.fresh())
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.True(t, sr.DigestMatches)
	require.True(t, sr.SignatureValid)
	require.True(t, sr.ChainTrusted)
	require.Equal(t, e.pki.TSA.Cert.Subject.CommonName, sr.Signer.CommonName)
	require.Equal(t, at, sr.Timestamp.Time)
	require.Equal(t, "current_time", sr.ValidationTimeSource)
	require.Len(t, sr.Revocation, 2)

	other := sha256.Sum256([]byte("other"))
	sr = run(e.pki.Timestamp(t, other[:], crypto.SHA256, at), e.fresh())
	requireResult(t, sr, TotalFailed, HashFailure)

	sr = run([]byte("garbage"), e.fresh())
	requireResult(t, sr, TotalFailed, FormatFailure)

	sr = run(tok, evidence{})
	requireResult(t, sr, Indeterminate, TryLater)

	// A token without certificates needs the TSA's from the DSS.
	noCerts := e.pki.TimestampWith(t, sum[:], crypto.SHA256, testpki.TimestampOptions{Time: at, NoCerts: true})
	sr = run(noCerts, e.fresh())
	requireResult(t, sr, Indeterminate, NoSigningCertificateFound)
	ev := e.fresh()
	ev.Certs = e.pki.TSA.Chain()
	sr = run(noCerts, ev)
	requireResult(t, sr, TotalPassed, NoSubIndication)

	// An ordinary signature is not a timestamp token.
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	sr = run(cmsBuild{signer: signer, content: e.data}.build(t), e.fresh())
	requireResult(t, sr, TotalFailed, FormatFailure)
}
