package testpdf

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	pdfread "github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/revocation"
	"github.com/digitorus/pdfsign/sign"

	"github.com/sohoa/sohoa/internal/testpki"
)

// Kind is the kind of PDF signature.
type Kind int

const (
	Approval      Kind = iota // an approval (recipient) signature; the default
	Certification             // a certification (author) signature with DocMDP
	DocTimestamp              // a document timestamp (ETSI.RFC3161); needs no signer
	// UsageRights is an Adobe usage rights (UR3) signature, as Acrobat
	// writes for Reader-extended forms: referenced only from the catalog's
	// /Perms /UR3, no field, a UR3 transform granting form filling and
	// commenting (native only).
	UsageRights
)

// Level is the PAdES baseline level to produce.
type Level int

const (
	LevelBB   Level = iota // signature only
	LevelBT                // + signature timestamp from the PKI's TSA
	LevelBLT               // + revocation data for the signer's chain, embedded
	LevelBLTA              // + a /DSS update with all validation data and a document timestamp
)

// Engine selects the signing code.
type Engine int

const (
	// EngineAuto uses pdfsign unless the options ask for something only the
	// native signer does (see Sign).
	EngineAuto Engine = iota
	// EnginePDFSign uses github.com/digitorus/pdfsign/sign.
	EnginePDFSign
	// EngineNative uses this package's signer (incremental update via
	// Append, CMS via digitorus/pkcs7).
	EngineNative
)

// RevocationMode says what B-LT embeds for the signer's chain.
type RevocationMode int

const (
	RevOCSPAndCRL RevocationMode = iota // OCSP for end entities, CRL for CAs (default)
	RevCRLOnly                          // CRLs for every certificate
	RevBoth                             // OCSP and CRL for end entities, CRL for CAs
)

// SubFilter values.
const (
	SubFilterPKCS7 = "adbe.pkcs7.detached"
	SubFilterCAdES = "ETSI.CAdES.detached"
)

// SignOptions shape a signature. Zero values mean the defaults.
type SignOptions struct {
	Kind   Kind
	DocMDP int // certification permission P: 1, 2 (default) or 3
	Level  Level
	Digest crypto.Hash // default SHA-256
	// SubFilter is SubFilterPKCS7 (default) or SubFilterCAdES (native only).
	SubFilter string
	Engine    Engine
	// Revocation and RevocationTime shape B-LT data: what is embedded, and
	// the thisUpdate of the OCSP responses and CRLs (default: the PKI clock).
	Revocation     RevocationMode
	RevocationTime time.Time
	// Visible draws the signature on Page (default 1) in Rect (default a
	// box near the bottom right corner).
	Visible bool
	Page    int
	Rect    [4]float64
	// FieldName signs the existing unsigned signature field with this name
	// (native only).
	FieldName                           string
	Name, Reason, Location, ContactInfo string
	// SigningTime is the claimed signing time /M (default: the PKI clock).
	// pdfsign writes /M only when no TSA is used.
	SigningTime time.Time

	// Native-only knobs for crafted signatures.

	// ByteRange, when set, computes the /ByteRange from the offsets of the
	// /Contents value ('<' at start, just after '>' at end) and the file
	// length; the CMS is made over exactly the bytes it describes, so the
	// signature is cryptographically valid but structurally whatever the
	// function makes it. The ranges may not include the /Contents value.
	ByteRange func(contentsStart, contentsEnd, fileLen int64) []int64
	// ByteRangeAfterContents writes /ByteRange after /Contents in the
	// signature dictionary, the layout a signature wrapping attack needs
	// (see SignatureWrapping), and leaves room before the xref section.
	ByteRangeAfterContents bool
	// ContentsSize is the /Contents placeholder size in bytes (default:
	// measured, plus slack).
	ContentsSize int
	// Tweak, when set, may change the signature's incremental update
	// before it is written, to imitate what other signing software writes
	// beside a signature (form defaults, structure tree entries, flags):
	// objs maps object numbers to the bodies the signer wrote (field,
	// widget, page, AcroForm, catalog) and takes more, next is the first
	// free object number, in the signed file.
	Tweak func(in []byte, objs map[int]string, next *int)
	// ReferenceData gives the signature reference dictionary a /Data entry
	// pointing at the catalog and a /DigestMethod, as Acrobat (FieldMDP)
	// and iText (DocMDP) write them; an approval signature then carries a
	// FieldMDP reference with /Action /All.
	ReferenceData bool
	// SigDictPrefix is written first in the signature dictionary, before
	// the entries the signer writes: a decoy for duplicate-key attacks
	// (spell its keys without a space before "[" or "<", so the signer's
	// own placeholders are still found).
	SigDictPrefix string
}

