package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"os"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify"
)

// verifyOutput is the JSON `sohoa verify --json` prints
// (docs/verify-report.md), here for the one file sent.
type verifyOutput struct {
	Schema string           `json:"schema"`
	Files  []*verify.Report `json:"files"`
}

const verifySchema = "sohoa.verify/v1"

// handleVerify verifies the signatures of a PDF sent as the raw body or
// as the multipart part named file, without storing it: the bytes are
// spooled to a temporary file (the verifier reads at random offsets) that
// is removed before the answer. A file that cannot be read as a PDF is
// answered like the CLI reports it: a report with error set.
func (s *server) handleVerify(w http.ResponseWriter, r *http.Request) {
	rep, err := s.verifyRequest(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, verifyOutput{Schema: verifySchema, Files: []*verify.Report{rep}})
}

// verifyRequest verifies the file a request carries without storing it:
// the API's POST /api/v1/verify and the page /kiem-tra-chu-ky share it.
func (s *server) verifyRequest(w http.ResponseWriter, r *http.Request) (*verify.Report, error) {
	v := s.cfg.API.Verifier
	if v == nil {
		return nil, sohoa.Errorf(sohoa.EINTERNAL, "ad-hoc verification: the server has no verifier")
	}
	limit := s.cfg.API.MaxVerifyBytes
	if r.ContentLength > limit+multipartSlack {
		return nil, tooLarge(limit)
	}
	s.keepReading(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, limit+multipartSlack)
	body, name, err := verifyBody(r)
	if err != nil {
		return nil, err
	}
	rep, err := s.verifySpooled(r.Context(), v, body, limit)
	if err != nil {
		return nil, err
	}
	rep.File = safeFileName(name)
	return rep, nil
}

// verifyBody finds the file in the request: the multipart part named
// file, or the raw body (its name from ?filename=).
func verifyBody(r *http.Request) (io.Reader, string, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		return r.Body, r.URL.Query().Get("filename"), nil
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", sohoa.Errorf(sohoa.EINVALID, "malformed multipart body: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, "", sohoa.Errorf(sohoa.EINVALID, "the multipart body has no part named file")
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return nil, "", tooLarge(mbe.Limit - multipartSlack)
			}
			return nil, "", sohoa.Errorf(sohoa.EINVALID, "malformed multipart body")
		}
		if part.FormName() == "file" {
			return part, part.FileName(), nil
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(part, maxFieldBytes))
	}
}

func (s *server) verifySpooled(ctx context.Context, v Verifier, body io.Reader, limit int64) (*verify.Report, error) {
	f, err := os.CreateTemp(s.cfg.API.TempDir, "sohoa-verify-*")
	if err != nil {
		return nil, err
	}
	defer func() {
		f.Close()
		os.Remove(f.Name())
	}()
	cr := &capReader{r: body, left: limit}
	n, err := io.Copy(f, cr)
	if err != nil {
		var mbe *http.MaxBytesError
		if cr.over || errors.As(err, &mbe) {
			return nil, tooLarge(limit)
		}
		return nil, sohoa.Wrapf(err, sohoa.EINVALID, "the file could not be read from the request")
	}
	if n == 0 {
		return nil, sohoa.Errorf(sohoa.EINVALID, "the request holds no file")
	}
	rep, err := v.Verify(ctx, f, n)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return &verify.Report{Size: n, Error: err.Error()}, nil
	}
	return rep, nil
}
