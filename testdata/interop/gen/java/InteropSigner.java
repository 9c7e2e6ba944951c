// InteropSigner drives Apache PDFBox 2 and iText 5 for the interoperability
// fixtures in testdata/interop. The Go generator
// (internal/testpdf/cmd/geninterop) compiles it with javac against the
// Debian jars in /usr/share/java and runs one subcommand per step, so every
// revision of a fixture is written by the library named in its manifest row.
//
// It uses each library the way its documentation shows applications doing
// it: PDFBox leaves the CMS to the caller (built here with BouncyCastle, as
// PDFBox's own documentation suggests) and writes every change with
// saveIncremental; iText builds the CMS itself (MakeSignature, PdfPKCS7),
// fetches OCSP responses and CRLs with its own clients (OcspClientBouncyCastle,
// CrlClientOnline) and writes the /DSS with LtvVerification.
//
// Usage: java InteropSigner COMMAND ARGS... (see main).
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.HttpURLConnection;
import java.net.URL;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Calendar;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.apache.pdfbox.cos.COSArray;
import org.apache.pdfbox.cos.COSBase;
import org.apache.pdfbox.cos.COSDictionary;
import org.apache.pdfbox.cos.COSName;
import org.apache.pdfbox.cos.COSStream;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.pdmodel.PDPage;
import org.apache.pdfbox.pdmodel.PDPageContentStream;
import org.apache.pdfbox.pdmodel.PDResources;
import org.apache.pdfbox.pdmodel.common.PDRectangle;
import org.apache.pdfbox.pdmodel.encryption.AccessPermission;
import org.apache.pdfbox.pdmodel.encryption.StandardProtectionPolicy;
import org.apache.pdfbox.pdmodel.font.PDType0Font;
import org.apache.pdfbox.pdmodel.font.PDType1Font;
import org.apache.pdfbox.pdmodel.interactive.annotation.PDAnnotationWidget;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.PDSignature;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureInterface;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.SignatureOptions;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.visible.PDVisibleSigProperties;
import org.apache.pdfbox.pdmodel.interactive.digitalsignature.visible.PDVisibleSignDesigner;
import org.apache.pdfbox.pdmodel.interactive.form.PDAcroForm;
import org.apache.pdfbox.pdmodel.interactive.form.PDField;
import org.apache.pdfbox.pdmodel.interactive.form.PDTextField;

import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Primitive;
import org.bouncycastle.asn1.DERIA5String;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.cms.Attribute;
import org.bouncycastle.asn1.cms.AttributeTable;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.AccessDescription;
import org.bouncycastle.asn1.x509.AuthorityInformationAccess;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateHolder;
import org.bouncycastle.cert.ocsp.BasicOCSPResp;
import org.bouncycastle.cert.ocsp.CertificateID;
import org.bouncycastle.cert.ocsp.OCSPReq;
import org.bouncycastle.cert.ocsp.OCSPReqBuilder;
import org.bouncycastle.cert.ocsp.OCSPResp;
import org.bouncycastle.cms.CMSProcessableByteArray;
import org.bouncycastle.cms.CMSSignedData;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.bouncycastle.cms.SignerInformation;
import org.bouncycastle.cms.SignerInformationStore;
import org.bouncycastle.cms.jcajce.JcaSignerInfoGeneratorBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaDigestCalculatorProviderBuilder;
import org.bouncycastle.tsp.TSPAlgorithms;
import org.bouncycastle.tsp.TimeStampRequest;
import org.bouncycastle.tsp.TimeStampRequestGenerator;
import org.bouncycastle.tsp.TimeStampResponse;
import org.bouncycastle.tsp.TimeStampToken;
import org.bouncycastle.util.Store;

import com.itextpdf.text.Document;
import com.itextpdf.text.Font;
import com.itextpdf.text.PageSize;
import com.itextpdf.text.Paragraph;
import com.itextpdf.text.Rectangle;
import com.itextpdf.text.pdf.AcroFields;
import com.itextpdf.text.pdf.BaseFont;
import com.itextpdf.text.pdf.PdfReader;
import com.itextpdf.text.pdf.PdfSignatureAppearance;
import com.itextpdf.text.pdf.PdfStamper;
import com.itextpdf.text.pdf.PdfWriter;
import com.itextpdf.text.pdf.TextField;
import com.itextpdf.text.pdf.security.BouncyCastleDigest;
import com.itextpdf.text.pdf.security.CrlClient;
import com.itextpdf.text.pdf.security.CrlClientOnline;
import com.itextpdf.text.pdf.security.ExternalSignature;
import com.itextpdf.text.pdf.security.LtvTimestamp;
import com.itextpdf.text.pdf.security.LtvVerification;
import com.itextpdf.text.pdf.security.MakeSignature;
import com.itextpdf.text.pdf.security.OcspClient;
import com.itextpdf.text.pdf.security.OcspClientBouncyCastle;
import com.itextpdf.text.pdf.security.PdfPKCS7;
import com.itextpdf.text.pdf.security.PrivateKeySignature;
import com.itextpdf.text.pdf.security.TSAClient;
import com.itextpdf.text.pdf.security.TSAClientBouncyCastle;

