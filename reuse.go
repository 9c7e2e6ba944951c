package sohoa

import "strings"

// Reuse of digitized results (tái sử dụng kết quả số hóa). A dossier may
// name its applicant (Dossier.ApplicantID): a citizen's 12-digit identity
// card number (CCCD) or an organisation's tax code (MST: 10 digits, or 13
// as 10 digits, a dash and 3 digits for a branch). A required component of
// a dossier may then be satisfied by attaching, by reference, a document
// of an earlier dossier of the same applicant that is digitized (it passed
// inspection and its latest verification is TOTAL_PASSED: a certified
// copy or a validly signed born-digital file): the new document row holds
// the same blob (no new scan, no new bytes) and names the original in
// Document.ReusedFrom. The pipeline inspects and verifies it again like any
// new document, on the same bytes, so its facts are its own; the
// digitization rule then counts it like any other file.
//
// A dossier received in a period with at least one component document
// attached this way counts in the "reused" progress figure.

// MaxApplicantIDLen bounds an applicant identifier.
const MaxApplicantIDLen = 14

// ValidateApplicantID checks an applicant identifier: 12 digits (CCCD),
// 10 digits (MST) or 10 digits, a dash and 3 digits (a branch's MST). It
// returns the identifier trimmed.
func ValidateApplicantID(id string) (string, error) {
	id = strings.TrimSpace(id)
	digits := func(s string) bool {
		if s == "" {
			return false
		}
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	switch {
	case len(id) == 12 && digits(id), len(id) == 10 && digits(id):
		return id, nil
	case len(id) == 14 && id[10] == '-' && digits(id[:10]) && digits(id[11:]):
		return id, nil
	}
	return "", invalidf("applicant id %.40q is neither a 12-digit citizen ID (CCCD) nor a tax code (MST: 10 digits, or 10 digits-3 digits)", id)
}

// AuditDocumentReuse is the audit action of a document attached by
// reference (object "document:<id>"): AuditDocumentDetails, with
// reused_from (the original's ID) and from_dossier (its dossier).
const AuditDocumentReuse = "document.reuse"
