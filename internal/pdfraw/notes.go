package pdfraw

import (
	"fmt"
	"slices"
)

// DuplicateKey is a dictionary that repeats a key deciding which bytes are
// read or signed (see criticalKeys) with a different value. The last value
// is the one used, as in qpdf; a verifier shows the ambiguity.
type DuplicateKey struct {
	// Where names the object and the offset of the repeated key, e.g.
	// "object 12 0 at offset 345: at offset 401", or "... at position 7
	// in object stream" inside an object stream.
	Where string
	Key   Name
}

// maxNotes bounds the anomalies (and duplicate keys) a file records.
const maxNotes = 200

// Anomalies lists structural oddities that did not prevent reading the
// file but that a signature verifier must show: unaccounted bytes inside a
// revision, repaired revisions, a damaged header, encryption changes, and
// dictionaries that repeat a critical key. Those found while reading
// objects are added as they are read, so call it after reading what is
// needed. At most 200 are kept. Revisions are counted from 1, the
// original document, as users count them.
func (f *File) Anomalies() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.anomalies)
}

// DuplicateKeys lists the dictionaries read so far that repeat a critical
// key with different values (each also an anomaly).
func (f *File) DuplicateKeys() []DuplicateKey {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.dups)
}

// note records an anomaly once; it reports whether it was new.
func (f *File) note(msg string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.noteLocked(msg)
}

func (f *File) noteLocked(msg string) bool {
	if f.noted[msg] {
		return false
	}
	if f.noted == nil {
		f.noted = map[string]bool{}
	}
	if len(f.noted) >= maxNotes {
		if len(f.noted) == maxNotes {
			f.noted[""] = true
			f.anomalies = append(f.anomalies, fmt.Sprintf("more than %d anomalies; the rest are not listed", maxNotes))
		}
		return false
	}
	f.noted[msg] = true
	f.anomalies = append(f.anomalies, msg)
	return true
}

func (f *File) dupKey(where string, key Name) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.noteLocked(fmt.Sprintf("%s: dictionary key /%s repeated with a different value; the last value is used", where, key)) {
		f.dups = append(f.dups, DuplicateKey{Where: where, Key: key})
	}
}

// newParser returns a parser that records repeated critical keys on f.
func (f *File) newParser(lx *lexer) *parser {
	p := newParser(lx, &f.lim)
	p.dup = func(key Name, at int64) { f.dupKey(lx.where(at), key) }
	return p
}
