package importer_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/importer"
	"github.com/sohoa/sohoa/storage/fsblob"
	"github.com/sohoa/sohoa/storage/sqlite"
	"github.com/sohoa/sohoa/verify"
)

const (
	unit      = "000.00.12.G05"
	procedure = "1.001"
	dossier   = "000.00.12.G05-261130-0007"
)

// bundle is an embedded-default catalog and blob store with the tests'
// reference data, and a pipeline over them.
type bundle struct {
	cfg     importer.Config
	dir     string
	journal string
}

func setup(t *testing.T) *bundle {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	db, err := sqlite.Open(ctx, filepath.Join(dir, "sohoa.db"), nil)
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	require.NoError(t, db.CreateUnit(ctx, &sohoa.Unit{Code: unit, Name: "Bộ phận Một cửa"}))
	require.NoError(t, db.CreateProcedure(ctx, &sohoa.Procedure{Code: procedure, Name: "Cấp giấy phép",
		RequiredComponents: []string{"Đơn đề nghị", "Bản sao CCCD"}}))
	require.NoError(t, db.CreateDossier(ctx, &sohoa.Dossier{Code: dossier, UnitCode: unit, ProcedureCode: procedure,
		ReceivedAt: time.Date(2026, 11, 30, 9, 0, 0, 0, sohoa.Location())}))
	blobs, err := fsblob.New(filepath.Join(dir, "blobs"), fsblob.Options{})
	require.NoError(t, err)
	v, err := verify.New(verify.Config{})
	require.NoError(t, err)
	p, err := pipeline.New(pipeline.Config{Catalog: pipeline.OnSQLite(db), Blobs: blobs, Verifier: v, ReverifyInterval: -1})
	require.NoError(t, err)
	return &bundle{cfg: importer.Config{Pipeline: p, Catalog: db}, dir: dir, journal: filepath.Join(dir, "journal.jsonl")}
}

// files writes sample files under the names given, into a new folder.
func (b *bundle) files(t *testing.T, names map[string]string) string {
	t.Helper()
	in := filepath.Join(b.dir, "in")
	require.NoError(t, os.MkdirAll(in, 0o755))
	for name, sample := range names {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "samples", sample))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(in, name), data, 0o644))
	}
	return in
}

// recorder keeps the events an import sends.
type recorder struct {
	mu       sync.Mutex
	files    int
	bytes    int64
	read     int64
	outcomes map[importer.Outcome]int
	checking int
	checked  int
	finished int
}

func (r *recorder) Storing(files int, bytes int64) { r.files, r.bytes = files, bytes }
func (r *recorder) Read(n int64)                   { r.mu.Lock(); r.read += n; r.mu.Unlock() }
func (r *recorder) FileDone(_ string, o importer.Outcome) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.outcomes == nil {
		r.outcomes = map[importer.Outcome]int{}
	}
	r.outcomes[o]++
}
func (r *recorder) Checking(n int)           { r.checking = n }
func (r *recorder) Checked(done int)         { r.checked = done }
func (r *recorder) Stalled(*pipeline.Holdup) {}
func (r *recorder) Finished()                { r.finished++ }

