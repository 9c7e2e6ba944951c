package verify

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa/verify/internal/revfetch"
)

// Revocation checking.
//
// Sources, in order: the signature's own CMS (adbe-revocationInfoArchival
// signed attribute and the SignedData crls field) as "cms", the PDF's /DSS
// and /VRI as "dss", and only when the Verifier has an HTTP client, the
// certificate's OCSP responder and then its CRL distribution points as
// "online". Every CRL and OCSP response is checked before it counts: it
// must be signed by the certificate's issuer (a CRL: by the issuer itself,
// which must have cRLSign; an OCSP response: by the issuer or by a
// responder certificate the issuer issued with the OCSPSigning EKU, valid
// when the response was produced), its signature algorithm must satisfy
// the policy (a weak one only when a timestamp from before its sunset
// covers it, see revAlgorithm), it must not be dated in the future, and a
// CRL must be
// complete for the certificate (no delta CRL, no partition for other
// certificates, no indirect or reason-limited CRL).
//
// Freshness, for a "good" status, relative to the validation time T (the
// signature timestamp's time when one verified, else now or --at):
//   - data issued at or after T is fresh: it shows the certificate was not
//     revoked as late as then (pyHanko and EU DSS accept revocation data
//     issued after the proof of existence the same way);
//   - data issued before T is fresh when T is not past its nextUpdate, or,
//     without a nextUpdate, when T is within Policy.MaxRevocationAge of its
//     thisUpdate;
//   - a "good" status issued after the certificate expired proves nothing
//     (issuers drop expired certificates from CRLs and OCSP), unless the
//     CRL carries expiredCertsOnCRL.
//
// A "revoked" status is final and counts whatever its age.

const (
	// maxRevocationItems bounds the CRLs and OCSP responses looked at for
	// one signature (each is parsed at most once, OCSP once per
	// certificate of the path).
	maxRevocationItems = 512
	// maxFetchURLs bounds the OCSP responders and, separately, the CRL
	// locations asked per certificate: a hostile certificate may list
	// many, and each costs up to a request timeout.
	maxFetchURLs = 2
	clockSkew    = 5 * time.Minute
)

var (
	oidDeltaCRLIndicator = asn1.ObjectIdentifier{2, 5, 29, 27}
	oidIssuingDistPoint  = asn1.ObjectIdentifier{2, 5, 29, 28}
	oidExpiredCertsOnCRL = asn1.ObjectIdentifier{2, 5, 29, 60}
	oidCRLNumber         = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidAuthorityKeyID    = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidFreshestCRL       = asn1.ObjectIdentifier{2, 5, 29, 46}
)

// revItem is one CRL or OCSP response from one source.
type revItem struct {
	source string // "cms", "dss", "online"
	kind   string // "crl", "ocsp"
	der    []byte
	// signed says the item came from the signed attributes
	// (adbe-revocationInfoArchival), so the signature's timestamp
	// proves it existed.
	signed bool

	// req and resp are set for an item fetched online (resp.Cached when
	// it came from the Verifier's cache).
	req  *revfetch.Request
	resp *revfetch.Response

	parsed bool
	crl    *x509.RevocationList
	crlErr error
}

// revStore holds the revocation data available to one signature (and its
// timestamps).
type revStore struct {
	items       []*revItem
	seen        map[string]bool
	fetched     map[string]*revItem // online, by request
	fetchFailed map[string]error
}

func (s *revStore) add(source, kind string, ders ...[]byte) { s.addItems(source, kind, false, ders) }

// addSigned adds items from the signed attributes.
func (s *revStore) addSigned(source, kind string, ders ...[]byte) {
	s.addItems(source, kind, true, ders)
}

func (s *revStore) addItems(source, kind string, signed bool, ders [][]byte) {
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	for _, d := range ders {
		k := kind + string(d)
		if len(d) == 0 || s.seen[k] || len(s.items) >= maxRevocationItems {
			continue
		}
		s.seen[k] = true
		s.items = append(s.items, &revItem{source: source, kind: kind, der: d, signed: signed})
	}
}

