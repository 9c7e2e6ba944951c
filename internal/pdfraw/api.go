// Package pdfraw is a small, strict, bounded reader of PDF objects over an
// io.ReaderAt, for the signature verifier. It owns the low-level PDF syntax:
// the header, every cross-reference section (classic tables, hybrid
// /XRefStm files and cross-reference streams), every trailer, object
// streams, stream decoding, decryption, and the indirect objects a caller
// asks for. It keeps each incremental-update revision as its own Section,
// so that signature verification can compare revisions.
//
// An intact file is never read whole: Open reads the first 1 KiB (header),
// the last 16 KiB (the last startxref) and the cross-reference sections;
// Object reads only the bytes of the object asked for (and of the object
// stream holding it).
//
// What it tolerates. White space: end-of-line variants around stream data,
// xref entries and %%EOF; comments before startxref; free entries with
// generation 65536. Bytes between a trailer and its startxref that belong
// to no object (an anomaly). And, each recorded as an anomaly (see
// Anomalies) that a verifier must show:
//
//   - A damaged header (no "%PDF-x.y" in the first 1 KiB, or a malformed
//     version) in a file whose cross-reference structure is intact:
//     Version is "". Without an intact structure such a file is ErrNotPDF.
//   - A broken cross-reference structure: when following startxref and
//     /Prev fails (an offset a few bytes off or pointing at nothing, a
//     /Prev loop, a startxref that is not its revision's), Open scans the
//     file once and rebuilds it revision by revision. A revision is the
//     bytes up to a "startxref N %%EOF" marker lying outside every object
//     (a marker inside stream data does not count); bytes never move from
//     one revision to another. Its section is the one N points at if that
//     lies inside the revision, else the last one found inside it whose
//     entries point at the objects they name, else it is rebuilt from the
//     "N G obj" headers and object streams in the revision's bytes, with
//     the revision's last trailer. Entries then hold every object the
//     revision's bytes define (the latest definition wins, as in viewers
//     that reconstruct), so a change hidden behind a broken table is still
//     a later revision defining that object. Such sections have Repaired
//     set and Repair saying what was done.
//   - A repeated dictionary key: the last value wins (as in qpdf, Acrobat,
//     pdf.js and PDFium; digitorus/pdfsign repeats /Version in the catalog).
//     When a key deciding which bytes are read or signed, or what a page,
//     annotation or field shows (/ByteRange, /Contents, /Length, /Filter,
//     /Type, /Prev, /Root, /Annots, /Resources, /AP, /Rect, ...), repeats
//     with a different value, DuplicateKeys and Anomalies report the object
//     and key, once read: readers that keep the first value see something
//     else.
//   - In a file that needs repair, every revision also says which objects
//     its bytes define a second time where its intact section does not
//     point (Section.Shadows) and how many object headers sit inside other
//     objects (Section.NestedHeaders): readers that rebuild a damaged file
//     from its bytes, as pdf.js and PDFium do, take those, so a verifier
//     must not trust what the sections say alone.
//
// What it still refuses: a file with neither a header nor an intact
// structure, or no PDF syntax at all (ErrNotPDF); a damaged file with no
// "startxref N %%EOF" marker outside its objects, or no trailer or
// cross-reference stream in any revision (ErrMalformed). Reading an object
// fails (ErrMalformed) for a wrong /Length, a cross-reference entry that
// points at another object, an object placed after the end of the revision
// that defines it, and a file with data before the header whose offsets
// are relative to it.
//
// Encrypted files (ISO 32000-2, 7.6) open. With the standard security
// handler (RC4 of 40 to 128 bits, V1 and V2; crypt filters /V2, /AESV2 and
// /Identity, V4; AES-256, V5 with R5 or R6) and the empty user password, or
// the empty owner password, the strings and streams read through Object,
// Resolve, StreamData and StreamHash are decrypted with the key of the
// object holding them, as the revision defining the object encrypted it.
// Not decrypted, as the standard says: a signature dictionary's /Contents
// (a dictionary with /Type /Sig or /DocTimeStamp, or with both /ByteRange
// and /Contents), cross-reference streams, the encryption dictionary,
// trailers (/ID), the objects inside an object stream (the object stream
// is decrypted instead), /Metadata streams when /EncryptMetadata is false
// and data under the /Identity crypt filter; a stream's own /Crypt filter
// overrides the default one. String.Start and End remain the offsets of
// the token in the file. When no empty password opens the file, or its
// handler is not /Standard (public-key /Adobe.PubSec), dictionaries,
// arrays, names and numbers are still read and strings come back as
// stored, but reading stream data or an object inside an object stream
// fails with ErrEncrypted. Encryption says which case applies.
//
// Every allocation is bounded by Limits (see DefaultLimits):
//
//	MaxRevisions      1000        cross-reference sections in the /Prev chain (revisions, when repairing)
//	MaxXrefEntries    4_000_000   xref entries summed over all sections (also caps /N of an object stream
//	                              and the objects a repair records)
//	MaxDecodedStream  64 MiB      one decoded stream (xref/object streams, StreamData)
//	MaxDepth          64          nesting of arrays and dictionaries
//	MaxTokenBytes     32 MiB      one string, name or number token
//	MaxObjectBytes    64 MiB      bytes read to parse one indirect object (stream data excluded);
//	                              also at most MaxObjectBytes/64 (>= 4096) objects built per parse
//	MaxResolveHops    32          Ref -> Ref chains, indirect /Length and filter lookups
//
// and by fixed internal bounds: at most 1024 objects parsed and 16 streams
// decoded per call (Object, Resolve, StreamData), 8 filters per stream,
// predictor rows of 16 MiB. Decoded object streams are kept in an LRU cache
// of at most 32 MiB, parsed objects in one of at most 16384 objects and
// 8 MiB of source bytes, so memory use for a valid file stays far below
// 64 MiB whatever its size. A repair reads at most four times the file
// plus 128 MiB, and at most 200 anomalies are kept.
//
// Errors wrap ErrNotPDF, ErrMalformed, ErrEncrypted, ErrLimit or
// ErrUnsupported (or an I/O error of the reader) and say what and where
// ("xref at offset 1234: ...").
package pdfraw

