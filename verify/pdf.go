package verify

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/pdfraw"
	"github.com/sohoa/sohoa/verify/internal/changes"
)

// Bounds on what one PDF may make the verifier do; a file beyond them gets
// a verdict naming the bound, never unbounded work.
const (
	maxSignatures       = 256      // signature fields examined per file
	maxFieldVisits      = 100_000  // form field dictionaries visited over all revisions
	maxFieldDepth       = 32       // /Kids nesting
	maxContentsBytes    = 1 << 20  // a signature's /Contents (DER) after hex decoding
	maxDSSItem          = 4 << 20  // one decoded /DSS certificate, CRL or OCSP stream
	maxDSSTotal         = 32 << 20 // all /DSS streams together
	maxDSSItems         = 2_000    // /DSS entries read
	maxTrailingEOLBytes = 1024     // whitespace tolerated after a revision's %%EOF
)

// Verify verifies every signature of the PDF read from r. A file that is
// not a readable PDF (not a PDF, truncated beyond use, or
// password-protected without any signature sohoa can find) is a verdict
// too: TOTAL_FAILED/FORMAT_FAILURE with Report.Error and the reason
// file.unreadable (see Unreadable). Errors are left for what says nothing
// about the file: the context ending, or reading r failing.
//
// Encrypted files the empty password opens (owner-password "permissions
// only" protection) are verified like any other. In a file that needs a
// password, or uses a security handler sohoa does not implement, each
// signature found is checked as far as the raw bytes allow (byte range,
// CMS, certificates) but what the document says cannot be read, so a
// signature that passes those checks is INDETERMINATE/SIGNED_DATA_NOT_FOUND
// with the reason; tampering they reveal is still TOTAL_FAILED. A file
// whose cross-reference data had to be rebuilt says so (Report.Repaired)
// and is analysed on the rebuilt revisions.
func (v *Verifier) Verify(ctx context.Context, r io.ReaderAt, size int64) (rep *Report, err error) {
	ctx = v.withFetchBudget(ctx)
	defer func() {
		if p := recover(); p != nil {
			v.log.Error("panic while verifying", "panic", p, "stack", string(debug.Stack()))
			rep, err = v.UnreadableReport("pdf", size, fmt.Sprintf("internal error while reading the file: %v", p)), nil
		}
	}()
	if mr, done := readSmall(r, size); mr != nil {
		defer done()
		r = mr
	}
	f, err := pdfraw.Open(r, size, pdfraw.Limits{})
	if err != nil {
		if !formatError(err) {
			return nil, fmt.Errorf("verify: %w", err)
		}
		return v.UnreadableReport("pdf", size, err.Error()), nil
	}
	rep = v.newReport("pdf", size)
	rep.Revisions = len(f.Sections())
	for _, s := range f.Sections() {
		rep.Repaired = rep.Repaired || s.Repaired
	}
	enc := f.Encryption()
	locked := enc != nil && !enc.Decrypted
	if enc != nil {
		rep.Encryption = &EncryptionReport{Handler: string(enc.Filter), Algorithm: enc.Algorithm, KeyBits: enc.KeyBits,
			V: enc.V, R: enc.R, Permissions: enc.P, Decrypted: enc.Decrypted, Reason: enc.Reason}
	}

	fields, problems := collectSignatureFields(f)
	rep.Problems = append(rep.Problems, problems...)
	if locked {
		for _, fld := range fields {
			fld.name = "(name encrypted, signature " + fld.key + ")"
		}
	}
	ev, evProblems := readDSS(f)
	rep.Problems = append(rep.Problems, evProblems...)
	for _, fld := range fields {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if fld.sig == nil {
			rep.UnsignedFields = append(rep.UnsignedFields, fld.name)
			continue
		}
		sr := v.verifyPDFSignature(ctx, f, fld, ev, locked)
		rep.Signatures = append(rep.Signatures, sr)
	}
	if locked && len(rep.Signatures) == 0 {
		if !hasSignatureDictionary(f) {
			return v.UnreadableReport("pdf", size, fmt.Sprintf("the file is encrypted and %s; it has no signature sohoa can find", lockedReason(enc))), nil
		}
		rep.Problems = append(rep.Problems, fmt.Sprintf("the file is encrypted and %s: it holds a signature whose field cannot be read", lockedReason(enc)))
	}
	if tail := unsignedTail(f); tail != "" {
		rep.Problems = append(rep.Problems, tail)
		for i := range rep.Signatures {
			rep.Signatures[i].Warnings = append(rep.Signatures[i].Warnings, tail)
		}
	}
	// Anomalies grow as objects are read (repeated keys): take them last.
	rep.Problems = append(f.Anomalies(), rep.Problems...)
	assignDocTimestampLevels(rep)
	rep.finish()
	if locked && len(rep.Signatures) == 0 && rep.SubIndication == NoSignature && hasSignatureDictionary(f) {
		rep.SubIndication = SignedDataNotFound
		rep.Summary = "signed, but the file is encrypted and " + lockedReason(enc)
	}
	return rep, nil
}

