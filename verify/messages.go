package verify

import (
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/verify/internal/changes"
)

// The verifier's message catalogue: the unreadable file, every ETSI EN
// 319 102-1 sub-indication the verifier emits (code etsi.<name in lower
// case>, see SubIndication.Code) and, registered by the change analysis
// beside the code that emits them, the change reasons (change.*).
var messages = map[sohoa.ReasonCode]sohoa.Translation{
	ReasonUnreadable: {
		VI: "Không đọc được tệp dưới dạng PDF hoặc CMS: {detail}",
		EN: "cannot be read as a PDF or CMS: {detail}"},

	FormatFailure.Code(): {
		VI: "Chữ ký hoặc tệp không đúng định dạng, không thể xử lý",
		EN: "the signature or the file does not conform to its format and cannot be processed"},
	HashFailure.Code(): {
		VI: "Nội dung đã ký bị thay đổi sau khi ký (giá trị băm không khớp)",
		EN: "the signed content was changed after signing (the digest does not match)"},
	SigCryptoFailure.Code(): {
		VI: "Giá trị chữ ký không hợp lệ với khóa của người ký",
		EN: "the signature value does not verify with the signer's key"},
	Revoked.Code(): {
		VI: "Chứng thư số của người ký đã bị thu hồi",
		EN: "the signer's certificate has been revoked"},
	Expired.Code(): {
		VI: "Chứng thư số đã hết hạn tại thời điểm kiểm tra",
		EN: "the certificate had expired at the validation time"},
	NotYetValid.Code(): {
		VI: "Chứng thư số chưa có hiệu lực tại thời điểm kiểm tra",
		EN: "the certificate was not yet valid at the validation time"},
	NoCertificateChainFound.Code(): {
		VI: "Không xây dựng được chuỗi chứng thư đến một chứng thư gốc tin cậy",
		EN: "no certificate path to a trusted root was found"},
	TryLater.Code(): {
		VI: "Chưa có thông tin trạng thái thu hồi của chứng thư số; cần kiểm tra lại sau",
		EN: "the certificate's revocation status is not available yet; check again later"},
	CryptoConstraintsFailure.Code(): {
		VI: "Thuật toán hoặc khóa không được hỗ trợ hoặc không kiểm tra được",
		EN: "an algorithm or key that cannot be checked or is not supported"},
	CryptoConstraintsFailureNoPOE.Code(): {
		VI: "Thuật toán hoặc khóa quá yếu theo chính sách và không có bằng chứng tồn tại trước thời hạn ngừng sử dụng",
		EN: "an algorithm or key too weak under the policy, with no proof of existence before its sunset date"},
	OutOfBoundsNoPOE.Code(): {
		VI: "Chứng thư số ngoài thời hạn hiệu lực và không có bằng chứng tồn tại trong thời hạn",
		EN: "the certificate is outside its validity period and no proof of existence within it was found"},
	RevokedNoPOE.Code(): {
		VI: "Chứng thư số đã bị thu hồi và không có bằng chứng chữ ký được tạo trước thời điểm thu hồi",
		EN: "the certificate was revoked and no proof shows the signature was made before"},
	ChainConstraintsFailure.Code(): {
		VI: "Chuỗi chứng thư không đáp ứng ràng buộc (mục đích sử dụng khóa, ràng buộc cơ bản)",
		EN: "the certificate path does not meet its constraints (key usage, basic constraints)"},
	SigConstraintsFailure.Code(): {
		VI: "Định dạng chữ ký không được hỗ trợ hoặc không đáp ứng ràng buộc",
		EN: "the signature format is not supported or does not meet the constraints"},
	SignedDataNotFound.Code(): {
		VI: "Không đọc được dữ liệu đã ký",
		EN: "the signed data cannot be read"},
	NoSigningCertificateFound.Code(): {
		VI: "Không tìm thấy chứng thư số của người ký",
		EN: "the signer's certificate was not found"},
	DisallowedChanges.Code(): {
		VI: "Tài liệu bị sửa đổi sau khi ký theo cách chữ ký không cho phép",
		EN: "the document was changed after signing in a way the signature does not permit"},
	NoSignature.Code(): {
		VI: "Tệp không có chữ ký số",
		EN: "the file holds no signature"},
}

// subIndications lists every sub-indication the verifier emits.
var subIndications = []SubIndication{
	FormatFailure, HashFailure, SigCryptoFailure, Revoked, Expired, NotYetValid,
	NoCertificateChainFound, TryLater, CryptoConstraintsFailure, CryptoConstraintsFailureNoPOE,
	OutOfBoundsNoPOE, RevokedNoPOE, ChainConstraintsFailure, SigConstraintsFailure,
	SignedDataNotFound, NoSigningCertificateFound, DisallowedChanges, NoSignature,
}

// Code is the sub-indication's reason code: etsi.<name in lower case>
// ("etsi.format_failure"); "" for no sub-indication.
func (s SubIndication) Code() sohoa.ReasonCode {
	if s == NoSubIndication {
		return ""
	}
	return sohoa.ReasonCode("etsi." + strings.ToLower(string(s)))
}

// ReasonCodes lists every code the verifier and its change analysis emit.
func ReasonCodes() []sohoa.ReasonCode {
	out := []sohoa.ReasonCode{ReasonUnreadable}
	for _, s := range subIndications {
		out = append(out, s.Code())
	}
	for _, i := range infrastructures {
		out = append(out, i.Code())
	}
	out = append(out, ReasonUnknownVNRoot)
	return append(out, changes.Codes()...)
}

func init() {
	sohoa.RegisterMessages(messages)
	sohoa.RegisterMessages(changes.Messages)
}
