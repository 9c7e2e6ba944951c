package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/report"
)

// runProgressClose freezes a period's figures: `sohoa progress close
// --period P [--unit CODE] [--early]`. A snapshot is never rewritten:
// closing a closed period is ECONFLICT (exit 1), and there is no --force.
func runProgressClose(ctx context.Context, e *env, args []string) int {
	var periodFlag, unit *string
	var early, asJSON *bool
	var period sohoa.Period
	return catalogCmd{
		name: "progress close", usageLine: "--period P [--unit CODE] [--early] [--json]", nargs: 0, appendsAudit: true,
		setup: func(fs *flag.FlagSet) {
			periodFlag = fs.String("period", "", "the period to close: YYYY-Qn, YYYY-MM or YYYY (required)")
			unit = fs.String("unit", "", "close only this unit and the units below it; default every unit")
			early = fs.Bool("early", false, "close before the report deadline has passed (reports could still arrive on time)")
			asJSON = fs.Bool("json", false, "print what was closed as JSON")
		},
		prepare: func([]string) error {
			if *periodFlag == "" {
				return sohoa.Errorf(sohoa.EINVALID, "--period is required: say which period to close")
			}
			var err error
			period, err = sohoa.ParsePeriod(*periodFlag)
			return err
		},
		act: func(ctx context.Context, tx sohoa.Catalog, _ []string) (string, error) {
			res, err := sohoa.CloseProgress(ctx, tx, sohoa.CloseRequest{Period: period, UnitCode: *unit, Actor: cliActor(), Now: progressNow(), Early: *early})
			if err != nil {
				return "", err
			}
			var b strings.Builder
			if *asJSON {
				err := report.WriteJSON(&b, res)
				return b.String(), err
			}
			what := "every unit"
			if *unit != "" {
				what = *unit + " and the units below it"
			}
			fmt.Fprintf(&b, "Closed %s for %s at %s Vietnam time: %d units frozen", res.Period, what, localTime(res.ClosedAt), len(res.Units))
			if res.AlreadyClosed > 0 {
				fmt.Fprintf(&b, " (%d were closed before and keep their snapshot)", res.AlreadyClosed)
			}
			if res.Early {
				b.WriteString(", early: before the report deadline")
			}
			fmt.Fprintf(&b, ".\n`sohoa progress --period %s` now shows the snapshot, and beside it any later change.\n", res.Period)
			return b.String(), nil
		},
	}.run(ctx, e, args)
}