func lockedReason(enc *pdfraw.EncryptionInfo) string {
	if enc.Reason != "" {
		return enc.Reason
	}
	return "cannot be decrypted"
}

// hasSignatureDictionary reports whether the file's bytes hold a
// signature dictionary (a /ByteRange key), for encrypted files whose form
// sits in object streams sohoa cannot decrypt. A signature dictionary is
// never in an object stream: its /Contents offsets must be the file's.
func hasSignatureDictionary(f *pdfraw.File) bool {
	const chunk = 1 << 20
	pat := []byte("/ByteRange")
	buf := make([]byte, chunk+len(pat))
	for off := int64(0); off < f.Size(); off += chunk {
		n, _ := f.ReaderAt().ReadAt(buf, off)
		if n <= 0 {
			return false
		}
		if bytes.Contains(buf[:n], pat) {
			return true
		}
	}
	return false
}

func (v *Verifier) newReport(format string, size int64) *Report {
	return &Report{
		Format:             format,
		Size:               size,
		Signatures:         []SignatureReport{},
		UnsignedFields:     []string{},
		VerifiedAt:         v.now().UTC(),
		VerifierVersion:    Version,
		TrustAnchorsSHA256: v.anchorsSum,
	}
}

// finish derives the file's verdict from its signatures: any failure
// fails the file, any indeterminate signature makes it indeterminate, and
// a file without signatures is indeterminate (NO_SIGNATURE).
func (r *Report) finish() {
	r.Indication, r.SubIndication = TotalPassed, NoSubIndication
	if len(r.Signatures) == 0 {
		r.Indication, r.SubIndication = Indeterminate, NoSignature
		r.Summary = "no signature"
		if len(r.UnsignedFields) > 0 {
			r.Summary = fmt.Sprintf("no signature (%d unsigned signature field(s))", len(r.UnsignedFields))
		}
		return
	}
	var passed, failed, indet int
	for _, s := range r.Signatures {
		switch s.Indication {
		case TotalPassed:
			passed++
		case TotalFailed:
			failed++
			if r.Indication != TotalFailed {
				r.Indication, r.SubIndication = TotalFailed, s.SubIndication
			}
		default:
			indet++
			if r.Indication == TotalPassed {
				r.Indication, r.SubIndication = Indeterminate, s.SubIndication
			}
		}
	}
	r.Summary = fmt.Sprintf("%d signature(s): %d passed, %d failed, %d indeterminate", len(r.Signatures), passed, failed, indet)
}

// sigField is one signature field (or a signature reachable only from
// /Perms) with its value as seen by the latest revision that has it.
type sigField struct {
	name  string
	key   string // identity across revisions: the signature dictionary's object
	sig   pdfraw.Dict
	kind  SignatureKind
	found int // latest revision the field was found in
}

