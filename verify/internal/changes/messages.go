package changes

import "github.com/sohoa/sohoa"

// Reason codes of the change analysis. Each ObjectChange carries, beside
// its English Reason, the coded reasons (Reasons) with the parameters
// object and revision (counted from 1) and the ones its message names;
// each note has its coded reason in Report.NoteReasons. A finding without
// a code of its own is change.allowed or change.disallowed, with the
// English text as detail.
const (
	// Allowed changes an auditor reads (the notes).
	CodeFormFieldFilled            sohoa.ReasonCode = "change.form_field_filled"
	CodeSignatureFieldSigned       sohoa.ReasonCode = "change.signature_field_signed"
	CodeDocTimestampAdded          sohoa.ReasonCode = "change.document_timestamp_added"
	CodeFieldFlagsSet              sohoa.ReasonCode = "change.field_flags_set"
	CodeSignatureFieldAdded        sohoa.ReasonCode = "change.signature_field_added"
	CodeVisibleSignatureFieldAdded sohoa.ReasonCode = "change.visible_signature_field_added"
	CodeDocTimestampFieldAdded     sohoa.ReasonCode = "change.document_timestamp_field_added"
	CodeVisibleDocTimestampField   sohoa.ReasonCode = "change.visible_document_timestamp_field_added"
	CodeUnsignedFieldWithAppear    sohoa.ReasonCode = "change.unsigned_signature_field_with_appearance"
	CodeAnnotationAdded            sohoa.ReasonCode = "change.annotation_added"
	CodeAnnotationModified         sohoa.ReasonCode = "change.annotation_modified"
	CodeInfoUpdated                sohoa.ReasonCode = "change.info_updated"
	CodeMetadataUpdated            sohoa.ReasonCode = "change.metadata_updated"
	CodeAllowed                    sohoa.ReasonCode = "change.allowed"

	// Disallowed changes.
	CodePageModified         sohoa.ReasonCode = "change.page_modified"
	CodeSignedObjectChanged  sohoa.ReasonCode = "change.signed_object_changed"
	CodeFormFieldAdded       sohoa.ReasonCode = "change.form_field_added"
	CodeFormFieldRemoved     sohoa.ReasonCode = "change.form_field_removed"
	CodeFormFieldChanged     sohoa.ReasonCode = "change.form_field_changed"
	CodeFieldLocked          sohoa.ReasonCode = "change.field_locked"
	CodeSignatureFieldLocked sohoa.ReasonCode = "change.signature_field_locked"
	CodeSignedFieldChanged   sohoa.ReasonCode = "change.signed_field_changed"
	CodeObjectDeleted        sohoa.ReasonCode = "change.object_deleted"
	CodeObjectNumberReused   sohoa.ReasonCode = "change.object_number_reused"
	CodeGenerationReplaced   sohoa.ReasonCode = "change.generation_replaced"
	CodeShadowObject         sohoa.ReasonCode = "change.shadow_object"
	CodeHiddenObject         sohoa.ReasonCode = "change.hidden_object"
	CodeUnreadableObject     sohoa.ReasonCode = "change.unreadable_object"
	CodeDanglingReference    sohoa.ReasonCode = "change.dangling_reference_filled"
	CodePartOfDisallowed     sohoa.ReasonCode = "change.part_of_disallowed_change"
	CodeNoChangesPermitted   sohoa.ReasonCode = "change.no_changes_permitted"
	CodeAnnotationsNeedP3    sohoa.ReasonCode = "change.annotations_need_docmdp_3"
	CodeP2NoAnnotations      sohoa.ReasonCode = "change.docmdp_2_no_annotations"
	CodeNotPermitted         sohoa.ReasonCode = "change.not_permitted"
	CodeDisallowed           sohoa.ReasonCode = "change.disallowed"
)

