package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// post submits a url-encoded form as the browser, with the session's
// CSRF token unless form already has a csrf field (or csrf is "-": none).
func (u *uiSession) post(t *testing.T, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	f := url.Values{}
	for k, v := range form {
		f[k] = v
	}
	switch f.Get(csrfField) {
	case "":
		f.Set(csrfField, u.csrf)
	case "-":
		f.Del(csrfField)
	}
	r := httptest.NewRequest(http.MethodPost, target, strings.NewReader(f.Encode()))
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.Header.Set("Accept", "text/html")
	if u.cookie != nil {
		r.AddCookie(&http.Cookie{Name: u.cookie.Name, Value: u.cookie.Value})
	}
	w := httptest.NewRecorder()
	u.b.h.ServeHTTP(w, r)
	res := w.Result()
	body, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if res.StatusCode != http.StatusSeeOther {
		assertNoInline(t, string(body))
	}
	return res, string(body)
}

// follow GETs a redirect's target.
func (u *uiSession) follow(t *testing.T, res *http.Response) string {
	t.Helper()
	require.Equal(t, http.StatusSeeOther, res.StatusCode)
	r, body := u.page(t, res.Header.Get("Location"))
	require.Equal(t, http.StatusOK, r.StatusCode, body)
	return body
}

// auditOf is the audit entries of action, as "actor object" pairs, and
// the details of the last one.
func auditOf(t *testing.T, b *apiBundle, action string) ([]string, map[string]any) {
	t.Helper()
	var out []string
	var details map[string]any
	for _, e := range b.audit(t) {
		if e.Action == action {
			out = append(out, e.Actor+" "+e.Object)
			details = nil
			if len(e.Details) > 0 {
				require.NoError(t, json.Unmarshal(e.Details, &details))
			}
		}
	}
	return out, details
}

var adminPages = []string{adminPath, adminUnitsPath, adminProcsPath, adminUsersPath, adminUsersPath + "/clerkA", adminTokensPath, adminTrustPath}

func TestUIAdminPagesAreForAdministrators(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)
	want := map[string][]string{
		adminPath:                  {"Quản trị", "Thủ tục hành chính", "Người dùng", "Mã truy cập API", "Chứng thư số tin cậy"},
		adminUnitsPath:             {"Cây đơn vị", "Một cửa A", "Phòng A1", "Đơn vị cấp trên", "Thêm đơn vị", "Đổi tên đơn vị", `class="lvl lvl-2"`},
		adminProcsPath:             {"Cấp giấy phép", compForm, compID, "Thêm thủ tục hành chính", "Thành phần hồ sơ bắt buộc"},
		adminUsersPath:             {"clerkA", "Cán bộ một cửa", "Vai trò", "Phạm vi đơn vị", "Đang hoạt động", "Thêm người dùng", "Tạo mật khẩu dùng một lần"},
		adminUsersPath + "/clerkA": {"Người dùng clerkA", "Khóa tài khoản", "Đặt lại mật khẩu", `name="scope" value="A" checked`},
		adminTokensPath:            {"Tạo mã truy cập API", "scannerA", "Thu hồi", "Không hết hạn"},
		adminTrustPath:             {"Sohoa Sample Root CA", "Còn hiệu lực", "chỉ để xem", "SOHOA_TRUST_DIR"},
	}
	for _, p := range adminPages {
		res, body := admin.page(t, p)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s: %s", p, body)
		assert.Contains(t, body, `<html lang="vi">`, p)
		if p != adminPath {
			assert.Contains(t, body, `aria-label="Mục quản trị"`, p)
		}
		for _, s := range want[p] {
			assert.Contains(t, body, s, p)
		}
		_, en := admin.page(t, p+"?lang=en")
		assert.Contains(t, en, `<html lang="en">`, p)
		assert.Contains(t, en, "Administration", p)
	}
	_, body := admin.page(t, adminTrustPath)
	assert.Regexp(t, `<code class="hash">[0-9a-f]{64}</code>`, body)

	for _, p := range []*Principal{b.clerkA, b.auditorA} {
		u := b.browser(t, p)
		for _, target := range adminPages {
			res, body := u.page(t, target)
			assert.Equal(t, http.StatusForbidden, res.StatusCode, "%s %s", p.User.Username, target)
			assert.Contains(t, body, "Bạn không có quyền thực hiện việc này.", target)
		}
		// Nor may they change anything.
		res, _ := u.post(t, adminUnitsPath, url.Values{"code": {"X9"}, "name": {"Đơn vị X"}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
		res, _ = u.post(t, adminUsersPath, url.Values{"username": {"x9"}, "role": {"admin"}, "pw_mode": {"generate"}})
		assert.Equal(t, http.StatusForbidden, res.StatusCode)
	}
	_, err := b.db.FindUnitByCode(t.Context(), "X9")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	_, err = b.db.FindUserByUsername(t.Context(), "x9")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))

	res, _ := (&uiSession{b: b}).page(t, adminUsersPath)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode)
	assert.Equal(t, "/dang-nhap?next=%2Fquan-tri%2Fnguoi-dung", res.Header.Get("Location"))
}

