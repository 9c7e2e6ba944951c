package importer

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sync/errgroup"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/pipeline/source"
)

// item is one file for one target (a file a manifest lists for two
// dossiers is two items).
type item struct {
	file   source.File
	target source.Target
}

// plan expands the arguments (or the manifest) and plans every file
// without touching the catalog, so the progress display knows the total
// before the first byte is read. unplanned counts the paths that failed
// before they became items.
func (r *run) plan(ctx context.Context) (items []item, unplanned int, total int64) {
	var files []source.File
	if len(r.opts.Paths) > 0 {
		m := r.opts.Manifest
		skip := func(abs string) bool { return m != nil && abs == m.Path }
		walked := source.Walk(ctx, r.opts.Paths, skip)
		files = walked.Files
		r.links = walked.Links
		for _, p := range walked.Problems {
			r.fail(p.Path, "", p.Err)
		}
	} else {
		files = r.manifestFiles(r.opts.Manifest)
	}
	unplanned = len(r.failures) // paths that could not be read
	for _, f := range files {
		targets, err := r.resolver.Plan(f)
		if err != nil {
			r.fail(f.Path, "", err)
			unplanned++
			continue
		}
		for _, t := range targets {
			items = append(items, item{file: f, target: t})
			total += f.Size
		}
	}
	return items, unplanned, total
}

// manifestFiles stats the files a manifest lists (the input when no path
// is given). CheckManifest has checked them all; a file that changed since
// fails here. A name written in NFC is also found when the disk has it in
// NFD, as macOS writes names.
func (r *run) manifestFiles(m *source.Manifest) []source.File {
	var out []source.File
	for _, p := range m.Files() {
		found, err := source.FindFile(p)
		var f source.File
		if err == nil {
			f, err = source.StatFile(found)
			f.Abs = p // the manifest's key
		}
		if err != nil {
			line := 0
			if rows := m.Lookup(p); len(rows) > 0 {
				line = rows[0].Line
			}
			r.fail(p, fmt.Sprintf("manifest line %d", line), unwrapPath(err))
			continue
		}
		out = append(out, f)
	}
	return out
}

// storeAll stores the items, Parallel at a time, until done, ctx ends, or
// the run stops (out of space).
func (r *run) storeAll(ctx context.Context, items []item) {
	ctx, r.stop = context.WithCancel(ctx)
	defer r.stop()
	var g errgroup.Group
	g.SetLimit(r.opts.Parallel)
	for _, it := range items {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			if ctx.Err() != nil {
				return nil // stopped while this one waited for a slot
			}
			r.ev.FileDone(it.file.Path, r.storeOne(ctx, it))
			return nil
		})
	}
	_ = g.Wait() // storeOne records its failures; none is returned
}

// storeOne stores one item: skipped when the journal knows it (and the
// catalog still has it), otherwise resolved, read and ingested, then
// journalled.
func (r *run) storeOne(ctx context.Context, it item) Outcome {
	f, t := it.file, it.target
	where := ""
	if t.Line > 0 {
		where = t.Where()
	}
	if e, ok := r.journal.Done(f, t.Key); ok && !r.opts.Recheck {
		doc, err := r.cfg.Catalog.FindDocumentByID(ctx, e.Document)
		if err == nil && doc.DossierCode == t.DossierCode && doc.BlobKey == e.SHA256 {
			r.skipped.Add(1)
			r.ev.Read(f.Size)
			r.addDoc(doc.ID, f.Path, doc.DossierCode)
			return Skipped
		}
		// A journal from another catalog, or one reset since: the
		// pipeline's duplicate detection decides instead.
	}
	// What the file is comes first: no name or row can make a non-PDF
	// importable, so that is the reason worth reading.
	err := CheckFileContent(f.Path)
	if err == nil {
		err = r.resolver.Complete(ctx, f, &t)
	}
	if err != nil {
		r.ev.Read(f.Size)
		return r.itemError(ctx, f.Path, where, unwrapPath(err))
	}
	res, cur, err := IngestFile(ctx, r.cfg.Pipeline, f, t, r.opts.Source, r.opts.Actor, r.ev.Read)
	if err != nil {
		return r.itemError(ctx, f.Path, where, err)
	}
	if res.DossierCreated {
		r.created.Add(1)
	}
	out := New
	if res.Duplicate {
		r.dups.Add(1)
		out = Duplicate
	} else {
		r.added.Add(1)
	}
	r.addDoc(res.Document.ID, f.Path, t.DossierCode)
	// Journal only what was read as the walk saw it: a file rewritten
	// meanwhile is checked again next time.
	if now, err := source.StatFile(f.Path); err == nil && now.Size == cur.Size && now.ModTime.Equal(cur.ModTime) {
		if err := r.journal.Record(cur, t.Key, res.Document, r.cfg.Now()); err != nil {
			if IsNoSpace(err) {
				r.stopFor(err) // the file is stored; the next would fail
			} else {
				r.log.Warn("ingest journal", "err", Scrub(err.Error()))
			}
		}
	}
	return out
}

