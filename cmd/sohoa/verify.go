package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/sohoa/sohoa/verify"
)

func init() {
	register("verify", "verify the digital signatures (ký số) of PDF files or a detached CMS signature", runVerify)
}

// Exit codes of sohoa verify (DESIGN.md): 0 every signature TOTAL_PASSED,
// 1 any TOTAL_FAILED, 2 otherwise INDETERMINATE or unsigned, 3 a file could
// not be read as a PDF or CMS. Over several files a failure outranks an
// unreadable file, which outranks an indeterminate one.
const (
	verifyPassed     = 0
	verifyFailed     = 1
	verifyIndet      = 2
	verifyUnreadable = 3
)

// stringList is a repeatable flag.
type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

// verifyOutput is the stable JSON document printed by sohoa verify --json
// (docs/verify-report.md).
type verifyOutput struct {
	Schema string           `json:"schema"`
	Files  []*verify.Report `json:"files"`
}

const verifySchema = "sohoa.verify/v1"

func runVerify(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "verify", "[--json] [--trust DIR|FILE]... [--at TIME] [--online] [--detached SIG.p7s] FILE...")
	asJSON := fs.Bool("json", false, "print the stable JSON report instead of the human summary")
	var trust stringList
	fs.Var(&trust, "trust", "trust anchors (PEM file or directory), added to --trust-dir; repeatable")
	trustDir := fs.String("trust-dir", "", "trust anchor directory (env SOHOA_TRUST_DIR; default <data dir>/trust when it exists)")
	noBuiltin := noBuiltinTrustFlag(fs, e)
	dataDir := fs.String("data-dir", "", "data directory (env SOHOA_DATA_DIR; default ./sohoa-data)")
	at := fs.String("at", "", "validation time for signatures without a verified timestamp (RFC 3339 or YYYY-MM-DD)")
	online := fs.Bool("online", false, "fetch CRLs and OCSP responses over the network when the file lacks them")
	detached := fs.String("detached", "", "verify this detached CMS signature (.p7s) over the one FILE given")
	allowSHA1 := fs.Bool("allow-sha1", false, "accept SHA-1 (rejected by default)")
	minRSA := fs.Int("min-rsa-bits", 2048, "smallest RSA key accepted")
	files, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(files) == 0 {
		fmt.Fprintln(e.stderr, "sohoa verify: no file given")
		fs.Usage()
		return exitUsage
	}
	if *detached != "" && len(files) != 1 {
		fmt.Fprintln(e.stderr, "sohoa verify: --detached takes exactly one signed FILE")
		return exitUsage
	}

	set, err := loadTrust(e, *trustDir, *dataDir, trust, *noBuiltin)
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa verify:", err)
		return exitUsage
	}
	cfg := set.verifyConfig()
	cfg.Policy, cfg.Logger = verify.DefaultPolicy(), e.log
	cfg.Policy.AllowSHA1 = *allowSHA1
	cfg.Policy.MinRSABits = *minRSA
	if *at != "" {
		t, err := parseTimeArg(*at)
		if err != nil {
			fmt.Fprintln(e.stderr, "sohoa verify:", err)
			return exitUsage
		}
		cfg.At = t
	}
	if *online {
		cfg.HTTPClient = &http.Client{Timeout: 20 * time.Second}
	}
	if len(cfg.TrustAnchors) == 0 {
		fmt.Fprintln(e.stderr, "sohoa verify: warning: no trust anchors configured (--trust or SOHOA_TRUST_DIR, and the built-in roots are off); no certificate path can be trusted")
	}
	v, err := verify.New(cfg)
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa verify:", err)
		return exitInternal
	}

	reports := make([]*verify.Report, len(files))
	if *detached != "" {
		reports[0] = verifyDetachedFile(ctx, v, *detached, files[0])
	} else {
		verifyFiles(ctx, v, files, reports)
	}
	if err := ctx.Err(); err != nil {
		fmt.Fprintln(e.stderr, "sohoa verify: interrupted")
		return verifyUnreadable
	}

	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(verifyOutput{Schema: verifySchema, Files: reports}); err != nil {
			fmt.Fprintln(e.stderr, "sohoa verify:", err)
			return exitInternal
		}
	} else {
		for _, r := range reports {
			printReport(e.stdout, r)
		}
	}
	return verifyExitCode(reports)
}