func TestImportCountsAndEvents(t *testing.T) {
	b := setup(t)
	in := b.files(t, map[string]string{
		dossier + "__Đơn đề nghị.pdf": "unsigned.pdf",
		dossier + ".2.pdf":            "scan-300dpi.pdf",
		dossier + "__ket-qua.pdf":     "tampered-digest.pdf",
		"no-convention.pdf":           "unsigned.pdf",
		dossier + "__Ảnh.pdf":         "signed-valid-blt.pdf", // not a component of the procedure
	})
	ev := &recorder{}
	sum, err := importer.Import(t.Context(), b.cfg, importer.Options{Paths: []string{in}, JournalPath: b.journal, Events: ev})
	require.NoError(t, err)

	assert.Equal(t, 5, sum.Files)
	assert.Equal(t, 3, sum.New)
	assert.Equal(t, 0, sum.Duplicates+sum.Skipped+sum.NotImported)
	require.Len(t, sum.Failures, 2, "%+v", sum.Failures)
	assert.Equal(t, sum.Files, sum.New+sum.Duplicates+sum.Skipped+len(sum.Failures)+sum.NotImported, "the counts add up")
	assert.Equal(t, 1, sum.Dossiers)
	assert.False(t, sum.OK())
	require.NotNil(t, sum.Checks, "the run waited for the workers")
	assert.Equal(t, 3, sum.Checks.Documents)
	assert.Equal(t, 1, sum.Checks.Indications[sohoa.IndicationTotalFailed])
	require.Len(t, sum.Checks.Attention, 1)
	assert.Contains(t, sum.Checks.Attention[0].String(), "ket-qua.pdf: signature TOTAL_FAILED")

	// Storing was announced with the planned items; every file stored
	// or refused after planning was reported done, and read whole.
	assert.Equal(t, 4, ev.files, "the file without a dossier fails before planning")
	assert.Equal(t, sum.Bytes, ev.bytes)
	assert.Equal(t, ev.bytes, ev.read)
	assert.Equal(t, map[importer.Outcome]int{importer.New: 3, importer.Failed: 1}, ev.outcomes)
	assert.Equal(t, 3, ev.checking)
	assert.Equal(t, 3, ev.checked)
	assert.Equal(t, 1, ev.finished)

	// A re-run skips what the journal knows, and a file that fails the
	// same way is grouped with the others of its reason.
	ev = &recorder{}
	sum, err = importer.Import(t.Context(), b.cfg, importer.Options{Paths: []string{in}, JournalPath: b.journal, Events: ev, NoWait: true})
	require.NoError(t, err)
	assert.Equal(t, 3, sum.Skipped)
	assert.Equal(t, 0, sum.New)
	assert.Nil(t, sum.Checks, "--no-wait reads no results")
	assert.Equal(t, 3, ev.outcomes[importer.Skipped])
	groups := importer.Group(sum.Failures)
	require.Len(t, groups, 2)
}

func TestImportRefusesBeforeStoring(t *testing.T) {
	b := setup(t)
	in := b.files(t, map[string]string{dossier + ".1.pdf": "unsigned.pdf"})
	_, err := importer.Import(t.Context(), b.cfg, importer.Options{Paths: []string{in}, JournalPath: b.journal, Unit: "000.00.99.G05"})
	var ie *importer.Error
	require.ErrorAs(t, err, &ie)
	assert.Equal(t, importer.StageCheck, ie.Stage)
	_, err = os.Stat(b.journal)
	assert.ErrorIs(t, err, os.ErrNotExist, "nothing written, not even the journal")
}

func TestImportInterrupted(t *testing.T) {
	b := setup(t)
	in := b.files(t, map[string]string{dossier + ".1.pdf": "unsigned.pdf", dossier + ".2.pdf": "scan-300dpi.pdf"})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	// Interrupted once the files are planned, before the first is stored.
	ev := &cancelOnStoring{cancel: cancel}
	sum, err := importer.Import(ctx, b.cfg, importer.Options{Paths: []string{in}, JournalPath: b.journal, NoWait: true, Events: ev})
	require.NoError(t, err)
	assert.True(t, sum.Interrupted)
	assert.Equal(t, 2, sum.NotImported)
	assert.Equal(t, 2, sum.Files)
}

type cancelOnStoring struct {
	importer.NopEvents
	cancel context.CancelFunc
}

func (c *cancelOnStoring) Storing(int, int64) { c.cancel() }

func TestGroup(t *testing.T) {
	fails := []importer.Failure{
		{Path: "c.pdf", Reason: "the file is not a PDF"},
		{Path: "a.pdf", Reason: "the file is not a PDF"},
		{Path: "m.pdf", Where: "manifest line 7", Reason: "dossier X does not exist"},
	}
	groups := importer.Group(fails)
	require.Len(t, groups, 2)
	assert.Equal(t, "the file is not a PDF", groups[0].Reason, "most frequent first")
	assert.Equal(t, "a.pdf", groups[0].Failures[0].Path, "sorted by path")
	assert.Equal(t, "m.pdf (manifest line 7)", groups[1].Failures[0].Shown())
}
