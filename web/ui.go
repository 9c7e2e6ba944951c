package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/verify"
)

// Paths of the web UI's pages.
const (
	dossiersPath = "/ho-so"
	verifyPath   = "/kiem-tra-chu-ky"
	auditPath    = "/nhat-ky"
)

// uiRoutes registers the server-rendered pages.
func (s *server) uiRoutes() {
	s.handle("GET "+dossiersPath, s.requirePage(s.handleDossiersPage))
	s.handle("GET "+dossiersPath+"/{code}", s.requirePage(s.handleDossierPage))
	s.handle("POST "+dossiersPath+"/{code}/tai-len", s.requirePage(s.handleUploadForm))
	s.handle("GET /tai-lieu/{id}/bao-cao", s.requirePage(s.handleReportPage))
	s.handle("GET "+verifyPath, s.requirePage(s.handleVerifyPage))
	s.handle("POST "+verifyPath, s.requirePage(s.handleVerifyForm))
	s.handle("GET "+auditPath, s.requirePage(s.handleAuditPage))
	s.progressRoutes()
}

// requirePage sends an anonymous browser to the sign-in page, coming back
// here afterwards.
func (s *server) requirePage(h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if principalFrom(r.Context()) == nil {
			s.signInRedirect(w, r)
			return
		}
		s.rememberLang(w, r)
		h(w, r)
	})
}

// vnZone is Vietnam's time zone: every time on a page is shown in it.
var vnZone = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}()

func vnTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vnZone).Format("02/01/2006 15:04:05") + " (GMT+7)"
}

// uiPage is the data every page under the layout gets.
type uiPage struct {
	T     map[string]string
	Lang  string
	User  *sohoa.User
	Role  string
	CSRF  string
	Self  string // this page's path and query without lang, for the language switch
	Title string
	// Nav is the section this page belongs to (its menu entry is
	// marked current); IsAuditor and IsAdmin choose the menu's entries.
	Nav                string
	IsAuditor, IsAdmin bool
	Data               any
}

func (s *server) page(r *http.Request, title string, data any) uiPage {
	lang := pageLang(r)
	t := uiStrings[lang]
	p := principalFrom(r.Context())
	q := r.URL.Query()
	q.Del("lang")
	self := r.URL.Path
	if e := q.Encode(); e != "" {
		self += "?" + e
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		self = s.getPage(r.URL.Path)
	}
	pg := uiPage{T: t, Lang: string(lang), User: p.User, CSRF: p.CSRF, Self: self, Title: t[title], Data: data}
	var roles []string
	for _, ro := range p.User.Roles {
		roles = append(roles, t["role_"+string(ro)])
	}
	pg.Role = strings.Join(roles, ", ")
	pg.IsAdmin = p.Can(sohoa.RoleAdmin)
	pg.IsAuditor = p.Can(sohoa.RoleAuditor, sohoa.RoleAdmin)
	pg.Nav = navSection(r.URL.Path)
	return pg
}

// getPage is the page a form posted to path belongs to: path itself when
// it is a page (GET), else the nearest parent that is one
// (/quan-tri/don-vi/doi-ten → /quan-tri/don-vi), so that links built
// from it (the language switch) never lead to a POST-only address.
func (s *server) getPage(path string) string {
	for p := path; p != "" && p != "/"; p = p[:strings.LastIndex(p, "/")] {
		r, err := http.NewRequest(http.MethodGet, p, nil)
		if err != nil {
			break
		}
		r.Header.Set("Accept", "text/html")
		if _, pattern := s.mux.Handler(r); strings.HasPrefix(pattern, "GET ") && pattern != "GET /{$}" && !strings.HasPrefix(pattern, "GET /static/") {
			return p
		}
	}
	return "/"
}

// navSection is the menu entry a path belongs to.
func navSection(path string) string {
	under := func(p string) bool { return path == p || strings.HasPrefix(path, p+"/") }
	switch {
	case path == "/":
		return "home"
	case under(dossiersPath), strings.HasPrefix(path, "/tai-lieu/"):
		return "dossiers"
	case under(verifyPath):
		return "verify"
	case under(progressPath):
		return "progress"
	case under(auditPath):
		return "audit"
	case under(adminPath):
		return "admin"
	}
	return ""
}

