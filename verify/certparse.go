package verify

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// parseCertAny parses a DER certificate: with crypto/x509 (memoised by
// parseCert) and, for a certificate crypto/x509 refuses only because its
// key is on a brainpool curve, with parseBrainpoolCert.
func parseCertAny(der []byte) (*x509.Certificate, error) {
	c, err := parseCert(der)
	if err == nil {
		return c, nil
	}
	bc, handled, bErr := parseBrainpoolCert(der)
	if !handled {
		return nil, err
	}
	if bErr != nil {
		return nil, bErr
	}
	return bc, nil
}

// placeholderSPKI is a P-256 SubjectPublicKeyInfo (its generator as the
// key) that stands in for a brainpool key while crypto/x509 parses the
// rest of the certificate.
var placeholderSPKI = func() []byte {
	p := elliptic.P256().Params()
	der, err := x509.MarshalPKIXPublicKey(&ecdsa.PublicKey{Curve: elliptic.P256(), X: p.Gx, Y: p.Gy})
	if err != nil {
		panic(err)
	}
	return der
}()

var oidPublicKeyEC = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}

// parseBrainpoolCert reads a certificate whose subject key is on a
// brainpool curve. crypto/x509 refuses the whole certificate for its key
// alone, so the key is swapped for placeholderSPKI, the copy is parsed by
// crypto/x509 (every other field and extension, with all its checks), and
// the result gets back the original bytes (Raw, RawTBSCertificate,
// RawSubjectPublicKeyInfo) and the real key. The certificate's own
// signature is over the original TBSCertificate and is checked against it
// by whoever verifies it. handled is false when the certificate does not
// hold a brainpool key (the crypto/x509 error then stands).
func parseBrainpoolCert(der []byte) (c *x509.Certificate, handled bool, err error) {
	in := cryptobyte.String(der)
	var certSeq, tbsFull cryptobyte.String
	if !in.ReadASN1(&certSeq, cbasn1.SEQUENCE) || !in.Empty() || !certSeq.ReadASN1Element(&tbsFull, cbasn1.SEQUENCE) {
		return nil, false, nil
	}
	afterTBS := []byte(certSeq) // signatureAlgorithm and signatureValue
	tbs := tbsFull
	var tbsBody cryptobyte.String
	if !tbs.ReadASN1(&tbsBody, cbasn1.SEQUENCE) {
		return nil, false, nil
	}
	body := []byte(tbsBody)
	rest := tbsBody
	var skip cryptobyte.String
	var tag cbasn1.Tag
	if rest.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) && !rest.ReadAnyASN1Element(&skip, &tag) {
		return nil, false, nil
	}
	// serialNumber, signature, issuer, validity, subject
	for range 5 {
		if !rest.ReadAnyASN1Element(&skip, &tag) {
			return nil, false, nil
		}
	}
	spkiStart := len(body) - len(rest)
	var spki cryptobyte.String
	if !rest.ReadASN1Element(&spki, cbasn1.SEQUENCE) {
		return nil, false, nil
	}
	spkiEnd := len(body) - len(rest)

	sp := spki
	var spkiSeq, algSeq cryptobyte.String
	var algOID, curveOID asn1.ObjectIdentifier
	var point asn1.BitString
	if !sp.ReadASN1(&spkiSeq, cbasn1.SEQUENCE) || !spkiSeq.ReadASN1(&algSeq, cbasn1.SEQUENCE) ||
		!algSeq.ReadASN1ObjectIdentifier(&algOID) || !algOID.Equal(oidPublicKeyEC) ||
		!algSeq.ReadASN1ObjectIdentifier(&curveOID) || !algSeq.Empty() {
		return nil, false, nil
	}
	curve := brainpoolByOID(curveOID)
	if curve == nil {
		return nil, false, nil
	}
	if !spkiSeq.ReadASN1BitString(&point) || !spkiSeq.Empty() || point.BitLength%8 != 0 {
		return nil, true, errors.New("x509: malformed brainpool public key")
	}
	pub, err := brainpoolPublicKey(curve, point.Bytes)
	if err != nil {
		return nil, true, fmt.Errorf("x509: %w", err)
	}

	newBody := make([]byte, 0, len(body)-len(spki)+len(placeholderSPKI))
	newBody = append(append(append(newBody, body[:spkiStart]...), placeholderSPKI...), body[spkiEnd:]...)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(newBody) })
		b.AddBytes(afterTBS)
	})
	substitute, err := b.Bytes()
	if err != nil {
		return nil, true, err
	}
	c, err = x509.ParseCertificate(substitute)
	if err != nil {
		return nil, true, err
	}
	raw := bytes.Clone(der)
	tbsLen := len(tbsFull)
	// The outer SEQUENCE's content is tbsFull || afterTBS, up to the end.
	tbsOff := len(raw) - len(afterTBS) - tbsLen
	tbsRaw := raw[tbsOff : tbsOff+tbsLen]
	hdr := tbsLen - len(body)
	c.Raw = raw
	c.RawTBSCertificate = tbsRaw
	c.RawSubjectPublicKeyInfo = tbsRaw[hdr+spkiStart : hdr+spkiEnd]
	c.PublicKey = pub
	c.PublicKeyAlgorithm = x509.ECDSA
	return c, true, nil
}