// Sign adds a signature to pdf and returns the new file; pdf's bytes are an
// unchanged prefix of the result.
//
// The signature is made with pdfsign (sign.Sign) unless o.Engine says
// otherwise or the options need the native signer, which is chosen when:
// o.SubFilter is ETSI.CAdES.detached; o.FieldName is set; o.Kind is
// Certification (pdfsign writes the DocMDP reference but no /Perms entry
// in the catalog, so the signature would not certify anything); the
// document has non-signature form fields (pdfsign rewrites /AcroForm with
// signature fields only, dropping them); or a crafted-signature knob is set.
//
// Levels: B-T adds a signature timestamp from the PKI's TSA (over HTTP for
// pdfsign, directly otherwise). B-LT embeds OCSP responses and CRLs for the
// signer's chain in the adbe-revocationInfoArchival attribute (pdfsign's
// RevocationFunction, fed from the PKI without HTTP), or, for CAdES, in a
// /DSS update. B-LTA is B-LT, then a /DSS update holding everything needed
// to validate the signature and its timestamp, then a document timestamp.
func Sign(t testpki.TB, pdf []byte, signer *testpki.Cert, pki *testpki.PKI, o SignOptions) []byte {
	t.Helper()
	if o.Digest == 0 {
		o.Digest = crypto.SHA256
	}
	if o.SubFilter == "" {
		o.SubFilter = SubFilterPKCS7
	}
	if o.Kind == Certification && o.DocMDP == 0 {
		o.DocMDP = 2
	}
	if o.Page == 0 {
		o.Page = 1
	}
	if o.Rect == ([4]float64{}) {
		o.Rect = [4]float64{340, 60, 560, 130}
	}
	if o.Kind == DocTimestamp {
		o.Level = LevelBB
	}
	if o.Kind != DocTimestamp && signer == nil {
		t.Fatalf("testpdf: Sign: a signer is required")
	}
	engine := o.Engine
	if engine == EngineAuto {
		engine = EnginePDFSign
		if o.SubFilter == SubFilterCAdES || o.FieldName != "" || o.Kind == Certification ||
			o.ByteRange != nil || o.ByteRangeAfterContents || o.ContentsSize != 0 || o.Tweak != nil || o.ReferenceData || o.SigDictPrefix != "" || o.Kind == UsageRights || hasNonSigFields(pdf) {
			engine = EngineNative
		}
	}
	var out []byte
	var err error
	if engine == EnginePDFSign {
		out, err = signWithPDFSign(t, pdf, signer, pki, o)
	} else {
		out, err = signNative(t, pdf, signer, pki, o)
	}
	if err != nil {
		t.Fatalf("testpdf: Sign (%s): %v", engineName(engine), err)
	}
	cades := o.SubFilter == SubFilterCAdES && o.Kind != DocTimestamp
	if o.Level >= LevelBLTA || (o.Level == LevelBLT && cades) {
		at := o.RevocationTime
		if at.IsZero() {
			at = pki.Now()
		}
		dss := ValidationData(t, pki, at, signer, pki.TSA)
		dss.VRI = true
		out = AddDSS(t, out, dss)
	}
	if o.Level >= LevelBLTA {
		ts := SignOptions{Kind: DocTimestamp, Digest: o.Digest, Engine: o.Engine}
		if engine == EngineNative && o.Engine == EngineAuto {
			ts.Engine = EngineNative
		}
		out = Sign(t, out, nil, pki, ts)
	}
	return out
}

