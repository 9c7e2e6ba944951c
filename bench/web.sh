#!/usr/bin/env bash
# bench/web.sh — issue 10's measurements of `sohoa serve` on PostgreSQL + S3
# (versitygw) over loopback, driven by the Go load generator bench/webload.
# Prints Markdown tables.
#
#   bench/web.sh                                # everything, as in BENCHMARKS.md
#   COUNT=3000 DOSSIERS=200000 BIG_MB=200 bench/web.sh   # quicker
#   PHASES="upload pages" bench/web.sh          # some phases (upload, big, pages)
#   PROFILE=1 bench/web.sh                      # also, during the uploads, perf-record the server
#                                               # for 15 s and sample PostgreSQL's wait events
#   SYNC_COMMIT=off PHASES=upload bench/web.sh  # diagnostic only: the catalog database with
#                                               # synchronous_commit off (commits no longer wait
#                                               # for the WAL flush; never for production)
#
# 1. upload: COUNT distinct signed ~100 KB PDFs (bench/mkpdf: each its own
#    page image, signed PAdES B-LT by a throw-away test PKI whose root is the
#    server's only trust anchor) uploaded through POST
#    /api/v1/dossiers/{code}/documents by CLIENTS concurrent clients with an
#    API token (sohoa token add), PER_DOSSIER files a dossier. Reports
#    uploads accepted per second, the latency to the 202 (p50/p95/p99), the
#    time until every file is verified (polled in the catalog, so the
#    polling costs the server nothing) and, per file, from its document row
#    to its first verification row. The workers run in the server (the
#    default of `sohoa serve`), so they share the two cores with the uploads.
# 2. big: a fresh server process, one BIG_MB MB scan (bench/mkscan, 300 dpi
#    pages of uncompressed random RGB) uploaded as one streamed request; the
#    server's peak RSS (VmHWM) after the 202 and after its jobs finished.
# 3. pages: DOSSIERS dossiers in all (the rest bulk-loaded with
#    generate_series straight into PostgreSQL, 20 units, 1,000 days); then,
#    signed in with a session cookie, the dossier page (/ho-so/{code}, the
#    dossiers of phase 1, with their files) and the report page
#    (/tai-lieu/{id}/bao-cao) with PAGE_CLIENTS clients; and the dossier
#    search (/ho-so?q= and GET /api/v1/dossiers?q=) without, then with, the
#    trigram index of migration 00006.
#
# A benchmark, not a test. It takes /tmp/bench.lock while it runs (and waits
# for another holder to finish). Builds go to bench/out/web/ (git-ignored),
# as do the generated files (reused while COUNT and SMALL_KB stay the same).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${OUT:-$REPO/bench/out/web}
COUNT=${COUNT:-9000}
SMALL_KB=${SMALL_KB:-58} # image bytes per file, KiB: files are ~100 KB
CLIENTS=${CLIENTS:-50}
PER_DOSSIER=${PER_DOSSIER:-3}
BIG_MB=${BIG_MB:-1010} # mkscan writes 0.99 MB per "MB": about 1.0 GB, under the 1 GiB upload limit
DOSSIERS=${DOSSIERS:-1000000}
PAGE_N=${PAGE_N:-2000}
PAGE_CLIENTS=${PAGE_CLIENTS:-4}
SEARCH_N=${SEARCH_N:-120}
SYNC_COMMIT=${SYNC_COMMIT:-}
PHASES=${PHASES:-"upload big pages"}
PROFILE=${PROFILE:-}
UNIT=000.00.12.G05
PROC=BENCH.1
USER_NAME=bench.admin
USER_PASS=bench-web-Passw0rd-$$

die() { echo "bench/web.sh: $*" >&2; exit 1; }
say() { echo "bench/web.sh: $*" >&2; }
has_phase() { [[ " $PHASES " == *" $1 "* ]]; }
has_phase upload || ! has_phase pages || die "the pages phase needs the upload phase (its dossiers and reports)"

# ---------------------------------------------------------------- lock
LOCK=/tmp/bench.lock
waited=0
while ! (set -o noclobber; echo "bench/web.sh (h-bench) pid $$ since $(date -Is)" >"$LOCK") 2>/dev/null; do
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
say "building sohoa and webload..."
go build -o "$OUT/sohoa" ./cmd/sohoa
go build -o "$OUT/webload" ./bench/webload
SOHOA=$OUT/sohoa
WEBLOAD=$OUT/webload

