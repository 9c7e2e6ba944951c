package sohoa

import (
	"context"
	"strings"
	"time"
)

// DocumentRole says what a document is to its dossier.
type DocumentRole string

const (
	RoleComponent DocumentRole = "component" // a component (thành phần hồ sơ) the applicant filed
	RoleResult    DocumentRole = "result"    // the result (kết quả giải quyết TTHC)
	RoleReport    DocumentRole = "report"    // a unit's signed periodic report
)

// Valid reports whether r is one of the roles above.
func (r DocumentRole) Valid() bool {
	return r == RoleComponent || r == RoleResult || r == RoleReport
}

// DocumentSource says how a document reached sohoa.
type DocumentSource string

const (
	SourceWeb    DocumentSource = "web"
	SourceAPI    DocumentSource = "api"
	SourceFolder DocumentSource = "folder" // a scanner's hot folder
	SourceBulk   DocumentSource = "bulk"   // a bulk-import manifest
)

// Valid reports whether s is one of the sources above.
func (s DocumentSource) Valid() bool {
	switch s {
	case SourceWeb, SourceAPI, SourceFolder, SourceBulk:
		return true
	}
	return false
}

// Document is one file of a dossier. Its bytes live in the blob store under
// BlobKey (the lowercase hex SHA-256 of the bytes); a dossier holds a given
// blob at most once, while the same blob may belong to several dossiers.
type Document struct {
	ID            int64          `json:"id"`
	DossierCode   string         `json:"dossier_code"`
	BlobKey       string         `json:"sha256"`
	Size          int64          `json:"size"`
	FileName      string         `json:"file_name"`
	MediaType     string         `json:"media_type"`
	Role          DocumentRole   `json:"role"`
	ComponentName string         `json:"component_name,omitempty"`
	Source        DocumentSource `json:"source"`
	UploadedBy    string         `json:"uploaded_by"`
	// ReusedFrom is the document of an earlier dossier this one was
	// attached from by reference (reuse.go); 0 for a file received here.
	ReusedFrom int64     `json:"reused_from,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// ValidateBlobKey checks a blob key: 64 lowercase hex digits.
func ValidateBlobKey(key string) error { return CheckBlobKey(key) }

// Validate checks a document before it is created.
func (d *Document) Validate() error {
	if err := ValidateDossierCode(d.DossierCode); err != nil {
		return err
	}
	if err := ValidateBlobKey(d.BlobKey); err != nil {
		return err
	}
	if d.Size < 0 {
		return invalidf("document size %d is negative", d.Size)
	}
	name, err := validateText("file name", d.FileName, MaxNameLen, true, false)
	if err != nil {
		return err
	}
	if strings.ContainsAny(name, `/\`) {
		return invalidf("file name %q contains a path separator", name)
	}
	d.FileName = name
	if err := validateMediaType(d.MediaType); err != nil {
		return err
	}
	if !d.Role.Valid() {
		return invalidf("unknown document role %q (want component, result or report)", d.Role)
	}
	if d.ComponentName, err = validateText("component name", d.ComponentName, MaxNameLen, false, false); err != nil {
		return err
	}
	if !d.Source.Valid() {
		return invalidf("unknown document source %q (want web, api, folder or bulk)", d.Source)
	}
	if d.UploadedBy, err = validateText("uploaded_by", d.UploadedBy, MaxNameLen, true, false); err != nil {
		return err
	}
	if d.ReusedFrom < 0 {
		return invalidf("reused_from %d is negative", d.ReusedFrom)
	}
	return nil
}

// validateMediaType accepts "type/subtype" with optional parameters, in
// printable ASCII.
func validateMediaType(mt string) error {
	if mt == "" || len(mt) > 255 {
		return invalidf("media type %.40q is empty or too long", mt)
	}
	for i := 0; i < len(mt); i++ {
		if mt[i] < 0x20 || mt[i] > 0x7e {
			return invalidf("media type %q is not printable ASCII", mt)
		}
	}
	base, _, _ := strings.Cut(mt, ";")
	typ, sub, ok := strings.Cut(strings.TrimSpace(base), "/")
	if !ok || typ == "" || sub == "" || strings.ContainsAny(typ+sub, " /") {
		return invalidf("media type %q is not type/subtype", mt)
	}
	return nil
}

// DocumentFilter selects documents; zero fields do not filter. Results are
// ordered by ID (the order they were recorded).
type DocumentFilter struct {
	Scope       Scope
	DossierCode string
	BlobKey     string
	Role        DocumentRole
	AfterID     int64 // keyset pagination: IDs greater than this
	Limit       int
}

// Validate checks the filter and returns the page size to use.
func (f *DocumentFilter) Validate() (int, error) {
	if err := f.Scope.Validate(); err != nil {
		return 0, err
	}
	if f.DossierCode != "" {
		if err := ValidateDossierCode(f.DossierCode); err != nil {
			return 0, err
		}
	}
	if f.BlobKey != "" {
		if err := ValidateBlobKey(f.BlobKey); err != nil {
			return 0, err
		}
	}
	if f.Role != "" && !f.Role.Valid() {
		return 0, invalidf("unknown document role %q", f.Role)
	}
	return pageLimit(f.Limit)
}

// DocumentService manages dossiers' files.
type DocumentService interface {
	// CreateDocument records a document and sets its ID and CreatedAt. A
	// second document with the same blob in the same dossier is ECONFLICT
	// (FindDocumentByBlob returns the first), and that conflict leaves a
	// transaction usable, so the caller can go on to find the first; an
	// unknown dossier is EINVALID. It claims the blob key against the
	// garbage collector (BlobGCService.ClaimBlob) in the same
	// transaction, so it fails with a *BlobGCLockedError (also ECONFLICT,
	// test with errors.As first) while a collector holds the key's lock;
	// the caller then checks that the blob is still stored before it
	// commits (BlobGCService tells why).
	CreateDocument(ctx context.Context, d *Document) error
	FindDocumentByID(ctx context.Context, id int64) (*Document, error)
	// FindDocumentByBlob finds the document holding blobKey in a dossier.
	FindDocumentByBlob(ctx context.Context, dossierCode, blobKey string) (*Document, error)
	FindDocuments(ctx context.Context, f DocumentFilter) ([]*Document, error)
	// ForEachBlobKey calls fn once for every distinct blob key documents
	// refer to, in key order, with the size recorded for it; fsck uses it.
	// Documents are the only catalog rows that refer to blobs (reports
	// refer to documents); LockBlobForGC checks the same rows.
	// An error from fn stops the walk and is returned.
	ForEachBlobKey(ctx context.Context, fn func(key string, size int64) error) error
}