// collectSignatureFields finds every signature field in every revision
// (so a signature whose field a later revision removed is still reported),
// plus signatures referenced only from the catalog's /Perms.
func collectSignatureFields(f *pdfraw.File) ([]*sigField, []string) {
	var problems []string
	byKey := map[string]*sigField{}
	var order []*sigField
	visits := 0
	add := func(rev int, name string, key string, sig pdfraw.Dict, kind SignatureKind) {
		if sf, ok := byKey[key]; ok {
			sf.found = rev
			if sig != nil {
				sf.sig = sig
			}
			if name != "" {
				sf.name = name
			}
			if kind != "" {
				sf.kind = kind
			}
			return
		}
		if len(order) >= maxSignatures {
			return
		}
		sf := &sigField{name: name, key: key, sig: sig, kind: kind, found: rev}
		byKey[key] = sf
		order = append(order, sf)
	}
	last := len(f.Sections()) - 1
	for rev := 0; rev <= last; rev++ {
		root, err := f.Resolve(rev, f.Trailer(rev)["Root"])
		catalog, ok := root.(pdfraw.Dict)
		if err != nil || !ok {
			if rev == last {
				problems = append(problems, fmt.Sprintf("revision %d: document catalog (/Root) unreadable: %v", rev, errOr(err, "not a dictionary")))
			}
			continue
		}
		// Signatures referenced from /Perms: certification (DocMDP) and usage rights.
		if perms, _ := f.Resolve(rev, catalog["Perms"]); perms != nil {
			if pd, ok := perms.(pdfraw.Dict); ok {
				for name, kind := range map[pdfraw.Name]SignatureKind{"DocMDP": KindCertification, "UR3": KindUsageRights, "UR": KindUsageRights} {
					if ref, ok := pd[name].(pdfraw.Ref); ok {
						if d, _ := f.Resolve(rev, ref); d != nil {
							if sd, ok := d.(pdfraw.Dict); ok {
								add(rev, "", refKey(ref), sd, kind)
							}
						}
					}
				}
			}
		}
		af, _ := f.Resolve(rev, catalog["AcroForm"])
		acro, ok := af.(pdfraw.Dict)
		if !ok {
			continue
		}
		fieldsObj, _ := f.Resolve(rev, acro["Fields"])
		fieldsArr, _ := fieldsObj.(pdfraw.Array)
		seen := map[pdfraw.Ref]bool{}
		var walk func(o pdfraw.Object, parentName string, inheritedFT pdfraw.Name, depth int)
		walk = func(o pdfraw.Object, parentName string, inheritedFT pdfraw.Name, depth int) {
			if depth > maxFieldDepth {
				problems = append(problems, fmt.Sprintf("revision %d: form fields nested deeper than %d; deeper fields not examined", rev, maxFieldDepth))
				return
			}
			visits++
			if visits > maxFieldVisits {
				return
			}
			ref, isRef := o.(pdfraw.Ref)
			if isRef {
				if seen[ref] {
					return // a /Kids loop or a field listed twice
				}
				seen[ref] = true
			}
			d, err := f.Resolve(rev, o)
			fd, ok := d.(pdfraw.Dict)
			if err != nil || !ok {
				return
			}
			name := parentName
			if t, ok := fd["T"].(pdfraw.String); ok {
				if name != "" {
					name += "."
				}
				name += decodeTextString(t.Bytes)
			}
			ft := inheritedFT
			if n, ok := fd["FT"].(pdfraw.Name); ok {
				ft = n
			}
			kidsObj, _ := f.Resolve(rev, fd["Kids"])
			kids, _ := kidsObj.(pdfraw.Array)
			// A field whose kids are only widgets is terminal; kids with /T are fields.
			hasFieldKids := false
			for _, k := range kids {
				if kd, _ := f.Resolve(rev, k); kd != nil {
					if kdd, ok := kd.(pdfraw.Dict); ok {
						if _, ok := kdd["T"]; ok {
							hasFieldKids = true
							break
						}
					}
				}
			}
			if hasFieldKids {
				for _, k := range kids {
					walk(k, name, ft, depth+1)
				}
				return
			}
			if ft != "Sig" {
				return
			}
			key := "field:" + name
			if isRef {
				key = "field:" + refKey(ref)
			}
			var sig pdfraw.Dict
			if vref, ok := fd["V"].(pdfraw.Ref); ok {
				key = refKey(vref)
				if vd, _ := f.Resolve(rev, vref); vd != nil {
					sig, _ = vd.(pdfraw.Dict)
				}
			} else if vd, ok := fd["V"].(pdfraw.Dict); ok {
				sig = vd
			}
			add(rev, name, key, sig, "")
		}
		for _, fo := range fieldsArr {
			walk(fo, "", "", 0)
		}
	}
	if visits > maxFieldVisits {
		problems = append(problems, fmt.Sprintf("more than %d form field visits; remaining fields not examined", maxFieldVisits))
	}
	if len(order) >= maxSignatures {
		problems = append(problems, fmt.Sprintf("more than %d signatures; only the first %d are verified", maxSignatures, maxSignatures))
	}
	// A field that later revisions no longer show keeps its signature: the
	// removal is reported by the change analysis of that signature.
	for _, sf := range order {
		if sf.name == "" {
			sf.name = "(" + sf.key + ")"
		}
		if sf.found < last && sf.sig != nil {
			sf.name += fmt.Sprintf(" [field absent after revision %d]", sf.found)
		}
	}
	return order, problems
}

