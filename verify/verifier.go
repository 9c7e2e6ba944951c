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

	"github.com/sohoa/sohoa/verify/internal/revfetch"
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
	// Online tunes online fetching (used only with HTTPClient).
	Online OnlineConfig
	Policy Policy
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// At, when non-zero, is the validation time to use instead of now for
	// signatures without a verified signature timestamp (--at).
	At     time.Time
	Logger *slog.Logger
}

// OnlineConfig bounds online revocation fetching. Zero fields mean the
// defaults. The cache and the breakers belong to the Verifier: a process
// that keeps one Verifier (sohoa work, watch, serve) shares them across
// every verification it runs.
type OnlineConfig struct {
	// RequestTimeout bounds one request (default 5 s).
	RequestTimeout time.Duration
	// Budget bounds all the requests of one verification (default 20 s);
	// a request the budget leaves no time for is not made.
	Budget time.Duration
	// CacheMaxAge is how long an answer without a nextUpdate is reused
	// (default 5 min); answers with one are reused until it, for a day at
	// most.
	CacheMaxAge time.Duration
	// BreakerFailures consecutive failures of a responder host (no
	// connection, no answer in time, a server error) make the Verifier
	// leave it alone for BreakerCooldown (defaults 5 and 1 min): its
	// certificates are INDETERMINATE/TRY_LATER at once instead of after a
	// timeout each.
	BreakerFailures int
	BreakerCooldown time.Duration
	// Now is the clock of the cache and the breakers; nil means the
	// Verifier's.
	Now func() time.Time
}

// DefaultFetchBudget is OnlineConfig.Budget's default.
const DefaultFetchBudget = 20 * time.Second

// Verifier verifies signatures. It is safe for concurrent use.
type Verifier struct {
	anchors     []*x509.Certificate
	anchorPool  *x509.CertPool
	anchorsSum  string
	extra       []*x509.Certificate // Config.Intermediates
	infra       map[string]TrustInfrastructure
	fetch       *revfetch.Fetcher // nil: offline
	fetchBudget time.Duration
	policy      Policy
	now         func() time.Time
	at          time.Time
	log         *slog.Logger
	cache       *cryptoCache
}
