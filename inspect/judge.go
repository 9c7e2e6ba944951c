package inspect

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/sohoa/sohoa"
)

// dpiTolerance absorbs rounding in page sizes and pixel counts: a 200 dpi
// A4 scan of 1653 pixels across a 595.3-point page is 199.9 dpi.
const dpiTolerance = 0.01

// scanPage is a page judged as a scan.
type scanPage struct {
	*page
	dpi      float64
	best     *imageInfo // richest colour among its scan images
	fallback bool
}

// judge applies the policy's rules to what analysis found.
func judge(res *Result, d *document, p Policy) {
	if d.version > 0 {
		res.Version = d.version.String()
	}
	res.Pages = len(d.pages)
	res.PDFA = d.pdfa

	judgeReadable(res, d)

	if d.encrypted {
		res.add(RuleEncryption, Fail, 0, reason(CodeEncrypted), "the file is encrypted (it opens without a password but carries security restrictions); save or scan it again without security settings")
	} else {
		res.add(RuleEncryption, OK, 0, reason(CodeNotEncrypted), "the file is not encrypted")
	}

	minV, _ := parseVersion(p.MinVersion)
	switch {
	case d.version == 0:
		res.add(RuleVersion, Warn, 0, reason(CodeVersionUnknown), "the PDF version could not be determined")
	case d.version < minV:
		res.add(RuleVersion, Fail, 0, reason(CodeVersionOld, "version", d.version.String(), "min", minV.String()), "PDF version %s is older than the required %s; save or scan it again as PDF %s or later", d.version, minV, minV)
	default:
		res.add(RuleVersion, OK, 0, reason(CodeVersionOK, "version", d.version.String()), "PDF version %s", d.version)
	}

	n := len(d.pages)
	switch {
	case n == 0:
		res.add(RulePages, Fail, 0, reason(CodeNoPages), "the document has no pages; scan it again")
	case p.MaxPages > 0 && n > p.MaxPages:
		res.add(RulePages, Warn, 0, reason(CodeTooManyPages, "count", strconv.Itoa(n), "max", strconv.Itoa(p.MaxPages)), "%d pages, more than the %d this policy expects in one file; split the document", n, p.MaxPages)
	default:
		res.add(RulePages, OK, 0, reason(CodePagesOK, "count", strconv.Itoa(n)), "%s", plural(n, "page", "pages"))
	}

	if n > 0 {
		scans, others := scanPages(d)
		judgeResolution(res, scans, others, p)
		judgeColor(res, scans, p)
		judgeText(res, d, scans, p)
	}

	if d.pdfa != "" {
		res.add(RulePDFA, OK, 0, reason(CodePDFAClaimed, "level", d.pdfa), "claims PDF/A-%s (conformance is not validated)", d.pdfa)
	} else if p.RequirePDFA == OK {
		res.add(RulePDFA, OK, 0, reason(CodePDFANotRequired), "does not claim PDF/A (not required by this policy)")
	} else {
		res.add(RulePDFA, p.RequirePDFA, 0, reason(CodePDFAMissing), "does not claim PDF/A; save it as PDF/A (for example PDF/A-2b) for long-term archiving")
	}
}

func judgeReadable(res *Result, d *document) {
	var bad []int
	var first error
	for _, pg := range d.pages {
		if pg.contentErr != nil {
			bad = append(bad, pg.number)
			if first == nil {
				first = pg.contentErr
			}
		}
	}
	switch {
	case d.treeErr != nil && len(d.pages) == 0:
		detail := shorten(d.treeErr.Error(), 200)
		res.add(RuleReadable, Fail, 0, reason(CodePagesUnreadable, "detail", detail), "the file's pages cannot be read (%s); open it in a PDF reader and save or scan it again", detail)
	case d.treeErr != nil:
		detail := shorten(d.treeErr.Error(), 200)
		res.add(RuleReadable, Warn, 0, reason(CodePageTreeDamaged, "detail", detail, "count", strconv.Itoa(len(d.pages))),
			"the file's page list is damaged (%s); only %s could be read: open it in a PDF reader and save it again", detail, plural(len(d.pages), "page", "pages"))
	case len(bad) > 0:
		detail := shorten(first.Error(), 200)
		res.add(RuleReadable, Warn, 0, reason(CodeContentDamaged, "pages", pageNumbers(bad), "detail", detail),
			"%s: the content could not be fully decoded (%s); check that these pages display correctly", pageList(bad), detail)
	case d.truncated:
		res.add(RuleReadable, Warn, 0, reason(CodeContentTooComplex), "the file's content is too complex to check completely; later pages were checked only in part")
	default:
		res.add(RuleReadable, OK, 0, reason(CodeReadable), "the file is a readable PDF")
	}
}

