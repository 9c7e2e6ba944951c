package report

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/sohoa/sohoa"
)

// unitKeyPurpose names the key, derived from the audit key, that seals
// units' signing keys (sohoa.AuditKey.DeriveSecret).
const unitKeyPurpose = "unit signing key v1"

// sealVersion is the first byte of a sealed key: the format below.
const sealVersion = 1

// SealUnitKey makes the catalog record of unit's signing key: the key and
// its chain as a PKCS#12 file (no passphrase) encrypted with AES-256-GCM
// under a key derived from the audit key, bound (as additional data) to
// the unit and the certificate, so a sealed key copied to another unit's
// row does not open. The sealed form is version || nonce || ciphertext.
func SealUnitKey(ak *sohoa.AuditKey, unitCode string, s Signer, tsaURL string) (*sohoa.UnitSigningKey, error) {
	if ak == nil {
		return nil, sohoa.Errorf(sohoa.EINVALID, "no audit key: units' signing keys are sealed under a key derived from it")
	}
	p12, err := EncodePKCS12(s, "")
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(s.Certificate.Raw)
	k := &sohoa.UnitSigningKey{
		UnitCode:   unitCode,
		CertSHA256: hex.EncodeToString(sum[:]),
		Subject:    s.Certificate.Subject.String(),
		Issuer:     s.Certificate.Issuer.String(),
		NotBefore:  s.Certificate.NotBefore,
		NotAfter:   s.Certificate.NotAfter,
		TSAURL:     tsaURL,
	}
	aead, err := unitKeyAEAD(ak)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out := append([]byte{sealVersion}, nonce...)
	k.Sealed = aead.Seal(out, nonce, p12, sealAD(k))
	return k, k.Validate()
}

// OpenUnitKey unseals a unit's signing key. A key sealed under another
// audit key, or a record changed in the database, is EINVALID.
func OpenUnitKey(ak *sohoa.AuditKey, k *sohoa.UnitSigningKey) (Signer, error) {
	if ak == nil {
		return Signer{}, sohoa.Errorf(sohoa.EINVALID, "no audit key: cannot unseal the signing key of unit %s", k.UnitCode)
	}
	aead, err := unitKeyAEAD(ak)
	if err != nil {
		return Signer{}, err
	}
	n := aead.NonceSize()
	if len(k.Sealed) < 1+n || k.Sealed[0] != sealVersion {
		return Signer{}, sohoa.Errorf(sohoa.EINVALID, "the signing key of unit %s is not in a format this sohoa knows", k.UnitCode)
	}
	p12, err := aead.Open(nil, k.Sealed[1:1+n], k.Sealed[1+n:], sealAD(k))
	if err != nil {
		return Signer{}, sohoa.Errorf(sohoa.EINVALID, "the signing key of unit %s does not open with audit key %s: it was sealed under another key, or changed", k.UnitCode, ak.ID())
	}
	s, err := LoadPKCS12(p12, "")
	if err != nil {
		return Signer{}, fmt.Errorf("the signing key of unit %s: %w", k.UnitCode, err)
	}
	return s, nil
}

func unitKeyAEAD(ak *sohoa.AuditKey) (cipher.AEAD, error) {
	key := ak.DeriveSecret(unitKeyPurpose)
	block, err := aes.NewCipher(key[:])
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func sealAD(k *sohoa.UnitSigningKey) []byte {
	return []byte(unitKeyPurpose + "\x00" + k.UnitCode + "\x00" + k.CertSHA256)
}
