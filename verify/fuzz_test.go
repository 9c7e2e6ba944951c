package verify

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// FuzzVerify drives the whole PDF path (signature locator, byte range and
// coverage logic, CMS checks, change analysis) with arbitrary files. It
// must never panic or hang; every input ends in an error or a verdict.
func FuzzVerify(f *testing.F) {
	seeds, _ := filepath.Glob("../testdata/samples/*.pdf")
	// Real signing software's output, encrypted files among them.
	interop, _ := filepath.Glob("../testdata/interop/*.pdf")
	encrypted, _ := filepath.Glob("testdata/encrypted/*.pdf")
	seeds = append(append(seeds, interop...), encrypted...)
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
		if err != nil && ctx.Err() == nil {
			t.Fatalf("an error for input that a bytes.Reader serves: %v", err)
		}
	})
}

// FuzzByteRange rewrites the /ByteRange of a validly signed sample with
// arbitrary values (in place, so every other byte stays) and checks the
// property that matters: only the original values can pass.
func FuzzByteRange(f *testing.F) {
	pdf, err := os.ReadFile("../testdata/samples/signed-valid-blta.pdf")
	if err != nil {
		f.Skip("samples not generated")
	}
	at := bytes.Index(pdf, []byte("/ByteRange"))
	open := at + bytes.IndexByte(pdf[at:], '[')
	end := open + bytes.IndexByte(pdf[open:], ']')
	var orig [4]int64
	if _, err := fmt.Sscan(string(pdf[open+1:end]), &orig[0], &orig[1], &orig[2], &orig[3]); err != nil {
		f.Fatal(err)
	}
	f.Add(orig[0], orig[1], orig[2], orig[3])
	f.Add(int64(0), orig[1]+1, orig[2], orig[3])
	f.Add(int64(0), orig[1], orig[2]-1, orig[3]+1)
	f.Add(int64(-1), int64(1)<<62, int64(1)<<62, int64(1)<<62)
	f.Add(int64(0), int64(0), int64(0), int64(0))
	anchors, err := LoadTrustAnchors("../testdata/samples/trust")
	if err != nil {
		f.Fatal(err)
	}
	v, err := New(Config{TrustAnchors: anchors})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, a, b, c, d int64) {
		repl := fmt.Sprintf("[%d %d %d %d", a, b, c, d)
		if len(repl) > end-open {
			return // does not fit in place
		}
		data := bytes.Clone(pdf)
		copy(data[open:end], repl+strings.Repeat(" ", end-open-len(repl)))
		rep, err := v.Verify(context.Background(), bytes.NewReader(data), int64(len(data)))
		if err != nil || rep.Unreadable() {
			return // unreadable is a fine answer too
		}
		same := [4]int64{a, b, c, d} == orig
		if !same && rep.Signatures[0].Indication == TotalPassed {
			t.Fatalf("byte range %v passed; only %v may", [4]int64{a, b, c, d}, orig)
		}
	})
}
