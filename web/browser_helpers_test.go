package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The browser tests drive Debian's chromium through chromedp (the DevTools
// protocol over a pipe; no driver, no network). These helpers start it,
// open isolated tabs (each its own browser context: its own cookies, so
// its own signed-in user), and take the screenshots.

const (
	// defaultChromium is where Debian's chromium package puts its binary;
	// SOHOA_TEST_CHROMIUM overrides it (scripts/test-services.sh exports it).
	defaultChromium = "/usr/bin/chromium"
	// browserWait bounds every single browser step (a navigation, a wait
	// for a condition); the steps wait on conditions, never on sleeps.
	browserWait = 45 * time.Second
)

// viewport is a screen size the screenshots are taken at.
type viewport struct {
	name          string
	width, height int64
	mobile        bool
}

var (
	desktop = viewport{name: "1366x768", width: 1366, height: 768}
	phone   = viewport{name: "375x812", width: 375, height: 812, mobile: true}
	// viewports are the sizes of every screenshot: the counter's screen
	// and a phone.
	viewports = []viewport{desktop, phone}
)

// chromiumPath is the chromium to drive. When it is missing the test skips,
// except under CI (CI set to anything), where it fails: the browser tests
// must run there, and the test command installs chromium when it can.
func chromiumPath(t *testing.T) string {
	t.Helper()
	p := os.Getenv("SOHOA_TEST_CHROMIUM")
	if p == "" {
		p = defaultChromium
	}
	if _, err := exec.LookPath(p); err == nil {
		return p
	}
	msg := fmt.Sprintf("chromium not found at %s (set SOHOA_TEST_CHROMIUM to another path); the test command installs it: bash scripts/test.sh ./web/ (or: apt-get install chromium)", p)
	if os.Getenv("CI") != "" {
		t.Fatalf("%s; CI is set, so the browser tests may not skip", msg)
	}
	t.Skip(msg)
	return ""
}

// browserRun is one headless chromium and the server it talks to.
type browserRun struct {
	base  string // the server's URL, no trailing slash
	root  context.Context
	out   *syncBuffer // chromium's own output and chromedp's log
	shots string      // the screenshot folder
	tabs  []*tab
	// closeTabs closes the tabs, before the browser.
	closeTabs []context.CancelFunc
}

// startBrowser starts chromium headless with a fresh profile and nothing
// that reaches the network by itself (this machine's network is closed).
func startBrowser(t *testing.T, exe, base, shots string) *browserRun {
	t.Helper()
	out := &syncBuffer{}
	profile := t.TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(int(desktop.width), int(desktop.height)),
		chromedp.CombinedOutput(out),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	logf := func(format string, args ...any) { fmt.Fprintf(out, "chromedp: "+format+"\n", args...) }
	root, cancelRoot := chromedp.NewContext(allocCtx, chromedp.WithLogf(logf), chromedp.WithErrorf(logf))
	// Registered after t.TempDir: runs before the profile is removed, and
	// waits until chromium has exited.
	r := &browserRun{base: base, out: out, shots: shots}
	t.Cleanup(func() {
		for _, c := range r.closeTabs {
			c()
		}
		cancelRoot()
		cancelAlloc()
	})
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chromium output:\n%s", out.String())
		}
	})
	// The browser starts on a context without a deadline: its life is the
	// test's, and each step below gets its own deadline.
	require.NoError(t, chromedp.Do(root), "start %s", exe)
	r.root = root
	return r
}

// tab is one tab in a browser context of its own.
type tab struct {
	r    *browserRun
	name string
	ctx  context.Context

	mu sync.Mutex
	// problems are the page's uncaught script exceptions and Content
	// Security Policy violations.
	problems []string
}

// newTab opens a tab in a new browser context (no cookies shared with
// the other tabs), collecting its script errors. It stays open until the
// browser closes, so that later subtests can use it.
func (r *browserRun) newTab(t *testing.T, name string) *tab {
	t.Helper()
	tb := &tab{r: r, name: name}
	ctx, cancel := chromedp.NewContext(r.root, chromedp.WithNewBrowserContext(), chromedp.WithListener(tb.listen))
	r.closeTabs = append(r.closeTabs, cancel)
	tb.ctx = ctx
	require.NoError(t, chromedp.Do(ctx), "open a tab")
	r.tabs = append(r.tabs, tb)
	return tb
}

// listen runs in the tab's message loop: it only records.
func (tb *tab) listen(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventExceptionThrown:
		p = "exception: " + ev.ExceptionDetails.Text
		if ev.ExceptionDetails.Exception != nil && ev.ExceptionDetails.Exception.Description != "" {
			p += " " + ev.ExceptionDetails.Exception.Description
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		if e.Source == log.EntrySourceSecurity || e.Source == log.EntrySourceViolation || strings.Contains(e.Text, "Content Security Policy") {
			p = fmt.Sprintf("%s %s: %s (%s)", e.Source, e.Level, e.Text, e.URL)
		}
	}
	if p != "" {
		tb.mu.Lock()
		tb.problems = append(tb.problems, p)
		tb.mu.Unlock()
	}
}

