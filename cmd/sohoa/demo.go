package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/internal/demodata"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/report"
)

func init() {
	register("demo", "fill an empty data directory with demo units, users and dossiers through the real pipeline and print each dossier's status", runDemo)
}

// demoMarker is the file that says a data directory was filled by `sohoa
// demo`. It is written before anything else, so an interrupted demo is
// finished by running it again, and it fixes the dossiers' dates (their
// codes carry the day they were received), so a re-run finds the same
// dossiers.
const demoMarker = "demo.json"

// demoActor is the audit actor of the reference data the demo creates.
const demoActor = "system:demo"

// demoWait bounds the wait for inspection and verification of the samples
// (a few seconds on any machine).
var demoWait = 2 * time.Minute

type demoState struct {
	FilledAt time.Time `json:"filled_at"`
	Note     string    `json:"note"`
}

// Demo reference data: a ministry → department → one-stop shop tree, one
// procedure with two required components, and a user of each role.
var (
	demoUnits = []sohoa.Unit{
		{Code: "000.00.00.G05", Name: "Bộ Số hóa (dữ liệu mẫu)"},
		{Code: "000.00.10.G05", Name: "Văn phòng Bộ", ParentCode: "000.00.00.G05"},
		{Code: "000.00.12.G05", Name: "Bộ phận Một cửa", ParentCode: "000.00.10.G05"},
	}
	demoShop      = "000.00.12.G05"
	demoProcedure = sohoa.Procedure{
		Code:               "1.000894",
		Name:               "Cấp giấy phép hoạt động (dữ liệu mẫu)",
		RequiredComponents: []string{"Đơn đề nghị", "Bản sao giấy tờ pháp lý"},
	}
	demoUsers = []sohoa.User{
		{Username: "canbo.motcua", DisplayName: "Nguyễn Thị Lan (cán bộ một cửa)", Roles: []sohoa.Role{sohoa.RoleClerk}, UnitScopes: []string{"000.00.12.G05"}},
		{Username: "mayquet.01", DisplayName: "Máy quét số 1", Roles: []sohoa.Role{sohoa.RoleScanner}, UnitScopes: []string{"000.00.12.G05"}},
		{Username: "kiemsoat", DisplayName: "Trần Văn Minh (kiểm soát)", Roles: []sohoa.Role{sohoa.RoleAuditor}, UnitScopes: []string{"000.00.00.G05"}},
		{Username: "quantri", DisplayName: "Lê Hoàng (quản trị)", Roles: []sohoa.Role{sohoa.RoleAdmin}},
	}
)

// demoFile is one sample ingested into a demo dossier.
type demoFile struct {
	sample    string // name in internal/demodata
	role      sohoa.DocumentRole
	component string
	source    sohoa.DocumentSource
	actor     string
}

// demoDossier is one demo dossier and what it shows.
type demoDossier struct {
	seq      int
	resolved bool
	shows    string
	files    []demoFile
}

const (
	compForm = "Đơn đề nghị"
	compCopy = "Bản sao giấy tờ pháp lý"
)

var demoDossiers = []demoDossier{
	{seq: 1, shows: "a signed application (valid signature) and a good 300 dpi scan: digitized", files: []demoFile{
		{sample: "signed-valid-blt.pdf", role: sohoa.RoleComponent, component: compForm, source: sohoa.SourceWeb, actor: "canbo.motcua"},
		{sample: "scan-300dpi.pdf", role: sohoa.RoleComponent, component: compCopy, source: sohoa.SourceFolder, actor: "mayquet.01"},
	}},
	{seq: 2, resolved: true, shows: "a resolved dossier: application with two signatures, an unsigned copy and a certified result: digitized", files: []demoFile{
		{sample: "two-signatures.pdf", role: sohoa.RoleComponent, component: compForm, source: sohoa.SourceWeb, actor: "canbo.motcua"},
		{sample: "unsigned.pdf", role: sohoa.RoleComponent, component: compCopy, source: sohoa.SourceWeb, actor: "canbo.motcua"},
		{sample: "certified-p2.pdf", role: sohoa.RoleResult, source: sohoa.SourceWeb, actor: "canbo.motcua"},
	}},
	{seq: 3, shows: "tampered files: a signed application changed in place and a signed copy with a page rewritten after signing: not digitized", files: []demoFile{
		{sample: "tampered-digest.pdf", role: sohoa.RoleComponent, component: compForm, source: sohoa.SourceWeb, actor: "canbo.motcua"},
		{sample: "tampered-page-rewritten.pdf", role: sohoa.RoleComponent, component: compCopy, source: sohoa.SourceWeb, actor: "canbo.motcua"},
	}},
	{seq: 4, shows: "a valid signed application (the same bytes as dossier 0001: one stored file, two documents) and a 100 dpi scan: not digitized", files: []demoFile{
		{sample: "signed-valid-blt.pdf", role: sohoa.RoleComponent, component: compForm, source: sohoa.SourceWeb, actor: "canbo.motcua"},
		{sample: "scan-low-resolution.pdf", role: sohoa.RoleComponent, component: compCopy, source: sohoa.SourceFolder, actor: "mayquet.01"},
	}},
}

