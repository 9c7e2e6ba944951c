package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkThroughput measures files per second end to end on every
// backend: each iteration ingests b.N-independent batches of 100 files
// with 8 callers at once and waits until they are inspected and verified.
//
//	go test ./pipeline -run '^$' -bench Throughput -benchtime 5x
func BenchmarkThroughput(b *testing.B) {
	const batch = 100
	for _, be := range backends(b) {
		b.Run(be.name, func(b *testing.B) {
			bu := newBundle(b, be.open(b))
			bu.start(b)
			round, files := 0, 0
			var ingesting time.Duration
			for b.Loop() {
				t0 := time.Now()
				ids := make([]int64, batch)
				sem := make(chan struct{}, 8)
				errs := make(chan error, batch)
				for i := range batch {
					body := uniquePDF(round*batch + i)
					sem <- struct{}{}
					go func() {
						defer func() { <-sem }()
						r := req(fmt.Sprintf("U1-260302-%04d", (round*batch+i)/4), compForm, fmt.Sprintf("f%d.pdf", i), body)
						r.Body = bytes.NewReader(body)
						res, err := bu.p.Ingest(context.Background(), r)
						if err != nil {
							errs <- err
							return
						}
						ids[i] = res.Document.ID
					}()
				}
				for range cap(sem) {
					sem <- struct{}{}
				}
				close(errs)
				for err := range errs {
					require.NoError(b, err)
				}
				ingesting += time.Since(t0)
				bu.wait(b, ids...)
				round++
				files += batch
			}
			b.ReportMetric(float64(files)/b.Elapsed().Seconds(), "files/s")
			b.ReportMetric(float64(files)/ingesting.Seconds(), "ingested-files/s")
		})
	}
}
