package testpdf_test

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
)

// checked is what verifySigs learned about one signature.
type checked struct {
	loc       testpdf.SigLocation
	p7        *pkcs7.PKCS7         // nil for a document timestamp
	ts        *timestamp.Timestamp // the document timestamp, or the signature timestamp
	hasRevArc bool                 // adbe-revocationInfoArchival present
	whole     bool                 // covers the file up to its end
}

var (
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidAdbeRevocation = asn1.ObjectIdentifier{1, 2, 840, 113583, 1, 1, 8}
)

// verifySigs checks every signature cryptographically over its ByteRange
// and its certificate chain against the PKI's root.
func verifySigs(t *testing.T, pdf []byte, p *testpki.PKI) []checked {
	t.Helper()
	var out []checked
	for _, loc := range testpdf.Signatures(pdf) {
		require.Len(t, loc.ByteRange, 4)
		var signed []byte
		for i := 0; i < 4; i += 2 {
			signed = append(signed, pdf[loc.ByteRange[i]:loc.ByteRange[i]+loc.ByteRange[i+1]]...)
		}
		var der asn1.RawValue
		_, err := asn1.Unmarshal(loc.Contents, &der)
		require.NoError(t, err)
		c := checked{loc: loc, whole: loc.ByteRange[2]+loc.ByteRange[3] == int64(len(pdf))}
		if loc.SubFilter == "ETSI.RFC3161" {
			c.ts, err = timestamp.Parse(der.FullBytes)
			require.NoError(t, err)
			h := c.ts.HashAlgorithm.New()
			h.Write(signed)
			require.Equal(t, h.Sum(nil), c.ts.HashedMessage, "document timestamp imprint")
			out = append(out, c)
			continue
		}
		c.p7, err = pkcs7.Parse(der.FullBytes)
		require.NoError(t, err)
		c.p7.Content = signed
		require.NoError(t, c.p7.Verify(), "CMS signature")
		signer := c.p7.GetOnlySigner()
		require.NotNil(t, signer)
		inter := x509.NewCertPool()
		for _, cert := range c.p7.Certificates {
			inter.AddCert(cert)
		}
		_, err = signer.Verify(x509.VerifyOptions{Roots: p.Pool(), Intermediates: inter, CurrentTime: time.Now(),
			KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
		if signer.SignatureAlgorithm != x509.SHA1WithRSA {
			require.NoError(t, err)
		}
		for _, a := range c.p7.Signers[0].UnauthenticatedAttributes {
			if a.Type.Equal(oidTimeStampToken) {
				c.ts, err = timestamp.Parse(a.Value.Bytes) // the attribute's SET holds one token
				require.NoError(t, err)
			}
		}
		for _, a := range c.p7.Signers[0].AuthenticatedAttributes {
			if a.Type.Equal(oidAdbeRevocation) && len(a.Value.Bytes) > 2 {
				c.hasRevArc = true
			}
		}
		out = append(out, c)
	}
	return out
}

func requirePrefix(t *testing.T, before, after []byte) {
	t.Helper()
	require.Greater(t, len(after), len(before))
	require.True(t, bytes.Equal(before, after[:len(before)]), "earlier revision changed")
}

func TestBase(t *testing.T) {
	for _, xs := range []bool{false, true} {
		o := testpdf.BaseOptions{Pages: 3, FormFields: []string{"ho_ten", "so_cccd"}, SignatureField: "ChuKy1",
			Annotation: true, Shadow: true, XRefStream: xs}
		d := testpdf.Base(o)
		require.Equal(t, d.Bytes, testpdf.Base(o).Bytes, "deterministic")
		require.True(t, bytes.HasPrefix(d.Bytes, []byte("%PDF-1.7\n")))
		tr, err := testpdf.ReadTrailer(d.Bytes)
		require.NoError(t, err)
		require.Equal(t, d.Catalog, tr.Root)
		require.Equal(t, xs, tr.XRefStream)
		for i := range 3 {
			n, err := testpdf.PageObject(d.Bytes, i+1)
			require.NoError(t, err)
			require.Equal(t, d.Pages[i], n)
			page, err := testpdf.Object(d.Bytes, n)
			require.NoError(t, err)
			cv, _ := testpdf.DictGet(page, "Contents")
			require.Equal(t, testpdf.Ref(d.Contents[i]), cv)
			require.NotEqual(t, testpdf.Ref(d.Shadow), cv)
		}
		shadow, err := testpdf.Object(d.Bytes, d.Shadow)
		require.NoError(t, err)
		require.Contains(t, shadow, "/Length")
		f, err := testpdf.Object(d.Bytes, d.Fields["so_cccd"])
		require.NoError(t, err)
		require.Contains(t, f, "/FT /Tx")
		sf, err := testpdf.Object(d.Bytes, d.SigField)
		require.NoError(t, err)
		require.Contains(t, sf, "/FT /Sig")
		af, err := testpdf.Object(d.Bytes, d.AcroForm)
		require.NoError(t, err)
		require.Contains(t, af, "/SigFlags 1")
	}
	min := testpdf.Base(testpdf.BaseOptions{})
	require.Len(t, min.Pages, 1)
	require.Zero(t, min.AcroForm)
	require.Less(t, len(min.Bytes), 2000)
}

func TestAppend(t *testing.T) {
	for _, style := range []testpdf.XRefStyle{testpdf.XRefSame, testpdf.XRefTable, testpdf.XRefStream} {
		for _, xs := range []bool{false, true} {
			d := testpdf.Base(testpdf.BaseOptions{XRefStream: xs})
			n := testpdf.NextObject(t, d.Bytes)
			out := testpdf.Append(t, d.Bytes, testpdf.Update{XRef: style, Objects: map[int]string{
				n:         "<< /Hello (world) >>",
				d.Catalog: "<< /Type /Catalog /Pages " + testpdf.Ref(d.PageTree) + " /Extra " + testpdf.Ref(n) + " >>",
			}})
			requirePrefix(t, d.Bytes, out)
			tr, err := testpdf.ReadTrailer(out)
			require.NoError(t, err)
			wantStream := style == testpdf.XRefStream || (style == testpdf.XRefSame && xs)
			require.Equal(t, wantStream, tr.XRefStream)
			require.GreaterOrEqual(t, tr.Size, n+1)
			require.Contains(t, tr.Dict, "/Prev")
			require.Contains(t, tr.Dict, "/ID")
			obj, err := testpdf.Object(out, n)
			require.NoError(t, err)
			require.Equal(t, "<< /Hello (world) >>", obj)
			cat, err := testpdf.Object(out, d.Catalog)
			require.NoError(t, err)
			require.Contains(t, cat, "/Extra")
			// Unchanged objects still resolve through /Prev.
			_, err = testpdf.Object(out, d.Contents[0])
			require.NoError(t, err)
			require.Len(t, testpdf.Revisions(out), 2)
		}
	}
	require.Equal(t, "<< /A 1 /B [2 3] >>", testpdf.DictSet("<< /A 1 /B (x) >>", "B", "[2 3]"))
	require.Equal(t, "<< /A 1 >>", testpdf.DictSet("<< /A 1 /B (x) >>", "B", ""))
	require.Equal(t, "<< /A 1 /C 5 0 R\n>>", testpdf.DictSet("<< /A 1 >>", "C", "5 0 R"))
	v, ok := testpdf.DictGet("<</A<</X 1 0 R>>/B[(a\\)b) 3 0 R]>>", "B")
	require.True(t, ok)
	require.Equal(t, "[(a\\)b) 3 0 R]", v)
}

func TestSignPDFSignLevels(t *testing.T) {
	p := testpki.New(t)
	s := p.NewSigner(t, "", testpki.Options{})
	base := testpdf.Base(testpdf.BaseOptions{Pages: 2}).Bytes

	bb := testpdf.Sign(t, base, s, p, testpdf.SignOptions{Reason: "Phê duyệt", Location: "Hà Nội"})
	requirePrefix(t, base, bb)
	sigs := verifySigs(t, bb, p)
	require.Len(t, sigs, 1)
	require.Equal(t, "adbe.pkcs7.detached", sigs[0].loc.SubFilter)
	require.True(t, sigs[0].whole)
	require.Nil(t, sigs[0].ts)
	require.False(t, sigs[0].hasRevArc)

	bt := testpdf.Sign(t, base, s, p, testpdf.SignOptions{Level: testpdf.LevelBT})
	sigs = verifySigs(t, bt, p)
	require.NotNil(t, sigs[0].ts)
	require.Equal(t, p.TSA.Cert.Raw, sigs[0].ts.Certificates[0].Raw)

	blt := testpdf.Sign(t, base, s, p, testpdf.SignOptions{Level: testpdf.LevelBLT})
	sigs = verifySigs(t, blt, p)
	require.NotNil(t, sigs[0].ts)
	require.True(t, sigs[0].hasRevArc)

	blta := testpdf.Sign(t, base, s, p, testpdf.SignOptions{Level: testpdf.LevelBLTA})
	sigs = verifySigs(t, blta, p)
	require.Len(t, sigs, 2)
	require.Equal(t, "ETSI.RFC3161", sigs[1].loc.SubFilter)
	require.True(t, sigs[1].whole)
	require.False(t, sigs[0].whole)
	tr, err := testpdf.ReadTrailer(blta)
	require.NoError(t, err)
	cat, err := testpdf.Object(blta, tr.Root)
	require.NoError(t, err)
	dssRef, ok := testpdf.DictGet(cat, "DSS")
	require.True(t, ok)
	n, _ := testpdf.RefNum(dssRef)
	dss, err := testpdf.Object(blta, n)
	require.NoError(t, err)
	for _, k := range []string{"Certs", "OCSPs", "CRLs", "VRI"} {
		_, ok := testpdf.DictGet(dss, k)
		require.True(t, ok, k)
	}
	require.Len(t, testpdf.Revisions(blta), 4) // base, signature, DSS, document timestamp

	sha1 := testpdf.Sign(t, base, s, p, testpdf.SignOptions{Digest: crypto.SHA1, Level: testpdf.LevelBT})
	sigs = verifySigs(t, sha1, p)
	require.Equal(t, crypto.SHA1, sigs[0].ts.HashAlgorithm)

	vis := testpdf.Sign(t, testpdf.Base(testpdf.BaseOptions{XRefStream: true}).Bytes, s, p,
		testpdf.SignOptions{Visible: true, Engine: testpdf.EnginePDFSign})
	require.Len(t, verifySigs(t, vis, p), 1)

	two := testpdf.Sign(t, bb, p.NewSigner(t, "Trần Thị B", testpki.Options{KeyType: testpki.ECDSAP256}), p, testpdf.SignOptions{})
	requirePrefix(t, bb, two)
	sigs = verifySigs(t, two, p)
	require.Len(t, sigs, 2)
	require.True(t, sigs[1].whole)
}

func TestSignNative(t *testing.T) {
	p := testpki.New(t)
	s := p.NewSigner(t, "", testpki.Options{})
	base := testpdf.Base(testpdf.BaseOptions{}).Bytes

	for perm := 1; perm <= 3; perm++ {
		out := testpdf.Sign(t, base, s, p, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: perm})
		sigs := verifySigs(t, out, p)
		require.Len(t, sigs, 1)
		tr, err := testpdf.ReadTrailer(out)
		require.NoError(t, err)
		cat, err := testpdf.Object(out, tr.Root)
		require.NoError(t, err)
		perms, ok := testpdf.DictGet(cat, "Perms")
		require.True(t, ok)
		require.Contains(t, perms, testpdf.Ref(sigs[0].loc.Object))
		sig, err := testpdf.Object(out, sigs[0].loc.Object)
		require.NoError(t, err)
		require.Contains(t, sig, "/TransformMethod /DocMDP")
		require.Contains(t, sig, "/P "+string(rune('0'+perm)))
	}

	cades := testpdf.Sign(t, base, s, p, testpdf.SignOptions{SubFilter: testpdf.SubFilterCAdES, Level: testpdf.LevelBLT})
	sigs := verifySigs(t, cades, p)
	require.Len(t, sigs, 1)
	require.Equal(t, "ETSI.CAdES.detached", sigs[0].loc.SubFilter)
	require.False(t, sigs[0].hasRevArc, "CAdES B-LT keeps revocation data in the DSS")
	require.NotNil(t, sigs[0].ts)
	tr, _ := testpdf.ReadTrailer(cades)
	cat, _ := testpdf.Object(cades, tr.Root)
	require.Contains(t, cat, "/DSS")

	// Sign a pre-placed field in a form that pdfsign would break.
	form := testpdf.Base(testpdf.BaseOptions{FormFields: []string{"ho_ten"}, SignatureField: "ChuKy1", XRefStream: true})
	out := testpdf.Sign(t, form.Bytes, s, p, testpdf.SignOptions{FieldName: "ChuKy1", Visible: true, Level: testpdf.LevelBLTA})
	sigs = verifySigs(t, out, p)
	require.Len(t, sigs, 2)
	field, err := testpdf.Object(out, form.SigField)
	require.NoError(t, err)
	require.Contains(t, field, "/V "+testpdf.Ref(sigs[0].loc.Object))
	af, err := testpdf.Object(out, form.AcroForm)
	require.NoError(t, err)
	require.Contains(t, af, testpdf.Ref(form.Fields["ho_ten"]), "text field kept")
	require.Contains(t, af, "/SigFlags 3")

	// Native SHA-1 with timestamp; ed25519 is not something pkcs7 verifies, so stick to ECDSA.
	ec := p.NewSigner(t, "ec", testpki.Options{KeyType: testpki.ECDSAP384})
	out = testpdf.Sign(t, base, ec, p, testpdf.SignOptions{Engine: testpdf.EngineNative, Digest: crypto.SHA1, Level: testpdf.LevelBT})
	require.Len(t, verifySigs(t, out, p), 1)
}

func TestChanges(t *testing.T) {
	p := testpki.New(t)
	s := p.NewSigner(t, "", testpki.Options{})
	d := testpdf.Base(testpdf.BaseOptions{Pages: 2, FormFields: []string{"ho_ten"}, Shadow: true, Annotation: true})
	signed := testpdf.Sign(t, d.Bytes, s, p, testpdf.SignOptions{Kind: testpdf.Certification, DocMDP: 2})

	check := func(out []byte) {
		t.Helper()
		requirePrefix(t, signed, out)
		sigs := verifySigs(t, out, p)
		require.Len(t, sigs, 1)
		require.False(t, sigs[0].whole)
		require.Len(t, testpdf.Revisions(out), 3)
	}

	filled := testpdf.FillField(t, signed, "ho_ten", "Nguyễn Văn A")
	check(filled)
	f, err := testpdf.Object(filled, d.Fields["ho_ten"])
	require.NoError(t, err)
	require.Contains(t, f, "/V <FEFF")
	require.NotContains(t, f, testpdf.Ref(d.FieldAPs["ho_ten"]), "new appearance")

	annot := testpdf.AddAnnotation(t, signed, 1, "Đã xem")
	check(annot)
	page, _ := testpdf.Object(annot, d.Pages[0])
	items, _ := testpdf.DictGet(page, "Annots")
	list, _ := testpdf.ArrayItems(items)
	require.Len(t, list, 4) // field, Base's note, signature widget, new note

	rewritten := testpdf.RewritePageContents(t, signed, 1, testpdf.PageText("NỘI DUNG GIẢ MẠO"))
	check(rewritten)
	page, _ = testpdf.Object(rewritten, d.Pages[0])
	cv, _ := testpdf.DictGet(page, "Contents")
	require.NotEqual(t, testpdf.Ref(d.Contents[0]), cv)

	shadow := testpdf.ShowShadow(t, signed, 2, d.Shadow)
	check(shadow)
	page, _ = testpdf.Object(shadow, d.Pages[1])
	cv, _ = testpdf.DictGet(page, "Contents")
	require.Equal(t, testpdf.Ref(d.Shadow), cv)

	same := testpdf.RedefineIdentical(t, signed, d.Contents[0])
	check(same)
	same = testpdf.RedefineIdentical(t, same, d.Pages[0])
	requirePrefix(t, signed, same)
	a, _ := testpdf.Object(signed, d.Pages[0])
	b, _ := testpdf.Object(same, d.Pages[0])
	require.Equal(t, a, b)

	dss := testpdf.AddDSS(t, signed, testpdf.ValidationData(t, p, time.Now(), s))
	check(dss)
	dss2 := testpdf.AddDSS(t, dss, testpdf.DSS{CRLs: [][]byte{p.CRL(t, p.Intermediate, time.Now(), time.Time{})}})
	tr, _ := testpdf.ReadTrailer(dss2)
	cat, _ := testpdf.Object(dss2, tr.Root)
	ref, _ := testpdf.DictGet(cat, "DSS")
	n, _ := testpdf.RefNum(ref)
	body, _ := testpdf.Object(dss2, n)
	crls, _ := testpdf.DictGet(body, "CRLs")
	list, _ = testpdf.ArrayItems(crls)
	require.Len(t, list, 2, "merged into the existing DSS")
}

func TestAttacks(t *testing.T) {
	p := testpki.New(t)
	s := p.NewSigner(t, "", testpki.Options{})
	base := testpdf.Base(testpdf.BaseOptions{}).Bytes
	signed := testpdf.Sign(t, base, s, p, testpdf.SignOptions{})
	orig := testpdf.Signatures(signed)[0]

	sameLen := func(out []byte) testpdf.SigLocation {
		t.Helper()
		require.Len(t, out, len(signed))
		require.Equal(t, signed[:orig.ObjStart], out[:orig.ObjStart])
		sigs := testpdf.Signatures(out)
		require.Len(t, sigs, 1)
		return sigs[0]
	}

	loc := sameLen(testpdf.TailUncovered(t, signed, 0, 100))
	require.Equal(t, orig.ByteRange[3]-100, loc.ByteRange[3])
	loc = sameLen(testpdf.OverlappingByteRange(t, signed, 0))
	require.Equal(t, []int64{0, orig.ByteRange[2], orig.ByteRange[1], int64(len(signed)) - orig.ByteRange[1]}, loc.ByteRange)
	loc = sameLen(testpdf.EmptyContents(t, signed, 0))
	require.Empty(t, loc.Contents)
	loc = sameLen(testpdf.ZeroContents(t, signed, 0))
	require.Equal(t, make([]byte, len(orig.Contents)), loc.Contents)
	loc = sameLen(testpdf.GarbageContents(t, signed, 0))
	_, err := pkcs7.Parse(loc.Contents)
	require.Error(t, err)
	loc = sameLen(testpdf.RemoveByteRange(t, signed, 0))
	require.Nil(t, loc.ByteRange)
	require.Equal(t, "adbe.pkcs7.detached", loc.SubFilter)

	// Cryptographically valid signatures over crafted ranges.
	tail := testpdf.Sign(t, base, s, p, testpdf.SignOptions{ByteRange: testpdf.ByteRangeTail(20)})
	sigs := verifySigs(t, tail, p)
	require.Equal(t, int64(len(tail))-20, sigs[0].loc.ByteRange[2]+sigs[0].loc.ByteRange[3])
	gap := testpdf.Sign(t, base, s, p, testpdf.SignOptions{ByteRange: testpdf.ByteRangeGap(30)})
	sigs = verifySigs(t, gap, p)
	require.Equal(t, int64(sigs[0].loc.ContentsAt[0])-30, sigs[0].loc.ByteRange[1])

	// Signature wrapping: still a valid CMS, but the page now shows other content.
	wrapped := testpdf.Sign(t, base, s, p, testpdf.SignOptions{ByteRangeAfterContents: true})
	require.Len(t, verifySigs(t, wrapped, p), 1)
	evil := testpdf.PageRewriteObjects(t, wrapped, 1, testpdf.PageText("ĐÃ BỊ SỬA"))
	swa := testpdf.SignatureWrapping(t, wrapped, 0, evil)
	sigs = verifySigs(t, swa, p)
	require.Len(t, sigs, 1)
	require.True(t, sigs[0].whole)
	loc = sigs[0].loc
	require.Greater(t, loc.ByteRange[2], int64(loc.ContentsAt[1]), "the gap after /Contents betrays the attack")
	pageNum, err := testpdf.PageObject(swa, 1)
	require.NoError(t, err)
	page, err := testpdf.Object(swa, pageNum)
	require.NoError(t, err)
	for n := range evil {
		if n != pageNum {
			cv, _ := testpdf.DictGet(page, "Contents")
			require.Equal(t, testpdf.Ref(n), cv)
		}
	}
}

func TestDetachedCMS(t *testing.T) {
	p := testpki.New(t)
	s := p.NewSigner(t, "", testpki.Options{})
	data := []byte("<baoCao ky=\"2026-Q1\"/>")
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA1, crypto.SHA512} {
		der := testpdf.DetachedCMS(t, data, s, p, testpdf.CMSOptions{Digest: h, Timestamp: true})
		p7, err := pkcs7.Parse(der)
		require.NoError(t, err)
		require.Empty(t, p7.Content)
		p7.Content = data
		require.NoError(t, p7.Verify())
		require.NoError(t, p7.VerifyWithChain(p.Pool()))
		require.Len(t, p7.Certificates, 2) // signer and intermediate
		p7.Content = []byte("tampered")
		require.Error(t, p7.Verify())
	}
	att := testpdf.DetachedCMS(t, data, s, p, testpdf.CMSOptions{Attached: true})
	p7, err := pkcs7.Parse(att)
	require.NoError(t, err)
	require.Equal(t, data, p7.Content)
	require.True(t, strings.Contains(string(att), string(data)))
}
