package testpdf

import (
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pkcs7"

	"github.com/sohoa/sohoa/internal/testpki"
)

// CMSOptions shape a CMS SignedData made by DetachedCMS (and by the native
// PDF signer).
type CMSOptions struct {
	// Digest is the message digest algorithm (default SHA-256).
	Digest crypto.Hash
	// Timestamp adds a signature timestamp token (unsigned attribute
	// id-aa-timeStampToken) from the PKI's TSA, stamped at TimestampTime
	// (default: the PKI clock).
	Timestamp     bool
	TimestampTime time.Time
	// Revocation, when set, is embedded as Adobe's signed attribute
	// adbe-revocationInfoArchival (1.2.840.113583.1.1.8), as pdfsign does.
	Revocation *revocation.InfoArchival
	// CRLs are DER CRLs put in SignedData.crls (RevocationInfoChoices), the
	// standard CMS place for revocation data outside PDF.
	CRLs [][]byte
	// NoChain leaves the issuing CAs out of the certificate set.
	NoChain bool
	// NoSigningCertificate leaves out the ESS signing-certificate(-v2)
	// attribute that CAdES requires.
	NoSigningCertificate bool
	// Attached embeds the content (the default is detached).
	Attached bool
}

var (
	oidAdbeRevocation       = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
	oidSigningCertificate   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTimeStampToken       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
)

// DetachedCMS signs content with signer and returns a DER CMS SignedData
// (detached unless o.Attached) with the signer's chain (without the root)
// and an ESS signing-certificate-v2 attribute: what a ".p7s" next to a
// report looks like.
func DetachedCMS(t testpki.TB, content []byte, signer *testpki.Cert, pki *testpki.PKI, o CMSOptions) []byte {
	t.Helper()
	der, err := buildCMS(t, content, signer, pki, o)
	if err != nil {
		t.Fatalf("testpdf: CMS: %v", err)
	}
	return der
}

func digestOID(h crypto.Hash) (asn1.ObjectIdentifier, error) {
	switch h {
	case crypto.SHA1:
		return pkcs7.OIDDigestAlgorithmSHA1, nil
	case crypto.SHA256:
		return pkcs7.OIDDigestAlgorithmSHA256, nil
	case crypto.SHA384:
		return pkcs7.OIDDigestAlgorithmSHA384, nil
	case crypto.SHA512:
		return pkcs7.OIDDigestAlgorithmSHA512, nil
	}
	return nil, fmt.Errorf("unsupported digest %v", h)
}

func buildCMS(t testpki.TB, content []byte, signer *testpki.Cert, pki *testpki.PKI, o CMSOptions) ([]byte, error) {
	if o.Digest == 0 {
		o.Digest = crypto.SHA256
	}
	oid, err := digestOID(o.Digest)
	if err != nil {
		return nil, err
	}
	sd, err := pkcs7.NewSignedData(content)
	if err != nil {
		return nil, err
	}
	sd.SetDigestAlgorithm(oid)
	var cfg pkcs7.SignerInfoConfig
	if !o.NoSigningCertificate {
		attr, err := signingCertificateAttr(signer.Cert, o.Digest)
		if err != nil {
			return nil, err
		}
		cfg.ExtraSignedAttributes = append(cfg.ExtraSignedAttributes, attr)
	}
	if o.Revocation != nil {
		cfg.ExtraSignedAttributes = append(cfg.ExtraSignedAttributes, pkcs7.Attribute{Type: oidAdbeRevocation, Value: *o.Revocation})
	}
	var parents []*x509.Certificate
	if chain := signer.Chain(); !o.NoChain && len(chain) > 2 {
		parents = chain[1 : len(chain)-1]
	}
	if err := sd.AddSignerChain(signer.Cert, signer.Key, parents, cfg); err != nil {
		return nil, err
	}
	for _, der := range o.CRLs {
		var crl pkix.CertificateList // keeps TBSCertList.Raw, so re-encoding is exact
		if _, err := asn1.Unmarshal(der, &crl); err != nil {
			return nil, fmt.Errorf("CRL: %w", err)
		}
		sd.GetSignedData().CRLs = append(sd.GetSignedData().CRLs, crl)
	}
	if !o.Attached {
		sd.Detach()
	}
	if o.Timestamp {
		si := &sd.GetSignedData().SignerInfos[0]
		h := o.Digest.New()
		h.Write(si.EncryptedDigest)
		tok := pki.Timestamp(t, h.Sum(nil), o.Digest, o.TimestampTime)
		if err := si.SetUnauthenticatedAttributes([]pkcs7.Attribute{{Type: oidTimeStampToken, Value: asn1.RawValue{FullBytes: tok}}}); err != nil {
			return nil, err
		}
	}
	return sd.Finish()
}

// signingCertificateAttr builds ESS signing-certificate-v2 (RFC 5035), or
// the v1 attribute for SHA-1 as CAdES prescribes, with issuerSerial.
func signingCertificateAttr(c *x509.Certificate, h crypto.Hash) (pkcs7.Attribute, error) {
	hh := h.New()
	hh.Write(c.Raw)
	type issuerSerial struct {
		Issuer []asn1.RawValue
		Serial *big.Int
	}
	is := issuerSerial{
		Issuer: []asn1.RawValue{{Tag: 4, Class: asn1.ClassContextSpecific, IsCompound: true, Bytes: c.RawIssuer}},
		Serial: c.SerialNumber,
	}
	var val []byte
	var err error
	if h == crypto.SHA1 {
		type certID struct {
			Hash         []byte
			IssuerSerial issuerSerial
		}
		val, err = asn1.Marshal(struct{ Certs []certID }{[]certID{{hh.Sum(nil), is}}})
		if err != nil {
			return pkcs7.Attribute{}, err
		}
		return pkcs7.Attribute{Type: oidSigningCertificate, Value: asn1.RawValue{FullBytes: val}}, nil
	}
	if h == crypto.SHA256 { // the default hashAlgorithm is omitted (DER)
		type certID struct {
			Hash         []byte
			IssuerSerial issuerSerial
		}
		val, err = asn1.Marshal(struct{ Certs []certID }{[]certID{{hh.Sum(nil), is}}})
	} else {
		oid, _ := digestOID(h)
		type algID struct{ Algorithm asn1.ObjectIdentifier }
		type certID struct {
			Alg          algID
			Hash         []byte
			IssuerSerial issuerSerial
		}
		val, err = asn1.Marshal(struct{ Certs []certID }{[]certID{{algID{oid}, hh.Sum(nil), is}}})
	}
	if err != nil {
		return pkcs7.Attribute{}, err
	}
	return pkcs7.Attribute{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: val}}, nil
}