// runDemo is `sohoa demo`. It always uses the embedded default (SQLite and
// blobs in the data directory): it fills a new or empty data directory, or
// one it filled before (then it finishes what an interrupted run left and
// prints the statuses again; every step is idempotent), and refuses any
// other directory. Exit 0 when every sample was ingested, inspected and
// verified, 1 otherwise.
func runDemo(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "demo", "[--data-dir DIR]")
	dataDir := fs.String("data-dir", envOr(e, "SOHOA_DATA_DIR", defaultDataDir), "data directory to fill: new, empty, or filled by an earlier sohoa demo (env SOHOA_DATA_DIR)")
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa demo:", err)
		return exitFailure
	}
	for _, k := range []string{"SOHOA_DATABASE_URL", "SOHOA_S3_ENDPOINT", "SOHOA_TRUST_DIR"} {
		if e.getenv(k) != "" {
			fmt.Fprintf(e.stderr, "sohoa demo: ignoring %s: the demo always uses the embedded default in its data directory\n", k)
		}
	}

	cfg := &storeConfig{DataDir: *dataDir}
	state, resumed, trustDir, rootPath, err := demoSetup(ctx, e, cfg, time.Now())
	if err != nil {
		return fail(err)
	}

	st, p, err := openPipeline(ctx, e, cfg, trustDir, pipeline.Config{})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	if err := p.Start(ctx); err != nil {
		return fail(err)
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if err := p.Stop(sctx); err != nil {
			e.log.Warn("stopping the workers", "err", err)
		}
	}()

	w := e.stdout
	if resumed {
		fmt.Fprintf(w, "sohoa demo: %s already holds the demo (filled %s); finishing it and showing it again\n", *dataDir, localTime(state.FilledAt))
	} else {
		fmt.Fprintf(w, "sohoa demo: filling %s (embedded default: %s, blobs in %s)\n", *dataDir, cfg.describeCatalog(), cfg.blobDir())
	}
	res, err := demoLoad(ctx, cfg, st.Catalog, p, state)
	if err != nil {
		return fail(err)
	}
	demoPrintRefData(w, rootPath, "Users (no passwords yet; sohoa serve --demo gives them some):")
	fmt.Fprintf(w, "\nIngested %d sample files into %d dossiers through the pipeline (%d new, %d already there); inspected and verified.\n",
		len(res.ids), len(res.codes)+len(res.pastCodes), res.added, len(res.ids)-res.added)
	demoPrintHistory(w, res)
	fmt.Fprintf(w, "\nToday's %d dossiers (received %s):\n", len(res.codes), localTime(state.FilledAt))
	for i, ds := range res.statuses {
		fmt.Fprintf(w, "\n── %d/%d: %s\n", i+1, len(res.codes), demoDossiers[i].shows)
		printStatus(w, ds, sohoa.LangEN)
	}
	fmt.Fprintf(w, "\n%d of %d dossiers digitized.\n", res.digitized, len(res.codes))
	dirFlag := ""
	if *dataDir != defaultDataDir {
		dirFlag = " --data-dir " + *dataDir
	}
	fmt.Fprintf(w, "Try: sohoa status%s --json %s\n", dirFlag, res.codes[len(res.codes)-1])
	fmt.Fprintf(w, " or: sohoa serve%s   (the HTTP server over this data, with the workers; it prints its URL)\n", dirFlag)
	fmt.Fprintf(w, " or: sohoa serve --demo%s   (the same, and it gives the demo users passwords and prints them)\n", dirFlag)
	fmt.Fprintf(w, " or: sohoa progress%s --period %s --unit %s   (the figures; the progress dashboard is /tien-do under serve's URL)\n",
		dirFlag, res.report.period, demoShop)
	if res.problems > 0 {
		return fail(fmt.Errorf("%d file(s) were not processed", res.problems))
	}
	return exitOK
}

