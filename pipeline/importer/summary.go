package importer

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/source"
)

// Summary is what an import did. The counts add up: every file (a file a
// manifest lists for two dossiers counts twice) is new, a duplicate,
// skipped, failed or not imported; new, duplicate and skipped files are
// documents their dossiers show.
type Summary struct {
	Files int   // files given, each once per target
	Bytes int64 // their size, as planned
	Took  time.Duration

	New         int // stored as new documents
	Duplicates  int // the same bytes already in the dossier
	Skipped     int // stored by an earlier run (the journal)
	NotImported int // the run stopped before them
	// Failures are the failed files; len(Failures) is the failed count.
	Failures []Failure

	Dossiers        int // dossiers this run's files are in
	DossiersCreated int
	// Links are the symbolic links the walk skipped.
	Links []source.SkippedLink

	// Checks is what inspection and verification found, once the wait
	// is over (nil with NoWait, or when the run ended early).
	Checks *Checks
	// Unchecked are documents stored but whose jobs gave up.
	Unchecked []Failure

	JournalPath string
	// JournalErr: the journal could not be saved (a re-run reads the
	// files again).
	JournalErr error
	// Stopped is why the run stopped early: a store out of space.
	Stopped error
	// Interrupted: the context ended before the run did.
	Interrupted bool
	// WaitErr: waiting for the workers, or reading their results, failed.
	WaitErr error
}

// OK reports whether every file was imported (and checked, when the run
// waited).
func (s *Summary) OK() bool {
	return s.Stopped == nil && !s.Interrupted && s.WaitErr == nil && len(s.Failures) == 0 && len(s.Unchecked) == 0
}

// Stored is how many files are in the catalog after the run: new,
// duplicates and skipped.
func (s *Summary) Stored() int { return s.New + s.Duplicates + s.Skipped }

// Failure is a file that was not imported (or, in Unchecked, not
// checked).
type Failure struct {
	Path   string
	Where  string // "manifest line 7", or ""
	Reason string // in plain words (Reason)
	Err    error  // nil for Unchecked
}

// Shown is the file as a list names it: with its manifest line unless the
// reason says it already.
func (f Failure) Shown() string {
	if f.Where != "" && !strings.Contains(f.Reason, f.Where) {
		return fmt.Sprintf("%s (%s)", f.Path, f.Where)
	}
	return f.Path
}

// FailureGroup is failures sharing one reason.
type FailureGroup struct {
	Reason   string
	Failures []Failure // sorted by path
}

// Group groups failures by reason, most frequent first (then by reason),
// so 3,400 files failing the same way take one line.
func Group(fails []Failure) []FailureGroup {
	idx := map[string]int{}
	var groups []FailureGroup
	for _, f := range fails {
		i, ok := idx[f.Reason]
		if !ok {
			i = len(groups)
			idx[f.Reason] = i
			groups = append(groups, FailureGroup{Reason: f.Reason})
		}
		groups[i].Failures = append(groups[i].Failures, f)
	}
	sort.SliceStable(groups, func(i, j int) bool {
		if len(groups[i].Failures) != len(groups[j].Failures) {
			return len(groups[i].Failures) > len(groups[j].Failures)
		}
		return groups[i].Reason < groups[j].Reason
	})
	for _, g := range groups {
		sort.SliceStable(g.Failures, func(i, j int) bool { return g.Failures[i].Path < g.Failures[j].Path })
	}
	return groups
}

// Checks is what inspection and verification found for the run's
// documents.
type Checks struct {
	Documents   int // inspected and verified
	Inspections map[sohoa.InspectionOutcome]int
	Indications map[string]int // unsigned files count as INDETERMINATE
	// Attention lists files stored that keep their dossier from counting
	// as digitized (a failing inspection, a failed signature), sorted, at
	// most 50; MoreAttention counts the rest.
	Attention     []Attention
	MoreAttention int
}

// Attention is one file that needs attention.
type Attention struct {
	Path, Reason string
}

func (a Attention) String() string { return a.Path + ": " + a.Reason }

// Outcome is what became of one file.
type Outcome int

const (
	New Outcome = iota
	Duplicate
	Skipped
	Failed
	NotImported
)

// Events receives an import's progress. Calls come from several
// goroutines while files are stored (Read, FileDone).
type Events interface {
	// Storing: files (bytes in all) are about to be stored.
	Storing(files int, bytes int64)
	// Read: n more bytes were read (a skipped or refused file counts
	// whole).
	Read(n int64)
	// FileDone: a file ended as outcome.
	FileDone(path string, outcome Outcome)
	// Checking: storing is over; the run waits for documents to be
	// inspected and verified.
	Checking(documents int)
	// Checked: done documents of those are processed.
	Checked(done int)
	// Stalled: the wait has not moved; h says what it waits for.
	Stalled(h *pipeline.Holdup)
	// Finished: the run's progress is over (the summary follows).
	Finished()
}

// NopEvents ignores every event; embed it to implement only some.
type NopEvents struct{}

func (NopEvents) Storing(int, int64)       {}
func (NopEvents) Read(int64)               {}
func (NopEvents) FileDone(string, Outcome) {}
func (NopEvents) Checking(int)             {}
func (NopEvents) Checked(int)              {}
func (NopEvents) Stalled(*pipeline.Holdup) {}
func (NopEvents) Finished()                {}