// revResult is what one item says about one certificate.
type revResult struct {
	status      string // "good", "revoked", "unknown"
	revokedAt   time.Time
	reason      int
	thisUpdate  time.Time
	nextUpdate  time.Time // zero when absent
	expiredKept bool      // CRL with expiredCertsOnCRL
	source      string
	kind        string
	// note is a warning to report when the result is used (a signature
	// algorithm too weak under the policy, covered by a proof of
	// existence).
	note string
	item *revItem
}

// checkRevocation finds and judges the revocation status of cert (issued
// by issuer) for the path p.
func (v *Verifier) checkRevocation(ctx context.Context, vd *cmsVerdict, p *pathCheck, cert, issuer *x509.Certificate) RevocationReport {
	rep := RevocationReport{Certificate: certCN(cert), Serial: serialHex(cert.SerialNumber), Status: "unknown"}
	now := v.cmsNow()
	var good, revoked *revResult
	consider := func(it *revItem) {
		var r *revResult
		var applicable bool
		var err error
		if it.kind == "crl" {
			r, applicable, err = v.evalCRL(it, p, cert, issuer, now)
		} else {
			r, applicable, err = v.evalOCSP(it, p, cert, issuer, now)
		}
		if !applicable {
			return
		}
		label := revLabel(it)
		if err != nil {
			rep.Problems = append(rep.Problems, label+": "+err.Error())
			v.keepFetched(it, nil, false)
			return
		}
		r.item = it
		if r.note != "" {
			r.note = label + ": " + r.note
		}
		switch r.status {
		case "revoked":
			v.keepFetched(it, r, true)
			if revoked == nil || r.revokedAt.Before(revoked.revokedAt) {
				revoked = r
			}
		case "good":
			ok, why := v.revFresh(r, cert, p.at)
			v.keepFetched(it, r, ok)
			if ok {
				if good == nil {
					good = r
				}
			} else {
				rep.Problems = append(rep.Problems, label+": "+why)
			}
		default:
			v.keepFetched(it, r, false)
			rep.Problems = append(rep.Problems, label+": the responder does not know this certificate (status unknown)")
		}
	}
	if p.store != nil {
		for _, it := range p.store.items {
			consider(it)
		}
	}
	if revoked == nil && good == nil && p.online && v.fetch != nil && p.store != nil {
		for _, it := range v.fetchOCSP(ctx, p.store, cert, issuer, &rep) {
			consider(it)
		}
		if revoked == nil && good == nil {
			for _, it := range v.fetchCRLs(ctx, p.store, cert, &rep) {
				consider(it)
			}
		}
	}

	who := p.who
	if cert != p.leaf {
		who = "CA certificate"
	}
	fill := func(r *revResult) {
		rep.Status, rep.Source, rep.Kind = r.status, r.source, r.kind
		tu := r.thisUpdate
		rep.ThisUpdate = &tu
		if !r.nextUpdate.IsZero() {
			nu := r.nextUpdate
			rep.NextUpdate = &nu
		}
		if r.status == "revoked" {
			ra := r.revokedAt
			rep.RevokedAt = &ra
		}
		if it := r.item; it != nil && it.req != nil {
			fa := it.resp.FetchedAt.UTC()
			rep.URL, rep.FetchedAt, rep.Cached = it.req.URL, &fa, it.resp.Cached
		}
	}
	switch {
	case revoked != nil:
		fill(revoked)
		if revoked.note != "" {
			vd.warn("%s", revoked.note)
		}
		v.judgeRevoked(vd, p, who, cert, revoked)
	case good != nil:
		fill(good)
		if good.note != "" {
			vd.warn("%s", good.note)
		}
	default:
		hasURLs := len(cert.OCSPServer) > 0 || len(cert.CRLDistributionPoints) > 0
		switch {
		case !hasURLs:
			vd.warn("the %s %s names no CRL or OCSP location, so its revocation status cannot be checked", who, certName(cert))
		case v.policy.RequireRevocation:
			how := "enable --online or embed it (PAdES B-LT)"
			if v.fetch != nil {
				how = "the issuer's CRL and OCSP services did not give a usable answer; try again later or embed it (PAdES B-LT)"
			}
			vd.fail(Indeterminate, TryLater, "no usable revocation information for the %s %s at %s; %s", who, certName(cert), fmtTime(p.at), how)
		default:
			vd.warn("no usable revocation information for the %s %s; the policy does not require it", who, certName(cert))
		}
	}
	return rep
}