// pageError answers a page request with the error page (404 for what is
// out of the principal's scope, as for what does not exist).
func (s *server) pageError(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }

// unitIndex is the units in the principal's scope, for names.
type unitIndex struct {
	list  []*sohoa.Unit
	names map[string]string
}

func (s *server) unitNames(r *http.Request) unitIndex {
	us, err := s.cfg.Catalog.FindUnits(r.Context(), sohoa.UnitFilter{Scope: principalFrom(r.Context()).Scope()})
	if err != nil {
		s.log.Warn("units for a page", "err", err)
	}
	ix := unitIndex{list: us, names: map[string]string{}}
	for _, u := range us {
		ix.names[u.Code] = u.Name
	}
	return ix
}

// name is "Name (CODE)", or the code alone when the name is unknown.
func (ix unitIndex) name(code string) string {
	if n := ix.names[code]; n != "" {
		return n + " (" + code + ")"
	}
	return code
}

// dossierPageSize is how many dossiers a page of /ho-so lists.
var dossierPageSize = 50

// dossierRow is one line of the dossier table.
type dossierRow struct {
	Code, Unit, Procedure, Received, Status string
	State                                   string // digitizationState's
}

// digitizationState names a dossier's level for its badge (template
// "dstate"): "digitized", "scanned_checked" (scanned and checked, not
// digitized) or "incomplete".
func digitizationState(digitized, scannedChecked bool) string {
	switch {
	case digitized:
		return string(sohoa.DigitizationDigitized)
	case scannedChecked:
		return string(sohoa.ScanChecked)
	}
	return string(sohoa.DigitizationIncomplete)
}

// storedState is digitizationState of a dossier's stored states.
func storedState(d *sohoa.Dossier) string {
	return digitizationState(d.DigitizationState == sohoa.DigitizationDigitized, d.ScanState == sohoa.ScanChecked)
}

type dossiersData struct {
	Q, Unit, Status, State, Period string
	Rows                           []dossierRow
	Units                          [][2]string // code, name: the units in scope
	Next                           string
	Error                          string
}

// handleDossiersPage is GET /ho-so: the dossiers in scope, filtered as the
// API's GET /api/v1/dossiers is (the same filter parser and query).
func (s *server) handleDossiersPage(w http.ResponseWriter, r *http.Request) {
	in := r.URL.Query()
	q := url.Values{}
	for _, k := range []string{"q", "unit", "status", "state", "period", "cursor"} {
		if v := strings.TrimSpace(in.Get(k)); v != "" {
			q.Set(k, v)
		}
	}
	d := dossiersData{Q: q.Get("q"), Unit: q.Get("unit"), Status: q.Get("status"), State: q.Get("state"), Period: q.Get("period")}
	lang := pageLang(r)
	units := s.unitNames(r)
	for _, u := range units.list {
		d.Units = append(d.Units, [2]string{u.Code, u.Name})
	}
	f, err := dossierFilter(q)
	if err == nil {
		f.Scope = principalFrom(r.Context()).Scope()
		f.Limit = dossierPageSize
		var page *sohoa.DossierPage
		page, err = s.cfg.Catalog.FindDossiers(r.Context(), f)
		if err == nil {
			for _, x := range page.Dossiers {
				d.Rows = append(d.Rows, dossierRow{Code: x.Code, Unit: units.name(x.UnitCode), Procedure: x.ProcedureCode,
					Received: vnTime(x.ReceivedAt), Status: string(x.Status), State: storedState(x)})
			}
			if page.NextCursor != "" {
				nq := url.Values{}
				for k, v := range q {
					nq[k] = v
				}
				nq.Set("cursor", page.NextCursor)
				d.Next = dossiersPath + "?" + nq.Encode()
			}
		}
	}
	if err != nil {
		if sohoa.Code(err) != sohoa.EINVALID {
			s.pageError(w, r, err)
			return
		}
		d.Error = uiStrings[lang]["bad_filter"] + " " + sohoa.Message(err)
	}
	s.renderPage(w, r, http.StatusOK, "dossiers", s.page(r, "dossiers", d))
}

