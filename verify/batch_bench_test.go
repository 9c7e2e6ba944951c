package verify

import (
	"context"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
)

// BenchmarkBatch verifies the small files bench/verify.sh generated (skipped
// when they are absent), for profiling the per-file cost.
func BenchmarkBatch(b *testing.B) { benchBatch(b, false) }

// BenchmarkBatchParallel shares one Verifier between goroutines, as the
// CLI does (run it with -race to check the caches).
func BenchmarkBatchParallel(b *testing.B) { benchBatch(b, true) }

func benchBatch(b *testing.B, parallel bool) {
	files, _ := filepath.Glob("../bench/out/verify/files/small-*.pdf")
	if len(files) == 0 {
		b.Skip("run bench/verify.sh first")
	}
	if len(files) > 200 {
		files = files[:200]
	}
	v := benchVerifier(b)
	var err error
	data := make([][]byte, len(files))
	for i, f := range files {
		if data[i], err = os.ReadFile(f); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	if parallel {
		var next atomic.Int64
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				d := data[int(next.Add(1))%len(data)]
				if _, err := v.Verify(context.Background(), bytesReaderAt(d), int64(len(d))); err != nil {
					b.Error(err)
					return
				}
			}
		})
		return
	}
	for i := 0; i < b.N; i++ {
		d := data[i%len(data)]
		if _, err := v.Verify(context.Background(), bytesReaderAt(d), int64(len(d))); err != nil {
			b.Fatal(err)
		}
	}
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, os.ErrClosed
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, os.ErrClosed
	}
	return n, nil
}

// BenchmarkMultiSignature verifies the 25-signature file bench/verify.sh
// generated (skipped when absent): every signature's change analysis runs
// over every later revision.
func BenchmarkMultiSignature(b *testing.B) {
	data, err := os.ReadFile("../bench/out/verify/files/multi.pdf")
	if err != nil {
		b.Skip("run bench/verify.sh first")
	}
	v := benchVerifier(b)
	for b.Loop() {
		rep, err := v.Verify(context.Background(), bytesReaderAt(data), int64(len(data)))
		if err != nil || rep.Indication != TotalPassed {
			b.Fatalf("%v %s", err, rep.Summary)
		}
	}
}

// benchVerifier trusts the root bench/verify.sh generated.
func benchVerifier(b *testing.B) *Verifier {
	anchors, err := LoadTrustAnchors("../bench/out/verify/pki/root.pem")
	if err != nil {
		b.Fatal(err)
	}
	v, err := New(Config{TrustAnchors: anchors, Policy: DefaultPolicy()})
	if err != nil {
		b.Fatal(err)
	}
	return v
}
