package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa"
)

const unitTargetUsage = `Usage: sohoa unit target set CODE [--digitized N] [--results N] [--reports N]
       sohoa unit target list [--unit CODE]
       sohoa unit target clear CODE

A unit's targets (chỉ tiêu), in percent from 1 to 100 (default 100 each), measure its progress
figures (its own and its subtree's): digitized dossiers, digitized results, and reports signed and
on time. A unit without its own uses 100%; targets are not inherited by the units below.
  set    store a unit's targets (replacing its earlier ones)
  list   list the units with their own targets
  clear  remove a unit's targets (back to 100%)`

// runUnitTarget is `sohoa unit target …`.
func runUnitTarget(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 || isHelp(args[0]) {
		return subcommandUsage(e, args, unitTargetUsage)
	}
	switch args[0] {
	case "set":
		var digitized, results, reports *int
		return catalogCmd{name: "unit target set", usageLine: "CODE [--digitized N] [--results N] [--reports N]", nargs: 1, appendsAudit: true,
			setup: func(fs *flag.FlagSet) {
				digitized = fs.Int("digitized", sohoa.DefaultTarget, "target of dossiers digitized at intake, in percent")
				results = fs.Int("results", sohoa.DefaultTarget, "target of resolved dossiers with a digitized result, in percent")
				reports = fs.Int("reports", sohoa.DefaultTarget, "target of reports signed and of reports on time, in percent")
			},
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				t := &sohoa.UnitTargets{UnitCode: pos[0], Targets: sohoa.Targets{Digitized: *digitized, Results: *results, Reports: *reports}}
				if err := tx.SetUnitTargets(ctx, t); err != nil {
					return "", err
				}
				details, _ := json.Marshal(t.Targets)
				if err := tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: cliActor(), Action: "unit.targets.set", Object: "unit:" + t.UnitCode, Details: details}); err != nil {
					return "", err
				}
				return fmt.Sprintf("unit %s targets: digitized %d%%, results %d%%, reports %d%%\n", t.UnitCode, t.Digitized, t.Results, t.Reports), nil
			},
		}.run(ctx, e, args[1:])
	case "clear":
		return catalogCmd{name: "unit target clear", usageLine: "CODE", nargs: 1, appendsAudit: true,
			act: func(ctx context.Context, tx sohoa.Catalog, pos []string) (string, error) {
				if err := tx.DeleteUnitTargets(ctx, pos[0]); err != nil {
					return "", err
				}
				if err := tx.AppendAudit(ctx, &sohoa.AuditEntry{Actor: cliActor(), Action: "unit.targets.clear", Object: "unit:" + pos[0]}); err != nil {
					return "", err
				}
				return fmt.Sprintf("unit %s targets cleared: 100%% for every rate\n", pos[0]), nil
			},
		}.run(ctx, e, args[1:])
	case "list":
		var unit *string
		return catalogCmd{name: "unit target list", usageLine: "[--unit CODE]", nargs: 0,
			setup: func(fs *flag.FlagSet) { unit = fs.String("unit", "", "only this unit and the units below it") },
			act: func(ctx context.Context, tx sohoa.Catalog, _ []string) (string, error) {
				ts, err := tx.FindUnitTargets(ctx, sohoa.UnitFilter{Scope: sohoa.AllUnits, Under: *unit})
				if err != nil {
					return "", err
				}
				var b strings.Builder
				if len(ts) == 0 {
					b.WriteString("No unit has its own targets: 100% for every rate.\n")
				}
				for _, t := range ts {
					fmt.Fprintf(&b, "%-24s digitized %3d%%  results %3d%%  reports %3d%%  (set %s)\n", t.UnitCode, t.Digitized, t.Results, t.Reports, localTime(t.UpdatedAt))
				}
				return b.String(), nil
			},
		}.run(ctx, e, args[1:])
	}
	fmt.Fprintf(e.stderr, "sohoa unit target: unknown subcommand %q (set, list, clear)\n", args[0])
	return exitUsage
}