// judgeRevoked applies EN 319 102-1's rules to a revoked certificate.
func (v *Verifier) judgeRevoked(vd *cmsVerdict, p *pathCheck, who string, cert *x509.Certificate, r *revResult) {
	hold := ""
	if r.reason == 6 {
		hold = " (on hold)"
	}
	ra := r.revokedAt
	switch {
	case p.poe && !ra.After(p.at):
		what := "before the signature's timestamp"
		if p.tsa {
			what = "before the time in the timestamp"
		}
		vd.fail(TotalFailed, Revoked, "the %s %s was revoked%s on %s, %s (%s)", who, certName(cert), hold, fmtTime(ra), what, fmtTime(p.at))
	case p.poe:
		vd.warn("the %s %s was revoked%s on %s, after the signature was proven to exist (%s); the signature stays valid", who, certName(cert), hold, fmtTime(ra), fmtTime(p.at))
	case p.claimed != nil && !ra.After(*p.claimed):
		vd.fail(TotalFailed, Revoked, "the %s %s was revoked%s on %s, before the signing time the signer claims (%s)", who, certName(cert), hold, fmtTime(ra), fmtTime(*p.claimed))
	case !ra.After(p.at):
		vd.fail(Indeterminate, RevokedNoPOE, "the %s %s was revoked%s on %s; nothing proves the signature was made before then (it has no valid signature timestamp)", who, certName(cert), hold, fmtTime(ra))
	default:
		vd.warn("the %s %s was revoked%s on %s, after the requested validation time %s", who, certName(cert), hold, fmtTime(ra), fmtTime(p.at))
	}
}

// revFresh says whether a "good" status may be relied on at time at.
func (v *Verifier) revFresh(r *revResult, cert *x509.Certificate, at time.Time) (bool, string) {
	if r.thisUpdate.After(cert.NotAfter) && !r.expiredKept {
		return false, fmt.Sprintf("it was issued on %s, after the certificate expired (%s); issuers drop expired certificates, so it proves nothing", fmtTime(r.thisUpdate), fmtTime(cert.NotAfter))
	}
	if !r.thisUpdate.Before(at) {
		return true, ""
	}
	if !r.nextUpdate.IsZero() {
		if !at.After(r.nextUpdate) {
			return true, ""
		}
		return false, fmt.Sprintf("it was issued on %s and superseded on %s, before the validation time %s; a fresher one is needed", fmtTime(r.thisUpdate), fmtTime(r.nextUpdate), fmtTime(at))
	}
	if at.Sub(r.thisUpdate) <= v.policy.MaxRevocationAge {
		return true, ""
	}
	return false, fmt.Sprintf("it was issued on %s without a next-update time and is older than %s at the validation time %s", fmtTime(r.thisUpdate), v.policy.MaxRevocationAge, fmtTime(at))
}

