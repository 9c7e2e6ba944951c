package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// OCSPStatus forces the status of an OCSP response.
type OCSPStatus int

const (
	// OCSPFromState answers from the PKI's revocation state (the default).
	OCSPFromState OCSPStatus = iota
	OCSPGood
	OCSPRevoked
	OCSPUnknown
)

// OCSPOptions shape an OCSP response. Zero values mean the defaults.
type OCSPOptions struct {
	ThisUpdate time.Time // default: the PKI clock
	NextUpdate time.Time // default: SetNextUpdate's value, else ThisUpdate + 7 days
	ProducedAt time.Time // default: ThisUpdate
	// OmitNextUpdate leaves nextUpdate out (a responder saying "newer
	// information is always available").
	OmitNextUpdate bool
	// Responder signs the response. Default: the delegated OCSPResponder
	// for certificates the Intermediate issued, otherwise the issuer itself.
	Responder *Cert
	// NoCerts leaves the responder certificate out of the response.
	NoCerts bool
	// ByKey identifies the responder by key hash instead of by name.
	ByKey bool
	// Nonce, when set, is echoed in a nonce response extension.
	Nonce []byte
	// Status forces the certificate status; RevokedAt and Reason go with
	// OCSPRevoked (default revocation time: ThisUpdate - 1h).
	Status    OCSPStatus
	RevokedAt time.Time
	Reason    int
	// SHA256CertID hashes the issuer name and key with SHA-256 instead of
	// SHA-1 in the CertID.
	SHA256CertID bool
}

var (
	oidOCSPBasic  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 1}
	oidOCSPNonce  = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1, 2}
	oidSHA1       = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidRSASHA256  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidECDSA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidEd25519Sig = asn1.ObjectIdentifier{1, 3, 101, 112}
)

// OCSP returns a DER OCSP response (a complete OCSPResponse, as a responder
// sends it) for c at time at, signed by the delegated responder when c was
// issued by the Intermediate.
func (p *PKI) OCSP(t TB, c *Cert, at time.Time) []byte {
	t.Helper()
	return p.OCSPWith(t, c, OCSPOptions{ThisUpdate: at})
}

// OCSPWith returns a DER OCSP response for c shaped by o.
func (p *PKI) OCSPWith(t TB, c *Cert, o OCSPOptions) []byte {
	t.Helper()
	der, err := p.ocspResponse(c, o)
	if err != nil {
		t.Fatalf("testpki: OCSP: %v", err)
	}
	return der
}

func (p *PKI) defaultResponder(c *Cert) *Cert {
	if c.Issuer == p.Intermediate && p.OCSPResponder != nil {
		return p.OCSPResponder
	}
	if c.Issuer != nil {
		return c.Issuer
	}
	return c
}

func (p *PKI) ocspResponse(c *Cert, o OCSPOptions) ([]byte, error) {
	if o.ThisUpdate.IsZero() {
		o.ThisUpdate = p.Now()
	}
	o.ThisUpdate = o.ThisUpdate.UTC().Truncate(time.Second)
	if o.NextUpdate.IsZero() && !o.OmitNextUpdate {
		o.NextUpdate = p.defaultNextUpdate(o.ThisUpdate)
	}
	if o.ProducedAt.IsZero() {
		o.ProducedAt = o.ThisUpdate
	}
	if o.Responder == nil {
		o.Responder = p.defaultResponder(c)
	}
	issuer := c.Issuer
	if issuer == nil {
		issuer = c
	}
	status, revokedAt, reason := o.Status, o.RevokedAt, o.Reason
	if status == OCSPFromState {
		status = OCSPGood
		if _, ours := p.Lookup(c.Cert.SerialNumber); !ours {
			status = OCSPUnknown
		} else if r, ok := p.revokedAt(c, o.ThisUpdate); ok {
			status, revokedAt, reason = OCSPRevoked, r.at, r.reason
		}
	}
	if status == OCSPRevoked && revokedAt.IsZero() {
		revokedAt = o.ThisUpdate.Add(-time.Hour)
	}
	return buildOCSP(singleResp{
		issuer:    issuer.Cert,
		cert:      c.Cert,
		status:    status,
		revokedAt: revokedAt,
		reason:    reason,
	}, o)
}

type singleResp struct {
	issuer, cert *x509.Certificate
	status       OCSPStatus
	revokedAt    time.Time
	reason       int
}

func genTime(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

func subjectPublicKeyBits(c *x509.Certificate) ([]byte, error) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		PublicKey asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return nil, err
	}
	return spki.PublicKey.RightAlign(), nil
}

