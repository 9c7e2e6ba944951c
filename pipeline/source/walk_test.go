package source

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// writeFile creates dir/rel with body, making folders as needed.
func writeFile(t *testing.T, dir, rel, body string) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
	require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	return p
}

func TestWalk(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "b/2.pdf", "22")
	writeFile(t, dir, "a.pdf", "1")
	writeFile(t, dir, "b/c/3.pdf", "333")
	writeFile(t, dir, ".hidden.pdf", "x")
	writeFile(t, dir, ".git/obj.pdf", "x")
	writeFile(t, dir, "processed/2026-01-01/old.pdf", "x")
	writeFile(t, dir, "failed/bad.pdf", "x")
	writeFile(t, dir, "b/scan.pdf.part", "x")
	writeFile(t, dir, "b/~$lock.pdf", "x")
	writeFile(t, dir, "b/Thumbs.db", "x")
	manifest := writeFile(t, dir, "manifest.csv", "x")
	require.NoError(t, os.Symlink(filepath.Join(dir, "a.pdf"), filepath.Join(dir, "b", "link.pdf")))
	single := writeFile(t, t.TempDir(), ".explicit.pdf", "4444") // named explicitly: taken

	skip := func(abs string) bool { return abs == manifest }
	res := Walk(context.Background(), []string{dir, single, filepath.Join(dir, "a.pdf"), filepath.Join(dir, "nope")}, skip)
	files, total, problems := res.Files, res.Total, res.Problems
	var rel []string
	for _, f := range files {
		r, err := filepath.Rel(dir, f.Abs)
		require.NoError(t, err)
		rel = append(rel, filepath.ToSlash(r))
		assert.True(t, filepath.IsAbs(f.Abs))
		assert.False(t, f.ModTime.IsZero())
	}
	require.Len(t, rel, 4, "%v", rel)
	assert.Equal(t, []string{"a.pdf", "b/2.pdf", "b/c/3.pdf"}, rel[:3], "lexical order, each file once")
	assert.Equal(t, int64(1+2+3+4), total)
	require.Len(t, problems, 1)
	assert.Equal(t, filepath.Join(dir, "nope"), problems[0].Path)
	assert.ErrorIs(t, problems[0], os.ErrNotExist)
}

func TestJournal(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "ingest-journal.jsonl")
	j, err := OpenJournal(path)
	require.NoError(t, err)
	mtime := time.Unix(1_700_000_000, 123456789)
	f := File{Path: "x.pdf", Abs: "/data/x.pdf", Size: 10, ModTime: mtime}
	doc := &sohoa.Document{ID: 7, DossierCode: "D-1", BlobKey: "ab"}
	_, ok := j.Done(f, "D-1|component|a")
	require.False(t, ok)
	require.NoError(t, j.Record(f, "D-1|component|a", doc, time.Now()))
	require.NoError(t, j.Close())

	// A torn last line, as a kill -9 mid-write would leave.
	fh, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fh.WriteString(`{"path":"/data/y.pdf","si`)
	require.NoError(t, err)
	require.NoError(t, fh.Close())

	j, err = OpenJournal(path)
	require.NoError(t, err)
	assert.Equal(t, 1, j.Corrupt)
	e, ok := j.Done(f, "D-1|component|a")
	require.True(t, ok)
	assert.Equal(t, int64(7), e.Document)
	assert.Equal(t, "D-1", e.Dossier)

	// Any change means "not done": size, mtime, target.
	for _, g := range []File{{Abs: f.Abs, Size: 11, ModTime: mtime}, {Abs: f.Abs, Size: 10, ModTime: mtime.Add(time.Nanosecond)}, {Abs: "/data/y.pdf", Size: 10, ModTime: mtime}} {
		_, ok := j.Done(g, "D-1|component|a")
		assert.False(t, ok, "%+v", g)
	}
	_, ok = j.Done(f, "D-2|component|a")
	assert.False(t, ok)

	// Appending after the torn line still gives readable lines.
	g := File{Abs: "/data/z.pdf", Size: 1, ModTime: mtime}
	require.NoError(t, j.Record(g, "t", doc, time.Now()))
	require.NoError(t, j.Close())
	j, err = OpenJournal(path)
	require.NoError(t, err)
	defer j.Close()
	assert.Equal(t, 2, j.Len())
	_, ok = j.Done(g, "t")
	assert.True(t, ok)
}
