package testpki_test

import (
	"bytes"
	"crypto"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/timestamp"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa/internal/testpki"
)

func TestChains(t *testing.T) {
	p := testpki.New(t)
	leaf := p.NewSigner(t, "", testpki.Options{})

	require.NoError(t, p.Verify(leaf))
	require.NoError(t, p.Verify(p.TSA, x509.ExtKeyUsageTimeStamping))
	require.NoError(t, p.Verify(p.OCSPResponder, x509.ExtKeyUsageOCSPSigning))
	require.Equal(t, p.Intermediate.Cert, leaf.Issuer.Cert)
	require.Len(t, leaf.Chain(), 3)

	// Nothing expires during the project's life.
	for _, c := range []*testpki.Cert{p.Root, p.Intermediate, p.TSA, p.OCSPResponder, leaf} {
		require.True(t, c.Cert.NotAfter.After(time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC)), c.Cert.Subject.CommonName)
	}

	// The TSA's EKU extension is critical and holds only timeStamping.
	var found bool
	for _, e := range p.TSA.Cert.Extensions {
		if e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) {
			found = true
			require.True(t, e.Critical)
		}
	}
	require.True(t, found)
	require.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}, p.TSA.Cert.ExtKeyUsage)

	// The responder carries id-pkix-ocsp-nocheck.
	found = false
	for _, e := range p.OCSPResponder.Cert.Extensions {
		found = found || e.Id.Equal(testpki.OIDOCSPNoCheck)
	}
	require.True(t, found)

	// Default subject: Vietnamese names, two userID attributes.
	require.Equal(t, "Nguyễn Văn A", leaf.Cert.Subject.CommonName)
	require.Equal(t, []string{"Sở Nội vụ tỉnh Mẫu"}, leaf.Cert.Subject.Organization)
	require.Equal(t, []string{"VN"}, leaf.Cert.Subject.Country)
	var uids []string
	for _, n := range leaf.Cert.Subject.Names {
		if n.Type.Equal(testpki.OIDUserID) {
			uids = append(uids, n.Value.(string))
		}
	}
	require.Equal(t, []string{"MST:0101234567", "CCCD:001099012345"}, uids)
	require.Equal(t, x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment, leaf.Cert.KeyUsage)
	require.Equal(t, []string{p.URL() + "/crl/intermediate.crl"}, leaf.Cert.CRLDistributionPoints)
	require.Equal(t, []string{p.URL() + "/ocsp"}, leaf.Cert.OCSPServer)

	named := p.NewSigner(t, "Trần Thị B", testpki.Options{NoRevocationURLs: true})
	require.Equal(t, "Trần Thị B", named.Cert.Subject.CommonName)
	require.Empty(t, named.Cert.CRLDistributionPoints)
	require.Empty(t, named.Cert.OCSPServer)

	block, _ := pem.Decode(p.RootPEM())
	require.Equal(t, p.Root.DER, block.Bytes)
	path := p.WriteRootPEM(t.TempDir())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, p.RootPEM(), b)
}

func TestKeyTypesAndOptions(t *testing.T) {
	p := testpki.New(t)
	for _, kt := range []string{"rsa1024", "rsa2048", "ecdsa-p256", "ecdsa-p384", "ed25519"} {
		c := p.NewSigner(t, kt, testpki.Options{KeyType: kt})
		require.NoError(t, p.Verify(c), kt)
	}
	pss := p.NewSigner(t, "pss", testpki.Options{SigAlg: x509.SHA256WithRSAPSS})
	require.Equal(t, x509.SHA256WithRSAPSS, pss.Cert.SignatureAlgorithm)
	require.NoError(t, p.Verify(pss))

	sha1c := p.NewSigner(t, "sha1", testpki.Options{SigAlg: x509.SHA1WithRSA})
	require.Equal(t, x509.SHA1WithRSA, sha1c.Cert.SignatureAlgorithm)
	require.ErrorContains(t, p.Verify(sha1c), "insecure algorithm SHA1-RSA")

	expired := p.NewSigner(t, "expired", testpki.Options{
		NotBefore: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:  time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	require.Equal(t, 2021, expired.Cert.NotAfter.Year())

	policy := asn1.ObjectIdentifier{2, 16, 704, 1, 2, 3}
	withPolicy := p.NewSigner(t, "policy", testpki.Options{Policies: []asn1.ObjectIdentifier{policy},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}})
	require.Len(t, withPolicy.Cert.Policies, 1)
	require.Equal(t, policy.String(), withPolicy.Cert.Policies[0].String())
	require.Equal(t, []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, withPolicy.Cert.ExtKeyUsage)

	subCA := p.NewCert(t, p.Root, testpki.Options{IsCA: true})
	subLeaf := p.NewCert(t, subCA, testpki.Options{})
	require.NoError(t, p.Verify(subLeaf))
	resp, err := http.Get(subLeaf.Cert.CRLDistributionPoints[0])
	require.NoError(t, err)
	defer resp.Body.Close()
	der, _ := io.ReadAll(resp.Body)
	crl, err := x509.ParseRevocationList(der)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(subCA.Cert))
}

