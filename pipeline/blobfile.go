package pipeline

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/sohoa/sohoa"
)

// transientError marks an error as worth retrying whatever its code: a blob
// the store cannot find (ENOTFOUND) is a storage fault to be fixed by an
// operator, not a verdict on the document, so it must not be recorded as
// one.
type transientError struct{ err error }

func (e *transientError) Error() string { return e.err.Error() }
func (e *transientError) Unwrap() error { return e.err }

func transientf(format string, args ...any) error {
	return &transientError{fmt.Errorf(format, args...)}
}

// inMemoryMax is the largest blob a job reads into memory when the store
// only offers it over the network; larger ones are spooled to a temporary
// file. Either way the verifier's many small ReadAt calls stay local.
const inMemoryMax = 64 << 20

// pdfHeaderWindow is where a PDF header may start (readers accept junk
// before it, as Acrobat does, within the first KiB).
const pdfHeaderWindow = 1024

type readSeekerAt interface {
	io.Reader
	io.ReaderAt
	io.Seeker
}

// blobFile is a document's bytes, opened for a job.
type blobFile struct {
	readSeekerAt
	size  int64
	isPDF bool
	close func()
}

func (b *blobFile) Close() { b.close() }

// openBlob gives random access to doc's bytes: the store's file directly
// for local files, or a copy (in memory, or a temporary file when large)
// that is checked against the key while it is read. heavy jobs (the
// inspector holds the whole file in memory) take the big-file slot for
// large files.
func (p *Pipeline) openBlob(ctx context.Context, doc *sohoa.Document, heavy bool) (_ *blobFile, err error) {
	release := func() {}
	if heavy && doc.Size > bigFile {
		select {
		case p.big <- struct{}{}:
			release = func() { <-p.big }
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer func() {
		if err != nil {
			release()
		}
	}()
	br, err := p.cfg.Blobs.Open(ctx, doc.BlobKey)
	if err != nil {
		return nil, transientf("open stored file %s: %w", doc.BlobKey, err)
	}
	size := br.Size()
	if size != doc.Size {
		br.Close()
		return nil, transientf("stored file %s is %d bytes, the catalog says %d: %w", doc.BlobKey, size, doc.Size, sohoa.ErrCorrupt)
	}
	f := &blobFile{size: size}
	if _, local := br.(interface{ Fd() uintptr }); local {
		f.readSeekerAt = br
		f.close = func() { br.Close(); release() }
	} else {
		defer br.Close()
		h := sha256.New()
		if size <= inMemoryMax && (heavy || size <= bigFile) {
			buf := make([]byte, size)
			if _, err := io.ReadFull(io.TeeReader(br, h), buf); err != nil {
				return nil, transientf("read stored file %s: %w", doc.BlobKey, err)
			}
			if err := checkSum(h, doc.BlobKey); err != nil {
				return nil, err
			}
			f.readSeekerAt = bytes.NewReader(buf)
			f.close = release
		} else {
			tmp, err := os.CreateTemp("", "sohoa-blob-*")
			if err != nil {
				return nil, fmt.Errorf("spool stored file %s: %w", doc.BlobKey, err)
			}
			drop := func() { tmp.Close(); os.Remove(tmp.Name()) }
			if _, err := io.Copy(io.MultiWriter(tmp, h), br); err != nil {
				drop()
				return nil, transientf("read stored file %s: %w", doc.BlobKey, err)
			}
			if err := checkSum(h, doc.BlobKey); err != nil {
				drop()
				return nil, err
			}
			f.readSeekerAt = tmp
			f.close = func() { drop(); release() }
		}
	}
	head := make([]byte, min(size, pdfHeaderWindow))
	if _, err := f.ReadAt(head, 0); err != nil && !errors.Is(err, io.EOF) {
		f.close()
		return nil, transientf("read stored file %s: %w", doc.BlobKey, err)
	}
	f.isPDF = bytes.Contains(head, []byte("%PDF-"))
	return f, nil
}

func checkSum(h hash.Hash, key string) error {
	if got := hex.EncodeToString(h.Sum(nil)); got != key {
		return transientf("stored file %s reads back as %s: %w", key, got, sohoa.ErrCorrupt)
	}
	return nil
}