// itemError records why an item was not stored. Running out of space
// stops the run instead of failing this and every following file the same
// way; a file cancelled by the stop or by an interrupt is "not imported",
// not failed: the re-run imports it.
func (r *run) itemError(ctx context.Context, path, where string, err error) Outcome {
	switch {
	case IsNoSpace(err):
		r.stopFor(err)
		return NotImported
	case ctx.Err() != nil:
		return NotImported
	}
	r.itemFailed.Add(1)
	r.fail(path, where, err)
	return Failed
}

// CheckFileContent reads the start of the file at path and checks that it
// may be imported (source.CheckContent).
func CheckFileContent(path string) error {
	head, err := source.ReadHead(path)
	if err != nil {
		return unwrapPath(err)
	}
	return source.CheckContent(path, head)
}

// IngestFile reads one file into the pipeline as target t. It refuses
// empty files and files that are neither PDFs nor detached signatures by
// content (source.CheckContent: they would only fail inspection, and stay
// stored for good), reports bytes read to onRead (nil: not reported), and
// returns the file as it was when opened. The same bytes already in the
// dossier as another component or role are a conflict, not a duplicate:
// the catalog keeps a file once per dossier, so the dossier would silently
// lack the second component. The hot folder uses it too.
func IngestFile(ctx context.Context, p *pipeline.Pipeline, f source.File, t source.Target, src sohoa.DocumentSource, actor string, onRead func(int64)) (*pipeline.IngestResult, source.File, error) {
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, f, unwrapPath(err)
	}
	defer fh.Close()
	info, err := fh.Stat()
	if err != nil {
		return nil, f, err
	}
	cur := f
	cur.Size, cur.ModTime = info.Size(), info.ModTime()
	if cur.Size == 0 {
		return nil, cur, source.Permanent(sohoa.Errorf(sohoa.EINVALID, "the file is empty"))
	}
	br := bufio.NewReaderSize(fh, 64<<10)
	head, _ := br.Peek(source.HeaderWindow)
	if err := source.CheckContent(f.Path, head); err != nil {
		return nil, cur, err
	}
	var body io.Reader = br
	if onRead != nil {
		body = &countingReader{r: br, add: onRead}
	}
	res, err := p.Ingest(ctx, pipeline.IngestRequest{
		DossierCode: t.DossierCode, NewDossier: t.NewDossier, Role: t.Role, Component: t.Component,
		FileName: t.FileName, Source: src, UploadedBy: actor, Body: body,
		// Met by a collector deleting the stored copy, the pipeline stores
		// the bytes again from here (it refuses other bytes).
		Reopen: func() (io.ReadCloser, error) { return os.Open(f.Path) },
	})
	if err != nil {
		return nil, cur, err
	}
	if d := res.Document; res.Duplicate && (d.Role != t.Role || source.NFC(d.ComponentName) != source.NFC(t.Component)) {
		return nil, cur, source.Permanent(sohoa.Errorf(sohoa.ECONFLICT,
			"the same bytes are already in the dossier as %s (file %s, document %d): a dossier holds a file once, so it was not added as %s",
			docRole(d.Role, d.ComponentName), d.FileName, d.ID, docRole(t.Role, t.Component)))
	}
	return res, cur, nil
}

// docRole describes what a document is to its dossier, for messages.
func docRole(role sohoa.DocumentRole, component string) string {
	if role == sohoa.RoleComponent && component != "" {
		return fmt.Sprintf("component %q", component)
	}
	return string(role)
}

// countingReader reports how many bytes were read, for progress displays.
type countingReader struct {
	r   io.Reader
	add func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.add(int64(n))
	}
	return n, err
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
