package verify

import (
	"bytes"
	"crypto/x509"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/sohoa/sohoa/internal/testpki"
)

// responder stands between the verifier and the test PKI's server, at the
// URL the PKI writes into its certificates, and misbehaves on demand.
type responder struct {
	t    *testing.T
	pki  *testpki.PKI
	addr string
	mode atomic.Value // "ok", "slow", "wrong", "stale"
	hits atomic.Int32

	mu  sync.Mutex
	ln  net.Listener
	srv *http.Server
	// release ends the slow answers still waiting when the test ends.
	release chan struct{}
}

func newResponder(t *testing.T) *responder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &responder{t: t, addr: ln.Addr().String(), release: make(chan struct{})}
	r.mode.Store("ok")
	r.pki = testpki.NewWith(t, testpki.Config{PublishURL: "http://" + r.addr})
	r.serve(ln)
	t.Cleanup(func() {
		close(r.release)
		r.down()
	})
	return r
}

func (r *responder) set(mode string) { r.mode.Store(mode) }

func (r *responder) serve(ln net.Listener) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ln = ln
	r.srv = &http.Server{Handler: http.HandlerFunc(r.handle)}
	go func() { _ = r.srv.Serve(ln) }()
}

// down closes the listener: connections are refused.
func (r *responder) down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv != nil {
		_ = r.srv.Close()
		r.srv = nil
	}
}

// up listens again on the same address.
func (r *responder) up() {
	ln, err := net.Listen("tcp", r.addr)
	require.NoError(r.t, err)
	r.serve(ln)
}

func (r *responder) handle(w http.ResponseWriter, req *http.Request) {
	r.hits.Add(1)
	body, _ := io.ReadAll(io.LimitReader(req.Body, 1<<16))
	mode := r.mode.Load().(string)
	if mode == "slow" {
		select {
		case <-req.Context().Done():
		case <-r.release:
		}
		return
	}
	if (mode == "wrong" || mode == "stale") && req.URL.Path == "/ocsp" {
		oreq, err := ocsp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c, ok := r.pki.Lookup(oreq.SerialNumber)
		if !ok {
			http.NotFound(w, req)
			return
		}
		o := testpki.OCSPOptions{}
		if mode == "wrong" {
			// Signed by a key neither the issuer's nor an authorised
			// responder's (the TSA has no OCSPSigning EKU).
			o.Responder, o.NoCerts = r.pki.TSA, true
		} else {
			now := r.pki.Now()
			o.ThisUpdate, o.NextUpdate = now.Add(-10*24*time.Hour), now.Add(-3*24*time.Hour)
		}
		w.Header().Set("Content-Type", "application/ocsp-response")
		_, _ = w.Write(r.pki.OCSPWith(r.t, c, o))
		return
	}
	if mode == "wrong" || mode == "stale" {
		http.NotFound(w, req) // no CRL either
		return
	}
	fwd, err := http.NewRequestWithContext(req.Context(), req.Method, r.pki.Server.URL+req.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	fwd.Header = req.Header.Clone()
	resp, err := http.DefaultClient.Do(fwd)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// onlineEnv is a cmsEnv whose certificates name the responder's address,
// verified online with short timeouts and a breaker clock the test moves.
type onlineEnv struct {
	*cmsEnv
	resp  *responder
	clock atomic.Int64 // breaker and cache clock, Unix seconds
}

func newOnlineEnv(t *testing.T, oc OnlineConfig) *onlineEnv {
	r := newResponder(t)
	now := time.Now().UTC().Truncate(time.Second)
	r.pki.SetClock(func() time.Time { return now })
	e := &onlineEnv{resp: r}
	e.clock.Store(now.Unix())
	if oc.RequestTimeout == 0 {
		oc.RequestTimeout = 300 * time.Millisecond
	}
	oc.Now = func() time.Time { return time.Unix(e.clock.Load(), 0).UTC() }
	cfg := Config{
		TrustAnchors: []*x509.Certificate{r.pki.Root.Cert},
		Now:          func() time.Time { return now },
		HTTPClient:   &http.Client{},
		Online:       oc,
	}
	v, err := New(cfg)
	require.NoError(t, err)
	e.cmsEnv = &cmsEnv{t: t, pki: r.pki, v: v, cfg: cfg, now: now, data: []byte("%PDF-1.7 signed bytes checked online")}
	return e
}

func (e *onlineEnv) advance(d time.Duration) { e.clock.Add(int64(d / time.Second)) }

func (e *onlineEnv) sign() []byte {
	signer := e.pki.NewSigner(e.t, "", testpki.Options{})
	return cmsBuild{signer: signer, content: e.data}.build(e.t)
}

func outcomes(sr SignatureReport) []string {
	var out []string
	for _, r := range sr.Revocation {
		for _, c := range r.Consulted {
			out = append(out, c.Kind+" "+c.Outcome)
		}
	}
	return out
}

func TestOnlineRevocationEvidenceAndCache(t *testing.T) {
	e := newOnlineEnv(t, OnlineConfig{})
	der := e.sign()
	sr := e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	requireSources(t, sr, "online", "ocsp")
	for _, r := range sr.Revocation {
		require.True(t, strings.HasPrefix(r.URL, "http://"+e.resp.addr+"/ocsp"), r.URL)
		require.NotNil(t, r.FetchedAt)
		require.False(t, r.Cached)
		require.Len(t, r.Consulted, 1)
		require.Equal(t, "fetched", r.Consulted[0].Outcome)
	}
	hits := e.resp.hits.Load()

	// Verified again by the same verifier: the answers are current, so
	// the responder is not asked and the report says they were reused.
	sr = e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, hits, e.resp.hits.Load())
	require.Equal(t, []string{"ocsp cached", "ocsp cached"}, outcomes(sr))
	require.True(t, sr.Revocation[0].Cached)

	// Past their nextUpdate (the PKI's default: a week), they are asked
	// for again.
	e.advance(8 * 24 * time.Hour)
	sr = e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, []string{"ocsp fetched", "ocsp fetched"}, outcomes(sr))
	require.Greater(t, e.resp.hits.Load(), hits)
}

