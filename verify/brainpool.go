package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"encoding/asn1"
	"errors"
	"math/big"
	"sync"
)

// Brainpool curves (RFC 5639), used by German and other EU qualified
// certificates. Neither crypto/ecdsa nor crypto/x509 knows them, so this
// file gives them an elliptic.Curve that crypto/ecdsa's generic
// verification (ecdsa.VerifyASN1 on a curve it does not recognise) and
// therefore crypto/x509's signature checks and path building can use, and
// certparse.go reads certificates holding such keys.
//
// The arithmetic is for verification only: ECDSA verification works on
// public data (the key, the signature, the digest), so math/big, which is
// not constant-time, leaks nothing. The curve type is unexported and must
// never be used to make keys or signatures. Points are kept in Jacobian
// coordinates (X/Z², Y/Z³) for a general a (brainpool r1 curves do not
// have a = -3, which elliptic.CurveParams assumes).

var (
	oidBrainpoolP256r1 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 7}
	oidBrainpoolP384r1 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 11}
	oidBrainpoolP512r1 = asn1.ObjectIdentifier{1, 3, 36, 3, 3, 2, 8, 1, 1, 13}
)

// brainpoolCurve is a short Weierstrass curve y² = x³ + ax + b over GF(p)
// with a prime order n and cofactor 1.
type brainpoolCurve struct {
	params *elliptic.CurveParams
	a      *big.Int

	tableOnce sync.Once
	table     [][16]jacobian
}

var _ elliptic.Curve = (*brainpoolCurve)(nil)

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("brainpool: bad constant " + s)
	}
	return n
}

func newBrainpool(name string, bits int, p, a, b, x, y, n string) *brainpoolCurve {
	return &brainpoolCurve{
		params: &elliptic.CurveParams{Name: name, BitSize: bits, P: hexInt(p), N: hexInt(n), B: hexInt(b), Gx: hexInt(x), Gy: hexInt(y)},
		a:      hexInt(a),
	}
}

// The domain parameters of RFC 5639 section 3.4 (p, A, B, x, y, q).
var (
	brainpoolP256r1 = newBrainpool("brainpoolP256r1", 256,
		"A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377",
		"7D5A0975FC2C3057EEF67530417AFFE7FB8055C126DC5C6CE94A4B44F330B5D9",
		"26DC5C6CE94A4B44F330B5D9BBD77CBF958416295CF7E1CE6BCCDC18FF8C07B6",
		"8BD2AEB9CB7E57CB2C4B482FFC81B7AFB9DE27E1E3BD23C23A4453BD9ACE3262",
		"547EF835C3DAC4FD97F8461A14611DC9C27745132DED8E545C1D54C72F046997",
		"A9FB57DBA1EEA9BC3E660A909D838D718C397AA3B561A6F7901E0E82974856A7")
	brainpoolP384r1 = newBrainpool("brainpoolP384r1", 384,
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B412B1DA197FB71123ACD3A729901D1A71874700133107EC53",
		"7BC382C63D8C150C3C72080ACE05AFA0C2BEA28E4FB22787139165EFBA91F90F8AA5814A503AD4EB04A8C7DD22CE2826",
		"04A8C7DD22CE28268B39B55416F0447C2FB77DE107DCD2A62E880EA53EEB62D57CB4390295DBC9943AB78696FA504C11",
		"1D1C64F068CF45FFA2A63A81B7C13F6B8847A3E77EF14FE3DB7FCAFE0CBD10E8E826E03436D646AAEF87B2E247D4AF1E",
		"8ABE1D7520F9C2A45CB1EB8E95CFD55262B70B29FEEC5864E19C054FF99129280E4646217791811142820341263C5315",
		"8CB91E82A3386D280F5D6F7E50E641DF152F7109ED5456B31F166E6CAC0425A7CF3AB6AF6B7FC3103B883202E9046565")
	brainpoolP512r1 = newBrainpool("brainpoolP512r1", 512,
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA703308717D4D9B009BC66842AECDA12AE6A380E62881FF2F2D82C68528AA6056583A48F3",
		"7830A3318B603B89E2327145AC234CC594CBDD8D3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CA",
		"3DF91610A83441CAEA9863BC2DED5D5AA8253AA10A2EF1C98B9AC8B57F1117A72BF2C7B9E7C1AC4D77FC94CADC083E67984050B75EBAE5DD2809BD638016F723",
		"81AEE4BDD82ED9645A21322E9C4C6A9385ED9F70B5D916C1B43B62EEF4D0098EFF3B1F78E2D0D48D50D1687B93B97D5F7C6D5047406A5E688B352209BCB9F822",
		"7DDE385D566332ECC0EABFA9CF7822FDF209F70024A57B1AA000C55B881F8111B2DCDE494A5F485E5BCA4BD88A2763AED1CA2B2FA8F0540678CD1E0F3AD80892",
		"AADD9DB8DBE9C48B3FD4E6AE33C9FC07CB308DB3B3C9D20ED6639CCA70330870553E5C414CA92619418661197FAC10471DB1D381085DDADDB58796829CA90069")
)