// Messages is the catalogue of the codes above. The English text is what
// the analysis writes in its Reason strings (for field names without
// quotes or control characters, which those strings quote Go-style).
var Messages = map[sohoa.ReasonCode]sohoa.Translation{
	CodeFormFieldFilled: {
		VI: `Trường biểu mẫu "{field}" đã được điền`,
		EN: `form field "{field}" filled`},
	CodeSignatureFieldSigned: {
		VI: `Trường chữ ký "{field}" đã được ký`,
		EN: `signature field "{field}" signed`},
	CodeDocTimestampAdded: {
		VI: `Dấu thời gian tài liệu được thêm vào trường chữ ký "{field}"`,
		EN: `document timestamp added to signature field "{field}"`},
	CodeFieldFlagsSet: {
		VI: `Trường "{field}": cờ thuộc tính do ứng dụng ký thiết lập`,
		EN: `field "{field}": flags set by a signing application`},
	CodeSignatureFieldAdded: {
		VI: `Thêm trường chữ ký mới "{field}"`,
		EN: `new signature field "{field}"`},
	CodeVisibleSignatureFieldAdded: {
		VI: `Thêm trường chữ ký mới (hiển thị) "{field}"`,
		EN: `new signature field (visible) "{field}"`},
	CodeDocTimestampFieldAdded: {
		VI: `Thêm trường dấu thời gian tài liệu mới "{field}"`,
		EN: `new document timestamp field "{field}"`},
	CodeVisibleDocTimestampField: {
		VI: `Thêm trường dấu thời gian tài liệu mới (hiển thị) "{field}"`,
		EN: `new document timestamp field (visible) "{field}"`},
	CodeUnsignedFieldWithAppear: {
		VI: `Thêm trường chữ ký chưa ký có hình hiển thị "{field}"`,
		EN: `new unsigned signature field with an appearance "{field}"`},
	CodeAnnotationAdded: {
		VI: `Thêm chú thích /{subtype} (đối tượng {annotation})`,
		EN: `/{subtype} annotation {annotation} added`},
	CodeAnnotationModified: {
		VI: `Chú thích bị sửa đổi ({keys})`,
		EN: `annotation modified ({keys})`},
	CodeInfoUpdated: {
		VI: `Cập nhật từ điển thông tin tài liệu (/Info)`,
		EN: `document information dictionary (/Info) updated`},
	CodeMetadataUpdated: {
		VI: `Cập nhật luồng siêu dữ liệu XMP`,
		EN: `XMP metadata stream redefined in place`},
	CodeAllowed: {
		VI: `Thay đổi được phép: {detail}`,
		EN: `{detail}`},

	CodePageModified: {
		VI: `Trang (đối tượng {object}) bị sửa đổi sau khi ký ở bản sửa đổi {revision}: {keys}`,
		EN: `page (object {object}) modified after signing in revision {revision}: {keys}`},
	CodeSignedObjectChanged: {
		VI: `Đối tượng {object} của bản đã ký bị thay đổi ở bản sửa đổi {revision}`,
		EN: `object {object} of the signed revision changed in revision {revision}`},
	CodeFormFieldAdded: {
		VI: `Trường biểu mẫu mới "{field}" (kiểu /{type}) được thêm sau khi ký; chỉ được phép thêm trường chữ ký`,
		EN: `new form field "{field}" (type /{type}) added after signing; only signature fields may be added`},
	CodeFormFieldRemoved: {
		VI: `Trường "{field}" bị xóa khỏi biểu mẫu`,
		EN: `field "{field}" removed from the form`},
	CodeFormFieldChanged: {
		VI: `Trường "{field}": {keys} bị thay đổi (điền biểu mẫu chỉ được thay đổi /V, /RV, /AS, /AP, /DA, /Q và /MK)`,
		EN: `field "{field}": {keys} changed (form filling may change only /V, /RV, /AS, /AP, /DA, /Q and /MK)`},
	CodeFieldLocked: {
		VI: `Trường "{field}" bị khóa bởi FieldMDP nhưng đã bị thay đổi ({keys})`,
		EN: `field "{field}" is locked by FieldMDP and was changed ({keys})`},
	CodeSignatureFieldLocked: {
		VI: `Trường chữ ký "{field}" bị khóa bởi FieldMDP nên không được ký`,
		EN: `signature field "{field}" is locked by a FieldMDP lock and cannot be signed`},
	CodeSignedFieldChanged: {
		VI: `Trường chữ ký "{field}" đã được ký trước đó nhưng bị thay đổi ({keys})`,
		EN: `signature field "{field}" was already signed and changed ({keys})`},
	CodeObjectDeleted: {
		VI: `Đối tượng {object} của bản đã ký bị xóa ở bản sửa đổi {revision}`,
		EN: `object {object} of the signed revision deleted in revision {revision}`},
	CodeObjectNumberReused: {
		VI: `Số hiệu đối tượng {object} của bản đã ký bị giải phóng rồi dùng lại cho đối tượng khác`,
		EN: `object number {object} of the signed revision freed and reused for another object`},
	CodeGenerationReplaced: {
		VI: `Đối tượng {object} của bản đã ký bị thay bằng thế hệ {generation}`,
		EN: `object {object} of the signed revision replaced by generation {generation}`},
	CodeShadowObject: {
		VI: `Đối tượng {object} được định nghĩa lại từ phần dữ liệu đã ký bằng một phiên bản khác (đối tượng bóng)`,
		EN: `object {object} redefined from the signed bytes with another version of it (a shadow object)`},
	CodeHiddenObject: {
		VI: `Đối tượng {object} không tồn tại khi ký nhưng bản sửa đổi {revision} lấy nó từ phần dữ liệu đã ký (đối tượng ẩn bị làm hiện ra)`,
		EN: `object {object} did not exist at signing; revision {revision} defines it from the signed bytes (a hidden object made visible)`},
	CodeUnreadableObject: {
		VI: `Không đọc được đối tượng {object} được thêm ở bản sửa đổi {revision}`,
		EN: `object {object} added in revision {revision} cannot be read`},
	CodeDanglingReference: {
		VI: `Số hiệu đối tượng {object} chưa được định nghĩa khi ký nhưng tài liệu đã ký tham chiếu đến; bản sửa đổi {revision} định nghĩa nó, đưa một đối tượng ẩn vào tài liệu đã ký`,
		EN: `object number {object} was undefined at signing but referred to by the signed document; revision {revision} defines it, so a hidden object becomes part of the signed document`},
	CodePartOfDisallowed: {
		VI: `Đối tượng mới được thêm vào cùng thay đổi không được phép ở đối tượng {root}`,
		EN: `new object referenced by the disallowed change of object {root}`},
	CodeNoChangesPermitted: {
		VI: `Chữ ký chứng nhận không cho phép bất kỳ thay đổi nào (DocMDP P=1)`,
		EN: `the certification signature permits no changes (DocMDP P=1)`},
	CodeAnnotationsNeedP3: {
		VI: `Chỉ được thêm chú thích khi có chữ ký chứng nhận với DocMDP P=3; chữ ký phê duyệt không cho phép chú thích`,
		EN: `annotations need a certification signature with DocMDP P=3; an approval signature alone permits none`},
	CodeP2NoAnnotations: {
		VI: `DocMDP P=2 cho phép điền biểu mẫu và ký, không cho phép chú thích`,
		EN: `DocMDP P=2 permits form filling and signing, not annotations`},
	CodeNotPermitted: {
		VI: `Thay đổi không được quyền hạn của chữ ký cho phép: {detail}`,
		EN: `{detail}`},
	CodeDisallowed: {
		VI: `Thay đổi không được phép: {detail}`,
		EN: `{detail}`},
}

// Codes lists every code the analysis can emit.
func Codes() []sohoa.ReasonCode {
	out := make([]sohoa.ReasonCode, 0, len(Messages))
	for c := range Messages {
		out = append(out, c)
	}
	return out
}

func init() { sohoa.RegisterMessages(Messages) }
