package report

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/sohoa/sohoa"
)

// Signer is an agency's signing identity: the key that signs, behind
// crypto.Signer so that a key held by a PKCS#11 token (which never leaves
// it) can stand in for the software key LoadPKCS12 gives, and the
// certificate with the chain of its issuers.
type Signer struct {
	Key         crypto.Signer
	Certificate *x509.Certificate
	// Chain holds the issuers of Certificate, nearest first, up to the
	// root if it is known; it is written into the signature so a verifier
	// can build the path.
	Chain []*x509.Certificate
}

// Validate reports EINVALID when s cannot sign: no key, no certificate, or
// a key that does not belong to the certificate.
func (s Signer) Validate() error {
	if s.Key == nil || s.Certificate == nil {
		return sohoa.Errorf(sohoa.EINVALID, "signer: a key and a certificate are required")
	}
	pub, ok := s.Key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(s.Certificate.PublicKey) {
		return sohoa.Errorf(sohoa.EINVALID, "signer: the key does not belong to the certificate %q", s.Certificate.Subject.CommonName)
	}
	return nil
}

// chain returns the certificate followed by its issuers, the order
// pdfsign's CertificateChains expects.
func (s Signer) chain() []*x509.Certificate {
	return append([]*x509.Certificate{s.Certificate}, s.Chain...)
}

// LoadPKCS12 decodes a PKCS#12 (.p12, .pfx) file holding one private key,
// its certificate and optionally the issuers', as CAs and signing tools
// hand them out (legacy RC2/3DES and the AES-based encryption OpenSSL 3
// writes by default). A wrong passphrase is EINVALID.
func LoadPKCS12(data []byte, passphrase string) (Signer, error) {
	key, cert, cas, err := pkcs12.DecodeChain(data, passphrase)
	if err != nil {
		if errors.Is(err, pkcs12.ErrIncorrectPassword) {
			return Signer{}, sohoa.Errorf(sohoa.EINVALID, "PKCS#12: wrong passphrase")
		}
		return Signer{}, sohoa.Errorf(sohoa.EINVALID, "PKCS#12: %v", err)
	}
	k, ok := key.(crypto.Signer)
	if !ok {
		return Signer{}, sohoa.Errorf(sohoa.EINVALID, "PKCS#12: the key (%T) cannot sign", key)
	}
	s := Signer{Key: k, Certificate: cert, Chain: orderChain(cert, cas)}
	if err := s.Validate(); err != nil {
		return Signer{}, err
	}
	return s, nil
}

// orderChain puts the issuers of leaf in path order (nearest first) as far
// as they link up, then any others as they came.
func orderChain(leaf *x509.Certificate, cas []*x509.Certificate) []*x509.Certificate {
	rest := append([]*x509.Certificate(nil), cas...)
	var out []*x509.Certificate
	cur := leaf
	for len(rest) > 0 {
		i := -1
		for j, c := range rest {
			if bytes.Equal(cur.RawIssuer, c.RawSubject) && cur.CheckSignatureFrom(c) == nil {
				i = j
				break
			}
		}
		if i < 0 || bytes.Equal(cur.RawIssuer, cur.RawSubject) {
			break
		}
		cur = rest[i]
		out = append(out, cur)
		rest = append(rest[:i], rest[i+1:]...)
	}
	return append(out, rest...)
}

// EncodePKCS12 is the inverse of LoadPKCS12 for a software key: the key,
// certificate and chain as a PKCS#12 file under passphrase (AES-256,
// PBKDF2 with SHA-256). The catalog keeps a unit's key in this form,
// encrypted once more at rest.
func EncodePKCS12(s Signer, passphrase string) ([]byte, error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	b, err := pkcs12.Modern.Encode(s.Key, s.Certificate, s.Chain, passphrase)
	if err != nil {
		return nil, fmt.Errorf("PKCS#12: %w", err)
	}
	return b, nil
}
