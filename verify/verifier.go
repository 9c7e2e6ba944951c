// Package verify checks digital signatures on PDF files (PAdES, legacy
// PKCS#7, document timestamps, certification signatures) and detached CMS
// signatures, and reports an ETSI EN 319 102-1 verdict per signature. It
// uses no database and no network unless an HTTP client is configured for
// revocation fetching.
package verify

import (
	"crypto/x509"
	"log/slog"
	"net/http"
	"time"
)

// Version is the verifier's version, recorded with every result so a
// re-verification after an upgrade can be told apart.
const Version = "0.1.0"

// Policy holds the algorithm constraints. The zero value is not useful;
// start from DefaultPolicy.
type Policy struct {
	// AllowSHA1 accepts SHA-1 message digests and SHA-1 based signature
	// algorithms. Off by default: SHA-1 material is then accepted only
	// with a proof of existence from before Sunsets.SHA1, otherwise it is
	// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE.
	AllowSHA1 bool
	// MinRSABits is the smallest RSA modulus accepted (2048 by default);
	// smaller keys are judged like SHA-1, with Sunsets.RSA.
	MinRSABits int
	// MinECBits is the smallest elliptic curve accepted (256 by default);
	// smaller keys are judged like SHA-1, with Sunsets.EC.
	MinECBits int
	// Sunsets are the dates until which the algorithms above were
	// acceptable (DefaultSunsets: EU DSS's).
	Sunsets AlgorithmSunsets
	// RequireRevocation makes a missing revocation status for a
	// certificate that advertises a CRL or OCSP location INDETERMINATE
	// (TRY_LATER). On by default.
	RequireRevocation bool
	// MaxRevocationAge bounds how old a CRL or OCSP response's thisUpdate
	// may be relative to the validation time when it has no nextUpdate.
	MaxRevocationAge time.Duration
}

// DefaultPolicy is the strict policy sohoa uses unless told otherwise.
func DefaultPolicy() Policy {
	return Policy{
		MinRSABits:        2048,
		MinECBits:         256,
		Sunsets:           DefaultSunsets(),
		RequireRevocation: true,
		MaxRevocationAge:  7 * 24 * time.Hour,
	}
}

// Config configures a Verifier.
type Config struct {
	// TrustAnchors are the only roots a certificate path may end at. The
	// operating system's TLS roots are never used.
	TrustAnchors []*x509.Certificate
	// Intermediates are CA certificates offered for building paths when a
	// signature does not carry them (the built-in Vietnamese
	// intermediates); never anchors.
	Intermediates []*x509.Certificate
	// Infrastructures maps an anchor's SHA-256 (lower-case hex of its DER)
	// to the infrastructure a path ending in it belongs to; any other
	// anchor is InfraConfigured. Nil means the built-in Vietnamese roots'
	// (the Government CA's and the national root's). Classification is by
	// fingerprint, never by name.
	Infrastructures map[string]TrustInfrastructure
	// HTTPClient, when set, enables online fetching of CRLs and OCSP
	// responses. Nil means fully offline.
	HTTPClient *http.Client
	Policy     Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// At, when non-zero, is the validation time to use instead of now for
	// signatures without a verified signature timestamp (--at).
	At     time.Time
	Logger *slog.Logger
}

// Verifier verifies signatures. It is safe for concurrent use.
type Verifier struct {
	anchors    []*x509.Certificate
	anchorPool *x509.CertPool
	anchorsSum string
	extra      []*x509.Certificate // Config.Intermediates
	infra      map[string]TrustInfrastructure
	http       *http.Client
	policy     Policy
	now        func() time.Time
	at         time.Time
	log        *slog.Logger
	cache      *cryptoCache
}
