package inspect

import (
	"bytes"
	"encoding/xml"
	"regexp"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

const pdfaidNS = "http://www.aiim.org/pdfa/ns/id/"

// pdfaClaim returns the PDF/A part and conformance level the catalog's XMP
// metadata claims ("2B", "1A", "4"), or "". It does not check that the
// file conforms.
func (a *analyzer) pdfaClaim(root pdfraw.Dict) string {
	sd, _ := a.stream(root["Metadata"])
	if sd == nil {
		return ""
	}
	b, err := a.decode(sd, maxMetadataSize)
	if len(b) == 0 && err != nil {
		return ""
	}
	part, conf := xmpPDFA(b)
	if part == "" {
		return ""
	}
	return part + strings.ToUpper(conf)
}

var (
	rePart = regexp.MustCompile(`pdfaid:part\s*(?:=\s*["']\s*|>\s*)([0-9])`)
	reConf = regexp.MustCompile(`pdfaid:conformance\s*(?:=\s*["']\s*|>\s*)([A-Za-z])`)
)

// xmpPDFA finds pdfaid:part and pdfaid:conformance, written as attributes
// of an rdf:Description or as elements, under whatever prefix the packet
// binds to the PDF/A identification namespace. Packets that are not
// well-formed XML fall back to a search for the usual "pdfaid:" prefix.
func xmpPDFA(b []byte) (part, conf string) {
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	var inElem string
	for n := 0; n < 100000; n++ {
		tok, err := dec.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.StartElement:
			inElem = ""
			for _, at := range t.Attr {
				if at.Name.Space == pdfaidNS {
					setPDFAField(at.Name.Local, at.Value, &part, &conf)
				}
			}
			if t.Name.Space == pdfaidNS {
				inElem = t.Name.Local
			}
		case xml.CharData:
			if inElem != "" {
				setPDFAField(inElem, string(t), &part, &conf)
			}
		case xml.EndElement:
			inElem = ""
		}
	}
	if part != "" {
		return part, conf
	}
	if m := rePart.FindSubmatch(b); m != nil {
		part = string(m[1])
		if m := reConf.FindSubmatch(b); m != nil {
			conf = string(m[1])
		}
	}
	return part, conf
}

func setPDFAField(local, value string, part, conf *string) {
	value = strings.TrimSpace(value)
	switch local {
	case "part":
		if len(value) == 1 && value[0] >= '1' && value[0] <= '9' {
			*part = value
		}
	case "conformance":
		if len(value) == 1 && strings.ContainsAny(strings.ToUpper(value), "ABUFE") {
			*conf = value
		}
	}
}