// demoSetup readies cfg's data directory for the demo (demoPrepare),
// installs the sample PKI's root in its trust directory, which it returns
// with the root's file, and, before any pipeline reads that directory,
// creates the reference data and the shop's agency key (demoAgencyKey)
// and installs the key's root beside the sample root.
func demoSetup(ctx context.Context, e *env, cfg *storeConfig, now time.Time) (state demoState, resumed bool, trustDir, rootPath string, err error) {
	state, resumed, err = demoPrepare(cfg.DataDir, now)
	if err != nil {
		return state, resumed, "", "", err
	}
	trustDir = filepath.Join(cfg.DataDir, "trust")
	if rootPath, err = demoWriteTrust(trustDir); err != nil {
		return state, resumed, "", "", err
	}
	st, err := cfg.openWith(ctx, e, openOptions{AppendsAudit: true})
	if err != nil {
		return state, resumed, "", "", err
	}
	defer st.Close()
	if err := demoRefData(ctx, st.Catalog); err != nil {
		return state, resumed, "", "", fmt.Errorf("reference data: %w", err)
	}
	root, err := demoAgencyKey(ctx, st.Catalog, st.AuditKey)
	if err != nil {
		return state, resumed, "", "", fmt.Errorf("the demo shop's signing key: %w", err)
	}
	return state, resumed, trustDir, rootPath, demoWriteAgencyRoot(trustDir, root)
}

// demoLoaded is what demoLoad loaded and found.
type demoLoaded struct {
	codes    []string // the dossiers, in demoDossiers' order
	ids      []int64  // their documents, one per sample file, then the history's
	added    int      // documents new in this run
	statuses []*pipeline.DossierStatus
	// digitized counts the digitized dossiers; problems the documents
	// left without an inspection or a verification.
	digitized, problems int
	// copies are the certified copies the workers made of the scans.
	copies []int64
	// past are the two past quarters' figures (oldest first), closed
	// says which this run closed; pastCodes are their dossiers.
	past      [2]demoPastFigures
	pastCodes []string
	closed    [2]bool
	report    *demoReported
}

// demoLoad is the demo's loading, shared by `sohoa demo` and `sohoa serve
// --demo`: it ingests every sample through p, today's dossiers and the two
// past quarters' (the duplicates of an earlier run add nothing), waits (at
// most demoWait) until p's running workers have inspected and verified
// them all and certified the scans, makes and submits the shop's report
// for the last past quarter, closes both quarters, and reads each of
// today's dossiers' status. The reference data and the shop's key are
// demoSetup's.
func demoLoad(ctx context.Context, cfg *storeConfig, cat sohoa.Catalog, p *pipeline.Pipeline, state demoState) (*demoLoaded, error) {
	ctx, cancel := context.WithTimeout(ctx, demoWait)
	defer cancel()
	res := &demoLoaded{}
	var err error
	res.codes, res.ids, res.added, err = demoIngest(ctx, p, state.FilledAt)
	if err != nil {
		return nil, err
	}
	pastCodes, pastIDs, pastAdded, err := demoIngestHistory(ctx, p, state.FilledAt)
	if err != nil {
		return nil, err
	}
	res.pastCodes, res.ids, res.added = pastCodes, append(res.ids, pastIDs...), res.added+pastAdded
	if err := p.WaitDocuments(ctx, res.ids); err != nil {
		return nil, fmt.Errorf("waiting for the samples' inspection and verification: %w", err)
	}
	if res.copies, err = demoCopies(ctx, cat, p, res.ids); err != nil {
		return nil, err
	}
	for _, code := range res.codes {
		ds, err := p.Status(ctx, code)
		if err != nil {
			return nil, err
		}
		res.statuses = append(res.statuses, ds)
		if ds.Digitized {
			res.digitized++
		}
		res.problems += demoProblems(ds)
	}
	periods := demoPastPeriods(state.FilledAt)
	for i, d := range demoHistory(state.FilledAt) {
		ds, err := p.Status(ctx, res.pastCodes[i])
		if err != nil {
			return nil, err
		}
		f := &res.past[d.period]
		f.period = periods[d.period]
		f.received++
		if ds.Digitized {
			f.digitized++
		}
		if d.nd.Status == sohoa.StatusResolved {
			f.resolved++
			if ds.Digitized {
				f.resultsDigitd++
			}
		}
		res.problems += demoProblems(ds)
	}
	if res.report, err = demoReport(ctx, cfg, cat, p, periods[1]); err != nil {
		return nil, err
	}
	if res.closed, err = demoClose(ctx, cat, periods); err != nil {
		return nil, err
	}
	return res, nil
}

