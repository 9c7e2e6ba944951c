// Command progressq times the progress figures' catalog calls against a
// PostgreSQL catalog: the functions `sohoa progress --json`, GET
// /api/v1/progress and the /tien-do pages call (bench/progress.sh drives
// it, issue 11's measurements):
//
//	progressq -database-url URL -period 2026-Q1 [-unit CODE] [-n 200] [-warmup 20]
//	    the figures, report.ReadProgress (CountProgress, BuildProgress,
//	    FindProgressSnapshot, ApplySnapshot) for every unit (no -unit) or
//	    one unit's subtree.
//	progressq -database-url URL -period 2026-Q1 -unit CODE -missing digitized [-limit 20]
//	    the gap list's first page as `sohoa progress --missing` reads it,
//	    report.ReadGap: FindDossiers on the gap's filter, then the
//	    digitization status of each dossier on the page (pipeline.Status:
//	    what it is missing).
//
// Results go to stdout as name=value lines (times in milliseconds) for the
// script to read. Each call runs after the previous one ended, on one
// connection pool, in this process: no HTTP, no JSON encoding, no process
// start.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"math"
	"slices"
	"time"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/pipeline"
	"github.com/sohoa/sohoa/report"
	"github.com/sohoa/sohoa/storage/postgres"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("progressq: ")
	url := flag.String("database-url", "", "PostgreSQL catalog URL")
	periodFlag := flag.String("period", "2026-Q1", "reporting period")
	unit := flag.String("unit", "", "one unit and its subtree (default every unit)")
	n := flag.Int("n", 200, "timed calls")
	warmup := flag.Int("warmup", 20, "untimed calls first")
	missing := flag.String("missing", "", "time the gap list's first page instead: digitized or results_digitized")
	limit := flag.Int("limit", 20, "with -missing: dossiers per page")
	flag.Parse()
	if *url == "" || flag.NArg() > 0 || *n < 1 {
		flag.Usage()
		log.Fatal("bad arguments")
	}
	period, err := sohoa.ParsePeriod(*periodFlag)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	db, err := postgres.Open(ctx, *url, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	f := sohoa.ProgressFilter{Scope: sohoa.AllUnits, UnitCode: *unit, Period: period}

	var call func() (int, error)
	if *missing == "" {
		call = func() (int, error) {
			out, err := report.ReadProgress(ctx, db, f, time.Now(), 0)
			if err != nil {
				return 0, err
			}
			return len(out.Units), nil
		}
	} else {
		pl, err := pipeline.New(pipeline.Config{Catalog: pipeline.OnPostgres(db)})
		if err != nil {
			log.Fatal(err)
		}
		status := func(ctx context.Context, code string) (*sohoa.Dossier, []sohoa.Requirement, error) {
			ds, err := pl.Status(ctx, code)
			if err != nil {
				return nil, nil, err
			}
			return ds.Dossier, ds.Missing, nil
		}
		call = func() (int, error) {
			page, err := report.ReadGap(ctx, db, status, f, sohoa.GapKind(*missing), "", *limit)
			if err != nil {
				return 0, err
			}
			return len(page.Dossiers), nil
		}
	}
	rows := 0
	for range *warmup {
		if rows, err = call(); err != nil {
			log.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, *n)
	start := time.Now()
	for range *n {
		t0 := time.Now()
		if rows, err = call(); err != nil {
			log.Fatal(err)
		}
		lat = append(lat, time.Since(t0))
	}
	wall := time.Since(start)
	slices.Sort(lat)
	fmt.Printf("rows=%d\nn=%d\n", rows, len(lat))
	fmt.Printf("p50_ms=%s\np95_ms=%s\np99_ms=%s\nmax_ms=%s\n", ms(pct(lat, 50)), ms(pct(lat, 95)), ms(pct(lat, 99)), ms(lat[len(lat)-1]))
	fmt.Printf("rate=%.1f\n", float64(len(lat))/wall.Seconds())
}

// pct is the p-th percentile of sorted by the nearest-rank method (a
// latency some call really had).
func pct(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	return sorted[min(max(rank, 1), len(sorted))-1]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f", float64(d)/float64(time.Millisecond)) }