func engineName(e Engine) string {
	if e == EnginePDFSign {
		return "pdfsign"
	}
	return "native"
}

// hasNonSigFields reports whether the AcroForm lists any field that is not
// a signature field.
func hasNonSigFields(pdf []byte) bool {
	x, err := parseXref(pdf)
	if err != nil {
		return false
	}
	_, _, fields, err := x.acroForm(pdf)
	if err != nil {
		return false
	}
	for _, f := range fields {
		body, err := x.resolve(pdf, f)
		if err != nil {
			continue
		}
		if ft, _ := DictGet(body, "FT"); ft != "/Sig" {
			return true
		}
	}
	return false
}

// acroForm returns the catalog's /AcroForm: its object number (0 when it
// is direct or absent), its dictionary text ("" when absent) and its
// /Fields items.
func (x *xref) acroForm(pdf []byte) (int, string, []string, error) {
	tr, err := x.summary()
	if err != nil {
		return 0, "", nil, err
	}
	cat, err := x.object(pdf, tr.Root)
	if err != nil {
		return 0, "", nil, err
	}
	v, ok := DictGet(cat, "AcroForm")
	if !ok {
		return 0, "", nil, nil
	}
	num, _ := RefNum(v)
	af, err := x.resolve(pdf, v)
	if err != nil {
		return 0, "", nil, err
	}
	fv, ok := DictGet(af, "Fields")
	if !ok {
		return num, af, nil, nil
	}
	fv, err = x.resolve(pdf, fv)
	if err != nil {
		return 0, "", nil, err
	}
	fields, err := ArrayItems(fv)
	return num, af, fields, err
}

func signWithPDFSign(t testpki.TB, in []byte, signer *testpki.Cert, pki *testpki.PKI, o SignOptions) ([]byte, error) {
	if o.SubFilter != SubFilterPKCS7 {
		return nil, fmt.Errorf("pdfsign only writes %s", SubFilterPKCS7)
	}
	rdr, err := pdfread.NewReader(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		return nil, fmt.Errorf("pdfsign's reader: %w", err)
	}
	when := o.SigningTime
	if when.IsZero() {
		when = pki.Now()
	}
	sd := sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name: o.Name, Location: o.Location, Reason: o.Reason, ContactInfo: o.ContactInfo, Date: when,
			},
		},
		DigestAlgorithm: o.Digest,
		Appearance: sign.Appearance{
			Visible: o.Visible, Page: uint32(o.Page),
			LowerLeftX: o.Rect[0], LowerLeftY: o.Rect[1], UpperRightX: o.Rect[2], UpperRightY: o.Rect[3],
		},
	}
	switch o.Kind {
	case Approval:
		sd.Signature.CertType = sign.ApprovalSignature
	case Certification:
		sd.Signature.CertType = sign.CertificationSignature
		sd.Signature.DocMDPPerm = sign.DocMDPPerm(o.DocMDP)
	case DocTimestamp:
		sd.Signature.CertType = sign.TimeStampSignature
		sd.TSA.URL = pki.TSAURL()
	}
	if o.Kind != DocTimestamp {
		sd.Signer = signer.Key
		sd.Certificate = signer.Cert
		sd.CertificateChains = [][]*x509.Certificate{signer.Chain()}
		if o.Level >= LevelBT {
			sd.TSA.URL = pki.TSAURL()
		}
		if o.Level >= LevelBLT {
			at := o.RevocationTime
			if at.IsZero() {
				at = pki.Now()
			}
			sd.RevocationFunction = func(cert, issuer *x509.Certificate, ia *revocation.InfoArchival) error {
				return addRevocation(t, pki, cert, at, o.Revocation, ia)
			}
		}
	}
	var out bytes.Buffer
	if err := sign.Sign(bytes.NewReader(in), &out, rdr, int64(len(in)), sd); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// addRevocation appends the revocation data for cert (a certificate the
