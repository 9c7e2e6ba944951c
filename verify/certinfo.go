package verify

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode/utf8"
)

var oidUserID = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}

// Short names for distinguished name attributes, as users read them.
var dnShortNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "SERIALNUMBER",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "STREET",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "T",
	"2.5.4.42":                   "GN",
	"2.5.4.97":                   "organizationIdentifier",
	"1.2.840.113549.1.9.1":       "E",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
}

// vnIDPrefix matches the identifier prefixes Vietnamese CAs put in UID
// (and sometimes serialNumber) attributes: MST (tax code), CCCD (citizen
// ID), CMND (old ID card), HC (passport), BHXH (social insurance), ...
var vnIDPrefix = regexp.MustCompile(`^[A-Z]{2,6}\s*:`)

// certInfo describes a certificate the way users look for it.
func certInfo(c *x509.Certificate) CertInfo {
	ci := CertInfo{
		Subject:      rawNameString(c.RawSubject),
		CommonName:   c.Subject.CommonName,
		Organization: c.Subject.Organization,
		Issuer:       rawNameString(c.RawIssuer),
		SerialNumber: serialHex(c.SerialNumber),
		NotBefore:    c.NotBefore.UTC(),
		NotAfter:     c.NotAfter.UTC(),
	}
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(c.RawSubject, &rdns); err == nil && len(rest) == 0 {
		for _, rdn := range rdns {
			for _, atv := range rdn {
				s, ok := atv.Value.(string)
				if !ok {
					continue
				}
				switch {
				case atv.Type.Equal(oidUserID):
					ci.UIDs = append(ci.UIDs, s)
				case atv.Type.Equal(asn1.ObjectIdentifier{2, 5, 4, 5}) && vnIDPrefix.MatchString(s):
					ci.UIDs = append(ci.UIDs, s)
				}
			}
		}
	}
	for _, p := range c.Policies {
		ci.PolicyOIDs = append(ci.PolicyOIDs, p.String())
	}
	if len(ci.PolicyOIDs) == 0 {
		for _, p := range c.PolicyIdentifiers {
			ci.PolicyOIDs = append(ci.PolicyOIDs, p.String())
		}
	}
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		ci.KeyAlgorithm, ci.KeyBits = "RSA", k.N.BitLen()
	case *ecdsa.PublicKey:
		ci.KeyAlgorithm, ci.KeyBits = "ECDSA "+k.Curve.Params().Name, k.Curve.Params().BitSize
	case ed25519.PublicKey:
		ci.KeyAlgorithm, ci.KeyBits = "Ed25519", 256
	case nil:
		ci.KeyAlgorithm = spkiAlgName(c)
	default:
		ci.KeyAlgorithm = c.PublicKeyAlgorithm.String()
	}
	sum := sha256.Sum256(c.Raw)
	ci.SHA256 = hex.EncodeToString(sum[:])
	return ci
}

// certCN is a certificate's common name, or its whole subject.
func certCN(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return rawNameString(c.RawSubject)
}

// serialHex writes a serial number as lowercase hex bytes.
func serialHex(n *big.Int) string {
	if n == nil {
		return ""
	}
	if n.Sign() < 0 {
		return "-" + hex.EncodeToString(new(big.Int).Neg(n).Bytes())
	}
	if n.Sign() == 0 {
		return "00"
	}
	return hex.EncodeToString(n.Bytes())
}

// rawNameString formats a DER Name most-specific attribute first (RFC
// 4514 order) with short attribute names and the values as written:
// UTF-8 Vietnamese names stay readable, unlike pkix.Name.String, which
// prints UID values as hex.
func rawNameString(der []byte) string { return memoName(der, rawNameStringUncached) }

func rawNameStringUncached(der []byte) string {
	var rdns pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdns); err != nil || len(rest) > 0 {
		return fmt.Sprintf("(unreadable name %X)", der)
	}
	parts := make([]string, 0, len(rdns))
	for i := len(rdns) - 1; i >= 0; i-- {
		var multi []string
		for _, atv := range rdns[i] {
			key, ok := dnShortNames[atv.Type.String()]
			if !ok {
				key = atv.Type.String()
			}
			var val string
			switch x := atv.Value.(type) {
			case string:
				val = x
			case []byte:
				val = "#" + hex.EncodeToString(x)
			default:
				val = fmt.Sprint(x)
			}
			multi = append(multi, key+"="+escapeDNValue(val))
		}
		parts = append(parts, strings.Join(multi, "+"))
	}
	return strings.Join(parts, ", ")
}

func escapeDNValue(s string) string {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == ',' || r == '+' || r == '"' || r == '\\' || r == '<' || r == '>' || r == ';',
			r == '#' && i == 0, r == ' ' && (i == 0 || i == len(s)-1):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "\\%02X", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
