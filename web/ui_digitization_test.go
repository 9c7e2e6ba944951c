package web

import (
	stdcontext "context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// digitizationFixture makes, through the API and the real pipeline, three
// dossiers of unit A received today, one per level of the digitization
// rule (unit A has no signing key, so a scan can only be scanned and
// checked): both components signed files whose signatures pass
// (digitized); a signed application and an unsigned scan (scanned and
// checked); nothing uploaded (incomplete). It returns their codes.
func digitizationFixture(t *testing.T, b *apiBundle) (digitized, scanned, incomplete string) {
	t.Helper()
	dd := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	ds := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	di := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	var ids []int64
	for _, up := range []struct{ code, component, sample string }{
		{dd.Code, compForm, "signed-valid-blt.pdf"}, {dd.Code, compID, "two-signatures.pdf"},
		{ds.Code, compForm, "signed-valid-blt.pdf"}, {ds.Code, compID, "unsigned.pdf"},
	} {
		res, raw := uploadRaw(t, b, b.clerkA, up.code, url.Values{"component": {up.component}, "filename": {up.sample}}, sampleBytes(t, up.sample))
		require.Equal(t, http.StatusAccepted, res.StatusCode, "%s", raw)
		ids = append(ids, decodeUpload(t, raw).Document.ID)
	}
	ctx, cancel := stdcontext.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	require.NoError(t, b.p.WaitDocuments(ctx, ids))
	return dd.Code, ds.Code, di.Code
}

// badgeOf finds a dossier's digitization badge after its code.
func badgeOf(t *testing.T, body, code string) string {
	t.Helper()
	m := regexp.MustCompile(regexp.QuoteMeta(code) + `(?s:.*?)(<span class="badge badge-(?:ok|info|warn)">[^<]*</span>)`).FindStringSubmatch(body)
	require.NotNil(t, m, "a badge after %s", code)
	return m[1]
}

// TestDigitizationLevels: the three levels of the rule as the API and the
// pages show them: Đã số hóa / Đã quét, kiểm tra / Chưa đủ (Digitized /
// Scanned and checked / Incomplete) on the dossier list, the dossier page
// and the clerk's home; scan_state and scanned_checked in the API.
func TestDigitizationLevels(t *testing.T) {
	b := setupAPI(t, apiOpts{start: true})
	dd, ds, di := digitizationFixture(t, b)

	// The API: both levels on the dossier and its status, and the
	// requirement that keeps the scan from counting, checked against the
	// OpenAPI document by call.
	var st struct {
		Dossier        sohoa.Dossier       `json:"dossier"`
		Missing        []sohoa.Requirement `json:"missing"`
		Digitized      bool                `json:"digitized"`
		ScannedChecked bool                `json:"scanned_checked"`
	}
	get := func(code string) {
		t.Helper()
		res, raw := b.get(t, b.clerkA, "/api/v1/dossiers/"+code)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
		st.Missing = nil
		require.NoError(t, json.Unmarshal(raw, &st))
	}
	get(dd)
	assert.True(t, st.Digitized)
	assert.True(t, st.ScannedChecked)
	assert.Equal(t, sohoa.DigitizationDigitized, st.Dossier.DigitizationState)
	assert.Equal(t, sohoa.ScanChecked, st.Dossier.ScanState)
	get(ds)
	assert.False(t, st.Digitized)
	assert.True(t, st.ScannedChecked)
	assert.Equal(t, sohoa.DigitizationIncomplete, st.Dossier.DigitizationState)
	assert.Equal(t, sohoa.ScanChecked, st.Dossier.ScanState)
	require.Len(t, st.Missing, 1)
	assert.True(t, st.Missing[0].ScannedChecked)
	assert.Equal(t, sohoa.ReasonNotCertified, st.Missing[0].Reason.Code)
	get(di)
	assert.False(t, st.ScannedChecked)
	assert.Equal(t, sohoa.ScanIncomplete, st.Dossier.ScanState)
	res, raw := b.get(t, b.clerkA, "/api/v1/dossiers?unit=A")
	require.Equal(t, http.StatusOK, res.StatusCode, "%s", raw)
	assert.Contains(t, string(raw), `"scan_state":"scanned_checked"`)

	want := map[string][2]string{
		dd: {`<span class="badge badge-ok">Đã số hóa</span>`, `<span class="badge badge-ok">Digitized</span>`},
		ds: {`<span class="badge badge-info">Đã quét, kiểm tra</span>`, `<span class="badge badge-info">Scanned and checked</span>`},
		di: {`<span class="badge badge-warn">Chưa đủ</span>`, `<span class="badge badge-warn">Incomplete</span>`},
	}
	clerk := b.browser(t, b.clerkA)
	for i, lang := range []string{"vi", "en"} {
		_, list := clerk.page(t, "/ho-so?lang="+lang)
		_, home := clerk.page(t, "/?lang="+lang)
		for code, badges := range want {
			assert.Equal(t, badges[i], badgeOf(t, list, code), "the list, %s, %s", code, lang)
			assert.Equal(t, badges[i], badgeOf(t, home, code), "home, %s, %s", code, lang)
			res, page := clerk.page(t, "/ho-so/"+code+"?lang="+lang)
			require.Equal(t, http.StatusOK, res.StatusCode)
			h2 := regexp.MustCompile(`<h2>[^<]*(<span class="badge[^"]*">[^<]*</span>)</h2>`).FindStringSubmatch(page)
			require.NotNil(t, h2, "the dossier page's heading badge")
			assert.Equal(t, badges[i], h2[1], "the dossier page, %s, %s", code, lang)
		}
	}
	// The scanned-and-checked dossier says what makes it digitized.
	_, page := clerk.page(t, "/ho-so/"+ds+"?lang=vi")
	assert.Contains(t, page, "là bản quét chưa có bản sao điện tử được ký số của đơn vị")
}

// TestUnitHead: the unit's head (lãnh đạo đơn vị) reads the dossiers and
// the progress of its units, as an auditor does, and starts from the way
// to the dashboard; it uploads nothing and does not read the audit log.
// The administrator can give the role on the user forms.
func TestUnitHead(t *testing.T) {
	b := setupAPI(t, apiOpts{})
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	dB := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1"}`)
	head := b.browser(t, b.headA)

	res, body := head.page(t, "/")
	require.Equal(t, http.StatusOK, res.StatusCode, body)
	assert.Contains(t, body, "headA <span class=\"role\">(Lãnh đạo đơn vị)</span>")
	assert.Contains(t, body, `<a href="/tien-do">Xem bảng tiến độ số hóa »</a>`)
	assert.NotContains(t, body, "Hồ sơ tiếp nhận hôm nay", "no clerk's list")
	assert.NotContains(t, body, "Chữ ký số không hợp lệ gần đây", "no auditor's list")
	_, body = head.page(t, "/?lang=en")
	assert.Contains(t, body, "headA <span class=\"role\">(Unit head)</span>")
	assert.Contains(t, body, "Open the progress dashboard »")

	_, body = head.page(t, "/ho-so")
	assert.Contains(t, body, dA.Code)
	assert.NotContains(t, body, dB.Code, "another unit")
	res, body = head.page(t, "/ho-so/"+dA.Code)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.NotContains(t, body, `id="upload"`, "a head does not upload")
	res, _ = head.page(t, "/ho-so/"+dB.Code)
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	for _, p := range []string{"/tien-do", "/tien-do/A", "/tien-do/bao-cao"} {
		res, _ = head.page(t, p)
		assert.Equal(t, http.StatusOK, res.StatusCode, p)
	}
	res, _ = head.page(t, "/tien-do/B")
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
	res, _ = head.page(t, "/nhat-ky")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)
	res, _ = head.page(t, "/quan-tri")
	assert.Equal(t, http.StatusForbidden, res.StatusCode)

	// The administrator's user form offers the role, in both languages,
	// and creating a head through it works.
	admin := b.browser(t, b.admin)
	_, body = admin.page(t, adminUsersPath)
	assert.Contains(t, body, `<input type="checkbox" id="role-head" name="role" value="head"><label for="role-head">Lãnh đạo đơn vị</label>`)
	_, body = admin.page(t, adminUsersPath+"?lang=en")
	assert.Contains(t, body, `<label for="role-head">Unit head</label>`)
	res, _ = admin.post(t, adminUsersPath, url.Values{"username": {"lanhdao"}, "display_name": {"Phạm Thu Hà"}, "role": {"head"},
		"scope": {"A"}, "pw_mode": {"none"}})
	assert.Contains(t, admin.follow(t, res), "Đã thêm người dùng lanhdao.")
	u, err := b.db.FindUserByUsername(t.Context(), "lanhdao")
	require.NoError(t, err)
	assert.Equal(t, []sohoa.Role{sohoa.RoleHead}, u.Roles)
	assert.Equal(t, []string{"A"}, u.UnitScopes)
}