import (
	"errors"
	"io"
	"sync"
)

// Object is one of: Null, Bool, Int, Real, Name, String, Array, Dict, *Stream, Ref.
type Object any

// Null is the PDF null object.
type Null struct{}

// Bool is a PDF boolean.
type Bool bool

// Int is a PDF integer.
type Int int64

// Real is a PDF real number.
type Real float64

// Name is a PDF name without the leading slash, with #xx escapes decoded.
type Name string

// String is a PDF literal or hexadecimal string.
type String struct {
	Bytes []byte // decoded value
	Hex   bool
	// Start and End are the absolute file offsets of the token: Start at
	// '<' or '(', End just past '>' or ')'. Both are -1 when the string came
	// from inside an object stream.
	Start, End int64
}

// Array is a PDF array.
type Array []Object

// Dict is a PDF dictionary.
type Dict map[Name]Object

// Stream is a PDF stream object. Its data is not read until StreamData or
// StreamHash is called.
type Stream struct {
	Dict       Dict
	DataOffset int64 // absolute offset of the first data byte; -1 if inside an object stream (not possible in valid PDF)
	Length     int64 // raw (encoded) length in bytes, from /Length

	// xrefRev is the revision (plus one) whose cross-reference resolves
	// indirect /Filter and /DecodeParms values; 0 means the latest, and
	// noXrefRev none (cross-reference streams).
	xrefRev int
	// sec decrypts the data of an encrypted stream (object ref); nil when
	// the data is not encrypted.
	sec *security
	ref Ref
}

// Ref is an indirect reference "Num Gen R".
type Ref struct {
	Num uint32
	Gen uint16
}

// EntryType is the type of a cross-reference entry.
type EntryType uint8

const (
	EntryFree       EntryType = iota // type 0 / 'f'
	EntryInUse                       // type 1 / 'n'
	EntryCompressed                  // type 2: stored in an object stream
)

// XrefEntry is one cross-reference entry. Offset and Gen are used for
// EntryInUse (and Gen for EntryFree); StmNum and StmIndex for EntryCompressed.
type XrefEntry struct {
	Type     EntryType
	Offset   int64
	Gen      uint16
	StmNum   uint32
	StmIndex int
}