// fileView is one file on the dossier page.
type fileView struct {
	ID              int64
	Name, Uploaded  string
	ScanClass, Scan string
	// ScanLabel names the inspection: scan quality, or for a signed
	// (born-digital) file a file check, since its findings (PDF/A, the
	// version) are not about a scan.
	ScanLabel     string
	SigClass, Sig string
	Findings      []string
	Pending       bool
	Error         string
	ReusedFrom    string // the original's dossier code, for a reused file (ui_reuse.go)
}

type groupView struct {
	Title string
	Files []fileView
}

type dossierData struct {
	Dossier    *sohoa.Dossier
	Received   string
	Due        string
	Digitized  bool
	State      string // digitizationState's
	Groups     []groupView
	Missing    missingView
	CanUpload  bool
	Unit       string
	Procedure  string
	Components []string
}

// missingView is what a dossier still lacks, as the dossier page and the
// home page show it (template "missing").
type missingView struct {
	Items    []string
	Complete string // shown when nothing is missing
}

func missingOf(st *pipeline.DossierStatus, lang sohoa.Lang) missingView {
	mv := missingView{Complete: uiStrings[lang]["complete"]}
	for _, m := range st.Missing {
		mv.Items = append(mv.Items, requirementText(m, lang))
	}
	return mv
}

// handleDossierPage is GET /ho-so/{code}.
func (s *server) handleDossierPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	code := r.PathValue("code")
	d, err := s.dossierInScope(ctx, code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	st, err := s.cfg.Pipeline.Status(ctx, d.Code)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lang := pageLang(r)
	t := uiStrings[lang]
	data := dossierData{Dossier: st.Dossier, Received: vnTime(st.Dossier.ReceivedAt), Digitized: st.Digitized,
		State:     digitizationState(st.Digitized, st.ScannedChecked),
		CanUpload: principalFrom(ctx).Can(sohoa.RoleClerk, sohoa.RoleAdmin)}
	if st.Dossier.DueAt != nil {
		data.Due = vnTime(*st.Dossier.DueAt)
	}
	data.Unit = s.unitNames(r).name(d.UnitCode)
	data.Procedure = d.ProcedureCode
	var comps []string
	if proc, err := s.cfg.Catalog.FindProcedureByCode(ctx, d.ProcedureCode); err == nil {
		comps = append(comps, proc.RequiredComponents...)
		data.Procedure = proc.Name + " (" + proc.Code + ")"
	}
	data.Components = comps
	seen := map[string]bool{}
	for _, c := range comps {
		seen[c] = true
	}
	for _, doc := range st.Documents {
		if doc.Role == sohoa.RoleComponent && !seen[doc.ComponentName] {
			seen[doc.ComponentName] = true
			comps = append(comps, doc.ComponentName)
		}
	}
	for _, c := range comps {
		g := groupView{Title: t["component"] + ": " + c}
		if c == "" {
			g.Title = t["component"]
		}
		for _, doc := range st.Documents {
			if doc.Role == sohoa.RoleComponent && doc.ComponentName == c {
				g.Files = append(g.Files, fileViewOf(doc, lang))
			}
		}
		data.Groups = append(data.Groups, g)
	}
	res := groupView{Title: t["result"]}
	for _, doc := range st.Documents {
		if doc.Role == sohoa.RoleResult {
			res.Files = append(res.Files, fileViewOf(doc, lang))
		}
	}
	data.Groups = append(data.Groups, res)
	s.markReused(ctx, st.Documents, data.Groups)
	data.Missing = missingOf(st, lang)
	pg := s.page(r, "dossier", data)
	pg.Title += " " + d.Code
	s.renderPage(w, r, http.StatusOK, "dossier", pg)
}