// evalCRL reads what a CRL says about cert. applicable is false when the
// CRL is not about cert at all (another issuer or scope).
func (v *Verifier) evalCRL(it *revItem, p *pathCheck, cert, issuer *x509.Certificate, now time.Time) (*revResult, bool, error) {
	if !it.parsed {
		it.crl, it.crlErr = x509.ParseRevocationList(it.der)
		it.parsed = true
	}
	crl := it.crl
	if it.crlErr != nil || crl == nil {
		return nil, false, nil
	}
	if !bytes.Equal(crl.RawIssuer, cert.RawIssuer) {
		return nil, false, nil
	}
	if len(crl.AuthorityKeyId) > 0 && len(issuer.SubjectKeyId) > 0 && !bytes.Equal(crl.AuthorityKeyId, issuer.SubjectKeyId) {
		return nil, false, nil // another key of the same-named CA
	}
	r := &revResult{status: "good", thisUpdate: crl.ThisUpdate, nextUpdate: crl.NextUpdate, source: it.source, kind: "crl"}
	for _, e := range crl.Extensions {
		switch {
		case e.Id.Equal(oidDeltaCRLIndicator):
			return nil, true, errors.New("it is a delta CRL, which is not complete on its own")
		case e.Id.Equal(oidIssuingDistPoint):
			applies, err := idpCovers(e.Value, cert)
			if !applies {
				return nil, false, nil
			}
			if err != nil {
				return nil, true, err
			}
		case e.Id.Equal(oidExpiredCertsOnCRL):
			r.expiredKept = true
		case e.Critical && !e.Id.Equal(oidCRLNumber) && !e.Id.Equal(oidAuthorityKeyID) && !e.Id.Equal(oidFreshestCRL):
			return nil, true, fmt.Errorf("it has an unsupported critical extension %s", e.Id)
		}
	}
	if err := v.sigCheck('c', it.der, issuer.Raw, func() error { return crlSignedBy(crl, issuer) }); err != nil {
		return nil, true, fmt.Errorf("its signature does not verify with the key of the issuer %s: %v", certName(issuer), err)
	}
	note, err := v.revAlgorithm(it, p, "it is", crl.SignatureAlgorithm)
	if err != nil {
		return nil, true, err
	}
	r.note = note
	if crl.ThisUpdate.After(now.Add(clockSkew)) {
		return nil, true, fmt.Errorf("it is dated %s, in the future", fmtTime(crl.ThisUpdate))
	}
	for _, e := range crl.RevokedCertificateEntries {
		if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
			if e.ReasonCode == 8 { // removeFromCRL: only meaningful in delta CRLs
				continue
			}
			r.status, r.revokedAt, r.reason = "revoked", e.RevocationTime, e.ReasonCode
			break
		}
	}
	return r, true, nil
}

// revAlgorithm applies the algorithm policy to the signature algorithm of
// a CRL, an OCSP response or a responder certificate (what: "it is", "its
// responder certificate is"). A weak algorithm is acceptable, with the
// returned note, only for data the signature's signed attributes embed
// (adbe-revocationInfoArchival) when a verified timestamp from before the
// algorithm's sunset covers the signature; otherwise the data cannot be
// used and the error says why.
func (v *Verifier) revAlgorithm(it *revItem, p *pathCheck, what string, alg x509.SignatureAlgorithm) (string, error) {
	h := certSigHash(alg)
	if isMD5(h) {
		return "", fmt.Errorf("%s signed with %s, %s since %s, so it cannot be used", what, alg, tooWeak, fmtDate(md5Sunset))
	}
	sunset, weak := v.policy.hashWeak(h)
	if !weak {
		return "", nil
	}
	w := weakAlg{what: fmt.Sprintf("%s signed with %s", what, alg), sunset: sunset}
	if it.signed && p.poe && w.coveredBy(p.at) {
		return w.accepted(p.at, "the timestamp over the signature that embeds it"), nil
	}
	why := "it is not covered by a timestamp from before then"
	if !it.signed {
		why = "only data embedded in the signed attributes can be covered by the signature's timestamp"
	}
	return "", fmt.Errorf("%s signed with %s, %s (acceptable only for data proven to exist before %s; %s), so it cannot be used", what, alg, tooWeak, fmtDate(sunset), why)
}