// PKI issued; others and self-signed roots get none) to ia.
func addRevocation(t testpki.TB, pki *testpki.PKI, cert *x509.Certificate, at time.Time, mode RevocationMode, ia *revocation.InfoArchival) error {
	c, ok := pki.Lookup(cert.SerialNumber)
	if !ok || c.Issuer == nil {
		return nil
	}
	if cert.IsCA || mode == RevCRLOnly || mode == RevBoth {
		_ = ia.AddCRL(pki.CRL(t, c.Issuer, at, time.Time{}))
	}
	if !cert.IsCA && mode != RevCRLOnly {
		_ = ia.AddOCSP(pki.OCSP(t, c, at))
	}
	return nil
}

// signNative signs through an incremental update written by Append.
func signNative(t testpki.TB, in []byte, signer *testpki.Cert, pki *testpki.PKI, o SignOptions) ([]byte, error) {
	if o.Kind == DocTimestamp {
		o.SubFilter = "ETSI.RFC3161"
	}
	x, err := parseXref(in)
	if err != nil {
		return nil, err
	}
	tr, err := x.summary()
	if err != nil {
		return nil, err
	}
	cat, err := x.object(in, tr.Root)
	if err != nil {
		return nil, err
	}
	pages, err := x.pages(in)
	if err != nil {
		return nil, err
	}
	if o.Page > len(pages) {
		return nil, fmt.Errorf("page %d out of range", o.Page)
	}
	pageNum := pages[o.Page-1]
	afNum, af, fields, err := x.acroForm(in)
	if err != nil {
		return nil, err
	}

	objs := map[int]string{}
	next := tr.Size
	sigNum := next
	next++

	// The field: an existing unsigned one, or a new merged field/widget
	// (none for a usage rights signature).
	var fieldNum int
	var fieldBody string
	switch {
	case o.Kind == UsageRights:
	case o.FieldName != "":
		for _, f := range fields {
			n, ok := RefNum(f)
			if !ok {
				continue
			}
			body, err := x.object(in, n)
			if err != nil {
				return nil, err
			}
			tv, _ := DictGet(body, "T")
			if ft, _ := DictGet(body, "FT"); ft == "/Sig" && decodeTextString(tv) == o.FieldName {
				if _, signed := DictGet(body, "V"); signed {
					return nil, fmt.Errorf("field %q is already signed", o.FieldName)
				}
				fieldNum, fieldBody = n, body
			}
		}
		if fieldNum == 0 {
			return nil, fmt.Errorf("no signature field %q", o.FieldName)
		}
		if pv, ok := DictGet(fieldBody, "P"); ok {
			if n, ok := RefNum(pv); ok {
				pageNum = n
			}
		}
	default:
		fieldNum = next
		next++
		rect := "[0 0 0 0]"
		if o.Visible {
			rect = fmt.Sprintf("[%g %g %g %g]", o.Rect[0], o.Rect[1], o.Rect[2], o.Rect[3])
		}
		fieldBody = fmt.Sprintf("<< /Type /Annot /Subtype /Widget /FT /Sig /T %s /F 132 /Rect %s /P %s >>",
			TextString(fmt.Sprintf("Signature%d", sigNum)), rect, Ref(pageNum))
		fields = append(fields, Ref(fieldNum))
		page, err := x.object(in, pageNum)
		if err != nil {
			return nil, err
		}
		annots, _ := DictGet(page, "Annots")
		if n, ok := RefNum(annots); ok { // an indirect /Annots array
			arr, err := x.object(in, n)
			if err != nil {
				return nil, err
			}
			objs[n] = appendToArray(arr, Ref(fieldNum))
		} else {
			if annots == "" {
				annots = "[]"
			}
			objs[pageNum] = DictSet(page, "Annots", appendToArray(annots, Ref(fieldNum)))
		}
	}
	if fieldNum != 0 {
		fieldBody = DictSet(fieldBody, "V", Ref(sigNum))
	}
	if o.Visible && fieldNum != 0 {
		apNum := next
		next++
		w, h := o.Rect[2]-o.Rect[0], o.Rect[3]-o.Rect[1]
		if r, ok := DictGet(fieldBody, "Rect"); ok && r != "[0 0 0 0]" {
			if v, err := floatArray(r); err == nil && len(v) == 4 {
				w, h = v[2]-v[0], v[3]-v[1]
			}
		}
		objs[apNum] = signatureAppearance(w, h, signerName(signer, o))
		fieldBody = DictSet(fieldBody, "AP", "<< /N "+Ref(apNum)+" >>")
	}
	newCat := cat
	if fieldNum != 0 {
		objs[fieldNum] = fieldBody
		// AcroForm: the new field listed, SigFlags SignaturesExist|AppendOnly.
		if af == "" {
			af = "<< >>"
		}
		af = DictSet(af, "Fields", "["+strings.Join(fields, " ")+"]")
		af = DictSet(af, "SigFlags", "3")
		if afNum != 0 {
			objs[afNum] = af
		} else {
			newCat = DictSet(newCat, "AcroForm", af)
		}
	}
	switch o.Kind {
	case Certification:
		newCat = DictSet(newCat, "Perms", "<< /DocMDP "+Ref(sigNum)+" >>")
	case UsageRights:
		newCat = DictSet(newCat, "Perms", "<< /UR3 "+Ref(sigNum)+" >>")
	}
	if newCat != cat {
		objs[tr.Root] = newCat
	}

	// The signature dictionary, with placeholders patched below.
	cmsOpts := CMSOptions{Digest: o.Digest, Timestamp: o.Level >= LevelBT}
	if o.Level >= LevelBLT && o.SubFilter == SubFilterPKCS7 {
		at := o.RevocationTime
		if at.IsZero() {
			at = pki.Now()
		}
		var ia revocation.InfoArchival
		for _, c := range signer.Chain() {
			if err := addRevocation(t, pki, c, at, o.Revocation, &ia); err != nil {
				return nil, err
			}
		}
		cmsOpts.Revocation = &ia
	}
	size := o.ContentsSize
	if size == 0 {
		var probe []byte
		if o.Kind == DocTimestamp {
			probe = pki.Timestamp(t, make([]byte, o.Digest.Size()), o.Digest, time.Time{})
		} else if probe, err = buildCMS(t, []byte("probe"), signer, pki, cmsOpts); err != nil {
			return nil, err
		}
		size = len(probe) + 1024
	}
	if o.Tweak != nil {
		o.Tweak(in, objs, &next)
	}
	objs[sigNum] = sigDict(signer, pki, o, size, tr.Root)
	out, err := appendUpdate(in, Update{Objects: objs})
	if err != nil {
		return nil, err
	}
	if o.ByteRangeAfterContents {
		out, err = padBeforeXref(out, len(in), 1024)
		if err != nil {
			return nil, err
		}
	}
	return fillSignature(t, out, len(in), sigNum, signer, pki, o, cmsOpts)
}

