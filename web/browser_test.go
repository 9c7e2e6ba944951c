package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// browserPage is a main page whose screenshots the browser test saves, in
// Vietnamese at every viewport, with a text a reader must see on it. In
// path, {dossier} is unit A's dossier and {document} the signed file
// uploaded into it; as is the tab that opens it ("" signed out, else a
// user of setupAPI: clerkA, clerkB, auditorA, scannerA, admin). then,
// when set, acts on the page before want is looked for (fills a form).
type browserPage struct {
	name, as, path, want string
	then                 func(t *testing.T, tb *tab)
}

// browserPages: add a page with one line.
var browserPages = []browserPage{
	{name: "dang-nhap", as: "", path: "/dang-nhap", want: "Tên đăng nhập"},
	{name: "ho-so", as: "clerkA", path: "/ho-so", want: "Mã hồ sơ"},
	{name: "ho-so-chi-tiet", as: "clerkA", path: "/ho-so/{dossier}", want: "Thành phần hồ sơ: " + compForm},
	{name: "bao-cao", as: "clerkA", path: "/tai-lieu/{document}/bao-cao", want: "Báo cáo kiểm tra chữ ký"},
	{name: "ho-so-chi-tiet-kiem-tra-vien", as: "auditorA", path: "/ho-so/{dossier}", want: "Kiểm tra viên"},
	{name: "ho-so-khong-tim-thay", as: "clerkB", path: "/ho-so/{dossier}", want: "Không tìm thấy."},
	{name: "trang-chu-can-bo", as: "clerkA", path: "/", want: "Hồ sơ tiếp nhận hôm nay"},
	{name: "trang-chu-kiem-tra-vien", as: "auditorA", path: "/", want: "Chữ ký số không hợp lệ gần đây"},
	{name: "trang-chu-quan-tri", as: "admin", path: "/", want: "Quản trị đơn vị, thủ tục, người dùng"},
	{name: "nhat-ky", as: "admin", path: "/nhat-ky", want: "Tính toàn vẹn của nhật ký"},
	{name: "kiem-tra-chu-ky", as: "clerkA", path: "/kiem-tra-chu-ky", want: "Kết luận: Hợp lệ", then: verifyFile("đơn đã ký.pdf")},
	{name: "quan-tri", as: "admin", path: "/quan-tri", want: "Mã truy cập API"},
	{name: "quan-tri-don-vi", as: "admin", path: "/quan-tri/don-vi", want: "Thêm đơn vị"},
	{name: "quan-tri-nguoi-dung", as: "admin", path: "/quan-tri/nguoi-dung", want: "Thêm người dùng"},
	{name: "quan-tri-ma-truy-cap", as: "admin", path: "/quan-tri/ma-truy-cap", want: "Tạo mã truy cập API"},
	{name: "quan-tri-chung-thu", as: "admin", path: "/quan-tri/chung-thu", want: "Chứng thư số tin cậy"},
	{name: "khong-co-quyen", as: "clerkA", path: "/quan-tri", want: "Không có quyền"},
	{name: "tien-do", as: "admin", path: "/tien-do?period=2026-Q1", want: "Số hóa tại tiếp nhận"},
	{name: "tien-do-can-bo", as: "clerkA", path: "/tien-do", want: "Kết quả giải quyết TTHC đã số hóa"},
	{name: "tien-do-don-vi", as: "auditorA", path: "/tien-do/A?period=2026-Q1", want: "Hồ sơ chưa số hóa (2)"},
	{name: "tien-do-bao-cao", as: "admin", path: "/tien-do/bao-cao?period=2026-Q1", want: "Đúng hạn: 1"},
}