func refKey(r pdfraw.Ref) string { return fmt.Sprintf("%d %d", r.Num, r.Gen) }

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// decodeTextString decodes a PDF text string (UTF-16BE with BOM, UTF-8
// with BOM, or PDFDocEncoding, approximated by Latin-1).
func decodeTextString(b []byte) string {
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16Decode(u))
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return strings.ToValidUTF8(string(b[3:]), "\uFFFD")
	default:
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
}

// verifyPDFSignature checks one signature; a panic in any check fails that
// signature only, never the process or the other signatures.
func (v *Verifier) verifyPDFSignature(ctx context.Context, f *pdfraw.File, fld *sigField, ev evidence, locked bool) (sr SignatureReport) {
	sr = SignatureReport{Field: fld.name, Kind: KindApproval, Indication: TotalPassed, revision: -1}
	defer func() {
		if p := recover(); p != nil {
			v.log.Error("panic while verifying a signature", "field", fld.name, "panic", p, "stack", string(debug.Stack()))
			sr.degrade(TotalFailed, FormatFailure, fmt.Sprintf("internal error while verifying this signature: %v", p), true)
		}
	}()
	sig := fld.sig
	subFilter, _ := sig["SubFilter"].(pdfraw.Name)
	sr.SubFilter = string(subFilter)
	typ, _ := sig["Type"].(pdfraw.Name)
	switch {
	case fld.kind != "":
		sr.Kind = fld.kind
	case subFilter == "ETSI.RFC3161" || typ == "DocTimeStamp":
		sr.Kind = KindDocumentTimestamp
	}
	// In a file sohoa cannot decrypt these strings are ciphertext.
	if !locked {
		if s, ok := sig["Name"].(pdfraw.String); ok {
			sr.Name = decodeTextString(s.Bytes)
		}
		if s, ok := sig["Reason"].(pdfraw.String); ok {
			sr.Reason = decodeTextString(s.Bytes)
		}
		if s, ok := sig["Location"].(pdfraw.String); ok {
			sr.Location = decodeTextString(s.Bytes)
		}
		// The claimed time (/M) is set before the CMS checks so that a
		// signer who claims to have signed after a revocation is judged by
		// that claim; a signingTime attribute, when present, replaces it.
		if s, ok := sig["M"].(pdfraw.String); ok {
			if t, err := parsePDFDate(string(s.Bytes)); err == nil {
				sr.ClaimedSigningTime = &t
			}
		}
	}

	// A reader that takes the first of two values would check other bytes
	// or another signature value than sohoa, which takes the last.
	for _, d := range f.DuplicateKeys() {
		if strings.HasPrefix(d.Where, "object "+fld.key+" ") {
			switch d.Key {
			case "ByteRange", "Contents", "SubFilter", "Filter", "Cert":
				sr.degrade(TotalFailed, FormatFailure, fmt.Sprintf("the signature dictionary gives /%s twice with different values: readers disagree on what is signed", d.Key), true)
			}
		}
	}
	contents, _ := sig["Contents"].(pdfraw.String)
	br, ranges, brProblems := checkByteRange(f, sig, contents)
	sr.ByteRange = br
	if br != nil {
		sr.revision = br.Revision
	}
	if ranges == nil {
		// Nothing can be hashed: structural failure only.
		for _, p := range brProblems {
			sr.degrade(TotalFailed, FormatFailure, p, true)
		}
		if len(brProblems) == 0 {
			sr.degrade(TotalFailed, FormatFailure, "signature has no usable /ByteRange", true)
		}
		return sr
	}
	content := signedContent{r: f.ReaderAt(), ranges: ranges}
	der := contents.Bytes
	switch {
	case len(der) == 0 || allZero(der):
		sr.degrade(TotalFailed, FormatFailure, "signature value (/Contents) is empty", true)
	case len(der) > maxContentsBytes:
		sr.degrade(TotalFailed, FormatFailure, fmt.Sprintf("signature value (/Contents) is %d bytes, over the %d-byte bound", len(der), maxContentsBytes), true)
	default:
		switch subFilter {
		case "adbe.pkcs7.detached", "ETSI.CAdES.detached", "adbe.pkcs7.sha1":
			v.checkCMS(ctx, &sr, der, content, ev, string(subFilter))
		case "ETSI.RFC3161":
			sr.Kind = KindDocumentTimestamp
			v.checkDocTimestamp(ctx, &sr, der, content, ev)
		case "adbe.x509.rsa_sha1":
			v.checkX509RSASHA1(ctx, &sr, der, certStrings(f, sig["Cert"]), content, ev)
		default:
			// An unknown /SubFilter (PBAD.PAdES, a vendor's) or none at
			// all: INDETERMINATE/SIG_CONSTRAINTS_FAILURE (EN 319 102-1
			// Table 5: the signature does not match the validation
			// constraints, and sohoa's constraints are the SubFilters it
			// implements). Not FORMAT_FAILURE, a TOTAL_FAILED
			// sub-indication for a signature that does not conform to its
			// standard: an unknown format is not shown to be broken, and
			// ISO 32000-1 Table 252 makes /SubFilter optional, so its
			// absence is not malformed either. A CMS value is still checked
			// and tampering it shows stays TOTAL_FAILED.
			v.checkUnsupportedSubFilter(ctx, &sr, der, content, ev, string(subFilter))
		}
	}
	for _, p := range brProblems {
		sr.degrade(TotalFailed, FormatFailure, p, true)
	}
	switch {
	case locked && br.Revision >= 0 && encryptionChangedAfter(f, br.Revision):
		sr.degrade(TotalFailed, DisallowedChanges, "the file's encryption was added or replaced after signing", true)
	case locked:
		enc := f.Encryption()
		sr.degrade(Indeterminate, SignedDataNotFound, fmt.Sprintf("the file is encrypted (%s) and %s: the signed bytes and the signature were checked, but what the document says, and any change made after signing, cannot be read", enc.Algorithm, lockedReason(enc)), false)
	case br.Revision >= 0:
		v.checkChanges(f, &sr, fld, br.Revision)
	}
	if br.Revision >= 0 {
		repairHazards(f, &sr, br.Revision)
	}
	if rs := repairedFrom(f, br.Revision); rs != "" {
		sr.Warnings = append(sr.Warnings, "the file's cross-reference data was repaired: "+rs+"; the changes after signing were analysed on the rebuilt revisions")
	}
	sr.PAdESLevel = padesLevel(&sr)
	return sr
}

