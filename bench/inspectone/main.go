// Command inspectone inspects one PDF with the default policy and prints
// one line: the outcome, pages, lowest dpi, elapsed time and the Go heap's
// high-water mark as the runtime saw it. bench/inspect-mem.sh runs it under
// /usr/bin/time -v for the peak RSS, built from this tree and from an older
// commit, so it uses only inspect.Inspect and inspect.DefaultPolicy.
//
//	go run ./bench/inspectone FILE
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"runtime"
	"time"

	"github.com/sohoa/sohoa/inspect"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("inspectone: ")
	if len(os.Args) != 2 {
		log.Fatal("usage: inspectone FILE")
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		log.Fatal(err)
	}
	start := time.Now()
	res, err := inspect.Inspect(context.Background(), f, st.Size(), inspect.DefaultPolicy())
	elapsed := time.Since(start)
	if err != nil {
		log.Fatal(err)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("outcome=%s pages=%d min_dpi=%g elapsed=%.3fs heap_sys=%.1fMiB total_alloc=%.1fMiB\n",
		res.Outcome, res.Pages, res.MinDPI, elapsed.Seconds(), float64(ms.HeapSys)/(1<<20), float64(ms.TotalAlloc)/(1<<20))
	for _, fd := range res.Findings {
		if fd.Outcome != inspect.OK {
			fmt.Printf("  %s %s p%d: %s\n", fd.Rule, fd.Outcome, fd.Page, fd.Message)
		}
	}
}
