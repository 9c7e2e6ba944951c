package cms

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	oidSignedData     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidRIOCSPResponse = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}
)

// AlgID is an AlgorithmIdentifier.
type AlgID struct {
	OID    asn1.ObjectIdentifier
	Params []byte // full DER of the parameters; nil when absent
}

// SameAs compares two AlgorithmIdentifiers, treating absent and NULL
// parameters as equal (RFC 5754 allows both for SHA-2).
func (a AlgID) SameAs(b AlgID) bool {
	if !a.OID.Equal(b.OID) {
		return false
	}
	null := []byte{0x05, 0x00}
	pa, pb := a.Params, b.Params
	if bytes.Equal(pa, null) {
		pa = nil
	}
	if bytes.Equal(pb, null) {
		pb = nil
	}
	return bytes.Equal(pa, pb)
}

func ReadAlgID(s *cryptobyte.String) (AlgID, error) {
	var seq cryptobyte.String
	var a AlgID
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.OID) {
		return a, errors.New("bad AlgorithmIdentifier")
	}
	if !seq.Empty() {
		var p cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1Element(&p, &tag) || !seq.Empty() {
			return a, errors.New("bad AlgorithmIdentifier parameters")
		}
		a.Params = p
	}
	return a, nil
}

// Attr is one attribute: its type and the full DER of each value.
type Attr struct {
	OID    asn1.ObjectIdentifier
	Values [][]byte
}

// SignerInfo is a parsed SignerInfo (RFC 5652 section 5.3).
type SignerInfo struct {
	Version int
	// sid: issuerAndSerialNumber or subjectKeyIdentifier.
	Issuer []byte // full DER of the issuer Name
	Serial *big.Int
	SKI    []byte

	DigestAlg AlgID
	// signedAttrsDER is the DER SET OF the signed attributes exactly as
	// the signer sent them (the [0] tag replaced by SET): the bytes the
	// signature covers. Nil when there are no signed attributes.
	SignedAttrsDER []byte
	SignedAttrs    []Attr
	SigAlg         AlgID
	Signature      []byte
	UnsignedAttrs  []Attr
}

// Attr returns the signed (or unsigned) attribute of type oid, or nil.
func (si *SignerInfo) Attr(oid asn1.ObjectIdentifier, signed bool) *Attr {
	list := si.UnsignedAttrs
	if signed {
		list = si.SignedAttrs
	}
	for i := range list {
		if list[i].OID.Equal(oid) {
			return &list[i]
		}
	}
	return nil
}

// SignedData is the parsed SignedData of a ContentInfo.
type SignedData struct {
	EContentType asn1.ObjectIdentifier
	EContent     []byte
	HasEContent  bool
	Certs        []*x509.Certificate
	CertErrs     []string
	CRLs         [][]byte // from the SignedData crls field
	OCSPs        [][]byte // id-ri-ocsp-response entries of the crls field
	Signers      []SignerInfo
	// Trailing counts the bytes after the DER structure up to the last
	// non-zero one (0 when only zero padding follows).
	Trailing int
}

