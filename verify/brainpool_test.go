package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"testing"

	"github.com/stretchr/testify/require"
)

func mustHexBytes(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

func TestBrainpoolCurveArithmetic(t *testing.T) {
	for _, c := range []*brainpoolCurve{brainpoolP256r1, brainpoolP384r1, brainpoolP512r1} {
		t.Run(c.params.Name, func(t *testing.T) {
			p := c.params
			require.True(t, c.IsOnCurve(p.Gx, p.Gy))
			require.False(t, c.IsOnCurve(p.Gx, new(big.Int).Add(p.Gy, big.NewInt(1))))
			require.False(t, c.IsOnCurve(new(big.Int), new(big.Int)), "the identity's encoding is not a point")
			// n·G is the identity; (n-1)·G is -G.
			x, y := c.ScalarBaseMult(p.N.Bytes())
			require.Zero(t, x.Sign())
			require.Zero(t, y.Sign())
			x, y = c.ScalarBaseMult(new(big.Int).Sub(p.N, big.NewInt(1)).Bytes())
			require.Equal(t, p.Gx, x)
			require.Equal(t, new(big.Int).Sub(p.P, p.Gy), y)
			// G + (-G) is the identity; G + G is 2·G.
			x, y = c.Add(p.Gx, p.Gy, x, y)
			require.Zero(t, x.Sign())
			require.Zero(t, y.Sign())
			dx, dy := c.Double(p.Gx, p.Gy)
			ax, ay := c.Add(p.Gx, p.Gy, p.Gx, p.Gy)
			sx, sy := c.ScalarBaseMult([]byte{2})
			require.Equal(t, dx, ax)
			require.Equal(t, dy, ay)
			require.Equal(t, dx, sx)
			require.Equal(t, dy, sy)
			require.True(t, c.IsOnCurve(dx, dy))
			// (a+b)·G = a·G + b·G with the identity on either side.
			x, y = c.Add(new(big.Int), new(big.Int), dx, dy)
			require.Equal(t, dx, x)
			require.Equal(t, dy, y)
			x, y = c.ScalarBaseMult(nil)
			require.Zero(t, x.Sign())
			require.Zero(t, y.Sign())
			k1, k2 := big.NewInt(123456789), new(big.Int).Rsh(p.N, 3)
			x1, y1 := c.ScalarBaseMult(k1.Bytes())
			x2, y2 := c.ScalarBaseMult(k2.Bytes())
			x, y = c.Add(x1, y1, x2, y2)
			x3, y3 := c.ScalarBaseMult(new(big.Int).Add(k1, k2).Bytes())
			require.Equal(t, x3, x)
			require.Equal(t, y3, y)
		})
	}
}

// The ECDH test vectors of RFC 7027 Appendix A (third-party known
// answers): dA·G = QA, dB·G = QB and dA·QB = dB·QA = Z on each curve.
func TestBrainpoolRFC7027(t *testing.T) {
	cases := []struct {
		c                              *brainpoolCurve
		dA, xA, yA, dB, xB, yB, xZ, yZ string
	}{
		{brainpoolP256r1,
			"81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D",
			"44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5",
			"8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC",
			"55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3",
			"8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B",
			"990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A",
			"89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B",
			"49C27868F4ECA2179BFD7D59B1E3BF34C1DBDE61AE12931648F43E59632504DE"},
		{brainpoolP384r1,
			"1E20F5E048A5886F1F157C74E91BDE2B98C8B52D58E5003D57053FC4B0BD65D6F15EB5D1EE1610DF870795143627D042",
			"68B665DD91C195800650CDD363C625F4E742E8134667B767B1B476793588F885AB698C852D4A6E77A252D6380FCAF068",
			"55BC91A39C9EC01DEE36017B7D673A931236D2F1F5C83942D049E3FA20607493E0D038FF2FD30C2AB67D15C85F7FAA59",
			"032640BC6003C59260F7250C3DB58CE647F98E1260ACCE4ACDA3DD869F74E01F8BA5E0324309DB6A9831497ABAC96670",
			"4D44326F269A597A5B58BBA565DA5556ED7FD9A8A9EB76C25F46DB69D19DC8CE6AD18E404B15738B2086DF37E71D1EB4",
			"62D692136DE56CBE93BF5FA3188EF58BC8A3A0EC6C1E151A21038A42E9185329B5B275903D192F8D4E1F32FE9CC78C48",
			"0BD9D3A7EA0B3D519D09D8E48D0785FB744A6B355E6304BC51C229FBBCE239BBADF6403715C35D4FB2A5444F575D4F42",
			"0DF213417EBE4D8E40A5F76F66C56470C489A3478D146DECF6DF0D94BAE9E598157290F8756066975F1DB34B2324B7BD"},
		{brainpoolP512r1,
			"16302FF0DBBB5A8D733DAB7141C1B45ACBC8715939677F6A56850A38BD87BD59B09E80279609FF333EB9D4C061231FB26F92EEB04982A5F1D1764CAD57665422",
			"0A420517E406AAC0ACDCE90FCD71487718D3B953EFD7FBEC5F7F27E28C6149999397E91E029E06457DB2D3E640668B392C2A7E737A7F0BF04436D11640FD09FD",
			"72E6882E8DB28AAD36237CD25D580DB23783961C8DC52DFA2EC138AD472A0FCEF3887CF62B623B2A87DE5C588301EA3E5FC269B373B60724F5E82A6AD147FDE7",
			"230E18E1BCC88A362FA54E4EA3902009292F7F8033624FD471B5D8ACE49D12CFABBC19963DAB8E2F1EBA00BFFB29E4D72D13F2224562F405CB80503666B25429",
			"9D45F66DE5D67E2E6DB6E93A59CE0BB48106097FF78A081DE781CDB31FCE8CCBAAEA8DD4320C4119F1E9CD437A2EAB3731FA9668AB268D871DEDA55A5473199F",
			"2FDC313095BCDD5FB3A91636F07A959C8E86B5636A1E930E8396049CB481961D365CC11453A06C719835475B12CB52FC3C383BCE35E27EF194512B71876285FA",
			"A7927098655F1F9976FA50A9D566865DC530331846381C87256BAF3226244B76D36403C024D7BBF0AA0803EAFF405D3D24F11A9B5C0BEF679FE1454B21C4CD1F",
			"7DB71C3DEF63212841C463E881BDCF055523BD368240E6C3143BD8DEF8B3B3223B95E0F53082FF5E412F4222537A43DF1C6D25729DDB51620A832BE6A26680A2"},
	}
	for _, tc := range cases {
		t.Run(tc.c.params.Name, func(t *testing.T) {
			c := tc.c
			dA, dB := mustHexBytes(t, tc.dA), mustHexBytes(t, tc.dB)
			x, y := c.ScalarBaseMult(dA)
			require.Equal(t, hexInt(tc.xA), x)
			require.Equal(t, hexInt(tc.yA), y)
			x, y = c.ScalarBaseMult(dB)
			require.Equal(t, hexInt(tc.xB), x)
			require.Equal(t, hexInt(tc.yB), y)
			x, y = c.ScalarMult(hexInt(tc.xB), hexInt(tc.yB), dA)
			require.Equal(t, hexInt(tc.xZ), x)
			require.Equal(t, hexInt(tc.yZ), y)
			x, y = c.ScalarMult(hexInt(tc.xA), hexInt(tc.yA), dB)
			require.Equal(t, hexInt(tc.xZ), x)
			require.Equal(t, hexInt(tc.yZ), y)
		})
	}
}

// A selection of Project Wycheproof's ECDSA brainpoolP256r1/SHA-256
// vectors (C2SP/wycheproof testvectors/ecdsa_brainpoolP256r1_sha256_test.json,
// version 0.8r12, Apache License 2.0), through crypto/ecdsa.VerifyASN1 as
// the verifier calls it: edge cases of r and s, a public key equal to ±G
// (point doubling), large and small coordinates, and DER strictness.
func TestBrainpoolWycheproof(t *testing.T) {
	type vec struct {
		tcID   int
		msg    string
		sig    string
		result bool
	}
	groups := []struct {
		wx, wy string
		tests  []vec
	}{
		{"019a2d9637743a63ddaefdbca0ee229a163b809b9b145e5313bbeb8defeab9d6", "548caf89bf5ba49499404145651234336401b9b2843a579ed152e090f11b9e59", []vec{
			{1, "313233343030", "304402200a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f0220426e857aad3ff7aa96e4d200c03b45f1846a36d089ee3917768ca1a0d6d4da6e", true},
			{2, "313233343030", "304402200a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f0220678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39", true},
			{3, "313233343030", "30814402200a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f0220678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39", false},
			{5, "313233343030", "304502200a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f0220678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c39", false},
			{19, "313233343030", "304602200a5f8c70ba2d0842d5d0f841f160ad15195769a8159bfe692634d73d469d111f0220678cd260f4aeb211a781388fdd48478007cf43d32b736de019916ce1c0737c390000", false},
		}},
		{"4b402a9ae18fc1a87cda337483900499fe729e471607671651a263fbf0d93f78", "1ef9b0f98fb73bcb605a7823a427ea5f0d98788c7dae42a04536202022c021cd", []vec{
			{285, "313233343030", "3036021100e2027b801fc479308ff5399a8825fccf022100a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a4", true},
			{286, "313233343030", "3046022100a9fb57dba1eea9bc3e660a909d838d726e3bf623d52620282013481d1f6e5376022100a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a4", false},
		}},
		{"40a2df0f17c7873459d5e9ac11fff84deb5f40ff9a52df8745bb4770f6dbf581", "99c2bf4920e9c8f758c2de69e42c1cb77c58425a9dafa41d7b0873efa894cedc", []vec{
			{287, "313233343030", "3046022100a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a3022100a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a2", true},
		}},
		{"9de669f9444da82e429f842f31c64418d4d7b05e93f41daddd09fc181ac227c6", "1c86210e8291fc5ae30c72e2013ec22bb97d88bf376d4a85dd1bb71b22526d1f", []vec{
			{288, "313233343030", "304402207fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff02204ab8de0a51481bc45794b924518f2dd6ac5cce31f3228d624c5a896f79a2d6a2", true},
		}},
		{"149d893f1306fb253bbf3a8691aba8a50002b0a27693aa97435a7b5cb33a55ee", "24b075fcdbc1a739f2f492dbe4799474ee3ad3804447e7d584e3430ce15a968a", []vec{
			{290, "313233343030", "3006020101020101", true},
		}},
		{"10cc7992ede28c7b4dda5c35cbd71174918e83adab0342cc3d556a413b4ce93b", "3f9c3b38aef0a0e687d7ee6afde70d47d6900ff0ce62156e8645b8103fc66cad", []vec{
			{292, "313233343030", "3006020101020103", true},
			{293, "313233343030", "3026022100a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82974856a8020103", false},
		}},
		{"2ba28f6236c5a774cd104b036d2e016711cb4a83fa078b5150f69e5098de7b4c", "a7c13ef8c57fcbe684ceff312ef53af1b14397d4154ba6106a3383aaed16ecb1", []vec{
			{294, "313233343030", "3026020101022100a9fb57dba1eea9bc3e660a909d838d718c397aa3b561a6f7901e0e82975b2d2e", false},
		}},
		{"8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262", "547ef835c3dac4fd97f8461a14611dc9c27745132ded8e545c1d54c72f046997", []vec{
			{349, "313233343030", "3045022100bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023022018487a43f28fcf1ae457b85dcd5befa281bf118519e960fecb720212a7e5c33c", false},
			{350, "313233343030", "3045022100989c5cc31440c1168f88b32ba6e47900183c0d843f9c41671898030664305d2b022018487a43f28fcf1ae457b85dcd5befa281bf118519e960fecb720212a7e5c33c", false},
		}},
		{"8bd2aeb9cb7e57cb2c4b482ffc81b7afb9de27e1e3bd23c23a4453bd9ace3262", "557c5fa5de13e4bea66dc47689226fa8abc4b110a73891d3c3f5f355f069e9e0", []vec{
			{351, "313233343030", "3045022100bb5a52f42f9c9261ed4361f59422a1e30036e7c32b270c8807a419feca605023022018487a43f28fcf1ae457b85dcd5befa281bf118519e960fecb720212a7e5c33c", false},
			{352, "313233343030", "3045022100989c5cc31440c1168f88b32ba6e47900183c0d843f9c41671898030664305d2b022018487a43f28fcf1ae457b85dcd5befa281bf118519e960fecb720212a7e5c33c", false},
		}},
		{"2676bd1e3fd83f3328d1af941442c036760f09587729419053083eb61d1ed22c", "2cf769688a5ffd67da1899d243e66bcabe21f9e78335263bf5308b8e41a71b39", []vec{
			{353, "", "30440220745be1da902d19c76c8f57d4a1f3362b4b20ed7c8de8fc0463d566795f979cea02205916c317a1e325b53735216a0fa37737f08b32245c88084817b468a41f5afee9", true},
			{354, "4d7367", "304502200ff9279a0775740b7db8bec07f9a0401b7903886cb198c1b18c46de0673b31c30221008b3c8686bd1a1508b5b785e762fece8c6cf19b6156983e5c36b2bbe724d6c23e", true},
			{355, "313233343030", "30450220351e727003896ec02949a3cf752223bcc6c2b611b30391edd60dc0c83dc9c98f022100924ad9dc00364d4aa2091416d173862f9b02965ff176e880ea62a673e16db98e", true},
			{356, "0000000000000000000000000000000000000000", "3044022044a811b2321acbc65cacf80d2dbe848946f1dac528f3e1ae38b0e54d083c258f022055d7edfaecdda3bbc062d5074e3c3719d32761159d027ca27c1725ddbd62f688", true},
		}},
		{"a9fb57db62501389594f0ee9fc1652fa83377fa302e19cef64252fc0b147f774", "9507acf5b04339ed102b9ca60db98c165b94ebe855d2202e46dce15ba1e028be", []vec{
			{357, "4d657373616765", "3045022062aab40a36d6a0d25644719ce31dc629ec684f6f0da32f9dd034ccc421dbd0ed022100a1fa6b0dfd9558da29374fb77505ee8ab3572161711f821d11807c7fff910c1c", true},
			{358, "4d657373616765", "30450220740cd3d3a9cd9dbe05ead4e39e54db27c0f1579da68e3aa5c9245b047aebc3b80221008ae78c12233d378fe2ce3c0fb2b769f8463830a71a5e5187c11b20fdd7e50445", true},
			{359, "4d657373616765", "3045022100a28f30245c5fb0c225fdec23924dc2cd4c2da888d1ee1bc5445858c646015ca802200ee364c1491c4551ef3509be8f88db0e04d0afb36528aeda1301b14948cc9cd6", true},
		}},
		{"351a45fb920f2c9f1b178438fa3bf272ff9328b881c477a1f56a8c0e88465276", "1270f806fe40ad97ebf76c6825384b780ae6afccc792b05f2fb3eb7b7fffffff", []vec{
			{360, "4d657373616765", "304402207f202f54f591b51105b227ee6d6da3adddfc4b5e819efc04befcdcbf7484f78302204360ea04503955fc3f025928b2dce50ff2d58b9060b34bbedfc3c219b3b4355b", true},
			{361, "4d657373616765", "3044022062e218dca32e4ef35692e9315e1e036bef1766073b846e38de20d2d29349f9fe0220519d4d4c6158d95474d793a0ee9c260a0c5469c5aab79510971b41fb4fae4baf", true},
			{362, "4d657373616765", "3045022100a3902295f6f743ac754db7b3fcd823be917b1191a5705728f5682492784da7f1022043def636660eff72e6435edb850c9126c7067938668f249998a0e4006b8ee7db", true},
		}},
	}
	for _, g := range groups {
		point := append(append([]byte{4}, mustHexBytes(t, g.wx)...), mustHexBytes(t, g.wy)...)
		pub, err := brainpoolPublicKey(brainpoolP256r1, point)
		require.NoError(t, err, g.wx)
		for _, tc := range g.tests {
			digest := hashOf(crypto.SHA256, mustHexBytes(t, tc.msg))
			got := ecdsa.VerifyASN1(pub, digest, mustHexBytes(t, tc.sig))
			require.Equal(t, tc.result, got, "tcId %d", tc.tcID)
		}
	}
}

func TestBrainpoolPublicKeyChecks(t *testing.T) {
	c := brainpoolP256r1
	good := append(append([]byte{4}, c.params.Gx.FillBytes(make([]byte, 32))...), c.params.Gy.FillBytes(make([]byte, 32))...)
	_, err := brainpoolPublicKey(c, good)
	require.NoError(t, err)
	off := bytes.Clone(good)
	off[len(off)-1] ^= 1
	_, err = brainpoolPublicKey(c, off)
	require.ErrorContains(t, err, "not a point of the curve")
	_, err = brainpoolPublicKey(c, append([]byte{2}, good[1:33]...))
	require.ErrorContains(t, err, "uncompressed")
	big := bytes.Clone(good)
	copy(big[1:33], c.params.P.FillBytes(make([]byte, 32)))
	_, err = brainpoolPublicKey(c, big)
	require.Error(t, err, "a coordinate not below p")
}

// Certificates with brainpool keys made by OpenSSL: read with their
// original bytes, used for CMS signatures (P-256 signer under an RSA
// root) and for a path through a brainpoolP384r1 CA (whose key checks the
// P-512 signer's certificate).
func TestBrainpoolOpenSSL(t *testing.T) {
	ca := opensslCert(t, "bpca384.pem")
	block := opensslFile(t, "bpca384.pem")
	_, err := x509.ParseCertificate(pemBytes(t, block))
	require.ErrorContains(t, err, "unsupported elliptic curve", "crypto/x509 alone refuses it")
	require.Equal(t, pemBytes(t, block), ca.Raw)
	require.Equal(t, "brainpoolP384r1", ca.PublicKey.(*ecdsa.PublicKey).Curve.Params().Name)
	require.True(t, ca.IsCA)
	leaf := opensslCert(t, "bp512.pem")
	require.NoError(t, leaf.CheckSignatureFrom(ca), "crypto/x509 checks a signature under the brainpool key")
	info := certInfo(leaf)
	require.Equal(t, "ECDSA brainpoolP512r1", info.KeyAlgorithm)
	require.Equal(t, 512, info.KeyBits)
	require.Equal(t, keyIDOf(leaf), leaf.SubjectKeyId, "the key identifier is over the original key")

	data := opensslFile(t, "data.txt")
	for _, tc := range []struct {
		sig, alg string
		chain    int
	}{
		{"bp256-sha256.p7s", "ECDSA with SHA-256", 2},
		{"bp512-sha512.p7s", "ECDSA with SHA-512", 3},
	} {
		t.Run(tc.sig, func(t *testing.T) {
			rep := opensslVerify(t, tc.sig, data)
			s := rep.Signatures[0]
			require.Equal(t, TotalPassed, s.Indication, "problems: %q", s.Problems)
			require.Equal(t, tc.alg, s.SignatureAlgorithm)
			require.True(t, s.ChainTrusted)
			require.Len(t, s.Chain, tc.chain)

			rep = opensslVerify(t, tc.sig, append([]byte("x"), data...))
			require.Equal(t, HashFailure, rep.Signatures[0].SubIndication)

			bad := bytes.Clone(opensslFile(t, tc.sig))
			// The ECDSA signature value ends the SignerInfo, the DER's end.
			bad[len(bad)-5] ^= 1
			v, err := New(Config{TrustAnchors: []*x509.Certificate{opensslCert(t, "root.pem")}})
			require.NoError(t, err)
			rep, err = v.VerifyDetached(context.Background(), bad, bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err)
			require.Equal(t, TotalFailed, rep.Signatures[0].Indication)
			require.Equal(t, SigCryptoFailure, rep.Signatures[0].SubIndication)
		})
	}

	// A brainpool trust anchor loads and anchors the path.
	v, err := New(Config{TrustAnchors: []*x509.Certificate{ca}})
	require.NoError(t, err)
	rep, err := v.VerifyDetached(context.Background(), opensslFile(t, "bp512-sha512.p7s"), bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Equal(t, TotalPassed, rep.Signatures[0].Indication, "problems: %q", rep.Signatures[0].Problems)
	anchors, err := LoadTrustAnchors("testdata/openssl/bpca384.pem")
	require.NoError(t, err)
	require.Len(t, anchors, 1)
	require.Equal(t, ca.Raw, anchors[0].Raw)
}

func pemBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	block, _ := pem.Decode(b)
	require.NotNil(t, block)
	return block.Bytes
}
