package verify

import (
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
)

// tsAttr returns an unsigned-attribute builder adding a signature
// timestamp made at at.
func (e *cmsEnv) tsAttr(at time.Time, o ...testpki.TimestampOptions) func([]byte) []tAttr {
	return func(sig []byte) []tAttr {
		sum := sha256.Sum256(sig)
		opts := testpki.TimestampOptions{Time: at}
		if len(o) > 0 {
			opts = o[0]
			opts.Time = at
		}
		return []tAttr{{oidAttrSigTimeStampToken, [][]byte{e.pki.TimestampWith(e.t, sum[:], crypto.SHA256, opts)}}}
	}
}

func TestChainUntrustedRoot(t *testing.T) {
	e := newCMSEnv(t)
	other := testpki.NewUntrusted(t)
	signer := other.NewSigner(t, "", testpki.Options{})
	sr := e.check(pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, NoCertificateChainFound)
	require.False(t, sr.ChainTrusted)
	require.True(t, sr.SignatureValid)
	require.Len(t, sr.Chain, 2, "the partial chain (signer, issuing CA) is shown")
	problemsContain(t, sr, "does not chain to a configured trust anchor")
	require.Empty(t, sr.Revocation, "revocation is only checked on a trusted path")
}

func TestChainNoAnchors(t *testing.T) {
	e := newCMSEnv(t, func(c *Config) { c.TrustAnchors = nil })
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	sr := e.check(pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256), e.fresh(), "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, NoCertificateChainFound)
	problemsContain(t, sr, "no trust anchors are configured")
}

func TestChainKeyUsage(t *testing.T) {
	e := newCMSEnv(t)
	cases := []struct {
		name string
		o    testpki.Options
		ok   bool
	}{
		{"key-encipherment-only", testpki.Options{KeyUsage: x509.KeyUsageKeyEncipherment}, false},
		{"non-repudiation-only", testpki.Options{KeyUsage: x509.KeyUsageContentCommitment}, true},
		{"server-auth-only", testpki.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, false},
		{"code-signing-only", testpki.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}}, false},
		{"client-and-email", testpki.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageEmailProtection}}, true},
		{"any", testpki.Options{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			signer := e.pki.NewSigner(t, "", tc.o)
			sr := e.check(pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256), e.fresh(), "adbe.pkcs7.detached")
			if tc.ok {
				requireResult(t, sr, TotalPassed, NoSubIndication)
			} else {
				requireResult(t, sr, Indeterminate, ChainConstraintsFailure)
			}
		})
	}
}

func TestChainValidityPeriod(t *testing.T) {
	e := newCMSEnv(t)
	expired := e.pki.NewSigner(t, "", testpki.Options{
		NotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:  time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	inValidity := time.Date(2021, 6, 1, 0, 0, 0, 0, time.UTC)
	afterExpiry := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

	t.Run("expired-no-timestamp", func(t *testing.T) {
		sr := e.check(cmsBuild{signer: expired, content: e.data}.build(t), e.fresh(), "ETSI.CAdES.detached")
		requireResult(t, sr, Indeterminate, OutOfBoundsNoPOE)
		problemsContain(t, sr, "expired on 2022-01-01")
	})
	t.Run("expired-timestamp-in-validity", func(t *testing.T) {
		// Revocation data from the time of the timestamp.
		ev := evidence{CRLs: e.crls(inValidity.Add(time.Hour))}
		sr := e.check(cmsBuild{signer: expired, content: e.data, unsigned: e.tsAttr(inValidity)}.build(t), ev, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		require.Equal(t, "signature_timestamp", sr.ValidationTimeSource)
		require.Equal(t, inValidity, sr.ValidationTime)
	})
	t.Run("expired-before-timestamp", func(t *testing.T) {
		ev := evidence{CRLs: e.crls(afterExpiry)}
		sr := e.check(cmsBuild{signer: expired, content: e.data, unsigned: e.tsAttr(afterExpiry)}.build(t), ev, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalFailed, Expired)
	})

	future := e.pki.NewSigner(t, "", testpki.Options{NotBefore: e.now.Add(30 * 24 * time.Hour)})
	t.Run("not-yet-valid-no-timestamp", func(t *testing.T) {
		sr := e.check(cmsBuild{signer: future, content: e.data}.build(t), e.fresh(), "ETSI.CAdES.detached")
		requireResult(t, sr, Indeterminate, NotYetValid)
	})
	t.Run("not-yet-valid-at-timestamp", func(t *testing.T) {
		sr := e.check(cmsBuild{signer: future, content: e.data, unsigned: e.tsAttr(e.now.Add(-time.Hour))}.build(t), e.fresh(), "ETSI.CAdES.detached")
		requireResult(t, sr, TotalFailed, NotYetValid)
	})
	t.Run("requested-time", func(t *testing.T) {
		at := newCMSEnv(t, func(c *Config) { c.At = inValidity })
		signer := at.pki.NewSigner(t, "", testpki.Options{NotBefore: inValidity.Add(-time.Hour), NotAfter: inValidity.Add(time.Hour)})
		sr := at.check(cmsBuild{signer: signer, content: at.data}.build(t), evidence{CRLs: at.crls(inValidity)}, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		require.Equal(t, "requested_time", sr.ValidationTimeSource)
	})
}

func TestChainSHA1Certificates(t *testing.T) {
	for _, allow := range []bool{false, true} {
		e := newCMSEnv(t, func(c *Config) { c.Policy = DefaultPolicy(); c.Policy.AllowSHA1 = allow })
		ca := e.pki.NewCert(t, e.pki.Root, testpki.Options{IsCA: true, SigAlg: x509.SHA1WithRSA, Subject: testpki.DefaultSubject("Legacy SHA-1 CA")})
		signer := e.pki.NewCert(t, ca, testpki.Options{SigAlg: x509.SHA1WithRSA})
		ev := evidence{CRLs: [][]byte{
			e.pki.CRL(t, ca, e.now.Add(-time.Hour), e.now.Add(time.Hour)),
			e.pki.CRL(t, e.pki.Root, e.now.Add(-time.Hour), e.now.Add(time.Hour)),
		}}
		sr := e.check(cmsBuild{signer: signer, content: e.data, certs: []*x509.Certificate{signer.Cert, ca.Cert}}.build(t), ev, "ETSI.CAdES.detached")
		if allow {
			requireResult(t, sr, TotalPassed, NoSubIndication)
			require.True(t, sr.ChainTrusted)
		} else {
			requireResult(t, sr, Indeterminate, CryptoConstraintsFailureNoPOE)
			require.True(t, sr.ChainTrusted, "the path is built; only the policy rejects it")
			problemsContain(t, sr, `the certificate "Legacy SHA-1 CA"`)
			problemsContain(t, sr, "is signed with SHA1-RSA, which is too weak under the policy")
		}
	}
}
