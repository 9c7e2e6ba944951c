package changes

import (
	"fmt"
	"strings"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// ---------------------------------------------------------------------
// Catalog, AcroForm, fields, DSS, metadata.

func (rv *revCheck) catalog() {
	a, k := rv.a, rv.k
	oldRoot, okOld := a.f.Trailer(k - 1)["Root"].(pdfraw.Ref)
	newRoot, okNew := a.f.Trailer(k)["Root"].(pdfraw.Ref)
	if !okNew {
		rv.disallowed = append(rv.disallowed, ObjectChange{Object: "trailer", Revision: k, Kind: "trailer", Reason: "trailer /Root is missing or not an indirect reference"})
		return
	}
	if !okOld {
		return // nothing to compare with: the signed side is broken
	}
	signedRoot, _ := a.f.Trailer(a.r)["Root"].(pdfraw.Ref)
	if newRoot != oldRoot {
		if a.existedAtR(newRoot.Num) && newRoot != signedRoot {
			rv.reject(newRoot.Num, "catalog", fmt.Sprintf("trailer /Root switched from %d %d R to object %d %d R, which existed at signing: another catalog", oldRoot.Num, oldRoot.Gen, newRoot.Num, newRoot.Gen))
			return
		}
	}
	oldCat := a.dict(k-1, oldRoot)
	newCat, isDict := a.res(k, newRoot).(pdfraw.Dict)
	if !isDict {
		rv.reject(newRoot.Num, "catalog", "the catalog is not a dictionary")
		return
	}
	t := rv.touched[newRoot.Num]
	catTouched := newRoot != oldRoot || (t != nil && !t.settled)
	cls := clsLTA
	var why []string
	var bad []string
	keys := rv.diffKeys(oldCat, newCat)
	for _, key := range keys {
		switch key {
		case "AcroForm", "DSS":
			// judged below with their own rules
		case "Version", "Extensions":
			if key == "Extensions" && !rv.extensionsValue(newCat[key]) {
				bad = append(bad, "catalog /Extensions is not a dictionary of developer extensions")
				continue
			}
			why = append(why, "/"+string(key)+" updated")
			rv.claim(newCat[key], clsLTA, "catalog", "catalog /"+string(key)+" entry")
		case "MarkInfo":
			// Whether the document is tagged; paints nothing. Signing tools
			// set it when they tag the widget they add.
			if d, ok := a.res(k, newCat[key]).(pdfraw.Dict); newCat[key] != nil && (!ok || !flagsDict(d, "Marked", "UserProperties", "Suspects")) {
				bad = append(bad, "catalog /MarkInfo is not a mark information dictionary")
				continue
			}
			cls = max(cls, clsMeta)
			why = append(why, "/MarkInfo updated")
			rv.claim(newCat[key], clsMeta, "catalog", "catalog /MarkInfo entry")
		case "Metadata":
			c, ok, reason := rv.metadata(oldCat["Metadata"], newCat["Metadata"])
			if !ok {
				bad = append(bad, reason)
			} else {
				why = append(why, reason)
				cls = max(cls, c)
			}
		case "StructTreeRoot":
			// judged by structTree, which rejects the new root when it
			// changes more than signing software adds
			if newCat[key] == nil {
				bad = append(bad, "catalog /StructTreeRoot removed")
				continue
			}
			why = append(why, "/StructTreeRoot updated")
		case "Type":
			bad = append(bad, "catalog /Type changed")
		case "Perms":
			bad = append(bad, "catalog /Perms (signature permissions) changed")
		default:
			_, had := oldCat[key]
			_, has := newCat[key]
			if !catalogKeys[key] && plainValue(oldCat[key]) && plainValue(newCat[key]) {
				// A producer's private mark (iText's /ITXT version string):
				// no conforming reader acts on it.
				cls = max(cls, clsMeta)
				why = append(why, fmt.Sprintf("producer entry /%s %s", key, verb(had, has)))
				continue
			}
			switch {
			case !had:
				bad = append(bad, fmt.Sprintf("catalog entry /%s added", key))
			case !has:
				bad = append(bad, fmt.Sprintf("catalog entry /%s removed", key))
			default:
				bad = append(bad, fmt.Sprintf("catalog entry /%s changed", key))
			}
		}
	}
	rv.extensionsInPlace(newCat["Extensions"])
	rv.acroForm(oldCat["AcroForm"], newCat["AcroForm"], hasName(keys, "AcroForm"))
	if hasName(keys, "DSS") {
		why = append(why, "/DSS updated")
	}
	rv.dss(oldCat["DSS"], newCat["DSS"], hasName(keys, "DSS"))
	if hasName(keys, "AcroForm") {
		why = append(why, "/AcroForm updated")
	}
	if !catTouched {
		return
	}
	if len(bad) > 0 {
		rv.reject(newRoot.Num, "catalog", strings.Join(bad, "; "))
		return
	}
	reason := "catalog updated"
	if newRoot != oldRoot {
		reason = "catalog rewritten as a new object"
	}
	if len(why) > 0 {
		reason += ": " + strings.Join(why, ", ")
	}
	rv.approve(newRoot.Num, cls, "catalog", reason, roleCatalog)
}

// catalogKeys are the document catalog entries ISO 32000-2 (Table 29)
// and its extensions define. Any other key is private to some producer.
var catalogKeys = map[pdfraw.Name]bool{
	"Type": true, "Version": true, "Extensions": true, "Pages": true, "PageLabels": true,
	"Names": true, "Dests": true, "ViewerPreferences": true, "PageLayout": true, "PageMode": true,
	"Outlines": true, "Threads": true, "OpenAction": true, "AA": true, "URI": true,
	"AcroForm": true, "Metadata": true, "StructTreeRoot": true, "MarkInfo": true, "Lang": true,
	"SpiderInfo": true, "OutputIntents": true, "PieceInfo": true, "OCProperties": true,
	"Perms": true, "Legal": true, "Requirements": true, "Collection": true, "NeedsRendering": true,
	"DSS": true, "AF": true, "DPartRoot": true,
}

// plainValue reports whether v (absent included) is a number, string,
// name, boolean or null: a value that can point at nothing.
func plainValue(v pdfraw.Object) bool {
	switch v.(type) {
	case nil, pdfraw.Null, pdfraw.Int, pdfraw.Real, pdfraw.String, pdfraw.Name, pdfraw.Bool:
		return true
	}
	return false
}

func verb(had, has bool) string {
	switch {
	case !had:
		return "added"
	case !has:
		return "removed"
	}
	return "changed"
}

// flagsDict reports whether d holds only the given keys (and /Type),
// each a boolean.
func flagsDict(d pdfraw.Dict, keys ...pdfraw.Name) bool {
	for k, v := range d {
		if k == "Type" {
			continue
		}
		if !hasName(keys, k) {
			return false
		}
		if _, ok := v.(pdfraw.Bool); !ok {
			return false
		}
	}
	return true
}

// extensionsValue reports whether v (as of k) is a developer extensions
// dictionary (ISO 32000-2 7.12): each value a dictionary, or an array of
// dictionaries, with only /Type, /BaseVersion, /ExtensionLevel,
// /ExtensionRevision and /URL, all direct plain values.
func (rv *revCheck) extensionsValue(v pdfraw.Object) bool {
	if v == nil {
		return true
	}
	d, ok := rv.a.res(rv.k, v).(pdfraw.Dict)
	if !ok {
		return false
	}
	ext := func(o pdfraw.Object) bool {
		e, ok := rv.a.res(rv.k, o).(pdfraw.Dict)
		if !ok {
			return false
		}
		for key, val := range e {
			switch key {
			case "Type", "BaseVersion", "ExtensionLevel", "ExtensionRevision", "URL":
			default:
				return false
			}
			if !plainValue(val) {
				return false
			}
		}
		return true
	}
	for key, e := range d {
		if key == "Type" {
			continue
		}
		if arr, ok := rv.a.res(rv.k, e).(pdfraw.Array); ok {
			for _, x := range arr {
				if !ext(x) {
					return false
				}
			}
			continue
		}
		if !ext(e) {
			return false
		}
	}
	return true
}

// extensionsInPlace judges objects of the signed revision under the
// catalog's /Extensions redefined in place (Acrobat and iText update an
// indirect extensions dictionary rather than write a new one).
func (rv *revCheck) extensionsInPlace(v pdfraw.Object) {
	var refs []pdfraw.Ref
	if r, ok := v.(pdfraw.Ref); ok {
		refs = append(refs, r)
	}
	if d, ok := rv.a.res(rv.k, v).(pdfraw.Dict); ok {
		for _, key := range sortedKeys(d) {
			e := d[key]
			if r, ok := e.(pdfraw.Ref); ok {
				refs = append(refs, r)
			}
			if arr, ok := rv.a.res(rv.k, e).(pdfraw.Array); ok {
				for _, x := range arr {
					if r, ok := x.(pdfraw.Ref); ok {
						refs = append(refs, r)
					}
				}
			}
		}
	}
	for _, r := range refs {
		t := rv.touched[r.Num]
		if t == nil || t.settled || !t.atR {
			continue
		}
		if !rv.extensionsValue(v) {
			rv.reject(r.Num, "catalog", "catalog /Extensions redefined with something other than developer extensions")
			continue
		}
		rv.approve(r.Num, clsLTA, "catalog", "catalog /Extensions (developer extensions) updated in place", roleExtensions)
	}
}

// metadata judges a change of the catalog's /Metadata.
func (rv *revCheck) metadata(oldV, newV pdfraw.Object) (class, bool, string) {
	if newV == nil {
		return clsMeta, true, "/Metadata removed"
	}
	ref, ok := newV.(pdfraw.Ref)
	if !ok {
		return 0, false, "catalog /Metadata is not an indirect reference to a stream"
	}
	s, isStream := rv.a.res(rv.k, ref).(*pdfraw.Stream)
	if !isStream {
		return 0, false, "catalog /Metadata does not point at a stream"
	}
	if oldRef, _ := oldV.(pdfraw.Ref); oldRef == ref {
		// In place: judged with the object itself (see pages/leftovers).
		return clsMeta, true, "/Metadata updated"
	}
	if rv.a.existedAtR(ref.Num) {
		return 0, false, fmt.Sprintf("catalog /Metadata now points at object %d, which existed at signing", ref.Num)
	}
	if t, _ := s.Dict["Type"].(pdfraw.Name); t != "Metadata" {
		return 0, false, "new /Metadata stream has no /Type /Metadata"
	}
	rv.claim(ref, clsMeta, "metadata", "XMP metadata stream")
	return clsMeta, true, "/Metadata updated"
}

// acroForm judges the form: the AcroForm dictionary's own entries and,
// through the field trees, every field.
