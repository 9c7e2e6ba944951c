package web

import (
	"net/http"

	"github.com/sohoa/sohoa"
)

// Reason codes of the web layer's own refusals; their text, in both
// languages, is registered below.
const (
	reasonBadCredentials sohoa.ReasonCode = "auth.bad_credentials"
	reasonUserDisabled   sohoa.ReasonCode = "auth.user_disabled"
	reasonThrottled      sohoa.ReasonCode = "auth.throttled"
	reasonCSRFMissing    sohoa.ReasonCode = "auth.csrf_missing"
	reasonCSRFInvalid    sohoa.ReasonCode = "auth.csrf_invalid"
	reasonSignInForm     sohoa.ReasonCode = "auth.sign_in_form_expired"
	reasonSignInMissing  sohoa.ReasonCode = "auth.sign_in_incomplete"
	reasonNotSignedIn    sohoa.ReasonCode = "auth.not_signed_in"
	reasonForbidden      sohoa.ReasonCode = "http.forbidden"
	reasonNotFound       sohoa.ReasonCode = "http.not_found"
	reasonBadRequest     sohoa.ReasonCode = "http.bad_request"
	reasonConflict       sohoa.ReasonCode = "http.conflict"
	reasonInternal       sohoa.ReasonCode = "http.internal"
	reasonSessionEnded   sohoa.ReasonCode = "auth.session_ended"
	reasonTooLarge       sohoa.ReasonCode = "http.too_large"
	reasonUnsupported    sohoa.ReasonCode = "http.unsupported_type"
	reasonTimeout        sohoa.ReasonCode = "http.request_timeout"
	reasonURITooLong     sohoa.ReasonCode = "http.uri_too_long"
	reasonHeadersTooBig  sohoa.ReasonCode = "http.headers_too_large"
)

func init() {
	sohoa.RegisterMessages(map[sohoa.ReasonCode]sohoa.Translation{
		reasonBadCredentials: {VI: "Sai tên đăng nhập hoặc mật khẩu.", EN: "Wrong username or password."},
		reasonUserDisabled:   {VI: "Tài khoản này đã bị khóa; hãy liên hệ quản trị viên.", EN: "This account is disabled; ask an administrator."},
		reasonThrottled: {
			VI: "Đăng nhập sai quá nhiều lần. Vì an toàn, hãy thử lại sau {minutes} phút.",
			EN: "Too many failed sign-ins. For safety, try again in {minutes} minutes.",
		},
		reasonCSRFMissing: {
			VI: "Yêu cầu thiếu mã chống giả mạo (CSRF) nên đã bị từ chối. Hãy tải lại trang rồi thử lại.",
			EN: "The request carries no CSRF token, so it was refused. Reload the page and try again.",
		},
		reasonCSRFInvalid: {
			VI: "Mã chống giả mạo (CSRF) không đúng hoặc đã cũ nên yêu cầu đã bị từ chối. Hãy tải lại trang rồi thử lại.",
			EN: "The CSRF token is wrong or out of date, so the request was refused. Reload the page and try again.",
		},
		reasonSignInForm: {
			VI: "Biểu mẫu đăng nhập đã cũ. Hãy nhập lại tên đăng nhập và mật khẩu.",
			EN: "The sign-in form had expired. Enter your username and password again.",
		},
		reasonSignInMissing: {VI: "Hãy nhập tên đăng nhập và mật khẩu.", EN: "Enter your username and password."},
		reasonNotSignedIn:   {VI: "Bạn chưa đăng nhập hoặc phiên làm việc đã hết hạn; hãy đăng nhập lại.", EN: "You are not signed in, or your session has ended; sign in again."},
		reasonForbidden:     {VI: "Bạn không có quyền thực hiện việc này.", EN: "You may not do this."},
		reasonNotFound:      {VI: "Không tìm thấy.", EN: "Not found."},
		reasonBadRequest:    {VI: "Yêu cầu không hợp lệ.", EN: "The request is not valid."},
		reasonConflict:      {VI: "Xung đột với dữ liệu hiện có.", EN: "This conflicts with what is already recorded."},
		reasonInternal:      {VI: "Lỗi hệ thống; hãy thử lại sau ít phút.", EN: "Internal error; try again in a few minutes."},
		reasonSessionEnded: {
			VI: "Phiên làm việc đã hết hạn (do lâu không thao tác hoặc đã quá thời gian cho phép). Hãy đăng nhập lại.",
			EN: "Your session has ended (unused for too long, or past its lifetime). Sign in again.",
		},
		reasonTooLarge: {
			VI: "Tệp quá lớn: mỗi tệp tối đa {limit}. Không có gì được lưu.",
			EN: "The file is too large: at most {limit} per file. Nothing was stored.",
		},
		reasonUnsupported: {
			VI: "Loại tệp không được chấp nhận: chỉ nhận tệp PDF (loại tệp được xác định theo nội dung, không theo tên tệp). Không có gì được lưu.",
			EN: "This type of file is not accepted: only PDF files are (the type is decided by the content, not the name). Nothing was stored.",
		},
		reasonTimeout: {
			VI: "Dữ liệu gửi lên quá chậm hoặc bị ngắt quãng nên yêu cầu đã bị hủy. Không có gì được lưu; hãy kiểm tra kết nối mạng rồi thử lại.",
			EN: "The request's data arrived too slowly or stopped, so the request was abandoned. Nothing was stored; check the connection and try again.",
		},
		reasonURITooLong: {
			VI: "Địa chỉ (URL) quá dài: tối đa {limit} byte. Hãy rút ngắn điều kiện tìm kiếm.",
			EN: "The address (URL) is too long: at most {limit} bytes. Shorten the search.",
		},
		reasonHeadersTooBig: {
			VI: "Phần đầu (header) của yêu cầu quá lớn: tối đa {limit} byte. Hãy xóa cookie của trang này rồi thử lại.",
			EN: "The request's headers are too large: at most {limit} bytes. Clear this site's cookies and try again.",
		},
	})
}

// reasonForCode is the page text for an error code when there is no
// more specific reason.
func reasonForCode(code sohoa.ErrorCode) sohoa.ReasonCode {
	switch code {
	case sohoa.EUNAUTHORIZED:
		return reasonNotSignedIn
	case sohoa.EFORBIDDEN:
		return reasonForbidden
	case sohoa.ENOTFOUND:
		return reasonNotFound
	case sohoa.EINVALID:
		return reasonBadRequest
	case sohoa.ECONFLICT:
		return reasonConflict
	}
	return reasonInternal
}

// reasonForStatus is the page text for a status the error code alone
// does not say (413, 415, 408); "" for the others.
func reasonForStatus(status int) sohoa.ReasonCode {
	switch status {
	case http.StatusRequestEntityTooLarge:
		return reasonTooLarge
	case http.StatusUnsupportedMediaType:
		return reasonUnsupported
	case http.StatusRequestTimeout:
		return reasonTimeout
	}
	return ""
}