// padBeforeXref inserts n bytes of comment before the xref section of the
// update that starts at updateStart, fixing startxref.
func padBeforeXref(out []byte, updateStart, n int) ([]byte, error) {
	i := bytes.LastIndex(out, []byte("\nxref\n"))
	if i < updateStart {
		return nil, fmt.Errorf("ByteRangeAfterContents needs a classic xref table")
	}
	pad := append([]byte("\n%"), bytes.Repeat([]byte(" "), n-3)...)
	pad = append(pad, '\n')
	res := append(append(append([]byte(nil), out[:i]...), pad...), out[i:]...)
	oldStart := strconv.Itoa(i + 1)
	newStart := strconv.Itoa(i + 1 + len(pad))
	tail := []byte("startxref\n" + oldStart + "\n%%EOF\n")
	if !bytes.HasSuffix(res, tail) {
		return nil, fmt.Errorf("unexpected update tail")
	}
	res = append(res[:len(res)-len(tail)], []byte("startxref\n"+newStart+"\n%%EOF\n")...)
	return res, nil
}

func signerName(signer *testpki.Cert, o SignOptions) string {
	if o.Name != "" {
		return o.Name
	}
	if signer != nil {
		return signer.Cert.Subject.CommonName
	}
	return ""
}

const byteRangeSlot = 68 // characters between the brackets of the placeholder

