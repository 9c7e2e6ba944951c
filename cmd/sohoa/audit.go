package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/sohoa/sohoa"
)

func init() {
	register("audit", "check the audit log (chain, seal) and the catalog against it: sohoa audit verify", runAudit)
}

const auditUsage = "Usage: sohoa audit verify [--json] [--data-dir DIR] [--database-url URL] [--audit-key-file FILE]"

func runAudit(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, auditUsage)
			return exitOK
		}
		fmt.Fprintln(e.stderr, auditUsage)
		return exitUsage
	}
	return runAuditVerify(ctx, e, args[1:])
}

// runAuditVerify walks the whole audit log, checks its chain and its
// head's seal with the audit key, and compares the catalog's documents,
// dossiers, inspections and verifications with what the log recorded. It
// never creates a catalog or a key. Exit 0: the log is intact and the
// catalog agrees with it; 1: a break or a mismatch (each printed), no
// catalog there, or the log is keyed and the key file is missing; other
// codes: the catalog could not be read.
func runAuditVerify(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "audit verify", "[--json] [--data-dir DIR] [--database-url URL] [--audit-key-file FILE]")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cfg := addStoreFlags(fs, e)
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	s, code, ok := cfg.startWith(ctx, e, "audit verify", openOptions{Existing: true})
	if !ok {
		return code
	}
	defer s.Close()
	res, err := s.Catalog.VerifyAudit(ctx)
	if errors.Is(err, sohoa.ErrAuditKeyRequired) {
		fmt.Fprintf(e.stderr, "sohoa audit verify: %s: the audit log is keyed, and the key file %s does not exist: copy it from a host that appends to this catalog, or point --audit-key-file / SOHOA_AUDIT_KEY_FILE at it\n",
			cfg.describeCatalog(), s.AuditKeyFile)
		return exitFailure
	}
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa audit verify:", err)
		return exitCode(err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		_ = enc.Encode(res)
	} else {
		printAuditCheck(e.stdout, res, s.AuditKeyFile)
	}
	if !res.OK {
		return exitFailure
	}
	return exitOK
}

func printAuditCheck(w io.Writer, res *sohoa.AuditCheck, keyFile string) {
	switch {
	case res.Problem != "":
		fmt.Fprintf(w, "audit log BROKEN at seq %d: %s\n", res.FirstBrokenSeq, res.Problem)
	case res.KeyID != "":
		fmt.Fprintf(w, "audit log intact: %d entries, sealed with audit key %s", res.Entries, res.KeyID)
		if res.FirstKeyedSeq > 0 {
			fmt.Fprintf(w, " (keyed from seq %d)", res.FirstKeyedSeq)
		}
		fmt.Fprintln(w)
	default:
		fmt.Fprintf(w, "audit log intact: %d entries, NOT keyed (no key file %s: anyone who can write to the database could rewrite it; the first command that appends makes the key)\n", res.Entries, keyFile)
	}
	if res.Sealed > 0 || res.Pending > 0 {
		fmt.Fprintf(w, "pending entries (committed, not yet chained): %d chained before the check, %d committed during it\n", res.Sealed, res.Pending)
	}
	cc := res.CrossCheck
	if cc == nil {
		return
	}
	fmt.Fprintf(w, "catalog against the log: %d documents, %d dossiers, %d inspections, %d verifications compared", cc.Documents, cc.Dossiers, cc.Inspections, cc.Verifications)
	if n := cc.UncheckedInspections + cc.UncheckedVerifications; n > 0 {
		fmt.Fprintf(w, " (%d inspections and %d verifications are older than the log's record of results and cannot be checked)", cc.UncheckedInspections, cc.UncheckedVerifications)
	}
	fmt.Fprintln(w)
	if len(cc.Mismatches) == 0 {
		fmt.Fprintln(w, "catalog agrees with the log")
		return
	}
	fmt.Fprintf(w, "catalog DIFFERS from the log: %d mismatches\n", len(cc.Mismatches))
	for _, m := range cc.Mismatches {
		fmt.Fprintf(w, "  %s\n", m)
	}
}
