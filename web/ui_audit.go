package web

import (
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"

	"github.com/sohoa/sohoa"
)

// auditPageSize is how many audit entries a page of /nhat-ky lists.
var auditPageSize = 50

// auditKinds are the kinds of object the audit page filters by: the
// prefix of an entry's object ("dossier:CODE") and its label's key.
var auditKinds = []string{"dossier", "document", "unit", "user", "procedure", "api_token", "audit-key"}

type auditRow struct {
	Seq                int64
	When, Action, Code string
	Actor, Object      string
	Link               string // the object's page, when it has one
}

type auditData struct {
	Kind, Value, Action, Actor string
	Kinds                      [][2]string // prefix, label
	Actions                    [][2]string // code, label
	Rows                       []auditRow
	Next                       string
	// Check is the chain check's outcome for an administrator who asked
	// for it; CanCheck says who may ask.
	CanCheck bool
	Checked  bool
	CheckOK  bool
	Check    string
}

// handleAuditPage is GET /nhat-ky: the audit log, newest first, as far as
// the viewer's scope reaches. An auditor sees the entries about the
// units, dossiers and files of the units they audit; an administrator
// (every unit) sees every entry and may run the hash-chain check.
func (s *server) handleAuditPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p := principalFrom(ctx)
	if !p.Can(sohoa.RoleAuditor, sohoa.RoleAdmin) {
		s.pageError(w, r, sohoa.Errorf(sohoa.EFORBIDDEN, "only auditors and administrators read the audit log"))
		return
	}
	lang := pageLang(r)
	t := uiStrings[lang]
	q := r.URL.Query()
	d := auditData{Kind: q.Get("kind"), Value: strings.TrimSpace(q.Get("object")), Action: q.Get("action"),
		Actor: strings.TrimSpace(q.Get("actor")), CanCheck: p.Can(sohoa.RoleAdmin)}
	for _, k := range auditKinds {
		d.Kinds = append(d.Kinds, [2]string{k, t["obj_"+k]})
	}
	for a := range auditActions {
		d.Actions = append(d.Actions, [2]string{a, actionText(a, lang)})
	}
	sortByText(d.Actions, lang)

	scope := p.Scope()
	f := sohoa.AuditFilter{Scope: &scope, Newest: true, Limit: auditPageSize + 1, Action: d.Action}
	if d.Value != "" {
		kind := d.Kind
		if !contains(auditKinds, kind) {
			kind = "dossier"
		}
		f.Object = kind + ":" + d.Value
	}
	if d.Actor != "" {
		f.Actor = d.Actor
		if !strings.Contains(d.Actor, ":") && d.Actor != "anonymous" {
			f.Actor = "user:" + d.Actor
		}
	}
	if b, err := strconv.ParseInt(q.Get("before"), 10, 64); err == nil && b > 0 {
		f.BeforeSeq = b
	}
	es, err := s.cfg.Catalog.FindAuditEntries(ctx, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if len(es) > auditPageSize {
		es = es[:auditPageSize]
		nq := url.Values{}
		for k, v := range q {
			if k != "before" && k != "check" && k != "lang" {
				nq[k] = v
			}
		}
		nq.Set("before", strconv.FormatInt(es[len(es)-1].Seq, 10))
		d.Next = auditPath + "?" + nq.Encode()
	}
	for _, e := range es {
		row := auditRow{Seq: e.Seq, When: vnTime(e.At), Action: actionText(e.Action, lang), Code: e.Action,
			Actor: actorText(e.Actor, t)}
		row.Object, row.Link = objectText(e.Object, t)
		d.Rows = append(d.Rows, row)
	}
	if d.CanCheck && q.Get("check") != "" {
		d.Checked = true
		d.CheckOK, d.Check = s.auditChainText(r, lang)
	}
	s.renderPage(w, r, http.StatusOK, "audit", s.page(r, "audit", d))
}

