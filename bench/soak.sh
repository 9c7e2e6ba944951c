#!/usr/bin/env bash
# bench/soak.sh — reliability soak on PostgreSQL + S3: for MINUTES minutes,
# rounds of `sohoa ingest --no-wait` (killed with SIGKILL at random and run
# again, or abandoned, leaving orphan blobs behind), two `sohoa work`
# processes killed at random and restarted, and `sohoa fsck --gc
# --gc-min-age 0s` in a loop. A file's bytes stay the same for four rounds
# (a generation comment after its %%EOF changes every four), so later rounds
# store bytes an abandoned round left as orphans while gc deletes them: the
# race of issue 8. Then the queue is drained and the archive must be clean:
# every imported file's document present with its blob, `sohoa fsck
# --verify-hashes` ok, `sohoa audit verify` ok. Prints a Markdown table.
#
#   bench/soak.sh                   # 30 minutes
#   MINUTES=5 bench/soak.sh         # quicker
#   FILES=200 ROUND=60 bench/soak.sh
#
# A benchmark, not a test: nothing in the test suite runs it. PostgreSQL and
# the S3 server come from scripts/test-services.sh; each run gets a new
# database and bucket. Logs and the data directory stay in bench/out/soak/.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${OUT:-$REPO/bench/out/soak}
MINUTES=${MINUTES:-30}
FILES=${FILES:-300}  # distinct signed PDFs in the pool
ROUND=${ROUND:-80}   # files per import round (each round: new dossiers, bytes re-used)
UNIT=000.00.12.G05
PROC=SOAK.1

die() { echo "bench/soak.sh: $*" >&2; exit 1; }
rm -rf "$OUT"
mkdir -p "$OUT"

echo "building sohoa..." >&2
go build -o "$OUT/sohoa" ./cmd/sohoa
SOHOA=$OUT/sohoa

echo "generating $FILES signed PDFs with bench/mkpdf..." >&2
go run ./bench/mkpdf -out "$OUT/pool" -pki "$OUT/pool/pki" -size small -count "$FILES" -small-kb 4 >/dev/null

# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
[ -n "${SOHOA_TEST_DATABASE_URL:-}" ] && [ -n "${SOHOA_TEST_S3_ENDPOINT:-}" ] || die "PostgreSQL and S3 are needed"
DB=sohoa_soak_$$
psql -q "$SOHOA_TEST_DATABASE_URL" -c "CREATE DATABASE $DB" >/dev/null
export SOHOA_DATA_DIR=$OUT/data
mkdir -p "$SOHOA_DATA_DIR"
export SOHOA_DATABASE_URL=${SOHOA_TEST_DATABASE_URL%/*}/$DB?sslmode=disable
export SOHOA_S3_ENDPOINT=$SOHOA_TEST_S3_ENDPOINT SOHOA_S3_BUCKET=sohoa-soak-$$ \
	SOHOA_S3_ACCESS_KEY=$SOHOA_TEST_S3_ACCESS_KEY SOHOA_S3_SECRET_KEY=$SOHOA_TEST_S3_SECRET_KEY SOHOA_S3_INSECURE=true
export SOHOA_TRUST_DIR=$OUT/pool/pki
"$SOHOA" unit add "$UNIT" "Bộ phận Một cửa" >/dev/null
"$SOHOA" procedure add "$PROC" "Soak" --components "Trang" >/dev/null

PIDS=()
cleanup() {
	for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	jobs -p | xargs -r kill -9 2>/dev/null || true
	psql -q "$SOHOA_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

deadline=$((SECONDS + MINUTES * 60))
declare -i kills_work=0 kills_ingest=0 gc_runs=0 gc_removed=0 rounds=0 imported=0 abandoned=0

# Two workers, one of them killed and restarted every 10–40 s.
worker() { "$SOHOA" work --workers 2 >>"$OUT/work-$1.log" 2>&1 & echo $!; }
W1=$(worker 1)
W2=$(worker 2)
(
	while [ "$SECONDS" -lt "$deadline" ]; do
		sleep $((10 + RANDOM % 30))
		echo kill >>"$OUT/kills.txt"
		if ((RANDOM % 2)); then kill -9 "$W1" 2>/dev/null || true; W1=$(worker 1); else kill -9 "$W2" 2>/dev/null || true; W2=$(worker 2); fi
	done
	kill -9 "$W1" "$W2" 2>/dev/null || true
) &
KILLER=$!

# gc in a loop, with no age guard: only the catalog protects a blob.
(
	while [ "$SECONDS" -lt "$deadline" ]; do
		"$SOHOA" fsck --gc --gc-min-age 0s >>"$OUT/gc.log" 2>&1 || true
		echo gc >>"$OUT/gc-runs.txt"
		sleep 3
	done
) &
GC=$!

mapfile -t POOL < <(ls "$OUT"/pool/small-*.pdf)
expected=$OUT/expected.tsv
: >"$expected"
while [ "$SECONDS" -lt "$deadline" ]; do
	rounds+=1
	dir=$OUT/rounds/r$rounds
	mkdir -p "$dir"
	{
		echo "file,dossier,unit,procedure,role,component,received_at"
		for ((i = 0; i < ROUND; i++)); do
			f=${POOL[RANDOM % ${#POOL[@]}]}
			name=$(printf 'f%03d-%s' "$i" "$(basename "$f")")
			{ cat "$f"; printf '%% soak generation %d\n' $((rounds / 4)); } >"$dir/$name"
			code=$(printf '%s-261130-%05d' "$UNIT" $(((rounds * ROUND + i) % 99999)))
			printf '%s,%s,%s,%s,component,Trang,2026-11-30\n' "$name" "$code" "$UNIT" "$PROC"
			printf '%s\t%s\n' "$code" "$(sha256sum "$dir/$name" | cut -d' ' -f1)" >>"$expected"
		done
	} >"$dir/manifest.csv"
	# Run the import; kill it at random once or twice, then let it finish,
	# or (one round in three that was killed) abandon it until the end.
	for attempt in 1 2 3; do
		"$SOHOA" ingest --no-wait --progress none --manifest "$dir/manifest.csv" >>"$OUT/ingest.log" 2>&1 &
		p=$!
		if [ "$attempt" -lt 3 ] && ((RANDOM % 2)); then
			sleep "0.$((RANDOM % 9 + 1))"
			if kill -9 "$p" 2>/dev/null; then
				kills_ingest+=1
				wait "$p" 2>/dev/null || true
				if ((RANDOM % 3 == 0)); then abandoned+=1; break; fi
				continue
			fi
		fi
		wait "$p" || die "ingest failed in round $rounds (see $OUT/ingest.log)"
		break
	done
	imported+=ROUND
done
wait "$KILLER" 2>/dev/null || true
wait "$GC" 2>/dev/null || true
kills_work=$(wc -l <"$OUT/kills.txt" 2>/dev/null || echo 0)
gc_runs=$(wc -l <"$OUT/gc-runs.txt" 2>/dev/null || echo 0)
gc_removed=$(grep -c '^REMOVED' "$OUT/gc.log" || true)

echo "draining the queue..." >&2
start=$SECONDS
timeout 600 "$SOHOA" work --workers 2 >>"$OUT/work-drain.log" 2>&1 &
DRAIN=$!
# Every round's import again, waiting: everything is already stored, so this
# only waits for the jobs (and shows how long a take-over takes).
for dir in "$OUT"/rounds/r*; do
	timeout 600 "$SOHOA" ingest --progress none --manifest "$dir/manifest.csv" >>"$OUT/ingest-final.log" 2>&1 || die "final ingest of $dir failed"
done
kill "$DRAIN" 2>/dev/null || true
drain=$((SECONDS - start))

echo "checking the archive..." >&2
# Every imported file (dossier code, SHA-256) must have its document: one
# query over the catalog (fsck below checks each document's blob).
sort -u "$expected" >"$OUT/expected-sorted.tsv"
psql -qAtF $'\t' "$SOHOA_DATABASE_URL" -c "SELECT dossier_code, blob_key FROM documents" | sort -u >"$OUT/catalog.tsv"
comm -23 "$OUT/expected-sorted.tsv" "$OUT/catalog.tsv" | sed 's/^/missing: /' >"$OUT/missing.txt"
missing=$(wc -l <"$OUT/missing.txt")
fsck_rc=0
"$SOHOA" fsck --verify-hashes >"$OUT/fsck.txt" 2>&1 || fsck_rc=$?
audit_rc=0
"$SOHOA" audit verify >"$OUT/audit.txt" 2>&1 || audit_rc=$?

{
	echo "| minutes | rounds | files imported | ingest kills | rounds abandoned | work kills | gc runs | orphans removed | documents missing | fsck --verify-hashes | audit verify | drain after the soak |"
	echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |"
	printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s s |\n' "$MINUTES" "$rounds" "$imported" "$kills_ingest" "$abandoned" "$kills_work" "$gc_runs" "$gc_removed" "$missing" \
		"$([ $fsck_rc = 0 ] && echo ok || echo "FAILED ($fsck_rc)")" "$([ $audit_rc = 0 ] && echo ok || echo "FAILED ($audit_rc)")" "$drain"
	echo
	echo "sohoa $(git -C "$REPO" rev-parse --short HEAD), $(go version | cut -d' ' -f3), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/table.md"
[ "$missing" = 0 ] && [ $fsck_rc = 0 ] && [ $audit_rc = 0 ] || die "the archive is not clean (see $OUT)"