// TestBrowser drives Debian's chromium through the web UI of a real
// server (SQLite catalog, file blob store, the pipeline with its workers)
// as the people it is for would: a clerk signs in, uploads a signed PDF
// with the file picker and a low-resolution scan by drag-and-drop, watches
// both results appear without reloading and opens the report; an auditor
// cannot upload; a clerk of another unit sees nothing of unit A; signing
// out ends the session. It saves screenshots of every main page.
func TestBrowser(t *testing.T) {
	exe := chromiumPath(t)
	b := setupAPI(t, apiOpts{start: true})
	ctx := t.Context()
	for _, p := range []*Principal{b.clerkA, b.clerkB, b.auditorA, b.scannerA, b.admin} {
		require.NoError(t, b.db.SetPassword(ctx, p.User.Username, testPassword))
	}
	dA := createDossier(t, b, b.clerkA, `{"unit":"A","procedure":"P1"}`)
	dB := createDossier(t, b, b.clerkB, `{"unit":"B","procedure":"P1"}`)

	signed := sampleBytes(t, "signed-valid-blt.pdf")
	scan := sampleBytes(t, "scan-low-resolution.pdf") // 100 dpi
	ts := httptest.NewServer(fixtureServer(b.h, map[string][]byte{"signed.pdf": signed, "scan.pdf": scan}))
	t.Cleanup(ts.Close)
	shots := screenshotDir(t)
	t.Logf("screenshots: %s", shots)
	r := startBrowser(t, exe, ts.URL, shots)

	// tabs by user, each signed in through the form once; "" is a tab
	// that never signs in.
	tabs := map[string]*tab{}
	as := func(t *testing.T, user string) *tab {
		t.Helper()
		if tb := tabs[user]; tb != nil {
			return tb
		}
		tb := r.newTab(t, "tab "+user)
		if user != "" {
			signInForm(t, tb, user)
		}
		tabs[user] = tb
		return tb
	}
	// The signed file's document, once uploaded.
	var signedDoc string

	t.Run("sign in", func(t *testing.T) {
		tb := r.newTab(t, "tab clerkA")
		res := tb.open(t, "/ho-so/"+dA.Code)
		require.Equal(t, http.StatusOK, int(res.Status))
		assert.Equal(t, "/dang-nhap?next="+url.QueryEscape("/ho-so/"+dA.Code), tb.path(t), "a page needs a session")
		text := tb.text(t)
		assert.Contains(t, text, "sohoa — số hóa hồ sơ", "the product's name")
		assert.Contains(t, text, "Đăng nhập")
		assert.Contains(t, text, "Tên đăng nhập")
		assert.Contains(t, text, "Mật khẩu")

		// A wrong password: the form says so in Vietnamese.
		tb.do(t, chromedp.SendKeys(chromedp.ID("username"), "clerkA"), chromedp.SendKeys(chromedp.ID("password"), "sai mật khẩu"))
		res = tb.load(t, chromedp.Click(chromedp.CSS(`form[action="/dang-nhap"] button[type="submit"]`)))
		assert.Equal(t, http.StatusUnauthorized, int(res.Status))
		assert.Contains(t, tb.text(t), "Sai tên đăng nhập hoặc mật khẩu.")

		// The right one, typed as a person would (with diacritics): back
		// to the page asked for.
		tb.do(t, chromedp.Clear(chromedp.ID("username")), chromedp.SendKeys(chromedp.ID("username"), "clerkA"),
			chromedp.Clear(chromedp.ID("password")), chromedp.SendKeys(chromedp.ID("password"), testPassword))
		res = tb.load(t, chromedp.Click(chromedp.CSS(`form[action="/dang-nhap"] button[type="submit"]`)))
		require.Equal(t, http.StatusOK, int(res.Status))
		require.Equal(t, "/ho-so/"+dA.Code, tb.path(t))
		text = tb.text(t)
		assert.Contains(t, text, "clerkA (Cán bộ một cửa)")
		assert.Contains(t, text, "Đăng xuất")
		assert.Contains(t, text, "Còn thiếu")
		assert.Contains(t, text, "Kéo thả các tệp PDF vào đây hoặc chọn tệp")
		assert.Equal(t, "Hồ sơ "+dA.Code, evalJS[string](t, tb, `document.querySelector("h1").innerText`), "the heading names the dossier")
		tabs["clerkA"] = tb

		// The dossier list shows unit A's dossier, not unit B's.
		tb.open(t, "/ho-so")
		text = tb.text(t)
		assert.Contains(t, text, dA.Code)
		assert.NotContains(t, text, dB.Code)
		assert.Contains(t, text, "Chưa đủ")

		// On a phone the list is cards: each dossier's code and its
		// digitization state are on screen, not cut off to the right.
		tb.resize(t, phone)
		cells := evalJS[[]float64](t, tb, `(() => {
			const tr = document.querySelector("table.cards tbody tr");
			const r = (sel) => tr.querySelector(sel).getBoundingClientRect();
			return [r("td.c-code a").left, r("td.c-code a").right, r("td.c-state .badge").left, r("td.c-state .badge").right, window.innerWidth];
		})()`)
		tb.resize(t, desktop)
		require.Len(t, cells, 5)
		for i, x := range cells[:4] {
			assert.True(t, x >= 0 && x <= cells[4], "edge %d at %v of %v: on screen", i, x, cells[4])
		}
	})

	t.Run("upload by file picker and drag-and-drop", func(t *testing.T) {
		tb := as(t, "clerkA")
		tb.open(t, "/ho-so/"+dA.Code)
		// A mark that a reload would wipe: the results must come without one.
		evalJS[bool](t, tb, `window.sohoaNoReload = true`)
		// Every state the rows go through, as "row|progress|status".
		evalJS[chromedp.Void](t, tb, `(() => {
			window.sohoaStates = [];
			const list = document.getElementById("upload-list");
			new MutationObserver(() => list.querySelectorAll("li").forEach((li, i) =>
				window.sohoaStates.push(i + "|" + li.querySelector("progress").value + "|" + li.querySelector(".result").textContent.trim())
			)).observe(list, {childList: true, subtree: true, characterData: true, attributes: true});
		})()`)
		assert.Contains(t, tb.text(t), "Chưa có tệp.", "the components are empty before the upload")

		// The native file input (whose "Choose Files / No file chosen"
		// is in the browser's language) is hidden behind the labelled
		// drop zone, yet reachable by keyboard.
		picker := evalJS[struct {
			Width  float64 `json:"width"`
			Label  float64 `json:"label"`
			Focus  bool    `json:"focus"`
			Named  string  `json:"named"`
			Chosen string  `json:"chosen"`
		}](t, tb, `(() => {
			const input = document.getElementById("u-file");
			input.focus();
			const focus = document.activeElement === input;
			input.blur();
			return {width: input.getBoundingClientRect().width, label: document.getElementById("drop").getBoundingClientRect().width,
				focus: focus, named: Array.from(input.labels, l => l.innerText).join(" "), chosen: document.getElementById("u-chosen").innerText};
		})()`)
		assert.LessOrEqual(t, picker.Width, 1.0, "the native input is not shown")
		assert.Greater(t, picker.Label, 100.0, "the drop zone is")
		assert.True(t, picker.Focus, "the input takes the keyboard focus")
		assert.Equal(t, "Kéo thả các tệp PDF vào đây hoặc chọn tệp", picker.Named)
		assert.Equal(t, "Chưa chọn tệp nào.", picker.Chosen)

		// The file picker: a signed application with a Vietnamese name.
		picked := filepath.Join(t.TempDir(), "đơn đề nghị (đã ký).pdf")
		require.NoError(t, os.WriteFile(picked, signed, 0o644))
		tb.do(t, chromedp.SetValue(chromedp.ID("u-component"), compForm),
			chromedp.SetUploadFiles(chromedp.ID("u-file"), []string{picked}))
		assert.Equal(t, "Đã chọn: đơn đề nghị (đã ký).pdf", evalJS[string](t, tb, `document.getElementById("u-chosen").innerText`))
		tb.do(t, chromedp.Click(chromedp.CSS(`#upload button[type="submit"]`)))
		pollJS[bool](t, tb, `document.querySelectorAll("#upload-list li").length === 1`)

		// Drag-and-drop: a 100 dpi scan of the ID card copy, as a
		// DataTransfer carrying a File built from fetched bytes, dropped
		// on the drop zone.
		tb.do(t, chromedp.SetValue(chromedp.ID("u-component"), compID))
		drop := evalJS[struct {
			Accepted bool `json:"accepted"`
			Over     bool `json:"over"`
			After    bool `json:"after"`
			Files    int  `json:"files"`
		}](t, tb, `(async () => {
			const blob = await (await fetch("/test-fixtures/scan.pdf")).blob();
			const dt = new DataTransfer();
			dt.items.add(new File([blob], "bản quét mờ.pdf", {type: "application/pdf"}));
			const zone = document.getElementById("drop");
			const fire = (type) => zone.dispatchEvent(new DragEvent(type, {bubbles: true, cancelable: true, dataTransfer: dt}));
			const accepted = !fire("dragenter") && !fire("dragover");
			const over = zone.classList.contains("over");
			fire("drop");
			return {accepted: accepted, over: over, after: zone.classList.contains("over"), files: dt.files.length};
		})()`)
		assert.True(t, drop.Accepted, "the drop zone takes the drag (cancels dragenter and dragover)")
		assert.True(t, drop.Over, "the drop zone shows it is a target during the drag")
		assert.False(t, drop.After, "and no longer after the drop")
		require.Equal(t, 1, drop.Files)
		pollJS[bool](t, tb, `document.querySelectorAll("#upload-list li").length === 2`)
		tb.shoot(t, "tai-len-dang-xu-ly")

		// Each file's result appears by itself: both links to the report
		// (or an error) without a reload.
		items := pollJS[[]string](t, tb, `(() => {
			const lis = Array.from(document.querySelectorAll("#upload-list li"));
			const done = lis.length === 2 && lis.every(li => li.querySelector(".result a") || li.querySelector(".result.error"));
			return done && lis.map(li => li.innerText);
		})()`)
		require.Len(t, items, 2)
		assert.True(t, evalJS[bool](t, tb, `window.sohoaNoReload === true`), "the page was not reloaded")
		assert.Contains(t, items[0], "đơn đề nghị (đã ký).pdf")
		assert.Contains(t, items[0], "Chữ ký số: Hợp lệ")
		assert.Regexp(t, `Kiểm tra tệp: (Đạt|Cảnh báo|Không đạt)`, items[0], "a signed (born-digital) file is not a scan")
		assert.NotContains(t, items[0], "Chất lượng quét")
		assert.Contains(t, items[0], "Báo cáo")
		assert.Contains(t, items[1], "bản quét mờ.pdf")
		assert.Regexp(t, `Chất lượng quét: (Cảnh báo|Không đạt)`, items[1], "a 100 dpi scan")
		assert.Contains(t, items[1], "Chữ ký số: Không có chữ ký")
		assert.NotContains(t, strings.Join(items, " "), "Đang xử lý")
		progress := evalJS[[]int](t, tb, `Array.from(document.querySelectorAll("#upload-list progress"), p => p.value)`)
		assert.Equal(t, []int{100, 100}, progress)
		// The bars line up, whatever the files' names.
		lefts := evalJS[[]float64](t, tb, `Array.from(document.querySelectorAll("#upload-list progress"), p => p.getBoundingClientRect().left)`)
		require.Len(t, lefts, 2)
		assert.Equal(t, lefts[0], lefts[1], "the progress bars start at the same column")

		// Each row always said where its file was: uploading, then
		// processing as soon as the upload ended, then the results.
		states := evalJS[[]string](t, tb, `window.sohoaStates`)
		for _, row := range []string{"0", "1"} {
			var seen []string
			for _, st := range states {
				parts := strings.SplitN(st, "|", 3)
				require.Len(t, parts, 3)
				if parts[0] != row {
					continue
				}
				assert.NotEmpty(t, parts[2], "row %s without a status: %q", row, st)
				if len(seen) == 0 || seen[len(seen)-1] != parts[2] {
					seen = append(seen, parts[2])
				}
			}
			require.NotEmpty(t, seen, "row %s", row)
			assert.Equal(t, "Đang tải lên", seen[0], "row %s", row)
			assert.Contains(t, seen, "Đang xử lý", "row %s: processing as soon as stored", row)
		}

		// Once both have their results, the dossier's sections catch up
		// by themselves: the files under their components.
		pollJS[bool](t, tb, `(() => {
			const sections = Array.from(document.querySelectorAll("#dossier-state section"), s => s.innerText);
			const has = (title, file) => sections.some(s => s.startsWith(title) && s.includes(file) && !s.includes("Chưa có tệp."));
			return has(`+js("Thành phần hồ sơ: "+compForm)+`, "đơn đề nghị (đã ký).pdf") && has(`+js("Thành phần hồ sơ: "+compID)+`, "bản quét mờ.pdf");
		})()`)
		assert.True(t, evalJS[bool](t, tb, `window.sohoaNoReload === true`), "the page was not reloaded")
		state := evalJS[string](t, tb, `document.getElementById("dossier-state").innerText`)
		assert.Contains(t, state, "100 dpi", "the scan's finding")
		assert.Contains(t, state, "Kiểm tra tệp: ", "the signed file's badge")
		tb.shoot(t, "tai-len-ket-qua")

		// Stored in the dossier: the page shows both files with their
		// badges and the finding in Vietnamese.
		docs, err := b.db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: dA.Code})
		require.NoError(t, err)
		require.Len(t, docs, 2)
		for _, d := range docs {
			assert.Equal(t, "user:clerkA", d.UploadedBy)
			switch d.FileName {
			case "đơn đề nghị (đã ký).pdf":
				signedDoc = strconv.FormatInt(d.ID, 10)
				assert.Equal(t, compForm, d.ComponentName)
			case "bản quét mờ.pdf":
				assert.Equal(t, compID, d.ComponentName)
			default:
				t.Errorf("unexpected document %q", d.FileName)
			}
		}
		require.NotEmpty(t, signedDoc, "the picked file keeps its name")
		tb.open(t, "/ho-so/"+dA.Code)
		text := tb.text(t)
		assert.Contains(t, text, "đơn đề nghị (đã ký).pdf")
		assert.Contains(t, text, "bản quét mờ.pdf")
		assert.Contains(t, text, "Chữ ký số: Hợp lệ")
		assert.Contains(t, text, "100 dpi", "the scan's finding")
	})

	t.Run("report", func(t *testing.T) {
		require.NotEmpty(t, signedDoc, "needs the upload")
		tb := as(t, "clerkA")
		tb.open(t, "/ho-so/"+dA.Code)
		// The report link of the signed file, as a reader clicks it.
		res := tb.load(t, chromedp.Click(chromedp.CSS(`a[href="/tai-lieu/`+signedDoc+`/bao-cao"]`)))
		require.Equal(t, http.StatusOK, int(res.Status))
		assert.Equal(t, "/tai-lieu/"+signedDoc+"/bao-cao", pathOnly(t, res.URL))
		text := tb.text(t)
		assert.Contains(t, text, "Báo cáo kiểm tra chữ ký")
		assert.Contains(t, text, "Tệp: đơn đề nghị (đã ký).pdf")
		verdict := evalJS[string](t, tb, `document.querySelector(".verdict h2").innerText`)
		assert.Equal(t, "Kết luận: Hợp lệ", strings.TrimSpace(verdict))
		assert.Contains(t, text, "Người ký")
		assert.Contains(t, text, "Chuỗi chứng thư")
		assert.Contains(t, text, "(tin cậy)")
		assert.Contains(t, text, "(GMT+7)", "times in Vietnam time")
		assert.Contains(t, text, "(chuỗi người ký): chưa bị thu hồi", "each revocation line names its chain")
		assert.NotContains(t, text, "TOTAL_PASSED", "no raw code to the reader")
	})

	t.Run("auditor cannot upload", func(t *testing.T) {
		tb := as(t, "auditorA")
		res := tb.open(t, "/ho-so/"+dA.Code)
		require.Equal(t, http.StatusOK, int(res.Status))
		text := tb.text(t)
		assert.Contains(t, text, "Kiểm tra viên")
		assert.Contains(t, text, "đơn đề nghị (đã ký).pdf", "the auditor reads the dossier")
		assert.NotContains(t, text, "Tải tệp lên")
		assert.True(t, evalJS[bool](t, tb, `document.getElementById("upload") === null && document.querySelector('input[type="file"]') === null`),
			"no upload form")

		// Posting anyway, with the session's own CSRF token, through the
		// API and through the form's endpoint: both refused.
		got := evalJS[struct {
			API      int    `json:"api"`
			Form     int    `json:"form"`
			FormText string `json:"formText"`
		}](t, tb, `(async () => {
			const csrf = document.querySelector('form[action="/dang-xuat"] input[name="csrf"]').value;
			const pdf = await (await fetch("/test-fixtures/signed.pdf")).blob();
			const api = new FormData();
			api.append("role", "component");
			api.append("component", `+js(compID)+`);
			api.append("file", pdf, "x.pdf");
			const a = await fetch(`+js("/api/v1/dossiers/"+dA.Code+"/documents")+`, {method: "POST", body: api,
				headers: {"X-CSRF-Token": csrf, "Accept": "application/json"}});
			const form = new FormData();
			form.append("csrf", csrf);
			form.append("role", "component");
			form.append("component", `+js(compID)+`);
			form.append("file", pdf, "x.pdf");
			const f = await fetch(`+js("/ho-so/"+dA.Code+"/tai-len")+`, {method: "POST", body: form, headers: {"Accept": "text/html"}});
			const doc = new DOMParser().parseFromString(await f.text(), "text/html");
			return {api: a.status, form: f.status, formText: doc.body.innerText};
		})()`)
		assert.Equal(t, http.StatusForbidden, got.API)
		assert.Equal(t, http.StatusForbidden, got.Form)
		assert.Contains(t, got.FormText, "Bạn không có quyền thực hiện việc này.")
		docs, err := b.db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: dA.Code})
		require.NoError(t, err)
		assert.Len(t, docs, 2, "nothing stored")
	})

	t.Run("clerk of another unit sees nothing", func(t *testing.T) {
		require.NotEmpty(t, signedDoc, "needs the upload")
		tb := as(t, "clerkB")
		res := tb.open(t, "/ho-so/"+dA.Code)
		assert.Equal(t, http.StatusNotFound, int(res.Status))
		text := tb.text(t)
		assert.Contains(t, text, "Không tìm thấy.")
		assert.Equal(t, "Không tìm thấy", evalJS[string](t, tb, `document.querySelector("h1").innerText`))
		assert.Contains(t, text, "Đăng xuất", "the app's header stays")
		assert.True(t, evalJS[bool](t, tb, `document.querySelector('nav a[href="/ho-so"]') !== null`), "and its menu")
		assert.NotContains(t, text, dA.Code)
		assert.NotContains(t, text, "đơn đề nghị")
		res = tb.open(t, "/tai-lieu/"+signedDoc+"/bao-cao")
		assert.Equal(t, http.StatusNotFound, int(res.Status))
		assert.NotContains(t, tb.text(t), "đơn đề nghị")

		// The API, with this browser's session cookie.
		api := evalJS[[]int](t, tb, `Promise.all([`+js("/api/v1/dossiers/"+dA.Code)+`, `+js("/api/v1/documents/"+signedDoc)+`, `+
			js("/api/v1/documents/"+signedDoc+"/content")+`, "/api/v1/me"].map(u => fetch(u, {headers: {"Accept": "application/json"}}).then(r => r.status)))`)
		require.Len(t, api, 4)
		for i, st := range api[:3] {
			assert.Contains(t, []int{http.StatusNotFound, http.StatusForbidden}, st, "API call %d", i)
		}
		assert.Equal(t, http.StatusOK, api[3], "the session is a real one")

		tb.open(t, "/ho-so")
		text = tb.text(t)
		assert.Contains(t, text, dB.Code)
		assert.NotContains(t, text, dA.Code)
	})

	// The progress pages' data: 2026-Q1 and the quarter before.
	progressFixture(t, b)
	t.Run("screenshots", func(t *testing.T) {
		require.NotEmpty(t, signedDoc, "needs the upload")
		for _, p := range browserPages {
			tb := as(t, p.as)
			path := strings.NewReplacer("{dossier}", dA.Code, "{document}", signedDoc).Replace(p.path)
			tb.open(t, path)
			if p.then != nil {
				p.then(t, tb)
			}
			assert.Equal(t, "vi", evalJS[string](t, tb, `document.documentElement.lang`), p.name)
			assert.Contains(t, tb.text(t), p.want, p.name)
			tb.shoot(t, p.name)
		}
		shotsTaken, err := filepath.Glob(filepath.Join(shots, "*.png"))
		require.NoError(t, err)
		assert.GreaterOrEqual(t, len(shotsTaken), 2*len(browserPages))
	})

	t.Run("sign out", func(t *testing.T) {
		tb := as(t, "clerkA")
		tb.open(t, "/ho-so")
		res := tb.load(t, chromedp.Click(chromedp.CSS(`form[action="/dang-xuat"] button[type="submit"]`)))
		require.Equal(t, http.StatusOK, int(res.Status))
		assert.True(t, strings.HasPrefix(tb.path(t), "/dang-nhap"), tb.path(t))
		assert.Contains(t, tb.text(t), "Tên đăng nhập")
		// Every page sends back to the sign-in.
		for _, p := range []string{"/ho-so", "/ho-so/" + dA.Code, "/tai-lieu/" + signedDoc + "/bao-cao"} {
			tb.open(t, p)
			assert.Equal(t, "/dang-nhap?next="+url.QueryEscape(p), tb.path(t))
		}
		st := evalJS[int](t, tb, `fetch("/api/v1/me", {headers: {"Accept": "application/json"}}).then(r => r.status)`)
		assert.Equal(t, http.StatusUnauthorized, st, "the old session is gone")
	})

	t.Run("no script errors", func(t *testing.T) {
		for _, tb := range r.tabs {
			assert.Empty(t, tb.scriptProblems(), "%s: uncaught exceptions or Content Security Policy violations", tb.name)
		}
		// The check sees what it looks for: an inline script (which the
		// Content Security Policy blocks) and an uncaught exception.
		canary := r.newTab(t, "canary")
		canary.open(t, "/dang-nhap")
		evalJS[chromedp.Void](t, canary, `(() => {
			const s = document.createElement("script");
			s.textContent = "window.inlineRan = true";
			document.body.appendChild(s);
			setTimeout(() => { throw new Error("canary"); }, 0);
		})()`)
		assert.Nil(t, evalJS[any](t, canary, `window.inlineRan`), "the Content Security Policy blocks inline scripts")
		require.Eventually(t, func() bool {
			ps := strings.Join(canary.scriptProblems(), "\n")
			return strings.Contains(ps, "Content Security Policy") && strings.Contains(ps, "canary")
		}, browserWait, 10*time.Millisecond, "the canary's problems are seen: %v", canary.scriptProblems())
	})
}

