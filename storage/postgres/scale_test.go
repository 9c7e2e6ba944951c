package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/sohoa/sohoa"
	"github.com/sohoa/sohoa/storage/postgres"
	"github.com/sohoa/sohoa/storage/postgres/pgtest"
)

// BenchmarkCatalogScale loads SOHOA_CATALOG_BENCH dossiers (default
// 20,000; 1000000 for the BENCHMARKS.md figures) into a database of its own
// and times the key catalog queries through the Catalog API, one
// sub-benchmark each reporting p50/p95/max, logging the EXPLAIN ANALYZE
// plan of each:
//
//	SOHOA_CATALOG_BENCH=1000000 go test ./storage/postgres -run '^$' -bench CatalogScale -benchtime 300x -timeout 30m
func BenchmarkCatalogScale(tb *testing.B) {
	t := tb
	n, _ := strconv.Atoi(os.Getenv("SOHOA_CATALOG_BENCH"))
	if n <= 0 {
		n = 20_000
	}
	ctx := context.Background()
	url := pgtest.NewDatabase(t, "catalog_bench")
	tr := &lastQuery{}
	db, err := postgres.Open(ctx, url, nil, postgres.WithPoolConfig(func(c *pgxpool.Config) { c.ConnConfig.Tracer = tr }))
	require.NoError(t, err)
	defer db.Close()

	l := loadScale(t, ctx, db, n)

	rng := rand.New(rand.NewPCG(1, 2))
	quarters := []sohoa.Period{}
	for y := 2025; y <= 2026; y++ {
		for q := 1; q <= 4; q++ {
			quarters = append(quarters, sohoa.Period{Kind: sohoa.PeriodQuarter, Year: y, Number: q})
		}
	}
	randQuarter := func() sohoa.Period { return quarters[rng.IntN(len(quarters))] }
	randOSS := func() string { return l.oss[rng.IntN(len(l.oss))] }
	randDep := func() string { return l.deps[rng.IntN(len(l.deps))] }
	randDocDossier := func() string { return l.docDossiers[rng.IntN(len(l.docDossiers))] }

	type query struct {
		name string
		run  func() error
	}
	queries := []query{
		{"dossiers of a unit in a quarter (first page of 50)", func() error {
			q := randQuarter()
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: randOSS(), ReceivedFrom: q.Start(), ReceivedBefore: q.End(), Limit: 50})
			return err
		}},
		{"same, first 10 pages by cursor (10 queries)", func() error {
			q := randQuarter()
			f := sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: randOSS(), ReceivedFrom: q.Start(), ReceivedBefore: q.End(), Limit: 50}
			p, err := db.FindDossiers(ctx, f)
			for i := 0; i < 9 && err == nil && p.NextCursor != ""; i++ {
				f.Cursor = p.NextCursor
				p, err = db.FindDossiers(ctx, f)
			}
			return err
		}},
		{"same, scoped to the unit's department (user scope)", func() error {
			q := randQuarter()
			oss := randOSS()
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.ScopeOf(l.parent[oss]), UnitCode: oss, ReceivedFrom: q.Start(), ReceivedBefore: q.End(), Limit: 50})
			return err
		}},
		{"dossiers of a department subtree (10 units) in a quarter", func() error {
			q := randQuarter()
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: randDep(), IncludeSubunits: true, ReceivedFrom: q.Start(), ReceivedBefore: q.End(), Limit: 50})
			return err
		}},
		{"clerk's list: scope = one unit, no unit filter, quarter", func() error {
			q := randQuarter()
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.ScopeOf(randOSS()), ReceivedFrom: q.Start(), ReceivedBefore: q.End(), Limit: 50})
			return err
		}},
		{"auditor's list: scope = a department (10 units), quarter", func() error {
			q := randQuarter()
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.ScopeOf(randDep()), ReceivedFrom: q.Start(), ReceivedBefore: q.End(), Limit: 50})
			return err
		}},
		{"auditor's list, digitized only, newest first", func() error {
			q := randQuarter()
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.ScopeOf(randDep()), ReceivedFrom: q.Start(), ReceivedBefore: q.End(),
				States: []sohoa.DigitizationState{sohoa.DigitizationDigitized}, Descending: true, Limit: 50})
			return err
		}},
		{"dossiers of the whole ministry in a quarter", func() error {
			q := randQuarter()
			_, err := db.FindDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, ReceivedFrom: q.Start(), ReceivedBefore: q.End(), Limit: 50})
			return err
		}},
		{"count by digitization state, unit + quarter", func() error {
			q := randQuarter()
			_, err := db.CountDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: randOSS(), ReceivedFrom: q.Start(), ReceivedBefore: q.End()})
			return err
		}},
		{"count by unit and state, department subtree + quarter", func() error {
			q := randQuarter()
			_, err := db.CountDossiers(ctx, sohoa.DossierFilter{Scope: sohoa.AllUnits, UnitCode: randDep(), IncludeSubunits: true, ReceivedFrom: q.Start(), ReceivedBefore: q.End()})
			return err
		}},
		{"documents of a dossier", func() error {
			_, err := db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.AllUnits, DossierCode: randDocDossier()})
			return err
		}},
		{"documents of a dossier, user scope", func() error {
			code := randDocDossier()
			_, err := db.FindDocuments(ctx, sohoa.DocumentFilter{Scope: sohoa.ScopeOf(l.deps[rng.IntN(len(l.deps))]), DossierCode: code})
			return err
		}},
		{"latest verification of one document", func() error {
			_, err := db.LatestVerification(ctx, l.docIDs[rng.IntN(len(l.docIDs))])
			return err
		}},
		{"latest verification per document, 3 documents", func() error {
			i := rng.IntN(len(l.docIDs) - 3)
			_, err := db.LatestVerifications(ctx, l.docIDs[i:i+3])
			return err
		}},
		{"latest verification per document, 150 documents", func() error {
			ids := make([]int64, 150)
			for i := range ids {
				ids[i] = l.docIDs[rng.IntN(len(l.docIDs))]
			}
			_, err := db.LatestVerifications(ctx, ids)
			return err
		}},
		{"dossier by code", func() error {
			_, err := db.FindDossierByCode(ctx, randDocDossier())
			return err
		}},
	}

	t.Logf("Catalog on PostgreSQL, %d dossiers, %d documents, %d verifications (load %s)",
		l.dossiers, l.documents, l.verifications, l.loadTime.Round(time.Second))
	for _, q := range queries {
		tb.Run(q.name, func(b *testing.B) {
			// Warm up, then capture the SQL of one run for EXPLAIN ANALYZE.
			for i := 0; i < 20; i++ {
				require.NoError(b, q.run(), q.name)
			}
			tr.reset()
			require.NoError(b, q.run())
			sql, args := tr.get()
			b.Logf("EXPLAIN (ANALYZE, BUFFERS) of its last SQL statement:\n%s", explain(b, ctx, db, sql, args))
			var ds []time.Duration
			for b.Loop() {
				start := time.Now()
				require.NoError(b, q.run(), q.name)
				ds = append(ds, time.Since(start))
			}
			slices.Sort(ds)
			b.ReportMetric(msf(ds[len(ds)/2]), "p50-ms")
			b.ReportMetric(msf(ds[len(ds)*95/100]), "p95-ms")
			b.ReportMetric(msf(ds[len(ds)-1]), "max-ms")
		})
	}
}

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// lastQuery remembers the last SQL statement the pool ran.
type lastQuery struct {
	mu   sync.Mutex
	sql  string
	args []any
}