func TestUntrusted(t *testing.T) {
	p := testpki.New(t)
	u := testpki.NewUntrusted(t)
	leaf := u.NewSigner(t, "", testpki.Options{})
	require.NoError(t, u.Verify(leaf))
	_, err := leaf.Cert.Verify(x509.VerifyOptions{
		Roots:         p.Pool(),
		Intermediates: pool(u.Intermediate.Cert),
	})
	var ua x509.UnknownAuthorityError
	require.ErrorAs(t, err, &ua)
	require.NotEqual(t, p.Root.Cert.Subject.String(), u.Root.Cert.Subject.String())
	require.NotEqual(t, p.Root.Cert.PublicKey, u.Root.Cert.PublicKey)
}

func pool(cs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range cs {
		p.AddCert(c)
	}
	return p
}

func TestOCSPAndCRL(t *testing.T) {
	p := testpki.New(t)
	leaf := p.NewSigner(t, "", testpki.Options{})
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)

	r, err := ocsp.ParseResponseForCert(p.OCSP(t, leaf, t0), leaf.Cert, p.Intermediate.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Good, r.Status)
	require.Equal(t, t0, r.ThisUpdate)
	require.Equal(t, t0, r.ProducedAt)
	require.Equal(t, t0.Add(7*24*time.Hour), r.NextUpdate)
	require.Equal(t, p.OCSPResponder.Cert.Raw, r.Certificate.Raw)

	revokedAt := t0.Add(time.Hour)
	p.Revoke(leaf, revokedAt, 1)
	r, err = ocsp.ParseResponseForCert(p.OCSP(t, leaf, t0), leaf.Cert, p.Intermediate.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Good, r.Status, "revocation is in the future of the response")
	r, err = ocsp.ParseResponseForCert(p.OCSP(t, leaf, t0.Add(2*time.Hour)), leaf.Cert, p.Intermediate.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Revoked, r.Status)
	require.Equal(t, revokedAt, r.RevokedAt)
	require.Equal(t, ocsp.KeyCompromise, r.RevocationReason)

	// Options: by key, no certs, nonce, forced status, fixed nextUpdate.
	far := time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)
	der := p.OCSPWith(t, leaf, testpki.OCSPOptions{ThisUpdate: t0, ProducedAt: t0.Add(time.Minute), NextUpdate: far,
		ByKey: true, NoCerts: true, Nonce: []byte("nonce"), Status: testpki.OCSPUnknown, Responder: p.Intermediate})
	r, err = ocsp.ParseResponseForCert(der, leaf.Cert, p.Intermediate.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Unknown, r.Status)
	require.Equal(t, far, r.NextUpdate)
	require.Equal(t, t0.Add(time.Minute), r.ProducedAt)
	require.NotEmpty(t, r.ResponderKeyHash)
	require.Nil(t, r.Certificate)

	// Root-issued certificates are answered by the root itself.
	r, err = ocsp.ParseResponseForCert(p.OCSP(t, p.Intermediate, t0), p.Intermediate.Cert, p.Root.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Good, r.Status)

	crlDER := p.CRL(t, p.Intermediate, t0.Add(2*time.Hour), far)
	crl, err := x509.ParseRevocationList(crlDER)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(p.Intermediate.Cert))
	require.Equal(t, far, crl.NextUpdate)
	require.Len(t, crl.RevokedCertificateEntries, 1)
	require.Equal(t, leaf.Cert.SerialNumber, crl.RevokedCertificateEntries[0].SerialNumber)
	require.Equal(t, 1, crl.RevokedCertificateEntries[0].ReasonCode)

	crl, err = x509.ParseRevocationList(p.CRL(t, p.Intermediate, t0, time.Time{}))
	require.NoError(t, err)
	require.Empty(t, crl.RevokedCertificateEntries, "revocation after thisUpdate")
	crl, err = x509.ParseRevocationList(p.CRL(t, p.Root, t0, time.Time{}))
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(p.Root.Cert))
	require.Empty(t, crl.RevokedCertificateEntries)
}

