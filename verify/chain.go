package verify

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/sohoa/sohoa"
)

// pathCheck says which certificate path to validate and how, and receives
// the result.
type pathCheck struct {
	leaf *x509.Certificate
	pool []*x509.Certificate // candidate intermediates (CMS, /DSS, token)
	// at is the validation time; poe says it is a proof of existence (a
	// verified timestamp) rather than now or a requested time.
	at  time.Time
	poe bool
	// claimed is the signer-claimed signing time: revocation after it,
	// without a proof of existence, is REVOKED_NO_POE.
	claimed *time.Time
	// alsoValidAt, when set, is a second time the path certificates must
	// be valid at (a TSA's path: at its genTime and now).
	alsoValidAt time.Time
	tsa         bool   // leaf is a timestamping certificate
	who         string // "signer's certificate", "TSA certificate"
	store       *revStore
	online      bool // online revocation fetching allowed for this path

	chain      []*x509.Certificate // leaf .. anchor (or a partial chain)
	trusted    bool
	reason     *sohoa.Reason // a coded reason for the path's finding
	revocation []RevocationReport
}

// Extended key usages accepted on a signer certificate that has the
// extension at all (none present means no restriction). Vietnamese public
// CAs issue signing certificates with clientAuth and emailProtection; the
// document-signing purposes are Microsoft's, Adobe's and RFC 9336's. A
// certificate only for serverAuth, codeSigning, timeStamping or OCSP
// signing is refused.
var signerEKUAllowed = []asn1.ObjectIdentifier{
	{2, 5, 29, 37, 0},                  // anyExtendedKeyUsage
	{1, 3, 6, 1, 5, 5, 7, 3, 2},        // clientAuth
	{1, 3, 6, 1, 5, 5, 7, 3, 4},        // emailProtection
	{1, 3, 6, 1, 5, 5, 7, 3, 36},       // id-kp-documentSigning (RFC 9336)
	{1, 3, 6, 1, 4, 1, 311, 10, 3, 12}, // Microsoft document signing
	{1, 2, 840, 113583, 1, 1, 5},       // Adobe Authentic Documents Trust
}

var (
	oidExtKeyUsage     = asn1.ObjectIdentifier{2, 5, 29, 37}
	oidEKUTimeStamping = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}
)

// certEKUs returns the certificate's extended key usage OIDs and whether
// the extension is present and critical.
func certEKUs(c *x509.Certificate) (oids []asn1.ObjectIdentifier, present, critical bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			present, critical = true, e.Critical
			var list []asn1.ObjectIdentifier
			if rest, err := asn1.Unmarshal(e.Value, &list); err == nil && len(rest) == 0 {
				oids = list
			}
		}
	}
	return oids, present, critical
}

// checkUsage applies the key usage rules to the leaf.
func (p *pathCheck) checkUsage(vd *cmsVerdict) {
	c := p.leaf
	ekus, present, critical := certEKUs(c)
	if p.tsa {
		has := false
		for _, o := range ekus {
			if o.Equal(oidEKUTimeStamping) {
				has = true
			}
		}
		switch {
		case !has:
			vd.fail(Indeterminate, ChainConstraintsFailure, "the TSA certificate %s is not a timestamping certificate (no timeStamping extended key usage)", certName(c))
		case !critical:
			vd.fail(Indeterminate, ChainConstraintsFailure, "the TSA certificate %s has a non-critical extended key usage extension; RFC 3161 requires it critical", certName(c))
		case len(ekus) > 1:
			vd.warn("the TSA certificate %s has purposes besides timestamping", certName(c))
		}
		if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
			vd.fail(Indeterminate, ChainConstraintsFailure, "the TSA certificate %s does not allow digital signatures (key usage)", certName(c))
		}
		return
	}
	if c.KeyUsage != 0 && c.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		vd.fail(Indeterminate, ChainConstraintsFailure, "the %s (%s) may not be used for signatures: its key usage allows neither digitalSignature nor nonRepudiation", p.who, certName(c))
	}
	if present {
		ok := false
		for _, o := range ekus {
			for _, a := range signerEKUAllowed {
				if o.Equal(a) {
					ok = true
				}
			}
		}
		if !ok {
			names := make([]string, 0, len(ekus))
			for _, o := range ekus {
				names = append(names, ekuName(o))
			}
			vd.fail(Indeterminate, ChainConstraintsFailure, "the %s (%s) is issued for %v, not for signing documents", p.who, certName(c), names)
		}
	}
}