// TestOnlineRevocationSlowResponder: a responder that does not answer
// within the request timeout gives TRY_LATER; the call returns.
func TestOnlineRevocationSlowResponder(t *testing.T) {
	e := newOnlineEnv(t, OnlineConfig{RequestTimeout: 100 * time.Millisecond})
	e.resp.set("slow")
	sr := e.check(e.sign(), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.Contains(t, strings.Join(sr.Revocation[0].Problems, "\n"), "no answer within 100ms")
	require.Equal(t, "unknown", sr.Revocation[0].Status)
}

// TestOnlineRevocationBudget: once a verification's budget is spent, the
// remaining requests are not made.
func TestOnlineRevocationBudget(t *testing.T) {
	e := newOnlineEnv(t, OnlineConfig{RequestTimeout: 100 * time.Millisecond, Budget: 150 * time.Millisecond, BreakerFailures: 100})
	e.resp.set("slow")
	ctx := e.v.withFetchBudget(t.Context())
	sr := SignatureReport{Indication: TotalPassed}
	e.v.checkCMS(ctx, &sr, e.sign(), e.content(), evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.Contains(t, outcomes(sr), "crl skipped")
}

func TestOnlineRevocationWronglySigned(t *testing.T) {
	e := newOnlineEnv(t, OnlineConfig{})
	e.resp.set("wrong")
	der := e.sign()
	sr := e.check(der, evidence{}, "ETSI.CAdES.detached")
	require.Equal(t, Indeterminate, sr.Indication)
	require.Equal(t, "unknown", sr.Revocation[0].Status)
	require.Contains(t, strings.Join(sr.Revocation[0].Problems, "\n"), "its signature does not verify with the key of the issuer")
	// Not cached: once the responder answers properly, it is asked again.
	e.resp.set("ok")
	sr = e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, []string{"ocsp fetched", "ocsp fetched"}, outcomes(sr))
}

func TestOnlineRevocationStale(t *testing.T) {
	e := newOnlineEnv(t, OnlineConfig{})
	e.resp.set("stale")
	der := e.sign()
	sr := e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.Equal(t, "unknown", sr.Revocation[0].Status)
	require.Contains(t, strings.Join(sr.Revocation[0].Problems, "\n"), "a fresher one is needed")
	e.resp.set("ok")
	sr = e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, []string{"ocsp fetched", "ocsp fetched"}, outcomes(sr))
}

// TestOnlineRevocationRefusedAndBreaker: a responder that refuses
// connections gives TRY_LATER; after BreakerFailures failures its host is
// not asked until the cool-down ends, then one request tries again.
func TestOnlineRevocationRefusedAndBreaker(t *testing.T) {
	e := newOnlineEnv(t, OnlineConfig{BreakerFailures: 2, BreakerCooldown: time.Minute})
	der := e.sign()
	e.resp.down()
	sr := e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	// The signer's OCSP and CRL requests fail, which opens the breaker:
	// the intermediate's are not made.
	require.Equal(t, []string{"ocsp failed", "crl failed", "ocsp skipped", "crl skipped"}, outcomes(sr))

	// Later verifications do not wait on the host at all, even once it
	// is back, until the cool-down ends.
	e.resp.up()
	hits := e.resp.hits.Load()
	sr = e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, Indeterminate, TryLater)
	require.Equal(t, []string{"ocsp skipped", "crl skipped", "ocsp skipped", "crl skipped"}, outcomes(sr))
	require.Contains(t, sr.Revocation[0].Consulted[0].Error, "left alone until")
	require.Equal(t, hits, e.resp.hits.Load())

	e.advance(2 * time.Minute)
	sr = e.check(der, evidence{}, "ETSI.CAdES.detached")
	requireResult(t, sr, TotalPassed, NoSubIndication)
	require.Equal(t, []string{"ocsp fetched", "ocsp fetched"}, outcomes(sr))
}
