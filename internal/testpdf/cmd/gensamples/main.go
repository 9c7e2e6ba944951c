// Command gensamples writes the sample files shipped in testdata/samples:
// signed and unsigned PDFs, a detached CMS signature over a report, and the
// root certificate of the throw-away PKI that signed them. The PKI (its HTTP
// server on loopback included) lives only in this process; its private keys
// are never written anywhere.
//
//	go run ./internal/testpdf/cmd/gensamples -out testdata/samples
package main

import (
	"bytes"
	"crypto"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/sohoa/sohoa/internal/testpdf"
	"github.com/sohoa/sohoa/internal/testpki"
)

// forever is the nextUpdate of every embedded CRL and OCSP response: the
// samples must verify offline for as long as the project lives.
var forever = time.Date(2099, 12, 31, 0, 0, 0, 0, time.UTC)

func main() {
	out := flag.String("out", "testdata/samples", "output directory")
	flag.Parse()
	t := &testpki.CommandTB{}
	defer t.Close()
	if err := run(t, *out); err != nil {
		t.Fatalf("gensamples: %v", err)
	}
}

func run(t testpki.TB, dir string) error {
	if err := os.MkdirAll(filepath.Join(dir, "trust"), 0o755); err != nil {
		return err
	}
	write := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatalf("%v", err)
		}
		fmt.Printf("%-34s %7d bytes\n", name, len(b))
	}

	pki := testpki.NewWith(t, testpki.Config{Name: "Sohoa Sample", PublishURL: "http://pki.sohoa.invalid"})
	pki.SetNextUpdate(forever)
	pki.WriteRootPEM(filepath.Join(dir, "trust"))
	fmt.Printf("%-34s %7d bytes\n", "trust/root.pem", len(pki.RootPEM()))

	a := pki.NewSigner(t, "Nguyễn Văn A", testpki.Options{})
	b := pki.NewSigner(t, "Trần Thị B", testpki.Options{KeyType: testpki.ECDSAP256})

	// withDSS adds the validation data of the signers and the TSA (with
	// VRI entries), so every signature and timestamp verifies offline.
	withDSS := func(p *testpki.PKI, pdf []byte, signers ...*testpki.Cert) []byte {
		d := testpdf.ValidationData(t, p, p.Now(), append(signers, p.TSA)...)
		d.VRI = true
		return testpdf.AddDSS(t, pdf, d)
	}
	blt := testpdf.SignOptions{Level: testpdf.LevelBLT, Reason: "Phê duyệt kết quả giải quyết TTHC", Location: "Tỉnh Mẫu"}

	unsigned := testpdf.Base(testpdf.BaseOptions{Pages: 2})
	write("unsigned.pdf", unsigned.Bytes)

	validBLT := withDSS(pki, testpdf.Sign(t, unsigned.Bytes, a, pki, blt), a)
	write("signed-valid-blt.pdf", validBLT)

	lta := blt
	lta.Level = testpdf.LevelBLTA
	write("signed-valid-blta.pdf", testpdf.Sign(t, unsigned.Bytes, a, pki, lta))

	form := testpdf.Base(testpdf.BaseOptions{Title: "Phiếu tiếp nhận hồ sơ", FormFields: []string{"ho_ten", "so_dinh_danh"}})
	cert := blt
	cert.Kind, cert.DocMDP = testpdf.Certification, 2
	certified := withDSS(pki, testpdf.Sign(t, form.Bytes, a, pki, cert), a)
	write("certified-p2.pdf", certified)
	write("certified-p2-filled.pdf", testpdf.FillField(t, certified, "ho_ten", "Lê Văn C"))

	first := testpdf.Sign(t, unsigned.Bytes, a, pki, blt)
	second := blt
	second.Visible, second.Reason = true, "Đồng ý"
	write("two-signatures.pdf", withDSS(pki, testpdf.Sign(t, first, b, pki, second), a, b))

	write("tampered-page-rewritten.pdf", testpdf.RewritePageContents(t, validBLT, 1,
		testpdf.PageText("BIÊN BẢN TIẾP NHẬN HỒ SƠ", "Mã hồ sơ: 000.00.12.G05-261130-9999", "Nội dung đã bị thay đổi sau khi ký")))
	const code = "000.00.12.G05-261130-0007"
	tampered := bytes.Replace(validBLT, []byte(code), []byte("000.00.12.G05-261130-0008"), 1)
	if bytes.Equal(tampered, validBLT) {
		return fmt.Errorf("dossier code not found in the page content")
	}
	write("tampered-digest.pdf", tampered)

	sha1 := blt
	sha1.Digest = crypto.SHA1
	write("signed-sha1.pdf", withDSS(pki, testpdf.Sign(t, unsigned.Bytes, a, pki, sha1), a))

	other := testpki.NewWith(t, testpki.Config{Name: "Untrusted Sample", PublishURL: "http://untrusted.sohoa.invalid"})
	other.SetNextUpdate(forever)
	stranger := other.NewSigner(t, "Nguyễn Văn A", testpki.Options{})
	write("signed-untrusted.pdf", withDSS(other, testpdf.Sign(t, unsigned.Bytes, stranger, other, blt), stranger))

	// Detached CMS over a report, with a signature timestamp and the CRLs
	// of the chain in SignedData.crls.
	crls := [][]byte{pki.CRL(t, pki.Intermediate, pki.Now(), forever), pki.CRL(t, pki.Root, pki.Now(), forever)}
	cms := testpdf.CMSOptions{Timestamp: true, CRLs: crls}
	xml := []byte(`<?xml version="1.0" encoding="UTF-8"?>
<baoCao ky="2026-Q1" donVi="000.00.12.G05" tuNgay="2025-12-15" denNgay="2026-03-14">
  <chiTieu ma="so_ho_so_tiep_nhan">120</chiTieu>
  <chiTieu ma="so_ho_so_so_hoa">117</chiTieu>
  <ghiChu>Báo cáo tình hình số hóa hồ sơ, kết quả giải quyết TTHC</ghiChu>
</baoCao>
`)
	write("report.xml", xml)
	write("report.xml.p7s", testpdf.DetachedCMS(t, xml, a, pki, cms))
	report := testpdf.Base(testpdf.BaseOptions{Title: "Báo cáo số hóa quý 1 năm 2026",
		Lines: []string{"Số hồ sơ tiếp nhận: 120", "Số hồ sơ đã số hóa: 117"}})
	write("report.pdf", report.Bytes)
	write("report.pdf.p7s", testpdf.DetachedCMS(t, report.Bytes, a, pki, cms))
	return nil
}
