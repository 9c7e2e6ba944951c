package revfetch

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

type bundle struct {
	f      *Fetcher
	srv    *httptest.Server
	status atomic.Int32
	hits   atomic.Int32
	now    time.Time
}

func setup(t *testing.T) *bundle {
	b := &bundle{now: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)}
	b.status.Store(http.StatusOK)
	b.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.hits.Add(1)
		w.WriteHeader(int(b.status.Load()))
		_, _ = w.Write([]byte("answer"))
	}))
	t.Cleanup(b.srv.Close)
	b.f = New(Config{Client: b.srv.Client(), FailureThreshold: 2, Cooldown: time.Minute, Now: func() time.Time { return b.now }})
	return b
}

func TestBreakerOpensAndTriesAgainAfterCooldown(t *testing.T) {
	b := setup(t)
	r := Request{Kind: "crl", URL: b.srv.URL + "/ca.crl"}
	b.status.Store(http.StatusServiceUnavailable)
	for range 2 {
		_, err := b.f.Get(t.Context(), r)
		require.Error(t, err)
	}
	_, err := b.f.Get(t.Context(), r)
	var open *OpenError
	require.ErrorAs(t, err, &open)
	require.EqualValues(t, 2, b.hits.Load())

	// After the cool-down one request goes out; its failure reopens.
	b.now = b.now.Add(2 * time.Minute)
	_, err = b.f.Get(t.Context(), r)
	require.False(t, errors.As(err, &open), "%v", err)
	_, err = b.f.Get(t.Context(), r)
	require.ErrorAs(t, err, &open)
	require.EqualValues(t, 3, b.hits.Load())

	// Its success closes the breaker.
	b.now = b.now.Add(2 * time.Minute)
	b.status.Store(http.StatusOK)
	resp, err := b.f.Get(t.Context(), r)
	require.NoError(t, err)
	require.Equal(t, "answer", string(resp.DER))
	_, err = b.f.Get(t.Context(), r)
	require.NoError(t, err)
}

func TestClientErrorsDoNotOpenTheBreaker(t *testing.T) {
	b := setup(t)
	b.status.Store(http.StatusNotFound)
	for range 4 {
		_, err := b.f.Get(t.Context(), Request{Kind: "crl", URL: b.srv.URL + "/x.crl"})
		require.ErrorContains(t, err, "404")
	}
	require.EqualValues(t, 4, b.hits.Load())
}

func TestCacheKeepsOnlyWhatIsCurrent(t *testing.T) {
	b := setup(t)
	r := Request{Kind: "ocsp", URL: b.srv.URL + "/ocsp", Body: []byte{1, 2, 3}}
	other := Request{Kind: "ocsp", URL: r.URL, Body: []byte{4}}
	resp, err := b.f.Get(t.Context(), r)
	require.NoError(t, err)
	require.False(t, resp.Cached)

	// Not vouched for: asked again.
	_, err = b.f.Get(t.Context(), r)
	require.NoError(t, err)
	require.EqualValues(t, 2, b.hits.Load())

	// Out of date when offered: not kept.
	b.f.Keep(r, resp, b.now.Add(-time.Second))
	_, _ = b.f.Get(t.Context(), r)
	require.EqualValues(t, 3, b.hits.Load())

	// Kept until its nextUpdate, for this request (certificate) only.
	b.f.Keep(r, resp, b.now.Add(time.Hour))
	c, err := b.f.Get(t.Context(), r)
	require.NoError(t, err)
	require.True(t, c.Cached)
	require.Equal(t, resp.FetchedAt, c.FetchedAt)
	_, _ = b.f.Get(t.Context(), other)
	require.EqualValues(t, 4, b.hits.Load())
	b.now = b.now.Add(time.Hour)
	_, _ = b.f.Get(t.Context(), r)
	require.EqualValues(t, 5, b.hits.Load())

	// Without a nextUpdate: MaxAge.
	resp, _ = b.f.Get(t.Context(), r)
	b.f.Keep(r, resp, time.Time{})
	b.now = b.now.Add(DefaultMaxAge - time.Second)
	c, _ = b.f.Get(t.Context(), r)
	require.True(t, c.Cached)
	b.now = b.now.Add(time.Second)
	c, _ = b.f.Get(t.Context(), r)
	require.False(t, c.Cached)

	// Forget drops it.
	b.f.Keep(r, c, time.Time{})
	b.f.Forget(r)
	c, _ = b.f.Get(t.Context(), r)
	require.False(t, c.Cached)
}

func TestSpentBudgetAsksNothing(t *testing.T) {
	b := setup(t)
	ctx, cancel := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancel()
	_, err := b.f.Get(ctx, Request{Kind: "crl", URL: b.srv.URL + "/a.crl"})
	require.ErrorIs(t, err, ErrBudget)
	require.Zero(t, b.hits.Load())
}
