package changes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// dss judges the Document Security Store: only well-formed validation data
// may be added (ETSI EN 319 142-1 5.4.2): /Type, /Certs, /CRLs, /OCSPs
// (arrays of streams) and /VRI (entries named by a hexadecimal SHA-1 or SHA-2
// hash with /Cert, /CRL, /OCSP arrays, /TS stream and /TU date).
//
// The DSS is judged when the catalog's /DSS entry changed or when this
// revision redefines the DSS dictionary, one of its arrays, its /VRI
// dictionary or a /VRI entry (extending a DSS in place).
func (rv *revCheck) dss(oldV, newV pdfraw.Object, keyChanged bool) {
	a, k := rv.a, rv.k
	if !keyChanged && !rv.dssTouched(newV) {
		return
	}
	root, _ := a.f.Trailer(k)["Root"].(pdfraw.Ref)
	if newV == nil {
		rv.reject(root.Num, "dss", "/DSS removed from the catalog")
		return
	}
	where := root.Num
	if r, ok := newV.(pdfraw.Ref); ok {
		where = r.Num
		if or, _ := oldV.(pdfraw.Ref); or != r && a.existedAtR(r.Num) {
			rv.reject(r.Num, "dss", fmt.Sprintf("/DSS now points at object %d, which existed at signing", r.Num))
			return
		}
	}
	d, ok := a.res(k, newV).(pdfraw.Dict)
	if !ok {
		rv.reject(where, "dss", "/DSS is not a dictionary")
		return
	}
	var bad []string
	streams := func(v pdfraw.Object, what string) {
		if r, ok := v.(pdfraw.Ref); ok {
			if t := rv.touched[r.Num]; t != nil && !t.settled {
				rv.approve(r.Num, clsLTA, "dss", "DSS array "+what, roleDSS)
			}
		}
		arr, ok := a.res(k, v).(pdfraw.Array)
		if !ok {
			bad = append(bad, what+" is not an array")
			return
		}
		for _, e := range arr {
			r, ok := e.(pdfraw.Ref)
			if !ok {
				bad = append(bad, what+" holds a direct object")
				return
			}
			if _, ok := a.res(k, r).(*pdfraw.Stream); !ok {
				bad = append(bad, fmt.Sprintf("%s holds %d %d R, which is not a stream", what, r.Num, r.Gen))
				return
			}
			rv.claim(r, clsLTA, "dss", "validation data in "+what)
		}
	}
	for _, key := range sortedKeys(d) {
		v := d[key]
		switch key {
		case "Type":
			if n, _ := v.(pdfraw.Name); n != "DSS" {
				bad = append(bad, "/DSS /Type is not /DSS")
			}
		case "Certs", "CRLs", "OCSPs":
			streams(v, "/DSS /"+string(key))
		case "VRI":
			if r, ok := v.(pdfraw.Ref); ok {
				if t := rv.touched[r.Num]; t != nil && !t.settled {
					rv.approve(r.Num, clsLTA, "dss", "DSS /VRI dictionary", roleDSS)
				}
			}
			vri, ok := a.res(k, v).(pdfraw.Dict)
			if !ok {
				bad = append(bad, "/VRI is not a dictionary")
				continue
			}
			for _, hk := range sortedKeys(vri) {
				ev := vri[hk]
				if hk == "Type" {
					continue
				}
				if !hexName(string(hk)) {
					bad = append(bad, fmt.Sprintf("/VRI key /%s is not a hexadecimal SHA-1 or SHA-2 hash", hk))
					continue
				}
				if r, ok := ev.(pdfraw.Ref); ok {
					if t := rv.touched[r.Num]; t != nil && !t.settled {
						rv.approve(r.Num, clsLTA, "dss", "DSS /VRI entry", roleDSS)
					}
				}
				entry, ok := a.res(k, ev).(pdfraw.Dict)
				if !ok {
					bad = append(bad, fmt.Sprintf("/VRI /%s is not a dictionary", hk))
					continue
				}
				for _, ek := range sortedKeys(entry) {
					e := entry[ek]
					switch ek {
					case "Type", "TU":
					case "Cert", "CRL", "OCSP":
						streams(e, fmt.Sprintf("/VRI /%s /%s", hk, ek))
					case "TS":
						if _, ok := a.res(k, e).(*pdfraw.Stream); !ok {
							bad = append(bad, fmt.Sprintf("/VRI /%s /TS is not a stream", hk))
						}
						rv.claim(e, clsLTA, "dss", "VRI timestamp")
					default:
						bad = append(bad, fmt.Sprintf("/VRI /%s has unexpected key /%s", hk, ek))
					}
				}
			}
		default:
			bad = append(bad, fmt.Sprintf("/DSS has unexpected key /%s", key))
		}
	}
	if len(bad) > 0 {
		sort.Strings(bad)
		rv.reject(where, "dss", strings.Join(bad, "; "))
		return
	}
	if where != root.Num {
		if t := rv.touched[where]; t != nil && !t.settled {
			rv.approve(where, clsLTA, "dss", "Document Security Store updated", roleDSS)
		}
	}
}

// dssTouched reports whether revision k redefines the DSS dictionary or
// one of the objects directly under it or under its /VRI.
func (rv *revCheck) dssTouched(v pdfraw.Object) bool {
	touched := func(o pdfraw.Object) bool {
		r, ok := o.(pdfraw.Ref)
		if !ok {
			return false
		}
		t := rv.touched[r.Num]
		return t != nil && !t.settled
	}
	if v == nil {
		return false
	}
	if touched(v) {
		return true
	}
	d := rv.a.dict(rv.k, v)
	for key, e := range d {
		if touched(e) {
			return true
		}
		if key == "VRI" {
			for _, ve := range rv.a.dict(rv.k, e) {
				if touched(ve) {
					return true
				}
				for _, x := range rv.a.dict(rv.k, ve) {
					if touched(x) {
						return true
					}
				}
			}
		}
	}
	return false
}

// hexName reports whether s can name a /VRI entry: the hexadecimal
// hash of a signature value. ETSI EN 319 142-1 says SHA-1 (40 digits);
// writers also use SHA-2 (SHA-256 most often), which is no less specific.
func hexName(s string) bool {
	switch len(s) {
	case 40, 56, 64, 96, 128: // SHA-1, SHA-224, SHA-256, SHA-384, SHA-512
	default:
		return false
	}
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// info judges the trailer's /Info.
func (rv *revCheck) info() {
	a, k := rv.a, rv.k
	oldV := a.f.Trailer(k - 1)["Info"]
	newV := a.f.Trailer(k)["Info"]
	oldRef, _ := oldV.(pdfraw.Ref)
	newRef, isRef := newV.(pdfraw.Ref)
	if newV == nil {
		return // dropping /Info hides metadata, paints nothing
	}
	if !isRef {
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "info", Reason: "trailer /Info is not an indirect reference"})
		return
	}
	t := rv.touched[newRef.Num]
	if newRef == oldRef && (t == nil || t.settled) {
		return
	}
	if newRef != oldRef && a.existedAtR(newRef.Num) {
		rv.reject(newRef.Num, "info", fmt.Sprintf("trailer /Info switched to object %d, which existed at signing", newRef.Num))
		return
	}
	if _, ok := a.res(k, newRef).(pdfraw.Dict); !ok {
		rv.reject(newRef.Num, "info", "the document information dictionary is not a dictionary")
		return
	}
	rv.approve(newRef.Num, clsMeta, "info", rv.coded("document information dictionary (/Info) updated", CodeInfoUpdated), roleInfo)
	rv.claim(newRef, clsMeta, "info", "document information dictionary (/Info) updated")
}