// checkChanges compares the signed revision with every later one.
func (v *Verifier) checkChanges(f *pdfraw.File, sr *SignatureReport, fld *sigField, signedRev int) {
	perms, err := changes.ReadPermissions(f, signedRev)
	if err != nil {
		sr.degrade(TotalFailed, FormatFailure, "cannot read the signature's modification permissions: "+err.Error(), true)
		return
	}
	if sr.Kind == KindCertification {
		sr.DocMDPPermissions = perms.DocMDP
	}
	if sr.Kind == KindUsageRights {
		perms = usageRightsPermissions(f, fld.sig, perms)
	}
	ch, err := changes.Analyze(f, signedRev, perms)
	if err != nil {
		sr.degrade(TotalFailed, DisallowedChanges, "changes after signing could not be analysed: "+err.Error(), true)
		return
	}
	sr.Changes = ch
	// A repeated key readers resolve differently (sohoa and qpdf take the
	// last value, others the first) in an object defined after signing:
	// the change analysis saw one document, some readers show another.
	if ch != nil {
		for _, d := range f.DuplicateKeys() {
			var num, gen uint32
			if _, err := fmt.Sscanf(d.Where, "object %d %d", &num, &gen); err != nil {
				continue
			}
			for j := signedRev + 1; j < len(f.Sections()); j++ {
				if _, ok := f.Sections()[j].Entries[num]; ok {
					reason := fmt.Sprintf("repeats /%s with different values (%s): readers disagree on which one counts", d.Key, d.Where)
					ch.Disallowed = append(ch.Disallowed, ObjectChange{Object: fmt.Sprintf("%d %d", num, gen), Revision: j, Kind: "unknown", Reason: reason,
						Reasons: []sohoa.Reason{sohoa.NewReason(changes.CodeDisallowed, "detail", reason, "object", fmt.Sprint(num), "revision", fmt.Sprint(j+1))}})
					break
				}
			}
		}
	}
	if ch == nil || len(ch.Disallowed) == 0 {
		return
	}
	const show = 20
	for i, c := range ch.Disallowed {
		if i == show {
			sr.degrade(TotalFailed, DisallowedChanges, fmt.Sprintf("… and %d more disallowed changes", len(ch.Disallowed)-show), true)
			break
		}
		sr.degrade(TotalFailed, DisallowedChanges, fmt.Sprintf("disallowed change after signing: object %s (%s) in revision %d: %s", c.Object, c.Kind, c.Revision, c.Reason), true)
	}
}