// idpCovers reads a CRL's IssuingDistributionPoint and says whether the
// CRL covers cert, with an error when it does but only partly.
func idpCovers(der []byte, cert *x509.Certificate) (bool, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) {
		return true, errors.New("its issuing distribution point cannot be read")
	}
	var dp cryptobyte.String
	var hasDP bool
	if !seq.ReadOptionalASN1(&dp, &hasDP, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return true, errors.New("its issuing distribution point cannot be read")
	}
	flag := func(tag int) (bool, bool) {
		var b cryptobyte.String
		var present bool
		if !seq.ReadOptionalASN1(&b, &present, cbasn1.Tag(tag).ContextSpecific()) {
			return false, false
		}
		return present && len(b) == 1 && b[0] != 0, true
	}
	userOnly, ok1 := flag(1)
	caOnly, ok2 := flag(2)
	var reasons cryptobyte.String
	var hasReasons bool
	ok3 := seq.ReadOptionalASN1(&reasons, &hasReasons, cbasn1.Tag(3).ContextSpecific())
	indirect, ok4 := flag(4)
	attrOnly, ok5 := flag(5)
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return true, errors.New("its issuing distribution point cannot be read")
	}
	if userOnly && cert.IsCA || caOnly && !cert.IsCA || attrOnly {
		return false, nil
	}
	if hasDP {
		var full cryptobyte.String
		var hasFull bool
		if dp.ReadOptionalASN1(&full, &hasFull, cbasn1.Tag(0).Constructed().ContextSpecific()) && hasFull {
			var uris []string
			for !full.Empty() {
				var gn cryptobyte.String
				var tag cbasn1.Tag
				if !full.ReadAnyASN1(&gn, &tag) {
					break
				}
				if tag == cbasn1.Tag(6).ContextSpecific() {
					uris = append(uris, string(gn))
				}
			}
			if len(uris) > 0 {
				match := false
				for _, u := range uris {
					for _, c := range cert.CRLDistributionPoints {
						if u == c {
							match = true
						}
					}
				}
				if !match {
					return false, nil // a partition for other certificates
				}
			}
		}
	}
	if indirect {
		return true, errors.New("it is an indirect CRL, which sohoa does not support")
	}
	if hasReasons {
		return true, errors.New("it covers only some revocation reasons")
	}
	return true, nil
}

// evalOCSP reads what an OCSP response says about cert.
func (v *Verifier) evalOCSP(it *revItem, p *pathCheck, cert, issuer *x509.Certificate, now time.Time) (*revResult, bool, error) {
	pool := p.pool
	resp, err := v.parseOCSPForCert(it.der, cert)
	if err != nil {
		var pe ocsp.ParseError
		if errors.As(err, &pe) {
			switch msg := string(pe); {
			case strings.HasPrefix(msg, "bad signature on embedded certificate"), msg == "unsupported critical extension", msg == "unsupported issuer hash algorithm":
				return nil, true, fmt.Errorf("it cannot be used: %s", msg)
			}
		}
		return nil, false, nil // not a response about this certificate
	}
	// Who signed it?
	var responder *x509.Certificate
	if rc := resp.Certificate; rc != nil {
		switch {
		case rc.Equal(issuer) || bytes.Equal(rc.RawSubject, issuer.RawSubject) && bytes.Equal(rc.RawSubjectPublicKeyInfo, issuer.RawSubjectPublicKeyInfo):
			responder = issuer
		case v.delegatedResponder(rc, issuer):
			responder = rc
		default:
			return nil, true, fmt.Errorf("it is signed by %s, which is neither the issuer %s nor a responder the issuer authorised", certName(rc), certName(issuer))
		}
	} else if v.ocspSignedBy(it.der, resp, issuer) {
		responder = issuer
	} else {
		for _, c := range pool {
			if v.delegatedResponder(c, issuer) && v.ocspSignedBy(it.der, resp, c) {
				responder = c
				break
			}
		}
		if responder == nil {
			return nil, true, fmt.Errorf("its signature does not verify with the key of the issuer %s or of a responder the issuer authorised", certName(issuer))
		}
	}
	if responder != issuer {
		if resp.ProducedAt.Before(responder.NotBefore) || resp.ProducedAt.After(responder.NotAfter) {
			return nil, true, fmt.Errorf("its responder certificate %s was not valid when the response was produced (%s)", certName(responder), fmtTime(resp.ProducedAt))
		}
	}
	var notes []string
	if responder != issuer {
		note, err := v.revAlgorithm(it, p, "its responder certificate is", responder.SignatureAlgorithm)
		if err != nil {
			return nil, true, err
		}
		if note != "" {
			notes = append(notes, note)
		}
	}
	note, err := v.revAlgorithm(it, p, "it is", resp.SignatureAlgorithm)
	if err != nil {
		return nil, true, err
	}
	if note != "" {
		notes = append(notes, note)
	}
	if resp.ThisUpdate.After(now.Add(clockSkew)) {
		return nil, true, fmt.Errorf("it is dated %s, in the future", fmtTime(resp.ThisUpdate))
	}
	r := &revResult{thisUpdate: resp.ThisUpdate, nextUpdate: resp.NextUpdate, source: it.source, kind: "ocsp"}
	r.note = strings.Join(notes, "; ")
	switch resp.Status {
	case ocsp.Good:
		r.status = "good"
	case ocsp.Revoked:
		r.status, r.revokedAt, r.reason = "revoked", resp.RevokedAt, resp.RevocationReason
	default:
		r.status = "unknown"
	}
	return r, true, nil
}