func ekuName(o asn1.ObjectIdentifier) string {
	switch o.String() {
	case "1.3.6.1.5.5.7.3.1":
		return "serverAuth"
	case "1.3.6.1.5.5.7.3.3":
		return "codeSigning"
	case "1.3.6.1.5.5.7.3.8":
		return "timeStamping"
	case "1.3.6.1.5.5.7.3.9":
		return "OCSPSigning"
	}
	return o.String()
}

// checkPath validates the leaf's usage, builds a path to a trust anchor,
// applies the algorithm policy to it, checks validity at the validation
// time and the revocation status of every non-anchor certificate.
func (v *Verifier) checkPath(ctx context.Context, vd *cmsVerdict, p *pathCheck) {
	p.checkUsage(vd)
	pool := v.withIntermediates(p.pool)
	chain, err := v.buildPath(p.leaf, pool, p.at)
	if err != nil {
		p.chain = partialChain(p.leaf, pool)
		var uae x509.UnknownAuthorityError
		var cie x509.CertificateInvalidError
		var uce x509.UnhandledCriticalExtension
		ca := v.unusableIssuerKey(p.leaf, pool)
		vnRoot := unknownVNRoot(p.chain)
		switch {
		case len(v.anchors) == 0:
			vd.fail(Indeterminate, NoCertificateChainFound, "no trust anchors are configured, so the %s (%s) cannot be trusted; add the issuing root with --trust", p.who, certName(p.leaf))
		case ca != nil:
			vd.fail(Indeterminate, CryptoConstraintsFailure, "the certificate path of the %s (%s) goes through %s, whose %s key sohoa cannot verify signatures with: the path is unknown, not disproved", p.who, certName(p.leaf), certName(ca), spkiAlgName(ca))
		case errors.As(err, &cie) || errors.As(err, &uce):
			vd.fail(Indeterminate, ChainConstraintsFailure, "the certificate path of the %s (%s) violates a constraint: %v", p.who, certName(p.leaf), err)
		case vnRoot != "" && (errors.As(err, &uae) || !errors.As(err, &cie) && !errors.As(err, &uce)):
			r := sohoa.NewReason(ReasonUnknownVNRoot, "issuer", vnRoot)
			p.reason = &r
			vd.fail(Indeterminate, NoCertificateChainFound, "the %s (%s) chains to a Vietnamese root sohoa does not know yet (%s): add it with `sohoa trust add`", p.who, certName(p.leaf), vnRoot)
		case errors.As(err, &uae):
			vd.fail(Indeterminate, NoCertificateChainFound, "the %s (%s) does not chain to a configured trust anchor (issuer %s)", p.who, certName(p.leaf), rawNameString(p.leaf.RawIssuer))
		default:
			vd.fail(Indeterminate, NoCertificateChainFound, "no trusted certificate path for the %s (%s): %v", p.who, certName(p.leaf), err)
		}
		return
	}
	p.chain, p.trusted = chain, true

	// Algorithm policy on the path, judged with the signature's proof of
	// existence (resolveWeak). The anchor's own signature does not matter
	// (it is trusted by configuration), its key does.
	for i, c := range chain {
		anchor := i == len(chain)-1
		if !anchor {
			h := certSigHash(c.SignatureAlgorithm)
			if isMD5(h) {
				vd.fail(Indeterminate, CryptoConstraintsFailureNoPOE, "the certificate %s is signed with %s, %s since %s (sohoa does not check MD5 signatures at all)", certName(c), c.SignatureAlgorithm, tooWeak, fmtDate(md5Sunset))
			} else if sunset, weak := v.policy.hashWeak(h); weak {
				vd.weakAlg(fmt.Sprintf("the certificate %s is signed with %s", certName(c), c.SignatureAlgorithm), sunset)
			}
		}
		if i > 0 { // the leaf's key was judged with the signature
			if desc, sunset, weak := v.policy.keyWeak(c.PublicKey); weak {
				vd.weakAlg(fmt.Sprintf("the certificate %s has %s", certName(c), desc), sunset)
			} else if prob := keyUnsupported(c.PublicKey); prob != "" {
				vd.fail(Indeterminate, CryptoConstraintsFailure, "the certificate %s cannot be used: %s", certName(c), prob)
			}
		}
	}

	// Validity at the validation time (the anchor's dates are its
	// configuration's business).
	for i, c := range chain[:len(chain)-1] {
		role := p.who
		if i > 0 {
			role = "CA certificate"
		}
		v.checkValidity(vd, c, role, p.at, p.poe, p.tsa)
		if !p.alsoValidAt.IsZero() && (p.alsoValidAt.After(c.NotAfter) || p.alsoValidAt.Before(c.NotBefore)) {
			vd.fail(Indeterminate, OutOfBoundsNoPOE, "the %s %s is valid from %s to %s, so it is not valid now (%s); the timestamp can only be relied on with a later archive timestamp (PAdES B-LTA)",
				role, certName(c), fmtTime(c.NotBefore), fmtTime(c.NotAfter), fmtTime(p.alsoValidAt))
		}
	}

	for i := 0; i < len(chain)-1; i++ {
		p.revocation = append(p.revocation, v.checkRevocation(ctx, vd, p, chain[i], chain[i+1]))
	}
}

