package pipeline

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// QueueDepth counts the jobs waiting to run; OnRecorded hears every
// committed result (the web server's metrics hang on both).
func TestQueueDepthAndOnRecorded(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		var (
			mu          sync.Mutex
			indications []string
			outcomes    []sohoa.InspectionOutcome
		)
		cfg := b.cfg
		cfg.OnRecorded = func(in *sohoa.Inspection, v *sohoa.Verification) {
			mu.Lock()
			defer mu.Unlock()
			if in != nil {
				outcomes = append(outcomes, in.Outcome)
			}
			if v != nil {
				indications = append(indications, v.Indication)
			}
		}
		b.p = b.pipeline(t, cfg)

		n, err := b.p.QueueDepth(t.Context())
		require.NoError(t, err)
		assert.Zero(t, n)
		res := b.ingest(t, req("U1-260302-0009", compForm, "don.pdf", sample(t, "signed-valid-blt.pdf")))
		n, err = b.p.QueueDepth(t.Context())
		require.NoError(t, err)
		assert.Positive(t, n, "the ingested document's job waits")

		b.start(t)
		b.wait(t, res.Document.ID)
		n, err = b.p.QueueDepth(t.Context())
		require.NoError(t, err)
		assert.Zero(t, n)
		mu.Lock()
		defer mu.Unlock()
		assert.Equal(t, []string{sohoa.IndicationTotalPassed}, indications)
		assert.Len(t, outcomes, 1)
	})
}
