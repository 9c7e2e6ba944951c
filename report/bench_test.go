package report

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sohoa/sohoa/bench/scanpdf"
	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/verify"
)

// Certified copies (issue 11's measurements): report.CertifiedCopy on
// scans bench/scanpdf renders like a colour scanner writes them (300 dpi
// A4 pages, each a colour JPEG), signed PAdES B-B by a test PKI's key (no
// time-stamping service, no revocation fetch: no network). BENCHMARKS.md
// has the commands:
//
//	go test -run - -bench CertifiedCopy -benchtime 20x ./report/
//
// BenchmarkCertifiedCopy makes one copy at a time (one core);
// BenchmarkCertifiedCopyParallel makes them from GOMAXPROCS goroutines
// (every core). Both report copies/s and allocations.

var benchScans = struct {
	sync.Mutex
	m map[int][]byte
}{m: map[int][]byte{}}

// benchScan is a pages-page colour scan, rendered once per process.
func benchScan(pages int) []byte {
	benchScans.Lock()
	defer benchScans.Unlock()
	if s, ok := benchScans.m[pages]; ok {
		return s
	}
	s := scanpdf.Scan(scanpdf.Options{Pages: pages, Colour: true, Title: "BAN SAO - HO SO 000.00.12.G05"})
	benchScans.m[pages] = s
	return s
}

// benchSigner is the agency's key and certificate from a throw-away test
// PKI; it checks once that a copy made with it verifies TOTAL_PASSED (the
// verifier fetching the revocation status from the test PKI's responders
// on loopback, since the copies embed none), so the benchmark times a
// working copy.
func benchSigner(b *testing.B) Signer {
	b.Helper()
	pki := testpki.New(b)
	c := pki.NewSigner(b, agency, testpki.Options{})
	s := Signer{Key: c.Key, Certificate: c.Cert, Chain: c.Chain()[1:]}
	v, err := verify.New(verify.Config{TrustAnchors: []*x509.Certificate{pki.Root.Cert}, Now: pki.Now,
		HTTPClient: &http.Client{Timeout: 10 * time.Second}})
	if err != nil {
		b.Fatal(err)
	}
	var out bytes.Buffer
	scan := benchScan(1)
	if _, err := CertifiedCopy(context.Background(), bytes.NewReader(scan), &out, s, benchCopyOptions()); err != nil {
		b.Fatal(err)
	}
	rep, err := v.Verify(context.Background(), bytes.NewReader(out.Bytes()), int64(out.Len()))
	if err != nil {
		b.Fatal(err)
	}
	if rep.Indication != verify.TotalPassed {
		b.Fatalf("the benchmark's copy verifies %s: %s %v", rep.Indication, rep.Summary, rep.Problems)
	}
	return s
}

func benchCopyOptions() CopyOptions {
	return CopyOptions{Agency: agency, Time: time.Date(2026, 12, 7, 10, 15, 0, 0, vietnam)}
}

var benchPages = []int{1, 20}

func BenchmarkCertifiedCopy(b *testing.B) {
	s := benchSigner(b)
	for _, pages := range benchPages {
		scan := benchScan(pages)
		b.Run(fmt.Sprintf("pages=%d", pages), func(b *testing.B) {
			b.SetBytes(int64(len(scan)))
			b.ReportAllocs()
			var out bytes.Buffer
			for b.Loop() {
				out.Reset()
				if _, err := CertifiedCopy(context.Background(), bytes.NewReader(scan), &out, s, benchCopyOptions()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "copies/s")
			b.ReportMetric(float64(len(scan)), "scan-bytes")
		})
	}
}

func BenchmarkCertifiedCopyParallel(b *testing.B) {
	s := benchSigner(b)
	for _, pages := range benchPages {
		scan := benchScan(pages)
		b.Run(fmt.Sprintf("pages=%d", pages), func(b *testing.B) {
			b.SetBytes(int64(len(scan)))
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := CertifiedCopy(context.Background(), bytes.NewReader(scan), io.Discard, s, benchCopyOptions()); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "copies/s")
		})
	}
}
