package verify

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// readDSS collects the validation data of the latest revision's Document
// Security Store (/DSS with its /Certs, /CRLs, /OCSPs and every /VRI
// entry's). The data is only evidence: each item is checked (signature,
// issuer, freshness) where it is used.
func readDSS(f *pdfraw.File) (evidence, []string) {
	var ev evidence
	var problems []string
	last := len(f.Sections()) - 1
	root, _ := f.Resolve(last, f.Trailer(last)["Root"])
	catalog, _ := root.(pdfraw.Dict)
	dssObj, _ := f.Resolve(last, catalog["DSS"])
	dss, ok := dssObj.(pdfraw.Dict)
	if !ok {
		return ev, nil
	}
	total, items := 0, 0
	seen := map[pdfraw.Ref]bool{}
	read := func(arrObj pdfraw.Object, what string, sink func([]byte)) {
		a, _ := f.Resolve(last, arrObj)
		arr, _ := a.(pdfraw.Array)
		for _, e := range arr {
			if ref, ok := e.(pdfraw.Ref); ok {
				if seen[ref] {
					continue
				}
				seen[ref] = true
			}
			if items >= maxDSSItems || total >= maxDSSTotal {
				problems = append(problems, fmt.Sprintf("/DSS holds more validation data than the %d-item / %d-byte bound; the rest is ignored", maxDSSItems, maxDSSTotal))
				return
			}
			items++
			o, err := f.Resolve(last, e)
			st, ok := o.(*pdfraw.Stream)
			if err != nil || !ok {
				problems = append(problems, fmt.Sprintf("/DSS %s entry is not a stream", what))
				continue
			}
			data, err := dssStreamData(f, st, maxDSSItem)
			if err != nil {
				problems = append(problems, fmt.Sprintf("/DSS %s entry unreadable: %v", what, err))
				continue
			}
			total += len(data)
			sink(data)
		}
	}
	certs := func(b []byte) {
		c, err := parseCertAny(b)
		if err != nil {
			problems = append(problems, "/DSS certificate unparsable: "+err.Error())
			return
		}
		ev.Certs = append(ev.Certs, c)
	}
	crls := func(b []byte) { ev.CRLs = append(ev.CRLs, b) }
	ocsps := func(b []byte) { ev.OCSPs = append(ev.OCSPs, b) }
	read(dss["Certs"], "certificate", certs)
	read(dss["CRLs"], "CRL", crls)
	read(dss["OCSPs"], "OCSP", ocsps)
	vriObj, _ := f.Resolve(last, dss["VRI"])
	if vri, ok := vriObj.(pdfraw.Dict); ok {
		for _, e := range vri {
			d, _ := f.Resolve(last, e)
			vd, ok := d.(pdfraw.Dict)
			if !ok {
				continue
			}
			read(vd["Cert"], "VRI certificate", certs)
			read(vd["CRL"], "VRI CRL", crls)
			read(vd["OCSP"], "VRI OCSP", ocsps)
		}
	}
	return ev, problems
}

// parsePDFDate parses a PDF date string "D:YYYYMMDDHHmmSSOHH'mm'" where
// everything after the year is optional.
func parsePDFDate(s string) (time.Time, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	if len(s) < 4 {
		return time.Time{}, fmt.Errorf("bad PDF date %q", s)
	}
	num := func(from, n, def int) (int, error) {
		if len(s) < from+n {
			return def, nil
		}
		return strconv.Atoi(s[from : from+n])
	}
	var parts [6]int
	defs := [6]int{0, 1, 1, 0, 0, 0}
	pos := []int{0, 4, 6, 8, 10, 12}
	lens := []int{4, 2, 2, 2, 2, 2}
	for i := range parts {
		v, err := num(pos[i], lens[i], defs[i])
		if err != nil {
			return time.Time{}, fmt.Errorf("bad PDF date %q", s)
		}
		parts[i] = v
	}
	loc := time.UTC
	if len(s) > 14 {
		tz := s[14:]
		switch tz[0] {
		case 'Z':
		case '+', '-':
			tz = strings.ReplaceAll(tz[1:], "'", "")
			h, m := 0, 0
			if len(tz) >= 2 {
				h, _ = strconv.Atoi(tz[:2])
			}
			if len(tz) >= 4 {
				m, _ = strconv.Atoi(tz[2:4])
			}
			off := h*3600 + m*60
			if s[14] == '-' {
				off = -off
			}
			loc = time.FixedZone("", off)
		}
	}
	return time.Date(parts[0], time.Month(parts[1]), parts[2], parts[3], parts[4], parts[5], 0, loc).UTC(), nil
}

func utf16Decode(u []uint16) []rune { return utf16.Decode(u) }