// signInForm signs a tab in through the sign-in form.
func signInForm(t *testing.T, tb *tab, user string) {
	t.Helper()
	tb.open(t, "/dang-nhap")
	tb.do(t, chromedp.SendKeys(chromedp.ID("username"), user), chromedp.SendKeys(chromedp.ID("password"), testPassword))
	res := tb.load(t, chromedp.Click(chromedp.CSS(`form[action="/dang-nhap"] button[type="submit"]`)))
	require.Equal(t, http.StatusOK, int(res.Status), "sign in as %s", user)
	require.Equal(t, "/", tb.path(t), "sign in as %s: the home page", user)
}

// verifyFile is a then of browserPages: it checks the signed sample,
// named name, with the ad-hoc verification form, as a reader would
// (the file picker, then the button).
func verifyFile(name string) func(t *testing.T, tb *tab) {
	return func(t *testing.T, tb *tab) {
		t.Helper()
		f := filepath.Join(t.TempDir(), name)
		require.NoError(t, os.WriteFile(f, sampleBytes(t, "signed-valid-blt.pdf"), 0o644))
		tb.do(t, chromedp.SetUploadFiles(chromedp.ID("v-file"), []string{f}))
		res := tb.load(t, chromedp.Click(chromedp.CSS(`form[action="/kiem-tra-chu-ky"] button[type="submit"]`)))
		require.Equal(t, http.StatusOK, int(res.Status))
		assert.Contains(t, tb.text(t), name)
	}
}
