package inspect

import "github.com/sohoa/sohoa"

// Reason codes of the findings Inspect emits, with the parameters each
// message takes. They are stored with every finding and never change
// meaning; the texts are registered below, in Vietnamese (the default) and
// English. A finding's Message is its English text as the inspector has
// always written it (with singular and plural forms, and the colour depth
// in words), which the English catalogue text follows.
const (
	// readable
	CodeFileEmpty            sohoa.ReasonCode = "scan.file_empty"
	CodeFileTooLarge         sohoa.ReasonCode = "scan.file_too_large"   // size, max
	CodeNotPDF               sohoa.ReasonCode = "scan.not_pdf"          // detail
	CodeNotPDFFile           sohoa.ReasonCode = "scan.not_pdf_file"     // type (a media type: the file is not a PDF at all)
	CodeReaderFailed         sohoa.ReasonCode = "scan.reader_failed"    // detail
	CodeInspectorFailed      sohoa.ReasonCode = "scan.inspector_failed" // detail
	CodeHeaderVersionUnknown sohoa.ReasonCode = "scan.header_version_unknown"
	CodePagesUnreadable      sohoa.ReasonCode = "scan.pages_unreadable"  // detail
	CodePageTreeDamaged      sohoa.ReasonCode = "scan.page_tree_damaged" // detail, count
	CodeContentDamaged       sohoa.ReasonCode = "scan.content_damaged"   // pages, detail
	CodeContentTooComplex    sohoa.ReasonCode = "scan.content_too_complex"
	CodeReadable             sohoa.ReasonCode = "scan.readable"
	// encryption
	CodePasswordProtected     sohoa.ReasonCode = "scan.password_protected"
	CodeEncryptionUnsupported sohoa.ReasonCode = "scan.encryption_unsupported" // detail
	CodeEncrypted             sohoa.ReasonCode = "scan.encrypted"
	CodeNotEncrypted          sohoa.ReasonCode = "scan.not_encrypted"
	// pdf_version
	CodeVersionUnknown sohoa.ReasonCode = "scan.version_unknown"
	CodeVersionOld     sohoa.ReasonCode = "scan.version_old" // version, min
	CodeVersionOK      sohoa.ReasonCode = "scan.version_ok"  // version
	// pages
	CodeNoPages      sohoa.ReasonCode = "scan.no_pages"
	CodeTooManyPages sohoa.ReasonCode = "scan.too_many_pages" // count, max
	CodePagesOK      sohoa.ReasonCode = "scan.pages_ok"       // count
	// resolution
	CodeResolutionNotChecked sohoa.ReasonCode = "scan.resolution_not_checked"
	CodeResolutionLow        sohoa.ReasonCode = "scan.resolution_low"         // page, dpi, min
	CodeResolutionLowAssumed sohoa.ReasonCode = "scan.resolution_low_assumed" // page, dpi, min
	CodeResolutionLowMore    sohoa.ReasonCode = "scan.resolution_low_more"    // count, min, pages
	CodeResolutionOK         sohoa.ReasonCode = "scan.resolution_ok"          // scanned, min, dpi, page
	CodeResolutionOKPartly   sohoa.ReasonCode = "scan.resolution_ok_partly"   // scanned, min, dpi, page, unchecked
	// color
	CodeColorNotChecked  sohoa.ReasonCode = "scan.color_not_checked"
	CodeColorUnknown     sohoa.ReasonCode = "scan.color_unknown"      // page
	CodeColorMissing     sohoa.ReasonCode = "scan.color_missing"      // page, bits, min
	CodeColorDepthLow    sohoa.ReasonCode = "scan.color_depth_low"    // page, bits, min
	CodeColorLowMore     sohoa.ReasonCode = "scan.color_low_more"     // count, min, pages
	CodeColorOK          sohoa.ReasonCode = "scan.color_ok"           // scanned, min
	CodeColorNotRequired sohoa.ReasonCode = "scan.color_not_required" // colour, grey, bw, unknown
	CodeColorAdvised     sohoa.ReasonCode = "scan.color_advised"      // colour, grey, bw, unknown
	// text_layer
	CodeTextLayerOK             sohoa.ReasonCode = "scan.text_layer_ok"
	CodeNoTextLayer             sohoa.ReasonCode = "scan.no_text_layer"
	CodeNoTextLayerAllowed      sohoa.ReasonCode = "scan.no_text_layer_allowed"
	CodeTextLayerPartial        sohoa.ReasonCode = "scan.text_layer_partial"         // pages
	CodeTextLayerPartialAllowed sohoa.ReasonCode = "scan.text_layer_partial_allowed" // with, total, pages
	// pdfa
	CodePDFAClaimed     sohoa.ReasonCode = "scan.pdfa_claimed" // level
	CodePDFAMissing     sohoa.ReasonCode = "scan.pdfa_missing"
	CodePDFANotRequired sohoa.ReasonCode = "scan.pdfa_not_required"
)