// demoProblems counts ds's documents left without an inspection or a
// verification.
func demoProblems(ds *pipeline.DossierStatus) int {
	n := 0
	for _, d := range ds.Documents {
		if d.Inspection == nil || d.Verification == nil {
			n++
		}
	}
	return n
}

// demoPrintHistory prints the certified copies, the past quarters and the
// report.
func demoPrintHistory(w io.Writer, res *demoLoaded) {
	fmt.Fprintf(w, "Certified copies (bản sao điện tử): %d scans of %s copied, stamped and signed with its agency key by the certify job.\n",
		len(res.copies), demoShop)
	fmt.Fprintln(w, "Two past quarters, closed (their figures frozen in a snapshot):")
	for i, f := range res.past {
		closed := "closed before"
		if res.closed[i] {
			closed = "closed now"
		}
		fmt.Fprintf(w, "  %s; %s\n", f.summary(), closed)
	}
	r := res.report
	fmt.Fprintf(w, "Quarterly report %s of %s: signed and submitted %s (document %d in dossier %s; verification %s): %s.\n",
		r.period, demoShop, localTime(demoReportTime(r.period)), r.doc.ID, r.doc.DossierCode, r.verdict,
		report.ReportStatusLabels[r.status].EN)
}

// demoPrepare decides whether dir may be filled: a new or empty directory
// is, and gets the marker; a directory with the marker was filled before
// (resumed); anything else is refused.
func demoPrepare(dir string, now time.Time) (demoState, bool, error) {
	var st demoState
	marker := filepath.Join(dir, demoMarker)
	b, err := os.ReadFile(marker)
	if err == nil {
		if err := json.Unmarshal(b, &st); err != nil || st.FilledAt.IsZero() {
			return st, false, sohoa.Errorf(sohoa.EINVALID, "%s is not a demo marker (%v); use another --data-dir", marker, err)
		}
		return st, true, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return st, false, err
	}
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return st, false, err
		}
	case err != nil:
		return st, false, err
	case len(entries) > 0:
		return st, false, sohoa.Errorf(sohoa.EINVALID, "%s is not empty and was not filled by sohoa demo (or sohoa serve --demo): give a new or empty directory with --data-dir (the demo never writes into data in use)", dir)
	}
	st = demoState{FilledAt: now.UTC().Truncate(time.Second), Note: "filled by `sohoa demo` or `sohoa serve --demo`; run either again to show the demo dossiers"}
	b, _ = json.MarshalIndent(st, "", "  ")
	if err := os.WriteFile(marker, append(b, '\n'), 0o644); err != nil {
		return st, false, err
	}
	return st, false, nil
}

// demoWriteTrust installs the sample PKI's root as the data directory's
// trust anchor, so the sample signatures can reach TOTAL_PASSED.
func demoWriteTrust(dir string) (string, error) {
	root, err := demodata.FS.ReadFile(demodata.TrustRoot)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "sohoa-sample-root.pem")
	if cur, err := os.ReadFile(path); err == nil && bytes.Equal(cur, root) {
		return path, nil
	}
	return path, os.WriteFile(path, root, 0o644)
}

