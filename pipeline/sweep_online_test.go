package pipeline

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/verify"
)

// loopbackResponder serves the test PKI's CRLs and OCSP at the address its
// certificates name, and can stop listening (connections refused) and
// start again on the same address.
type loopbackResponder struct {
	addr string
	pki  *testpki.PKI
	mu   sync.Mutex
	srv  *http.Server
}

func newLoopbackResponder(t *testing.T) *loopbackResponder {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	r := &loopbackResponder{addr: ln.Addr().String()}
	r.pki = testpki.NewWith(t, testpki.Config{PublishURL: "http://" + r.addr})
	r.serve(ln)
	t.Cleanup(r.down)
	return r
}

func (r *loopbackResponder) serve(ln net.Listener) {
	target, _ := url.Parse(r.pki.Server.URL)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.srv = &http.Server{Handler: httputil.NewSingleHostReverseProxy(target)}
	go func() { _ = r.srv.Serve(ln) }()
}

func (r *loopbackResponder) down() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.srv != nil {
		_ = r.srv.Close()
		r.srv = nil
	}
}

func (r *loopbackResponder) up(t *testing.T) {
	ln, err := net.Listen("tcp", r.addr)
	require.NoError(t, err)
	r.serve(ln)
}

// TestSweepRetriesTryLater: a signature whose responder cannot be reached
// is INDETERMINATE/TRY_LATER; the sweep re-verifies it, without waiting on
// the responder while its breaker is open, and once the responder answers
// and the cool-down is over, the verdict becomes TOTAL_PASSED.
func TestSweepRetriesTryLater(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		resp := newLoopbackResponder(t)
		signer := resp.pki.NewSigner(t, "Nguyễn Văn A", testpki.Options{})
		pdf := testpdf.Sign(t, uniquePDF(1), signer, resp.pki, testpdf.SignOptions{}) // no revocation data embedded

		var breakerClock atomic.Int64
		breakerClock.Store(time.Now().Unix())
		v, err := verify.New(verify.Config{
			TrustAnchors: []*x509.Certificate{resp.pki.Root.Cert},
			HTTPClient:   &http.Client{},
			Online: verify.OnlineConfig{
				RequestTimeout:  2 * time.Second,
				BreakerFailures: 1,
				BreakerCooldown: time.Hour,
				Now:             func() time.Time { return time.Unix(breakerClock.Load(), 0) },
			},
		})
		require.NoError(t, err)
		cfg := b.cfg
		cfg.Verifier = v
		p := b.pipeline(t, cfg)
		require.NoError(t, p.Start(context.WithoutCancel(ctx)))

		resp.down()
		res, err := p.Ingest(ctx, req("U1-260302-0001", compForm, "a.pdf", pdf))
		require.NoError(t, err)
		id := res.Document.ID
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		require.NoError(t, p.WaitDocuments(wctx, []int64{id}))
		b.settle(t, id)
		vs := b.verifications(t, id)
		require.Len(t, vs, 1)
		assert.Equal(t, sohoa.IndicationIndeterminate, vs[0].Indication)
		assert.Equal(t, string(verify.TryLater), vs[0].SubIndication)
		assert.True(t, p.NeedsReverify(vs[0]))

		// Back, but the breaker is still open: the sweep re-verifies, the
		// responder is not asked, the verdict stays TRY_LATER.
		resp.up(t)
		sw, err := p.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, sw.Reverify)
		b.settle(t, id)
		vs = b.verifications(t, id)
		assert.Equal(t, string(verify.TryLater), vs[0].SubIndication)

		// The cool-down is over: the next sweep reaches TOTAL_PASSED.
		breakerClock.Add(int64(2 * time.Hour / time.Second))
		sw, err = p.Sweep(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, sw.Reverify)
		require.Eventually(t, func() bool {
			vs := b.verifications(t, id)
			return vs[0].Indication == sohoa.IndicationTotalPassed
		}, 20*time.Second, 50*time.Millisecond)
		b.settle(t, id)
		vs = b.verifications(t, id)
		assert.False(t, p.NeedsReverify(vs[0]), "nothing left to re-verify")
		assert.Contains(t, string(vs[0].ReportJSON), `"source":"online"`)
		assert.Contains(t, string(vs[0].ReportJSON), `"fetched_at"`)
	})
}
