package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
)

// Paths of the administration pages (admin role only).
const (
	adminPath       = "/quan-tri"
	adminUnitsPath  = adminPath + "/don-vi"
	adminProcsPath  = adminPath + "/thu-tuc"
	adminUsersPath  = adminPath + "/nguoi-dung"
	adminTokensPath = adminPath + "/ma-truy-cap"
	adminTrustPath  = adminPath + "/chung-thu"
)

// Audit actions of reference-data administration: the same as the CLI's
// `sohoa unit add` and `sohoa procedure add` write.
const (
	auditUnitCreate      = "unit.create"
	auditUnitUpdate      = "unit.update"
	auditProcedureCreate = "procedure.create"
)

// maxTokenDays bounds the validity an API token can be given on the page.
const maxTokenDays = 3650

// adminRoutes registers the administration pages. Every change goes
// through the same functions as the JSON API (or, for units and
// procedures, which the API only lists, the same catalog calls and audit
// actions as the CLI), each with its audit entry in the same transaction.
func (s *server) adminRoutes() {
	s.handle("GET "+adminPath, s.requireAdminPage(s.handleAdminPage))
	s.handle("GET "+adminUnitsPath, s.requireAdminPage(s.handleAdminUnits))
	s.handle("POST "+adminUnitsPath, s.requireAdminPage(s.handleAdminUnitCreate))
	s.handle("POST "+adminUnitsPath+"/doi-ten", s.requireAdminPage(s.handleAdminUnitRename))
	s.handle("GET "+adminProcsPath, s.requireAdminPage(s.handleAdminProcedures))
	s.handle("POST "+adminProcsPath, s.requireAdminPage(s.handleAdminProcedureCreate))
	s.handle("GET "+adminUsersPath, s.requireAdminPage(s.handleAdminUsers))
	s.handle("POST "+adminUsersPath, s.requireAdminPage(s.handleAdminUserCreate))
	s.handle("GET "+adminUsersPath+"/{username}", s.requireAdminPage(s.handleAdminUser))
	s.handle("POST "+adminUsersPath+"/{username}", s.requireAdminPage(s.handleAdminUserUpdate))
	s.handle("POST "+adminUsersPath+"/{username}/khoa", s.requireAdminPage(s.handleAdminUserLock(true)))
	s.handle("POST "+adminUsersPath+"/{username}/mo-khoa", s.requireAdminPage(s.handleAdminUserLock(false)))
	s.handle("POST "+adminUsersPath+"/{username}/mat-khau", s.requireAdminPage(s.handleAdminUserPassword))
	s.handle("GET "+adminTokensPath, s.requireAdminPage(s.handleAdminTokens))
	s.handle("POST "+adminTokensPath, s.requireAdminPage(s.handleAdminTokenCreate))
	s.handle("POST "+adminTokensPath+"/{id}/thu-hoi", s.requireAdminPage(s.handleAdminTokenRevoke))
	s.handle("GET "+adminTrustPath, s.requireAdminPage(s.handleAdminTrust))
}

// requireAdminPage is requirePage for administrators only: anyone else
// signed in gets the 403 error page.
func (s *server) requireAdminPage(h http.HandlerFunc) http.Handler {
	return s.requirePage(func(w http.ResponseWriter, r *http.Request) {
		if !principalFrom(r.Context()).Can(sohoa.RoleAdmin) {
			s.pageError(w, r, sohoa.Errorf(sohoa.EFORBIDDEN, "administrators only"))
			return
		}
		h(w, r)
	})
}

// parseAdminForm reads a url-encoded form (already parsed when the CSRF
// check read it), bounded like the sign-in form.
func parseAdminForm(w http.ResponseWriter, r *http.Request) error {
	if r.PostForm == nil {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	}
	if err := r.ParseForm(); err != nil {
		return sohoa.Errorf(sohoa.EINVALID, "malformed form")
	}
	return nil
}

// adminBase is what every administration page's data carries: which
// section it is (for the section navigation) and the confirmation of the
// change that led here.
type adminBase struct {
	Section string
	OK      string
}

// adminFlashes are the confirmations a page shows after a change
// (?ok=KEY&id=OBJECT), each with how its object must look: a link cannot
// make a page show arbitrary text.
var adminFlashes = map[string]func(string) bool{
	"unit_created":  validCode,
	"unit_renamed":  validCode,
	"proc_created":  validCode,
	"user_created":  validUsername,
	"user_updated":  validUsername,
	"user_disabled": validUsername,
	"user_enabled":  validUsername,
	"password_set":  validUsername,
	"token_revoked": validID,
}

