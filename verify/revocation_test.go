package verify

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/sohoa/sohoa/internal/testpki"
)

func archivalAttr(crls, ocsps [][]byte) tAttr {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if len(crls) > 0 {
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, c := range crls {
						b.AddBytes(c)
					}
				})
			})
		}
		if len(ocsps) > 0 {
			b.AddASN1(cbasn1.Tag(1).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					for _, c := range ocsps {
						b.AddBytes(c)
					}
				})
			})
		}
	})
	return tAttr{oidAttrAdbeRevocation, [][]byte{b.BytesOrPanic()}}
}

// ocsps are OCSP responses at at for signer (by the delegated responder)
// and for the intermediate (by the root).
func (e *cmsEnv) ocsps(signer *testpki.Cert, at time.Time) [][]byte {
	return [][]byte{e.pki.OCSP(e.t, signer, at), e.pki.OCSP(e.t, e.pki.Intermediate, at)}
}

func requireSources(t *testing.T, sr SignatureReport, source, kind string) {
	t.Helper()
	require.NotEmpty(t, sr.Revocation)
	for _, r := range sr.Revocation {
		require.Equal(t, "good", r.Status, "%+v", r)
		require.Equal(t, source, r.Source, "%+v", r)
		require.Equal(t, kind, r.Kind, "%+v", r)
	}
}

func TestRevocationMissing(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	der := pkcs7Sign(t, signer, e.data, pkcs7.OIDDigestAlgorithmSHA256)
	sr := e.check(der, evidence{}, "adbe.pkcs7.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	problemsContain(t, sr, "enable --online or embed it (PAdES B-LT)")
	require.Len(t, sr.Revocation, 2)
	require.Equal(t, "unknown", sr.Revocation[0].Status)

	lax := newCMSEnv(t, func(c *Config) { c.Policy = DefaultPolicy(); c.Policy.RequireRevocation = false })
	signer = lax.pki.NewSigner(t, "", testpki.Options{})
	sr = lax.check(pkcs7Sign(t, signer, lax.data, pkcs7.OIDDigestAlgorithmSHA256), evidence{}, "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	problemsContain(t, sr, "the policy does not require it")

	// A certificate without any revocation location only warns.
	noURLs := e.pki.NewSigner(t, "", testpki.Options{NoRevocationURLs: true})
	ev := evidence{CRLs: [][]byte{e.pki.CRL(t, e.pki.Root, e.now.Add(-time.Hour), e.now.Add(time.Hour))}}
	sr = e.check(pkcs7Sign(t, noURLs, e.data, pkcs7.OIDDigestAlgorithmSHA256), ev, "adbe.pkcs7.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	problemsContain(t, sr, "names no CRL or OCSP location")
}

func TestRevocationSources(t *testing.T) {
	e := newCMSEnv(t)
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	hour := e.now.Add(-time.Hour)
	t.Run("cms-archival-crl", func(t *testing.T) {
		b := cmsBuild{signer: signer, content: e.data, extra: []tAttr{archivalAttr(e.crls(hour), nil)}}
		sr := e.check(b.build(t), evidence{}, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		requireSources(t, sr, "cms", "crl")
	})
	t.Run("cms-archival-ocsp", func(t *testing.T) {
		b := cmsBuild{signer: signer, content: e.data, extra: []tAttr{archivalAttr(nil, e.ocsps(signer, hour))}}
		sr := e.check(b.build(t), evidence{}, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		requireSources(t, sr, "cms", "ocsp")
	})
	t.Run("signed-data-crls-field", func(t *testing.T) {
		b := cmsBuild{signer: signer, content: e.data, crlsField: e.crls(hour)}
		sr := e.check(b.build(t), evidence{}, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		requireSources(t, sr, "cms", "crl")
	})
	t.Run("dss-ocsp", func(t *testing.T) {
		sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), evidence{OCSPs: e.ocsps(signer, hour)}, "ETSI.CAdES.detached")
		requireResult(t, sr, TotalPassed, NoSubIndication)
		requireSources(t, sr, "dss", "ocsp")
	})
	t.Run("ocsp-variants", func(t *testing.T) {
		rootOCSP := e.pki.OCSP(t, e.pki.Intermediate, hour)
		cases := []struct {
			name  string
			o     testpki.OCSPOptions
			certs []*x509.Certificate
			ok    bool
		}{
			{"signed-by-issuer", testpki.OCSPOptions{Responder: e.pki.Intermediate}, nil, true},
			{"responder-by-key", testpki.OCSPOptions{ByKey: true}, nil, true},
			{"responder-cert-from-dss", testpki.OCSPOptions{NoCerts: true}, []*x509.Certificate{e.pki.OCSPResponder.Cert}, true},
			{"responder-cert-missing", testpki.OCSPOptions{NoCerts: true}, nil, false},
			{"unauthorised-responder", testpki.OCSPOptions{Responder: e.pki.TSA}, nil, false},
			{"no-next-update", testpki.OCSPOptions{OmitNextUpdate: true}, nil, true},
			{"sha256-cert-id", testpki.OCSPOptions{SHA256CertID: true}, nil, true},
			{"status-unknown", testpki.OCSPOptions{Status: testpki.OCSPUnknown}, nil, false},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				tc.o.ThisUpdate = hour
				ev := evidence{OCSPs: [][]byte{e.pki.OCSPWith(t, signer, tc.o), rootOCSP}, Certs: tc.certs}
				sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), ev, "ETSI.CAdES.detached")
				if tc.ok {
					requireResult(t, sr, TotalPassed, NoSubIndication)
				} else {
					requireResult(t, sr, Indeterminate, TryLater)
					require.NotEmpty(t, sr.Revocation[0].Problems)
				}
			})
		}
	})
	t.Run("stale-crl", func(t *testing.T) {
		old := e.now.Add(-30 * 24 * time.Hour)
		ev := evidence{CRLs: [][]byte{e.pki.CRL(t, e.pki.Intermediate, old, old.Add(7*24*time.Hour)), e.crls(hour)[1]}}
		sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), ev, "ETSI.CAdES.detached")
		requireResult(t, sr, Indeterminate, TryLater)
		require.Contains(t, sr.Revocation[0].Problems[0], "superseded")
	})
	t.Run("tampered-crl", func(t *testing.T) {
		crls := e.crls(hour)
		bad := append([]byte{}, crls[0]...)
		bad[len(bad)-5] ^= 1
		sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), evidence{CRLs: [][]byte{bad, crls[1]}}, "ETSI.CAdES.detached")
		requireResult(t, sr, Indeterminate, TryLater)
		require.Contains(t, sr.Revocation[0].Problems[0], "signature does not verify")
	})
	t.Run("crl-from-the-future", func(t *testing.T) {
		later := e.now.Add(24 * time.Hour)
		sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), evidence{CRLs: e.crls(later)}, "ETSI.CAdES.detached")
		requireResult(t, sr, Indeterminate, TryLater)
		require.Contains(t, sr.Revocation[0].Problems[0], "in the future")
	})
}

