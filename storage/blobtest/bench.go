package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"io"
	"sync/atomic"
	"testing"

	"github.com/sohoa/sohoa"
)

// BenchSizes are the object sizes the blob benchmarks use: a typical
// one-page scan and a large bound dossier.
var BenchSizes = []struct {
	Name string
	Size int
}{
	{"100KB", 100_000},
	{"100MB", 100_000_000},
}

var benchSeq atomic.Uint64

func init() {
	var b [8]byte
	_, _ = rand.Read(b[:])
	benchSeq.Store(binary.LittleEndian.Uint64(b[:]))
}

// BenchmarkPut measures Put of new content (each iteration stores different
// bytes, so deduplication never short-cuts it) from an in-memory reader.
// The blob is deleted after each iteration, outside the timer.
func BenchmarkPut(b *testing.B, s sohoa.BlobStore) {
	ctx := context.Background()
	for _, sz := range BenchSizes {
		b.Run(sz.Name, func(b *testing.B) {
			buf := RandomBytes(uint64(sz.Size), sz.Size)
			b.SetBytes(int64(sz.Size))
			b.ResetTimer()
			for range b.N {
				binary.LittleEndian.PutUint64(buf, benchSeq.Add(1))
				info, err := s.Put(ctx, bytes.NewReader(buf))
				if err != nil {
					b.Fatal(err)
				}
				b.StopTimer()
				if !info.Created {
					b.Fatal("benchmark content was not new")
				}
				if err := s.Delete(ctx, info.Key); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
		})
	}
}

// BenchmarkGet measures Open and a full sequential read of a stored blob.
func BenchmarkGet(b *testing.B, s sohoa.BlobStore) {
	ctx := context.Background()
	for _, sz := range BenchSizes {
		b.Run(sz.Name, func(b *testing.B) {
			buf := RandomBytes(uint64(sz.Size), sz.Size)
			binary.LittleEndian.PutUint64(buf, benchSeq.Add(1))
			info, err := s.Put(ctx, bytes.NewReader(buf))
			if err != nil {
				b.Fatal(err)
			}
			defer s.Delete(ctx, info.Key)
			cp := make([]byte, 1<<20)
			b.SetBytes(int64(sz.Size))
			b.ResetTimer()
			for range b.N {
				r, err := s.Open(ctx, info.Key)
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.CopyBuffer(io.Discard, struct{ io.Reader }{r}, cp)
				r.Close()
				if err != nil || n != int64(sz.Size) {
					b.Fatalf("read %d bytes: %v", n, err)
				}
			}
		})
	}
}
