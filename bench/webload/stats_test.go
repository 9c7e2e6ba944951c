package main

import (
	"testing"
	"time"
)

func TestPercentileNearestRank(t *testing.T) {
	var lat []time.Duration
	for i := 1; i <= 100; i++ {
		lat = append(lat, time.Duration(i)*time.Millisecond)
	}
	for _, c := range []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{95, 95 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0.1, 1 * time.Millisecond}, // rank rounds up to the first value
	} {
		if got := percentile(lat, c.p); got != c.want {
			t.Errorf("percentile(1..100 ms, %v) = %v, want %v", c.p, got, c.want)
		}
	}
}

func TestPercentileSmallSamples(t *testing.T) {
	if got := percentile(nil, 99); got != 0 {
		t.Errorf("percentile(nil) = %v, want 0", got)
	}
	one := []time.Duration{7 * time.Millisecond}
	if got := percentile(one, 50); got != 7*time.Millisecond {
		t.Errorf("percentile of one value = %v, want 7ms", got)
	}
	// Of 10 values the p95 and p99 are both the largest: with fewer than
	// 20 samples there is no honest p95 below the maximum.
	ten := []time.Duration{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if got := percentile(ten, 95); got != 10 {
		t.Errorf("p95 of 1..10 = %v, want 10", got)
	}
	if got := percentile(ten, 50); got != 5 {
		t.Errorf("p50 of 1..10 = %v, want 5", got)
	}
}

func TestSummarizeDoesNotReorderInput(t *testing.T) {
	in := []time.Duration{30, 10, 20}
	s := summarize(in)
	if s.N != 3 || s.P50 != 20 || s.Max != 30 {
		t.Errorf("summarize(30,10,20) = %+v, want N 3, p50 20, max 30", s)
	}
	if in[0] != 30 || in[1] != 10 || in[2] != 20 {
		t.Errorf("summarize reordered its input: %v", in)
	}
}
