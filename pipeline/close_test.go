package pipeline

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// Two worker processes run the scheduled close: each due period is
// closed once, and running it again closes nothing.
func TestScheduledCloseTwoWorkers(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b *bundle) {
		ctx := t.Context()
		closes := func() int {
			entries, err := b.cat.FindAuditEntries(ctx, sohoa.AuditFilter{Limit: 1000})
			require.NoError(t, err)
			n := 0
			for _, e := range entries {
				if e.Action == sohoa.ActionProgressClose {
					n++
					assert.Equal(t, CloseActor, e.Actor)
				}
			}
			return n
		}
		cfg := b.cfg
		cfg.Now = func() time.Time { return time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC) }
		cfg.CloseInterval = 100 * time.Millisecond
		workers := []*Pipeline{b.pipeline(t, cfg), b.pipeline(t, cfg)}
		for _, p := range workers {
			require.NoError(t, p.Start(context.WithoutCancel(ctx)))
		}
		// The month, the quarter and the year due by 1 April 2026.
		require.Eventually(t, func() bool { return closes() == 3 }, 20*time.Second, 50*time.Millisecond)
		for _, p := range []string{"2026-03", "2026-Q1", "2025"} {
			period, _ := sohoa.ParsePeriod(p)
			rows, err := b.cat.FindProgressSnapshot(ctx, sohoa.ProgressFilter{Scope: sohoa.AllUnits, Period: period})
			require.NoError(t, err)
			require.Len(t, rows, 1, p)
			assert.Equal(t, CloseActor, rows[0].ClosedBy)
		}
		// Both at once, by hand: nothing is left to close.
		var wg sync.WaitGroup
		for _, p := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := p.CloseDue(ctx)
				assert.NoError(t, err)
				assert.Empty(t, res)
			}()
		}
		wg.Wait()
		assert.Equal(t, 3, closes())
	})
}
