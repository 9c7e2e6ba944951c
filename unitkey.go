package sohoa

import (
	"context"
	"net/url"
	"time"
)

// UnitSigningKey is a unit's agency signing key (the key of its
// organisation certificate) as the catalog keeps it: Sealed is the key and
// its certificate chain encrypted (AES-256-GCM under a key derived from
// the audit key, see AuditKey.DeriveSecret), so someone who reads the
// database learns the certificate but cannot sign. The certificate's
// fields beside it are shown without unsealing.
//
// A unit with a key has its scans turned into certified copies (bản sao
// điện tử) signed with it; TSAURL, when set, is the RFC 3161 time-stamping
// service those signatures use.
type UnitSigningKey struct {
	UnitCode   string    `json:"unit_code"`
	Sealed     []byte    `json:"-"`
	CertSHA256 string    `json:"cert_sha256"`
	Subject    string    `json:"subject"`
	Issuer     string    `json:"issuer"`
	NotBefore  time.Time `json:"not_before"`
	NotAfter   time.Time `json:"not_after"`
	TSAURL     string    `json:"tsa_url,omitempty"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// Validate checks a key before it is stored.
func (k *UnitSigningKey) Validate() error {
	if err := ValidateCode("unit", k.UnitCode); err != nil {
		return err
	}
	if len(k.Sealed) == 0 || len(k.Sealed) > 1<<20 {
		return invalidf("signing key of unit %s: the sealed key is empty or larger than 1 MiB", k.UnitCode)
	}
	if err := ValidateBlobKey(k.CertSHA256); err != nil {
		return invalidf("signing key of unit %s: certificate SHA-256: %v", k.UnitCode, err)
	}
	var err error
	if k.Subject, err = validateText("certificate subject", k.Subject, MaxTextLen, true, false); err != nil {
		return err
	}
	if k.Issuer, err = validateText("certificate issuer", k.Issuer, MaxTextLen, false, false); err != nil {
		return err
	}
	if k.NotBefore, err = NormalizeTime("certificate not-before", k.NotBefore); err != nil {
		return err
	}
	if k.NotAfter, err = NormalizeTime("certificate not-after", k.NotAfter); err != nil {
		return err
	}
	if k.TSAURL != "" {
		u, err := url.Parse(k.TSAURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || len(k.TSAURL) > 2000 {
			return invalidf("time-stamping service URL %q: want an http or https URL", k.TSAURL)
		}
	}
	return nil
}

// CertifiedCopy links a scan to the certified copy sohoa made of it: both
// are documents of the same dossier, the copy role component like the
// scan. A scan has at most one copy.
type CertifiedCopy struct {
	ScanDocumentID int64     `json:"scan_document_id"`
	CopyDocumentID int64     `json:"copy_document_id"`
	SignedAt       time.Time `json:"signed_at"`
}

// UnitKeyService keeps units' signing keys and the certified copies made
// with them.
type UnitKeyService interface {
	// SetUnitSigningKey stores k as its unit's key, replacing any earlier
	// one, and sets UpdatedAt; an unknown unit is EINVALID.
	SetUnitSigningKey(ctx context.Context, k *UnitSigningKey) error
	// FindUnitSigningKey returns the unit's key, ENOTFOUND when it has none.
	FindUnitSigningKey(ctx context.Context, unitCode string) (*UnitSigningKey, error)
	// DeleteUnitSigningKey removes the unit's key; ENOTFOUND when it has none.
	DeleteUnitSigningKey(ctx context.Context, unitCode string) error

	// RecordCertifiedCopy links a scan to its copy; both documents must
	// exist (EINVALID otherwise), and a scan that already has a copy is
	// ECONFLICT, leaving a transaction usable.
	RecordCertifiedCopy(ctx context.Context, c *CertifiedCopy) error
	// FindCertifiedCopy returns the copy made of a scan, ENOTFOUND when
	// there is none.
	FindCertifiedCopy(ctx context.Context, scanDocumentID int64) (*CertifiedCopy, error)
}
