package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestThroughput measures files per second end to end when
// PIPELINE_THROUGHPUT=N is set (skipped otherwise; it is a measurement,
// not a check).
func TestThroughput(t *testing.T) {
	n := envInt("PIPELINE_THROUGHPUT")
	if n == 0 {
		t.Skip("set PIPELINE_THROUGHPUT=N to measure")
	}
	forEachBackend(t, func(t *testing.T, b *bundle) {
		bodies := make([][]byte, n)
		for i := range bodies {
			bodies[i] = uniquePDF(i)
		}
		b.start(t)
		t0 := time.Now()
		ids := make([]int64, n)
		sem := make(chan struct{}, 8)
		errs := make(chan error, n)
		for i := range n {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				r := req(fmt.Sprintf("U1-260302-%04d", i/4), compForm, fmt.Sprintf("f%d.pdf", i), bodies[i])
				r.Body = bytes.NewReader(bodies[i])
				res, err := b.p.Ingest(context.Background(), r)
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
			require.NoError(t, err)
		}
		ingested := time.Since(t0)
		b.wait(t, ids...)
		took := time.Since(t0)
		t.Logf("%d files: ingested in %v (%.0f/s), processed in %v (%.0f files/s end to end)",
			n, ingested.Round(time.Millisecond), float64(n)/ingested.Seconds(), took.Round(time.Millisecond), float64(n)/took.Seconds())
	})
}

func envInt(key string) int {
	n, _ := strconv.Atoi(os.Getenv(key))
	return n
}