public class InteropSigner {

    /** Options of one run: --name value pairs and bare --flags. */
    static final class Opts {
        final List<String> pos = new ArrayList<>();
        final Map<String, String> kv = new HashMap<>();

        Opts(String[] args, int from) {
            for (int i = from; i < args.length; i++) {
                String a = args[i];
                if (a.startsWith("--")) {
                    String k = a.substring(2);
                    if (i + 1 < args.length && !args[i + 1].startsWith("--")) {
                        kv.put(k, args[++i]);
                    } else {
                        kv.put(k, "");
                    }
                } else {
                    pos.add(a);
                }
            }
        }

        String get(String k) { return kv.get(k); }
        String get(String k, String def) { return kv.getOrDefault(k, def); }
        boolean has(String k) { return kv.containsKey(k); }
        int num(String k, int def) { return kv.containsKey(k) ? Integer.parseInt(kv.get(k)) : def; }
        String arg(int i) {
            if (i >= pos.size()) {
                throw new IllegalArgumentException("missing argument " + (i + 1));
            }
            return pos.get(i);
        }
    }

    /** A signer's private key and certificate chain, read from PKCS#12. */
    static final class KeyMaterial {
        PrivateKey key;
        X509Certificate[] chain;
    }

    public static void main(String[] args) throws Exception {
        Security.addProvider(new BouncyCastleProvider());
        if (args.length == 0) {
            throw new IllegalArgumentException("usage: InteropSigner COMMAND ARGS...");
        }
        Opts o = new Opts(args, 1);
        switch (args[0]) {
            case "versions": versions(); break;
            case "font-subset": fontSubset(o); break;
            case "pdfbox-base": pdfboxBase(o); break;
            case "pdfbox-sign": pdfboxSign(o); break;
            case "pdfbox-fill": pdfboxFill(o); break;
            case "pdfbox-dss": pdfboxDSS(o); break;
            case "pdfbox-doctimestamp": pdfboxDocTimestamp(o); break;
            case "pdfbox-encrypt": pdfboxEncrypt(o); break;
            case "itext-base": itextBase(o); break;
            case "itext-sign": itextSign(o); break;
            case "itext-fill": itextFill(o); break;
            case "itext-ltv": itextLTV(o); break;
            case "itext-encrypt": itextEncrypt(o); break;
            default: throw new IllegalArgumentException("unknown command " + args[0]);
        }
    }

    static void versions() {
        Map<String, String> v = new LinkedHashMap<>();
        v.put("pdfbox", org.apache.pdfbox.util.Version.getVersion());
        v.put("itext", com.itextpdf.text.Version.getInstance().getRelease());
        v.put("itext_producer", com.itextpdf.text.Version.getInstance().getVersion());
        v.put("bouncycastle", new BouncyCastleProvider().getVersionStr());
        v.put("java", System.getProperty("java.vendor") + " " + System.getProperty("java.runtime.version"));
        StringBuilder b = new StringBuilder("{");
        for (Map.Entry<String, String> e : v.entrySet()) {
            if (b.length() > 1) {
                b.append(", ");
            }
            b.append('"').append(e.getKey()).append("\": \"").append(e.getValue().replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        System.out.println(b.append('}'));
    }

    /**
     * font-subset IN OUT: writes a TrueType subset of IN with Latin and
     * Vietnamese characters (FontBox's TTFSubsetter). pdfsig embeds, whole,
     * whatever font fontconfig offers for Helvetica; the generator points
     * fontconfig at this subset so its files stay small.
     */
    static void fontSubset(Opts o) throws Exception {
        org.apache.fontbox.ttf.TrueTypeFont ttf = new org.apache.fontbox.ttf.TTFParser().parse(new File(o.arg(0)));
        org.apache.fontbox.ttf.TTFSubsetter sub = new org.apache.fontbox.ttf.TTFSubsetter(ttf,
                Arrays.asList("head", "hhea", "loca", "maxp", "cvt ", "prep", "glyf", "hmtx", "fpgm", "cmap", "name", "OS/2", "post"));
        int[][] ranges = {
            {0x20, 0x7E}, {0xA0, 0x17F}, {0x1A0, 0x1B0}, {0x300, 0x323},
            {0x1EA0, 0x1EF9}, {0x2013, 0x2014}, {0x2018, 0x201D}, {0x20AB, 0x20AB},
        };
        for (int[] r : ranges) {
            for (int c = r[0]; c <= r[1]; c++) {
                sub.add(c);
            }
        }
        try (OutputStream out = new FileOutputStream(o.arg(1))) {
            sub.writeToStream(out);
        }
        ttf.close();
    }

    // ---- shared helpers -------------------------------------------------

    static KeyMaterial loadKey(String p12, String pass) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(p12)) {
            ks.load(in, pass.toCharArray());
        }
        for (Enumeration<String> e = ks.aliases(); e.hasMoreElements();) {
            String alias = e.nextElement();
            if (!ks.isKeyEntry(alias)) {
                continue;
            }
            KeyMaterial km = new KeyMaterial();
            km.key = (PrivateKey) ks.getKey(alias, pass.toCharArray());
            Certificate[] c = ks.getCertificateChain(alias);
            km.chain = new X509Certificate[c.length];
            for (int i = 0; i < c.length; i++) {
                km.chain[i] = (X509Certificate) c[i];
            }
            return km;
        }
        throw new IllegalStateException(p12 + ": no private key");
    }