// Section is one cross-reference section, i.e. one revision of the file.
type Section struct {
	Index      int   // 0 = original revision, oldest first
	XrefOffset int64 // where "xref" or the xref stream object starts
	// End is the offset just past this revision's %%EOF marker and its
	// end-of-line (\r\n, \n or \r), i.e. where the next incremental update
	// would start.
	End      int64
	IsStream bool
	Trailer  Dict // for xref streams: the stream dictionary
	// Entries are the entries this section itself defines (including a
	// hybrid file's /XRefStm entries).
	Entries map[uint32]XrefEntry
	Prev    int64 // /Prev or -1

	// Repaired is set when Open could not read this revision as its
	// pointers say (startxref, the next revision's /Prev, the entries) and
	// recovered it from the revision's own bytes; Repair says what was
	// repaired. Entries then still holds exactly the objects this
	// revision's bytes define.
	Repaired bool
	Repair   string
	// Set only when the file needed repair (some revision was damaged),
	// for every revision: Shadows are objects this revision's bytes define
	// a second time after the definition its intact section uses (strict
	// readers ignore them; readers that rebuild the whole file take them),
	// NestedHeaders counts "N G obj" headers inside other objects' stream
	// data or strings (which such readers may take for objects).
	Shadows       []Ref
	NestedHeaders int
	// Encryption describes how this revision's objects are encrypted; nil
	// when they are not.
	Encryption *EncryptionInfo
}

// Limits bounds the resources used to read one file. A zero field means the
// default from DefaultLimits.
type Limits struct {
	MaxRevisions     int   // default 1000
	MaxXrefEntries   int   // total over all sections, default 4_000_000
	MaxDecodedStream int64 // per decoded stream (xref/object streams, StreamData), default 64 << 20
	MaxDepth         int   // nesting of arrays/dicts, default 64
	MaxTokenBytes    int   // single string/name/number token, default 32 << 20
	MaxObjectBytes   int64 // bytes read to parse one indirect object (without stream data), default 64 << 20
	MaxResolveHops   int   // Ref->Ref chains, default 32
}

// DefaultLimits returns the limits used for zero fields of Limits.
func DefaultLimits() Limits {
	return Limits{
		MaxRevisions:     1000,
		MaxXrefEntries:   4_000_000,
		MaxDecodedStream: 64 << 20,
		MaxDepth:         64,
		MaxTokenBytes:    32 << 20,
		MaxObjectBytes:   64 << 20,
		MaxResolveHops:   32,
	}
}

// Sentinel errors. Every error returned by this package wraps one of them
// (or an I/O error from the underlying reader).
var (
	ErrNotPDF    = errors.New("pdfraw: not a PDF file")
	ErrMalformed = errors.New("pdfraw: malformed PDF")
	// ErrEncrypted is returned when reading encrypted data that cannot be
	// decrypted (see EncryptionInfo).
	ErrEncrypted = errors.New("pdfraw: encrypted PDF")
	ErrLimit     = errors.New("pdfraw: limit exceeded")
	// ErrUnsupported is returned by StreamData for a filter it does not
	// decode (image filters such as DCTDecode, LZWDecode, Crypt filters
	// other than Identity): the file is not malformed for that.
	ErrUnsupported = errors.New("pdfraw: unsupported")
)

// File is an opened PDF. Its methods are safe for concurrent use.
type File struct {
	r         io.ReaderAt
	size      int64
	lim       Limits
	version   string
	headerOff int64
	sections  []*Section
	// anomalies found while opening, and later while reading objects
	// (see Anomalies), guarded by mu.
	mu        sync.Mutex
	anomalies []string
	noted     map[string]bool
	dups      []DuplicateKey
	cache     *caches
	// secs is the decryption state of each section (nil entries: not
	// encrypted); encRefs the encryption dictionaries, never decrypted.
	secs    []*security
	encRefs map[Ref]bool
	// repairs holds, between repair and finishRepair, what repair did to
	// each section.
	repairs []*repairInfo
}

// Size returns the file size given to Open.
func (f *File) Size() int64 { return f.size }

// Version returns the version from the header, e.g. "1.7".
func (f *File) Version() string { return f.version }

// Sections returns the cross-reference sections, oldest first. Callers must
// not modify them.
func (f *File) Sections() []*Section { return f.sections }

// ReaderAt returns the reader given to Open.
func (f *File) ReaderAt() io.ReaderAt { return f.r }

// Trailer returns the trailer dictionary of revision rev (-1: the latest),
// or nil if rev is out of range.
func (f *File) Trailer(rev int) Dict {
	rev, ok := f.rev(rev)
	if !ok {
		return nil
	}
	return f.sections[rev].Trailer
}

func (f *File) rev(rev int) (int, bool) {
	if rev < 0 {
		rev = len(f.sections) - 1
	}
	if rev < 0 || rev >= len(f.sections) {
		return 0, false
	}
	return rev, true
}