// delegatedResponder says whether c is an OCSP responder certificate the
// issuer issued (RFC 6960 section 4.2.2.2).
func (v *Verifier) delegatedResponder(c, issuer *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, issuer.RawSubject) {
		return false
	}
	eku := false
	for _, u := range c.ExtKeyUsage {
		if u == x509.ExtKeyUsageOCSPSigning {
			eku = true
		}
	}
	return eku && v.sigCheck('d', c.Raw, issuer.Raw, func() error {
		return checkSignatureBy(issuer, c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	}) == nil
}

// ocspSignedBy says whether the OCSP response resp, parsed from der,
// verifies under the key of c.
func (v *Verifier) ocspSignedBy(der []byte, resp *ocsp.Response, c *x509.Certificate) bool {
	return v.sigCheck('r', der, c.Raw, func() error {
		return checkSignatureBy(c, resp.SignatureAlgorithm, resp.TBSResponseData, resp.Signature)
	}) == nil
}

// crlSignedBy is crl.CheckSignatureFrom(issuer) (which also checks that
// the issuer may sign CRLs), extended to the RSA keys crypto/rsa refuses.
func crlSignedBy(crl *x509.RevocationList, issuer *x509.Certificate) error {
	err := crl.CheckSignatureFrom(issuer)
	var cve x509.ConstraintViolationError
	if err == nil || errors.As(err, &cve) {
		return err
	}
	return checkSignatureBy(issuer, crl.SignatureAlgorithm, crl.RawTBSRevocationList, crl.Signature)
}

func revLabel(it *revItem) string {
	k := "CRL"
	if it.kind == "ocsp" {
		k = "OCSP response"
	}
	switch it.source {
	case "cms":
		return k + " embedded in the signature"
	case "dss":
		return k + " from the document's validation data (DSS)"
	}
	return k + " fetched online"
}

// fetchOCSP asks the certificate's OCSP responders (http and https only).
func (v *Verifier) fetchOCSP(ctx context.Context, store *revStore, cert, issuer *x509.Certificate, rep *RevocationReport) []*revItem {
	var out []*revItem
	req, err := ocsp.CreateRequest(cert, issuer, nil)
	if err != nil {
		return nil
	}
	tried := 0
	for _, u := range cert.OCSPServer {
		if !webURL(u) {
			continue
		}
		if tried == maxFetchURLs {
			rep.Problems = append(rep.Problems, fmt.Sprintf("only the first %d of the certificate's OCSP locations were asked", maxFetchURLs))
			break
		}
		tried++
		it, err := v.fetchOnce(ctx, store, rep, revfetch.Request{Kind: "ocsp", URL: u, Body: req})
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("OCSP request to %s failed: %v", u, err))
			continue
		}
		out = append(out, it)
	}
	return out
}