func scanPages(d *document) (scans []scanPage, others []int) {
	for _, pg := range d.pages {
		imgs, ok := pg.scan()
		if !ok {
			others = append(others, pg.number)
			continue
		}
		sp := scanPage{page: pg, dpi: math.Inf(1), fallback: pg.fallback}
		for _, pl := range imgs {
			x, y := pl.dpi()
			sp.dpi = math.Min(sp.dpi, math.Min(x, y))
			if sp.best == nil || pl.img.better(sp.best) {
				sp.best = pl.img
			}
		}
		scans = append(scans, sp)
	}
	return scans, others
}

func judgeResolution(res *Result, scans []scanPage, others []int, p Policy) {
	if len(scans) == 0 {
		res.add(RuleResolution, OK, 0, reason(CodeResolutionNotChecked), "no page is a scanned image; resolution was not checked")
		return
	}
	lowest := scans[0]
	var failed []scanPage
	for _, sp := range scans {
		if sp.dpi < lowest.dpi {
			lowest = sp
		}
		if sp.dpi < p.MinDPI*(1-dpiTolerance) {
			failed = append(failed, sp)
		}
	}
	res.MinDPI = math.Round(lowest.dpi*10) / 10
	need := strconv.FormatFloat(p.MinDPI, 'f', -1, 64)
	for i, sp := range failed {
		if i == maxListedPages {
			rest := make([]int, 0, len(failed)-i)
			for _, sp := range failed[i:] {
				rest = append(rest, sp.number)
			}
			res.add(RuleResolution, Fail, 0, reason(CodeResolutionLowMore, "count", strconv.Itoa(len(rest)), "min", need, "pages", pageNumbers(rest)),
				"%d more pages are below %s dpi: %s", len(rest), need, pageNumbers(rest))
			break
		}
		note, code := "", CodeResolutionLow
		if sp.fallback {
			note, code = " (assuming the scan fills the page)", CodeResolutionLowAssumed
		}
		res.add(RuleResolution, Fail, sp.number, reason(code, "page", strconv.Itoa(sp.number), "dpi", fmtDPI(sp.dpi), "min", need), "page %d: %s dpi, needs %s%s; scan it again at %s dpi or more", sp.number, fmtDPI(sp.dpi), need, note, need)
	}
	if len(failed) > 0 {
		return
	}
	msg := fmt.Sprintf("%s at %s dpi or more (lowest: %s dpi, page %d)", scannedPages(len(scans)), need, fmtDPI(lowest.dpi), lowest.number)
	why := reason(CodeResolutionOK, "scanned", strconv.Itoa(len(scans)), "min", need, "dpi", fmtDPI(lowest.dpi), "page", strconv.Itoa(lowest.number))
	if len(others) > 0 {
		msg += fmt.Sprintf("; %s not scanned and not checked", isAre(others))
		why.Code, why.Params["unchecked"] = CodeResolutionOKPartly, pageNumbers(others)
	}
	res.add(RuleResolution, OK, 0, why, "%s", msg)
}