func TestRevocationRevoked(t *testing.T) {
	type tc struct {
		name       string
		revokedAgo time.Duration // revocation time before now
		tsAgo      time.Duration // signature timestamp before now; 0: none
		claimedAgo time.Duration // signingTime before now; 0: none
		via        string        // "crl", "ocsp", "online"
		ind        Indication
		sub        SubIndication
	}
	cases := []tc{
		{"crl-revoked-before-timestamp", 2 * time.Hour, time.Hour, 0, "crl", TotalFailed, Revoked},
		{"crl-revoked-after-timestamp", time.Hour, 2 * time.Hour, 0, "crl", TotalPassed, NoSubIndication},
		{"ocsp-revoked-before-timestamp", 2 * time.Hour, time.Hour, 0, "ocsp", TotalFailed, Revoked},
		{"ocsp-revoked-after-timestamp", time.Hour, 2 * time.Hour, 0, "ocsp", TotalPassed, NoSubIndication},
		{"online-revoked-before-timestamp", 2 * time.Hour, time.Hour, 0, "online", TotalFailed, Revoked},
		{"online-revoked-after-timestamp", time.Hour, 2 * time.Hour, 0, "online", TotalPassed, NoSubIndication},
		{"no-poe-revoked-before-claimed", 2 * time.Hour, 0, time.Hour, "crl", TotalFailed, Revoked},
		{"no-poe-revoked-after-claimed", time.Hour, 0, 2 * time.Hour, "crl", Indeterminate, RevokedNoPOE},
		{"no-poe-no-claimed-time", time.Hour, 0, 0, "ocsp", Indeterminate, RevokedNoPOE},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var mods []func(*Config)
			if c.via == "online" {
				mods = append(mods, func(cfg *Config) { cfg.HTTPClient = &httpClientForTests })
			}
			e := newCMSEnv(t, mods...)
			signer := e.pki.NewSigner(t, "", testpki.Options{})
			e.pki.Revoke(signer, e.now.Add(-c.revokedAgo), 1)
			b := cmsBuild{signer: signer, content: e.data}
			if c.tsAgo != 0 {
				b.unsigned = e.tsAttr(e.now.Add(-c.tsAgo))
			}
			if c.claimedAgo != 0 {
				b.extra = []tAttr{{oidAttrSigningTime, [][]byte{mustDER(t, e.now.Add(-c.claimedAgo))}}}
			}
			var ev evidence
			switch c.via {
			case "crl":
				ev.CRLs = e.crls(e.now.Add(-time.Minute))
			case "ocsp":
				ev.OCSPs = append(e.ocsps(signer, e.now.Add(-time.Minute)), e.pki.OCSP(t, e.pki.TSA, e.now.Add(-time.Minute)))
			}
			sr := e.check(b.build(t), ev, "ETSI.CAdES.detached")
			requireResult(t, sr, c.ind, c.sub)
			require.Equal(t, "revoked", sr.Revocation[0].Status)
			require.Equal(t, e.now.Add(-c.revokedAgo), *sr.Revocation[0].RevokedAt)
			if c.via == "online" {
				require.Equal(t, "online", sr.Revocation[0].Source)
				require.Equal(t, "ocsp", sr.Revocation[0].Kind)
			}
			if c.ind == TotalPassed {
				problemsContain(t, sr, "stays valid")
			}
		})
	}
}

