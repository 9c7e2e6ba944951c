package inspect

import (
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// document is what the rules judge, gathered in one pass over the file.
type document struct {
	version   pdfVersion
	encrypted bool // opened, but with an /Encrypt dictionary (owner password only)
	pages     []*page
	treeErr   error // the page tree was damaged; pages holds what could be read
	pdfa      string
	truncated bool // the operator budget ran out; later content was not parsed
}

// page is one page's box and what its content draws.
type page struct {
	number     int
	w, h       float64 // crop box size in points (UserUnit applied)
	placements []placement
	text       bool
	contentErr error
	fallback   bool // the scan's placement was assumed from the page box

	dict      types.Dict   // the page dictionary
	resources types.Object // its resources, inherited or its own
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
	x      *model.Context
	images map[int]*imageInfo // by object number
	forms  map[int]*formInfo
	ops    int // content tokens read so far
	doc    *document
}

func newAnalyzer(ctx context.Context, x *model.Context) *analyzer {
	return &analyzer{ctx: ctx, x: x, images: map[int]*imageInfo{}, forms: map[int]*formInfo{}, doc: &document{}}
}

func (a *analyzer) analyze() (*document, error) {
	d := a.doc
	d.version = effectiveVersion(a.x.XRefTable)
	d.encrypted = a.x.Encrypt != nil
	root, err := a.x.Catalog()
	if err != nil || root == nil {
		if err == nil {
			err = errors.New("missing document catalog")
		}
		d.treeErr = err
		return d, nil
	}
	// The catalog's /Version wins when later than the header's (ISO
	// 32000-1, 7.2.2); pdfcpu ignores it under a pre-1.4 header.
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

func effectiveVersion(x *model.XRefTable) pdfVersion {
	var v pdfVersion
	conv := func(mv model.Version) pdfVersion {
		pv, err := parseVersion(mv.String())
		if err != nil {
			return 0
		}
		return pv
	}
	if x.HeaderVersion != nil {
		v = conv(*x.HeaderVersion)
	}
	// The catalog's /Version wins only when later than the header's
	// (ISO 32000-1, 7.2.2).
	if x.RootVersion != nil {
		if rv := conv(*x.RootVersion); rv > v {
			v = rv
		}
	}
	return v
}

// resolve follows indirect references (a few levels: chains are legal but
// loops are not).
func (a *analyzer) resolve(o types.Object) types.Object {
	for i := 0; i < 8; i++ {
		ir, ok := o.(types.IndirectRef)
		if !ok {
			return o
		}
		r, err := a.x.Dereference(ir)
		if err != nil {
			return nil
		}
		o = r
	}
	return nil
}

func (a *analyzer) dict(o types.Object) types.Dict {
	switch d := a.resolve(o).(type) {
	case types.Dict:
		return d
	case types.StreamDict:
		return d.Dict
	}
	return nil
}

func (a *analyzer) number(o types.Object) (float64, bool) {
	switch n := a.resolve(o).(type) {
	case types.Integer:
		return float64(n), true
	case types.Float:
		f := float64(n)
		return f, !math.IsNaN(f) && !math.IsInf(f, 0)
	}
	return 0, false
}

func (a *analyzer) integer(o types.Object) (int, bool) {
	f, ok := a.number(o)
	if !ok || f < 0 || f > math.MaxInt32 || f != math.Trunc(f) {
		return 0, false
	}
	return int(f), true
}

func (a *analyzer) name(o types.Object) string {
	if n, ok := a.resolve(o).(types.Name); ok {
		return string(n)
	}
	return ""
}

func (a *analyzer) stream(o types.Object) (*types.StreamDict, int) {
	nr := 0
	if ir, ok := o.(types.IndirectRef); ok {
		nr = ir.ObjectNumber.Value()
	}
	if sd, ok := a.resolve(o).(types.StreamDict); ok {
		return &sd, nr
	}
	return nil, 0
}

// decode returns a stream's decoded bytes without caching them in the
// cross-reference table (the stream dict is a copy).
func decode(sd *types.StreamDict, limit int64) ([]byte, error) {
	if int64(len(sd.Raw)) > limit && len(sd.FilterPipeline) == 0 {
		return nil, fmt.Errorf("stream of %d bytes is over the %d-byte limit", len(sd.Raw), limit)
	}
	c := *sd
	c.Content = nil
	if err := c.DecodeWithLimit(limit); err != nil {
		if b, ok := inflateLeniently(sd, limit); ok {
			return b, nil
		}
		return nil, err
	}
	return c.Content, nil
}

// inflateLeniently decodes a plain FlateDecode stream whose zlib checksum
// is wrong, as many producers write it and as readers display it; pdfcpu
// gives up on those.
func inflateLeniently(sd *types.StreamDict, limit int64) ([]byte, bool) {
	if len(sd.FilterPipeline) != 1 || sd.FilterPipeline[0].Name != "FlateDecode" || len(sd.FilterPipeline[0].DecodeParms) > 0 || len(sd.Raw) < 2 {
		return nil, false
	}
	r := flate.NewReader(bytes.NewReader(sd.Raw[2:])) // past the zlib header
	defer r.Close()
	b, err := io.ReadAll(io.LimitReader(r, limit))
	if err != nil || len(b) == 0 {
		return nil, false
	}
	return b, true
}

// inherited holds the page attributes a page inherits from the tree.
type inherited struct {
	resources types.Object
	mediaBox  types.Object
	cropBox   types.Object
}

// walkPages collects the leaves of the page tree in order. It does not
// trust /Count: it visits each node once and stops at loops.
func (a *analyzer) walkPages(root types.Dict) error {
	pagesRef, found := root.Find("Pages")
	if !found {
		return errors.New("the document catalog has no page tree")
	}
	seen := map[int]bool{}
	nodes := 0
	var walk func(o types.Object, inh inherited, depth int) error
	walk = func(o types.Object, inh inherited, depth int) error {
		if depth > 64 {
			return errors.New("the page tree is nested too deeply")
		}
		if nodes++; nodes > maxPageNodes {
			return errors.New("the page tree is too large")
		}
		if ir, ok := o.(types.IndirectRef); ok {
			nr := ir.ObjectNumber.Value()
			if seen[nr] {
				return errors.New("the page tree contains a loop or lists a page twice")
			}
			seen[nr] = true
		}
		d := a.dict(o)
		if d == nil {
			return errors.New("the page tree refers to a missing or damaged object")
		}
		if v, ok := d.Find("Resources"); ok && v != nil {
			inh.resources = v
		}
		if v, ok := d.Find("MediaBox"); ok && v != nil {
			inh.mediaBox = v
		}
		if v, ok := d.Find("CropBox"); ok && v != nil {
			inh.cropBox = v
		}
		typ := a.name(d["Type"])
		kidsObj, hasKids := d.Find("Kids")
		if typ == "Pages" || (typ != "Page" && hasKids) {
			kids, _ := a.resolve(kidsObj).(types.Array)
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

func (a *analyzer) rect(o types.Object) (llx, lly, urx, ury float64, ok bool) {
	arr, _ := a.resolve(o).(types.Array)
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
func (a *analyzer) pageSize(d types.Dict, inh inherited) (w, h float64) {
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

func (a *analyzer) userUnit(d types.Dict) float64 {
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

func (a *analyzer) pageContent(d types.Dict) ([]byte, error) {
	o, found := d.Find("Contents")
	if !found || o == nil {
		return nil, nil
	}
	var streams []types.Object
	switch v := a.resolve(o).(type) {
	case types.StreamDict:
		streams = []types.Object{o}
	case types.Array:
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
		b, err := decode(sd, maxContentBytes-int64(len(out)))
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
func (a *analyzer) fallbackPlacement(p *page, res types.Dict) {
	xobjs := a.dict(res["XObject"])
	if len(xobjs) == 0 {
		return
	}
	names := make([]string, 0, len(xobjs))
	for n := range xobjs {
		names = append(names, n)
	}
	sort.Strings(names)
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

// image returns what an image XObject is, or nil when o is not one.
func (a *analyzer) image(o types.Object) *imageInfo {
	ir, isRef := o.(types.IndirectRef)
	if isRef {
		if img, ok := a.images[ir.ObjectNumber.Value()]; ok {
			return img
		}
	}
	sd, _ := a.stream(o)
	var img *imageInfo
	if sd != nil && a.name(sd.Dict["Subtype"]) == "Image" {
		img = a.imageFromDict(sd.Dict, filterNames(sd), sd.Raw, nil)
	}
	if isRef {
		a.images[ir.ObjectNumber.Value()] = img
	}
	return img
}

func filterNames(sd *types.StreamDict) []string {
	var out []string
	for _, f := range sd.FilterPipeline {
		out = append(out, f.Name)
	}
	return out
}