// messages is the inspector's part of the message catalogue. The
// Vietnamese is meant for a one-stop-shop clerk: plain words, what is wrong
// and what to do. {detail} is the reader's technical explanation, in
// English.
var messages = map[sohoa.ReasonCode]sohoa.Translation{
	CodeFileEmpty: {
		VI: "Tệp rỗng, không có nội dung; hãy quét hoặc tải tệp lên lại.",
		EN: "the file is empty; scan or upload it again",
	},
	CodeFileTooLarge: {
		VI: "Tệp có dung lượng {size}, vượt quá mức {max} mà chính sách này kiểm tra; hãy tách thành nhiều tệp nhỏ hơn hoặc nén bản quét.",
		EN: "the file is {size}, more than the {max} this policy inspects; split it into smaller documents or compress the scan",
	},
	CodeNotPDF: {
		VI: "Tệp không phải là tệp PDF đọc được ({detail}); hãy kiểm tra đúng là tệp PDF rồi lưu hoặc quét lại.",
		EN: "the file is not a readable PDF ({detail}); check that it is a PDF and save or scan it again",
	},
	CodeNotPDFFile: {
		VI: "Tệp không phải là tệp PDF ({type}); hãy quét hoặc xuất tài liệu ra PDF rồi tải lên lại.",
		EN: "the file is not a PDF ({type}); scan or export the document to PDF and upload it again",
	},
	CodeReaderFailed: {
		VI: "Tệp bị hỏng, không đọc được cấu trúc PDF ({detail}); hãy mở tệp bằng phần mềm đọc PDF rồi lưu lại, hoặc quét lại.",
		EN: "the file is damaged: the PDF reader failed on it ({detail}); open it in a PDF reader and save or scan it again",
	},
	CodeInspectorFailed: {
		VI: "Không kiểm tra được cấu trúc của tệp này ({detail}); hãy mở tệp bằng phần mềm đọc PDF rồi lưu hoặc xuất lại.",
		EN: "the inspector failed on this file's structure ({detail}); open it in a PDF reader and save or export it again",
	},
	CodeHeaderVersionUnknown: {
		VI: "Phần đầu tệp ghi một phiên bản PDF không xác định; hãy lưu hoặc quét lại dưới dạng PDF từ 1.4 đến 2.0.",
		EN: "the file has an unknown PDF version in its header; save or scan it again as PDF 1.4 to 2.0",
	},
	CodePagesUnreadable: {
		VI: "Không đọc được các trang của tệp ({detail}); hãy mở tệp bằng phần mềm đọc PDF rồi lưu lại, hoặc quét lại.",
		EN: "the file's pages cannot be read ({detail}); open it in a PDF reader and save or scan it again",
	},
	CodePageTreeDamaged: {
		VI: "Danh sách trang của tệp bị hỏng ({detail}), chỉ đọc được {count} trang; hãy mở tệp bằng phần mềm đọc PDF rồi lưu lại.",
		EN: "the file's page list is damaged ({detail}); only {count} pages could be read: open it in a PDF reader and save it again",
	},
	CodeContentDamaged: {
		VI: "Trang {pages}: không đọc được toàn bộ nội dung ({detail}); hãy kiểm tra các trang này có hiển thị đúng không.",
		EN: "pages {pages}: the content could not be fully decoded ({detail}); check that these pages display correctly",
	},
	CodeContentTooComplex: {
		VI: "Nội dung tệp quá phức tạp để kiểm tra hết; các trang phía sau chỉ được kiểm tra một phần.",
		EN: "the file's content is too complex to check completely; later pages were checked only in part",
	},
	CodeReadable: {
		VI: "Tệp PDF đọc được.",
		EN: "the file is a readable PDF",
	},
	CodePasswordProtected: {
		VI: "Tệp có đặt mật khẩu; hãy quét lại mà không đặt mật khẩu.",
		EN: "the file is password-protected; scan it again without a password",
	},
	CodeEncryptionUnsupported: {
		VI: "Tệp được mã hóa theo cách không mở được ({detail}); hãy quét hoặc lưu lại mà không đặt mật khẩu hay chế độ bảo mật.",
		EN: "the file is encrypted in a way that cannot be opened ({detail}); scan or save it again without a password or security settings",
	},
	CodeEncrypted: {
		VI: "Tệp được mã hóa (mở được không cần mật khẩu nhưng có giới hạn bảo mật); hãy lưu hoặc quét lại mà không đặt chế độ bảo mật.",
		EN: "the file is encrypted (it opens without a password but carries security restrictions); save or scan it again without security settings",
	},
	CodeNotEncrypted: {
		VI: "Tệp không bị mã hóa.",
		EN: "the file is not encrypted",
	},
	CodeVersionUnknown: {
		VI: "Không xác định được phiên bản PDF của tệp.",
		EN: "the PDF version could not be determined",
	},
	CodeVersionOld: {
		VI: "Tệp là PDF phiên bản {version}, cũ hơn phiên bản tối thiểu {min}; hãy lưu hoặc quét lại dưới dạng PDF {min} trở lên.",
		EN: "PDF version {version} is older than the required {min}; save or scan it again as PDF {min} or later",
	},
	CodeVersionOK: {
		VI: "Tệp là PDF phiên bản {version}.",
		EN: "PDF version {version}",
	},
	CodeNoPages: {
		VI: "Tài liệu không có trang nào; hãy quét lại.",
		EN: "the document has no pages; scan it again",
	},
	CodeTooManyPages: {
		VI: "Tài liệu có {count} trang, nhiều hơn mức {max} trang mà chính sách này cho phép trong một tệp; hãy tách tài liệu thành nhiều tệp.",
		EN: "{count} pages, more than the {max} this policy expects in one file; split the document",
	},
	CodePagesOK: {
		VI: "Tài liệu có {count} trang.",
		EN: "{count} pages",
	},
	CodeResolutionNotChecked: {
		VI: "Không có trang nào là ảnh quét nên không kiểm tra độ phân giải.",
		EN: "no page is a scanned image; resolution was not checked",
	},
	CodeResolutionLow: {
		VI: "Trang {page} quét ở {dpi} dpi, thấp hơn mức tối thiểu {min} dpi; hãy quét lại ở {min} dpi trở lên.",
		EN: "page {page}: {dpi} dpi, needs {min}; scan it again at {min} dpi or more",
	},
	CodeResolutionLowAssumed: {
		VI: "Trang {page} quét ở khoảng {dpi} dpi (tính theo giả định ảnh quét phủ kín trang), thấp hơn mức tối thiểu {min} dpi; hãy quét lại ở {min} dpi trở lên.",
		EN: "page {page}: {dpi} dpi, needs {min} (assuming the scan fills the page); scan it again at {min} dpi or more",
	},
	CodeResolutionLowMore: {
		VI: "Còn {count} trang nữa quét dưới {min} dpi: trang {pages}.",
		EN: "{count} more pages are below {min} dpi: {pages}",
	},
	CodeResolutionOK: {
		VI: "Cả {scanned} trang quét đều đạt {min} dpi trở lên (thấp nhất: {dpi} dpi, ở trang {page}).",
		EN: "all {scanned} scanned pages are at {min} dpi or more (lowest: {dpi} dpi, page {page})",
	},
	CodeResolutionOKPartly: {
		VI: "Cả {scanned} trang quét đều đạt {min} dpi trở lên (thấp nhất: {dpi} dpi, ở trang {page}); trang {unchecked} không phải ảnh quét nên không kiểm tra.",
		EN: "all {scanned} scanned pages are at {min} dpi or more (lowest: {dpi} dpi, page {page}); pages {unchecked} are not scanned and not checked",
	},
	CodeColorNotChecked: {
		VI: "Không có trang nào là ảnh quét nên không kiểm tra màu.",
		EN: "no page is a scanned image; colour was not checked",
	},
	CodeColorUnknown: {
		VI: "Trang {page}: không xác định được chế độ màu của ảnh quét; hãy kiểm tra trang này đã được quét màu chưa.",
		EN: "page {page}: colour depth unknown; check that it was scanned in colour",
	},
	CodeColorMissing: {
		VI: "Trang {page} được quét đen trắng hoặc thang xám ({bits} bit), trong khi chính sách yêu cầu ảnh màu {min} bit; hãy quét lại trang này ở chế độ màu.",
		EN: "page {page}: {bits}-bit greyscale or black-and-white, the policy requires {min}-bit colour; scan it again in colour",
	},
	CodeColorDepthLow: {
		VI: "Trang {page} được quét màu {bits} bit, trong khi chính sách yêu cầu màu {min} bit; hãy quét lại trang này ở chế độ màu {min} bit.",
		EN: "page {page}: {bits}-bit colour, the policy requires {min}-bit colour; scan it again in {min}-bit colour",
	},
	CodeColorLowMore: {
		VI: "Còn {count} trang nữa không đạt màu {min} bit: trang {pages}.",
		EN: "{count} more pages are not in {min}-bit colour: {pages}",
	},
	CodeColorOK: {
		VI: "Cả {scanned} trang quét đều là ảnh màu từ {min} bit trở lên.",
		EN: "all {scanned} scanned pages are in colour of {min} bits or more",
	},
	CodeColorNotRequired: {
		VI: "Trang quét: {colour} trang màu, {grey} trang thang xám, {bw} trang đen trắng, {unknown} trang không rõ chế độ màu; chính sách này không yêu cầu ảnh màu.",
		EN: "scanned pages: {colour} in colour, {grey} greyscale, {bw} black-and-white, {unknown} of unknown colour depth; colour is not required by this policy",
	},
	CodeColorAdvised: {
		VI: "Trang quét: {colour} trang màu, {grey} trang thang xám, {bw} trang đen trắng, {unknown} trang không rõ chế độ màu; Nghị định 30/2020/NĐ-CP yêu cầu ảnh màu: nên quét lại các trang thang xám, đen trắng ở chế độ màu.",
		EN: "scanned pages: {colour} in colour, {grey} greyscale, {bw} black-and-white, {unknown} of unknown colour depth; Decree 30/2020 asks for colour images: scan the greyscale and black-and-white pages again in colour",
	},
	CodeTextLayerOK: {
		VI: "Tài liệu có lớp chữ (đã nhận dạng ký tự OCR).",
		EN: "the document has a text layer",
	},
	CodeNoTextLayer: {
		VI: "Tài liệu chưa có lớp chữ: hãy chạy nhận dạng ký tự (OCR) để tìm kiếm được nội dung.",
		EN: "no text layer: run OCR so the document is searchable",
	},
	CodeNoTextLayerAllowed: {
		VI: "Tài liệu chưa có lớp chữ (chính sách này không yêu cầu).",
		EN: "no text layer (not required by this policy)",
	},
	CodeTextLayerPartial: {
		VI: "Trang {pages} được quét mà chưa có lớp chữ: hãy chạy nhận dạng ký tự (OCR) cho các trang này để tìm kiếm được toàn bộ tài liệu.",
		EN: "pages {pages} are scanned without a text layer: run OCR on them so the whole document is searchable",
	},
	CodeTextLayerPartialAllowed: {
		VI: "Có lớp chữ trên {with} trong {total} trang; trang {pages} được quét mà chưa có lớp chữ (chính sách này không yêu cầu).",
		EN: "text layer on {with} of {total} pages; pages {pages} are scanned without one (not required by this policy)",
	},
	CodePDFAClaimed: {
		VI: "Tệp ghi là theo chuẩn PDF/A-{level} (chưa kiểm tra việc tuân thủ chuẩn).",
		EN: "claims PDF/A-{level} (conformance is not validated)",
	},
	CodePDFAMissing: {
		VI: "Tệp không theo chuẩn PDF/A; hãy lưu dưới dạng PDF/A (ví dụ PDF/A-2b) để lưu trữ lâu dài.",
		EN: "does not claim PDF/A; save it as PDF/A (for example PDF/A-2b) for long-term archiving",
	},
	CodePDFANotRequired: {
		VI: "Tệp không theo chuẩn PDF/A (chính sách này không yêu cầu).",
		EN: "does not claim PDF/A (not required by this policy)",
	},
}

func init() { sohoa.RegisterMessages(messages) }
