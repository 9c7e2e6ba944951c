// Command webload is the load generator bench/web.sh drives against a
// running `sohoa serve` (issue 10's measurements). It speaks only HTTP to
// the server, like any API client or browser would.
//
//	webload upload -url URL -token T -dir DIR [-clients 50] [-per-dossier 3] -unit U -procedure P -prefix CODE
//	    creates the dossiers first (untimed), then uploads every DIR/*.pdf
//	    once, each file into its dossier as a raw body, from -clients
//	    concurrent clients over keep-alive connections; reports uploads
//	    accepted per second and the latency to the 202.
//	webload big -url URL -token T -file F -dossier CODE -unit U -procedure P
//	    one upload of a large file, streamed from disk.
//	webload get -url URL (-user U -password P | -token T) -paths FILE [-n 2000] [-clients 4] [-warmup 100]
//	    GETs the paths listed in FILE (one a line, taken in turn) with a
//	    signed-in session cookie or a bearer token; every answer must be
//	    200. Reports latency percentiles.
//
// Results go to stdout as name=value lines (numbers only) for the script
// to read; progress and errors go to stderr. Latency is measured in the
// client, from sending the request to reading the last byte of the
// answer, over loopback: the server's time plus a loopback round trip.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("webload: ")
	if len(os.Args) < 2 {
		log.Fatal("usage: webload upload|big|get [flags] (see the package comment)")
	}
	var err error
	switch os.Args[1] {
	case "upload":
		err = runUpload(os.Args[2:])
	case "big":
		err = runBig(os.Args[2:])
	case "get":
		err = runGet(os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q (upload, big, get)", os.Args[1])
	}
	if err != nil {
		log.Fatal(err)
	}
}

// client is an HTTP client keeping up to conns idle keep-alive
// connections to the server, so that every concurrent client reuses its
// own connection as a real API client would.
func client(conns int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = conns * 2
	tr.MaxIdleConnsPerHost = conns * 2
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 30 * time.Minute,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// api is the server's base URL with its credentials.
type api struct {
	base   string
	token  string
	cookie *http.Cookie
	hc     *http.Client
}

func (a *api) do(method, path, contentType string, body io.Reader, size int64) (*http.Response, error) {
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.ContentLength = size
		req.Header.Set("Content-Type", contentType)
	}
	if a.token != "" {
		req.Header.Set("Authorization", "Bearer "+a.token)
	}
	if a.cookie != nil {
		req.AddCookie(a.cookie)
	}
	return a.hc.Do(req)
}

// readAll reads and closes the body, keeping the connection reusable.
func readAll(resp *http.Response) []byte {
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return b
}

// createDossiers creates the dossiers codes in unit and procedure with
// 8 concurrent requests (setup, not timed). A dossier that already exists
// (409) is kept.
func (a *api) createDossiers(codes []string, unit, procedure string) error {
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		next  atomic.Int64
	)
	for range 8 {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(codes) {
					return
				}
				body, _ := json.Marshal(map[string]string{"code": codes[i], "unit": unit, "procedure": procedure})
				resp, err := a.do("POST", "/api/v1/dossiers", "application/json", bytes.NewReader(body), int64(len(body)))
				if err == nil {
					b := readAll(resp)
					if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusConflict {
						err = fmt.Errorf("create dossier %s: %s: %s", codes[i], resp.Status, b)
					}
				}
				if err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		})
	}
	wg.Wait()
	return first
}

func uploadPath(dossier, component, fileName string) string {
	q := url.Values{"role": {"component"}, "component": {component}, "filename": {fileName}}
	return "/api/v1/dossiers/" + url.PathEscape(dossier) + "/documents?" + q.Encode()
}

