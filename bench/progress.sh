#!/usr/bin/env bash
# bench/progress.sh — issue 11's measurements of the progress figures on
# PostgreSQL at scale. Prints Markdown tables.
#
#   bench/progress.sh                          # everything, as in BENCHMARKS.md
#   DOSSIERS=200000 N=50 bench/progress.sh     # quicker
#   PHASES=query bench/progress.sh             # only the catalog calls (no server)
#   KEEP=1 bench/progress.sh                   # keep the database (its name is printed)
#
# Data: 200 units — a ministry (000.00.00.G05), 20 departments
# (000.DD.00.H05) and 179 one-stop shops under them (000.DD.SS.H05, nine a
# department, eight in the last) — and DOSSIERS dossiers at the shops,
# bulk-loaded with generate_series straight into PostgreSQL (as bench/web.sh
# does) over eight quarters, 2024-Q2 to 2026-Q1 (received 2024-03-15 to
# 2026-03-14, Vietnam time, evenly, at working hours): 70 % resolved with a
# resolved_at 1–30 days after receipt (so a quarter's resolved dossiers
# include the previous quarter's), the rest received or processing;
# digitized in a share that grows from 55 % in the first quarter to 90 % in
# the last, the others incomplete. Periodic reports: three units in four
# submitted one per quarter (a report dossier, its document, a
# verification, mostly TOTAL_PASSED, and the periodic_reports row), some
# after the 25th. Then VACUUM ANALYZE (what autovacuum does after a bulk
# load: index-only scans need the visibility map).
#
# 1. query: bench/progressq (in process, one connection pool, N timed calls
#    after a warm-up, one after the other) calls what `sohoa progress
#    --period 2026-Q1 --json` calls — CountProgress, BuildProgress,
#    FindProgressSnapshot, ApplySnapshot — for the whole ministry and for one
#    department (000.05.00.H05, ten units); and the gap list's first page
#    (`--missing digitized`: FindDossiers, then each dossier's status) for
#    that department and for the ministry. Also `sohoa progress --period
#    2026-Q1 --json` end to end as a process (CLI_N runs), and EXPLAIN
#    ANALYZE of the received-dossiers count into bench/out/progress/.
# 2. dashboard: `sohoa serve` on the same database (S3 from
#    scripts/test-services.sh), signed in as an administrator with a session
#    cookie, bench/webload gets /tien-do?period=2026-Q1 (the whole ministry,
#    with its eight-quarter trend), the same for the department
#    (&unit=000.05.00.H05) and the department's page with its gap
#    (/tien-do/000.05.00.H05) from PAGE_CLIENTS clients; then closes the
#    seven quarters before 2026-Q1 (`sohoa progress close`) and gets the two
#    dashboards again (their trend from the snapshots). Skipped when the web
#    UI has no /tien-do page.
#
# A benchmark, not a test. It takes /tmp/bench.lock while it runs (and waits
# for another holder). Builds go to bench/out/progress/ (git-ignored).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${OUT:-$REPO/bench/out/progress}
DOSSIERS=${DOSSIERS:-1000000}
N=${N:-200}
GAP_N=${GAP_N:-50}
CLI_N=${CLI_N:-10}
PAGE_N=${PAGE_N:-100}
PAGE_CLIENTS=${PAGE_CLIENTS:-1}
PHASES=${PHASES:-"query dashboard"}
PERIOD=2026-Q1
MINISTRY=000.00.00.G05
DEPT=000.05.00.H05
USER_NAME=bench.admin
USER_PASS=bench-progress-Passw0rd-$$

die() { echo "bench/progress.sh: $*" >&2; exit 1; }
say() { echo "bench/progress.sh: $*" >&2; }
has_phase() { [[ " $PHASES " == *" $1 "* ]]; }

# ---------------------------------------------------------------- lock
LOCK=/tmp/bench.lock
waited=0
while ! (set -o noclobber; echo "bench/progress.sh (h-bench11) pid $$ since $(date -Is)" >"$LOCK") 2>/dev/null; do
	[ $((waited % 60)) -eq 0 ] && say "waiting for $LOCK: $(cat "$LOCK" 2>/dev/null)"
	sleep 5
	waited=$((waited + 5))
	[ "$waited" -lt 3600 ] || die "$LOCK still held after an hour"
done