func fileViewOf(doc pipeline.DocumentStatus, lang sohoa.Lang) fileView {
	t := uiStrings[lang]
	f := fileView{ID: doc.ID, Name: doc.FileName, Uploaded: vnTime(doc.CreatedAt), Pending: doc.Pending, Error: doc.Error}
	f.ScanClass, f.Scan = "badge-none", t["pending"]
	if in := doc.Inspection; in != nil {
		switch in.Outcome {
		case sohoa.InspectionOK:
			f.ScanClass, f.Scan = "badge-ok", t["scan_ok"]
		case sohoa.InspectionWarn:
			f.ScanClass, f.Scan = "badge-warn", t["scan_warn"]
		default:
			f.ScanClass, f.Scan = "badge-bad", t["scan_fail"]
		}
		for _, fd := range in.Findings {
			if fd.Outcome == sohoa.InspectionOK {
				continue // only what needs the clerk's attention
			}
			f.Findings = append(f.Findings, findingText(fd, lang))
		}
	}
	f.SigClass, f.Sig = "badge-none", t["pending"]
	f.ScanLabel = t["scan"]
	if v := doc.Verification; v != nil {
		f.SigClass, f.Sig = sigBadge(v.Indication, v.SubIndication, v.Signatures, t)
		if v.Signatures > 0 {
			f.ScanLabel = t["check"]
		}
	}
	return f
}

// sigBadge is a verdict's badge class and text.
func sigBadge(ind, sub string, sigs int, t map[string]string) (string, string) {
	switch {
	case sigs == 0 || sub == string(verify.NoSignature):
		return "badge-none", t["sig_none"]
	case ind == sohoa.IndicationTotalPassed:
		return "badge-ok", t["sig_ok"]
	case ind == sohoa.IndicationTotalFailed:
		return "badge-bad", t["sig_bad"]
	default:
		return "badge-warn", t["sig_unknown"]
	}
}

// maxFormFiles bounds how many files one plain upload form may carry.
const maxFormFiles = 20

// handleUploadForm is the upload form without JavaScript: the fields,
// then one or more parts named file, each stored through the same code as
// the API; then back to the dossier page.
func (s *server) handleUploadForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	if !principalFrom(ctx).Can(sohoa.RoleClerk, sohoa.RoleAdmin) {
		s.pageError(w, r, sohoa.Errorf(sohoa.EFORBIDDEN, "your role may not upload"))
		return
	}
	d, err := s.dossierInScope(ctx, r.PathValue("code"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	limit := s.cfg.API.MaxUploadBytes
	s.keepReading(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, maxFormFiles*limit+multipartSlack)
	if err := s.uploadFormFiles(r, d, limit); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			err = tooLarge(limit)
		}
		s.pageError(w, r, err)
		return
	}
	http.Redirect(w, r, dossiersPath+"/"+url.PathEscape(d.Code), http.StatusSeeOther)
}

// uploadFormFiles ingests every part named file of the form, with the
// role and component fields sent before them.
func (s *server) uploadFormFiles(r *http.Request, d *sohoa.Dossier, limit int64) error {
	mr, err := r.MultipartReader()
	if err != nil {
		return sohoa.Errorf(sohoa.EINVALID, "malformed multipart body: %v", err)
	}
	var f uploadFields
	files := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sohoa.Errorf(sohoa.EINVALID, "malformed multipart body")
		}
		switch part.FormName() {
		case "file":
			if part.FileName() == "" {
				part.Close()
				continue // the form's empty file input
			}
			if files++; files > maxFormFiles {
				part.Close()
				return sohoa.Errorf(sohoa.EINVALID, "at most %d files at once", maxFormFiles)
			}
			ff := f
			ff.filename = part.FileName()
			_, err := s.ingest(r.Context(), d, ff, part, limit)
			part.Close()
			if err != nil {
				return err
			}
		case "role", "component":
			b, err := io.ReadAll(io.LimitReader(part, maxFieldBytes+1))
			part.Close()
			if err != nil || len(b) > maxFieldBytes {
				return sohoa.Errorf(sohoa.EINVALID, "malformed multipart body")
			}
			if part.FormName() == "role" {
				f.role = string(b)
			} else {
				f.component = string(b)
			}
		default:
			part.Close()
		}
	}
	if files == 0 {
		return sohoa.Errorf(sohoa.EINVALID, "choose at least one file")
	}
	return nil
}