// auditChainText runs the hash-chain check and says its outcome.
func (s *server) auditChainText(r *http.Request, lang sohoa.Lang) (bool, string) {
	res, err := s.cfg.Catalog.VerifyAuditChain(r.Context())
	switch {
	case errors.Is(err, sohoa.ErrAuditKeyRequired):
		return false, sohoa.NewReason(reasonAuditKeyNeeded).Text(lang)
	case err != nil:
		s.logInternal(r, err)
		return false, sohoa.NewReason(reasonInternal).Text(lang)
	case res.OK:
		return true, sohoa.NewReason(reasonAuditChainOK, "entries", strconv.FormatInt(res.Entries, 10)).Text(lang)
	}
	return false, sohoa.NewReason(reasonAuditChainBroken, "seq", strconv.FormatInt(res.FirstBrokenSeq, 10)).Text(lang)
}

// actorText is who acted, in words: a user's name, or the system part.
func actorText(actor string, t map[string]string) string {
	kind, name, ok := strings.Cut(actor, ":")
	switch {
	case actor == "anonymous":
		return t["actor_anonymous"]
	case ok && kind == "user":
		return name
	case ok && kind == "system":
		return t["actor_system"] + " (" + name + ")"
	}
	return actor
}

// objectText is what an entry is about, in words, and its page.
func objectText(object string, t map[string]string) (string, string) {
	kind, id, ok := strings.Cut(object, ":")
	if !ok || t["obj_"+kind] == "" {
		return object, ""
	}
	text := t["obj_"+kind] + " " + id
	switch kind {
	case "dossier":
		return text, dossiersPath + "/" + url.PathEscape(id)
	case "document":
		if _, err := strconv.ParseInt(id, 10, 64); err == nil {
			return text, "/tai-lieu/" + id + "/bao-cao"
		}
	}
	return text, ""
}

// sortByText sorts pairs by their text (the second), in the reader's
// language's collation order: Vietnamese puts "Đ…" after "D…", not after
// "Z…" as byte order does.
func sortByText(pairs [][2]string, lang sohoa.Lang) {
	tag := language.Vietnamese
	if lang == sohoa.LangEN {
		tag = language.English
	}
	c := collate.New(tag)
	sort.SliceStable(pairs, func(i, j int) bool { return c.CompareString(pairs[i][1], pairs[j][1]) < 0 })
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

const (
	reasonAuditKeyNeeded   sohoa.ReasonCode = "ui.audit_key_needed"
	reasonAuditChainOK     sohoa.ReasonCode = "ui.audit_chain_ok"     // entries
	reasonAuditChainBroken sohoa.ReasonCode = "ui.audit_chain_broken" // seq
)

func init() {
	sohoa.RegisterMessages(map[sohoa.ReasonCode]sohoa.Translation{
		reasonAuditKeyNeeded: {
			VI: "Nhật ký được niêm phong bằng khóa nhật ký mà máy chủ này không có, nên không kiểm tra được ở đây; hãy chạy “sohoa audit verify” với tệp khóa.",
			EN: "The log is sealed with an audit key this server does not hold, so it cannot be checked here; run “sohoa audit verify” with the key file.",
		},
		reasonAuditChainOK: {
			VI: "Chuỗi mã băm của nhật ký toàn vẹn: đã kiểm tra {entries} mục, không mục nào bị sửa, xóa hay chèn thêm.",
			EN: "The log's hash chain holds: {entries} entries checked, none edited, deleted or inserted.",
		},
		reasonAuditChainBroken: {
			VI: "Chuỗi mã băm của nhật ký bị đứt từ mục số {seq}: nhật ký đã bị sửa hoặc xóa từ đó. Hãy báo ngay cho bộ phận an toàn thông tin.",
			EN: "The log's hash chain breaks at entry {seq}: the log was edited or cut from there. Report it to the security team at once.",
		},
	})
}
