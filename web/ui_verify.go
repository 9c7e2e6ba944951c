package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/sohoa/sohoa"
)

// handleVerifyPage is GET /kiem-tra-chu-ky: the form to check the
// signatures of any file, for every signed-in user.
func (s *server) handleVerifyPage(w http.ResponseWriter, r *http.Request) {
	s.renderVerify(w, r, http.StatusOK, reportData{AdHoc: true, None: true})
}

// handleVerifyForm is POST /kiem-tra-chu-ky: the file is verified exactly
// as POST /api/v1/verify does (spooled to a temporary file removed before
// the answer, nothing stored) and its report shown as on the report page.
// What cannot be verified comes back to the form with the reason in the
// reader's language.
func (s *server) handleVerifyForm(w http.ResponseWriter, r *http.Request) {
	lang := pageLang(r)
	t := uiStrings[lang]
	rep, err := s.verifyRequest(w, r)
	if err != nil {
		var se *statusError
		switch {
		case errors.As(err, &se) && se.status == http.StatusRequestEntityTooLarge:
			mb := strconv.FormatInt(s.cfg.API.MaxVerifyBytes>>20, 10)
			s.renderVerify(w, r, se.status, reportData{AdHoc: true, None: true,
				Error: sohoa.NewReason(reasonVerifyTooLarge, "mb", mb).Text(lang)})
		case sohoa.Code(err) == sohoa.EINVALID:
			s.renderVerify(w, r, http.StatusBadRequest, reportData{AdHoc: true, None: true, Error: t["v_choose"]})
		default:
			s.pageError(w, r, err)
		}
		return
	}
	data := reportData{AdHoc: true, FileName: rep.File}
	if rep.Error != "" {
		// Not a PDF (or CMS) the verifier can read: say so, in words, and
		// leave the reader's technical detail to the JSON API.
		data.None = true
		data.Error = sohoa.NewReason(reasonVerifyUnreadable, "file", rep.File).Text(lang)
		s.renderVerify(w, r, http.StatusUnprocessableEntity, data)
		return
	}
	fillReport(&data, rep, lang)
	s.renderVerify(w, r, http.StatusOK, data)
}

func (s *server) renderVerify(w http.ResponseWriter, r *http.Request, status int, data reportData) {
	s.renderPage(w, r, status, "verify", s.page(r, "verify", data))
}

const (
	reasonVerifyTooLarge   sohoa.ReasonCode = "ui.verify_too_large"  // mb
	reasonVerifyUnreadable sohoa.ReasonCode = "ui.verify_unreadable" // file
)

func init() {
	sohoa.RegisterMessages(map[sohoa.ReasonCode]sohoa.Translation{
		reasonVerifyTooLarge: {
			VI: "Tệp lớn hơn giới hạn {mb} MB nên không được kiểm tra.",
			EN: "The file is larger than the limit of {mb} MB, so it was not checked.",
		},
		reasonVerifyUnreadable: {
			VI: "Tệp “{file}” không phải là tệp PDF đọc được nên không kiểm tra được chữ ký số. Hãy chọn đúng tệp PDF đã ký.",
			EN: "\"{file}\" is not a readable PDF, so its signatures cannot be checked. Choose the signed PDF file.",
		},
	})
}
