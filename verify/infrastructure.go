package verify

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"strings"

	"github.com/sohoa/sohoa"
)

// TrustInfrastructure names the signature infrastructure a trusted
// certificate path ends in (SignatureReport.TrustInfrastructure).
type TrustInfrastructure string

const (
	// InfraGov: the path ends in the Government CA's root (Ban Cơ yếu
	// Chính phủ): a specialised public-service signature of an agency or
	// official.
	InfraGov TrustInfrastructure = "gov"
	// InfraPublic: the path ends in the national root CA (NEAC), under
	// which the licensed public CAs issue citizens' and businesses'
	// certificates.
	InfraPublic TrustInfrastructure = "public"
	// InfraConfigured: the path ends in another anchor the unit
	// configured (its trust directory or --trust).
	InfraConfigured TrustInfrastructure = "configured"
)

// Code is the infrastructure's reason code, trust.infrastructure.<name>,
// whose catalogue text is the words a clerk knows.
func (i TrustInfrastructure) Code() sohoa.ReasonCode {
	if i == "" {
		return ""
	}
	return sohoa.ReasonCode("trust.infrastructure." + string(i))
}

// ReasonUnknownVNRoot: no trusted path, and the path ends in an issuer
// named like a Vietnamese root (a newer generation of the national root,
// say) that no configured or built-in anchor matches. Params: issuer.
const ReasonUnknownVNRoot sohoa.ReasonCode = "trust.unknown_vn_root"

var infrastructures = []TrustInfrastructure{InfraGov, InfraPublic, InfraConfigured}

var trustMessages = map[sohoa.ReasonCode]sohoa.Translation{
	InfraGov.Code(): {
		VI: "chữ ký số chuyên dùng Chính phủ",
		EN: "Government specialised public-service signature (Government CA)"},
	InfraPublic.Code(): {
		VI: "chữ ký số công cộng",
		EN: "public digital signature (national root CA)"},
	InfraConfigured.Code(): {
		VI: "chứng thư do đơn vị cấu hình",
		EN: "certificate trusted by the unit's configuration"},
	ReasonUnknownVNRoot: {
		VI: "Chuỗi chứng thư dẫn đến một chứng thư gốc của Việt Nam mà sohoa chưa biết ({issuer}): hãy thêm bằng lệnh `sohoa trust add`",
		EN: "chain to a Vietnamese root sohoa does not know yet ({issuer}): add it with `sohoa trust add`"},
}

func init() { sohoa.RegisterMessages(trustMessages) }

// infrastructureOf classifies a trusted path by its anchor's fingerprint.
func (v *Verifier) infrastructureOf(chain []*x509.Certificate) TrustInfrastructure {
	if len(chain) == 0 {
		return ""
	}
	sum := sha256.Sum256(chain[len(chain)-1].Raw)
	if in, ok := v.infra[hex.EncodeToString(sum[:])]; ok {
		return in
	}
	return InfraConfigured
}

// vnRootNames are the names (lower case, compared on O, OU and CN) of
// Vietnam's root CAs, with and without diacritics.
var vnRootNames = []string{
	"vietnam national root ca",
	"viet nam national root ca",
	"national centre of digital signature authentication",
	"national center of digital signature authentication",
	"ban cơ yếu chính phủ",
	"ban co yeu chinh phu",
}

// unknownVNRoot returns the name of the issuer an untrusted partial chain
// ends in when it looks like a Vietnamese root, else "": its O, OU or CN
// names one of Vietnam's root authorities and it is a root (the top
// certificate is self-signed, or its issuer's CN says root). A missing
// intermediate of the Government CA (whose O is the committee's too) is
// not taken for an unknown root.
func unknownVNRoot(chain []*x509.Certificate) string {
	if len(chain) == 0 {
		return ""
	}
	top := chain[len(chain)-1]
	n := top.Issuer
	if !bytes.Equal(top.RawIssuer, top.RawSubject) && !strings.Contains(strings.ToLower(n.CommonName), "root") {
		return ""
	}
	var fields []string
	fields = append(fields, n.Organization...)
	fields = append(fields, n.OrganizationalUnit...)
	fields = append(fields, n.CommonName)
	for _, f := range fields {
		f = strings.ToLower(strings.Join(strings.Fields(f), " "))
		for _, want := range vnRootNames {
			if f != "" && strings.Contains(f, want) {
				if n.CommonName != "" {
					return n.CommonName
				}
				return rawNameString(top.RawIssuer)
			}
		}
	}
	return ""
}