func TestTimestamp(t *testing.T) {
	p := testpki.New(t)
	at := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA384, crypto.SHA512} {
		hh := h.New()
		hh.Write([]byte("dữ liệu"))
		digest := hh.Sum(nil)
		ts, err := timestamp.Parse(p.Timestamp(t, digest, h, at))
		require.NoError(t, err, h)
		require.Equal(t, digest, ts.HashedMessage)
		require.Equal(t, h, ts.HashAlgorithm)
		require.Equal(t, at, ts.Time)
		require.Equal(t, testpki.OIDTSAPolicy, ts.Policy)
		require.Equal(t, p.TSA.Cert.Raw, ts.Certificates[0].Raw)
		require.Len(t, ts.Certificates, 2) // TSA and intermediate
	}
	d := sha256.Sum256([]byte("x"))
	tok := p.TimestampWith(t, d[:], crypto.SHA256, testpki.TimestampOptions{Time: at, NoCerts: true})
	ts, err := timestamp.Parse(tok)
	require.NoError(t, err)
	require.Empty(t, ts.Certificates)
}

func TestServer(t *testing.T) {
	p := testpki.New(t)
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	p.SetClock(func() time.Time { return now })
	leaf := p.NewSigner(t, "", testpki.Options{})
	p.Revoke(leaf, now.Add(-time.Hour), 4)

	get := func(url string) []byte {
		resp, err := http.Get(url)
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode, url)
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return b
	}
	crl, err := x509.ParseRevocationList(get(leaf.Cert.CRLDistributionPoints[0]))
	require.NoError(t, err)
	require.Equal(t, now, crl.ThisUpdate)
	require.Len(t, crl.RevokedCertificateEntries, 1)
	_, err = x509.ParseRevocationList(get(p.CRLURL(p.Root)))
	require.NoError(t, err)
	require.Equal(t, p.Intermediate.DER, get(leaf.Cert.IssuingCertificateURL[0]))

	req, err := ocsp.CreateRequest(leaf.Cert, p.Intermediate.Cert, nil)
	require.NoError(t, err)
	resp, err := http.Post(p.OCSPURL(), "application/ocsp-request", bytes.NewReader(req))
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	r, err := ocsp.ParseResponseForCert(body, leaf.Cert, p.Intermediate.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Revoked, r.Status)
	require.Equal(t, now, r.ProducedAt)

	// pdfsign's own fetcher uses GET with unescaped standard base64 and CRL
	// distribution points.
	other := p.NewSigner(t, "", testpki.Options{})
	var ia revocation.InfoArchival
	require.NoError(t, sign.DefaultEmbedRevocationStatusFunction(other.Cert, p.Intermediate.Cert, &ia))
	require.Len(t, ia.OCSP, 1)
	require.Len(t, ia.CRL, 1)
	r, err = ocsp.ParseResponseForCert(ia.OCSP[0].FullBytes, other.Cert, p.Intermediate.Cert)
	require.NoError(t, err)
	require.Equal(t, ocsp.Good, r.Status)

	// Unknown certificate: unauthorized.
	u := testpki.NewUntrusted(t)
	foreign := u.NewSigner(t, "", testpki.Options{})
	req, err = ocsp.CreateRequest(foreign.Cert, u.Intermediate.Cert, nil)
	require.NoError(t, err)
	resp, err = http.Post(p.OCSPURL(), "application/ocsp-request", bytes.NewReader(req))
	require.NoError(t, err)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	_, err = ocsp.ParseResponse(body, nil)
	var re ocsp.ResponseError
	require.ErrorAs(t, err, &re)
	require.Equal(t, ocsp.Unauthorized, re.Status)

	// TSA, SHA-256 and SHA-1 requests.
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA1} {
		tsq, err := timestamp.CreateRequest(bytes.NewReader([]byte("abc")), &timestamp.RequestOptions{Hash: h, Certificates: true})
		require.NoError(t, err)
		resp, err = http.Post(p.TSAURL(), "application/timestamp-query", bytes.NewReader(tsq))
		require.NoError(t, err)
		body, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		ts, err := timestamp.ParseResponse(body)
		require.NoError(t, err, h)
		require.Equal(t, now, ts.Time)
		want := sha256.Sum256([]byte("abc"))
		if h == crypto.SHA1 {
			w1 := sha1.Sum([]byte("abc"))
			require.Equal(t, w1[:], ts.HashedMessage)
		} else {
			require.Equal(t, want[:], ts.HashedMessage)
		}
		require.NotEmpty(t, ts.Certificates)
	}
}
