package source

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/sohoa/sohoa"
)

// Journal remembers which files a bulk import already stored, so an
// interrupted `sohoa ingest` re-run skips them without reading (hashing)
// them again. It is one append-only file of JSON lines, one per stored
// file:
//
//	{"path":"/abs/file.pdf","size":1234,"mtime_ns":…,"target":"…","dossier":"…","document":42,"sha256":"…","at":"…"}
//
// A file counts as done when its absolute path, size, modification time
// and target (the dossier, role and component it was imported as) all
// match a line: a file edited since, or imported to another dossier, is
// imported again. The journal is a shortcut, not the record: a lost or
// stale journal only costs a re-read, because the pipeline reports the
// same bytes in the same dossier as a duplicate. Lines are written after
// Ingest returned (the blob and row are durable), each in one write(2)
// with O_APPEND, so a crash leaves at most a torn last line, which is
// ignored.
type Journal struct {
	mu   sync.Mutex
	path string
	f    *os.File
	done map[string]JournalEntry
	// Corrupt counts lines that could not be read (a torn last line).
	Corrupt int
}

// JournalEntry is one line of the journal.
type JournalEntry struct {
	Path     string    `json:"path"`
	Size     int64     `json:"size"`
	ModTime  int64     `json:"mtime_ns"`
	Target   string    `json:"target"`
	Dossier  string    `json:"dossier"`
	Document int64     `json:"document"`
	SHA256   string    `json:"sha256"`
	At       time.Time `json:"at"`
}

func journalKey(abs string, size, mtime int64, target string) string {
	return abs + "\x00" + strconv.FormatInt(size, 10) + "\x00" + strconv.FormatInt(mtime, 10) + "\x00" + target
}

// OpenJournal reads the journal at path (creating it and its directory
// when missing) and opens it for appending.
func OpenJournal(path string) (*Journal, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("ingest journal: %w", err)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o640)
	if err != nil {
		return nil, fmt.Errorf("ingest journal: %w", err)
	}
	j := &Journal{path: path, f: f, done: map[string]JournalEntry{}}
	if err := j.load(); err != nil {
		f.Close()
		return nil, fmt.Errorf("ingest journal %s: %w", path, err)
	}
	return j, nil
}

func (j *Journal) load() error {
	r := bufio.NewReaderSize(j.f, 64<<10)
	var last byte = '\n'
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			last = line[len(line)-1]
			var e JournalEntry
			if jerr := json.Unmarshal(bytes.TrimSpace(line), &e); jerr != nil || e.Path == "" {
				if len(bytes.TrimSpace(line)) > 0 {
					j.Corrupt++
				}
			} else {
				j.done[journalKey(e.Path, e.Size, e.ModTime, e.Target)] = e
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
	}
	// A torn last line (the process died mid-write) would swallow the
	// next entry's start: end it first.
	if last != '\n' {
		if _, err := j.f.Write([]byte("\n")); err != nil {
			return err
		}
	}
	return nil
}

// Path is the journal's file.
func (j *Journal) Path() string { return j.path }

// Len is the number of files the journal knows as done.
func (j *Journal) Len() int {
	j.mu.Lock()
	defer j.mu.Unlock()
	return len(j.done)
}

// Done returns the entry recording f as imported to target, if any.
func (j *Journal) Done(f File, target string) (JournalEntry, bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	e, ok := j.done[journalKey(f.Abs, f.Size, f.ModTime.UnixNano(), target)]
	return e, ok
}

// Record notes that f was imported to target as doc. Call it only after
// Ingest returned success.
func (j *Journal) Record(f File, target string, doc *sohoa.Document, at time.Time) error {
	e := JournalEntry{
		Path: f.Abs, Size: f.Size, ModTime: f.ModTime.UnixNano(), Target: target,
		Dossier: doc.DossierCode, Document: doc.ID, SHA256: doc.BlobKey, At: at.UTC(),
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	line = append(line, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return errors.New("ingest journal is closed")
	}
	if _, err := j.f.Write(line); err != nil {
		return fmt.Errorf("ingest journal: %w", err)
	}
	j.done[journalKey(e.Path, e.Size, e.ModTime, e.Target)] = e
	return nil
}

// Close flushes the journal to disk and closes it.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Sync()
	if cerr := j.f.Close(); err == nil {
		err = cerr
	}
	j.f = nil
	return err
}