// Parse reads a ContentInfo holding SignedData: the first complete BER
// element of der. What follows it is counted in Trailing. parseCert reads
// each certificate (the verifier's parser also knows keys crypto/x509
// does not).
func Parse(der []byte, parseCert func(der []byte) (*x509.Certificate, error)) (*SignedData, error) {
	if len(der) == 0 {
		return nil, errors.New("it is empty")
	}
	if ZerosOnly(der) {
		return nil, errors.New("it holds only zero bytes (an unsigned or emptied field)")
	}
	norm, n, err := ToDER(der)
	if err != nil {
		return nil, err
	}
	// Signers zero-pad a PDF's /Contents; some leave other bytes after the
	// SignedData. They lie outside the signed byte range and outside the
	// CMS, so they cannot change what was signed: the first complete
	// element is read and the rest only reported.
	var trailing int
	if !ZerosOnly(der[n:]) {
		trailing = len(bytes.TrimRight(der[n:], "\x00"))
	}
	s := cryptobyte.String(norm)
	var ci, content cryptobyte.String
	var ct asn1.ObjectIdentifier
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&ct) {
		return nil, errors.New("it is not a CMS ContentInfo")
	}
	if !ct.Equal(oidSignedData) {
		return nil, fmt.Errorf("its content type is %s, not SignedData", ct)
	}
	var sdSeq cryptobyte.String
	if !ci.ReadASN1(&content, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!content.ReadASN1(&sdSeq, cbasn1.SEQUENCE) || !content.Empty() {
		return nil, errors.New("malformed ContentInfo")
	}
	sd := &SignedData{Trailing: trailing}
	var version int64
	var digestAlgs, eci cryptobyte.String
	if !sdSeq.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) ||
		!sdSeq.ReadASN1(&digestAlgs, cbasn1.SET) ||
		!sdSeq.ReadASN1(&eci, cbasn1.SEQUENCE) ||
		!eci.ReadASN1ObjectIdentifier(&sd.EContentType) {
		return nil, errors.New("malformed SignedData")
	}
	for !digestAlgs.Empty() {
		if _, err := ReadAlgID(&digestAlgs); err != nil {
			return nil, fmt.Errorf("malformed SignedData digestAlgorithms: %w", err)
		}
	}
	if !eci.Empty() {
		var ec cryptobyte.String
		if !eci.ReadASN1(&ec, cbasn1.Tag(0).Constructed().ContextSpecific()) || !eci.Empty() {
			return nil, errors.New("malformed encapsulated content")
		}
		oct, err := ReadOctets(&ec)
		if err != nil || !ec.Empty() {
			return nil, errors.New("malformed encapsulated content")
		}
		sd.EContent, sd.HasEContent = oct, true
	}
	var certs, crls cryptobyte.String
	var hasCerts, hasCRLs bool
	if !sdSeq.ReadOptionalASN1(&certs, &hasCerts, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!sdSeq.ReadOptionalASN1(&crls, &hasCRLs, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return nil, errors.New("malformed SignedData certificates or CRLs")
	}
	count := 0
	for !certs.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !certs.ReadAnyASN1Element(&el, &tag) {
			return nil, errors.New("malformed SignedData certificates")
		}
		if count++; count > MaxCerts {
			return nil, fmt.Errorf("it holds more than %d certificates", MaxCerts)
		}
		if tag != cbasn1.SEQUENCE {
			continue // attribute certificates and other formats are not used here
		}
		c, err := parseCert(el)
		if err != nil {
			sd.CertErrs = append(sd.CertErrs, fmt.Sprintf("certificate %d in the signature cannot be read: %v", count, err))
			continue
		}
		sd.Certs = append(sd.Certs, c)
	}
	count = 0
	for !crls.Empty() {
		var el cryptobyte.String
		var tag cbasn1.Tag
		if !crls.ReadAnyASN1Element(&el, &tag) {
			return nil, errors.New("malformed SignedData CRLs")
		}
		if count++; count > MaxRevInfo {
			return nil, fmt.Errorf("it holds more than %d revocation entries", MaxRevInfo)
		}
		switch tag {
		case cbasn1.SEQUENCE:
			sd.CRLs = append(sd.CRLs, el)
		case cbasn1.Tag(1).Constructed().ContextSpecific():
			// OtherRevocationInfoFormat { otherRevInfoFormat, otherRevInfo }
			var inner cryptobyte.String
			var format asn1.ObjectIdentifier
			var info cryptobyte.String
			var itag cbasn1.Tag
			if el.ReadASN1(&inner, tag) && inner.ReadASN1ObjectIdentifier(&format) &&
				inner.ReadAnyASN1Element(&info, &itag) && format.Equal(oidRIOCSPResponse) {
				sd.OCSPs = append(sd.OCSPs, info)
			}
		}
	}
	var sis cryptobyte.String
	if !sdSeq.ReadASN1(&sis, cbasn1.SET) || !sdSeq.Empty() {
		return nil, errors.New("malformed SignedData signerInfos")
	}
	for !sis.Empty() {
		if len(sd.Signers) >= MaxSigners {
			return nil, fmt.Errorf("it holds more than %d signers", MaxSigners)
		}
		si, err := parseSignerInfo(&sis)
		if err != nil {
			return nil, fmt.Errorf("SignerInfo %d: %w", len(sd.Signers)+1, err)
		}
		sd.Signers = append(sd.Signers, si)
	}
	return sd, nil
}