func validCode(s string) bool     { return sohoa.ValidateCode("object", s) == nil }
func validUsername(s string) bool { return sohoa.ValidateUsername(s) == nil }
func validID(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n > 0
}

// adminFlash is the confirmation the request's query asks for, "" for none.
func adminFlash(r *http.Request, t map[string]string) string {
	q := r.URL.Query()
	check, ok := adminFlashes[q.Get("ok")]
	if !ok || !check(q.Get("id")) {
		return ""
	}
	return t["adm_ok_"+q.Get("ok")] + " " + q.Get("id") + "."
}

// adminRedirect ends a successful change: POST-redirect-GET to target
// with the confirmation key and object.
func adminRedirect(w http.ResponseWriter, r *http.Request, target, ok, id string) {
	http.Redirect(w, r, target+"?ok="+url.QueryEscape(ok)+"&id="+url.QueryEscape(id), http.StatusSeeOther)
}

// adminBase fills the section and confirmation.
func newAdminBase(r *http.Request, section string) adminBase {
	return adminBase{Section: section, OK: adminFlash(r, uiStrings[pageLang(r)])}
}

// formError is a form's refusal: the status and the message shown above
// the form, which is shown again with what was typed.
type formError struct {
	status int
	msg    string
}

func invalidForm(t map[string]string, key string) *formError {
	return &formError{status: http.StatusBadRequest, msg: t[key]}
}

// catalogFormError turns a catalog error into a form's refusal, using
// byCode's text key for the codes it names; other errors (internal ones)
// are not the form's and are returned as they are.
func catalogFormError(t map[string]string, err error, byCode map[sohoa.ErrorCode]string) (*formError, error) {
	switch {
	case errors.Is(err, sohoa.ErrPasswordTooShort):
		return invalidForm(t, "adm_e_pw_short"), nil
	case errors.Is(err, sohoa.ErrPasswordTooLong):
		return invalidForm(t, "adm_e_pw_long"), nil
	case errors.Is(err, sohoa.ErrPasswordInvalid):
		return invalidForm(t, "adm_e_pw_invalid"), nil
	}
	code := sohoa.Code(err)
	if key, ok := byCode[code]; ok {
		return &formError{status: sohoa.HTTPStatus(code), msg: t[key]}, nil
	}
	if code == sohoa.EINVALID {
		return invalidForm(t, "adm_e_invalid"), nil
	}
	return nil, err
}

// handleAdminPage is GET /quan-tri: the sections.
func (s *server) handleAdminPage(w http.ResponseWriter, r *http.Request) {
	s.renderPage(w, r, http.StatusOK, "admin", s.page(r, "adm_admin", newAdminBase(r, "")))
}

// --- units ---

// unitRow is a unit in the tree, depth first.
type unitRow struct {
	Code, Name, Parent string
	// Depth is the level below a root, capped for indentation.
	Depth int
}

const maxUnitIndent = 5

// unitTree lists every unit depth first, children by code under their
// parent. A unit whose parent is not listed is shown as a root.
func (s *server) unitTree(ctx context.Context) ([]unitRow, error) {
	us, err := s.cfg.Catalog.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits})
	if err != nil {
		return nil, err
	}
	byCode := map[string]*sohoa.Unit{}
	for _, u := range us {
		byCode[u.Code] = u
	}
	children := map[string][]*sohoa.Unit{}
	var roots []*sohoa.Unit
	for _, u := range us { // ordered by code
		if _, ok := byCode[u.ParentCode]; u.ParentCode == "" || !ok {
			roots = append(roots, u)
		} else {
			children[u.ParentCode] = append(children[u.ParentCode], u)
		}
	}
	rows := make([]unitRow, 0, len(us))
	var walk func(u *sohoa.Unit, depth int)
	walk = func(u *sohoa.Unit, depth int) {
		row := unitRow{Code: u.Code, Name: u.Name, Depth: min(depth, maxUnitIndent)}
		if p := byCode[u.ParentCode]; p != nil {
			row.Parent = p.Name + " (" + p.Code + ")"
		}
		rows = append(rows, row)
		for _, c := range children[u.Code] {
			walk(c, depth+1)
		}
	}
	for _, u := range roots {
		walk(u, 0)
	}
	return rows, nil
}

type adminUnitsData struct {
	adminBase
	Units []unitRow
	// The add form: what was typed, and why it was refused.
	Code, Name, Parent, Error string
	// The rename form.
	RenameCode, RenameName, RenameError string
}

