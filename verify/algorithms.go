package verify

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha1" // registers crypto.SHA1 for legacy signatures
	_ "crypto/sha256"
	_ "crypto/sha3"
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sohoa/sohoa/verify/internal/cms"
)

// Algorithm identifiers used by CMS signatures, timestamps and the
// algorithm policy.
var (
	oidMD2        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 2}
	oidMD5        = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}
	oidSHA1       = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidSHA224     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}
	oidSHA512_224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 5}
	oidSHA512_256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 6}
	oidSHA3_224   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 7}
	oidSHA3_256   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}
	oidSHA3_384   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 9}
	oidSHA3_512   = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 10}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidMD2WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 2}
	oidMD5WithRSA    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 4}
	oidSHA1WithRSA   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidRSASSAPSS     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidSHA224WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}

	oidSHA3_224WithRSA = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 13}
	oidSHA3_256WithRSA = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 14}
	oidSHA3_384WithRSA = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 15}
	oidSHA3_512WithRSA = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 16}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA1   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}
	oidECDSAWithSHA224 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidCurveP256       = asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	oidCurveP384       = asn1.ObjectIdentifier{1, 3, 132, 0, 34}
	oidCurveP521       = asn1.ObjectIdentifier{1, 3, 132, 0, 35}

	oidECDSAWithSHA3_224 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 9}
	oidECDSAWithSHA3_256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 10}
	oidECDSAWithSHA3_384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 11}
	oidECDSAWithSHA3_512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 12}

	oidEd25519 = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidEd448   = asn1.ObjectIdentifier{1, 3, 101, 113}
	oidDSA     = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 1}
	oidDSASHA1 = asn1.ObjectIdentifier{1, 2, 840, 10040, 4, 3}
)

var digestOIDs = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{oidSHA1, crypto.SHA1},
	{oidSHA224, crypto.SHA224},
	{oidSHA256, crypto.SHA256},
	{oidSHA384, crypto.SHA384},
	{oidSHA512, crypto.SHA512},
	{oidSHA512_224, crypto.SHA512_224},
	{oidSHA512_256, crypto.SHA512_256},
	{oidSHA3_224, crypto.SHA3_224},
	{oidSHA3_256, crypto.SHA3_256},
	{oidSHA3_384, crypto.SHA3_384},
	{oidSHA3_512, crypto.SHA3_512},
	{oidMD5, crypto.MD5},
}

// digestHash maps a digest AlgorithmIdentifier OID to its hash. Some
// signers put a signature algorithm OID (sha256WithRSAEncryption,
// ecdsa-with-SHA256) where a digest algorithm belongs; the hash is then
// taken from it and sloppy is true so the report can say so.
func digestHash(oid asn1.ObjectIdentifier) (h crypto.Hash, sloppy, ok bool) {
	for _, d := range digestOIDs {
		if oid.Equal(d.oid) {
			return d.hash, false, true
		}
	}
	if alg, ok := signatureOIDHashes(oid); ok && alg != 0 {
		return alg, true, true
	}
	return 0, false, false
}

func digestOIDFor(h crypto.Hash) asn1.ObjectIdentifier {
	for _, d := range digestOIDs {
		if d.hash == h {
			return d.oid
		}
	}
	return nil
}

// combinedSigOIDs are signature algorithm OIDs that name their hash.
var combinedSigOIDs = []struct {
	oid  asn1.ObjectIdentifier
	kind sigKind
	hash crypto.Hash
}{
	{oidMD5WithRSA, sigRSAPKCS1, crypto.MD5},
	{oidSHA1WithRSA, sigRSAPKCS1, crypto.SHA1},
	{oidSHA224WithRSA, sigRSAPKCS1, crypto.SHA224},
	{oidSHA256WithRSA, sigRSAPKCS1, crypto.SHA256},
	{oidSHA384WithRSA, sigRSAPKCS1, crypto.SHA384},
	{oidSHA512WithRSA, sigRSAPKCS1, crypto.SHA512},
	{oidSHA3_224WithRSA, sigRSAPKCS1, crypto.SHA3_224},
	{oidSHA3_256WithRSA, sigRSAPKCS1, crypto.SHA3_256},
	{oidSHA3_384WithRSA, sigRSAPKCS1, crypto.SHA3_384},
	{oidSHA3_512WithRSA, sigRSAPKCS1, crypto.SHA3_512},
	{oidECDSAWithSHA1, sigECDSA, crypto.SHA1},
	{oidECDSAWithSHA224, sigECDSA, crypto.SHA224},
	{oidECDSAWithSHA256, sigECDSA, crypto.SHA256},
	{oidECDSAWithSHA384, sigECDSA, crypto.SHA384},
	{oidECDSAWithSHA512, sigECDSA, crypto.SHA512},
	{oidECDSAWithSHA3_224, sigECDSA, crypto.SHA3_224},
	{oidECDSAWithSHA3_256, sigECDSA, crypto.SHA3_256},
	{oidECDSAWithSHA3_384, sigECDSA, crypto.SHA3_384},
	{oidECDSAWithSHA3_512, sigECDSA, crypto.SHA3_512},
}