// demoRefData creates the units, the procedure and the users that are not
// there yet, each with its audit entry, in one transaction.
func demoRefData(ctx context.Context, c sohoa.Catalog) error {
	missing := func(err error) (bool, error) {
		if err == nil {
			return false, nil
		}
		if sohoa.Code(err) == sohoa.ENOTFOUND {
			return true, nil
		}
		return false, err
	}
	audit := func(tx sohoa.Catalog, action, object string) error {
		return tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: demoActor, Action: action, Object: object})
	}
	return c.WithTx(ctx, func(tx sohoa.Catalog) error {
		for _, u := range demoUnits {
			_, err := tx.FindUnitByCode(ctx, u.Code)
			if m, err := missing(err); err != nil || !m {
				if err != nil {
					return err
				}
				continue
			}
			if err := tx.CreateUnit(ctx, &u); err != nil {
				return err
			}
			if err := audit(tx, "unit.create", "unit:"+u.Code); err != nil {
				return err
			}
		}
		_, err := tx.FindProcedureByCode(ctx, demoProcedure.Code)
		if m, err := missing(err); err != nil {
			return err
		} else if m {
			p := demoProcedure
			if err := tx.CreateProcedure(ctx, &p); err != nil {
				return err
			}
			if err := audit(tx, "procedure.create", "procedure:"+p.Code); err != nil {
				return err
			}
		}
		for _, u := range demoUsers {
			_, err := tx.FindUserByUsername(ctx, u.Username)
			if m, err := missing(err); err != nil || !m {
				if err != nil {
					return err
				}
				continue
			}
			if err := tx.CreateUser(ctx, &u); err != nil {
				return err
			}
			if err := audit(tx, "user.create", "user:"+u.Username); err != nil {
				return err
			}
		}
		return nil
	})
}

func demoPrintRefData(w io.Writer, rootPath, usersTitle string) {
	fmt.Fprintln(w, "\nUnits (đơn vị):")
	for i, u := range demoUnits {
		fmt.Fprintf(w, "  %s%-13s  %s\n", strings.Repeat("  ", i), u.Code, u.Name)
	}
	fmt.Fprintf(w, "Procedure: %s %s, required components: %s\n", demoProcedure.Code, demoProcedure.Name, strings.Join(demoProcedure.RequiredComponents, "; "))
	fmt.Fprintln(w, usersTitle)
	for _, u := range demoUsers {
		fmt.Fprintf(w, "  %-13s %-8s %-14s %s\n", u.Username, u.Roles[0], demoScope(u), u.DisplayName)
	}
	fmt.Fprintf(w, "Trust anchors: %s (root of the sample PKI that signed the samples)\n", rootPath)
	fmt.Fprintf(w, "               %s (root of the demo agency certificate of %s, which certifies its scans and signs its report)\n",
		filepath.Join(filepath.Dir(rootPath), demoAgencyRootFile), demoShop)
}

// demoScope is a demo user's unit scope as printed.
func demoScope(u sohoa.User) string {
	if len(u.UnitScopes) == 0 {
		return "all units"
	}
	return strings.Join(u.UnitScopes, ", ")
}

// demoIngest ingests every demo file, creating the dossiers on their first
// file. Dossier codes follow Circular 01/2018/TT-VPCP Art. 19 with the day
// the demo was first filled. It returns the dossier codes, the documents
// (one per file) and how many were new.
func demoIngest(ctx context.Context, p *pipeline.Pipeline, filledAt time.Time) (codes []string, ids []int64, added int, err error) {
	for _, d := range demoDossiers {
		received := filledAt.Add(-time.Duration(len(demoDossiers)-d.seq+1) * 20 * time.Minute)
		code := fmt.Sprintf("%s-%s-%04d", demoShop, received.In(sohoa.Location()).Format("060102"), d.seq)
		due := received.AddDate(0, 0, 15)
		nd := &sohoa.Dossier{UnitCode: demoShop, ProcedureCode: demoProcedure.Code, ReceivedAt: received, DueAt: &due}
		if d.resolved {
			resolved := filledAt
			nd.Status, nd.ResolvedAt = sohoa.StatusResolved, &resolved
		}
		codes = append(codes, code)
		for _, f := range d.files {
			body, err := demodata.FS.ReadFile(f.sample)
			if err != nil {
				return nil, nil, 0, err
			}
			res, err := p.Ingest(ctx, pipeline.IngestRequest{
				DossierCode: code, NewDossier: nd, Role: f.role, Component: f.component,
				FileName: f.sample, MediaType: "application/pdf", Source: f.source, UploadedBy: f.actor,
				Body: bytes.NewReader(body),
			})
			if err != nil {
				return nil, nil, 0, err
			}
			if !res.Duplicate {
				added++
			}
			ids = append(ids, res.Document.ID)
		}
	}
	return codes, ids, added, nil
}