    static byte[] post(String url, String contentType, byte[] body) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setDoOutput(true);
        c.setRequestMethod("POST");
        c.setRequestProperty("Content-Type", contentType);
        c.setConnectTimeout(10000);
        c.setReadTimeout(10000);
        try (OutputStream out = c.getOutputStream()) {
            out.write(body);
        }
        if (c.getResponseCode() != 200) {
            throw new IOException(url + ": HTTP " + c.getResponseCode());
        }
        try (InputStream in = c.getInputStream()) {
            return in.readAllBytes();
        }
    }

    static byte[] get(String url) throws IOException {
        HttpURLConnection c = (HttpURLConnection) new URL(url).openConnection();
        c.setConnectTimeout(10000);
        c.setReadTimeout(10000);
        if (c.getResponseCode() != 200) {
            throw new IOException(url + ": HTTP " + c.getResponseCode());
        }
        try (InputStream in = c.getInputStream()) {
            return in.readAllBytes();
        }
    }

    static byte[] sha256(byte[] b) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(b);
    }

    /** Asks the RFC 3161 TSA at url for a token over a SHA-256 digest. */
    static byte[] timestampToken(String url, byte[] digest) throws Exception {
        TimeStampRequestGenerator g = new TimeStampRequestGenerator();
        g.setCertReq(true);
        TimeStampRequest req = g.generate(TSPAlgorithms.SHA256, digest, BigInteger.valueOf(new SecureRandom().nextLong() & Long.MAX_VALUE));
        TimeStampResponse resp = new TimeStampResponse(post(url, "application/timestamp-query", req.getEncoded()));
        resp.validate(req);
        TimeStampToken tok = resp.getTimeStampToken();
        if (tok == null) {
            throw new IOException("TSA refused: " + resp.getStatusString());
        }
        return tok.getEncoded();
    }

    static String[] pageLines(String tool) {
        return new String[] {
            "PHIẾU TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            "Mã hồ sơ: 000.00.12.G05-261207-0001",
            "Thủ tục: Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
            "Người nộp: Nguyễn Văn An — Số CCCD: 035099012345",
            "Cơ quan giải quyết: Sở Tư pháp tỉnh Hà Nam",
            "Ngày hẹn trả kết quả: 17/12/2026",
            "Tệp mẫu kiểm thử khả năng tương thích, tạo bằng " + tool + ".",
        };
    }

    /** Draws the picture PDFBox's visible signature template shows. */
    static BufferedImage stampImage(String fontPath, String text) throws Exception {
        java.awt.Font base = java.awt.Font.createFont(java.awt.Font.TRUETYPE_FONT, new File(fontPath));
        BufferedImage img = new BufferedImage(520, 160, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(new Color(0xB0, 0x10, 0x10));
        g.drawRect(2, 2, img.getWidth() - 5, img.getHeight() - 5);
        g.setFont(base.deriveFont(22f));
        int y = 40;
        for (String line : text.split("\n")) {
            g.drawString(line, 16, y);
            y += 34;
        }
        g.dispose();
        return img;
    }

    // ---- PDFBox ---------------------------------------------------------

    static PDDocument pdfboxLoad(String path, Opts o) throws IOException {
        if (o.has("password")) {
            return PDDocument.load(new File(path), o.get("password"));
        }
        return PDDocument.load(new File(path));
    }

    /** pdfbox-base OUT --font TTF [--form] */
    static void pdfboxBase(Opts o) throws Exception {
        try (PDDocument doc = new PDDocument()) {
            PDPage page = new PDPage(PDRectangle.A4);
            doc.addPage(page);
            PDType0Font font = PDType0Font.load(doc, new File(o.get("font")));
            try (PDPageContentStream cs = new PDPageContentStream(doc, page)) {
                cs.beginText();
                cs.setFont(font, 13);
                cs.setLeading(20);
                cs.newLineAtOffset(60, 770);
                for (String line : pageLines("Apache PDFBox " + org.apache.pdfbox.util.Version.getVersion())) {
                    cs.showText(line);
                    cs.newLine();
                }
                if (o.has("form")) {
                    cs.newLine();
                    cs.showText("Họ và tên người nhận kết quả:");
                }
                cs.endText();
            }
            if (o.has("form")) {
                PDAcroForm form = new PDAcroForm(doc);
                doc.getDocumentCatalog().setAcroForm(form);
                PDResources dr = new PDResources();
                dr.put(COSName.getPDFName("Helv"), PDType1Font.HELVETICA);
                form.setDefaultResources(dr);
                form.setDefaultAppearance("/Helv 0 Tf 0 g");
                PDTextField field = new PDTextField(form);
                field.setPartialName("ho_ten");
                field.setDefaultAppearance("/Helv 11 Tf 0 g");
                PDAnnotationWidget w = field.getWidgets().get(0);
                w.setRectangle(new PDRectangle(290, 605, 250, 20));
                w.setPage(page);
                w.setPrinted(true);
                page.getAnnotations().add(w);
                form.getFields().add(field);
            }
            doc.getDocumentInformation().setTitle("Phiếu tiếp nhận hồ sơ");
            doc.save(new File(o.arg(0)));
        }
    }

    /**
     * pdfbox-sign IN OUT --p12 F --pass P [--password PDFPW] [--field NAME]
     * [--visible TEXT --font TTF] [--certify P] [--tsa URL] [--reason R]
     * [--location L]
     */
    static void pdfboxSign(Opts o) throws Exception {
        KeyMaterial km = loadKey(o.get("p12"), o.get("pass"));
        String tsa = o.get("tsa");
        try (PDDocument doc = pdfboxLoad(o.arg(0), o); SignatureOptions so = new SignatureOptions()) {
            PDSignature sig = new PDSignature();
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(PDSignature.SUBFILTER_ADBE_PKCS7_DETACHED);
            sig.setName(commonName(km.chain[0]));
            sig.setReason(o.get("reason", "Ký duyệt"));
            sig.setLocation(o.get("location", "Hà Nam"));
            sig.setSignDate(Calendar.getInstance());
            if (o.has("certify")) {
                pdfboxDocMDP(doc, sig, Integer.parseInt(o.get("certify")));
            }
            so.setPreferredSignatureSize(tsa != null ? 20000 : 10000);
            if (o.has("visible")) {
                BufferedImage img = stampImage(o.get("font"), o.get("visible"));
                PDVisibleSignDesigner d = new PDVisibleSignDesigner(doc, img, 1);
                d.xAxis(300).yAxis(620).zoom(-50).signatureFieldName(o.get("field", "Signature2"));
                PDVisibleSigProperties p = new PDVisibleSigProperties();
                p.signerName(commonName(km.chain[0])).signerLocation(o.get("location", "Hà Nam"))
                        .signatureReason(o.get("reason", "Ký duyệt")).preferredSize(0).page(1)
                        .visualSignEnabled(true).setPdVisibleSignature(d);
                p.buildSignature();
                so.setVisualSignature(p);
                so.setPage(0);
            }
            SignatureInterface signer = content -> {
                try {
                    return cms(km, content.readAllBytes(), tsa);
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            };
            doc.addSignature(sig, signer, so);
            try (OutputStream out = new FileOutputStream(o.arg(1))) {
                doc.saveIncremental(out);
            }
        }
    }

    /** Makes sig a certification signature: /Reference with DocMDP and /Perms in the catalog. */
    static void pdfboxDocMDP(PDDocument doc, PDSignature sig, int p) {
        COSDictionary params = new COSDictionary();
        params.setItem(COSName.TYPE, COSName.getPDFName("TransformParams"));
        params.setInt(COSName.P, p);
        params.setName(COSName.V, "1.2");
        COSDictionary ref = new COSDictionary();
        ref.setItem(COSName.TYPE, COSName.getPDFName("SigRef"));
        ref.setItem(COSName.getPDFName("TransformMethod"), COSName.getPDFName("DocMDP"));
        ref.setItem(COSName.getPDFName("DigestMethod"), COSName.getPDFName("SHA256"));
        ref.setItem(COSName.getPDFName("TransformParams"), params);
        COSArray refs = new COSArray();
        refs.add(ref);
        sig.getCOSObject().setItem(COSName.getPDFName("Reference"), refs);
        COSDictionary perms = new COSDictionary();
        perms.setItem(COSName.getPDFName("DocMDP"), sig.getCOSObject());
        COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
        catalog.setItem(COSName.getPDFName("Perms"), perms);
        catalog.setNeedToBeUpdated(true);
    }

    /** A detached CMS SignedData over data, with a signature timestamp when tsa is set. */
    static byte[] cms(KeyMaterial km, byte[] data, String tsa) throws Exception {
        CMSSignedDataGenerator g = new CMSSignedDataGenerator();
        ContentSigner cs = new JcaContentSignerBuilder("SHA256withRSA").setProvider("BC").build(km.key);
        g.addSignerInfoGenerator(new JcaSignerInfoGeneratorBuilder(
                new JcaDigestCalculatorProviderBuilder().setProvider("BC").build()).build(cs, km.chain[0]));
        g.addCertificates(new JcaCertStore(Arrays.asList(km.chain)));
        CMSSignedData sd = g.generate(new CMSProcessableByteArray(data), false);
        if (tsa != null) {
            SignerInformation si = sd.getSignerInfos().getSigners().iterator().next();
            byte[] tok = timestampToken(tsa, sha256(si.getSignature()));
            ASN1EncodableVector v = new ASN1EncodableVector();
            v.add(new Attribute(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken, new DERSet(ASN1Primitive.fromByteArray(tok))));
            si = SignerInformation.replaceUnsignedAttributes(si, new AttributeTable(v));
            sd = CMSSignedData.replaceSigners(sd, new SignerInformationStore(Collections.singletonList(si)));
        }
        return sd.getEncoded();
    }

    /** pdfbox-fill IN OUT --field NAME --value V: sets a text field and saves incrementally. */
    static void pdfboxFill(Opts o) throws Exception {
        try (PDDocument doc = pdfboxLoad(o.arg(0), o)) {
            PDAcroForm form = doc.getDocumentCatalog().getAcroForm();
            PDField f = form.getField(o.get("field"));
            f.setValue(o.get("value"));
            // saveIncremental writes only what is flagged: the field (its
            // widget), the new appearance stream and the chain up to it.
            f.getCOSObject().setNeedToBeUpdated(true);
            for (PDAnnotationWidget w : f.getWidgets()) {
                w.getCOSObject().setNeedToBeUpdated(true);
                if (w.getAppearance() != null) {
                    w.getAppearance().getCOSObject().setNeedToBeUpdated(true);
                }
            }
            form.getCOSObject().setNeedToBeUpdated(true);
            doc.getDocumentCatalog().getCOSObject().setNeedToBeUpdated(true);
            try (OutputStream out = new FileOutputStream(o.arg(1))) {
                doc.saveIncremental(out);
            }
        }
    }

    /** pdfbox-doctimestamp IN OUT --tsa URL: adds an ETSI.RFC3161 document timestamp. */
    static void pdfboxDocTimestamp(Opts o) throws Exception {
        String tsa = o.get("tsa");
        try (PDDocument doc = pdfboxLoad(o.arg(0), o); SignatureOptions so = new SignatureOptions()) {
            PDSignature sig = new PDSignature();
            sig.setType(COSName.getPDFName("DocTimeStamp"));
            sig.setFilter(PDSignature.FILTER_ADOBE_PPKLITE);
            sig.setSubFilter(COSName.getPDFName("ETSI.RFC3161"));
            so.setPreferredSignatureSize(12000);
            doc.addSignature(sig, content -> {
                try {
                    return timestampToken(tsa, sha256(content.readAllBytes()));
                } catch (IOException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IOException(e);
                }
            }, so);
            try (OutputStream out = new FileOutputStream(o.arg(1))) {
                doc.saveIncremental(out);
            }
        }
    }

    /** pdfbox-encrypt IN OUT --owner PW [--bits 256]: empty user password. */
    static void pdfboxEncrypt(Opts o) throws Exception {
        try (PDDocument doc = PDDocument.load(new File(o.arg(0)))) {
            AccessPermission ap = new AccessPermission();
            ap.setCanModify(false);
            ap.setCanExtractContent(false);
            ap.setCanFillInForm(true);
            ap.setCanPrint(true);
            StandardProtectionPolicy pp = new StandardProtectionPolicy(o.get("owner"), "", ap);
            pp.setEncryptionKeyLength(o.num("bits", 256));
            doc.protect(pp);
            doc.save(new File(o.arg(1)));
        }
    }

    /**
     * pdfbox-dss IN OUT: adds a /DSS (certificates, OCSP responses, CRLs and
     * a /VRI entry per signature) in an incremental update, fetching the
     * revocation data from the URLs in the certificates.
     */
    static void pdfboxDSS(Opts o) throws Exception {
        try (PDDocument doc = pdfboxLoad(o.arg(0), o)) {
            Map<String, byte[]> allCerts = new LinkedHashMap<>();
            Map<String, byte[]> allOCSPs = new LinkedHashMap<>();
            Map<String, byte[]> allCRLs = new LinkedHashMap<>();
            COSDictionary vri = new COSDictionary();
            for (PDSignature s : doc.getSignatureDictionaries()) {
                byte[] contents = s.getContents();
                List<X509Certificate> certs = new ArrayList<>();
                CMSSignedData sd = new CMSSignedData(contents);
                collect(sd.getCertificates(), certs);
                for (SignerInformation si : sd.getSignerInfos().getSigners()) {
                    AttributeTable ua = si.getUnsignedAttributes();
                    Attribute ts = ua == null ? null : ua.get(PKCSObjectIdentifiers.id_aa_signatureTimeStampToken);
                    if (ts != null) {
                        CMSSignedData tsd = new CMSSignedData(ts.getAttrValues().getObjectAt(0).toASN1Primitive().getEncoded());
                        collect(tsd.getCertificates(), certs);
                    }
                }
                List<byte[]> cs = new ArrayList<>(), os = new ArrayList<>(), rs = new ArrayList<>();
                // fetchOCSP appends the responders' certificates to certs,
                // so they are covered too.
                for (int i = 0; i < certs.size(); i++) {
                    X509Certificate c = certs.get(i);
                    cs.add(c.getEncoded());
                    if (c.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                        continue;
                    }
                    X509Certificate issuer = findIssuer(c, certs);
                    byte[] ocsp = null;
                    String ocspURL = ocspURL(c);
                    if (ocspURL != null && issuer != null) {
                        ocsp = fetchOCSP(ocspURL, c, issuer, certs);
                    }
                    if (ocsp != null) {
                        os.add(ocsp);
                        continue;
                    }
                    for (String u : crlURLs(c)) {
                        rs.add(get(u));
                        break;
                    }
                }
                for (byte[] b : cs) {
                    allCerts.put(hex(sha256(b)), b);
                }
                for (byte[] b : os) {
                    allOCSPs.put(hex(sha256(b)), b);
                }
                for (byte[] b : rs) {
                    allCRLs.put(hex(sha256(b)), b);
                }
                COSDictionary entry = new COSDictionary();
                entry.setItem(COSName.getPDFName("Cert"), streams(doc, cs));
                if (!os.isEmpty()) {
                    entry.setItem(COSName.getPDFName("OCSP"), streams(doc, os));
                }
                if (!rs.isEmpty()) {
                    entry.setItem(COSName.getPDFName("CRL"), streams(doc, rs));
                }
                entry.setNeedToBeUpdated(true);
                vri.setItem(COSName.getPDFName(hex(MessageDigest.getInstance("SHA-1").digest(contents)).toUpperCase()), entry);
            }
            COSDictionary dss = new COSDictionary();
            dss.setItem(COSName.TYPE, COSName.getPDFName("DSS"));
            dss.setItem(COSName.getPDFName("Certs"), streams(doc, new ArrayList<>(allCerts.values())));
            if (!allOCSPs.isEmpty()) {
                dss.setItem(COSName.getPDFName("OCSPs"), streams(doc, new ArrayList<>(allOCSPs.values())));
            }
            if (!allCRLs.isEmpty()) {
                dss.setItem(COSName.getPDFName("CRLs"), streams(doc, new ArrayList<>(allCRLs.values())));
            }
            vri.setNeedToBeUpdated(true);
            dss.setItem(COSName.getPDFName("VRI"), vri);
            dss.setNeedToBeUpdated(true);
            COSDictionary catalog = doc.getDocumentCatalog().getCOSObject();
            catalog.setItem(COSName.getPDFName("DSS"), dss);
            catalog.setNeedToBeUpdated(true);
            try (OutputStream out = new FileOutputStream(o.arg(1))) {
                doc.saveIncremental(out);
            }
        }
    }

    static void collect(Store<X509CertificateHolder> store, List<X509Certificate> into) throws Exception {
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        for (X509CertificateHolder h : store.getMatches(null)) {
            X509Certificate c = conv.getCertificate(h);
            boolean seen = false;
            for (X509Certificate x : into) {
                seen |= Arrays.equals(x.getEncoded(), c.getEncoded());
            }
            if (!seen) {
                into.add(c);
            }
        }
    }

    static X509Certificate findIssuer(X509Certificate c, List<X509Certificate> certs) {
        for (X509Certificate x : certs) {
            if (!x.getSubjectX500Principal().equals(c.getIssuerX500Principal())) {
                continue;
            }
            try {
                c.verify(x.getPublicKey());
                return x;
            } catch (Exception e) {
                // another CA with the same name
            }
        }
        return null;
    }

    static COSArray streams(PDDocument doc, List<byte[]> data) throws IOException {
        COSArray a = new COSArray();
        for (byte[] b : data) {
            COSStream s = doc.getDocument().createCOSStream();
            try (OutputStream out = s.createOutputStream(COSName.FLATE_DECODE)) {
                out.write(b);
            }
            s.setNeedToBeUpdated(true);
            a.add(s);
        }
        a.setNeedToBeUpdated(true);
        return a;
    }

    static String ocspURL(X509Certificate c) throws Exception {
        byte[] ext = c.getExtensionValue(Extension.authorityInfoAccess.getId());
        if (ext == null) {
            return null;
        }
        AuthorityInformationAccess aia = AuthorityInformationAccess.getInstance(
                ASN1Primitive.fromByteArray(org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets()));
        for (AccessDescription d : aia.getAccessDescriptions()) {
            if (d.getAccessMethod().equals(AccessDescription.id_ad_ocsp)
                    && d.getAccessLocation().getTagNo() == GeneralName.uniformResourceIdentifier) {
                return DERIA5String.getInstance(d.getAccessLocation().getName()).getString();
            }
        }
        return null;
    }

    static List<String> crlURLs(X509Certificate c) throws Exception {
        List<String> out = new ArrayList<>();
        byte[] ext = c.getExtensionValue(Extension.cRLDistributionPoints.getId());
        if (ext == null) {
            return out;
        }
        CRLDistPoint dp = CRLDistPoint.getInstance(
                ASN1Primitive.fromByteArray(org.bouncycastle.asn1.ASN1OctetString.getInstance(ext).getOctets()));
        for (DistributionPoint p : dp.getDistributionPoints()) {
            DistributionPointName n = p.getDistributionPoint();
            if (n == null || n.getType() != DistributionPointName.FULL_NAME) {
                continue;
            }
            for (GeneralName g : GeneralNames.getInstance(n.getName()).getNames()) {
                if (g.getTagNo() == GeneralName.uniformResourceIdentifier) {
                    out.add(DERIA5String.getInstance(g.getName()).getString());
                }
            }
        }
        return out;
    }

    static byte[] fetchOCSP(String url, X509Certificate c, X509Certificate issuer, List<X509Certificate> certs) throws Exception {
        CertificateID id = new CertificateID(new JcaDigestCalculatorProviderBuilder().build().get(CertificateID.HASH_SHA1),
                new JcaX509CertificateHolder(issuer), c.getSerialNumber());
        OCSPReq req = new OCSPReqBuilder().addRequest(id).build();
        byte[] der = post(url, "application/ocsp-request", req.getEncoded());
        OCSPResp resp = new OCSPResp(der);
        if (resp.getStatus() != OCSPResp.SUCCESSFUL) {
            return null;
        }
        BasicOCSPResp basic = (BasicOCSPResp) resp.getResponseObject();
        JcaX509CertificateConverter conv = new JcaX509CertificateConverter();
        for (X509CertificateHolder h : basic.getCerts()) {
            X509Certificate rc = conv.getCertificate(h);
            boolean seen = false;
            for (X509Certificate x : certs) {
                seen |= Arrays.equals(x.getEncoded(), rc.getEncoded());
            }
            if (!seen) {
                certs.add(rc); // the responder's certificate goes to /Certs too
            }
        }
        return der;
    }

    static String hex(byte[] b) {
        StringBuilder s = new StringBuilder();
        for (byte x : b) {
            s.append(String.format("%02x", x));
        }
        return s.toString();
    }

    static String commonName(X509Certificate c) {
        for (String part : c.getSubjectX500Principal().getName("RFC2253").split(",(?=[A-Z0-9.]+=)")) {
            if (part.startsWith("CN=")) {
                return part.substring(3).replace("\\", "");
            }
        }
        return c.getSubjectX500Principal().getName();
    }

    // ---- iText 5 --------------------------------------------------------

    static PdfReader itextReader(String path, Opts o) throws IOException {
        if (o.has("password")) {
            return new PdfReader(path, o.get("password").getBytes("ISO-8859-1"));
        }
        return new PdfReader(path);
    }

    /** itext-base OUT --font TTF [--form] [--tagged] */
    static void itextBase(Opts o) throws Exception {
        Document d = new Document(PageSize.A4, 60, 60, 60, 60);
        try (OutputStream out = new FileOutputStream(o.arg(0))) {
            PdfWriter w = PdfWriter.getInstance(d, out);
            if (o.has("tagged")) {
                w.setTagged();
                w.setPdfVersion(PdfWriter.VERSION_1_7);
                w.setViewerPreferences(PdfWriter.DisplayDocTitle);
                d.addLanguage("vi-VN");
            }
            d.addTitle("Phiếu tiếp nhận hồ sơ");
            d.open();
            BaseFont bf = BaseFont.createFont(o.get("font"), BaseFont.IDENTITY_H, BaseFont.EMBEDDED);
            Font f = new Font(bf, 13);
            for (String line : pageLines("iText " + com.itextpdf.text.Version.getInstance().getRelease())) {
                d.add(new Paragraph(line, f));
            }
            if (o.has("form")) {
                d.add(new Paragraph(" ", f));
                d.add(new Paragraph("Họ và tên người nhận kết quả:", f));
                TextField tf = new TextField(w, new Rectangle(290, 575, 540, 595), "ho_ten");
                tf.setFontSize(11);
                w.addAnnotation(tf.getTextField());
            }
            d.close();
        }
    }

    /**
     * itext-sign IN OUT --p12 F --pass P [--password OWNERPW] [--field NAME]
     * [--visible TEXT --font TTF] [--certify P] [--tsa URL] [--cades]
     * [--reason R] [--location L]
     */
    static void itextSign(Opts o) throws Exception {
        KeyMaterial km = loadKey(o.get("p12"), o.get("pass"));
        PdfReader r = itextReader(o.arg(0), o);
        try (OutputStream out = new FileOutputStream(o.arg(1))) {
            PdfStamper st = PdfStamper.createSignature(r, out, '\0', null, true);
            PdfSignatureAppearance sap = st.getSignatureAppearance();
            sap.setReason(o.get("reason", "Ký duyệt"));
            sap.setLocation(o.get("location", "Hà Nam"));
            if (o.has("certify")) {
                int p = Integer.parseInt(o.get("certify"));
                sap.setCertificationLevel(p == 1 ? PdfSignatureAppearance.CERTIFIED_NO_CHANGES_ALLOWED
                        : p == 2 ? PdfSignatureAppearance.CERTIFIED_FORM_FILLING
                        : PdfSignatureAppearance.CERTIFIED_FORM_FILLING_AND_ANNOTATIONS);
            }
            String field = o.get("field", "Signature1");
            if (o.has("visible")) {
                BaseFont bf = BaseFont.createFont(o.get("font"), BaseFont.IDENTITY_H, BaseFont.EMBEDDED);
                sap.setLayer2Font(new Font(bf, 9));
                sap.setLayer2Text(o.get("visible"));
                sap.setVisibleSignature(new Rectangle(300, 60, 560, 140), 1, field);
            } else {
                sap.setVisibleSignature(new Rectangle(0, 0, 0, 0), 1, field);
            }
            ExternalSignature es = new PrivateKeySignature(km.key, "SHA-256", "BC");
            TSAClient tsa = o.has("tsa") ? new TSAClientBouncyCastle(o.get("tsa")) : null;
            MakeSignature.signDetached(sap, new BouncyCastleDigest(), es, km.chain, null, null, tsa, 0,
                    o.has("cades") ? MakeSignature.CryptoStandard.CADES : MakeSignature.CryptoStandard.CMS);
        }
    }

    /** itext-fill IN OUT --field NAME --value V --font TTF: PdfStamper in append mode. */
    static void itextFill(Opts o) throws Exception {
        PdfReader r = itextReader(o.arg(0), o);
        try (OutputStream out = new FileOutputStream(o.arg(1))) {
            PdfStamper st = new PdfStamper(r, out, '\0', true);
            AcroFields af = st.getAcroFields();
            af.addSubstitutionFont(BaseFont.createFont(o.get("font"), BaseFont.IDENTITY_H, BaseFont.EMBEDDED));
            if (!af.setField(o.get("field"), o.get("value"))) {
                throw new IllegalStateException("no field " + o.get("field"));
            }
            st.close();
        }
    }

    /**
     * itext-ltv IN OUT [--tsa URL]: LtvVerification adds the validation data
     * of every signature (the whole chain; only the TSA certificate for a
     * document timestamp) to /DSS; with --tsa, LtvTimestamp then adds a
     * document timestamp in the same revision.
     */
    static void itextLTV(Opts o) throws Exception {
        PdfReader r = itextReader(o.arg(0), o);
        try (OutputStream out = new FileOutputStream(o.arg(1))) {
            boolean stamp = o.has("tsa");
            PdfStamper st = stamp ? PdfStamper.createSignature(r, out, '\0', null, true) : new PdfStamper(r, out, '\0', true);
            LtvVerification v = st.getLtvVerification();
            AcroFields af = st.getAcroFields();
            OcspClient ocsp = new OcspClientBouncyCastle(null);
            CrlClient crl = new CrlClientOnline();
            for (String name : af.getSignatureNames()) {
                PdfPKCS7 p7 = af.verifySignature(name, "BC");
                boolean ok = p7.isTsp()
                        ? v.addVerification(name, ocsp, crl, LtvVerification.CertificateOption.SIGNING_CERTIFICATE,
                                LtvVerification.Level.OCSP_OPTIONAL_CRL, LtvVerification.CertificateInclusion.YES)
                        : v.addVerification(name, ocsp, crl, LtvVerification.CertificateOption.WHOLE_CHAIN,
                                LtvVerification.Level.OCSP_OPTIONAL_CRL, LtvVerification.CertificateInclusion.YES);
                if (!ok) {
                    throw new IllegalStateException("no validation data for " + name);
                }
            }
            if (stamp) {
                LtvTimestamp.timestamp(st.getSignatureAppearance(), new TSAClientBouncyCastle(o.get("tsa")), null);
            } else {
                st.close();
            }
        }
    }

    /** itext-encrypt IN OUT --owner PW --alg rc4-128|aes-128: empty user password. */
    static void itextEncrypt(Opts o) throws Exception {
        PdfReader r = new PdfReader(o.arg(0));
        int alg;
        switch (o.get("alg")) {
            case "rc4-128": alg = PdfWriter.STANDARD_ENCRYPTION_128; break;
            case "aes-128": alg = PdfWriter.ENCRYPTION_AES_128; break;
            case "aes-256": alg = PdfWriter.ENCRYPTION_AES_256; break;
            default: throw new IllegalArgumentException("unknown --alg " + o.get("alg"));
        }
        try (OutputStream out = new FileOutputStream(o.arg(1))) {
            PdfStamper st = new PdfStamper(r, out);
            st.setEncryption(new byte[0], o.get("owner").getBytes("ISO-8859-1"),
                    PdfWriter.ALLOW_PRINTING | PdfWriter.ALLOW_FILL_IN | PdfWriter.ALLOW_SCREENREADERS, alg);
            st.close();
        }
    }
}
