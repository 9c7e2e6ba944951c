package web

import (
	"bufio"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

// multipartSlack is what a multipart body may hold beyond the file: the
// boundaries and the text fields.
const multipartSlack = 1 << 20

// uploadResult is the answer of POST /api/v1/dossiers/{code}/documents.
type uploadResult struct {
	Document *sohoa.Document `json:"document"`
	// Duplicate: the dossier already held these bytes; Document is that
	// document and nothing new runs.
	Duplicate bool   `json:"duplicate"`
	StatusURL string `json:"status_url"`
}

// uploadFields are the upload's metadata, from multipart fields or the
// query string.
type uploadFields struct {
	role      string
	component string
	filename  string
}

// handleUploadDocument stores a file into a dossier through the pipeline,
// streaming: multipart/form-data with the fields role, component (and
// optionally filename) before a part named file, or the file as the raw
// body with ?role=&component=&filename=. The type is decided by the
// content (a PDF, or 415), never by the name; the name is metadata only
// (blobs are named by their SHA-256). Answers 202 with the document's
// status URL while inspection and verification run in the background.
func (s *server) handleUploadDocument(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" { // attach by reference (api_reuse.go)
		s.handleReuseDocument(w, r)
		return
	}
	ctx := r.Context()
	d, err := s.dossierInScope(ctx, r.PathValue("code"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	limit := s.cfg.API.MaxUploadBytes
	if r.ContentLength > limit+multipartSlack {
		s.apiError(w, r, tooLarge(limit))
		return
	}
	s.keepReading(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartSlack)
	var res *pipeline.IngestResult
	if mt == "multipart/form-data" {
		res, err = s.uploadMultipart(ctx, r, d, limit)
	} else {
		q := r.URL.Query()
		for k := range q {
			if k != "role" && k != "component" && k != "filename" {
				s.apiError(w, r, sohoa.Errorf(sohoa.EINVALID, "unknown query parameter %.40q", k))
				return
			}
		}
		f := uploadFields{role: q.Get("role"), component: q.Get("component"), filename: q.Get("filename")}
		res, err = s.ingest(ctx, d, f, r.Body, limit)
	}
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = tooLarge(limit)
		}
		s.apiError(w, r, err)
		return
	}
	statusURL := "/api/v1/documents/" + strconv.FormatInt(res.Document.ID, 10)
	w.Header().Set("Location", statusURL)
	status := http.StatusAccepted
	if res.Duplicate {
		status = http.StatusOK
	}
	writeJSON(w, status, uploadResult{Document: res.Document, Duplicate: res.Duplicate, StatusURL: statusURL})
}

// uploadMultipart reads the text fields up to the part named file and
// ingests that part as it arrives; parts after it are not read.
func (s *server) uploadMultipart(ctx context.Context, r *http.Request, d *sohoa.Dossier, limit int64) (*pipeline.IngestResult, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, sohoa.Errorf(sohoa.EINVALID, "malformed multipart body: %v", err)
	}
	var f uploadFields
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, sohoa.Errorf(sohoa.EINVALID, "the multipart body has no part named file")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, err
			}
			return nil, sohoa.Errorf(sohoa.EINVALID, "malformed multipart body")
		}
		name := part.FormName()
		if name == "file" {
			if f.filename == "" {
				f.filename = part.FileName()
			}
			res, err := s.ingest(ctx, d, f, part, limit)
			part.Close()
			return res, err
		}
		b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
		part.Close()
		if err != nil {
			return nil, sohoa.Errorf(sohoa.EINVALID, "malformed multipart body")
		}
		if len(b) > maxFieldBytes {
			return nil, sohoa.Errorf(sohoa.EINVALID, "field %.40q is longer than %d bytes", name, maxFieldBytes)
		}
		switch name {
		case "role":
			f.role = string(b)
		case "component":
			f.component = string(b)
		case "filename":
			f.filename = string(b)
		default:
			return nil, sohoa.Errorf(sohoa.EINVALID, "unknown field %.40q (want role, component, filename, then file)", name)
		}
	}
}

// errTooLarge is the body's error past the upload limit.
var errTooLarge = errors.New("upload larger than the limit")

// capReader reads at most left bytes and fails (over) when more come.
type capReader struct {
	r    io.Reader
	left int64
	over bool
}