func judgeColor(res *Result, scans []scanPage, p Policy) {
	if len(scans) == 0 {
		res.add(RuleColor, OK, 0, reason(CodeColorNotChecked), "no page is a scanned image; colour was not checked")
		return
	}
	if p.RequireColor {
		listed, failed := 0, 0
		var rest []int
		for _, sp := range scans {
			b := sp.best
			var o Outcome
			var msg string
			var why sohoa.Reason
			page, bits, need := strconv.Itoa(sp.number), strconv.Itoa(b.bits), strconv.Itoa(p.MinColorBits)
			switch {
			case b.bits == 0 && !b.color:
				o, msg = Warn, fmt.Sprintf("page %d: %s; check that it was scanned in colour", sp.number, b.desc)
				why = reason(CodeColorUnknown, "page", page)
			case !b.color:
				o, msg = Fail, fmt.Sprintf("page %d: %s, the policy requires %d-bit colour; scan it again in colour", sp.number, b.desc, p.MinColorBits)
				why = reason(CodeColorMissing, "page", page, "bits", bits, "min", need)
			case b.bits < p.MinColorBits:
				o, msg = Fail, fmt.Sprintf("page %d: %s, the policy requires %d-bit colour; scan it again in %d-bit colour", sp.number, b.desc, p.MinColorBits, p.MinColorBits)
				why = reason(CodeColorDepthLow, "page", page, "bits", bits, "min", need)
			default:
				continue
			}
			failed++
			if listed == maxListedPages {
				rest = append(rest, sp.number)
				continue
			}
			listed++
			res.add(RuleColor, o, sp.number, why, "%s", msg)
		}
		if len(rest) > 0 {
			res.add(RuleColor, Fail, 0, reason(CodeColorLowMore, "count", strconv.Itoa(len(rest)), "min", strconv.Itoa(p.MinColorBits), "pages", pageNumbers(rest)), "%d more pages are not in %d-bit colour: %s", len(rest), p.MinColorBits, pageNumbers(rest))
		}
		if failed > 0 {
			return
		}
	}
	// Summarize depths, most common first.
	counts := map[string]int{}
	var order []string
	for _, sp := range scans {
		if counts[sp.best.desc] == 0 {
			order = append(order, sp.best.desc)
		}
		counts[sp.best.desc]++
	}
	sort.SliceStable(order, func(i, j int) bool { return counts[order[i]] > counts[order[j]] })
	var msg string
	if len(order) == 1 {
		msg = scannedPages(len(scans)) + " " + order[0]
	} else {
		parts := make([]string, 0, len(order))
		for _, desc := range order {
			parts = append(parts, fmt.Sprintf("%s (%s)", desc, plural(counts[desc], "page", "pages")))
		}
		msg = "scanned pages: " + strings.Join(parts, ", ")
	}
	why := reason(CodeColorOK, "scanned", strconv.Itoa(len(scans)), "min", strconv.Itoa(p.MinColorBits))
	outcome := OK
	if !p.RequireColor {
		var colour, grey, bw, unknown int
		for _, sp := range scans {
			switch b := sp.best; {
			case b.color:
				colour++
			case b.bits == 0:
				unknown++
			case b.bits == 1:
				bw++
			default:
				grey++
			}
		}
		code := CodeColorNotRequired
		if grey+bw > 0 {
			// Decree 30/2020 asks for colour images: a greyscale or
			// black-and-white scan is warned about; a policy with
			// require_color makes it a failure (above).
			code, outcome = CodeColorAdvised, Warn
			msg += "; Decree 30/2020 asks for colour images: scan the greyscale and black-and-white pages again in colour"
		} else {
			msg += "; colour is not required by this policy"
		}
		why = reason(code, "colour", strconv.Itoa(colour), "grey", strconv.Itoa(grey), "bw", strconv.Itoa(bw), "unknown", strconv.Itoa(unknown))
	}
	res.add(RuleColor, outcome, 0, why, "%s", msg)
}

func judgeText(res *Result, d *document, scans []scanPage, p Policy) {
	var without []int
	withText := 0
	for _, pg := range d.pages {
		if pg.text {
			withText++
			res.HasText = true
		}
	}
	for _, sp := range scans {
		if !sp.text {
			without = append(without, sp.number)
		}
	}
	switch {
	case !res.HasText && p.RequireText == OK:
		res.add(RuleTextLayer, OK, 0, reason(CodeNoTextLayerAllowed), "no text layer (not required by this policy)")
	case !res.HasText:
		res.add(RuleTextLayer, p.RequireText, 0, reason(CodeNoTextLayer), "no text layer: run OCR so the document is searchable")
	case len(without) > 0 && p.RequireText == OK:
		res.add(RuleTextLayer, OK, 0, reason(CodeTextLayerPartialAllowed, "with", strconv.Itoa(withText), "total", strconv.Itoa(len(d.pages)), "pages", pageNumbers(without)), "text layer on %d of %d pages; %s scanned without one (not required by this policy)", withText, len(d.pages), isAre(without))
	case len(without) > 0:
		res.add(RuleTextLayer, p.RequireText, 0, reason(CodeTextLayerPartial, "pages", pageNumbers(without)), "%s scanned without a text layer: run OCR on them so the whole document is searchable", isAre(without))
	default:
		res.add(RuleTextLayer, OK, 0, reason(CodeTextLayerOK), "the document has a text layer")
	}
}

func fmtDPI(v float64) string {
	if v >= 100000 {
		return "over 100000"
	}
	return strconv.Itoa(int(math.Round(v)))
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func scannedPages(n int) string {
	if n == 1 {
		return "the scanned page is"
	}
	return fmt.Sprintf("all %d scanned pages are", n)
}

// isAre says "page 3 is" or "pages 2, 4–6 are".
func isAre(pages []int) string {
	if len(pages) == 1 {
		return fmt.Sprintf("page %d is", pages[0])
	}
	return "pages " + pageNumbers(pages) + " are"
}

func pageList(pages []int) string {
	if len(pages) == 1 {
		return fmt.Sprintf("page %d", pages[0])
	}
	return "pages " + pageNumbers(pages)
}

// pageNumbers writes ascending page numbers as ranges: "1–3, 5, 9–12",
// cut short after a few dozen ranges.
func pageNumbers(pages []int) string {
	var parts []string
	for i := 0; i < len(pages); {
		j := i
		for j+1 < len(pages) && pages[j+1] == pages[j]+1 {
			j++
		}
		if len(parts) == 30 {
			parts = append(parts, fmt.Sprintf("and %d more", len(pages)-i))
			break
		}
		if j > i {
			parts = append(parts, fmt.Sprintf("%d–%d", pages[i], pages[j]))
		} else {
			parts = append(parts, strconv.Itoa(pages[i]))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}