func parseSignerInfo(s *cryptobyte.String) (SignerInfo, error) {
	var si SignerInfo
	var seq cryptobyte.String
	var version int64
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1Int64WithTag(&version, cbasn1.INTEGER) {
		return si, errors.New("malformed SignerInfo")
	}
	si.Version = int(version)
	switch {
	case seq.PeekASN1Tag(cbasn1.SEQUENCE):
		var ias, name cryptobyte.String
		si.Serial = new(big.Int)
		if !seq.ReadASN1(&ias, cbasn1.SEQUENCE) || !ias.ReadASN1Element(&name, cbasn1.SEQUENCE) ||
			!ias.ReadASN1Integer(si.Serial) || !ias.Empty() {
			return si, errors.New("malformed issuerAndSerialNumber")
		}
		si.Issuer = name
	case seq.PeekASN1Tag(cbasn1.Tag(0).ContextSpecific()):
		var ski cryptobyte.String
		if !seq.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) || len(ski) == 0 {
			return si, errors.New("malformed subjectKeyIdentifier")
		}
		si.SKI = ski
	default:
		return si, errors.New("unknown signer identifier")
	}
	var err error
	if si.DigestAlg, err = ReadAlgID(&seq); err != nil {
		return si, fmt.Errorf("digestAlgorithm: %w", err)
	}
	if seq.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var full cryptobyte.String
		if !seq.ReadASN1Element(&full, cbasn1.Tag(0).Constructed().ContextSpecific()) {
			return si, errors.New("malformed signed attributes")
		}
		der := bytes.Clone(full)
		der[0] = 0x31 // the signature covers the explicit SET OF encoding
		si.SignedAttrsDER = der
		if si.SignedAttrs, err = parseAttrs(der); err != nil {
			return si, fmt.Errorf("signed attributes: %w", err)
		}
	}
	if si.SigAlg, err = ReadAlgID(&seq); err != nil {
		return si, fmt.Errorf("signatureAlgorithm: %w", err)
	}
	if si.Signature, err = ReadOctets(&seq); err != nil {
		return si, fmt.Errorf("signature value: %w", err)
	}
	if seq.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		var full cryptobyte.String
		if !seq.ReadASN1Element(&full, cbasn1.Tag(1).Constructed().ContextSpecific()) {
			return si, errors.New("malformed unsigned attributes")
		}
		der := bytes.Clone(full)
		der[0] = 0x31
		if si.UnsignedAttrs, err = parseAttrs(der); err != nil {
			return si, fmt.Errorf("unsigned attributes: %w", err)
		}
	}
	if !seq.Empty() {
		return si, errors.New("trailing data in SignerInfo")
	}
	return si, nil
}

// parseAttrs reads a DER SET OF Attribute.
func parseAttrs(der []byte) ([]Attr, error) {
	s := cryptobyte.String(der)
	var set cryptobyte.String
	if !s.ReadASN1(&set, cbasn1.SET) || !s.Empty() {
		return nil, errors.New("not a SET")
	}
	var out []Attr
	for !set.Empty() {
		var a Attr
		var seq, vals cryptobyte.String
		if !set.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.OID) ||
			!seq.ReadASN1(&vals, cbasn1.SET) || !seq.Empty() {
			return nil, errors.New("malformed attribute")
		}
		for !vals.Empty() {
			var v cryptobyte.String
			var tag cbasn1.Tag
			if !vals.ReadAnyASN1Element(&v, &tag) {
				return nil, fmt.Errorf("malformed value of attribute %s", a.OID)
			}
			a.Values = append(a.Values, v)
		}
		out = append(out, a)
	}
	return out, nil
}

// ReadOctets reads an OCTET STRING, primitive or (BER) constructed of
// primitive segments.
func ReadOctets(s *cryptobyte.String) ([]byte, error) {
	if s.PeekASN1Tag(cbasn1.OCTET_STRING) {
		var o cryptobyte.String
		if !s.ReadASN1(&o, cbasn1.OCTET_STRING) {
			return nil, errors.New("malformed OCTET STRING")
		}
		return o, nil
	}
	var c cryptobyte.String
	if !s.ReadASN1(&c, cbasn1.OCTET_STRING.Constructed()) {
		return nil, errors.New("expected an OCTET STRING")
	}
	var out []byte
	for !c.Empty() {
		var seg cryptobyte.String
		if !c.ReadASN1(&seg, cbasn1.OCTET_STRING) {
			return nil, errors.New("malformed constructed OCTET STRING")
		}
		out = append(out, seg...)
	}
	return out, nil
}

func ZerosOnly(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}