// fetchCRLs downloads the certificate's CRLs (http and https only).
func (v *Verifier) fetchCRLs(ctx context.Context, store *revStore, cert *x509.Certificate, rep *RevocationReport) []*revItem {
	var out []*revItem
	tried := 0
	for _, u := range cert.CRLDistributionPoints {
		if !webURL(u) {
			continue
		}
		if tried == maxFetchURLs {
			rep.Problems = append(rep.Problems, fmt.Sprintf("only the first %d of the certificate's CRL locations were tried", maxFetchURLs))
			break
		}
		tried++
		it, err := v.fetchOnce(ctx, store, rep, revfetch.Request{Kind: "crl", URL: u})
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("downloading the CRL %s failed: %v", u, err))
			continue
		}
		out = append(out, it)
	}
	return out
}

// fetchOnce asks for r once per signature (through the Verifier's cache
// and breakers) and records in rep what was consulted.
func (v *Verifier) fetchOnce(ctx context.Context, store *revStore, rep *RevocationReport, r revfetch.Request) (*revItem, error) {
	key := r.Kind + " " + r.URL + " " + string(r.Body)
	if it, ok := store.fetched[key]; ok {
		return it, nil
	}
	if err, ok := store.fetchFailed[key]; ok {
		return nil, err
	}
	if dl, ok := ctx.Value(fetchBudgetKey{}).(time.Time); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl)
		defer cancel()
	}
	asked := v.now().UTC()
	resp, err := v.fetch.Get(ctx, r)
	c := RevocationFetch{Kind: r.Kind, URL: r.URL, Time: asked}
	if err != nil {
		c.Outcome, c.Error = "failed", err.Error()
		var open *revfetch.OpenError
		if errors.As(err, &open) || errors.Is(err, revfetch.ErrBudget) {
			c.Outcome = "skipped"
		}
		rep.Consulted = append(rep.Consulted, c)
		if store.fetchFailed == nil {
			store.fetchFailed = map[string]error{}
		}
		store.fetchFailed[key] = err
		return nil, err
	}
	c.Time, c.Outcome = resp.FetchedAt.UTC(), "fetched"
	if resp.Cached {
		c.Outcome = "cached"
	}
	rep.Consulted = append(rep.Consulted, c)
	it := &revItem{source: "online", kind: r.Kind, der: resp.DER, req: &r, resp: resp}
	if store.fetched == nil {
		store.fetched = map[string]*revItem{}
	}
	store.fetched[key] = it
	return it, nil
}

// fetchBudgetKey carries, in the context of one verification, the
// deadline of all its online fetches.
type fetchBudgetKey struct{}

func (v *Verifier) withFetchBudget(ctx context.Context) context.Context {
	if v.fetch == nil || v.fetchBudget <= 0 {
		return ctx
	}
	if _, ok := ctx.Value(fetchBudgetKey{}).(time.Time); ok {
		return ctx
	}
	return context.WithValue(ctx, fetchBudgetKey{}, time.Now().Add(v.fetchBudget))
}

// keepFetched tells the cache what the verifier made of a fetched item:
// an answer it relied on is kept until its nextUpdate, a cached one it no
// longer accepts is dropped.
func (v *Verifier) keepFetched(it *revItem, r *revResult, accepted bool) {
	if it.req == nil || v.fetch == nil {
		return
	}
	if accepted {
		v.fetch.Keep(*it.req, it.resp, r.nextUpdate)
	} else if it.resp.Cached {
		v.fetch.Forget(*it.req)
	}
}

func webURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}