func TestUIAdminUnits(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)

	res, _ := admin.post(t, adminUnitsPath, url.Values{"code": {"A2"}, "name": {"Phòng A2"}, "parent": {"A"}})
	assert.Equal(t, "/quan-tri/don-vi?ok=unit_created&id=A2", res.Header.Get("Location"))
	body := admin.follow(t, res)
	assert.Contains(t, body, "Đã thêm đơn vị A2.")
	assert.Contains(t, body, "Phòng A2")
	u, err := b.db.FindUnitByCode(t.Context(), "A2")
	require.NoError(t, err)
	assert.Equal(t, "A", u.ParentCode)
	got, details := auditOf(t, b, auditUnitCreate)
	assert.Equal(t, []string{"user:admin unit:A2"}, got)
	assert.Equal(t, "A", details["parent_code"])

	// Refusals: the form again, in Vietnamese, with what was typed.
	for _, c := range []struct {
		form   url.Values
		status int
		msg    string
	}{
		{url.Values{"code": {"A2"}, "name": {"Trùng mã"}}, http.StatusConflict, "Mã đơn vị này đã có"},
		{url.Values{"code": {"mã sai"}, "name": {"Tên tạm"}}, http.StatusBadRequest, "Mã đơn vị không hợp lệ"},
		{url.Values{"code": {"Z1"}, "name": {"   "}}, http.StatusBadRequest, "Hãy nhập tên"},
		{url.Values{"code": {"Z2"}, "name": {"Tên tạm"}, "parent": {"NOPE"}}, http.StatusBadRequest, "Đơn vị cấp trên không tồn tại"},
	} {
		res, body := admin.post(t, adminUnitsPath, c.form)
		assert.Equal(t, c.status, res.StatusCode, "%v", c.form)
		assert.Contains(t, body, c.msg, "%v", c.form)
		assert.Contains(t, body, `value="`+c.form.Get("code")+`"`, "the typed code is kept")
	}
	got, _ = auditOf(t, b, auditUnitCreate)
	assert.Len(t, got, 1, "no refused unit is audited")

	res, _ = admin.post(t, adminUnitsPath+"/doi-ten", url.Values{"code": {"A2"}, "name": {"Phòng Hành chính A2"}})
	body = admin.follow(t, res)
	assert.Contains(t, body, "Đã đổi tên đơn vị A2.")
	u, err = b.db.FindUnitByCode(t.Context(), "A2")
	require.NoError(t, err)
	assert.Equal(t, "Phòng Hành chính A2", u.Name)
	got, _ = auditOf(t, b, auditUnitUpdate)
	assert.Equal(t, []string{"user:admin unit:A2"}, got)
	res, body = admin.post(t, adminUnitsPath+"/doi-ten", url.Values{"code": {"NOPE"}, "name": {"X"}})
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	assert.Contains(t, body, "Hãy chọn một đơn vị có trong danh sách.")
}

