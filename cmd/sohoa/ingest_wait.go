package main

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// While ingest waits for inspection and verification, a display that
// stands still for ingestStallAfter is explained (pipeline.Holdup: a dead
// worker holding the documents and when its jobs are taken over, retries,
// no worker at all), again every ingestStallEvery while it stays still.
var (
	ingestStallAfter = 10 * time.Second
	ingestStallEvery = 30 * time.Second
)

// stallWatch explains a wait that does not move.
type stallWatch struct {
	r    *ingestRun
	ids  []int64
	prog ingestProgress

	done     atomic.Int64 // documents of ids known to be processed
	moved    atomic.Int64 // unix nanoseconds of the last progress
	stop     chan struct{}
	finished sync.WaitGroup
}

// watchStall starts explaining stalls of the wait for ids; call progressed
// as documents finish and end when the wait is over.
func (r *ingestRun) watchStall(ctx context.Context, ids []int64, prog ingestProgress) *stallWatch {
	s := &stallWatch{r: r, ids: ids, prog: prog, stop: make(chan struct{})}
	s.moved.Store(time.Now().UnixNano())
	s.finished.Add(1)
	go func() {
		defer s.finished.Done()
		tick := time.NewTicker(min(time.Second, ingestStallAfter/2))
		defer tick.Stop()
		var said time.Time
		for {
			select {
			case <-s.stop:
				return
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			moved := time.Unix(0, s.moved.Load())
			if time.Since(moved) < ingestStallAfter || (said.After(moved) && time.Since(said) < ingestStallEvery) {
				continue
			}
			said = time.Now()
			s.explain(ctx)
		}
	}()
	return s
}

// progressed records that done documents of ids are processed.
func (s *stallWatch) progressed(done int) {
	if int64(done) != s.done.Swap(int64(done)) {
		s.moved.Store(time.Now().UnixNano())
	}
}

func (s *stallWatch) end() {
	close(s.stop)
	s.finished.Wait()
}

func (s *stallWatch) explain(ctx context.Context) {
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	h, err := s.r.pipe.Holdup(hctx, s.ids)
	if err != nil {
		if ctx.Err() == nil {
			s.r.e.log.Warn("cannot tell what the wait is for", "err", err)
		}
		return
	}
	if h.Waiting == 0 {
		return
	}
	msg := h.String()
	switch p := s.prog.(type) {
	case *barProgress:
		_ = p.bar.Clear()
		fmt.Fprintln(s.r.e.stderr, msg)
		_ = p.bar.RenderBlank()
	case *plainProgress:
		fmt.Fprintln(p.w, msg)
	default:
		s.r.e.log.Warn(msg)
	}
}
