package fsblob

import (
	"crypto/sha256"
	"os"
	"testing"

	"github.com/sohoa/sohoa/storage/blobtest"
)

// benchStore puts the store in SOHOA_BENCH_DIR when set (so that it can be
// compared with cp on the same filesystem), else in a temp directory.
func benchStore(b *testing.B) *Store {
	dir := b.TempDir()
	if d := os.Getenv("SOHOA_BENCH_DIR"); d != "" {
		var err error
		if dir, err = os.MkdirTemp(d, "fsblob-"); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { os.RemoveAll(dir) })
	}
	s, err := New(dir, Options{})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkPut(b *testing.B) { blobtest.BenchmarkPut(b, benchStore(b)) }
func BenchmarkGet(b *testing.B) { blobtest.BenchmarkGet(b, benchStore(b)) }

// BenchmarkSHA256 is the floor for Put: every byte must be hashed once.
func BenchmarkSHA256(b *testing.B) {
	buf := blobtest.RandomBytes(1, 100_000_000) // touched, like Put's input
	b.SetBytes(int64(len(buf)))
	b.ResetTimer()
	for range b.N {
		sha256.Sum256(buf)
	}
}