// buildOCSP writes the response by hand rather than with
// golang.org/x/crypto/ocsp.CreateResponse, which stamps producedAt with the
// wall clock: tests need responses produced at chosen times.
func buildOCSP(s singleResp, o OCSPOptions) ([]byte, error) {
	issuerKey, err := subjectPublicKeyBits(s.issuer)
	if err != nil {
		return nil, err
	}
	hashOID, h := oidSHA1, crypto.SHA1
	if o.SHA256CertID {
		hashOID, h = oidSHA256, crypto.SHA256
	}
	hasher := h.New()
	hasher.Write(s.issuer.RawSubject)
	nameHash := hasher.Sum(nil)
	hasher.Reset()
	hasher.Write(issuerKey)
	keyHash := hasher.Sum(nil)

	var tbs cryptobyte.Builder
	tbs.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if o.ByKey {
			rk, err := subjectPublicKeyBits(o.Responder.Cert)
			if err != nil {
				b.SetError(err)
				return
			}
			sum := sha1.Sum(rk)
			b.AddASN1(cbasn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1OctetString(sum[:])
			})
		} else {
			b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddBytes(o.Responder.Cert.RawSubject)
			})
		}
		b.AddASN1GeneralizedTime(genTime(o.ProducedAt))
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // responses
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SingleResponse
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CertID
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(hashOID)
						b.AddASN1NULL()
					})
					b.AddASN1OctetString(nameHash)
					b.AddASN1OctetString(keyHash)
					b.AddASN1BigInt(s.cert.SerialNumber)
				})
				switch s.status {
				case OCSPRevoked:
					b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(genTime(s.revokedAt))
						if s.reason != 0 {
							b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
								b.AddASN1Enum(int64(s.reason))
							})
						}
					})
				case OCSPUnknown:
					b.AddASN1(cbasn1.Tag(2).ContextSpecific(), func(b *cryptobyte.Builder) {})
				default:
					b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) {})
				}
				b.AddASN1GeneralizedTime(genTime(o.ThisUpdate))
				if !o.OmitNextUpdate {
					b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
						b.AddASN1GeneralizedTime(genTime(o.NextUpdate))
					})
				}
			})
		})
		if len(o.Nonce) > 0 {
			b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // Extensions
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // Extension
						b.AddASN1ObjectIdentifier(oidOCSPNonce)
						b.AddASN1(cbasn1.OCTET_STRING, func(b *cryptobyte.Builder) {
							b.AddASN1OctetString(o.Nonce)
						})
					})
				})
			})
		}
	})
	tbsDER, err := tbs.Bytes()
	if err != nil {
		return nil, err
	}
	algOID, withNull, sig, err := signRaw(o.Responder.Key, tbsDER)
	if err != nil {
		return nil, err
	}

	var basic cryptobyte.Builder
	basic.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(tbsDER)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(algOID)
			if withNull {
				b.AddASN1NULL()
			}
		})
		b.AddASN1BitString(sig)
		if !o.NoCerts {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddBytes(o.Responder.Cert.Raw)
				})
			})
		}
	})
	basicDER, err := basic.Bytes()
	if err != nil {
		return nil, err
	}
	return ocspEnvelope(0, basicDER)
}

// ocspEnvelope wraps a BasicOCSPResponse (or nothing, for error statuses)
// in an OCSPResponse with the given responseStatus.
func ocspEnvelope(status int, basicDER []byte) ([]byte, error) {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Enum(int64(status))
		if basicDER != nil {
			b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidOCSPBasic)
					b.AddASN1OctetString(basicDER)
				})
			})
		}
	})
	return b.Bytes()
}

// signRaw signs msg with key using SHA-256 (SHA-384 for P-384, pure
// Ed25519) and returns the signature algorithm OID, whether it takes NULL
// parameters, and the signature.
func signRaw(key crypto.Signer, msg []byte) (asn1.ObjectIdentifier, bool, []byte, error) {
	switch k := key.Public().(type) {
	case *rsa.PublicKey:
		d := sha256.Sum256(msg)
		sig, err := key.Sign(rand.Reader, d[:], crypto.SHA256)
		return oidRSASHA256, true, sig, err
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P384() {
			hh := crypto.SHA384.New()
			hh.Write(msg)
			sig, err := key.Sign(rand.Reader, hh.Sum(nil), crypto.SHA384)
			return oidECDSA384, false, sig, err
		}
		d := sha256.Sum256(msg)
		sig, err := key.Sign(rand.Reader, d[:], crypto.SHA256)
		return oidECDSA256, false, sig, err
	case ed25519.PublicKey:
		sig, err := key.Sign(rand.Reader, msg, crypto.Hash(0))
		return oidEd25519Sig, false, sig, err
	}
	return nil, false, nil, fmt.Errorf("unsupported responder key %T", key.Public())
}