// sigView is one signature on the report page.
type sigView struct {
	Field, Kind, Verdict, VerdictClass, Reason string
	// Reasons are the coded reasons beside the sub-indication (a chain
	// to a Vietnamese root sohoa does not know), in the page's language.
	Reasons          []string
	Signer, Org, IDs string
	// Infrastructure is which infrastructure the trusted chain ends in,
	// in a clerk's words ("Chữ ký số chuyên dùng Chính phủ"); "" when
	// the chain is not trusted.
	Infrastructure          string
	Claimed, Timestamp, TSA string
	Chain                   []string
	Trusted                 bool
	Revocation              []string
	Coverage                string
	Changes                 []string
	Level                   string
	Problems                []string
}

type reportData struct {
	Doc *sohoa.Document
	// AdHoc: a file verified on /kiem-tra-chu-ky, not stored; FileName
	// is its name, Error why it could not be verified.
	AdHoc        bool
	FileName     string
	Error        string
	None         bool
	Verdict      string
	VerdictClass string
	Reason       string
	VerifiedAt   string
	Signatures   []sigView
	// History is every earlier run, newest first: when, verdict, reason.
	History []historyRow
}

type historyRow struct {
	When, Verdict, VerdictClass, Reason string
}

// handleReportPage is GET /tai-lieu/{id}/bao-cao: the document's latest
// verification report.
func (s *server) handleReportPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	doc, err := s.documentInScope(ctx, r.PathValue("id"))
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	lang := pageLang(r)
	t := uiStrings[lang]
	data := reportData{Doc: doc, FileName: doc.FileName}
	vs, err := s.cfg.Catalog.FindVerifications(ctx, doc.ID)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(vs) == 0 {
		data.None = true
		s.renderPage(w, r, http.StatusOK, "report", s.page(r, "report", data))
		return
	}
	var rep verify.Report
	if err := json.Unmarshal(vs[0].ReportJSON, &rep); err != nil {
		s.pageError(w, r, err)
		return
	}
	fillReport(&data, &rep, lang)
	for _, v := range vs[1:] {
		h := historyRow{When: vnTime(v.CreatedAt), Reason: subText(verify.SubIndication(v.SubIndication), lang)}
		var sum struct {
			Signatures []json.RawMessage `json:"signatures"`
		}
		_ = json.Unmarshal(v.ReportJSON, &sum)
		h.VerdictClass, h.Verdict = sigBadge(v.Indication, v.SubIndication, len(sum.Signatures), t)
		data.History = append(data.History, h)
	}
	s.renderPage(w, r, http.StatusOK, "report", s.page(r, "report", data))
}