func runUpload(args []string) error {
	fs := flag.NewFlagSet("upload", flag.ExitOnError)
	base := fs.String("url", "", "server base URL")
	token := fs.String("token", "", "API token (sohoa token add)")
	dir := fs.String("dir", "", "directory of the PDF files to upload (every *.pdf, each once)")
	clients := fs.Int("clients", 50, "concurrent clients")
	perDossier := fs.Int("per-dossier", 3, "files per dossier (component Trang 1, Trang 2, …)")
	unit := fs.String("unit", "", "unit of the dossiers")
	procedure := fs.String("procedure", "", "procedure of the dossiers (listing components Trang 1 … Trang N)")
	prefix := fs.String("prefix", "", "dossier codes are PREFIX-00001, PREFIX-00002, …")
	_ = fs.Parse(args)
	if *base == "" || *token == "" || *dir == "" || *unit == "" || *procedure == "" || *prefix == "" || *clients < 1 || *perDossier < 1 {
		return errors.New("upload needs -url, -token, -dir, -unit, -procedure and -prefix")
	}
	names, err := filepath.Glob(filepath.Join(*dir, "*.pdf"))
	if err != nil || len(names) == 0 {
		return fmt.Errorf("no *.pdf in %s", *dir)
	}
	slices.Sort(names)
	// Every file in memory first, so the client reads no disk while timed.
	files := make([][]byte, len(names))
	var total int64
	for i, n := range names {
		if files[i], err = os.ReadFile(n); err != nil {
			return err
		}
		total += int64(len(files[i]))
	}
	a := &api{base: strings.TrimRight(*base, "/"), token: *token, hc: client(*clients)}
	codes := make([]string, (len(files)+*perDossier-1) / *perDossier)
	for i := range codes {
		codes[i] = fmt.Sprintf("%s-%05d", *prefix, i+1)
	}
	log.Printf("creating %d dossiers...", len(codes))
	if err := a.createDossiers(codes, *unit, *procedure); err != nil {
		return err
	}
	log.Printf("uploading %d files (%.1f MB) from %d clients...", len(files), float64(total)/1e6, *clients)
	lat := make([]time.Duration, len(files))
	status := make([]int, len(files))
	var (
		next     atomic.Int64
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstBad string
	)
	start := time.Now()
	for range *clients {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= len(files) {
					return
				}
				path := uploadPath(codes[i / *perDossier], fmt.Sprintf("Trang %d", i%*perDossier+1), filepath.Base(names[i]))
				t0 := time.Now()
				resp, err := a.do("POST", path, "application/pdf", bytes.NewReader(files[i]), int64(len(files[i])))
				var body []byte
				if err == nil {
					body = readAll(resp)
					status[i] = resp.StatusCode
				}
				lat[i] = time.Since(t0)
				if err != nil || resp.StatusCode != http.StatusAccepted {
					mu.Lock()
					if firstBad == "" {
						if err != nil {
							firstBad = err.Error()
						} else {
							firstBad = fmt.Sprintf("%s: %.300s", resp.Status, body)
						}
					}
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	wall := time.Since(start)
	accepted := 0
	var ok []time.Duration
	for i, st := range status {
		if st == http.StatusAccepted {
			accepted++
			ok = append(ok, lat[i])
		}
	}
	if firstBad != "" {
		log.Printf("%d of %d uploads not accepted; first: %s", len(files)-accepted, len(files), firstBad)
	}
	s := summarize(ok)
	fmt.Printf("start_unix=%.3f\n", float64(start.UnixNano())/1e9)
	fmt.Printf("files=%d\nbytes=%d\naccepted=%d\nrefused=%d\n", len(files), total, accepted, len(files)-accepted)
	fmt.Printf("wall_s=%.3f\nrate=%.1f\n", wall.Seconds(), float64(accepted)/wall.Seconds())
	fmt.Printf("p50_ms=%s\np95_ms=%s\np99_ms=%s\nmax_ms=%s\n", ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))
	if accepted < len(files) {
		return fmt.Errorf("%d uploads were not accepted", len(files)-accepted)
	}
	return nil
}

func runBig(args []string) error {
	fs := flag.NewFlagSet("big", flag.ExitOnError)
	base := fs.String("url", "", "server base URL")
	token := fs.String("token", "", "API token")
	file := fs.String("file", "", "the file to upload")
	dossier := fs.String("dossier", "", "dossier code (created when missing)")
	unit := fs.String("unit", "", "unit of the dossier")
	procedure := fs.String("procedure", "", "procedure of the dossier")
	_ = fs.Parse(args)
	if *base == "" || *token == "" || *file == "" || *dossier == "" || *unit == "" || *procedure == "" {
		return errors.New("big needs -url, -token, -file, -dossier, -unit and -procedure")
	}
	a := &api{base: strings.TrimRight(*base, "/"), token: *token, hc: client(1)}
	if err := a.createDossiers([]string{*dossier}, *unit, *procedure); err != nil {
		return err
	}
	f, err := os.Open(*file)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	t0 := time.Now()
	resp, err := a.do("POST", uploadPath(*dossier, "Trang 1", filepath.Base(*file)), "application/pdf",
		bufio.NewReaderSize(f, 1<<20), st.Size())
	if err != nil {
		return err
	}
	body := readAll(resp)
	took := time.Since(t0)
	if resp.StatusCode != http.StatusAccepted {
		return fmt.Errorf("upload: %s: %.300s", resp.Status, body)
	}
	var res struct {
		Document struct {
			ID int64 `json:"id"`
		} `json:"document"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		return fmt.Errorf("upload answer: %v", err)
	}
	fmt.Printf("bytes=%d\nwall_s=%.3f\nmb_s=%.1f\ndocument_id=%d\n", st.Size(), took.Seconds(), float64(st.Size())/1e6/took.Seconds(), res.Document.ID)
	return nil
}

// signIn opens a session as a browser does (the session API's JSON form)
// and returns its cookie.
func (a *api) signIn(user, password string) (*http.Cookie, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := a.do("POST", "/api/v1/session", "application/json", bytes.NewReader(body), int64(len(body)))
	if err != nil {
		return nil, err
	}
	b := readAll(resp)
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("sign in as %s: %s: %.300s", user, resp.Status, b)
	}
	for _, c := range resp.Cookies() {
		if c.Name == "sohoa_session" {
			return c, nil
		}
	}
	return nil, errors.New("sign in: no sohoa_session cookie in the answer")
}

func runGet(args []string) error {
	fs := flag.NewFlagSet("get", flag.ExitOnError)
	base := fs.String("url", "", "server base URL")
	user := fs.String("user", "", "sign in as this user (with -password) and send the session cookie")
	password := fs.String("password", "", "the user's password")
	token := fs.String("token", "", "send this API token instead of signing in")
	pathsFile := fs.String("paths", "", "file of paths to GET, one a line, taken in turn")
	n := fs.Int("n", 2000, "timed requests")
	warmup := fs.Int("warmup", 100, "untimed requests first")
	clients := fs.Int("clients", 4, "concurrent clients")
	_ = fs.Parse(args)
	if *base == "" || *pathsFile == "" || (*token == "") == (*user == "") || *n < 1 || *clients < 1 {
		return errors.New("get needs -url, -paths and either -token or -user with -password")
	}
	raw, err := os.ReadFile(*pathsFile)
	if err != nil {
		return err
	}
	var paths []string
	for l := range strings.Lines(string(raw)) {
		if l = strings.TrimSpace(l); l != "" {
			paths = append(paths, l)
		}
	}
	if len(paths) == 0 {
		return fmt.Errorf("%s lists no path", *pathsFile)
	}
	a := &api{base: strings.TrimRight(*base, "/"), token: *token, hc: client(*clients)}
	if *user != "" {
		if a.cookie, err = a.signIn(*user, *password); err != nil {
			return err
		}
	}
	get := func(i int) (time.Duration, error) {
		p := paths[i%len(paths)]
		t0 := time.Now()
		resp, err := a.do("GET", p, "", nil, 0)
		if err != nil {
			return 0, err
		}
		b := readAll(resp)
		d := time.Since(t0)
		if resp.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("GET %s: %s: %.300s", p, resp.Status, b)
		}
		return d, nil
	}
	run := func(count, offset int, lat []time.Duration) error {
		var (
			next  atomic.Int64
			wg    sync.WaitGroup
			mu    sync.Mutex
			first error
		)
		for range *clients {
			wg.Go(func() {
				for {
					i := int(next.Add(1)) - 1
					if i >= count {
						return
					}
					d, err := get(offset + i)
					if err != nil {
						mu.Lock()
						if first == nil {
							first = err
						}
						mu.Unlock()
						return
					}
					if lat != nil {
						lat[i] = d
					}
				}
			})
		}
		wg.Wait()
		return first
	}
	if err := run(*warmup, 0, nil); err != nil {
		return err
	}
	lat := make([]time.Duration, *n)
	start := time.Now()
	if err := run(*n, *warmup, lat); err != nil {
		return err
	}
	wall := time.Since(start)
	s := summarize(lat)
	fmt.Printf("requests=%d\nrate=%.1f\n", *n, float64(*n)/wall.Seconds())
	fmt.Printf("p50_ms=%s\np95_ms=%s\np99_ms=%s\nmax_ms=%s\n", ms(s.P50), ms(s.P95), ms(s.P99), ms(s.Max))
	return nil
}