func (c *capReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		var one [1]byte
		n, err := c.r.Read(one[:])
		if n > 0 {
			c.over = true
			return 0, errTooLarge
		}
		return 0, err
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// ingest checks that body is a PDF by its first bytes and streams it into
// the pipeline.
func (s *server) ingest(ctx context.Context, d *sohoa.Dossier, f uploadFields, body io.Reader, limit int64) (*pipeline.IngestResult, error) {
	role := sohoa.DocumentRole(strings.TrimSpace(f.role))
	if role == "" {
		role = sohoa.RoleComponent
	}
	if !role.Valid() {
		return nil, sohoa.Errorf(sohoa.EINVALID, "unknown role %.40q (want component, result or report)", f.role)
	}
	name := safeFileName(f.filename)
	if name == "" {
		name = "document.pdf"
	}
	cr := &capReader{r: body, left: limit}
	br := bufio.NewReaderSize(cr, 64<<10)
	isPDF, err := sniffPDF(br)
	if err != nil {
		return nil, s.uploadErr(cr, limit, err)
	}
	if !isPDF {
		return nil, unsupportedType("the file is not a PDF (its content has no %%PDF- header); only PDF files are accepted")
	}
	p := principalFrom(ctx)
	res, err := s.cfg.Pipeline.Ingest(ctx, pipeline.IngestRequest{
		DossierCode: d.Code,
		Role:        role,
		Component:   strings.TrimSpace(f.component),
		FileName:    name,
		MediaType:   "application/pdf",
		Source:      sourceOf(p),
		UploadedBy:  p.Actor(),
		Body:        br,
	})
	if err != nil {
		return nil, s.uploadErr(cr, limit, err)
	}
	return res, nil
}

func (s *server) uploadErr(cr *capReader, limit int64, err error) error {
	var mbe *http.MaxBytesError
	if cr.over || errors.Is(err, errTooLarge) || errors.As(err, &mbe) {
		return tooLarge(limit)
	}
	return err
}

// documentInScope finds the document the principal may see: ENOTFOUND for
// one that does not exist or whose dossier is out of scope.
func (s *server) documentInScope(ctx context.Context, idText string) (*sohoa.Document, error) {
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return nil, sohoa.Errorf(sohoa.ENOTFOUND, "document %.30q not found", idText)
	}
	notFound := sohoa.Errorf(sohoa.ENOTFOUND, "document %d not found", id)
	doc, err := s.cfg.Catalog.FindDocumentByID(ctx, id)
	if sohoa.Code(err) == sohoa.ENOTFOUND {
		return nil, notFound
	} else if err != nil {
		return nil, err
	}
	if _, err := s.dossierInScope(ctx, doc.DossierCode); err != nil {
		if sohoa.Code(err) == sohoa.ENOTFOUND {
			return nil, notFound
		}
		return nil, err
	}
	return doc, nil
}

// handleGetDocument answers a document's metadata with its latest
// inspection and a summary of its latest verification (the full reports
// are under /verifications).
func (s *server) handleGetDocument(w http.ResponseWriter, r *http.Request) {
	doc, err := s.documentInScope(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sts, err := s.cfg.Pipeline.Documents(r.Context(), []int64{doc.ID})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(sts) != 1 {
		s.apiError(w, r, sohoa.Errorf(sohoa.EINTERNAL, "status of document %d: %d answers", doc.ID, len(sts)))
		return
	}
	st := sts[0]
	if st.Verification != nil {
		v := *st.Verification
		v.Report = nil
		st.Verification = &v
	}
	writeJSON(w, http.StatusOK, st)
}

// verificationList is the answer of GET /api/v1/documents/{id}/verifications.
type verificationList struct {
	Items []*sohoa.Verification `json:"items"`
}

// handleDocumentVerifications answers every verification run over the
// document, newest first, each with its full report.
func (s *server) handleDocumentVerifications(w http.ResponseWriter, r *http.Request) {
	doc, err := s.documentInScope(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	vs, err := s.cfg.Catalog.FindVerifications(r.Context(), doc.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if vs == nil {
		vs = []*sohoa.Verification{}
	}
	writeJSON(w, http.StatusOK, verificationList{Items: vs})
}

// handleDocumentContent streams the document's bytes from the blob store
// as an attachment (never rendered in the browser's origin), after
// auditing the download.
func (s *server) handleDocumentContent(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	doc, err := s.documentInScope(ctx, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	blob, err := s.cfg.Blobs.Open(ctx, doc.BlobKey)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer blob.Close()
	if err := s.cfg.Catalog.AppendAudit(ctx, &sohoa.AuditEntry{
		Actor: principalFrom(ctx).Actor(), Action: "document.download",
		Object:  "document:" + strconv.FormatInt(doc.ID, 10),
		Details: []byte(`{"dossier":` + strconv.Quote(doc.DossierCode) + `,"sha256":"` + doc.BlobKey + `"}`),
	}); err != nil {
		s.apiError(w, r, err)
		return
	}
	h := w.Header()
	ct := "application/octet-stream"
	if base, _, _ := strings.Cut(doc.MediaType, ";"); strings.TrimSpace(base) == "application/pdf" {
		ct = "application/pdf"
	}
	h.Set("Content-Type", ct)
	h.Set("Content-Disposition", contentDisposition(doc.FileName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-cache")
	h.Set("ETag", `"`+doc.BlobKey+`"`)
	http.ServeContent(w, r, "", doc.CreatedAt, blob)
}

// contentDisposition is an attachment header for name per RFC 6266: an
// ASCII filename for old clients (Vietnamese letters without their marks,
// đ as d) and the exact name as RFC 5987 filename*.
func contentDisposition(name string) string {
	if name == "" {
		name = "document"
	}
	return `attachment; filename="` + asciiFileName(name) + `"; filename*=UTF-8''` + rfc5987Encode(name)
}

// asciiFileName folds name to printable ASCII: letters lose their
// diacritics, anything else not safe in a quoted string becomes '_'.
func asciiFileName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		case r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// rfc5987Encode percent-encodes s's UTF-8 bytes except RFC 5987's
// attr-char.
func rfc5987Encode(s string) string {
	const attr = "!#$&+-.^_`|~"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attr, c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteString("%" + strings.ToUpper(strconv.FormatUint(uint64(c)|0x100, 16)[1:]))
		}
	}
	return b.String()
}
