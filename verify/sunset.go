package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"time"
)

// Algorithms the policy no longer accepts (SHA-1 unless AllowSHA1, RSA
// keys under MinRSABits, EC keys under MinECBits) are handled as ETSI EN
// 319 102-1 handles cryptographic constraints: the material is acceptable
// when a proof of existence (POE) shows it existed before the date until
// which the algorithm was considered reliable (its sunset), and otherwise
// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE. Never TOTAL_FAILED: a
// weak algorithm makes a signature unreliable, it does not show that it
// was forged.
//
// The POE is the earliest signature timestamp that verified, or for a PDF
// signature a later document timestamp that verified; either must itself
// use acceptable algorithms, which its own verification checks. One POE
// serves all the weak material of a signature: its digest and signature
// algorithms and key, and the signatures and keys of its certificate path
// (the certificates existed no later than the signature they validate).
// CRLs and OCSP responses signed with a weak algorithm are usable only when
// they are embedded in the signed attributes (adbe-revocationInfoArchival)
// and a signature timestamp before the sunset covers them.
//
// MD5 and MD2 are never computed: EU DSS's default policy sets their
// sunset in 2005 (md5Sunset), and a POE from before then would rest on a
// timestamp whose TSA certificate and algorithms have long expired, so no
// POE is possible in practice. MD5 material is therefore
// INDETERMINATE/CRYPTO_CONSTRAINTS_FAILURE_NO_POE without further checks.

// AlgorithmSunsets are the dates until which the algorithms the policy
// rejects were acceptable; material proven to exist before such a date is
// still accepted, with a warning.
//
// The defaults are EU DSS's default validation policy (constraint.xml,
// <AlgoExpirationDate>, esig/dss commit 43a1eff6: dates given as years,
// read as 1 January), which takes them from ETSI TS 102 176-1 (historical)
// and ETSI TS 119 312 V1.4.2: SHA-1 2009; RSA 1024 bits 2009, 1536 bits
// 2016, 1900 bits 2026, 3000 bits 2029; ECDSA 160 and 192 bits 2013, 224
// bits 2016, 256 bits and more 2029; MD5 2005. A site may change them.
type AlgorithmSunsets struct {
	// SHA1 is SHA-1's sunset (digests and signature algorithms); it
	// applies unless Policy.AllowSHA1.
	SHA1 time.Time
	// RSA and EC give, for keys below Policy.MinRSABits or MinECBits,
	// the sunset of the entry with the largest MinBits not above the key's
	// size. A key smaller than every entry never was acceptable.
	RSA [4]KeySunset
	EC  [3]KeySunset
}

// KeySunset says that keys of at least MinBits bits were acceptable until
// Until.
type KeySunset struct {
	MinBits int
	Until   time.Time
}

func jan1(year int) time.Time { return time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC) }

// md5Sunset is EU DSS's date for MD5 and MD2 (ETSI TS 102 176-1 V2.1.1);
// see above for why it only appears in messages.
var md5Sunset = jan1(2005)

// DefaultSunsets returns EU DSS's default dates (see AlgorithmSunsets).
func DefaultSunsets() AlgorithmSunsets {
	return AlgorithmSunsets{
		SHA1: jan1(2009),
		RSA:  [4]KeySunset{{1024, jan1(2009)}, {1536, jan1(2016)}, {1900, jan1(2026)}, {3000, jan1(2029)}},
		EC:   [3]KeySunset{{160, jan1(2013)}, {224, jan1(2016)}, {256, jan1(2029)}},
	}
}

func keySunset(table []KeySunset, bits int) time.Time {
	best := -1
	var until time.Time
	for _, e := range table {
		if e.MinBits > 0 && e.MinBits <= bits && e.MinBits > best {
			best, until = e.MinBits, e.Until
		}
	}
	return until
}

// isMD5 says whether h is MD5 or older: never computed (see above).
func isMD5(h crypto.Hash) bool {
	return h == crypto.MD4 || h == crypto.MD5 || h == crypto.MD5SHA1
}

// hashWeak says whether the policy rejects h, and until when h was
// acceptable. MD5 is not covered: callers refuse it before hashing.
func (p Policy) hashWeak(h crypto.Hash) (sunset time.Time, weak bool) {
	if h == crypto.SHA1 && !p.AllowSHA1 {
		return p.Sunsets.SHA1, true
	}
	return time.Time{}, false
}

// keyWeak says whether the policy rejects a key for its size, describes
// the key ("a 1024-bit RSA key") and gives until when such keys were
// acceptable.
func (p Policy) keyWeak(pub crypto.PublicKey) (desc string, sunset time.Time, weak bool) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if bits := k.N.BitLen(); bits < p.MinRSABits {
			return fmt.Sprintf("a %d-bit RSA key (the policy's minimum is %d bits)", bits, p.MinRSABits), keySunset(p.Sunsets.RSA[:], bits), true
		}
	case *ecdsa.PublicKey:
		if bits := k.Curve.Params().BitSize; bits < p.MinECBits {
			return fmt.Sprintf("a %d-bit elliptic-curve key (%s; the policy's minimum is %d bits)", bits, k.Curve.Params().Name, p.MinECBits), keySunset(p.Sunsets.EC[:], bits), true
		}
	case ed25519.PublicKey:
		if p.MinECBits > 256 {
			return fmt.Sprintf("an Ed25519 key (the policy's minimum is %d bits)", p.MinECBits), time.Time{}, true
		}
	}
	return "", time.Time{}, false
}

// keyUnsupported says why sohoa cannot use a key at all, or "".
func keyUnsupported(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey, *ecdsa.PublicKey, ed25519.PublicKey:
		return ""
	}
	return fmt.Sprintf("its key type %s is not supported", keyTypeName(pub))
}

// weakAlg is material that uses an algorithm or key the policy rejects:
// what says which ("the signature digests with SHA-1"), sunset until when
// it was acceptable (zero: never).
type weakAlg struct {
	what   string
	sunset time.Time
}

const tooWeak = "which is too weak under the policy"

// rejected is the problem line when no POE before the sunset exists; poe
// is the earliest POE (zero: none) and by what gave it.
func (w weakAlg) rejected(poe time.Time, by string) string {
	if w.sunset.IsZero() {
		return fmt.Sprintf("%s, %s and was never acceptable under it", w.what, tooWeak)
	}
	msg := fmt.Sprintf("%s, %s: it is acceptable only for material proven to exist before %s", w.what, tooWeak, fmtDate(w.sunset))
	if poe.IsZero() {
		return msg + ", and nothing proves that (no valid timestamp from before then): it can neither be relied on nor be called invalid"
	}
	return fmt.Sprintf("%s, and the earliest proof of existence, %s at %s, is not earlier: it can neither be relied on nor be called invalid", msg, by, fmtTime(poe))
}

// accepted is the warning when a POE before the sunset exists.
func (w weakAlg) accepted(poe time.Time, by string) string {
	return fmt.Sprintf("%s, %s since %s; accepted because %s proves the signature existed at %s, before then", w.what, tooWeak, fmtDate(w.sunset), by, fmtTime(poe))
}

// covers says whether a POE at poe covers w.
func (w weakAlg) coveredBy(poe time.Time) bool {
	return !poe.IsZero() && !w.sunset.IsZero() && poe.Before(w.sunset)
}

func fmtDate(t time.Time) string { return t.UTC().Format("2006-01-02") }
