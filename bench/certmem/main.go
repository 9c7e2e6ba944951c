// Command certmem makes one certified copy (report.CertifiedCopy, PAdES
// B-B, a throw-away test PKI's key, no network) of a scan file and prints
// the process's peak resident memory (VmHWM) before and after, with the
// time taken: issue 11's "peak memory for a 500 MB scan".
//
//	go run ./bench/mkscan -out DIR -large-mb 500
//	go run ./bench/certmem -scan DIR/scan-large.pdf [-out COPY.pdf]
//
// The scan is opened as a file (an io.ReadSeeker, as the certify job reads
// a blob); the copy goes to -out, or is discarded.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"strings"
	"time"

	"github.com/sohoa/sohoa/internal/testpki"
	"github.com/sohoa/sohoa/report"
)

// tb is the part of testing.TB testpki needs, for a command.
type tb struct{ cleanups []func() }

func (t *tb) Helper()                      {}
func (t *tb) Fatalf(f string, args ...any) { log.Fatalf(f, args...) }
func (t *tb) Cleanup(f func())             { t.cleanups = append(t.cleanups, f) }

func main() {
	log.SetFlags(0)
	log.SetPrefix("certmem: ")
	scan := flag.String("scan", "", "the scan PDF")
	out := flag.String("out", "", "write the copy here (default: discard)")
	flag.Parse()
	if *scan == "" || flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	t := &tb{}
	defer func() {
		for _, f := range t.cleanups {
			f()
		}
	}()
	pki := testpki.New(t)
	c := pki.NewSigner(t, "Ủy ban nhân dân xã Thanh Xuân", testpki.Options{})
	s := report.Signer{Key: c.Key, Certificate: c.Cert, Chain: c.Chain()[1:]}
	f, err := os.Open(*scan)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	var w io.Writer = io.Discard
	var cw countWriter
	if *out != "" {
		o, err := os.Create(*out)
		if err != nil {
			log.Fatal(err)
		}
		defer o.Close()
		w = o
	}
	cw.w = w
	before := hwm()
	t0 := time.Now()
	if _, err := report.CertifiedCopy(context.Background(), f, &cw, s, report.CopyOptions{Agency: "Ủy ban nhân dân xã Thanh Xuân"}); err != nil {
		log.Fatal(err)
	}
	took := time.Since(t0)
	fmt.Printf("scan_bytes=%d\ncopy_bytes=%d\nseconds=%.1f\nhwm_before_mib=%d\nhwm_mib=%d\n", st.Size(), cw.n, took.Seconds(), before, hwm())
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// hwm is the process's peak resident set (VmHWM) in MiB.
func hwm() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(strings.TrimPrefix(l, "VmHWM:")), "%d", &kb)
			return kb / 1024
		}
	}
	return -1
}
