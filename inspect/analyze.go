package inspect

import (
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"

	"github.com/sohoa/sohoa/internal/pdfraw"
)

// document is what the rules judge, gathered in one pass over the file.
type document struct {
	version   pdfVersion
	encrypted bool // opened, but with an /Encrypt dictionary (owner password only)
	pages     []*page
	treeErr   error // the page tree was damaged; pages holds what could be read
	pdfa      string
	truncated bool // the operator budget ran out; later content was not parsed
	// badVersion: the header names a PDF version no reader knows.
	badVersion bool
}

// page is one page's box and what its content draws.
type page struct {
	number     int
	w, h       float64 // crop box size in points (UserUnit applied)
	placements []placement
	text       bool
	contentErr error
	fallback   bool // the scan's placement was assumed from the page box

	dict      pdfraw.Dict   // the page dictionary
	resources pdfraw.Object // its resources, inherited or its own
}

// placement is one image drawn on a page.
type placement struct {
	img  *imageInfo
	w, h float64 // drawn size in points
	area float64 // drawn area in points²
}

func (pl placement) dpi() (x, y float64) {
	return float64(pl.img.width) / (pl.w / 72), float64(pl.img.height) / (pl.h / 72)
}

// An image counts towards a scan page when it is at least this large on
// both sides (smaller ones are rules, bullets, logos), and a page is a scan
// when such images cover at least scanCoverage of it.
const (
	minScanSide  = 36 // points: half an inch
	scanCoverage = 0.5
)

// scan reports whether p is a scanned page, and its images that count.
func (p *page) scan() ([]placement, bool) {
	var out []placement
	var area float64
	for _, pl := range p.placements {
		if pl.w >= minScanSide && pl.h >= minScanSide && pl.img.width > 0 && pl.img.height > 0 {
			out = append(out, pl)
			area += pl.area
		}
	}
	if len(out) == 0 || p.w <= 0 || p.h <= 0 || area < scanCoverage*p.w*p.h {
		return nil, false
	}
	return out, true
}

type analyzer struct {
	ctx    context.Context
	f      *pdfraw.File
	images map[pdfraw.Ref]*imageInfo
	forms  map[pdfraw.Ref]*formInfo
	// formBytes is the decoded form content kept in forms: bounded, so
	// that a file of many large forms does not pile them all up.
	formBytes int64
	ops       int // content tokens read so far
	doc       *document
}

func newAnalyzer(ctx context.Context, f *pdfraw.File) *analyzer {
	return &analyzer{ctx: ctx, f: f, images: map[pdfraw.Ref]*imageInfo{}, forms: map[pdfraw.Ref]*formInfo{}, doc: &document{}}
}

func (a *analyzer) analyze() (*document, error) {
	d := a.doc
	if hv := a.f.Version(); hv != "" {
		v, err := parseVersion(hv)
		if err != nil {
			// A version no reader knows ("%PDF-9.9"): not a file any
			// archive can be expected to open.
			d.badVersion = true
			return d, nil
		}
		d.version = v
	}
	d.encrypted = a.f.Encryption() != nil
	root := a.dict(a.f.Trailer(-1)["Root"])
	if root == nil {
		d.treeErr = errors.New("missing document catalog")
		return d, nil
	}
	// The catalog's /Version wins when later than the header's (ISO
	// 32000-1, 7.2.2).
	if v, err := parseVersion(a.name(root["Version"])); err == nil && v > d.version {
		d.version = v
	}
	d.pdfa = a.pdfaClaim(root)
	if err := a.walkPages(root); err != nil {
		if cerr := a.ctx.Err(); cerr != nil {
			return nil, cerr
		}
		d.treeErr = err
	}
	for _, p := range d.pages {
		if err := a.ctx.Err(); err != nil {
			return nil, err
		}
		a.readPage(p)
	}
	return d, nil
}

// resolve follows indirect references; a reference that cannot be read
// is nil.
func (a *analyzer) resolve(o pdfraw.Object) pdfraw.Object {
	r, err := a.f.Resolve(-1, o)
	if err != nil {
		return nil
	}
	if _, null := r.(pdfraw.Null); null {
		return nil
	}
	return r
}

func (a *analyzer) dict(o pdfraw.Object) pdfraw.Dict {
	switch d := a.resolve(o).(type) {
	case pdfraw.Dict:
		return d
	case *pdfraw.Stream:
		return d.Dict
	}
	return nil
}