func sigDict(signer *testpki.Cert, pki *testpki.PKI, o SignOptions, size, root int) string {
	var b strings.Builder
	typ := "/Sig"
	if o.Kind == DocTimestamp {
		typ = "/DocTimeStamp"
	}
	fmt.Fprintf(&b, "<< %s/Type %s /Filter /Adobe.PPKLite /SubFilter /%s", o.SigDictPrefix, typ, o.SubFilter)
	br := " /ByteRange [" + strings.Repeat(" ", byteRangeSlot) + "]"
	contents := " /Contents <" + strings.Repeat("0", 2*size) + ">"
	if o.ByteRangeAfterContents {
		b.WriteString(contents + br)
	} else {
		b.WriteString(br + contents)
	}
	if o.Kind != DocTimestamp {
		when := o.SigningTime
		if when.IsZero() {
			when = pki.Now()
		}
		fmt.Fprintf(&b, "\n /M %s", pdfDate(when))
		if n := signerName(signer, o); n != "" {
			fmt.Fprintf(&b, " /Name %s", TextString(n))
		}
		if o.Reason != "" {
			fmt.Fprintf(&b, " /Reason %s", TextString(o.Reason))
		}
		if o.Location != "" {
			fmt.Fprintf(&b, " /Location %s", TextString(o.Location))
		}
		if o.ContactInfo != "" {
			fmt.Fprintf(&b, " /ContactInfo %s", TextString(o.ContactInfo))
		}
	}
	data := ""
	if o.ReferenceData {
		data = " /Data " + Ref(root) + " /DigestMethod /SHA256"
	}
	switch {
	case o.Kind == Certification:
		fmt.Fprintf(&b, "\n /Reference [<< /Type /SigRef /TransformMethod /DocMDP /TransformParams << /Type /TransformParams /P %d /V /1.2 >>%s >>]", o.DocMDP, data)
	case o.Kind == UsageRights:
		b.WriteString("\n /Reference [<< /Type /SigRef /TransformMethod /UR3 /TransformParams << /Type /TransformParams /V /2.2 /Document [/FullSave] /Form [/FillIn /Import /Export] /Annots [/Create /Delete /Modify /Copy /Import /Export] /Signature [/Modify] >> >>]")
	case o.ReferenceData && o.Kind == Approval:
		fmt.Fprintf(&b, "\n /Reference [<< /Type /SigRef /TransformMethod /FieldMDP /TransformParams << /Type /TransformParams /Action /All /V /1.2 >>%s >>]", data)
	}
	b.WriteString("\n /Prop_Build << /App << /Name /sohoa#20testpdf >> >> >>")
	return b.String()
}

// fillSignature computes the /ByteRange of signature object sigNum (written
// in the update starting at updateStart), then the CMS or timestamp token,
// and writes both into their placeholders in place.
func fillSignature(t testpki.TB, out []byte, updateStart, sigNum int, signer *testpki.Cert, pki *testpki.PKI, o SignOptions, cmsOpts CMSOptions) ([]byte, error) {
	objStart := bytes.Index(out[updateStart:], []byte(fmt.Sprintf("%d 0 obj\n", sigNum)))
	if objStart < 0 {
		return nil, fmt.Errorf("signature object not found")
	}
	objStart += updateStart
	ci := bytes.Index(out[objStart:], []byte("/Contents <"))
	bi := bytes.Index(out[objStart:], []byte("/ByteRange ["))
	if ci < 0 || bi < 0 {
		return nil, fmt.Errorf("placeholders not found")
	}
	a := int64(objStart + ci + len("/Contents "))
	end := bytes.IndexByte(out[a:], '>')
	b := a + int64(end) + 1
	slot := objStart + bi + len("/ByteRange [")
	L := int64(len(out))
	ranges := []int64{0, a, b, L - b}
	if o.ByteRange != nil {
		ranges = o.ByteRange(a, b, L)
	}
	var text []string
	for _, r := range ranges {
		text = append(text, strconv.FormatInt(r, 10))
	}
	brText := strings.Join(text, " ")
	if len(brText) > byteRangeSlot {
		return nil, fmt.Errorf("ByteRange %q does not fit its placeholder", brText)
	}
	copy(out[slot:], brText+strings.Repeat(" ", byteRangeSlot-len(brText)))

	var signed []byte
	for i := 0; i+1 < len(ranges); i += 2 {
		s, n := ranges[i], ranges[i+1]
		if s < 0 || n < 0 || s+n > L {
			return nil, fmt.Errorf("range [%d %d] outside the file", s, n)
		}
		if s < b && s+n > a {
			return nil, fmt.Errorf("range [%d %d] includes the /Contents value", s, n)
		}
		signed = append(signed, out[s:s+n]...)
	}
	var sig []byte
	var err error
	if o.Kind == DocTimestamp {
		h := o.Digest.New()
		h.Write(signed)
		sig = pki.Timestamp(t, h.Sum(nil), o.Digest, time.Time{})
	} else if sig, err = buildCMS(t, signed, signer, pki, cmsOpts); err != nil {
		return nil, err
	}
	hexSig := hex.EncodeToString(sig)
	if int64(len(hexSig)) > b-a-2 {
		return nil, fmt.Errorf("signature of %d bytes does not fit /Contents (%d)", len(sig), (b-a-2)/2)
	}
	copy(out[a+1:], hexSig)
	return out, nil
}

