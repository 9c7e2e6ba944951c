package main

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// percentile is the p-th percentile (0 < p <= 100) of sorted by the
// nearest-rank method: the smallest value with at least p % of the values
// at or below it. Nearest rank never interpolates, so a reported p99 is a
// latency some request really had. It is 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

// summary is what a run's latencies come to.
type summary struct {
	N             int
	P50, P95, P99 time.Duration
	Max           time.Duration
}

func summarize(lat []time.Duration) summary {
	s := slices.Clone(lat)
	slices.Sort(s)
	out := summary{N: len(s), P50: percentile(s, 50), P95: percentile(s, 95), P99: percentile(s, 99)}
	if len(s) > 0 {
		out.Max = s[len(s)-1]
	}
	return out
}

// ms formats d in milliseconds with one decimal, as the tables print it.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond))
}