func (s *server) renderUnits(w http.ResponseWriter, r *http.Request, status int, d adminUnitsData) {
	units, err := s.unitTree(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Units = units
	d.Section = "units"
	s.renderPage(w, r, status, "admin_units", s.page(r, "adm_units", d))
}

// handleAdminUnits is GET /quan-tri/don-vi: the unit tree and its forms.
func (s *server) handleAdminUnits(w http.ResponseWriter, r *http.Request) {
	s.renderUnits(w, r, http.StatusOK, adminUnitsData{adminBase: newAdminBase(r, "units")})
}

// handleAdminUnitCreate is POST /quan-tri/don-vi: add a unit.
func (s *server) handleAdminUnitCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseAdminForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	t := uiStrings[pageLang(r)]
	d := adminUnitsData{Code: strings.TrimSpace(r.PostForm.Get("code")), Name: r.PostForm.Get("name"), Parent: r.PostForm.Get("parent")}
	u := &sohoa.Unit{Code: d.Code, Name: d.Name, ParentCode: d.Parent}
	fe := func() *formError {
		switch {
		case sohoa.ValidateCode("unit", u.Code) != nil:
			return invalidForm(t, "adm_e_unit_code")
		case u.ParentCode != "" && (sohoa.ValidateCode("parent unit", u.ParentCode) != nil || u.ParentCode == u.Code):
			return invalidForm(t, "adm_e_parent")
		case u.Validate() != nil:
			return invalidForm(t, "adm_e_name")
		}
		return nil
	}()
	if fe == nil {
		err := s.cfg.Catalog.WithTx(r.Context(), func(tx sohoa.Catalog) error {
			if err := tx.CreateUnit(r.Context(), u); err != nil {
				return err
			}
			return auditAdmin(r.Context(), tx, auditUnitCreate, "unit:"+u.Code, map[string]any{"name": u.Name, "parent_code": u.ParentCode})
		})
		if err == nil {
			adminRedirect(w, r, adminUnitsPath, "unit_created", u.Code)
			return
		}
		// The code and name are valid: an invalid reference is the parent.
		if fe, err = catalogFormError(t, err, map[sohoa.ErrorCode]string{sohoa.ECONFLICT: "adm_e_unit_taken", sohoa.EINVALID: "adm_e_parent"}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	d.Error = fe.msg
	s.renderUnits(w, r, fe.status, d)
}

// handleAdminUnitRename is POST /quan-tri/don-vi/doi-ten: rename a unit.
func (s *server) handleAdminUnitRename(w http.ResponseWriter, r *http.Request) {
	if err := parseAdminForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	t := uiStrings[pageLang(r)]
	d := adminUnitsData{RenameCode: r.PostForm.Get("code"), RenameName: r.PostForm.Get("name")}
	fe := func() *formError {
		switch {
		case sohoa.ValidateCode("unit", d.RenameCode) != nil:
			return invalidForm(t, "adm_e_unit_unknown")
		case (&sohoa.Unit{Code: d.RenameCode, Name: d.RenameName}).Validate() != nil:
			return invalidForm(t, "adm_e_name")
		}
		return nil
	}()
	if fe == nil {
		ctx := r.Context()
		err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
			u, err := tx.UpdateUnit(ctx, d.RenameCode, sohoa.UnitUpdate{Name: &d.RenameName})
			if err != nil {
				return err
			}
			return auditAdmin(ctx, tx, auditUnitUpdate, "unit:"+u.Code, map[string]any{"name": u.Name})
		})
		if err == nil {
			adminRedirect(w, r, adminUnitsPath, "unit_renamed", d.RenameCode)
			return
		}
		if fe, err = catalogFormError(t, err, map[sohoa.ErrorCode]string{sohoa.ENOTFOUND: "adm_e_unit_unknown", sohoa.EINVALID: "adm_e_name"}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	d.RenameError = fe.msg
	s.renderUnits(w, r, fe.status, d)
}

// --- procedures ---

type adminProcsData struct {
	adminBase
	Procedures                    []*sohoa.Procedure
	Code, Name, Components, Error string
}

func (s *server) renderProcedures(w http.ResponseWriter, r *http.Request, status int, d adminProcsData) {
	ps, err := s.cfg.Catalog.FindProcedures(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.Procedures = ps
	d.Section = "procs"
	s.renderPage(w, r, status, "admin_procs", s.page(r, "adm_procs", d))
}

// handleAdminProcedures is GET /quan-tri/thu-tuc.
func (s *server) handleAdminProcedures(w http.ResponseWriter, r *http.Request) {
	s.renderProcedures(w, r, http.StatusOK, adminProcsData{adminBase: newAdminBase(r, "procs")})
}

// handleAdminProcedureCreate is POST /quan-tri/thu-tuc: add a procedure
// with its required components, one per line.
func (s *server) handleAdminProcedureCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseAdminForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	t := uiStrings[pageLang(r)]
	d := adminProcsData{Code: strings.TrimSpace(r.PostForm.Get("code")), Name: r.PostForm.Get("name"), Components: r.PostForm.Get("components")}
	p := &sohoa.Procedure{Code: d.Code, Name: d.Name}
	for _, c := range strings.Split(d.Components, "\n") {
		if c = strings.TrimSpace(c); c != "" {
			p.RequiredComponents = append(p.RequiredComponents, c)
		}
	}
	fe := func() *formError {
		switch {
		case sohoa.ValidateCode("procedure", p.Code) != nil:
			return invalidForm(t, "adm_e_proc_code")
		case (&sohoa.Procedure{Code: p.Code, Name: p.Name}).Validate() != nil:
			return invalidForm(t, "adm_e_name")
		case p.Validate() != nil:
			return invalidForm(t, "adm_e_components")
		}
		return nil
	}()
	if fe == nil {
		ctx := r.Context()
		err := s.cfg.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
			if err := tx.CreateProcedure(ctx, p); err != nil {
				return err
			}
			return auditAdmin(ctx, tx, auditProcedureCreate, "procedure:"+p.Code,
				map[string]any{"name": p.Name, "required_components": p.RequiredComponents})
		})
		if err == nil {
			adminRedirect(w, r, adminProcsPath, "proc_created", p.Code)
			return
		}
		if fe, err = catalogFormError(t, err, map[sohoa.ErrorCode]string{sohoa.ECONFLICT: "adm_e_proc_taken"}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	d.Error = fe.msg
	s.renderProcedures(w, r, fe.status, d)
}

// --- users ---

// adminRoles are the roles offered on the forms, in this order.
var adminRoles = []sohoa.Role{sohoa.RoleClerk, sohoa.RoleAuditor, sohoa.RoleAdmin, sohoa.RoleScanner, sohoa.RoleHead}

// Password choices of the user forms.
const (
	pwGenerate = "generate"
	pwTyped    = "typed"
	pwNone     = "none"
)

// userForm is what the user forms show: the stored user or what was
// typed (never a password).
type userForm struct {
	Username, DisplayName string
	Roles, Scopes         map[string]bool
	PwMode                string
}

// option is a choice on a form: its value, label, and indentation.
type option struct {
	Value, Label string
	Depth        int
}

// userFormData is the choices of the user forms, with the page's texts
// for the sub-templates that show them.
type userFormData struct {
	T                        map[string]string
	RoleOptions, UnitOptions []option
	PwModes                  []option
	Pw                       pwChoice
}

// pwChoice is the password fieldset's data: how to set it, as chosen.
type pwChoice struct {
	T            map[string]string
	Prefix, Mode string
	Modes        []option
}

func (s *server) userFormChoices(ctx context.Context, t map[string]string, withNone bool) (userFormData, error) {
	units, err := s.unitTree(ctx)
	if err != nil {
		return userFormData{}, err
	}
	c := userFormData{T: t}
	for _, ro := range adminRoles {
		c.RoleOptions = append(c.RoleOptions, option{Value: string(ro), Label: t["role_"+string(ro)]})
	}
	for _, u := range units {
		c.UnitOptions = append(c.UnitOptions, option{Value: u.Code, Label: u.Name + " (" + u.Code + ")", Depth: u.Depth})
	}
	c.PwModes = []option{{Value: pwGenerate, Label: t["adm_pw_generate"]}, {Value: pwTyped, Label: t["adm_pw_typed"]}}
	if withNone {
		c.PwModes = append(c.PwModes, option{Value: pwNone, Label: t["adm_pw_none"]})
	}
	return c, nil
}

// readUserForm reads the display name, roles and scopes of a user form,
// and checks them; fe says what is wrong.
func readUserForm(r *http.Request, t map[string]string, known []option) (f userForm, roles []sohoa.Role, scopes []string, fe *formError) {
	f = userForm{DisplayName: r.PostForm.Get("display_name"), Roles: map[string]bool{}, Scopes: map[string]bool{}}
	for _, v := range r.PostForm["role"] {
		f.Roles[v] = true
		if !sohoa.Role(v).Valid() {
			fe = invalidForm(t, "adm_e_roles")
		}
		roles = append(roles, sohoa.Role(v))
	}
	for _, v := range r.PostForm["scope"] {
		f.Scopes[v] = true
		if !slices.ContainsFunc(known, func(o option) bool { return o.Value == v }) {
			fe = invalidForm(t, "adm_e_scopes")
		}
		scopes = append(scopes, v)
	}
	if fe != nil {
		return f, nil, nil, fe
	}
	if len(roles) == 0 {
		return f, nil, nil, invalidForm(t, "adm_e_roles")
	}
	if (&sohoa.User{Username: "x", DisplayName: f.DisplayName}).Validate() != nil {
		return f, nil, nil, invalidForm(t, "adm_e_display")
	}
	return f, roles, scopes, nil
}

// readPassword is the password a form asks for: generated, typed or
// none (when allowed).
func readPassword(r *http.Request, t map[string]string, allowNone bool) (plain string, generated bool, fe *formError) {
	switch r.PostForm.Get("pw_mode") {
	case pwGenerate:
		return sohoa.GeneratePassword(), true, nil
	case pwTyped:
		if err := sohoa.ValidatePassword(r.PostForm.Get("password")); err != nil {
			fe, _ := catalogFormError(t, err, nil)
			return "", false, fe
		}
		return r.PostForm.Get("password"), false, nil
	case pwNone:
		if allowNone {
			return "", false, nil
		}
	}
	return "", false, invalidForm(t, "adm_e_pw_mode")
}

// userRow is a user in the list.
type userRow struct {
	Username, DisplayName, Roles, Scopes string
	Disabled, HasPassword                bool
}

type adminUsersData struct {
	adminBase
	userFormData
	Users []userRow
	Form  userForm
	Error string
}

func (s *server) renderUsers(w http.ResponseWriter, r *http.Request, status int, d adminUsersData) {
	ctx := r.Context()
	t := uiStrings[pageLang(r)]
	us, err := s.cfg.Catalog.FindUsers(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.userFormData, err = s.userFormChoices(ctx, t, true); err != nil {
		s.pageError(w, r, err)
		return
	}
	labels := map[string]string{}
	for _, o := range d.UnitOptions {
		labels[o.Value] = o.Label
	}
	for _, u := range us {
		d.Users = append(d.Users, userRow{Username: u.Username, DisplayName: u.DisplayName, Roles: roleNames(u.Roles, t),
			Scopes: scopeNames(u, t, labels), Disabled: u.Disabled(), HasPassword: u.HasPassword})
	}
	d.Section = "users"
	if d.Form.PwMode == "" {
		d.Form.PwMode = pwGenerate
	}
	d.Pw = pwChoice{T: t, Prefix: "new", Mode: d.Form.PwMode, Modes: d.PwModes}
	s.renderPage(w, r, status, "admin_users", s.page(r, "adm_users", d))
}

func roleNames(roles []sohoa.Role, t map[string]string) string {
	names := make([]string, len(roles))
	for i, ro := range roles {
		names[i] = t["role_"+string(ro)]
	}
	return strings.Join(names, ", ")
}

// scopeNames is what a user may see, each unit as "Name (CODE)".
func scopeNames(u *sohoa.User, t, labels map[string]string) string {
	switch {
	case u.HasRole(sohoa.RoleAdmin):
		return t["adm_all_units"]
	case len(u.UnitScopes) == 0:
		return t["adm_none"]
	}
	names := make([]string, len(u.UnitScopes))
	for i, c := range u.UnitScopes {
		if names[i] = labels[c]; names[i] == "" {
			names[i] = c
		}
	}
	return strings.Join(names, ", ")
}

// handleAdminUsers is GET /quan-tri/nguoi-dung.
func (s *server) handleAdminUsers(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, adminUsersData{adminBase: newAdminBase(r, "users")})
}

// handleAdminUserCreate is POST /quan-tri/nguoi-dung: add a user through
// the API's createUser. A generated password is shown on the answer
// page, once.
func (s *server) handleAdminUserCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseAdminForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	t := uiStrings[pageLang(r)]
	choices, err := s.userFormChoices(ctx, t, true)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	f, roles, scopes, fe := readUserForm(r, t, choices.UnitOptions)
	f.Username, f.PwMode = username, r.PostForm.Get("pw_mode")
	if sohoa.ValidateUsername(username) != nil {
		fe = invalidForm(t, "adm_e_username")
	}
	var plain string
	var generated bool
	if fe == nil {
		plain, generated, fe = readPassword(r, t, true)
	}
	if fe == nil {
		_, err := s.createUser(ctx, createUserRequest{Username: username, DisplayName: f.DisplayName, Roles: roles, UnitScopes: scopes, Password: plain})
		if err == nil {
			if generated {
				s.renderSecret(w, r, "adm_user_add", t["adm_otp_for"]+" "+username, plain, adminUsersPath+"/"+url.PathEscape(username)+"?ok=user_created&id="+url.QueryEscape(username))
				return
			}
			adminRedirect(w, r, adminUsersPath, "user_created", username)
			return
		}
		if fe, err = catalogFormError(t, err, map[sohoa.ErrorCode]string{sohoa.ECONFLICT: "adm_e_user_taken", sohoa.EINVALID: "adm_e_scopes"}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderUsers(w, r, fe.status, adminUsersData{Form: f, Error: fe.msg})
}

// tokenRow is an API token in a list (never its plaintext, which is not
// stored).
type tokenRow struct {
	ID                                          int64
	Username, Name, Created, Expires, RevokeURL string
	Expired                                     bool
}

// tokenTable is the token list's data, on the tokens page and a user's.
type tokenTable struct {
	T      map[string]string
	CSRF   string
	Tokens []tokenRow
}

// tokenRows lists the users' tokens; a revocation returns to back's
// user page when back is set, else to the token page.
func (s *server) tokenRows(ctx context.Context, users []*sohoa.User, t map[string]string, back string) ([]tokenRow, error) {
	var rows []tokenRow
	now := s.now()
	q := ""
	if back != "" {
		q = "?user=" + url.QueryEscape(back)
	}
	for _, u := range users {
		toks, err := s.cfg.Catalog.FindAPITokens(ctx, u.Username)
		if err != nil {
			return nil, err
		}
		for _, tok := range toks {
			row := tokenRow{ID: tok.ID, Username: tok.Username, Name: tok.Name, Created: vnTime(tok.CreatedAt), Expires: t["adm_never"],
				RevokeURL: adminTokensPath + "/" + strconv.FormatInt(tok.ID, 10) + "/thu-hoi" + q}
			if tok.ExpiresAt != nil {
				row.Expires, row.Expired = vnTime(*tok.ExpiresAt), !tok.ExpiresAt.After(now)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

type adminUserData struct {
	adminBase
	userFormData
	User                          *sohoa.User
	Created, DisabledAt           string
	Self                          bool
	Form                          userForm
	EditError, LockError, PwError string
	PwMode                        string
	TokenTable                    tokenTable
}

// renderUser shows the user page; d.Form nil-maps mean "from the stored
// user".
func (s *server) renderUser(w http.ResponseWriter, r *http.Request, status int, name string, d adminUserData) {
	ctx := r.Context()
	t := uiStrings[pageLang(r)]
	u, err := s.cfg.Catalog.FindUserByUsername(ctx, name)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if d.userFormData, err = s.userFormChoices(ctx, t, false); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.TokenTable = tokenTable{T: t, CSRF: principalFrom(ctx).CSRF}
	if d.TokenTable.Tokens, err = s.tokenRows(ctx, []*sohoa.User{u}, t, u.Username); err != nil {
		s.pageError(w, r, err)
		return
	}
	d.User, d.Created, d.Section = u, vnTime(u.CreatedAt), "users"
	if u.DisabledAt != nil {
		d.DisabledAt = vnTime(*u.DisabledAt)
	}
	d.Self = principalFrom(ctx).User.Username == u.Username
	if d.Form.Roles == nil {
		d.Form = userForm{DisplayName: u.DisplayName, Roles: map[string]bool{}, Scopes: map[string]bool{}}
		for _, ro := range u.Roles {
			d.Form.Roles[string(ro)] = true
		}
		for _, c := range u.UnitScopes {
			d.Form.Scopes[c] = true
		}
	}
	d.Form.Username = u.Username
	if d.PwMode == "" {
		d.PwMode = pwGenerate
	}
	d.Pw = pwChoice{T: t, Prefix: "reset", Mode: d.PwMode, Modes: d.PwModes}
	pg := s.page(r, "adm_user", d)
	pg.Title += " " + u.Username
	s.renderPage(w, r, status, "admin_user", pg)
}

// pathUsername is the {username} of an administration page; a malformed
// one is a user that does not exist.
func pathUsername(r *http.Request) (string, error) {
	name := r.PathValue("username")
	if sohoa.ValidateUsername(name) != nil {
		return "", sohoa.Errorf(sohoa.ENOTFOUND, "user not found")
	}
	return name, nil
}

// handleAdminUser is GET /quan-tri/nguoi-dung/{username}.
func (s *server) handleAdminUser(w http.ResponseWriter, r *http.Request) {
	name, err := pathUsername(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	s.renderUser(w, r, http.StatusOK, name, adminUserData{adminBase: newAdminBase(r, "users")})
}

// handleAdminUserUpdate is POST /quan-tri/nguoi-dung/{username}: the
// display name, roles and unit scope, through the API's updateUser.
func (s *server) handleAdminUserUpdate(w http.ResponseWriter, r *http.Request) {
	name, err := pathUsername(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := parseAdminForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	ctx := r.Context()
	t := uiStrings[pageLang(r)]
	choices, err := s.userFormChoices(ctx, t, false)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, roles, scopes, fe := readUserForm(r, t, choices.UnitOptions)
	if fe == nil && principalFrom(ctx).User.Username == name && !slices.Contains(roles, sohoa.RoleAdmin) {
		// The last administrator could lock everyone out.
		fe = invalidForm(t, "adm_e_self_admin")
	}
	if fe == nil {
		_, err := s.updateUser(ctx, name, updateUserRequest{DisplayName: &f.DisplayName, Roles: &roles, UnitScopes: &scopes})
		if err == nil {
			adminRedirect(w, r, adminUsersPath+"/"+url.PathEscape(name), "user_updated", name)
			return
		}
		if sohoa.Code(err) == sohoa.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
		if fe, err = catalogFormError(t, err, map[sohoa.ErrorCode]string{sohoa.EINVALID: "adm_e_scopes"}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderUser(w, r, fe.status, name, adminUserData{Form: f, EditError: fe.msg})
}

// handleAdminUserLock is POST …/khoa (disable) or …/mo-khoa (enable),
// through the API's updateUser.
func (s *server) handleAdminUserLock(disable bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name, err := pathUsername(r)
		if err != nil {
			s.pageError(w, r, err)
			return
		}
		ctx := r.Context()
		if disable && principalFrom(ctx).User.Username == name {
			s.renderUser(w, r, http.StatusBadRequest, name, adminUserData{LockError: uiStrings[pageLang(r)]["adm_e_self_disable"]})
			return
		}
		if _, err := s.updateUser(ctx, name, updateUserRequest{Disabled: &disable}); err != nil {
			s.pageError(w, r, err)
			return
		}
		ok := "user_enabled"
		if disable {
			ok = "user_disabled"
		}
		adminRedirect(w, r, adminUsersPath+"/"+url.PathEscape(name), ok, name)
	}
}

// handleAdminUserPassword is POST …/mat-khau: reset a password through
// the API's setUserPassword; a generated one is shown once.
func (s *server) handleAdminUserPassword(w http.ResponseWriter, r *http.Request) {
	name, err := pathUsername(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	if err := parseAdminForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	t := uiStrings[pageLang(r)]
	plain, generated, fe := readPassword(r, t, false)
	if fe == nil {
		err := s.setUserPassword(r.Context(), name, plain)
		if err == nil {
			back := adminUsersPath + "/" + url.PathEscape(name)
			if generated {
				s.renderSecret(w, r, "adm_reset_pw", t["adm_otp_for"]+" "+name, plain, back+"?ok=password_set&id="+url.QueryEscape(name))
				return
			}
			adminRedirect(w, r, back, "password_set", name)
			return
		}
		if sohoa.Code(err) == sohoa.ENOTFOUND {
			s.pageError(w, r, err)
			return
		}
		if fe, err = catalogFormError(t, err, nil); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	s.renderUser(w, r, fe.status, name, adminUserData{PwError: fe.msg, PwMode: r.PostForm.Get("pw_mode")})
}

// secretData is the page that shows a new password or API token, once.
type secretData struct {
	adminBase
	Label, Secret, Next string
}

// renderSecret answers a change that made a secret with the page showing
// it: not a redirect, so the secret is in no URL, no history and no log,
// and the page is not cached (renderPage sends no-store).
func (s *server) renderSecret(w http.ResponseWriter, r *http.Request, title, label, secret, next string) {
	d := secretData{Label: label, Secret: secret, Next: next}
	d.Section = "users"
	if strings.HasPrefix(next, adminTokensPath) {
		d.Section = "tokens"
	}
	s.renderPage(w, r, http.StatusOK, "admin_secret", s.page(r, title, d))
}

// --- API tokens ---

type adminTokensData struct {
	adminBase
	TokenTable              tokenTable
	Users                   []option
	User, Name, Days, Error string
}

func (s *server) renderTokens(w http.ResponseWriter, r *http.Request, status int, d adminTokensData) {
	ctx := r.Context()
	t := uiStrings[pageLang(r)]
	us, err := s.cfg.Catalog.FindUsers(ctx)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d.TokenTable = tokenTable{T: t, CSRF: principalFrom(ctx).CSRF}
	if d.TokenTable.Tokens, err = s.tokenRows(ctx, us, t, ""); err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, u := range us {
		label := u.Username
		if u.DisplayName != "" {
			label += " — " + u.DisplayName
		}
		d.Users = append(d.Users, option{Value: u.Username, Label: label})
	}
	d.Section = "tokens"
	s.renderPage(w, r, status, "admin_tokens", s.page(r, "adm_tokens", d))
}

// handleAdminTokens is GET /quan-tri/ma-truy-cap: every user's tokens.
func (s *server) handleAdminTokens(w http.ResponseWriter, r *http.Request) {
	d := adminTokensData{adminBase: newAdminBase(r, "tokens")}
	if u := r.URL.Query().Get("user"); validUsername(u) {
		d.User = u // preselected from a user's page
	}
	s.renderTokens(w, r, http.StatusOK, d)
}

// handleAdminTokenCreate is POST /quan-tri/ma-truy-cap: issue a token
// through the API's createToken; the answer page shows it, once.
func (s *server) handleAdminTokenCreate(w http.ResponseWriter, r *http.Request) {
	if err := parseAdminForm(w, r); err != nil {
		s.pageError(w, r, err)
		return
	}
	t := uiStrings[pageLang(r)]
	d := adminTokensData{User: r.PostForm.Get("user"), Name: r.PostForm.Get("name"), Days: strings.TrimSpace(r.PostForm.Get("days"))}
	var req createTokenRequest
	req.Name = d.Name
	fe := func() *formError {
		if sohoa.ValidateUsername(d.User) != nil {
			return invalidForm(t, "adm_e_token_user")
		}
		if _, err := sohoa.NewAPIToken(d.User, d.Name, nil); err != nil {
			return invalidForm(t, "adm_e_token_name")
		}
		if d.Days != "" {
			n, err := strconv.Atoi(d.Days)
			if err != nil || n < 1 || n > maxTokenDays {
				return invalidForm(t, "adm_e_token_days")
			}
			exp := s.now().Add(time.Duration(n) * 24 * time.Hour)
			req.ExpiresAt = &exp
		}
		return nil
	}()
	if fe == nil {
		tok, plain, err := s.createToken(r.Context(), d.User, req)
		if err == nil {
			s.renderSecret(w, r, "adm_token_new", t["adm_token_for"]+" "+tok.Username+" — "+tok.Name, plain, adminTokensPath)
			return
		}
		if fe, err = catalogFormError(t, err, map[sohoa.ErrorCode]string{sohoa.ENOTFOUND: "adm_e_token_user"}); err != nil {
			s.pageError(w, r, err)
			return
		}
	}
	d.Error = fe.msg
	s.renderTokens(w, r, fe.status, d)
}

// handleAdminTokenRevoke is POST /quan-tri/ma-truy-cap/{id}/thu-hoi,
// through the API's revokeToken.
func (s *server) handleAdminTokenRevoke(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		s.pageError(w, r, sohoa.Errorf(sohoa.ENOTFOUND, "token not found"))
		return
	}
	if err := s.revokeToken(r.Context(), id); err != nil {
		s.pageError(w, r, err)
		return
	}
	back := adminTokensPath
	if u := r.URL.Query().Get("user"); validUsername(u) {
		back = adminUsersPath + "/" + url.PathEscape(u)
	}
	adminRedirect(w, r, back, "token_revoked", strconv.FormatInt(id, 10))
}

// --- trust anchors ---

type trustRow struct {
	Subject, Issuer, From, To, SHA256, Source string
	Valid                                     bool
}

type adminTrustData struct {
	adminBase
	Anchors []trustRow
}

// handleAdminTrust is GET /quan-tri/chung-thu: the trust anchors, from
// the same source as GET /api/v1/trust-anchors (read-only: they are
// files in the trust directory).
func (s *server) handleAdminTrust(w http.ResponseWriter, r *http.Request) {
	items, err := s.trustAnchorItems(r.Context())
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	d := adminTrustData{adminBase: newAdminBase(r, "trust")}
	for _, a := range items {
		d.Anchors = append(d.Anchors, trustRow{Subject: a.Subject, Issuer: a.Issuer, From: vnTime(a.NotBefore), To: vnTime(a.NotAfter),
			SHA256: a.SHA256, Source: a.Source, Valid: a.Valid})
	}
	s.renderPage(w, r, http.StatusOK, "admin_trust", s.page(r, "adm_trust", d))
}
