package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dustin/go-humanize"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

func init() {
	register("status", "show a dossier: its files, their inspection and verification, and what is missing", runStatus)
}

// runStatus prints one dossier's status: exit 0 when it exists, 1 when it
// does not. --json prints the object DESIGN.md specifies (dossier,
// documents with sha256, role, inspection and latest verification,
// missing).
func runStatus(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "status", "[--json] [--lang en|vi] [--data-dir DIR] [--database-url URL] DOSSIER-CODE")
	cfg := addStoreFlags(fs, e)
	asJSON := fs.Bool("json", false, "print JSON")
	lang := fs.String("lang", "en", "language of what is missing: en, or vi (Vietnamese)")
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	if len(pos) != 1 {
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintln(e.stderr, "sohoa status:", statusErrText(err))
		return exitCode(err)
	}
	if err := cfg.finish(e); err != nil {
		return fail(err)
	}
	// The catalog is all status reads: no blob store, no verifier. A
	// read-only command never creates one: a mistyped data directory is an
	// error naming it.
	st, err := cfg.openWith(ctx, e, openOptions{Existing: true})
	if err != nil {
		return fail(err)
	}
	defer st.Close()
	pc := pipeline.Config{Catalog: st.Catalog, Logger: e.log}
	p, err := pipeline.New(pc)
	if err != nil {
		return fail(err)
	}
	ds, err := p.Status(ctx, pos[0])
	if err != nil {
		return fail(err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(statusJSON(ds)); err != nil {
			return fail(err)
		}
		return exitOK
	}
	printStatus(e.stdout, ds, sohoa.ParseLang(*lang))
	return exitOK
}

// statusErrText shows an application error's message (what the user can
// act on) and other errors in full.
func statusErrText(err error) string {
	if c := sohoa.Code(err); c != sohoa.EINTERNAL {
		return sohoa.Message(err)
	}
	return err.Error()
}

// statusJSON leaves out each verification's full report, which `sohoa
// verify --json` or the web UI show; status is the overview.
func statusJSON(ds *pipeline.DossierStatus) *pipeline.DossierStatus {
	out := *ds
	out.Documents = make([]pipeline.DocumentStatus, len(ds.Documents))
	for i, d := range ds.Documents {
		if d.Verification != nil {
			v := *d.Verification
			v.Report = nil
			d.Verification = &v
		}
		out.Documents[i] = d
	}
	return &out
}

func localTime(t time.Time) string { return t.In(sohoa.Location()).Format("2006-01-02 15:04") }

func printStatus(w io.Writer, ds *pipeline.DossierStatus, lang sohoa.Lang) {
	d := ds.Dossier
	fmt.Fprintf(w, "Dossier %s\n", d.Code)
	fmt.Fprintf(w, "  unit %s, procedure %s, received %s, status %s\n", d.UnitCode, d.ProcedureCode, localTime(d.ReceivedAt), d.Status)
	state := "not digitized yet"
	switch {
	case ds.Digitized:
		state = "digitized"
	case ds.ScannedChecked:
		state = "scanned and checked, not digitized yet"
	}
	fmt.Fprintf(w, "  digitization: %s\n", state)
	if string(d.DigitizationState) != map[bool]string{true: "digitized", false: "incomplete"}[ds.Digitized] ||
		string(d.ScanState) != map[bool]string{true: "scanned_checked", false: "incomplete"}[ds.ScannedChecked] {
		fmt.Fprintf(w, "  (recorded state %q, scan state %q; they are updated when the next job of this dossier finishes)\n", d.DigitizationState, d.ScanState)
	}

	fmt.Fprintf(w, "\nFiles (%d):\n", len(ds.Documents))
	if len(ds.Documents) == 0 {
		fmt.Fprintln(w, "  none")
	}
	for _, doc := range ds.Documents {
		what := string(doc.Role)
		if doc.ComponentName != "" {
			what += fmt.Sprintf(" %q", doc.ComponentName)
		}
		fmt.Fprintf(w, "  #%d %s — %s, %s, sha256 %s…\n", doc.ID, doc.FileName, what, humanize.IBytes(uint64(doc.Size)), doc.BlobKey[:12])
		switch in := doc.Inspection; {
		case in != nil:
			var shown, hidden int
			fmt.Fprintf(w, "     inspection: %s (policy %s)\n", in.Outcome, in.PolicyName)
			for _, f := range in.Findings {
				if f.Outcome == sohoa.InspectionOK {
					hidden++
					continue
				}
				shown++
				msg := f.Message
				if f.Page > 0 && !strings.HasPrefix(msg, "page ") {
					msg = fmt.Sprintf("page %d: %s", f.Page, msg)
				}
				fmt.Fprintf(w, "       %-4s %s: %s\n", f.Outcome, f.Rule, msg)
			}
			if hidden > 0 && shown > 0 {
				fmt.Fprintf(w, "       (%d more checks ok)\n", hidden)
			}
		case doc.Pending:
			fmt.Fprintln(w, "     inspection: pending")
		default:
			fmt.Fprintln(w, "     inspection: none")
		}
		switch v := doc.Verification; {
		case v != nil:
			verdict := v.Indication
			if v.SubIndication != "" {
				verdict += "/" + v.SubIndication
			}
			detail := v.Summary
			if v.Error != "" {
				detail = v.Error
			}
			fmt.Fprintf(w, "     signatures: %s — %s (verified %s)\n", verdict, detail, localTime(v.VerifiedAt))
		case doc.Pending:
			fmt.Fprintln(w, "     signatures: pending")
		default:
			fmt.Fprintln(w, "     signatures: not verified")
		}
		if doc.Error != "" && (doc.Verification == nil || doc.Verification.Error == "") {
			fmt.Fprintf(w, "     error: %s\n", doc.Error)
		}
	}

	if len(ds.Missing) == 0 {
		fmt.Fprintln(w, "\nNothing is missing.")
		return
	}
	fmt.Fprintln(w, "\nMissing before the dossier counts as digitized:")
	for _, m := range ds.Missing {
		fmt.Fprintf(w, "  - %s\n", m.Text(lang))
	}
}