func (l *lastQuery) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.sql, l.args = d.SQL, d.Args
	return ctx
}
func (l *lastQuery) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (l *lastQuery) reset()                                                          { l.mu.Lock(); l.sql = ""; l.mu.Unlock() }
func (l *lastQuery) get() (string, []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.sql, l.args
}

func explain(t testing.TB, ctx context.Context, db *postgres.DB, sql string, args []any) string {
	t.Helper()
	rows, err := db.Pool().Query(ctx, "EXPLAIN (ANALYZE, BUFFERS) "+sql, args...)
	require.NoError(t, err)
	lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return strings.Join(lines, "\n")
}

// scale is what loadScale created, for picking query parameters.
type scale struct {
	deps, oss                          []string
	parent                             map[string]string
	docDossiers                        []string
	docIDs                             []int64
	dossiers, documents, verifications int
	loadTime                           time.Duration
}

// loadScale fills the catalog: 1 ministry, 10 departments, 100 one-stop
// shops, 50 procedures; n dossiers spread over 2025–2026; 3 documents for
// every tenth dossier, each with a verification and a third of them with
// a second (an older INDETERMINATE run).
func loadScale(t testing.TB, ctx context.Context, db *postgres.DB, n int) *scale {
	start := time.Now()
	pool := db.Pool()
	s := &scale{parent: map[string]string{}}
	now := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)

	units := [][]any{{"000.00.00.H01", "Bộ Ví dụ", nil, now}}
	for d := 0; d < 10; d++ {
		dep := fmt.Sprintf("000.00.%02d.H01", d+1)
		s.deps = append(s.deps, dep)
		units = append(units, []any{dep, "Cục " + dep, "000.00.00.H01", now})
		for o := 0; o < 10; o++ {
			oss := fmt.Sprintf("000.%02d.%02d.H01", o+1, d+1)
			s.oss = append(s.oss, oss)
			s.parent[oss] = dep
			units = append(units, []any{oss, "Bộ phận Một cửa " + oss, dep, now})
		}
	}
	copyRows(t, ctx, pool, "units", []string{"code", "name", "parent_code", "created_at"}, pgx.CopyFromRows(units))
	var procs [][]any
	for p := 0; p < 50; p++ {
		procs = append(procs, []any{fmt.Sprintf("1.%06d", p), fmt.Sprintf("Thủ tục %d", p), `["Đơn đề nghị","Bản sao giấy tờ"]`, now})
	}
	copyRows(t, ctx, pool, "procedures", []string{"code", "name", "required_components", "created_at"}, pgx.CopyFromRows(procs))

	// Dossiers: unit i%100, received at spread over two years; codes per
	// unit and local day as sohoa generates them.
	from := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	span := int64(2 * 365 * 24 * time.Hour / time.Second)
	rng := rand.New(rand.NewPCG(3, 4))
	counters := map[string]int{}
	statuses := []string{"received", "processing", "resolved", "returned"}
	i := 0
	var docDossiers []string
	dossierSrc := pgx.CopyFromFunc(func() ([]any, error) {
		if i >= n {
			return nil, nil
		}
		unit := s.oss[i%len(s.oss)]
		at := from.Add(time.Duration(rng.Int64N(span)) * time.Second)
		key := unit + sohoa.DossierDay(at)
		counters[key]++
		code := sohoa.FormatDossierCode(unit, at, counters[key])
		state := "incomplete"
		if i%10 == 0 {
			state = "digitized"
			docDossiers = append(docDossiers, code)
		}
		due := at.Add(15 * 24 * time.Hour)
		i++
		return []any{code, unit, fmt.Sprintf("1.%06d", i%50), at, due, nil, statuses[i%4], state, now}, nil
	})
	copyRows(t, ctx, pool, "dossiers", []string{"code", "unit_code", "procedure_code", "received_at", "due_at", "resolved_at",
		"status", "digitization_state", "created_at"}, dossierSrc)
	s.dossiers = n
	s.docDossiers = docDossiers

	j := 0
	docSrc := pgx.CopyFromFunc(func() ([]any, error) {
		if j >= 3*len(docDossiers) {
			return nil, nil
		}
		code := docDossiers[j/3]
		key := fmt.Sprintf("%064x", j+1)
		j++
		return []any{code, key, int64(100_000 + j%1000), fmt.Sprintf("scan-%d.pdf", j%3), "application/pdf", "component",
			"Đơn đề nghị", "bulk", "bench", now}, nil
	})
	copyRows(t, ctx, pool, "documents", []string{"dossier_code", "blob_key", "size", "file_name", "media_type", "role",
		"component_name", "source", "uploaded_by", "created_at"}, docSrc)
	rows, err := pool.Query(ctx, `SELECT id FROM documents ORDER BY id`)
	require.NoError(t, err)
	s.docIDs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	require.NoError(t, err)
	s.documents = len(s.docIDs)

	report := `{"format":"pdf","indication":"TOTAL_PASSED","signatures":[{"field":"Signature1","indication":"TOTAL_PASSED","signer":"CN=Nguyễn Văn A"}],"verifier_version":"bench"}`
	anchors := strings.Repeat("ab", 32)
	var verRows [][]any
	for _, id := range s.docIDs {
		if id%3 == 0 {
			verRows = append(verRows, []any{id, "INDETERMINATE", "TRY_LATER", report, "bench", anchors, now.Add(-time.Hour)})
		}
		verRows = append(verRows, []any{id, "TOTAL_PASSED", "", report, "bench", anchors, now})
	}
	copyRows(t, ctx, pool, "verifications", []string{"document_id", "indication", "sub_indication", "report", "verifier_version",
		"trust_anchors_sha256", "created_at"}, pgx.CopyFromRows(verRows))
	s.verifications = len(verRows)

	for _, tbl := range []string{"units", "procedures", "dossiers", "documents", "verifications"} {
		_, err := pool.Exec(ctx, "VACUUM ANALYZE "+tbl)
		require.NoError(t, err)
	}
	s.loadTime = time.Since(start)
	t.Logf("loaded %d dossiers, %d documents, %d verifications in %s", n, s.documents, s.verifications, s.loadTime.Round(time.Second))
	return s
}

func copyRows(t testing.TB, ctx context.Context, pool *pgxpool.Pool, table string, cols []string, src pgx.CopyFromSource) {
	t.Helper()
	start := time.Now()
	n, err := pool.CopyFrom(ctx, pgx.Identifier{table}, cols, src)
	require.NoError(t, err, table)
	t.Logf("COPY %s: %d rows in %s", table, n, time.Since(start).Round(time.Millisecond))
}