// degrade records a problem and lowers the indication when the new one is
// worse. With override, a structural finding replaces a cryptographic
// sub-indication of the same severity, because it explains the others.
func (sr *SignatureReport) degrade(ind Indication, sub SubIndication, problem string, override bool) {
	if problem != "" {
		sr.Problems = append(sr.Problems, problem)
	}
	cur, next := severity(sr.Indication), severity(ind)
	if next > cur || (override && next == cur && next > 0 && !sr.structural) {
		sr.Indication, sr.SubIndication = ind, sub
		sr.structural = override
	}
}

func severity(i Indication) int {
	switch i {
	case TotalFailed:
		return 2
	case Indeterminate:
		return 1
	default:
		return 0
	}
}

func allZero(b []byte) bool {
	return len(bytes.Trim(b, "\x00")) == 0
}

// certStrings returns the DER certificates of an adbe.x509.rsa_sha1
// signature's /Cert (a string or an array of strings).
func certStrings(f *pdfraw.File, o pdfraw.Object) [][]byte {
	last := len(f.Sections()) - 1
	o, _ = f.Resolve(last, o)
	switch c := o.(type) {
	case pdfraw.String:
		return [][]byte{c.Bytes}
	case pdfraw.Array:
		var out [][]byte
		for _, e := range c {
			if s, ok := e.(pdfraw.String); ok && len(out) < 64 {
				out = append(out, s.Bytes)
			}
		}
		return out
	}
	return nil
}