func (v *Verifier) checkValidity(vd *cmsVerdict, c *x509.Certificate, role string, at time.Time, poe, tsa bool) {
	what := "the signature's timestamp"
	if tsa {
		what = "the time in the timestamp"
	}
	switch {
	case at.After(c.NotAfter):
		if poe {
			vd.fail(TotalFailed, Expired, "the %s %s expired on %s, before %s (%s)", role, certName(c), fmtTime(c.NotAfter), what, fmtTime(at))
		} else {
			vd.fail(Indeterminate, OutOfBoundsNoPOE, "the %s %s expired on %s; nothing proves the signature was made before then (it has no valid signature timestamp), so it cannot be validated now (%s)", role, certName(c), fmtTime(c.NotAfter), fmtTime(at))
		}
	case at.Before(c.NotBefore):
		if poe {
			vd.fail(TotalFailed, NotYetValid, "the %s %s only becomes valid on %s, after %s (%s)", role, certName(c), fmtTime(c.NotBefore), what, fmtTime(at))
		} else {
			vd.fail(Indeterminate, NotYetValid, "the %s %s only becomes valid on %s, after the validation time %s", role, certName(c), fmtTime(c.NotBefore), fmtTime(at))
		}
	}
}

// withIntermediates is pool followed by the configured intermediates it
// does not hold already.
func (v *Verifier) withIntermediates(pool []*x509.Certificate) []*x509.Certificate {
	if len(v.extra) == 0 {
		return pool
	}
	out := append(make([]*x509.Certificate, 0, len(pool)+len(v.extra)), pool...)
	for _, c := range v.extra {
		if !slices.ContainsFunc(pool, c.Equal) {
			out = append(out, c)
		}
	}
	return out
}

