package verify

import (
	"crypto/x509"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpki"
)

// TestPathCacheMatchesUncached checks that buildPath gives the same
// answer with the path cache, warmed at other times, as without it, at
// times around the validity periods of every certificate involved.
func TestPathCacheMatchesUncached(t *testing.T) {
	p := testpki.New(t)
	short := p.NewSigner(t, "", testpki.Options{
		NotBefore: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:  time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	long := p.NewSigner(t, "", testpki.Options{})
	cached, err := New(Config{TrustAnchors: []*x509.Certificate{p.Root.Cert}})
	require.NoError(t, err)
	plain, err := New(Config{TrustAnchors: []*x509.Certificate{p.Root.Cert}})
	require.NoError(t, err)
	plain.cache = nil

	for _, s := range []*testpki.Cert{short, long} {
		chain := s.Chain()
		leaf, pool := chain[0], chain[1:]
		var times []time.Time
		for _, c := range append(chain, p.Root.Cert) {
			for _, b := range []time.Time{c.NotBefore, c.NotAfter} {
				times = append(times, b.Add(-time.Second), b, b.Add(time.Second))
			}
		}
		times = append(times, time.Now())
		for round := 0; round < 2; round++ {
			for i := range times {
				at := times[(i*7+round)%len(times)]
				want, wantErr := plain.buildPath(leaf, pool, at)
				got, gotErr := cached.buildPath(leaf, pool, at)
				require.Equal(t, wantErr == nil, gotErr == nil, "at %s", at)
				require.Equal(t, len(want), len(got), "at %s", at)
				for j := range want {
					require.Same(t, want[j], got[j], "at %s: element %d", at, j)
				}
			}
		}
	}
}