# ---------------------------------------------------------------- inputs
SMALL=$OUT/small-$COUNT-${SMALL_KB}k
if [ ! -d "$SMALL" ]; then
	say "generating $COUNT signed PDFs with bench/mkpdf (once)..."
	rm -rf "$SMALL.tmp"
	go run ./bench/mkpdf -out "$SMALL.tmp" -pki "$SMALL.tmp/pki" -size small -count "$COUNT" -small-kb "$SMALL_KB" >&2
	mv "$SMALL.tmp" "$SMALL"
fi
BIG=$OUT/big-${BIG_MB}mb/scan-large.pdf
if has_phase big && [ ! -f "$BIG" ]; then
	say "generating a $BIG_MB MB scan with bench/mkscan (once)..."
	rm -rf "$OUT/big-${BIG_MB}mb"
	mkdir -p "$OUT/big-${BIG_MB}mb"
	go run ./bench/mkscan -out "$OUT/big-${BIG_MB}mb" -large-mb "$BIG_MB" >&2
fi
small_size=$(stat -c %s "$SMALL/small-0001.pdf")

# ---------------------------------------------------------------- backend
if [ -z "${SOHOA_TEST_S3_ENDPOINT:-}" ]; then
	# shellcheck source=scripts/test-services.sh
	source scripts/test-services.sh
fi
[ -n "${SOHOA_TEST_S3_ENDPOINT:-}" ] || die "no S3 server (scripts/test-services.sh)"
DB=sohoa_bench_web_$$
psql -q "$SOHOA_TEST_DATABASE_URL" -c "CREATE DATABASE $DB" >/dev/null
if [ -n "$SYNC_COMMIT" ]; then
	psql -q "$SOHOA_TEST_DATABASE_URL" -c "ALTER DATABASE $DB SET synchronous_commit = $SYNC_COMMIT" >/dev/null
