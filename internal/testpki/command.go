package testpki

import (
	"log"
	"slices"
	"sync"
)

// CommandTB is the TB a command (a fixture generator, a benchmark's file
// maker) uses outside a test: Fatalf runs the cleanups, then ends the
// process through log.Fatalf. Call Close before exiting normally. It is
// safe for concurrent use.
type CommandTB struct {
	mu       sync.Mutex
	cleanups []func()
}

// Helper does nothing: there is no test to attribute lines to.
func (*CommandTB) Helper() {}

// Cleanup registers f to run at Close (or Fatalf), last registered first.
func (t *CommandTB) Cleanup(f func()) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.cleanups = append(t.cleanups, f)
}

// Fatalf runs the cleanups and ends the process with the message.
func (t *CommandTB) Fatalf(format string, args ...any) {
	t.Close()
	log.Fatalf(format, args...)
}

// Close runs the registered cleanups once.
func (t *CommandTB) Close() {
	t.mu.Lock()
	fs := t.cleanups
	t.cleanups = nil
	t.mu.Unlock()
	for _, f := range slices.Backward(fs) {
		f()
	}
}