// brainpoolByOID returns the curve a namedCurve OID names, or nil.
func brainpoolByOID(oid asn1.ObjectIdentifier) *brainpoolCurve {
	switch {
	case oid.Equal(oidBrainpoolP256r1):
		return brainpoolP256r1
	case oid.Equal(oidBrainpoolP384r1):
		return brainpoolP384r1
	case oid.Equal(oidBrainpoolP512r1):
		return brainpoolP512r1
	}
	return nil
}

// brainpoolPublicKey reads an uncompressed point (SEC 1 2.3.4: 0x04 || X
// || Y) and checks it is a point of the curve other than the identity.
// Compressed points are refused, as crypto/x509 refuses them.
func brainpoolPublicKey(c *brainpoolCurve, point []byte) (*ecdsa.PublicKey, error) {
	size := (c.params.BitSize + 7) / 8
	if len(point) != 1+2*size || point[0] != 4 {
		return nil, errors.New("the brainpool public key is not an uncompressed point of the curve's size")
	}
	x := new(big.Int).SetBytes(point[1 : 1+size])
	y := new(big.Int).SetBytes(point[1+size:])
	if !c.IsOnCurve(x, y) {
		return nil, errors.New("the brainpool public key is not a point of the curve")
	}
	return &ecdsa.PublicKey{Curve: c, X: x, Y: y}, nil
}

func (c *brainpoolCurve) Params() *elliptic.CurveParams { return c.params }

// IsOnCurve reports whether (x, y), both reduced mod p, satisfies the
// curve equation. (0, 0), the identity's affine encoding, is not on it.
func (c *brainpoolCurve) IsOnCurve(x, y *big.Int) bool {
	p := c.params.P
	if x.Sign() < 0 || x.Cmp(p) >= 0 || y.Sign() < 0 || y.Cmp(p) >= 0 {
		return false
	}
	lhs := new(big.Int).Mul(y, y)
	lhs.Mod(lhs, p)
	rhs := new(big.Int).Mul(x, x)
	rhs.Add(rhs, c.a)
	rhs.Mul(rhs, x)
	rhs.Add(rhs, c.params.B)
	rhs.Mod(rhs, p)
	return lhs.Cmp(rhs) == 0
}

// jacobian is a point (X/Z², Y/Z³); Z = 0 is the identity.
type jacobian struct{ x, y, z *big.Int }

func (c *brainpoolCurve) fromAffine(x, y *big.Int) jacobian {
	if x.Sign() == 0 && y.Sign() == 0 {
		return identity()
	}
	return jacobian{new(big.Int).Set(x), new(big.Int).Set(y), big.NewInt(1)}
}

func (c *brainpoolCurve) toAffine(j jacobian) (x, y *big.Int) {
	if j.z.Sign() == 0 {
		return new(big.Int), new(big.Int)
	}
	p := c.params.P
	zinv := new(big.Int).ModInverse(j.z, p)
	zinv2 := new(big.Int).Mul(zinv, zinv)
	zinv2.Mod(zinv2, p)
	x = new(big.Int).Mul(j.x, zinv2)
	x.Mod(x, p)
	zinv2.Mul(zinv2, zinv)
	y = new(big.Int).Mul(j.y, zinv2)
	y.Mod(y, p)
	return x, y
}

// double is dbl-2007-bl for a general a:
// XX = X², YY = Y², S = 4·X·YY, M = 3·XX + a·Z⁴,
// X' = M² − 2S, Y' = M·(S − X') − 8·YY², Z' = 2·Y·Z.
func (c *brainpoolCurve) double(j jacobian) jacobian {
	if j.z.Sign() == 0 || j.y.Sign() == 0 {
		return identity()
	}
	p := c.params.P
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	xx := mod(new(big.Int).Mul(j.x, j.x))
	yy := mod(new(big.Int).Mul(j.y, j.y))
	zz := mod(new(big.Int).Mul(j.z, j.z))
	s := mod(new(big.Int).Mul(j.x, yy))
	s.Lsh(s, 2)
	mod(s)
	m := new(big.Int).Mul(xx, big.NewInt(3))
	az4 := mod(new(big.Int).Mul(zz, zz))
	az4.Mul(az4, c.a)
	m.Add(m, az4)
	mod(m)
	x3 := new(big.Int).Mul(m, m)
	x3.Sub(x3, s)
	x3.Sub(x3, s)
	mod(x3)
	yyyy8 := mod(new(big.Int).Mul(yy, yy))
	yyyy8.Lsh(yyyy8, 3)
	y3 := new(big.Int).Sub(s, x3)
	y3.Mul(y3, m)
	y3.Sub(y3, yyyy8)
	mod(y3)
	z3 := new(big.Int).Mul(j.y, j.z)
	z3.Lsh(z3, 1)
	mod(z3)
	return jacobian{x3, y3, z3}
}

