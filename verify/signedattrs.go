package verify

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sohoa/sohoa/verify/internal/cms"
)

// essCertID is the first ESSCertID(v2) of a signing-certificate(-v2)
// attribute: the one that identifies the signing certificate.
type essCertID struct {
	hash     crypto.Hash
	certHash []byte
	issuers  [][]byte // directoryName entries of IssuerSerial.issuer
	serial   *big.Int // nil when IssuerSerial is absent
}

// parseESS reads SigningCertificate (v1: ESSCertID with a SHA-1 hash) or
// SigningCertificateV2 (ESSCertIDv2 with hashAlgorithm DEFAULT sha256).
func parseESS(der []byte, v2 bool) (essCertID, error) {
	e := essCertID{hash: crypto.SHA1}
	s := cryptobyte.String(der)
	var sc, certs, id cryptobyte.String
	if !s.ReadASN1(&sc, cbasn1.SEQUENCE) || !s.Empty() || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) ||
		!certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return e, errors.New("malformed")
	}
	if v2 {
		e.hash = crypto.SHA256
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			a, err := cms.ReadAlgID(&id)
			if err != nil {
				return e, err
			}
			h, _, ok := digestHash(a.OID)
			if !ok || !h.Available() {
				return e, fmt.Errorf("unsupported certificate hash algorithm %s", a.OID)
			}
			e.hash = h
		}
	}
	var ch cryptobyte.String
	if !id.ReadASN1(&ch, cbasn1.OCTET_STRING) {
		return e, errors.New("malformed certHash")
	}
	e.certHash = ch
	if id.PeekASN1Tag(cbasn1.SEQUENCE) {
		var is, names cryptobyte.String
		e.serial = new(big.Int)
		if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !is.ReadASN1(&names, cbasn1.SEQUENCE) || !is.ReadASN1Integer(e.serial) {
			return e, errors.New("malformed issuerSerial")
		}
		for !names.Empty() {
			var gn cryptobyte.String
			var tag cbasn1.Tag
			if !names.ReadAnyASN1(&gn, &tag) {
				return e, errors.New("malformed issuerSerial names")
			}
			if tag == cbasn1.Tag(4).Constructed().ContextSpecific() {
				var name cryptobyte.String
				if gn.ReadASN1Element(&name, cbasn1.SEQUENCE) {
					e.issuers = append(e.issuers, name)
				}
			}
		}
	}
	if !id.Empty() {
		return e, errors.New("trailing data in ESSCertID")
	}
	return e, nil
}

// matches reports whether e designates c: same certificate hash and, when
// issuerSerial is present, same serial and issuer.
func (e essCertID) matches(c *x509.Certificate) bool {
	sum, err := hashBytes(e.hash, c.Raw)
	if err != nil || !bytes.Equal(sum, e.certHash) {
		return false
	}
	if e.serial == nil {
		return true
	}
	if c.SerialNumber.Cmp(e.serial) != 0 {
		return false
	}
	for _, n := range e.issuers {
		if bytes.Equal(n, c.RawIssuer) || rawNameString(n) == rawNameString(c.RawIssuer) {
			return true
		}
	}
	return false
}

// checkAlgorithmProtection compares CMSAlgorithmProtection (RFC 6211)
// with the SignerInfo; it returns "" when they agree.
func checkAlgorithmProtection(der []byte, si *cms.SignerInfo) string {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return "cannot be read"
	}
	dig, err := cms.ReadAlgID(&seq)
	if err != nil {
		return "cannot be read"
	}
	if !dig.SameAs(si.DigestAlg) {
		return fmt.Sprintf("names digest algorithm %s but the signer used %s", dig.OID, si.DigestAlg.OID)
	}
	var sigAlg cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&sigAlg, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return "cannot be read"
	}
	if !present {
		return "names no signature algorithm"
	}
	var a cms.AlgID
	if !sigAlg.ReadASN1ObjectIdentifier(&a.OID) {
		return "cannot be read"
	}
	if !sigAlg.Empty() {
		var p cryptobyte.String
		var tag cbasn1.Tag
		if !sigAlg.ReadAnyASN1Element(&p, &tag) || !sigAlg.Empty() {
			return "cannot be read"
		}
		a.Params = p
	}
	if !a.SameAs(si.SigAlg) {
		return fmt.Sprintf("names signature algorithm %s but the signer used %s", a.OID, si.SigAlg.OID)
	}
	if !seq.Empty() {
		return "also names a MAC algorithm"
	}
	return ""
}

// parseRevocationArchival reads adbe-revocationInfoArchival:
//
//	SEQUENCE { crl [0] EXPLICIT SEQUENCE OF CRL OPTIONAL,
//	           ocsp [1] EXPLICIT SEQUENCE OF OCSPResponse OPTIONAL,
//	           otherRevInfo [2] EXPLICIT SEQUENCE OF OtherRevInfo OPTIONAL }
func parseRevocationArchival(der []byte) (crls, ocsps [][]byte, err error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return nil, nil, errors.New("malformed")
	}
	read := func(tag int) ([][]byte, error) {
		var ex, list cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&ex, &present, cbasn1.Tag(tag).Constructed().ContextSpecific()) {
			return nil, errors.New("malformed")
		}
		if !present {
			return nil, nil
		}
		if !ex.ReadASN1(&list, cbasn1.SEQUENCE) {
			return nil, errors.New("malformed")
		}
		var out [][]byte
		for !list.Empty() {
			var el cryptobyte.String
			if !list.ReadASN1Element(&el, cbasn1.SEQUENCE) {
				return nil, errors.New("malformed entry")
			}
			if len(out) < cms.MaxRevInfo {
				out = append(out, el)
			}
		}
		return out, nil
	}
	if crls, err = read(0); err != nil {
		return nil, nil, err
	}
	if ocsps, err = read(1); err != nil {
		return crls, nil, err
	}
	return crls, ocsps, nil
}
