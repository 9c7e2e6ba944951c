package s3blob

import (
	"testing"

	"github.com/sohoa/sohoa/storage/blobtest"
)

func benchStore(b *testing.B) *Store {
	cfg := testConfig(b)
	cfg.PartSize = DefaultPartSize // production setting
	s, err := New(b.Context(), cfg)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

func BenchmarkPut(b *testing.B) { blobtest.BenchmarkPut(b, benchStore(b)) }
func BenchmarkGet(b *testing.B) { blobtest.BenchmarkGet(b, benchStore(b)) }