// add is add-2007-bl with the special cases handled: either point the
// identity, equal points (doubling) and opposite points (the identity).
func (c *brainpoolCurve) add(a, b jacobian) jacobian {
	if a.z.Sign() == 0 {
		return b
	}
	if b.z.Sign() == 0 {
		return a
	}
	p := c.params.P
	mod := func(v *big.Int) *big.Int { return v.Mod(v, p) }
	z1z1 := mod(new(big.Int).Mul(a.z, a.z))
	z2z2 := mod(new(big.Int).Mul(b.z, b.z))
	u1 := mod(new(big.Int).Mul(a.x, z2z2))
	u2 := mod(new(big.Int).Mul(b.x, z1z1))
	s1 := mod(new(big.Int).Mul(a.y, b.z))
	s1 = mod(s1.Mul(s1, z2z2))
	s2 := mod(new(big.Int).Mul(b.y, a.z))
	s2 = mod(s2.Mul(s2, z1z1))
	if u1.Cmp(u2) == 0 {
		if s1.Cmp(s2) != 0 {
			return identity()
		}
		return c.double(a)
	}
	h := mod(new(big.Int).Sub(u2, u1))
	r := mod(new(big.Int).Sub(s2, s1))
	hh := mod(new(big.Int).Mul(h, h))
	hhh := mod(new(big.Int).Mul(h, hh))
	v := mod(new(big.Int).Mul(u1, hh))
	x3 := new(big.Int).Mul(r, r)
	x3.Sub(x3, hhh)
	x3.Sub(x3, v)
	x3.Sub(x3, v)
	mod(x3)
	y3 := new(big.Int).Sub(v, x3)
	y3.Mul(y3, r)
	s1.Mul(s1, hhh)
	y3.Sub(y3, s1)
	mod(y3)
	z3 := mod(new(big.Int).Mul(a.z, b.z))
	z3 = mod(z3.Mul(z3, h))
	return jacobian{x3, y3, z3}
}

func identity() jacobian { return jacobian{new(big.Int), new(big.Int), new(big.Int)} }

// scalarMult is a left-to-right fixed 4-bit window; k is big-endian.
func (c *brainpoolCurve) scalarMult(j jacobian, k []byte) jacobian {
	var multiples [16]jacobian // multiples[i] = i·j
	multiples[0] = identity()
	multiples[1] = j
	for i := 2; i < 16; i++ {
		multiples[i] = c.add(multiples[i-1], j)
	}
	acc := identity()
	for _, byt := range k {
		for _, nibble := range [2]byte{byt >> 4, byt & 15} {
			for range 4 {
				acc = c.double(acc)
			}
			if nibble != 0 {
				acc = c.add(acc, multiples[nibble])
			}
		}
	}
	return acc
}

// baseTable returns the curve's fixed-base table, built once:
// table[i][d] = d·16^i·G for d in 1..15, so that k·G is one addition per
// non-zero hexadecimal digit of k and no doubling. It halves the cost of
// a verification.
func (c *brainpoolCurve) baseTable() [][16]jacobian {
	c.tableOnce.Do(func() {
		digits := (c.params.N.BitLen() + 3) / 4
		table := make([][16]jacobian, digits)
		base := c.fromAffine(c.params.Gx, c.params.Gy)
		for i := range table {
			table[i][1] = base
			for d := 2; d < 16; d++ {
				table[i][d] = c.add(table[i][d-1], base)
			}
			base = c.double(table[i][8])
		}
		c.table = table
	})
	return c.table
}

// scalarBaseMult is k·G with the fixed-base table; k is big-endian.
func (c *brainpoolCurve) scalarBaseMult(k []byte) jacobian {
	table := c.baseTable()
	if 2*len(k) > len(table) {
		return c.scalarMult(c.fromAffine(c.params.Gx, c.params.Gy), k)
	}
	acc := identity()
	digit := 0
	for i := len(k) - 1; i >= 0; i-- {
		for _, d := range [2]byte{k[i] & 15, k[i] >> 4} {
			if d != 0 {
				acc = c.add(acc, table[digit][d])
			}
			digit++
		}
	}
	return acc
}

func (c *brainpoolCurve) Add(x1, y1, x2, y2 *big.Int) (x, y *big.Int) {
	return c.toAffine(c.add(c.fromAffine(x1, y1), c.fromAffine(x2, y2)))
}

func (c *brainpoolCurve) Double(x1, y1 *big.Int) (x, y *big.Int) {
	return c.toAffine(c.double(c.fromAffine(x1, y1)))
}

func (c *brainpoolCurve) ScalarMult(x1, y1 *big.Int, k []byte) (x, y *big.Int) {
	return c.toAffine(c.scalarMult(c.fromAffine(x1, y1), k))
}

func (c *brainpoolCurve) ScalarBaseMult(k []byte) (x, y *big.Int) {
	return c.toAffine(c.scalarBaseMult(k))
}