func appendToArray(arr, item string) string {
	arr = strings.TrimSpace(arr)
	return strings.TrimSpace(strings.TrimSuffix(arr, "]")) + " " + item + "]"
}

func floatArray(v string) ([]float64, error) {
	items, err := ArrayItems(v)
	if err != nil {
		return nil, err
	}
	out := make([]float64, len(items))
	for i, it := range items {
		if out[i], err = strconv.ParseFloat(strings.TrimSpace(it), 64); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func signatureAppearance(w, h float64, name string) string {
	content := fmt.Sprintf("q 0.9 0.95 1 rg 0 0 %g %g re f Q\nBT /F1 9 Tf 6 %g Td (%s) Tj 0 -12 Td (%s) Tj ET\n",
		w, h, h-16, winAnsi("Ký bởi: "+name), winAnsi("Chữ ký số - sohoa testpdf"))
	return Stream(fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 %g %g] /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >> >> >> >>", w, h),
		[]byte(content))
}

// pdfDate formats a PDF date string in the signer's zone (UTC+7 for
// Vietnam, as local signing tools write it).
func pdfDate(t time.Time) string {
	t = t.In(time.FixedZone("ICT", 7*3600))
	return "(D:" + t.Format("20060102150405") + "+07'00')"
}

// decodeTextString decodes a raw PDF string token (literal or hex,
// PDFDocEncoding treated as Latin-1, or UTF-16BE with BOM).
func decodeTextString(raw string) string {
	raw = strings.TrimSpace(raw)
	var b []byte
	switch {
	case strings.HasPrefix(raw, "<"):
		h := strings.Map(func(r rune) rune {
			if isWS(byte(r)) {
				return -1
			}
			return r
		}, strings.Trim(raw, "<>"))
		if len(h)%2 == 1 {
			h += "0"
		}
		b, _ = hex.DecodeString(h)
	case strings.HasPrefix(raw, "("):
		s := raw[1 : len(raw)-1]
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c != '\\' || i+1 == len(s) {
				b = append(b, c)
				continue
			}
			i++
			switch s[i] {
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case '\r', '\n':
			default:
				if s[i] >= '0' && s[i] <= '7' {
					v, k := 0, 0
					for ; k < 3 && i+k < len(s) && s[i+k] >= '0' && s[i+k] <= '7'; k++ {
						v = v*8 + int(s[i+k]-'0')
					}
					b = append(b, byte(v))
					i += k - 1
				} else {
					b = append(b, s[i])
				}
			}
		}
	default:
		return raw
	}
	if len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF {
		var r []rune
		for i := 2; i+1 < len(b); i += 2 {
			r = append(r, rune(b[i])<<8|rune(b[i+1]))
		}
		return string(r) // BMP only: enough for field names
	}
	r := make([]rune, len(b))
	for i, c := range b {
		r[i] = rune(c)
	}
	return string(r)
}