fi
export SOHOA_DATABASE_URL=${SOHOA_TEST_DATABASE_URL%/*}/$DB?sslmode=disable
export SOHOA_S3_ENDPOINT=$SOHOA_TEST_S3_ENDPOINT SOHOA_S3_BUCKET=sohoa-bench-web-$$ \
	SOHOA_S3_ACCESS_KEY=$SOHOA_TEST_S3_ACCESS_KEY SOHOA_S3_SECRET_KEY=$SOHOA_TEST_S3_SECRET_KEY SOHOA_S3_INSECURE=true
export SOHOA_DATA_DIR=$OUT/data
rm -rf "$SOHOA_DATA_DIR"
mkdir -p "$SOHOA_DATA_DIR"
sql() { psql -X -q -At "$SOHOA_DATABASE_URL" -c "$1"; }

"$SOHOA" unit add 000.00.00.G05 "Bộ (bench)" >/dev/null
"$SOHOA" unit add "$UNIT" "Bộ phận Một cửa" --parent 000.00.00.G05 >/dev/null
for i in $(seq -w 1 20); do
	"$SOHOA" unit add "000.00.$i.H05" "Một cửa số $i" --parent 000.00.00.G05 >/dev/null
done
"$SOHOA" procedure add "$PROC" "Bench" --components "Trang 1;Trang 2;Trang 3;Trang 4;Trang 5;Trang 6;Trang 7;Trang 8;Trang 9;Trang 10" >/dev/null
SOHOA_PASSWORD=$USER_PASS "$SOHOA" user add "$USER_NAME" --role admin >/dev/null
TOKEN=$("$SOHOA" token add "$USER_NAME" webload | grep '^sohoa_' | tail -n 1)
[ -n "$TOKEN" ] || die "sohoa token add printed no token"

# start_server: a new `sohoa serve` (workers in process) on a free port;
# sets SERVE_PID and URL.
start_server() {
	local log=$OUT/serve-$1.log
	"$SOHOA" serve --addr 127.0.0.1:0 --trust-dir "$SMALL/pki" --log-level warn >"$log" 2>&1 &
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
	curl -fsS "$URL/readyz" >/dev/null || die "$URL/readyz failed"
}
stop_server() {
	kill "$SERVE_PID"
	wait "$SERVE_PID" 2>/dev/null || true
	SERVE_PID=
}
hwm_mib() { awk '/^VmHWM:/ { printf "%.0f", $2 / 1024 }' "/proc/$SERVE_PID/status"; }
# load FILE: the name=value lines of a webload run, as shell variables
# prefixed with $2.
load() { local key val; while IFS="=" read -r key val; do printf -v "$2$key" "%s" "$val"; done <"$1"; }

ROWS=()
row() { ROWS+=("$1"); echo "$1" >&2; }

# ---------------------------------------------------------------- 1. uploads
if has_phase upload; then
	start_server upload
	say "phase 1: $COUNT uploads from $CLIENTS clients to $URL"
	if [ -n "$PROFILE" ]; then
		command -v perf >/dev/null || die "PROFILE=1 needs perf (Debian package linux-perf)"
		(sleep 2; perf record -q -F 499 -g -p "$SERVE_PID" -o "$OUT/perf-upload.data" -- sleep 15 >/dev/null 2>&1) &
		# What PostgreSQL's busy backends wait on, ten times a second.
		(sleep 2; end=$((SECONDS + 15)); while [ $SECONDS -lt $end ]; do
			sql "SELECT coalesce(wait_event_type, 'CPU') || ':' || coalesce(wait_event, '-') || ' | ' ||
				left(regexp_replace(query, '\s+', ' ', 'g'), 50) FROM pg_stat_activity
				WHERE datname = current_database() AND state = 'active' AND pid <> pg_backend_pid()"
			sleep 0.1
		done | sort | uniq -c | sort -rn | head -15 >"$OUT/pg-waits-upload.txt") &
	fi
	"$WEBLOAD" upload -url "$URL" -token "$TOKEN" -dir "$SMALL" -clients "$CLIENTS" -per-dossier "$PER_DOSSIER" \
		-unit "$UNIT" -procedure "$PROC" -prefix "$UNIT-261130" >"$OUT/upload.txt"
	load "$OUT/upload.txt" up_
	hwm_upload=$(hwm_mib)
	say "accepted $up_accepted in ${up_wall_s}s ($up_rate/s), p99 $up_p99_ms ms; waiting until every file is verified..."
	for _ in $(seq 1 3600); do
		n=$(sql "SELECT count(DISTINCT document_id) FROM verifications")
		[ "$n" -ge "$COUNT" ] && break
		sleep 0.5
	done
	[ "$n" -ge "$COUNT" ] || die "only $n of $COUNT files verified after 30 minutes"
	verified_s=$(awk -v s="$up_start_unix" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - s }')
	# Per file: from its document row to its first verification row.
	IFS='|' read -r v50 v95 v99 vmax <<<"$(sql "SELECT round(percentile_disc(0.5) WITHIN GROUP (ORDER BY s)::numeric, 2),
		round(percentile_disc(0.95) WITHIN GROUP (ORDER BY s)::numeric, 2), round(percentile_disc(0.99) WITHIN GROUP (ORDER BY s)::numeric, 2),
		round(max(s)::numeric, 2)
		FROM (SELECT extract(epoch FROM min(v.created_at) - doc.created_at) AS s FROM documents doc
		JOIN verifications v ON v.document_id = doc.id GROUP BY doc.id, doc.created_at) x")"
	verdicts=$(sql "SELECT string_agg(indication || ' ' || n, ', ') FROM (SELECT indication, count(*) n FROM verifications GROUP BY 1 ORDER BY 1) x")
	hwm_after=$(hwm_mib)
	stop_server
	row "| $CLIENTS clients upload $COUNT distinct signed PDFs ($(awk -v b="$small_size" 'BEGIN { printf "%.0f", b / 1000 }') KB) | **$up_rate uploads/s** accepted ($up_accepted in ${up_wall_s} s) | ≥ 300/s | $(awk -v r="$up_rate" 'BEGIN { print (r >= 300 ? "met" : "missed") }') |"
	row "| latency to the 202 | p50 $up_p50_ms ms, p95 $up_p95_ms ms, **p99 $up_p99_ms ms**, max $up_max_ms ms | p99 < 200 ms | $(awk -v r="$up_p99_ms" 'BEGIN { print (r < 200 ? "met" : "missed") }') |"
	row "| until every file verified (from the first upload) | ${verified_s} s ($(awk -v c="$COUNT" -v s="$verified_s" 'BEGIN { printf "%.0f", c / s }') files/s end to end; $verdicts) | recorded | |"
	row "| per file, upload to verification | p50 ${v50} s, p95 ${v95} s, p99 ${v99} s, max ${vmax} s | recorded | |"
	row "| server peak RSS (VmHWM) | ${hwm_upload} MiB after the uploads, ${hwm_after} MiB after the jobs | recorded | |"
fi

# ---------------------------------------------------------------- 2. one big upload
if has_phase big; then
	start_server big
	hwm_idle=$(hwm_mib)
	say "phase 2: one $(stat -c %s "$BIG") byte upload to $URL"
	"$WEBLOAD" big -url "$URL" -token "$TOKEN" -file "$BIG" -dossier "$UNIT-261130-99999" -unit "$UNIT" -procedure "$PROC" >"$OUT/big.txt"
	load "$OUT/big.txt" big_
	hwm_big=$(hwm_mib)
	for _ in $(seq 1 1200); do
		[ "$(sql "SELECT count(*) FROM inspections WHERE document_id = $big_document_id")" -gt 0 ] &&
			[ "$(sql "SELECT count(*) FROM verifications WHERE document_id = $big_document_id")" -gt 0 ] && break
		sleep 0.5
	done
	hwm_jobs=$(hwm_mib)
	stop_server
	ok() { awk -v r="$1" 'BEGIN { print (r < 150 ? "met" : "missed") }'; }
	row "| one $(awk -v b="$big_bytes" 'BEGIN { printf "%.2f", b / 1e9 }') GB upload (streamed, ${big_wall_s} s, $big_mb_s MB/s): server peak RSS after the 202 | **$hwm_big MiB** (idle server: $hwm_idle MiB) | < 150 MiB | $(ok "$hwm_big") |"
	row "| same, after its inspection and verification | **$hwm_jobs MiB** | < 150 MiB | $(ok "$hwm_jobs") |"
fi

# ---------------------------------------------------------------- 3. pages at DOSSIERS dossiers
if has_phase pages; then
	have=$(sql "SELECT count(*) FROM dossiers")
	bulk=$((DOSSIERS - have))
	say "phase 3: bulk-loading $bulk dossiers (20 units, 1,000 days)..."
	# Codes as Circular 01/2018 would make them: unit-YYMMDD-NNNN, 50 a day
	# per unit; received_at on that day.
	t0=$(date +%s.%N)
	sql "DROP INDEX IF EXISTS dossiers_code_trgm_idx"
	sql "INSERT INTO dossiers (code, unit_code, procedure_code, received_at, status, digitization_state, created_at)
		SELECT u || '-' || to_char(t AT TIME ZONE 'Asia/Ho_Chi_Minh', 'YYMMDD') || '-' || lpad(((i / 20) % 50 + 1)::text, 4, '0'),
			u, '$PROC', t, CASE WHEN i % 3 = 0 THEN 'received' ELSE 'resolved' END,
			CASE WHEN i % 4 = 0 THEN 'incomplete' ELSE 'digitized' END, t
		FROM generate_series(0, $bulk - 1) AS i,
			LATERAL (SELECT '000.00.' || lpad((i % 20 + 1)::text, 2, '0') || '.H05' AS u,
				timestamptz '2026-11-29 09:00:00+07' - (i / 1000) * interval '1 day' + (i % 1000) * interval '20 seconds' AS t) x"
	sql "ANALYZE dossiers"
	load_s=$(awk -v s="$t0" -v now="$(date +%s.%N)" 'BEGIN { printf "%.0f", now - s }')
	total=$(sql "SELECT count(*) FROM dossiers")
	start_server pages
	# The dossiers of phase 1 (with their files) and their reports.
	sql "SELECT '/ho-so/' || dossier_code FROM documents GROUP BY dossier_code ORDER BY md5(dossier_code) LIMIT 1000" >"$OUT/paths-dossier.txt"
	sql "SELECT '/tai-lieu/' || id || '/bao-cao' FROM documents ORDER BY md5(id::text) LIMIT 1000" >"$OUT/paths-report.txt"
	# Search texts: selective (a bulk dossier's day and number: one per
	# unit, 20 hits), broad (a unit: 50,000 hits) and absent (no hit, the
	# worst case for a scan).
	sql "SELECT substr(code, 15) FROM dossiers WHERE unit_code = '000.00.07.H05' ORDER BY md5(code) LIMIT 200" >"$OUT/q-selective.txt"
	printf '00.07.h05\n00.13.H05\n.h05-2611\n' >"$OUT/q-broad.txt"
	printf 'zz-000\nq-99999\nx.00.07\n' >"$OUT/q-absent.txt"
	for k in selective broad absent; do
		sed 's|^|/ho-so?q=|' "$OUT/q-$k.txt" >"$OUT/paths-ui-$k.txt"
		sed 's|^|/api/v1/dossiers?q=|' "$OUT/q-$k.txt" >"$OUT/paths-api-$k.txt"
	done
	get() { # get NAME PATHS N [token]: one webload get run into $OUT/get-NAME.txt
		local auth=(-user "$USER_NAME" -password "$USER_PASS")
		[ "${4:-}" = token ] && auth=(-token "$TOKEN")
		"$WEBLOAD" get -url "$URL" "${auth[@]}" -paths "$2" -n "$3" -warmup "$(($3 / 10 + 1))" -clients "$PAGE_CLIENTS" >"$OUT/get-$1.txt"
		load "$OUT/get-$1.txt" g_
	}
	PROWS=()
	pagerow() {
		PROWS+=("| $1 | $g_p50_ms ms | **$g_p95_ms ms** | $g_p99_ms ms | $g_rate | $2 |")
		echo "${PROWS[-1]}" >&2
	}
	say "dossier and report pages at $total dossiers..."
	get dossier "$OUT/paths-dossier.txt" "$PAGE_N"
	pagerow "dossier page /ho-so/{code} ($PER_DOSSIER files each)" "$(awk -v r="$g_p95_ms" 'BEGIN { print (r < 50 ? "< 50 ms: met" : "< 50 ms: missed") }')"
	get report "$OUT/paths-report.txt" "$PAGE_N"
	pagerow "report page /tai-lieu/{id}/bao-cao" "$(awk -v r="$g_p95_ms" 'BEGIN { print (r < 50 ? "< 50 ms: met" : "< 50 ms: missed") }')"
	search() { # search WHEN
		for k in selective broad absent; do
			get "ui-$k-$1" "$OUT/paths-ui-$k.txt" "$SEARCH_N"
			pagerow "search page /ho-so?q= ($k), $1" "recorded"
			get "api-$k-$1" "$OUT/paths-api-$k.txt" "$SEARCH_N" token
			pagerow "GET /api/v1/dossiers?q= ($k), $1" "recorded"
		done
	}
	say "search without the trigram index..."
	search "no index"
	say "building the trigram index (migration 00006)..."
	t0=$(date +%s.%N)
	sql "CREATE INDEX dossiers_code_trgm_idx ON dossiers USING gin (LOWER(code) gin_trgm_ops)"
	sql "ANALYZE dossiers"
	idx_s=$(awk -v s="$t0" -v now="$(date +%s.%N)" 'BEGIN { printf "%.1f", now - s }')
	idx_mb=$(sql "SELECT pg_relation_size('dossiers_code_trgm_idx') / 1048576")
	search "trigram index"
	sql "EXPLAIN (ANALYZE, COSTS OFF) SELECT code FROM dossiers d WHERE LOWER(d.code) LIKE '%zz-000%' ESCAPE '\\' ORDER BY d.received_at DESC, d.code DESC LIMIT 51" >"$OUT/explain-absent.txt"
	stop_server
fi

# ---------------------------------------------------------------- tables
echo
echo "sohoa serve on PostgreSQL + S3 (versitygw), loopback; $(nproc) CPUs, $(go env GOVERSION), $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- . ':!BENCHMARKS.md' || echo '+changes'); load average before: $LOAD0${SYNC_COMMIT:+; DIAGNOSTIC: synchronous_commit=$SYNC_COMMIT}"
if has_phase upload || has_phase big; then
	echo
	echo "| measure | result | target | |"
	echo "| --- | --- | --- | --- |"
	for r in "${ROWS[@]}"; do echo "$r"; done
fi
if has_phase pages; then
	echo
	echo "At $total dossiers ($bulk bulk-loaded in $load_s s), signed in as an administrator (session cookie; API rows with a token), $PAGE_CLIENTS concurrent clients; trigram index built in $idx_s s, $idx_mb MiB."
	echo
	echo "| page | p50 | p95 | p99 | req/s | target |"
	echo "| --- | ---: | ---: | ---: | ---: | --- |"
	for r in "${PROWS[@]}"; do echo "$r"; done
fi
if [ -n "$PROFILE" ] && [ -f "$OUT/pg-waits-upload.txt" ]; then
	echo
	echo "PostgreSQL wait events during the uploads (samples, busy backends):"
	echo
	sed 's/^/    /' "$OUT/pg-waits-upload.txt"
	echo
	echo "perf: perf report -i $OUT/perf-upload.data"
fi
