package testpdf

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/sohoa/sohoa/internal/testpki"
)

// DSS is validation data for a Document Security Store (ISO 32000-2
// §12.8.4.3, ETSI EN 319 142-1 §5.4), all DER.
type DSS struct {
	Certs, OCSPs, CRLs [][]byte
	// VRI adds a /VRI entry per signature in the file (keyed by the
	// uppercase hex SHA-1 of its /Contents bytes) listing all the data.
	VRI bool
}

// ValidationData collects what validating certs needs at time at: every
// certificate of their chains (and the OCSP responder), an OCSP response for
// each end-entity certificate and a CRL from each CA that issued one of the
// chain's CAs or end entities. nil certs are skipped.
func ValidationData(t testpki.TB, pki *testpki.PKI, at time.Time, certs ...*testpki.Cert) DSS {
	t.Helper()
	var d DSS
	seenCert := map[string]bool{}
	seenCRL := map[*testpki.Cert]bool{}
	addCert := func(c *testpki.Cert) {
		if !seenCert[string(c.DER)] {
			seenCert[string(c.DER)] = true
			d.Certs = append(d.Certs, c.DER)
		}
	}
	for _, leaf := range certs {
		if leaf == nil {
			continue
		}
		for c := leaf; c != nil; c = c.Issuer {
			addCert(c)
			if c.Issuer == nil {
				break
			}
			if c.Cert.IsCA {
				if !seenCRL[c.Issuer] {
					seenCRL[c.Issuer] = true
					d.CRLs = append(d.CRLs, pki.CRL(t, c.Issuer, at, time.Time{}))
				}
				continue
			}
			if _, ours := pki.Lookup(c.Cert.SerialNumber); ours {
				d.OCSPs = append(d.OCSPs, pki.OCSP(t, c, at))
				if c.Issuer == pki.Intermediate {
					addCert(pki.OCSPResponder)
				}
			}
		}
	}
	return d
}

// AddDSS appends an incremental update that adds d to the document's
// /DSS (creating it, or extending an existing one) — the update PAdES
// B-LT/B-LTA makes and DocMDP always allows.
func AddDSS(t testpki.TB, pdf []byte, d DSS) []byte {
	t.Helper()
	out, err := addDSS(pdf, d)
	if err != nil {
		t.Fatalf("testpdf: AddDSS: %v", err)
	}
	return out
}

func addDSS(pdf []byte, d DSS) ([]byte, error) {
	x, err := parseXref(pdf)
	if err != nil {
		return nil, err
	}
	tr, err := x.summary()
	if err != nil {
		return nil, err
	}
	cat, err := x.object(pdf, tr.Root)
	if err != nil {
		return nil, err
	}
	objs := map[int]string{}
	next := tr.Size
	add := func(data [][]byte) []string {
		var refs []string
		for _, der := range data {
			objs[next] = FlateStream("", der)
			refs = append(refs, Ref(next))
			next++
		}
		return refs
	}
	certs, ocsps, crls := add(d.Certs), add(d.OCSPs), add(d.CRLs)

	dss := "<< /Type /DSS >>"
	dssNum := 0
	if v, ok := DictGet(cat, "DSS"); ok {
		dssNum, _ = RefNum(v)
		if dss, err = x.resolve(pdf, v); err != nil {
			return nil, err
		}
	}
	merge := func(key string, refs []string) error {
		if len(refs) == 0 {
			return nil
		}
		old, ok := DictGet(dss, key)
		if !ok {
			dss = DictSet(dss, key, "["+strings.Join(refs, " ")+"]")
			return nil
		}
		arr, err := x.resolve(pdf, old)
		if err != nil {
			return err
		}
		for _, r := range refs {
			arr = appendToArray(arr, r)
		}
		dss = DictSet(dss, key, arr)
		return nil
	}
	if err := merge("Certs", certs); err != nil {
		return nil, err
	}
	if err := merge("OCSPs", ocsps); err != nil {
		return nil, err
	}
	if err := merge("CRLs", crls); err != nil {
		return nil, err
	}
	if d.VRI {
		vri := "<< >>"
		if v, ok := DictGet(dss, "VRI"); ok {
			if vri, err = x.resolve(pdf, v); err != nil {
				return nil, err
			}
		}
		entry := "<<"
		if len(certs) > 0 {
			entry += " /Cert [" + strings.Join(certs, " ") + "]"
		}
		if len(ocsps) > 0 {
			entry += " /OCSP [" + strings.Join(ocsps, " ") + "]"
		}
		if len(crls) > 0 {
			entry += " /CRL [" + strings.Join(crls, " ") + "]"
		}
		entry += " >>"
		for _, s := range Signatures(pdf) {
			if s.Contents == nil {
				continue
			}
			sum := sha1.Sum(s.Contents)
			vri = DictSet(vri, strings.ToUpper(hex.EncodeToString(sum[:])), entry)
		}
		dss = DictSet(dss, "VRI", vri)
	}
	if dssNum != 0 {
		objs[dssNum] = dss
	} else {
		dssNum = next
		objs[dssNum] = dss
		objs[tr.Root] = DictSet(cat, "DSS", Ref(dssNum))
	}
	out, err := appendUpdate(pdf, Update{Objects: objs})
	if err != nil {
		return nil, fmt.Errorf("write DSS update: %w", err)
	}
	return out, nil
}