// usageRightsPermissions widens perms for a usage rights (UR3) signature:
// Adobe grants Reader users the features its /TransformParams list, and
// using them (filling the form, commenting, signing) keeps that signature
// valid by design. A certification signature's stricter DocMDP stays.
func usageRightsPermissions(f *pdfraw.File, sig pdfraw.Dict, perms changes.Permissions) changes.Permissions {
	if perms.DocMDP != 0 {
		return perms
	}
	last := len(f.Sections()) - 1
	refs, _ := f.Resolve(last, sig["Reference"])
	arr, _ := refs.(pdfraw.Array)
	perms.DocMDP = 2
	for _, e := range arr {
		ref, _ := f.Resolve(last, e)
		rd, _ := ref.(pdfraw.Dict)
		if m, _ := rd["TransformMethod"].(pdfraw.Name); m != "UR3" && m != "UR" {
			continue
		}
		tp, _ := f.Resolve(last, rd["TransformParams"])
		params, _ := tp.(pdfraw.Dict)
		annots, _ := f.Resolve(last, params["Annots"])
		if a, ok := annots.(pdfraw.Array); ok && len(a) > 0 {
			perms.DocMDP = 3
		}
	}
	return perms
}

// repairedFrom says which revisions from signedRev on had their
// cross-reference data rebuilt, or "".
func repairedFrom(f *pdfraw.File, signedRev int) string {
	var out []string
	for i, s := range f.Sections() {
		if s.Repaired && i >= signedRev {
			out = append(out, fmt.Sprintf("revision %d (%s)", i+1, s.Repair))
		}
	}
	return strings.Join(out, "; ")
}

// encryptionChangedAfter reports whether a revision after signedRev is
// encrypted otherwise than the signed one (revisions under the same
// /Encrypt dictionary and file identifier share one EncryptionInfo).
func encryptionChangedAfter(f *pdfraw.File, signedRev int) bool {
	secs := f.Sections()
	for _, s := range secs[signedRev+1:] {
		if s.Encryption != secs[signedRev].Encryption {
			return true
		}
	}
	return false
}

// repairHazards fails a signature of a damaged file where readers that
// rebuild the file would show something the change analysis (which keeps
// each revision to its own definitions) did not see: a second body of an
// object that an intact cross-reference section does not use (in the
// signed bytes: the signed document is ambiguous; after them: a hidden
// change), or object headers inside other objects' data in a revision
// after signing.
func repairHazards(f *pdfraw.File, sr *SignatureReport, signedRev int) {
	for i, s := range f.Sections() {
		if len(s.Shadows) > 0 {
			names := make([]string, 0, len(s.Shadows))
			for _, r := range s.Shadows {
				names = append(names, refKey(r))
			}
			what := strings.Join(names, ", ")
			if i <= signedRev {
				sr.degrade(TotalFailed, FormatFailure, fmt.Sprintf("the signed bytes define object(s) %s a second time (revision %d) where the cross-reference data does not point; the file is damaged, and readers that rebuild it show that second definition, not the one signed", what, i+1), true)
			} else {
				sr.degrade(TotalFailed, DisallowedChanges, fmt.Sprintf("revision %d defines object(s) %s a second time where its cross-reference data does not point; the file is damaged, and readers that rebuild it show that hidden change", i+1, what), true)
			}
		}
		if i > signedRev && s.NestedHeaders > 0 {
			sr.degrade(TotalFailed, DisallowedChanges, fmt.Sprintf("revision %d, added after signing to a damaged file, holds %d object header(s) inside other objects' data, which readers that rebuild the file may take for objects", i+1, s.NestedHeaders), true)
		}
	}
}

// unsignedTail describes bytes after the last revision's %%EOF that are
// not white space ("" when there are none): an update cut short (a scanner
// still writing), or anything appended without a cross-reference section.
// No signature covers them and no revision holds them, so nothing checks
// them; readers may still show them.
func unsignedTail(f *pdfraw.File) string {
	secs := f.Sections()
	end := secs[len(secs)-1].End
	if n := f.Size() - end; n > 0 && !(n <= maxTrailingEOLBytes && onlyWhitespace(f, end, f.Size())) {
		return fmt.Sprintf("%d bytes after the last %%%%EOF (from offset %d) belong to no revision: no signature covers them and nothing checked them (an update cut short, or data appended without a cross-reference section)", n, end)
	}
	return ""
}
