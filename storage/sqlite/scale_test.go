package sqlite_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
)

// BenchmarkCatalogScale loads SOHOA_CATALOG_BENCH_SQLITE dossiers (default
// 20,000) into a temporary SQLite catalog and times the key queries, one
// sub-benchmark each reporting p50/p95, the embedded default's counterpart
// of storage/postgres's BenchmarkCatalogScale:
//
//	SOHOA_CATALOG_BENCH_SQLITE=200000 go test ./storage/sqlite -run '^$' -bench CatalogScale -benchtime 200x
func BenchmarkCatalogScale(tb *testing.B) {
	t := tb
	n, _ := strconv.Atoi(os.Getenv("SOHOA_CATALOG_BENCH_SQLITE"))
	if n <= 0 {
		n = 20_000
	}
	ctx := context.Background()
	db := open(t, filepath.Join(t.TempDir(), "sohoa.db"))
	w := db.Writer()
	start := time.Now()
	tx, err := w.BeginTx(ctx, nil)
	require.NoError(t, err)
	now := "2026-11-30T00:00:00.000000Z"
	exec := func(q string, args ...any) {
		_, err := tx.ExecContext(ctx, q, args...)
		require.NoError(t, err)
	}
	exec(`INSERT INTO units VALUES ('MIN', 'Bộ', NULL, ?)`, now)
	var deps, oss []string

	for d := 0; d < 4; d++ {
		dep := fmt.Sprintf("DEP%d", d)
		deps = append(deps, dep)
		exec(`INSERT INTO units VALUES (?, ?, 'MIN', ?)`, dep, dep, now)
		for o := 0; o < 5; o++ {
			u := fmt.Sprintf("OSS%d.%d", d, o)
			oss = append(oss, u)

			exec(`INSERT INTO units VALUES (?, ?, ?, ?)`, u, u, dep, now)
		}
	}
	exec(`INSERT INTO procedures VALUES ('P1', 'p', '[]', ?)`, now)
	ins, err := tx.PrepareContext(ctx, `INSERT INTO dossiers (code, unit_code, procedure_code, received_at, due_at, resolved_at, status, digitization_state, created_at)
		VALUES (?, ?, 'P1', ?, NULL, NULL, 'received', ?, ?)`)
	require.NoError(t, err)
	docIns, err := tx.PrepareContext(ctx, `INSERT INTO documents (dossier_code, blob_key, size, file_name, media_type, role, component_name, source, uploaded_by, created_at)
		VALUES (?, ?, 1, 'a.pdf', 'application/pdf', 'component', '', 'bulk', 'bench', ?)`)
	require.NoError(t, err)
	verIns, err := tx.PrepareContext(ctx, `INSERT INTO verifications (document_id, indication, sub_indication, report, verifier_version, trust_anchors_sha256, created_at)
		VALUES (?, 'TOTAL_PASSED', '', '{"indication":"TOTAL_PASSED"}', 'bench', '', ?)`)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(5, 6))
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var docDossiers []string
	var docIDs []int64
	for i := 0; i < n; i++ {
		u := oss[i%len(oss)]
		at := from.Add(time.Duration(rng.Int64N(int64(2*365*24*time.Hour/time.Second))) * time.Second)
		code := fmt.Sprintf("%s-%08d", u, i)
		state := "incomplete"
		if i%10 == 0 {
			state = "digitized"
		}
		_, err := ins.ExecContext(ctx, code, u, at.Format("2006-01-02T15:04:05.000000Z"), state, now)
		require.NoError(t, err)
		if i%10 == 0 {
			docDossiers = append(docDossiers, code)
			for k := 0; k < 3; k++ {
				res, err := docIns.ExecContext(ctx, code, fmt.Sprintf("%064x", i*3+k+1), now)
				require.NoError(t, err)
				id, _ := res.LastInsertId()
				docIDs = append(docIDs, id)
				_, err = verIns.ExecContext(ctx, id, now)
				require.NoError(t, err)
			}
		}
	}
	require.NoError(t, tx.Commit())
	_, err = w.ExecContext(ctx, `ANALYZE`)
	require.NoError(t, err)
	loaded := time.Since(start)

	q1, _ := sohoa.ParsePeriod("2025-Q3")
	queries := []struct {
		name string
		run  func() error
	}{
		{"dossiers of a unit in a quarter (page of 50)", func() error {
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: oss[rng.IntN(len(oss))], ReceivedFrom: q1.Start(), ReceivedBefore: q1.End()})
			return err
		}},
		{"clerk's list: scope = one unit, quarter", func() error {
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.ScopeOf(oss[rng.IntN(len(oss))]), ReceivedFrom: q1.Start(), ReceivedBefore: q1.End()})
			return err
		}},
		{"department subtree (5 units), quarter", func() error {
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: deps[rng.IntN(len(deps))], IncludeSubunits: true, ReceivedFrom: q1.Start(), ReceivedBefore: q1.End()})
			return err
		}},
		{"count by state, unit + quarter", func() error {
			_, err := db.CountDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: oss[rng.IntN(len(oss))], ReceivedFrom: q1.Start(), ReceivedBefore: q1.End()})
			return err
		}},
		{"documents of a dossier", func() error {
			_, err := db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: docDossiers[rng.IntN(len(docDossiers))]})
			return err
		}},
		{"latest verification per document, 150 documents", func() error {
			ids := make([]int64, 150)
			for i := range ids {
				ids[i] = docIDs[rng.IntN(len(docIDs))]
			}
			_, err := db.LatestVerifications(ctx, ids)
			return err
		}},
	}
	t.Logf("SQLite catalog, %d dossiers, %d documents (load %s)", n, len(docIDs), loaded.Round(time.Millisecond))
	for _, q := range queries {
		tb.Run(q.name, func(b *testing.B) {
			var ds []time.Duration
			for b.Loop() {
				s := time.Now()
				require.NoError(b, q.run())
				ds = append(ds, time.Since(s))
			}
			slices.Sort(ds)
			b.ReportMetric(float64(ds[len(ds)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(ds[len(ds)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}