func (tb *tab) scriptProblems() []string {
	tb.mu.Lock()
	defer tb.mu.Unlock()
	return append([]string(nil), tb.problems...)
}

// step is a context for one browser step.
func (tb *tab) step() (context.Context, context.CancelFunc) {
	return context.WithTimeout(tb.ctx, browserWait)
}

// do runs actions that return nothing.
func (tb *tab) do(t *testing.T, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := tb.step()
	defer cancel()
	require.NoError(t, chromedp.Do(ctx, actions...), "%s", tb.name)
}

// load runs actions that make the tab load a page (a navigation, a click
// on a link or a submit button) and returns the page's HTTP response,
// after redirects.
func (tb *tab) load(t *testing.T, actions ...chromedp.Action[chromedp.Void]) *network.Response {
	t.Helper()
	ctx, cancel := tb.step()
	defer cancel()
	res, err := chromedp.RunResponse(ctx, actions...)
	require.NoError(t, err, "%s", tb.name)
	require.NotNil(t, res, "%s: no page loaded", tb.name)
	return res
}

// open navigates to a path of the server.
func (tb *tab) open(t *testing.T, path string) *network.Response {
	t.Helper()
	return tb.load(t, chromedp.Navigate(tb.r.base+path))
}

// path is the tab's location, as a path with its query.
func (tb *tab) path(t *testing.T) string {
	t.Helper()
	loc := evalJS[string](t, tb, `location.pathname + location.search`)
	return loc
}

// text is what a reader sees on the page (the body's innerText).
func (tb *tab) text(t *testing.T) string {
	t.Helper()
	return evalJS[string](t, tb, `document.body.innerText`)
}

// evalJS evaluates a JavaScript expression in the tab's page, awaiting a
// promise, and decodes its value.
func evalJS[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := tb.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	require.NoError(t, err, "%s: %s", tb.name, expr)
	return v
}

// pollJS waits until a JavaScript expression is truthy (checked on every
// animation frame, at most browserWait) and returns its value.
func pollJS[T any](t *testing.T, tb *tab, expr string) T {
	t.Helper()
	ctx, cancel := tb.step()
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(browserWait)))
	require.NoError(t, err, "%s: waiting for %s", tb.name, expr)
	return v
}

// js is a Go value as a JavaScript literal.
func js(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// shoot saves full-page screenshots of the page as it is now, at every
// viewport, as NAME-vi-WxH.png, and leaves the tab at the desktop size.
// At every size the page must fit the width: nothing to scroll sideways
// (a wide table scrolls inside its own box).
func (tb *tab) shoot(t *testing.T, name string) {
	t.Helper()
	for _, v := range viewports {
		tb.resize(t, v)
		size := evalJS[[]int64](t, tb, `[window.innerWidth, document.documentElement.scrollWidth]`)
		require.Equal(t, v.width, size[0], "%s at %s: the viewport", name, v.name)
		assert.LessOrEqual(t, size[1], v.width, "%s at %s: the page is wider than the screen", name, v.name)
		ctx, cancel := tb.step()
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		cancel()
		require.NoError(t, err, "%s: screenshot %s", tb.name, name)
		file := filepath.Join(tb.r.shots, fmt.Sprintf("%s-vi-%s.png", name, v.name))
		require.NoError(t, os.WriteFile(file, png, 0o644))
	}
	tb.resize(t, desktop)
}

func (tb *tab) resize(t *testing.T, v viewport) {
	t.Helper()
	var opts []chromedp.EmulateViewportOption
	if v.mobile {
		opts = append(opts, chromedp.EmulateMobile)
	}
	tb.do(t, chromedp.EmulateViewport(v.width, v.height, opts...))
}

// screenshotDir is the git-ignored folder the screenshots go to:
// SOHOA_SCREENSHOT_DIR, else .cache/screenshots at the repository's root.
// The previous run's screenshots are removed.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SOHOA_SCREENSHOT_DIR")
	if dir == "" {
		dir = filepath.Join("..", ".cache", "screenshots")
	}
	dir, err := filepath.Abs(dir)
	require.NoError(t, err)
	require.NoError(t, os.MkdirAll(dir, 0o755))
	old, err := filepath.Glob(filepath.Join(dir, "*-vi-*.png"))
	require.NoError(t, err)
	for _, f := range old {
		require.NoError(t, os.Remove(f))
	}
	return dir
}

// fixtureServer serves the test's files to the pages under
// /test-fixtures/NAME (same origin, so the Content Security Policy lets
// the page fetch them) and everything else through the application.
func fixtureServer(app http.Handler, files map[string][]byte) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", app)
	mux.HandleFunc("GET /test-fixtures/{name}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := files[r.PathValue("name")]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/pdf")
		_, _ = w.Write(b)
	})
	return mux
}

// pathOnly is a URL's path and query.
func pathOnly(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	require.NoError(t, err)
	return u.RequestURI()
}