// verifyFiles verifies files concurrently, one worker per CPU, keeping
// the reports in argument order.
func verifyFiles(ctx context.Context, v *verify.Verifier, files []string, out []*verify.Report) {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range files {
		if ctx.Err() != nil {
			break
		}
		g.Go(func() error {
			out[i] = verifyPDFFile(ctx, v, files[i])
			return nil
		})
	}
	_ = g.Wait() // a file's failure is in its report
	for i := range out {
		if out[i] == nil {
			out[i] = &verify.Report{File: files[i], Error: "not verified: interrupted"}
		}
	}
}

func verifyPDFFile(ctx context.Context, v *verify.Verifier, name string) *verify.Report {
	f, err := os.Open(name)
	if err != nil {
		return &verify.Report{File: name, Error: err.Error()}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &verify.Report{File: name, Error: err.Error()}
	}
	if st.IsDir() {
		return &verify.Report{File: name, Error: "is a directory"}
	}
	rep, err := v.Verify(ctx, f, st.Size())
	if err != nil {
		return &verify.Report{File: name, Size: st.Size(), Error: err.Error()}
	}
	rep.File = name
	return rep
}

func verifyDetachedFile(ctx context.Context, v *verify.Verifier, sigName, name string) *verify.Report {
	sig, err := readSmallFile(sigName, 64<<20)
	if err != nil {
		return &verify.Report{File: name, Error: err.Error()}
	}
	f, err := os.Open(name)
	if err != nil {
		return &verify.Report{File: name, Error: err.Error()}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return &verify.Report{File: name, Error: err.Error()}
	}
	rep, err := v.VerifyDetached(ctx, sig, f, st.Size())
	if err != nil {
		return &verify.Report{File: name, Error: err.Error()}
	}
	rep.File = name
	return rep
}

func readSmallFile(name string, max int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, max)
	}
	return b, nil
}

func verifyExitCode(reports []*verify.Report) int {
	code := verifyPassed
	rank := map[int]int{verifyPassed: 0, verifyIndet: 1, verifyUnreadable: 2, verifyFailed: 3}
	for _, r := range reports {
		c := verifyPassed
		switch {
		case r.Error != "":
			c = verifyUnreadable
		case r.Indication == verify.TotalFailed:
			c = verifyFailed
		case r.Indication != verify.TotalPassed:
			c = verifyIndet
		}
		if rank[c] > rank[code] {
			code = c
		}
	}
	return code
}

// trustPaths lists the anchor locations for this call: the configured
// trust directory (explicit flag or SOHOA_TRUST_DIR must exist; the
// default <data dir>/trust is used only when present) plus --trust.
func trustPaths(e *env, flagDir, flagData string, extra []string) ([]string, error) {
	dir := flagDir
	if dir == "" {
		dir = e.getenv("SOHOA_TRUST_DIR")
	}
	var out []string
	if dir != "" {
		if _, err := os.Stat(dir); err != nil {
			return nil, fmt.Errorf("trust directory: %w", err)
		}
		out = append(out, dir)
	} else {
		data := flagData
		if data == "" {
			data = envOr(e, "SOHOA_DATA_DIR", "sohoa-data")
		}
		def := filepath.Join(data, "trust")
		if st, err := os.Stat(def); err == nil && st.IsDir() {
			out = append(out, def)
		}
	}
	return append(out, extra...), nil
}

// parseTimeArg accepts RFC 3339, "YYYY-MM-DDTHH:MM" and "YYYY-MM-DD"; times
// without a zone are in Asia/Ho_Chi_Minh (UTC+7), as users read them.
func parseTimeArg(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	loc := time.FixedZone("ICT", 7*3600)
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02T15:04", "2006-01-02"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("--at %q: want RFC 3339 (2026-03-14T10:00:00+07:00) or YYYY-MM-DD", s)
}

// parseInterspersed parses flags that may appear before or after the
// positional arguments ("sohoa verify a.pdf --json").
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		if code, ok := parseFlags(fs, args); !ok {
			return nil, code, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		// Parsing stopped at "--": everything after it is positional.
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
