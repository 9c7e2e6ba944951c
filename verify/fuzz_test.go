package verify

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// FuzzVerify drives the whole PDF path (signature locator, byte range and
// coverage logic, CMS checks, change analysis) with arbitrary files. It
// must never panic or hang; every input ends in an error or a verdict.
func FuzzVerify(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/samples/*.pdf")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil && len(b) < 256<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte("%PDF-1.7\n%%EOF\n"))
	f.Add([]byte{})
	v, err := New(Config{Now: func() time.Time { return time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC) }})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		rep, err := v.Verify(ctx, bytes.NewReader(data), int64(len(data)))
		if err == nil && rep == nil {
			t.Fatal("nil report without error")
		}
	})
}