// signatureOIDHashes returns the hash named by a combined signature
// algorithm OID.
func signatureOIDHashes(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, c := range combinedSigOIDs {
		if oid.Equal(c.oid) {
			return c.hash, true
		}
	}
	return 0, false
}

// hashName is the name of h as users know it.
func hashName(h crypto.Hash) string {
	switch h {
	case 0:
		return "none"
	case crypto.MD5:
		return "MD5"
	case crypto.SHA1:
		return "SHA-1"
	}
	return h.String()
}

// sigKind is the signature scheme of a SignerInfo.
type sigKind int

const (
	sigRSAPKCS1 sigKind = iota + 1
	sigRSAPSS
	sigECDSA
	sigEd25519
)

// cmsSigAlg is a parsed SignerInfo signatureAlgorithm.
type cmsSigAlg struct {
	kind sigKind
	// hash is the hash the scheme applies to the signed bytes; 0 means
	// "the SignerInfo's digestAlgorithm" (rsaEncryption, id-ecPublicKey)
	// and is ignored for Ed25519, which signs the bytes themselves.
	hash    crypto.Hash
	pssSalt int
}

// errUnsupportedAlg marks an algorithm sohoa does not implement, as
// opposed to a malformed one.
var errUnsupportedAlg = errors.New("unsupported algorithm")

// parseSigAlg interprets a SignerInfo's signature algorithm. Errors
// wrapping errUnsupportedAlg are algorithms sohoa does not implement;
// others are malformed parameters.
func parseSigAlg(alg cms.AlgID) (cmsSigAlg, error) {
	oid := alg.OID
	switch {
	case oid.Equal(oidRSAEncryption):
		return cmsSigAlg{kind: sigRSAPKCS1}, nil
	case oid.Equal(oidRSASSAPSS):
		return parsePSSParams(alg.Params)
	case oid.Equal(oidECPublicKey), oid.Equal(oidCurveP256), oid.Equal(oidCurveP384), oid.Equal(oidCurveP521),
		brainpoolByOID(oid) != nil:
		// Seen in the wild (and written by digitorus/pkcs7 for curve
		// OIDs): the hash is then the SignerInfo's digestAlgorithm.
		return cmsSigAlg{kind: sigECDSA}, nil
	case oid.Equal(oidEd25519):
		return cmsSigAlg{kind: sigEd25519}, nil
	case oid.Equal(oidEd448):
		return cmsSigAlg{}, fmt.Errorf("%w: Ed448", errUnsupportedAlg)
	case oid.Equal(oidDSA), oid.Equal(oidDSASHA1):
		return cmsSigAlg{}, fmt.Errorf("%w: DSA", errUnsupportedAlg)
	case oid.Equal(oidMD2WithRSA):
		return cmsSigAlg{}, fmt.Errorf("%w: MD2 with RSA", errUnsupportedAlg)
	}
	for _, c := range combinedSigOIDs {
		if oid.Equal(c.oid) {
			return cmsSigAlg{kind: c.kind, hash: c.hash}, nil
		}
	}
	return cmsSigAlg{}, fmt.Errorf("%w: %s", errUnsupportedAlg, oid)
}