func TestUIAdminProcedures(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)
	res, _ := admin.post(t, adminProcsPath, url.Values{"code": {"P2"}, "name": {"Đăng ký kinh doanh"},
		"components": {"Giấy đề nghị\r\n\r\n  Điều lệ công ty  \nBản sao CCCD"}})
	body := admin.follow(t, res)
	assert.Contains(t, body, "Đã thêm thủ tục hành chính P2.")
	assert.Contains(t, body, "Điều lệ công ty")
	p, err := b.db.FindProcedureByCode(t.Context(), "P2")
	require.NoError(t, err)
	assert.Equal(t, []string{"Giấy đề nghị", "Điều lệ công ty", "Bản sao CCCD"}, p.RequiredComponents)
	got, details := auditOf(t, b, auditProcedureCreate)
	assert.Equal(t, []string{"user:admin procedure:P2"}, got)
	assert.Equal(t, "Đăng ký kinh doanh", details["name"])

	res, body = admin.post(t, adminProcsPath, url.Values{"code": {"P1"}, "name": {"Khác"}})
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Contains(t, body, "Mã thủ tục này đã có")
	res, body = admin.post(t, adminProcsPath, url.Values{"code": {"P3"}, "name": {"Thủ tục 3"}, "components": {"A\nA"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Thành phần hồ sơ không hợp lệ")
	assert.Contains(t, body, "Thủ tục 3", "the typed name is kept")
	_, err = b.db.FindProcedureByCode(t.Context(), "P3")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
}

func TestUIAdminCSRF(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)
	before := len(b.audit(t))
	for _, c := range []struct{ csrf, msg string }{
		{"-", "thiếu mã chống giả mạo"},
		{"giả-mạo-0123456789", "không đúng hoặc đã cũ"},
	} {
		for _, target := range []string{adminUnitsPath, adminProcsPath, adminUsersPath, adminTokensPath,
			adminUsersPath + "/clerkA/khoa", adminUsersPath + "/clerkA/mat-khau"} {
			res, body := admin.post(t, target, url.Values{csrfField: {c.csrf}, "code": {"X1"}, "name": {"Tên X1"},
				"username": {"x1"}, "user": {"clerkA"}, "role": {"clerk"}, "pw_mode": {"typed"}, "password": {"một mật khẩu đủ dài"}})
			assert.Equal(t, http.StatusForbidden, res.StatusCode, target)
			assert.Contains(t, body, c.msg, target)
		}
	}
	assert.Len(t, b.audit(t), before, "nothing was changed or audited")
	_, err := b.db.FindUnitByCode(t.Context(), "X1")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	_, err = b.db.FindProcedureByCode(t.Context(), "X1")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	_, err = b.db.FindUserByUsername(t.Context(), "x1")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	u, err := b.db.FindUserByUsername(t.Context(), "clerkA")
	require.NoError(t, err)
	assert.False(t, u.Disabled())
	toks, err := b.db.FindAPITokens(t.Context(), "clerkA")
	require.NoError(t, err)
	assert.Len(t, toks, 1)
}

func TestUIAdminUsers(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)
	ctx := t.Context()

	// A password shorter than 12 characters: the Vietnamese error, the
	// form again with what was typed except the password, nothing stored.
	short := "ngắn quá 1"
	res, body := admin.post(t, adminUsersPath, url.Values{"username": {"lan"}, "display_name": {"Nguyễn Thị Lan"},
		"role": {"clerk"}, "scope": {"A"}, "pw_mode": {"typed"}, "password": {short}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Mật khẩu quá ngắn: cần ít nhất 12 ký tự.")
	assert.Contains(t, body, `value="lan"`)
	assert.Contains(t, body, `value="Nguyễn Thị Lan"`)
	assert.Contains(t, body, `id="role-clerk" name="role" value="clerk" checked`)
	assert.Contains(t, body, `name="scope" value="A" checked`)
	assert.Contains(t, body, `value="typed" checked`)
	assert.NotContains(t, body, short)
	_, err := b.db.FindUserByUsername(ctx, "lan")
	assert.Equal(t, sohoa.ENOTFOUND, sohoa.Code(err))
	got, _ := auditOf(t, b, auditUserCreate)
	assert.Empty(t, got)

	// No role; a taken name.
	res, body = admin.post(t, adminUsersPath, url.Values{"username": {"lan"}, "pw_mode": {"none"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Hãy chọn ít nhất một vai trò.")
	res, body = admin.post(t, adminUsersPath, url.Values{"username": {"clerkA"}, "role": {"clerk"}, "pw_mode": {"none"}})
	assert.Equal(t, http.StatusConflict, res.StatusCode)
	assert.Contains(t, body, "Tên đăng nhập này đã có người dùng.")

	// A typed password.
	pw := "mật khẩu của Lan 2026"
	res, _ = admin.post(t, adminUsersPath, url.Values{"username": {"lan"}, "display_name": {"Nguyễn Thị Lan"},
		"role": {"clerk"}, "scope": {"A"}, "pw_mode": {"typed"}, "password": {pw}})
	body = admin.follow(t, res)
	assert.Contains(t, body, "Đã thêm người dùng lan.")
	assert.NotContains(t, body, pw)
	u, err := b.db.CheckUserPassword(ctx, "lan", pw)
	require.NoError(t, err)
	assert.Equal(t, []sohoa.Role{sohoa.RoleClerk}, u.Roles)
	assert.Equal(t, []string{"A"}, u.UnitScopes)
	got, details := auditOf(t, b, auditUserCreate)
	assert.Equal(t, []string{"user:admin user:lan"}, got)
	assert.Equal(t, true, details["password"])

	// A generated one-time password: shown on the answer, once.
	res, body = admin.post(t, adminUsersPath, url.Values{"username": {"minh"}, "role": {"auditor"}, "scope": {"A", "B"}, "pw_mode": {"generate"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	m := regexp.MustCompile(`<code class="secret" id="secret">([A-Za-z0-9]{20})</code>`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	assert.Contains(t, body, "chỉ hiện một lần")
	_, err = b.db.CheckUserPassword(ctx, "minh", m[1])
	require.NoError(t, err)
	_, list := admin.page(t, adminUsersPath)
	assert.NotContains(t, list, m[1])
	assert.Contains(t, list, "minh")
	_, page := admin.page(t, adminUsersPath+"/minh")
	assert.NotContains(t, page, m[1])

	// Roles and scope.
	res, _ = admin.post(t, adminUsersPath+"/lan", url.Values{"display_name": {"Lan"}, "role": {"clerk", "auditor"}, "scope": {"A1", "B"}})
	body = admin.follow(t, res)
	assert.Contains(t, body, "Đã lưu vai trò và phạm vi đơn vị của người dùng lan.")
	u, err = b.db.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	assert.Equal(t, []sohoa.Role{sohoa.RoleAuditor, sohoa.RoleClerk}, u.Roles)
	assert.Equal(t, []string{"A1", "B"}, u.UnitScopes)
	got, _ = auditOf(t, b, auditUserUpdate)
	assert.Equal(t, []string{"user:admin user:lan"}, got)
	res, body = admin.post(t, adminUsersPath+"/lan", url.Values{"role": {"clerk"}, "scope": {"NOPE"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Phạm vi đơn vị có đơn vị không tồn tại.")
	res, body = admin.post(t, adminUsersPath+"/admin", url.Values{"role": {"clerk"}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Bạn không thể tự bỏ vai trò quản trị")

	// Disable (lan's sessions end), enable; not oneself.
	lan := &uiSession{b: b}
	{
		r := httptest.NewRequest(http.MethodPost, "/api/v1/session", strings.NewReader(credentials("lan", pw)))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		b.h.ServeHTTP(w, r)
		require.Equal(t, http.StatusOK, w.Code, w.Body.String())
		lan.cookie = cookieNamed(w.Result(), sessionCookieName)
	}
	res, _ = lan.page(t, dossiersPath)
	require.Equal(t, http.StatusOK, res.StatusCode)
	res, _ = admin.post(t, adminUsersPath+"/lan/khoa", nil)
	body = admin.follow(t, res)
	assert.Contains(t, body, "Đã khóa tài khoản lan.")
	assert.Contains(t, body, "Mở khóa tài khoản")
	u, err = b.db.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	assert.True(t, u.Disabled())
	res, _ = lan.page(t, dossiersPath)
	assert.Equal(t, http.StatusSeeOther, res.StatusCode, "the disabled user's session ended")
	res, _ = admin.post(t, adminUsersPath+"/lan/mo-khoa", nil)
	assert.Contains(t, admin.follow(t, res), "Đã mở khóa tài khoản lan.")
	u, err = b.db.FindUserByUsername(ctx, "lan")
	require.NoError(t, err)
	assert.False(t, u.Disabled())
	got, _ = auditOf(t, b, auditUserDisable)
	assert.Equal(t, []string{"user:admin user:lan"}, got)
	got, _ = auditOf(t, b, auditUserEnable)
	assert.Equal(t, []string{"user:admin user:lan"}, got)
	res, body = admin.post(t, adminUsersPath+"/admin/khoa", nil)
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Bạn không thể tự khóa tài khoản của chính mình.")

	// Reset a password: too short, then typed, then generated.
	res, body = admin.post(t, adminUsersPath+"/lan/mat-khau", url.Values{"pw_mode": {"typed"}, "password": {short}})
	assert.Equal(t, http.StatusBadRequest, res.StatusCode)
	assert.Contains(t, body, "Mật khẩu quá ngắn")
	assert.NotContains(t, body, short)
	_, err = b.db.CheckUserPassword(ctx, "lan", pw)
	require.NoError(t, err, "the old password still works")
	pw2 := "mật khẩu mới của Lan"
	res, _ = admin.post(t, adminUsersPath+"/lan/mat-khau", url.Values{"pw_mode": {"typed"}, "password": {pw2}})
	assert.Contains(t, admin.follow(t, res), "Đã đặt lại mật khẩu của lan.")
	_, err = b.db.CheckUserPassword(ctx, "lan", pw2)
	require.NoError(t, err)
	res, body = admin.post(t, adminUsersPath+"/lan/mat-khau", url.Values{"pw_mode": {"generate"}})
	require.Equal(t, http.StatusOK, res.StatusCode)
	m = regexp.MustCompile(`<code class="secret" id="secret">([A-Za-z0-9]{20})</code>`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	_, err = b.db.CheckUserPassword(ctx, "lan", m[1])
	require.NoError(t, err)
	got, _ = auditOf(t, b, auditUserPassword)
	assert.Equal(t, []string{"user:admin user:lan", "user:admin user:lan"}, got)
	res, _ = admin.page(t, adminUsersPath+"/nobody")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestUIAdminTokens(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)
	ctx := t.Context()

	res, body := admin.post(t, adminTokensPath, url.Values{"user": {"scannerA"}, "name": {"máy quét tầng 1"}, "days": {"30"}})
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Equal(t, "no-store", res.Header.Get("Cache-Control"))
	m := regexp.MustCompile(`<code class="secret" id="secret">(sohoa_[a-z2-7]+)</code>`).FindStringSubmatch(body)
	require.NotNil(t, m, body)
	secret := m[1]
	assert.Contains(t, body, "Mã truy cập API cho scannerA — máy quét tầng 1")
	assert.Contains(t, body, "chỉ hiện một lần")
	u, tok, err := b.db.Authenticate(ctx, secret, time.Now())
	require.NoError(t, err)
	assert.Equal(t, "scannerA", u.Username)
	require.NotNil(t, tok.ExpiresAt)
	id := strconv.FormatInt(tok.ID, 10)
	got, details := auditOf(t, b, auditTokenCreate)
	assert.Equal(t, []string{"user:admin api_token:" + id}, got)
	assert.Equal(t, "máy quét tầng 1", details["name"])

	// The list and the user's page name the token, never its secret.
	for _, p := range []string{adminTokensPath, adminUsersPath + "/scannerA"} {
		_, list := admin.page(t, p)
		assert.Contains(t, list, "máy quét tầng 1", p)
		assert.NotContains(t, list, secret, p)
		assert.NotContains(t, list, secret[len("sohoa_"):], p)
	}

	// Refusals.
	for _, c := range []struct {
		form url.Values
		msg  string
	}{
		{url.Values{"user": {"scannerA"}, "name": {""}}, "Hãy nhập tên cho mã"},
		{url.Values{"user": {"scannerA"}, "name": {"x"}, "days": {"0"}}, "Số ngày hiệu lực phải là số nguyên"},
		{url.Values{"user": {"nobody"}, "name": {"x"}}, "Hãy chọn một người dùng có trong danh sách."},
	} {
		res, body := admin.post(t, adminTokensPath, c.form)
		assert.GreaterOrEqual(t, res.StatusCode, 400, "%v", c.form)
		assert.Contains(t, body, c.msg, "%v", c.form)
		assert.NotRegexp(t, `class="secret"`, body)
	}
	got, _ = auditOf(t, b, auditTokenCreate)
	assert.Len(t, got, 1)

	// Revoke from the user's page: back there, and the token is refused.
	res, _ = admin.post(t, adminTokensPath+"/"+id+"/thu-hoi?user=scannerA", nil)
	assert.Equal(t, "/quan-tri/nguoi-dung/scannerA?ok=token_revoked&id="+id, res.Header.Get("Location"))
	assert.Contains(t, admin.follow(t, res), "Đã thu hồi mã truy cập API số "+id+".")
	_, _, err = b.db.Authenticate(ctx, secret, time.Now())
	assert.Equal(t, sohoa.EUNAUTHORIZED, sohoa.Code(err))
	got, _ = auditOf(t, b, auditTokenRevoke)
	assert.Equal(t, []string{"user:admin api_token:" + id}, got)
	res, _ = admin.post(t, adminTokensPath+"/"+id+"/thu-hoi", nil)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

func TestUIAdminFlashIsChecked(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	admin := b.browser(t, b.admin)
	_, body := admin.page(t, adminUnitsPath+"?ok=unit_created&id="+url.QueryEscape("<b>Hãy gọi 0900</b>"))
	assert.NotContains(t, body, `class="ok"`, "a confirmation only names a well-formed object")
	_, body = admin.page(t, adminUnitsPath+"?ok=bogus&id=A")
	assert.NotContains(t, body, `class="ok"`)
}
