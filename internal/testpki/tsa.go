package testpki

import (
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// TimestampOptions shape an RFC 3161 token. Zero values mean the defaults.
type TimestampOptions struct {
	Time     time.Time     // genTime; default: the PKI clock
	TSA      *Cert         // signing TSA; default p.TSA
	NoCerts  bool          // leave the TSA certificate and its chain out of the token
	Nonce    *big.Int      // echoed nonce
	Accuracy time.Duration // default 1s
	Policy   asn1.ObjectIdentifier
}

// Timestamp returns an RFC 3161 TimeStampToken (DER ContentInfo holding
// SignedData over a TSTInfo) whose message imprint is digest, computed with
// h, stamped at time at by the PKI's TSA. The TSA certificate and the
// Intermediate are included.
func (p *PKI) Timestamp(t TB, digest []byte, h crypto.Hash, at time.Time) []byte {
	t.Helper()
	return p.TimestampWith(t, digest, h, TimestampOptions{Time: at})
}

// TimestampWith returns a TimeStampToken over digest shaped by o.
func (p *PKI) TimestampWith(t TB, digest []byte, h crypto.Hash, o TimestampOptions) []byte {
	t.Helper()
	_, token, err := p.timestamp(digest, h, o, true)
	if err != nil {
		t.Fatalf("testpki: timestamp: %v", err)
	}
	return token
}

// timestamp returns both the full TimeStampResp and the token inside it.
func (p *PKI) timestamp(digest []byte, h crypto.Hash, o TimestampOptions, certs bool) (resp, token []byte, err error) {
	if !h.Available() || h.Size() != len(digest) {
		return nil, nil, fmt.Errorf("digest of %d bytes does not match %v", len(digest), h)
	}
	if o.Time.IsZero() {
		o.Time = p.Now()
	}
	if o.TSA == nil {
		o.TSA = p.TSA
	}
	if o.Accuracy == 0 {
		o.Accuracy = time.Second
	}
	if o.Policy == nil {
		o.Policy = OIDTSAPolicy
	}
	if o.NoCerts {
		certs = false
	}
	chain := o.TSA.Chain()
	var parents []*x509.Certificate
	if len(chain) > 2 {
		parents = chain[1 : len(chain)-1] // issuers, without the root
	}
	signHash := crypto.SHA256
	if _, ok := o.TSA.Key.Public().(ed25519.PublicKey); ok {
		signHash = crypto.SHA512
	}
	if h == crypto.SHA1 {
		// timestamp.CreateResponseWithOpts derives the ESS signing-certificate
		// hash from the imprint hash and refuses SHA-1, so SHA-1 imprints
		// (still sent by old signing tools) get a token built by hand.
		token, err = buildToken(digest, h, o, parents, certs, signHash)
		if err != nil {
			return nil, nil, err
		}
		resp, err = asn1.Marshal(struct {
			Status struct{ Status int }
			Token  asn1.RawValue
		}{Token: asn1.RawValue{FullBytes: token}})
		return resp, token, err
	}
	ts := timestamp.Timestamp{
		HashAlgorithm:     h,
		HashedMessage:     digest,
		Time:              o.Time.UTC(),
		Accuracy:          o.Accuracy,
		Policy:            o.Policy,
		Nonce:             o.Nonce,
		AddTSACertificate: certs,
		Certificates:      parents,
	}
	resp, err = ts.CreateResponseWithOpts(o.TSA.Cert, o.TSA.Key, signHash)
	if err != nil {
		return nil, nil, err
	}
	var r struct {
		Status asn1.RawValue
		Token  asn1.RawValue
	}
	if _, err := asn1.Unmarshal(resp, &r); err != nil {
		return nil, nil, err
	}
	return resp, r.Token.FullBytes, nil
}

var (
	oidCTTSTInfo            = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSigningCertificateV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
)

func buildToken(digest []byte, h crypto.Hash, o TimestampOptions, parents []*x509.Certificate, certs bool, signHash crypto.Hash) ([]byte, error) {
	hashOID := oidSHA1
	tsaName, err := asn1.Marshal(asn1.RawValue{Tag: 4, Class: 2, IsCompound: true, Bytes: o.TSA.Cert.RawSubject})
	if err != nil {
		return nil, err
	}
	type accuracy struct {
		Seconds int64 `asn1:"optional"`
	}
	info := struct {
		Version        int
		Policy         asn1.ObjectIdentifier
		MessageImprint struct {
			HashAlgorithm pkix.AlgorithmIdentifier
			HashedMessage []byte
		}
		SerialNumber *big.Int
		Time         time.Time `asn1:"generalized"`
		Accuracy     accuracy  `asn1:"optional"`
		Nonce        *big.Int  `asn1:"optional"`
		TSA          asn1.RawValue
	}{
		Version:      1,
		Policy:       o.Policy,
		SerialNumber: new(big.Int).SetBytes(randomBytes(16)),
		Time:         o.Time.UTC().Truncate(time.Second),
		Accuracy:     accuracy{Seconds: max(1, int64(o.Accuracy/time.Second))},
		Nonce:        o.Nonce,
		TSA:          asn1.RawValue{Tag: 0, Class: 2, IsCompound: true, Bytes: tsaName},
	}
	info.MessageImprint.HashAlgorithm = pkix.AlgorithmIdentifier{Algorithm: hashOID, Parameters: asn1.NullRawValue}
	info.MessageImprint.HashedMessage = digest
	infoDER, err := asn1.Marshal(info)
	if err != nil {
		return nil, err
	}
	sd, err := pkcs7.NewSignedData(infoDER)
	if err != nil {
		return nil, err
	}
	digestOID := pkcs7.OIDDigestAlgorithmSHA256
	if signHash == crypto.SHA512 {
		digestOID = pkcs7.OIDDigestAlgorithmSHA512
	}
	sd.SetDigestAlgorithm(digestOID)
	sd.SetContentType(oidCTTSTInfo)
	sd.GetSignedData().Version = 3
	essDER, err := essSigningCertificateV2(o.TSA.Cert)
	if err != nil {
		return nil, err
	}
	cfg := pkcs7.SignerInfoConfig{
		ExtraSignedAttributes: []pkcs7.Attribute{{Type: oidSigningCertificateV2, Value: asn1.RawValue{FullBytes: essDER}}},
		SkipCertificates:      !certs,
	}
	if err := sd.AddSignerChain(o.TSA.Cert, o.TSA.Key, parents, cfg); err != nil {
		return nil, err
	}
	return sd.Finish()
}

// essSigningCertificateV2 encodes SigningCertificateV2 with one ESSCertIDv2
// (SHA-256, the default hashAlgorithm, so it is omitted) and IssuerSerial.
func essSigningCertificateV2(c *x509.Certificate) ([]byte, error) {
	sum := sha256.Sum256(c.Raw)
	type issuerSerial struct {
		Issuer []asn1.RawValue
		Serial *big.Int
	}
	type certID struct {
		CertHash     []byte
		IssuerSerial issuerSerial
	}
	return asn1.Marshal(struct{ Certs []certID }{Certs: []certID{{
		CertHash: sum[:],
		IssuerSerial: issuerSerial{
			Issuer: []asn1.RawValue{{Tag: 4, Class: 2, IsCompound: true, Bytes: c.RawIssuer}},
			Serial: c.SerialNumber,
		},
	}}})
}