SERVE_PID=
DB=
cleanup() {
	if [ -n "$SERVE_PID" ]; then kill "$SERVE_PID" 2>/dev/null || true; wait "$SERVE_PID" 2>/dev/null || true; fi
	if [ -n "$DB" ] && [ -z "${KEEP:-}" ]; then
		psql -q "$SOHOA_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
	fi
	rm -f "$LOCK"
}
trap cleanup EXIT

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$OUT"
say "building sohoa, progressq and webload..."
go build -o "$OUT/sohoa" ./cmd/sohoa
go build -o "$OUT/progressq" ./bench/progressq
go build -o "$OUT/webload" ./bench/webload
SOHOA=$OUT/sohoa

# ---------------------------------------------------------------- backend
if [ -z "${SOHOA_TEST_DATABASE_URL:-}" ] || { has_phase dashboard && [ -z "${SOHOA_TEST_S3_ENDPOINT:-}" ]; }; then
	# shellcheck source=scripts/test-services.sh
	SOHOA_TEST_SERVICES=$(has_phase dashboard && echo all || echo pg) source scripts/test-services.sh
fi
[ -n "${SOHOA_TEST_DATABASE_URL:-}" ] || die "no PostgreSQL (scripts/test-services.sh)"
DB=sohoa_bench_progress_$$
psql -q "$SOHOA_TEST_DATABASE_URL" -c "CREATE DATABASE $DB" >/dev/null
export SOHOA_DATABASE_URL=${SOHOA_TEST_DATABASE_URL%/*}/$DB?sslmode=disable
export SOHOA_DATA_DIR=$OUT/data
rm -rf "$SOHOA_DATA_DIR"
mkdir -p "$SOHOA_DATA_DIR"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 "$SOHOA_DATABASE_URL" -c "$1"; }

# The catalog (migrations, audit key) through sohoa itself; the rest in SQL.
"$SOHOA" unit add "$MINISTRY" "Bộ (bench)" >/dev/null
"$SOHOA" procedure add BENCH.1 "Bench" --components "Đơn;Giấy tờ" >/dev/null
SOHOA_PASSWORD=$USER_PASS "$SOHOA" user add "$USER_NAME" --role admin >/dev/null

say "200 units, $DOSSIERS dossiers over eight quarters, quarterly reports..."
t0=$(date +%s.%N)
sql "INSERT INTO units (code, name, parent_code, created_at)
	SELECT '000.' || lpad(d::text, 2, '0') || '.00.H05', 'Sở ' || d, '$MINISTRY', now() FROM generate_series(1, 20) d"
sql "INSERT INTO units (code, name, parent_code, created_at)
	SELECT '000.' || lpad(d::text, 2, '0') || '.' || lpad(s::text, 2, '0') || '.H05', 'Một cửa ' || d || '.' || s,
		'000.' || lpad(d::text, 2, '0') || '.00.H05', now()
	FROM generate_series(1, 20) d, generate_series(1, 9) s WHERE d < 20 OR s < 9"
[ "$(sql "SELECT count(*) FROM units")" = 200 ] || die "not 200 units"
sql "DROP INDEX IF EXISTS dossiers_code_trgm_idx"
# Shop i % 179, its j-th dossier (j = i / 179) received j/PER of the way
# through the 730 days from 2024-03-15 07:30 (+07), plus up to 10 hours.
sql "INSERT INTO dossiers (code, unit_code, procedure_code, received_at, due_at, resolved_at, status, digitization_state, created_at)
	WITH shops AS (SELECT (row_number() OVER (ORDER BY code) - 1)::int AS n, code FROM units WHERE code NOT LIKE '%.00.%')
	SELECT s.code || '-' || to_char(t AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-' || lpad((j + 1)::text, 4, '0'),
		s.code, 'BENCH.1', t, t + interval '15 days',
		CASE WHEN i % 10 < 7 THEN t + (i % 30 + 1) * interval '1 day' END,
		CASE WHEN i % 10 < 7 THEN 'resolved' WHEN i % 10 < 9 THEN 'processing' ELSE 'received' END,
		CASE WHEN (i::bigint * 2654435761 % 1000003) % 100 < 55 + 5 * (j * 8 / per) THEN 'digitized' ELSE 'incomplete' END,
		t
	FROM generate_series(0, $DOSSIERS - 1) AS i,
		LATERAL (SELECT i / 179 AS j, ($DOSSIERS + 178) / 179 AS per) k,
		LATERAL (SELECT timestamptz '2024-03-15 07:30:00+07' + (j::float8 / per * 730) * interval '1 day'
			+ (i::bigint * 7919 % 36000) * interval '1 second' AS t) x,
		shops s WHERE s.n = i % 179"
# Reports: eight quarters; unit k skips the quarters where (k + q) % 4 = 0;
# submitted between the 10th and the 29th of the quarter's last month
# (after the 25th: late); one in ten not (yet) verified as passed.
sql "INSERT INTO procedures (code, name, required_components, created_at) VALUES ('BC.DINHKY', 'Báo cáo định kỳ', '[]', now()) ON CONFLICT DO NOTHING"
sql "CREATE TABLE bench_reports AS
	WITH u AS (SELECT (row_number() OVER (ORDER BY code))::int AS k, code FROM units),
	q AS (SELECT q, p, last_month FROM (VALUES
		(0, '2024-Q2', date '2024-06-01'), (1, '2024-Q3', date '2024-09-01'), (2, '2024-Q4', date '2024-12-01'),
		(3, '2025-Q1', date '2025-03-01'), (4, '2025-Q2', date '2025-06-01'), (5, '2025-Q3', date '2025-09-01'),
		(6, '2025-Q4', date '2025-12-01'), (7, '2026-Q1', date '2026-03-01')) v(q, p, last_month))
	SELECT u.k, u.code AS unit_code, q.p AS period,
		(q.last_month + (9 + (u.k * 7 + q.q * 3) % 20) * interval '1 day' + interval '9 hours')::timestamp AT TIME ZONE 'Asia/Ho_Chi_Minh' AS at,
		CASE WHEN (u.k + q.q) % 10 = 3 THEN 'INDETERMINATE' ELSE 'TOTAL_PASSED' END AS indication
	FROM u, q WHERE (u.k + q.q) % 4 <> 0"
sql "INSERT INTO dossiers (code, unit_code, procedure_code, received_at, status, digitization_state, created_at)
	SELECT unit_code || '-BC-' || period, unit_code, 'BC.DINHKY', at, 'received', 'incomplete', at FROM bench_reports"
sql "INSERT INTO documents (dossier_code, blob_key, size, file_name, media_type, role, source, uploaded_by, created_at)
	SELECT unit_code || '-BC-' || period, md5(unit_code || period) || md5(period || unit_code), 100000, 'bao-cao.pdf',
		'application/pdf', 'report', 'web', '$USER_NAME', at FROM bench_reports"
sql "INSERT INTO verifications (document_id, indication, report, verifier_version, created_at)
	SELECT d.id, r.indication, '{}', 'bench', r.at + interval '5 seconds'
	FROM bench_reports r JOIN documents d ON d.dossier_code = r.unit_code || '-BC-' || r.period"
sql "INSERT INTO periodic_reports (unit_code, period, document_id, submitted_at)
	SELECT r.unit_code, r.period, d.id, r.at FROM bench_reports r JOIN documents d ON d.dossier_code = r.unit_code || '-BC-' || r.period"
sql "DROP TABLE bench_reports"
sql "CREATE INDEX dossiers_code_trgm_idx ON dossiers USING gin (LOWER(code) gin_trgm_ops)"
sql "VACUUM ANALYZE"
load_s=$(awk -v s="$t0" -v now="$(date +%s.%N)" 'BEGIN { printf "%.0f", now - s }')
total=$(sql "SELECT count(*) FROM dossiers WHERE procedure_code <> 'BC.DINHKY'")
in_period=$(sql "SELECT count(*) FROM dossiers WHERE procedure_code <> 'BC.DINHKY' AND received_at >= '2025-12-15 00:00+07' AND received_at < '2026-03-15 00:00+07'")
in_dept=$(sql "SELECT count(*) FROM dossiers WHERE unit_code LIKE '000.05.%' AND procedure_code <> 'BC.DINHKY' AND received_at >= '2025-12-15 00:00+07' AND received_at < '2026-03-15 00:00+07'")
reports=$(sql "SELECT count(*) FROM periodic_reports")
db_mb=$(sql "SELECT pg_database_size(current_database()) / 1048576")
say "loaded in ${load_s}s: $total dossiers ($in_period received in $PERIOD, $in_dept of them in $DEPT's subtree), $reports reports, $db_mb MiB"

load() { local key val; while IFS="=" read -r key val; do printf -v "$2$key" "%s" "$val"; done <"$1"; }
ROWS=()
row() { ROWS+=("$1"); echo "$1" >&2; }
met() { awk -v r="$1" -v t="$2" 'BEGIN { print (r < t ? "p95 < " t " ms: met" : "p95 < " t " ms: **missed**") }'; }

# ---------------------------------------------------------------- 1. catalog calls
if has_phase query; then
	q() { # q NAME ARGS...: one progressq run into $OUT/q-NAME.txt
		local name=$1
		shift
		"$OUT/progressq" -database-url "$SOHOA_DATABASE_URL" -period "$PERIOD" "$@" >"$OUT/q-$name.txt"
		load "$OUT/q-$name.txt" r_
	}
	say "figures, whole ministry..."
	q ministry -n "$N" -warmup 20
	row "| figures, whole ministry ($r_rows units) | $r_p50_ms ms | **$r_p95_ms ms** | $r_p99_ms ms | $r_rate | $(met "$r_p95_ms" 100) |"
	say "figures, one department..."
	q dept -unit "$DEPT" -n "$N" -warmup 20
	row "| figures, one department ($DEPT, $r_rows units) | $r_p50_ms ms | **$r_p95_ms ms** | $r_p99_ms ms | $r_rate | $(met "$r_p95_ms" 100) |"
	say "gap list, first page..."
	q gap-dept -unit "$DEPT" -missing digitized -n "$GAP_N" -warmup 5
	row "| gap list \`--missing digitized\`, first page ($r_rows dossiers), one department | $r_p50_ms ms | **$r_p95_ms ms** | $r_p99_ms ms | $r_rate | recorded |"
	q gap-ministry -missing digitized -n "$GAP_N" -warmup 5
	row "| gap list \`--missing digitized\`, first page ($r_rows dossiers), whole ministry | $r_p50_ms ms | **$r_p95_ms ms** | $r_p99_ms ms | $r_rate | recorded |"
	say "sohoa progress --json as a process, $CLI_N runs..."
	cli=()
	for _ in $(seq 1 "$CLI_N"); do
		t1=$(date +%s%N)
		"$SOHOA" progress --period "$PERIOD" --json >"$OUT/progress.json"
		cli+=($((($(date +%s%N) - t1) / 1000000)))
	done
	cli_sorted=$(printf '%s\n' "${cli[@]}" | sort -n | tr '\n' ' ')
	cli_p50=$(printf '%s\n' "${cli[@]}" | sort -n | awk -v n="$CLI_N" 'NR == int((n + 1) / 2) { print }')
	cli_max=$(printf '%s\n' "${cli[@]}" | sort -n | tail -n 1)
	row "| \`sohoa progress --period $PERIOD --json\`, whole ministry, as a process (start, open, migrations check, figures, JSON) | $cli_p50 ms | max $cli_max ms | | | recorded ($CLI_N runs: $cli_sorted) |"
	python3 -c "import json,sys; t=json.load(open('$OUT/progress.json'))['total']; print('ministry total:', {k: (v['count'], v['of']) if isinstance(v, dict) and 'count' in v else v for k, v in t.items()})" >&2 2>/dev/null || true
	cnt_sql="SELECT d.unit_code, d.digitization_state, count(*) FROM dossiers d WHERE %s d.received_at >= '2025-12-15 00:00+07' AND d.received_at < '2026-03-15 00:00+07' AND d.procedure_code <> 'BC.DINHKY' GROUP BY d.unit_code, d.digitization_state"
	dept_units=$(sql "SELECT string_agg(quote_literal(code), ',' ORDER BY code) FROM units WHERE code = '$DEPT' OR parent_code = '$DEPT'")
	# shellcheck disable=SC2059
	{
		echo "-- whole ministry"
		sql "EXPLAIN (ANALYZE, BUFFERS) $(printf "$cnt_sql" "")"
		echo "-- one department"
		sql "EXPLAIN (ANALYZE, BUFFERS) $(printf "$cnt_sql" "d.unit_code IN ($dept_units) AND")"
	} >"$OUT/explain-received.txt"
fi

# ---------------------------------------------------------------- 2. dashboard page
DASH=
if has_phase dashboard; then
	if ! grep -rqs '"/tien-do' web/; then
		say "the web UI has no /tien-do page yet: dashboard phase skipped"
	else
		[ -n "${SOHOA_TEST_S3_ENDPOINT:-}" ] || die "no S3 server (scripts/test-services.sh)"
		export SOHOA_S3_ENDPOINT=$SOHOA_TEST_S3_ENDPOINT SOHOA_S3_BUCKET=sohoa-bench-progress-$$ \
			SOHOA_S3_ACCESS_KEY=$SOHOA_TEST_S3_ACCESS_KEY SOHOA_S3_SECRET_KEY=$SOHOA_TEST_S3_SECRET_KEY SOHOA_S3_INSECURE=true
		log=$OUT/serve.log
		"$SOHOA" serve --addr 127.0.0.1:0 --log-level warn >"$log" 2>&1 &
		SERVE_PID=$!
		URL=
		for _ in $(seq 1 200); do
			URL=$(sed -n 's/^sohoa serve: listening on \(http[^ ]*\) .*/\1/p' "$log")
			[ -n "$URL" ] && break
			kill -0 "$SERVE_PID" 2>/dev/null || { cat "$log" >&2; die "sohoa serve exited"; }
			sleep 0.1
		done
		[ -n "$URL" ] || die "sohoa serve did not say where it listens: $log"
		URL=${URL%/}
		page() { # page NAME PATH
			echo "$2" >"$OUT/paths-$1.txt"
			"$OUT/webload" get -url "$URL" -user "$USER_NAME" -password "$USER_PASS" -paths "$OUT/paths-$1.txt" \
				-n "$PAGE_N" -warmup "$((PAGE_N / 10 + 1))" -clients "$PAGE_CLIENTS" >"$OUT/get-$1.txt"
			load "$OUT/get-$1.txt" g_
		}
		say "dashboard at $URL..."
		page dash "/tien-do?period=$PERIOD"
		row "| dashboard \`/tien-do?period=$PERIOD\` (every unit), $PAGE_CLIENTS client(s) | $g_p50_ms ms | **$g_p95_ms ms** | $g_p99_ms ms | $g_rate | $(met "$g_p95_ms" 200) |"
		page dash-dept "/tien-do?period=$PERIOD&unit=$DEPT"
		row "| dashboard \`/tien-do?period=$PERIOD&unit=$DEPT\` (one department's subtree) | $g_p50_ms ms | **$g_p95_ms ms** | $g_p99_ms ms | $g_rate | $(met "$g_p95_ms" 200) |"
		page unit-dept "/tien-do/$DEPT?period=$PERIOD"
		row "| a unit's page with its gap \`/tien-do/$DEPT?period=$PERIOD\` (figures, first page of the gap) | $g_p50_ms ms | **$g_p95_ms ms** | $g_p99_ms ms | $g_rate | recorded |"
		# As a ministry runs it: the seven earlier quarters closed (sohoa
		# progress close, after their deadlines), so their trend comes
		# from the snapshots and only the period itself is counted live.
		say "closing the seven quarters before $PERIOD..."
		for q in 2024-Q2 2024-Q3 2024-Q4 2025-Q1 2025-Q2 2025-Q3 2025-Q4; do
			"$SOHOA" progress close --period "$q" >/dev/null
		done
		page dash-closed "/tien-do?period=$PERIOD"
		row "| dashboard \`/tien-do?period=$PERIOD\` (every unit), the seven earlier quarters closed | $g_p50_ms ms | **$g_p95_ms ms** | $g_p99_ms ms | $g_rate | $(met "$g_p95_ms" 200) |"
		page dash-dept-closed "/tien-do?period=$PERIOD&unit=$DEPT"
		row "| dashboard \`/tien-do?period=$PERIOD&unit=$DEPT\`, the seven earlier quarters closed | $g_p50_ms ms | **$g_p95_ms ms** | $g_p99_ms ms | $g_rate | $(met "$g_p95_ms" 200) |"
		DASH=1
	fi
fi

# ---------------------------------------------------------------- tables
echo
echo "Progress figures on PostgreSQL $(sql "SHOW server_version" | cut -d' ' -f1), $(nproc) CPUs, $(go env GOVERSION), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo '+changes'); load average before: $LOAD0."
echo "200 units; $total dossiers over eight quarters ($in_period received in $PERIOD, $in_dept in $DEPT's subtree), $reports quarterly reports; loaded in $load_s s, database $db_mb MiB."
echo
echo "| measure | p50 | p95 | p99 | calls/s | target |"
echo "| --- | ---: | ---: | ---: | ---: | --- |"
for r in "${ROWS[@]}"; do echo "$r"; done
if has_phase dashboard && [ -z "$DASH" ]; then
	echo
	echo "(dashboard: this tree's web UI has no /tien-do page yet)"
fi
