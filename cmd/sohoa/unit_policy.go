package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
)

const unitPolicyUsage = `Usage: sohoa unit policy set CODE --require-gov-ca[=false]
       sohoa unit policy list

A unit's policy on its signatures.
  set   --require-gov-ca: the unit's results (kết quả giải quyết TTHC) and
        periodic reports must be signed under the Government CA (chữ ký số
        chuyên dùng Chính phủ); a result whose valid signatures all chain to
        another infrastructure (a public CA under the national root, an
        anchor the unit configured) is then not digitized
        (document.not_gov_ca). --require-gov-ca=false clears it. The
        states of the unit's resolved dossiers are recomputed at once.
  list  the units and their policy`

// runUnitPolicy is `sohoa unit policy …`.
func runUnitPolicy(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, unitPolicyUsage)
	}
	switch args[0] {
	case "set":
		return runUnitPolicySet(ctx, e, args[1:])
	case "list":
		return catalogCmd{name: "unit policy list", usageLine: "", nargs: 0,
			act: func(ctx context.Context, tx sohoa.Catalog, _ []string) (string, error) {
				units, err := tx.FindUnits(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits})
				if err != nil {
					return "", err
				}
				var b strings.Builder
				for _, u := range units {
					fmt.Fprintf(&b, "%-24s %s\n", u.Code, policyText(u))
				}
				return b.String(), nil
			},
		}.run(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sohoa unit policy: unknown subcommand %q (set, list)\n", args[0])
	return exitUsage
}

// policyText is a unit's policy in one line.
func policyText(u *sohoa.Unit) string {
	if u.RequireGovCA {
		return "results and reports: Government CA required (chữ ký số chuyên dùng Chính phủ)"
	}
	return "results and reports: any trusted signature"
}

// runUnitPolicySet stores the policy and its audit entry in one
// transaction, then recomputes the unit's resolved dossiers (each with its
// own state-change audit entry, as the workers write them).
func runUnitPolicySet(ctx context.Context, e *env, args []string) int {
	const name = "unit policy set"
	fs := newFlagSet(e, name, "CODE --require-gov-ca[=false]")
	requireGov := fs.Bool("require-gov-ca", false, "results and periodic reports must be signed under the Government CA (=false clears it)")
	cfg := addStoreFlags(fs, e)
	pos, code, ok := parseInterspersed(fs, args)
	if !ok {
		return code
	}
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == "require-gov-ca" })
	if len(pos) != 1 || !given {
		fmt.Fprintf(e.stderr, "sohoa %s: want CODE and --require-gov-ca (or --require-gov-ca=false)\n", name)
		fs.Usage()
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "sohoa %s: %s\n", name, sohoa.Message(err))
		if sohoa.Code(err) == sohoa.EINTERNAL {
			e.log.Error(name+" failed", "err", err)
		}
		return exitCode(err)
	}
	s, code, ok := cfg.startWith(ctx, e, name, openOptions{AppendsAudit: true})
	if !ok {
		return code
	}
	defer s.Close()
	var u *sohoa.Unit
	err := s.Catalog.WithTx(ctx, func(tx sohoa.Catalog) error {
		var err error
		if u, err = tx.UpdateUnit(ctx, pos[0], sohoa.UnitUpdate{RequireGovCA: requireGov}); err != nil {
			return err
		}
		return appendCLIAudit(ctx, tx, "unit.policy_set", "unit:"+u.Code, map[string]any{"require_gov_ca": u.RequireGovCA})
	})
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(e.stdout, "unit %s: %s\n", u.Code, policyText(u))
	p, err := pipeline.New(pipeline.Config{Catalog: s.Catalog, Logger: e.log})
	if err != nil {
		return fail(err)
	}
	changed, err := p.RecordUnit(ctx, u.Code)
	if err != nil {
		return fail(err)
	}
	fmt.Fprintf(e.stdout, "unit %s: %d resolved dossier(s) changed digitization state\n", u.Code, changed)
	return exitOK
}