func TestRevocationOnline(t *testing.T) {
	e := newCMSEnv(t, func(c *Config) { c.HTTPClient = &httpClientForTests })
	signer := e.pki.NewSigner(t, "", testpki.Options{})
	sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	requireSources(t, sr, "online", "ocsp")

	// Offline data wins over fetching.
	sr = e.check(cmsBuild{signer: signer, content: e.data}.build(t), e.fresh(), "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	requireSources(t, sr, "dss", "crl")
}

func TestRevocationOnlineCRL(t *testing.T) {
	e := newCMSEnv(t, func(c *Config) { c.HTTPClient = &httpClientForTests })
	// An OCSP location sohoa does not fetch (ldap), so the CRL is used.
	var aia cryptobyte.Builder
	aia.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1})
			b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes([]byte("ldap://ocsp.example.invalid/")) })
		})
	})
	signer := e.pki.NewSigner(t, "", testpki.Options{ExtraExtensions: []pkix.Extension{{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}, Value: aia.BytesOrPanic()}}})
	require.Equal(t, []string{"ldap://ocsp.example.invalid/"}, signer.Cert.OCSPServer)
	sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, "online", sr.Revocation[0].Source)
	require.Equal(t, "crl", sr.Revocation[0].Kind)

	// Revoked, without a timestamp, before the claimed signing time. The
	// CRL fetched above is cached until its nextUpdate, so only a new
	// verifier sees the revocation (as a relying party caching CRLs would).
	e.pki.Revoke(signer, e.now.Add(-2*time.Hour), 1)
	e.restart()
	b := cmsBuild{signer: signer, content: e.data, extra: []tAttr{{oidAttrSigningTime, [][]byte{mustDER(t, e.now.Add(-time.Hour))}}}}
	sr = e.check(b.build(t), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalFailed, Revoked)

	// A server that is down: TRY_LATER, with the failure in the report.
	down := newCMSEnv(t, func(c *Config) { c.HTTPClient = &httpClientForTests })
	s2 := down.pki.NewSigner(t, "", testpki.Options{})
	down.pki.Server.Close()
	sr = down.check(cmsBuild{signer: s2, content: down.data}.build(t), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.NotEmpty(t, sr.Revocation[0].Problems)
	require.Contains(t, sr.Revocation[0].Problems[0], "failed")
}

// TestRevocationOnlineFetchBound: a certificate listing four OCSP
// responders and four CRL locations makes at most two requests of each
// kind, however many locations it names.
func TestRevocationOnlineFetchBound(t *testing.T) {
	var ocspHits, crlHits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/ocsp") {
			ocspHits.Add(1)
		} else {
			crlHits.Add(1)
		}
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
	}))
	defer srv.Close()

	var aia cryptobyte.Builder
	aia.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for i := range 4 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 48, 1})
				b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(fmt.Appendf(nil, "%s/ocsp%d", srv.URL, i))
				})
			})
		}
	})
	var cdp cryptobyte.Builder
	cdp.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		for i := range 4 {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(6).ContextSpecific(), func(b *cryptobyte.Builder) {
							b.AddBytes(fmt.Appendf(nil, "%s/crl%d.crl", srv.URL, i))
						})
					})
				})
			})
		}
	})
	e := newCMSEnv(t, func(c *Config) { c.HTTPClient = &httpClientForTests })
	signer := e.pki.NewSigner(t, "", testpki.Options{ExtraExtensions: []pkix.Extension{
		{Id: asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 1, 1}, Value: aia.BytesOrPanic()},
		{Id: asn1.ObjectIdentifier{2, 5, 29, 31}, Value: cdp.BytesOrPanic()},
	}})
	require.Len(t, signer.Cert.OCSPServer, 4)
	require.Len(t, signer.Cert.CRLDistributionPoints, 4)

	sr := e.check(cmsBuild{signer: signer, content: e.data}.build(t), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.EqualValues(t, 2, ocspHits.Load(), "OCSP requests")
	require.EqualValues(t, 2, crlHits.Load(), "CRL requests")
	probs := strings.Join(sr.Revocation[0].Problems, "\n")
	require.Contains(t, probs, "only the first 2 of the certificate's OCSP locations")
	require.Contains(t, probs, "only the first 2 of the certificate's CRL locations")
}
