package main

import (
	"context"
	"encoding/json"
	"fmt"
)

func init() {
	register("audit", "check the audit log's hash chain: sohoa audit verify", runAudit)
}

func runAudit(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || args[0] != "verify" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, "Usage: sohoa audit verify [--json] [--data-dir DIR] [--database-url URL]")
			return exitOK
		}
		fmt.Fprintln(e.stderr, "Usage: sohoa audit verify [--json] [--data-dir DIR] [--database-url URL]")
		return exitUsage
	}
	return runAuditVerify(ctx, e, args[1:])
}

// runAuditVerify walks the whole audit log. Exit 0: every row is intact;
// 1: the chain is broken (the first broken seq is printed); other codes:
// the catalog could not be read.
func runAuditVerify(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "audit verify", "[--json] [--data-dir DIR] [--database-url URL]")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	cfg := addStoreFlags(fs, e)
	if code, ok := parseNoArgs(fs, args); !ok {
		return code
	}
	s, code, ok := cfg.start(ctx, e, "audit verify", false)
	if !ok {
		return code
	}
	defer s.Close()
	res, err := s.Catalog.VerifyAuditChain(ctx)
	if err != nil {
		fmt.Fprintln(e.stderr, "sohoa audit verify:", err)
		return exitCode(err)
	}
	if *asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	} else if res.OK {
		fmt.Fprintf(e.stdout, "audit log intact: %d entries\n", res.Entries)
	} else {
		fmt.Fprintf(e.stdout, "audit log BROKEN at seq %d: %s\n", res.FirstBrokenSeq, res.Problem)
	}
	if !res.OK {
		return exitFailure
	}
	return exitOK
}