// fillReport sets the verdict and the signatures of data from rep: the
// part of the report page the ad-hoc verification page shares.
func fillReport(data *reportData, rep *verify.Report, lang sohoa.Lang) {
	t := uiStrings[lang]
	data.VerdictClass, data.Verdict = sigBadge(string(rep.Indication), string(rep.SubIndication), len(rep.Signatures), t)
	data.Reason = subText(rep.SubIndication, lang)
	if rep.Reason != nil {
		data.Reason = reasonText(*rep.Reason, lang)
	}
	data.VerifiedAt = vnTime(rep.VerifiedAt)
	for i, sg := range rep.Signatures {
		v := sigView{Field: sg.Field, Kind: string(sg.Kind), Level: sg.PAdESLevel, Trusted: sg.ChainTrusted}
		if lang == sohoa.LangEN {
			// The verifier's problems are English sentences without
			// codes: shown to English readers only (the coded reason
			// above says the same in Vietnamese).
			v.Problems = sg.Problems
		}
		if v.Field == "" {
			v.Field = "#" + strconv.Itoa(i+1)
		}
		v.VerdictClass, v.Verdict = sigBadge(string(sg.Indication), string(sg.SubIndication), 1, t)
		v.Reason = subText(sg.SubIndication, lang)
		for _, rs := range sg.Reasons {
			v.Reasons = append(v.Reasons, reasonText(rs, lang))
		}
		v.Infrastructure = infrastructureText(sg.TrustInfrastructure, lang)
		if c := sg.Signer; c != nil {
			v.Signer, v.Org, v.IDs = c.CommonName, strings.Join(c.Organization, ", "), strings.Join(c.UIDs, ", ")
			if v.Signer == "" {
				v.Signer = c.Subject
			}
		}
		if sg.ClaimedSigningTime != nil {
			v.Claimed = vnTime(*sg.ClaimedSigningTime)
		}
		if ts := sg.Timestamp; ts != nil {
			v.Timestamp = vnTime(ts.Time)
			if ts.TSA != nil {
				v.TSA = ts.TSA.CommonName
			}
		}
		for _, c := range sg.Chain {
			name := c.CommonName
			if name == "" {
				name = c.Subject
			}
			v.Chain = append(v.Chain, name)
		}
		for i, rv := range sg.Revocation {
			status := t["rev_"+rv.Status]
			if status == "" {
				status = t["rev_unknown"]
			}
			line := rv.Certificate + " (" + t["rev_"+revocationPaths(sg)[i]] + "): " + status
			if rv.Kind != "" {
				line += " (" + strings.ToUpper(rv.Kind) + ")"
			}
			v.Revocation = append(v.Revocation, line)
		}
		if br := sg.ByteRange; br != nil {
			v.Coverage = t["cov_"+string(br.Coverage)]
			if v.Coverage == "" {
				v.Coverage = t["cov_ANOMALOUS"]
			}
		}
		if ch := sg.Changes; ch != nil {
			// Disallowed changes one by one; the allowed ones by their
			// notes (filled fields, added validation data).
			for _, oc := range ch.Disallowed {
				if len(oc.Reasons) == 0 {
					v.Changes = append(v.Changes, sohoa.NewReason(reasonChangeUncoded, "object", oc.Object).Text(lang))
				}
				for _, rs := range oc.Reasons {
					v.Changes = append(v.Changes, reasonText(rs, lang))
				}
			}
			for _, rs := range ch.NoteReasons {
				v.Changes = append(v.Changes, reasonText(rs, lang))
			}
		}
		data.Signatures = append(data.Signatures, v)
	}
}

// revocationPaths says which path each of a signature's revocation
// entries is about: "signer" or "tsa". The verifier lists the signer's
// path first, each certificate once, then the signature timestamp's; the
// two may share certificates (one CA issuing both), so an entry is the
// signer's while it is a certificate of the signer's chain not seen yet.
func revocationPaths(sg verify.SignatureReport) []string {
	inChain := map[string]bool{}
	for _, c := range sg.Chain {
		inChain[c.SerialNumber] = true
	}
	seen := map[string]bool{}
	tsa := false
	out := make([]string, len(sg.Revocation))
	for i, rv := range sg.Revocation {
		if tsa || !inChain[rv.Serial] || seen[rv.Serial] {
			tsa = sg.Timestamp != nil
		}
		seen[rv.Serial] = true
		out[i] = "signer"
		if tsa {
			out[i] = "tsa"
		}
	}
	return out
}

// infrastructureText names the infrastructure a trusted chain ends in, in
// lang: the catalogue's trust.infrastructure.<value>, capitalised as the
// value of a field ("Chữ ký số công cộng"); "" for none.
func infrastructureText(in verify.TrustInfrastructure, lang sohoa.Lang) string {
	c := in.Code()
	if c == "" {
		return ""
	}
	return upperFirst(sohoa.Reason{Code: c}.Text(lang))
}

// upperFirst capitalises s's first letter.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// subText is a sub-indication's text from the catalogue ("" for none).
func subText(sub verify.SubIndication, lang sohoa.Lang) string {
	if c := sub.Code(); c != "" {
		return sohoa.Reason{Code: c}.Text(lang)
	}
	return ""
}