// parsePSSParams reads RSASSA-PSS-params (RFC 4055 section 3.1):
//
//	SEQUENCE { hashAlgorithm [0] DEFAULT sha1, maskGenAlgorithm [1] DEFAULT mgf1SHA1,
//	           saltLength [2] DEFAULT 20, trailerField [3] DEFAULT 1 }
func parsePSSParams(params []byte) (cmsSigAlg, error) {
	out := cmsSigAlg{kind: sigRSAPSS, hash: crypto.SHA1, pssSalt: 20}
	mgfHash := crypto.SHA1
	if len(params) == 0 {
		return out, nil // all defaults: SHA-1 (the policy decides)
	}
	s := cryptobyte.String(params)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() {
		return out, errors.New("RSASSA-PSS parameters are not a DER SEQUENCE")
	}
	var f cryptobyte.String
	var present bool
	if !seq.ReadOptionalASN1(&f, &present, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return out, errors.New("bad RSASSA-PSS hashAlgorithm")
	}
	if present {
		a, err := cms.ReadAlgID(&f)
		if err != nil || !f.Empty() {
			return out, errors.New("bad RSASSA-PSS hashAlgorithm")
		}
		h, _, ok := digestHash(a.OID)
		if !ok {
			return out, fmt.Errorf("%w: RSASSA-PSS with hash %s", errUnsupportedAlg, a.OID)
		}
		out.hash = h
	}
	if !seq.ReadOptionalASN1(&f, &present, cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return out, errors.New("bad RSASSA-PSS maskGenAlgorithm")
	}
	if present {
		a, err := cms.ReadAlgID(&f)
		if err != nil || !f.Empty() {
			return out, errors.New("bad RSASSA-PSS maskGenAlgorithm")
		}
		if !a.OID.Equal(oidMGF1) {
			return out, fmt.Errorf("%w: RSASSA-PSS mask generation %s", errUnsupportedAlg, a.OID)
		}
		p := cryptobyte.String(a.Params)
		inner, err := cms.ReadAlgID(&p)
		if err != nil || !p.Empty() {
			return out, errors.New("bad RSASSA-PSS MGF1 parameters")
		}
		h, _, ok := digestHash(inner.OID)
		if !ok {
			return out, fmt.Errorf("%w: MGF1 with hash %s", errUnsupportedAlg, inner.OID)
		}
		mgfHash = h
	}
	if !seq.ReadOptionalASN1(&f, &present, cbasn1.Tag(2).Constructed().ContextSpecific()) {
		return out, errors.New("bad RSASSA-PSS saltLength")
	}
	if present {
		var n int64
		if !f.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) || !f.Empty() || n < 0 || n > 1024 {
			return out, errors.New("bad RSASSA-PSS saltLength")
		}
		out.pssSalt = int(n)
	}
	if !seq.ReadOptionalASN1(&f, &present, cbasn1.Tag(3).Constructed().ContextSpecific()) {
		return out, errors.New("bad RSASSA-PSS trailerField")
	}
	if present {
		var n int64
		if !f.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) || !f.Empty() || n != 1 {
			return out, errors.New("RSASSA-PSS trailerField must be 1")
		}
	}
	if !seq.Empty() {
		return out, errors.New("trailing data in RSASSA-PSS parameters")
	}
	if mgfHash != out.hash {
		// Go's rsa.VerifyPSS uses the message hash for MGF1 too; a
		// different MGF1 hash is legal but almost never used.
		return out, fmt.Errorf("%w: RSASSA-PSS with MGF1 hash %s differing from %s", errUnsupportedAlg, hashName(mgfHash), hashName(out.hash))
	}
	return out, nil
}

// name describes the algorithm for the report, with h the hash used.
func (a cmsSigAlg) name(h crypto.Hash) string {
	switch a.kind {
	case sigRSAPKCS1:
		return "RSA PKCS#1 v1.5 with " + hashName(h)
	case sigRSAPSS:
		return fmt.Sprintf("RSASSA-PSS with %s (MGF1, salt %d)", hashName(h), a.pssSalt)
	case sigECDSA:
		return "ECDSA with " + hashName(h)
	case sigEd25519:
		return "Ed25519"
	}
	return "unknown"
}

// verifyWithKey checks sig. For hash-based schemes digest is the hash
// (with h) of the signed bytes; for Ed25519 msg is the signed bytes.
func (a cmsSigAlg) verifyWithKey(pub crypto.PublicKey, h crypto.Hash, digest, msg, sig []byte) error {
	switch a.kind {
	case sigRSAPKCS1, sigRSAPSS:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("the signature algorithm is RSA but the certificate holds a %s key", keyTypeName(pub))
		}
		if a.kind == sigRSAPSS {
			salt := a.pssSalt
			if salt == 0 {
				salt = rsa.PSSSaltLengthAuto // Go reads 0 as "auto"; both accept an empty salt
			}
			return rsaVerifyPSS(k, h, digest, sig, salt)
		}
		return rsaVerifyPKCS1v15(k, h, digest, sig)
	case sigECDSA:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("the signature algorithm is ECDSA but the certificate holds a %s key", keyTypeName(pub))
		}
		if !ecdsa.VerifyASN1(k, digest, sig) {
			return errors.New("ECDSA verification failed")
		}
		return nil
	case sigEd25519:
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("the signature algorithm is Ed25519 but the certificate holds a %s key", keyTypeName(pub))
		}
		if !ed25519.Verify(k, msg, sig) {
			return errors.New("Ed25519 verification failed")
		}
		return nil
	}
	return errUnsupportedAlg
}

func keyTypeName(pub crypto.PublicKey) string {
	switch pub.(type) {
	case *rsa.PublicKey:
		return "RSA"
	case *ecdsa.PublicKey:
		return "ECDSA"
	case ed25519.PublicKey:
		return "Ed25519"
	}
	return fmt.Sprintf("%T", pub)
}

// certSigHash is the hash of an X.509 signature algorithm (0 for
// Ed25519 and unknown algorithms).
func certSigHash(a x509.SignatureAlgorithm) crypto.Hash {
	switch a {
	case x509.MD2WithRSA, x509.MD5WithRSA:
		return crypto.MD5
	case x509.SHA1WithRSA, x509.DSAWithSHA1, x509.ECDSAWithSHA1:
		return crypto.SHA1
	case x509.SHA256WithRSA, x509.SHA256WithRSAPSS, x509.ECDSAWithSHA256, x509.DSAWithSHA256:
		return crypto.SHA256
	case x509.SHA384WithRSA, x509.SHA384WithRSAPSS, x509.ECDSAWithSHA384:
		return crypto.SHA384
	case x509.SHA512WithRSA, x509.SHA512WithRSAPSS, x509.ECDSAWithSHA512:
		return crypto.SHA512
	}
	return 0
}
