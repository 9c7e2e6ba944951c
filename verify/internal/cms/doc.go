// Package cms reads CMS SignedData (RFC 5652), the signature value of PDF
// signatures, timestamp tokens and detached signatures, after a bounded
// BER-to-DER pass. It parses only; every check of what it reads (digests,
// signatures, certificates, attributes) is the verifier's.
//
// Why the CMS is parsed here, not by digitorus/pkcs7: pkcs7 cannot read
// a SignerInfo that names its signer by subjectKeyIdentifier (CMS version
// 3), it re-encodes the signed attributes through encoding/asn1, which
// sorts the SET OF, so a signature over attributes in the order the
// signer sent them fails, it does not expose the raw signed attributes,
// the RSASSA-PSS parameters or the unsigned attributes, and its BER
// converter recurses without a depth limit. The SignedData structure is
// small; it is read here with cryptobyte after a bounded BER-to-DER pass.
// digitorus/pkcs7 and digitorus/timestamp build the test fixtures.
package cms

// Bounds on hostile input. The CMS size itself is bounded by the caller
// (a PDF's /Contents string); these keep the work linear in it.
const (
	MaxDepth   = 64 // nesting of ASN.1 elements
	MaxCerts   = 64 // certificates in one SignedData
	MaxSigners = 16
	MaxRevInfo = 64 // CRLs or OCSP responses in one SignedData or attribute
)
