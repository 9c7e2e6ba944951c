package verify

import (
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify/internal/changes"
)

// Indication is the ETSI EN 319 102-1 main status of a validation.
type Indication string

const (
	TotalPassed   Indication = "TOTAL_PASSED"
	TotalFailed   Indication = "TOTAL_FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication refines an Indication (ETSI EN 319 102-1 clause 5.1.3).
// DisallowedChanges is sohoa's own: the document was modified after
// signing in a way the signature's permissions do not allow.
type SubIndication string

const (
	NoSubIndication          SubIndication = ""
	FormatFailure            SubIndication = "FORMAT_FAILURE"
	HashFailure              SubIndication = "HASH_FAILURE"
	SigCryptoFailure         SubIndication = "SIG_CRYPTO_FAILURE"
	Revoked                  SubIndication = "REVOKED"
	Expired                  SubIndication = "EXPIRED"
	NotYetValid              SubIndication = "NOT_YET_VALID"
	NoCertificateChainFound  SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	TryLater                 SubIndication = "TRY_LATER"
	CryptoConstraintsFailure SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"
	// CryptoConstraintsFailureNoPOE: an algorithm or key the policy no
	// longer accepts, and no proof that the material existed before its
	// sunset date (see Policy.Sunsets).
	CryptoConstraintsFailureNoPOE SubIndication = "CRYPTO_CONSTRAINTS_FAILURE_NO_POE"
	OutOfBoundsNoPOE              SubIndication = "OUT_OF_BOUNDS_NO_POE"
	RevokedNoPOE                  SubIndication = "REVOKED_NO_POE"
	ChainConstraintsFailure       SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	SigConstraintsFailure         SubIndication = "SIG_CONSTRAINTS_FAILURE"
	SignedDataNotFound            SubIndication = "SIGNED_DATA_NOT_FOUND"
	NoSigningCertificateFound     SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	DisallowedChanges             SubIndication = "DISALLOWED_CHANGES"
	NoSignature                   SubIndication = "NO_SIGNATURE"
)

// SignatureKind says what a PDF signature field holds.
type SignatureKind string

const (
	KindApproval          SignatureKind = "approval"
	KindCertification     SignatureKind = "certification"
	KindDocumentTimestamp SignatureKind = "document_timestamp"
	KindUsageRights       SignatureKind = "usage_rights"
	KindDetached          SignatureKind = "detached_cms"
	KindUnsigned          SignatureKind = "unsigned_field"
)

// Coverage classifies what a PDF signature's byte range covers.
type Coverage string

const (
	CoverageEntireFile     Coverage = "ENTIRE_FILE"
	CoverageEntireRevision Coverage = "ENTIRE_REVISION"
	CoverageAnomalous      Coverage = "ANOMALOUS"
)

// Report is the outcome of verifying one file. Its JSON form is the stable
// schema documented in docs/verify-report.md.
type Report struct {
	File string `json:"file,omitempty"`
	// Error is set when the file could not be read as a PDF or CMS at all:
	// the verdict is then TOTAL_FAILED/FORMAT_FAILURE with the reason
	// file.unreadable, and nothing else is meaningful.
	Error string `json:"error,omitempty"`
	// Reason is the file's reason code when it could not be read
	// (file.unreadable, param detail).
	Reason        *sohoa.Reason `json:"reason,omitempty"`
	Format        string        `json:"format"` // "pdf" or "cms"
	Size          int64         `json:"size"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Summary       string        `json:"summary"`
	Revisions     int           `json:"revisions,omitempty"`
	// Repaired is set when some revision's cross-reference data was broken
	// and rebuilt from the revision's bytes (Problems says which and how).
	Repaired bool `json:"repaired,omitempty"`
	// Encryption is set for an encrypted PDF.
	Encryption         *EncryptionReport `json:"encryption,omitempty"`
	Signatures         []SignatureReport `json:"signatures"`
	UnsignedFields     []string          `json:"unsigned_fields"`
	Problems           []string          `json:"problems,omitempty"`
	VerifiedAt         time.Time         `json:"verified_at"`
	VerifierVersion    string            `json:"verifier_version"`
	TrustAnchorsSHA256 string            `json:"trust_anchors_sha256"`
}

// EncryptionReport says how a PDF is encrypted and whether sohoa could
// read it: the standard security handler with the empty user password
// (owner-password "permissions only" protection) is decrypted; a file
// that needs a password, or another handler, is not (Reason says why).
type EncryptionReport struct {
	Handler     string `json:"handler"`             // "Standard", "Adobe.PubSec", ...
	Algorithm   string `json:"algorithm,omitempty"` // "RC4-40", "RC4-128", "AES-128", "AES-256"
	KeyBits     int    `json:"key_bits,omitempty"`
	V           int    `json:"v"`
	R           int    `json:"r"`
	Permissions int32  `json:"permissions"`
	Decrypted   bool   `json:"decrypted"`
	Reason      string `json:"reason,omitempty"`
}

// SignatureReport is the outcome for one signature (or one unsigned field).
type SignatureReport struct {
	Field         string        `json:"field,omitempty"`
	Kind          SignatureKind `json:"kind"`
	SubFilter     string        `json:"sub_filter,omitempty"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	// Problems explains every check that did not pass, in words a clerk
	// or auditor can act on.
	Problems []string `json:"problems,omitempty"`
	Warnings []string `json:"warnings,omitempty"`

	ByteRange *ByteRangeReport `json:"byte_range,omitempty"`

	DigestAlgorithm    string `json:"digest_algorithm,omitempty"`
	DigestMatches      bool   `json:"digest_matches"`
	SignatureAlgorithm string `json:"signature_algorithm,omitempty"`
	SignatureValid     bool   `json:"signature_valid"`

	Signer *CertInfo  `json:"signer,omitempty"`
	Chain  []CertInfo `json:"chain,omitempty"`
	// ChainTrusted is true when a path to a configured trust anchor was
	// built and validated at ValidationTime.
	ChainTrusted bool `json:"chain_trusted"`
	// TrustInfrastructure says which infrastructure the trusted path ends
	// in, by its anchor's fingerprint: "gov" (the Government CA's root),
	// "public" (the national root CA, NEAC) or "configured" (another
	// anchor); empty when no trusted path was built. Its words for people
	// are the catalogue's text for trust.infrastructure.<value>.
	TrustInfrastructure TrustInfrastructure `json:"trust_infrastructure,omitempty"`
	// Reasons are coded reasons beside the sub-indication, such as
	// trust.unknown_vn_root (param issuer).
	Reasons []sohoa.Reason `json:"reasons,omitempty"`

	// ClaimedSigningTime is what the signer says (/M or signingTime);
	// shown, never trusted.
	ClaimedSigningTime *time.Time `json:"claimed_signing_time,omitempty"`
	// ValidationTime is the time the certificate path was validated at:
	// the signature timestamp's time when one verified, else now (or --at).
	ValidationTime       time.Time `json:"validation_time"`
	ValidationTimeSource string    `json:"validation_time_source"` // "signature_timestamp", "current_time", "requested_time"

	Timestamp  *TimestampReport   `json:"timestamp,omitempty"`
	Revocation []RevocationReport `json:"revocation,omitempty"`
	Changes    *ChangesReport     `json:"changes,omitempty"`
	// DocMDPPermissions is P of a certification signature (1, 2 or 3).
	DocMDPPermissions int    `json:"docmdp_permissions,omitempty"`
	PAdESLevel        string `json:"pades_level,omitempty"` // B-B, B-T, B-LT, B-LTA
	Reason            string `json:"reason,omitempty"`
	Location          string `json:"location,omitempty"`
	Name              string `json:"name,omitempty"`

	// essBound is set by checkCMS when a signed ESS signing-certificate
	// (v1 or v2) attribute binds the signer certificate (PAdES B-B).
	essBound bool
	// revision is the zero-based revision a PDF signature signs.
	revision int
	// structural is set once a structural finding (byte range, changes)
	// decided the sub-indication, so later findings do not replace it.
	structural bool
	// weak is weak material no proof of existence covered yet (each also
	// a Problems line); weakBase and weakBaseSub are the verdict without
	// it. A later document timestamp may still cover it.
	weak        []weakPending
	weakBase    Indication
	weakBaseSub SubIndication
}

// ByteRangeReport describes a PDF signature's /ByteRange.
type ByteRangeReport struct {
	Values   []int64  `json:"values"`
	Coverage Coverage `json:"coverage"`
	// Revision is the zero-based revision whose end the range reaches, or
	// -1 when it reaches none.
	Revision int      `json:"revision"`
	Problems []string `json:"problems,omitempty"`
}

// CertInfo is what users look for on a certificate, Vietnamese
// identifiers (MST:, CCCD:, CMND: in UID attributes) included.
type CertInfo struct {
	Subject      string    `json:"subject"`
	CommonName   string    `json:"common_name,omitempty"`
	Organization []string  `json:"organization,omitempty"`
	UIDs         []string  `json:"uids,omitempty"`
	Issuer       string    `json:"issuer"`
	SerialNumber string    `json:"serial_number"`
	NotBefore    time.Time `json:"not_before"`
	NotAfter     time.Time `json:"not_after"`
	PolicyOIDs   []string  `json:"policy_oids,omitempty"`
	KeyAlgorithm string    `json:"key_algorithm,omitempty"`
	KeyBits      int       `json:"key_bits,omitempty"`
	SHA256       string    `json:"sha256"`
}

// TimestampReport describes an RFC 3161 timestamp: a signature timestamp
// (unsigned attribute) or a document timestamp (ETSI.RFC3161).
type TimestampReport struct {
	Time          time.Time     `json:"time"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"sub_indication,omitempty"`
	Problems      []string      `json:"problems,omitempty"`
	ImprintValid  bool          `json:"imprint_valid"`
	TSA           *CertInfo     `json:"tsa,omitempty"`
	ChainTrusted  bool          `json:"chain_trusted"`
	HashAlgorithm string        `json:"hash_algorithm,omitempty"`
}

// RevocationReport is the status of one certificate of a path.
type RevocationReport struct {
	Certificate string     `json:"certificate"` // subject CN or subject
	Serial      string     `json:"serial"`
	Status      string     `json:"status"`           // "good", "revoked", "unknown"
	Source      string     `json:"source,omitempty"` // "cms", "dss", "online"
	Kind        string     `json:"kind,omitempty"`   // "crl", "ocsp"
	RevokedAt   *time.Time `json:"revoked_at,omitempty"`
	ThisUpdate  *time.Time `json:"this_update,omitempty"`
	NextUpdate  *time.Time `json:"next_update,omitempty"`
	// URL, FetchedAt and Cached say, for a status fetched online, where
	// from and when (Cached: an earlier verification of this process
	// fetched it, at FetchedAt, and it was still current).
	URL       string     `json:"url,omitempty"`
	FetchedAt *time.Time `json:"fetched_at,omitempty"`
	Cached    bool       `json:"cached,omitempty"`
	Problems  []string   `json:"problems,omitempty"`
	// Consulted lists every online request made (or not made) for this
	// certificate, in order, so an auditor sees what was asked.
	Consulted []RevocationFetch `json:"consulted,omitempty"`
}

// RevocationFetch is one OCSP request or CRL download for a certificate.
type RevocationFetch struct {
	Kind string    `json:"kind"` // "ocsp", "crl"
	URL  string    `json:"url"`
	Time time.Time `json:"time"` // when it was asked (fetched, for "cached")
	// Outcome is "fetched", "cached" (a current answer an earlier
	// verification fetched), "failed" (no usable HTTP answer: Error says
	// why) or "skipped" (not asked: the responder's breaker is open or the
	// verification's time budget is used up).
	Outcome string `json:"outcome"`
	Error   string `json:"error,omitempty"`
}

// ChangesReport lists what later revisions changed after a signature
// (see verify/internal/changes).
type ChangesReport = changes.Report

// ObjectChange is one object added or redefined after signing.
type ObjectChange = changes.ObjectChange