func (a *analyzer) number(o pdfraw.Object) (float64, bool) {
	switch n := a.resolve(o).(type) {
	case pdfraw.Int:
		return float64(n), true
	case pdfraw.Real:
		f := float64(n)
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func (a *analyzer) integer(o pdfraw.Object) (int, bool) {
	f, ok := a.number(o)
	if !ok || f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func (a *analyzer) name(o pdfraw.Object) string {
	if n, ok := a.resolve(o).(pdfraw.Name); ok {
		return string(n)
	}
	return ""
}

// stream returns the stream o refers to and the reference (zero when o is
// a direct object).
func (a *analyzer) stream(o pdfraw.Object) (*pdfraw.Stream, pdfraw.Ref) {
	ref, _ := o.(pdfraw.Ref)
	if s, ok := a.resolve(o).(*pdfraw.Stream); ok {
		return s, ref
	}
	return nil, pdfraw.Ref{}
}

// filterNames lists a stream's filters by name (without reading its data).
func (a *analyzer) filterNames(s *pdfraw.Stream) []string {
	var out []string
	switch v := a.resolve(s.Dict["Filter"]).(type) {
	case pdfraw.Name:
		out = append(out, string(v))
	case pdfraw.Array:
		for _, e := range v[:min(len(v), 8)] {
			out = append(out, a.name(e))
		}
	}
	return out
}

// decode returns a stream's decoded bytes, at most limit of them.
func (a *analyzer) decode(s *pdfraw.Stream, limit int64) ([]byte, error) {
	if limit <= 0 {
		return nil, fmt.Errorf("stream at offset %d: over the %d-byte limit", s.DataOffset, int64(maxContentBytes))
	}
	b, err := a.f.StreamData(s, limit)
	if err == nil {
		return b, nil
	}
	if lb, ok := a.inflateLeniently(s, limit); ok {
		return lb, nil
	}
	return nil, err
}

// inflateLeniently decodes a plain FlateDecode stream whose zlib checksum
// is wrong, as many producers write it and as readers display it; the
// reader, being strict, gives up on those.
func (a *analyzer) inflateLeniently(s *pdfraw.Stream, limit int64) ([]byte, bool) {
	if f := a.filterNames(s); len(f) != 1 || f[0] != "FlateDecode" || a.resolve(s.Dict["DecodeParms"]) != nil || s.Length < 2 {
		return nil, false
	}
	rd, err := a.f.StreamReader(s)
	if err != nil {
		return nil, false
	}
	if _, err := io.CopyN(io.Discard, rd, 2); err != nil { // the zlib header
		return nil, false
	}
	r := flate.NewReader(rd)
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return b, true
}

// head returns up to n of a stream's first stored bytes (decrypted, not
// decoded): all an image's header needs, whatever the image's size.
func (a *analyzer) head(s *pdfraw.Stream, n int64) []byte {
	rd, err := a.f.StreamReader(s)
	if err != nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(rd, min(n, max(s.Length, 0))))
	return b
}

// inherited holds the page attributes a page inherits from the tree.
type inherited struct {
	resources pdfraw.Object
	mediaBox  pdfraw.Object
	cropBox   pdfraw.Object
}

// walkPages collects the leaves of the page tree in order. It does not
// trust /Count: it visits each node once and stops at loops.
func (a *analyzer) walkPages(root pdfraw.Dict) error {
	pagesRef, found := get(root, "Pages")
	if !found {
		return errors.New("the document catalog has no page tree")
	}
	seen := map[pdfraw.Ref]bool{}
	nodes := 0
	var walk func(o pdfraw.Object, inh inherited, depth int) error
	walk = func(o pdfraw.Object, inh inherited, depth int) error {
		if depth > 64 {
			return errors.New("the page tree is nested too deeply")
		}
		if nodes++; nodes > maxPageNodes {
			return errors.New("the page tree is too large")
		}
		if ref, ok := o.(pdfraw.Ref); ok {
			if seen[ref] {
				return errors.New("the page tree contains a loop or lists a page twice")
			}
			seen[ref] = true
		}
		d := a.dict(o)
		if d == nil {
			return errors.New("the page tree refers to a missing or damaged object")
		}
		if v, ok := get(d, "Resources"); ok {
			inh.resources = v
		}
		if v, ok := get(d, "MediaBox"); ok {
			inh.mediaBox = v
		}
		if v, ok := get(d, "CropBox"); ok {
			inh.cropBox = v
		}
		typ := a.name(d["Type"])
		kidsObj, hasKids := get(d, "Kids")
		if typ == "Pages" || (typ != "Page" && hasKids) {
			kids, _ := a.resolve(kidsObj).(pdfraw.Array)
			var firstErr error
			for _, k := range kids {
				if err := a.ctx.Err(); err != nil {
					return err
				}
				if err := walk(k, inh, depth+1); err != nil && firstErr == nil {
					firstErr = err
					if nodes > maxPageNodes || a.ctx.Err() != nil {
						return err
					}
				}
			}
			return firstErr
		}
		p := &page{number: len(a.doc.pages) + 1, dict: d, resources: inh.resources}
		p.w, p.h = a.pageSize(d, inh)
		a.doc.pages = append(a.doc.pages, p)
		return nil
	}
	return walk(pagesRef, inherited{}, 0)
}

func (a *analyzer) rect(o pdfraw.Object) (llx, lly, urx, ury float64, ok bool) {
	arr, _ := a.resolve(o).(pdfraw.Array)
	if len(arr) != 4 {
		return 0, 0, 0, 0, false
	}
	var v [4]float64
	for i, e := range arr {
		f, good := a.number(e)
		if !good || math.Abs(f) > 1e7 {
			return 0, 0, 0, 0, false
		}
		v[i] = f
	}
	llx, urx = math.Min(v[0], v[2]), math.Max(v[0], v[2])
	lly, ury = math.Min(v[1], v[3]), math.Max(v[1], v[3])
	return llx, lly, urx, ury, urx > llx && ury > lly
}

// pageSize is the visible page size (crop box within media box) in points.
func (a *analyzer) pageSize(d pdfraw.Dict, inh inherited) (w, h float64) {
	mx0, my0, mx1, my1, ok := a.rect(inh.mediaBox)
	if !ok {
		mx0, my0, mx1, my1 = 0, 0, 612, 792 // US Letter, what readers assume
	}
	if cx0, cy0, cx1, cy1, ok := a.rect(inh.cropBox); ok {
		x0, y0 := math.Max(mx0, cx0), math.Max(my0, cy0)
		x1, y1 := math.Min(mx1, cx1), math.Min(my1, cy1)
		if x1 > x0 && y1 > y0 {
			mx0, my0, mx1, my1 = x0, y0, x1, y1
		}
	}
	uu := a.userUnit(d)
	return (mx1 - mx0) * uu, (my1 - my0) * uu
}

func (a *analyzer) userUnit(d pdfraw.Dict) float64 {
	if u, ok := a.number(d["UserUnit"]); ok && u > 0 && u <= 1000 {
		return u
	}
	return 1
}

// readPage interprets the page's content for images and text.
func (a *analyzer) readPage(p *page) {
	res := a.dict(p.resources)
	uu := a.userUnit(p.dict)
	ctm := matrix{uu, 0, 0, uu, 0, 0}
	content, err := a.pageContent(p.dict)
	if err != nil {
		p.contentErr = err
	}
	if len(content) > 0 {
		in := &interp{a: a, page: p, formCalls: 0}
		in.run(content, res, ctm, 0, nil)
	}
	if len(p.placements) == 0 {
		a.fallbackPlacement(p, res)
	}
}

func (a *analyzer) pageContent(d pdfraw.Dict) ([]byte, error) {
	o, found := get(d, "Contents")
	if !found {
		return nil, nil
	}
	var streams []pdfraw.Object
	switch v := a.resolve(o).(type) {
	case *pdfraw.Stream:
		streams = []pdfraw.Object{o}
	case pdfraw.Array:
		streams = v
	default:
		return nil, errors.New("the page's content is neither a stream nor an array of streams")
	}
	var out []byte
	var firstErr error
	for _, s := range streams {
		sd, _ := a.stream(s)
		if sd == nil {
			continue
		}
		b, err := a.decode(sd, maxContentBytes-int64(len(out)))
		if err != nil && firstErr == nil {
			firstErr = err
		}
		out = append(out, b...)
		out = append(out, '\n')
		if int64(len(out)) >= maxContentBytes {
			break
		}
	}
	return out, firstErr
}

// fallbackPlacement assumes that the largest image in the page's resources
// fills the page box: the common scanner layout, used when the content
// could not be followed to a placement.
func (a *analyzer) fallbackPlacement(p *page, res pdfraw.Dict) {
	xobjs := a.dict(res["XObject"])
	if len(xobjs) == 0 {
		return
	}
	names := make([]pdfraw.Name, 0, len(xobjs))
	for n := range xobjs {
		names = append(names, n)
	}
	slices.Sort(names)
	var best *imageInfo
	for _, n := range names {
		img := a.image(xobjs[n])
		if img == nil || img.width <= 0 || img.height <= 0 {
			continue
		}
		if best == nil || img.width*img.height > best.width*best.height {
			best = img
		}
	}
	if best == nil || p.w <= 0 || p.h <= 0 {
		return
	}
	w, h := p.w, p.h
	// Match orientation: a portrait image on a landscape box was drawn
	// rotated.
	if (best.width > best.height) != (w > h) {
		w, h = h, w
	}
	p.placements = append(p.placements, placement{img: best, w: w, h: h, area: w * h})
	p.fallback = true
}

// image returns what an image XObject is, or nil when o is not one. It
// reads the image's dictionary, and of its data only the first bytes of a
// JPEG 2000 image that leaves its colour space to the codestream.
func (a *analyzer) image(o pdfraw.Object) *imageInfo {
	ref, isRef := o.(pdfraw.Ref)
	if isRef {
		if img, ok := a.images[ref]; ok {
			return img
		}
	}
	s, _ := a.stream(o)
	var img *imageInfo
	if s != nil && a.name(s.Dict["Subtype"]) == "Image" {
		img = a.imageFromDict(s.Dict, a.filterNames(s), func() []byte { return a.head(s, jpxHeadBytes) }, nil)
	}
	if isRef {
		a.images[ref] = img
	}
	return img
}

// get returns d[key] unless it is absent or null.
func get(d pdfraw.Dict, key pdfraw.Name) (pdfraw.Object, bool) {
	v, ok := d[key]
	if !ok || v == nil {
		return nil, false
	}
	if _, null := v.(pdfraw.Null); null {
		return nil, false
	}
	return v, true
}