// buildPath finds a path from leaf to a configured anchor with
// crypto/x509 (never the system roots). Validity is checked by the caller
// at the validation time, so the path is first searched at that time and
// then at times inside the leaf's validity: an expired certificate must
// be reported as expired, not as "no path".
func (v *Verifier) buildPath(leaf *x509.Certificate, pool []*x509.Certificate, at time.Time) ([]*x509.Certificate, error) {
	roots := v.anchorPool
	if roots == nil || len(v.anchors) == 0 {
		roots = x509.NewCertPool() // never nil: nil would mean the system roots
	}
	inter := x509.NewCertPool()
	var interList []*x509.Certificate
	for _, c := range pool {
		if !c.Equal(leaf) {
			inter.AddCert(c)
			interList = append(interList, c)
		}
	}
	// The search depends on the time only through which candidates are
	// within their validity period, so a path found earlier for the same
	// certificates at a time with the same valid candidates is reused.
	cands := make([]*x509.Certificate, 0, 1+len(interList)+len(v.anchors))
	cands = append(append(append(cands, leaf), interList...), v.anchors...)
	pk := pathKey(leaf, interList)
	mid := leaf.NotBefore.Add(leaf.NotAfter.Sub(leaf.NotBefore) / 2)
	clamped := at
	if clamped.After(leaf.NotAfter) {
		clamped = leaf.NotAfter
	}
	if clamped.Before(leaf.NotBefore) {
		clamped = leaf.NotBefore
	}
	var firstErr error
	for _, t := range []time.Time{at, clamped, mid} {
		valid := validAt(cands, t)
		if len(v.anchors) > 0 {
			if ch := v.cachedPath(pk, valid, leaf, interList); ch != nil {
				return ch, nil
			}
		}
		chains, err := leaf.Verify(x509.VerifyOptions{
			Roots:         roots,
			Intermediates: inter,
			CurrentTime:   t,
			KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
		})
		if err == nil && len(chains) > 0 {
			best := chains[0]
			for _, ch := range chains[1:] {
				if len(ch) < len(best) {
					best = ch
				}
			}
			if len(v.anchors) > 0 {
				v.storePath(pk, valid, best)
			}
			return best, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	// crypto/x509 refuses SHA-1 certificate signatures outright, and RSA
	// issuer keys crypto/rsa cannot use (an exponent above 2^31-1, a
	// modulus under 1024 bits). Find such a path by hand so the policy can
	// judge it instead of "no path".
	if ch := v.legacyPath(leaf, pool); ch != nil {
		return ch, nil
	}
	if firstErr == nil {
		firstErr = errors.New("no path found")
	}
	return nil, firstErr
}

// legacyPath builds a path that crypto/x509 would refuse only because a
// certificate on it is signed with SHA-1 or under an RSA key crypto/rsa
// refuses (see checkSignatureBy). It checks names, key identifiers,
// signatures, CA basic constraints, certSign key usage, path length and
// unhandled critical extensions; not name or policy constraints. It
// returns nil when there is no such path or the path has neither (then
// crypto/x509's refusal stands).
func (v *Verifier) legacyPath(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	if len(v.anchors) == 0 {
		return nil
	}
	budget := 64 // signature checks
	var walk func(path []*x509.Certificate) []*x509.Certificate
	walk = func(path []*x509.Certificate) []*x509.Certificate {
		cur := path[len(path)-1]
		if len(path) > 8 || len(cur.UnhandledCriticalExtensions) > 0 {
			return nil
		}
		try := func(cand *x509.Certificate, anchor bool) []*x509.Certificate {
			if budget <= 0 || !bytes.Equal(cand.RawSubject, cur.RawIssuer) {
				return nil
			}
			if len(cur.AuthorityKeyId) > 0 && len(cand.SubjectKeyId) > 0 && !bytes.Equal(cur.AuthorityKeyId, cand.SubjectKeyId) {
				return nil
			}
			for _, p := range path {
				if p.Equal(cand) {
					return nil
				}
			}
			if !cand.IsCA || !cand.BasicConstraintsValid && cand.Version == 3 ||
				cand.KeyUsage != 0 && cand.KeyUsage&x509.KeyUsageCertSign == 0 {
				return nil
			}
			// Intermediate CAs below cand: len(path)-1.
			if cand.BasicConstraintsValid && (cand.MaxPathLen > 0 || cand.MaxPathLenZero) && len(path)-1 > cand.MaxPathLen {
				return nil
			}
			budget--
			if checkSignatureBy(cand, cur.SignatureAlgorithm, cur.RawTBSCertificate, cur.Signature) != nil {
				return nil
			}
			next := append(append([]*x509.Certificate(nil), path...), cand)
			if anchor {
				return next
			}
			return walk(next)
		}
		for _, a := range v.anchors {
			if a.Equal(cur) {
				return path
			}
		}
		for _, a := range v.anchors {
			if r := try(a, true); r != nil {
				return r
			}
		}
		for _, c := range pool {
			if r := try(c, false); r != nil {
				return r
			}
		}
		return nil
	}
	path := walk([]*x509.Certificate{leaf})
	if path == nil {
		return nil
	}
	for i, c := range path[:len(path)-1] {
		if h := certSigHash(c.SignatureAlgorithm); h != 0 && h.Size() <= 20 {
			return path
		}
		if k, ok := path[i+1].PublicKey.(*rsa.PublicKey); ok && !goRSAAccepts(k) {
			return path
		}
	}
	return nil
}

// unusableIssuerKey follows issuer names (without checking signatures)
// from leaf through pool and the anchors and returns the first issuer
// whose key no signature can be checked with (Ed448, which crypto/x509
// does not read, or DSA, which it does not verify), or nil.
func (v *Verifier) unusableIssuerKey(leaf *x509.Certificate, pool []*x509.Certificate) *x509.Certificate {
	cur := leaf
	for range 8 {
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) {
			return nil
		}
		var next *x509.Certificate
		for _, list := range [][]*x509.Certificate{v.anchors, pool} {
			for _, c := range list {
				if next == nil && bytes.Equal(c.RawSubject, cur.RawIssuer) && !c.Equal(cur) {
					next = c
				}
			}
		}
		if next == nil {
			return nil
		}
		if next.PublicKey == nil || next.PublicKeyAlgorithm == x509.DSA {
			return next
		}
		cur = next
	}
	return nil
}

// spkiAlgName names a certificate's key algorithm from its
// SubjectPublicKeyInfo, for keys crypto/x509 does not parse.
func spkiAlgName(c *x509.Certificate) string {
	var spki struct {
		Algorithm struct {
			Algorithm asn1.ObjectIdentifier
			Params    asn1.RawValue `asn1:"optional"`
		}
		Key asn1.BitString
	}
	if _, err := asn1.Unmarshal(c.RawSubjectPublicKeyInfo, &spki); err != nil {
		return "unreadable"
	}
	switch oid := spki.Algorithm.Algorithm; {
	case oid.Equal(oidEd448):
		return "Ed448"
	case oid.Equal(oidDSA):
		return "DSA"
	default:
		return oid.String()
	}
}

// partialChain follows issuer names from leaf through pool, for display
// when no trusted path exists.
func partialChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	chain := []*x509.Certificate{leaf}
	for len(chain) < 8 {
		cur := chain[len(chain)-1]
		if bytes.Equal(cur.RawIssuer, cur.RawSubject) {
			break
		}
		var next *x509.Certificate
		for _, c := range pool {
			if bytes.Equal(c.RawSubject, cur.RawIssuer) && cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		for _, c := range chain {
			if c.Equal(next) {
				return chain
			}
		}
		chain = append(chain, next)
	}
	return chain
}

// certName names a certificate in messages: its subject CN (or the whole
// subject) and serial.
func certName(c *x509.Certificate) string {
	if c == nil {
		return "(none)"
	}
	n := c.Subject.CommonName
	if n == "" {
		n = rawNameString(c.RawSubject)
	}
	return fmt.Sprintf("%q (serial %s)", n, serialHex(c.SerialNumber))
}

func fmtTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") }
