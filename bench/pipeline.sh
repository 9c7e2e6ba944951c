#!/usr/bin/env bash
# bench/pipeline.sh — end-to-end bulk import: `sohoa ingest` of COUNT small
# signed PDFs (stored, inspected and verified: the command returns once every
# file's jobs are done) and of one large scan, on the embedded default
# (SQLite + blobs on disk) and on PostgreSQL + S3 (versitygw), timed with
# /usr/bin/time (wall time and peak RSS of the one process doing all the
# work; its user+sys CPU time too, which the load of a shared machine
# disturbs less than the wall time: the servers' CPU is not in it). Prints a
# Markdown table.
#
#   bench/pipeline.sh                          # 10,000 files + a 500 MB scan, both backends
#   COUNT=2000 LARGE_MB=100 bench/pipeline.sh  # quicker
#   BACKENDS=pgs3 bench/pipeline.sh            # one backend (sqlite, pgs3)
#   PROFILE=1 bench/pipeline.sh                # also perf-record each small-file run
#                                              # and print where the CPU time went
#
# A benchmark, not a test. It builds sohoa once, generates the files once
# into bench/out/pipeline/ (git-ignored; reused while COUNT and SMALL_KB stay
# the same): the small files with bench/mkpdf (every one signed on its own,
# PAdES B-LT with the validation data inside, ENTIRE_FILE, by one throw-away
# test PKI whose root is the only trust anchor), the scan with bench/mkscan
# (300 dpi A4 pages of uncompressed pseudo-random RGB, unsigned). Files are
# imported through a manifest CSV (ten files per dossier, dossiers created by
# the import). PostgreSQL + S3 come from scripts/test-services.sh (the local
# cluster at 127.0.0.1:5432 and a versitygw on loopback); each run gets a new
# database and bucket.
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${OUT:-$REPO/bench/out/pipeline}
COUNT=${COUNT:-10000}
SMALL_KB=${SMALL_KB:-8}   # image bytes per small file, in KiB (files are ~50 KB)
LARGE_MB=${LARGE_MB:-500}
BACKENDS=${BACKENDS:-"sqlite pgs3"}
PROFILE=${PROFILE:-}
UNIT=000.00.12.G05
PROC=BENCH.1

die() { echo "bench/pipeline.sh: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package time)"
mkdir -p "$OUT"

echo "building sohoa..." >&2
go build -o "$OUT/sohoa" ./cmd/sohoa
SOHOA=$OUT/sohoa

# ---------------------------------------------------------------- inputs
SMALL=$OUT/small-$COUNT-${SMALL_KB}k
if [ ! -f "$SMALL/manifest.csv" ]; then
	echo "generating $COUNT signed PDFs with bench/mkpdf (once; about 1 min per 5,000 on 2 cores)..." >&2
	rm -rf "$SMALL"
	go run ./bench/mkpdf -out "$SMALL" -pki "$SMALL/pki" -size small -count "$COUNT" -small-kb "$SMALL_KB" >&2
	{
		echo "file,dossier,unit,procedure,role,component,received_at"
		for ((i = 1; i <= COUNT; i++)); do
			printf 'small-%04d.pdf,%s-261130-%05d,%s,%s,component,Trang %d,2026-11-30T09:00:00+07:00\n' \
				"$i" "$UNIT" $(((i - 1) / 10 + 1)) "$UNIT" "$PROC" $(((i - 1) % 10 + 1))
		done
	} >"$SMALL/manifest.csv.tmp"
	mv "$SMALL/manifest.csv.tmp" "$SMALL/manifest.csv"
fi
LARGE=$OUT/large-${LARGE_MB}mb
if [ "$LARGE_MB" -gt 0 ] && [ ! -f "$LARGE/manifest.csv" ]; then
	echo "generating a ${LARGE_MB} MB scan with bench/mkscan (once)..." >&2
	rm -rf "$LARGE"
	mkdir -p "$LARGE"
	go run ./bench/mkscan -out "$LARGE" -large-mb "$LARGE_MB" >&2
	printf 'file,dossier,unit,procedure,role,component,received_at\nscan-large.pdf,%s-261130-99999,%s,%s,component,Trang 1,2026-11-30T09:00:00+07:00\n' \
		"$UNIT" "$UNIT" "$PROC" >"$LARGE/manifest.csv"
fi
small_bytes=$(du -sb --exclude=pki --exclude=manifest.csv "$SMALL" | cut -f1)
large_bytes=0
[ "$LARGE_MB" -gt 0 ] && large_bytes=$(stat -c %s "$LARGE/scan-large.pdf")

# ---------------------------------------------------------------- runs
RESULTS=$OUT/results.tsv
: >"$RESULTS"

# setup_backend NAME: exports the environment of a fresh catalog and blob
# store for one run, and creates the unit and the procedure.
setup_backend() {
	local name=$1 tag=$2
	unset SOHOA_DATABASE_URL SOHOA_S3_ENDPOINT SOHOA_S3_BUCKET SOHOA_S3_ACCESS_KEY SOHOA_S3_SECRET_KEY SOHOA_S3_INSECURE
	export SOHOA_DATA_DIR=$OUT/data-$name-$tag
	rm -rf "$SOHOA_DATA_DIR"
	mkdir -p "$SOHOA_DATA_DIR"
	if [ "$name" = pgs3 ]; then
		local db=sohoa_bench_${tag//-/_}_$$
		psql -q "$SOHOA_TEST_DATABASE_URL" -c "CREATE DATABASE $db" >/dev/null
		DBS+=("$db")
		export SOHOA_DATABASE_URL=${SOHOA_TEST_DATABASE_URL%/*}/$db?sslmode=disable
		export SOHOA_S3_ENDPOINT=$SOHOA_TEST_S3_ENDPOINT SOHOA_S3_BUCKET=sohoa-bench-$tag-$$ \
			SOHOA_S3_ACCESS_KEY=$SOHOA_TEST_S3_ACCESS_KEY SOHOA_S3_SECRET_KEY=$SOHOA_TEST_S3_SECRET_KEY SOHOA_S3_INSECURE=true
	fi
	"$SOHOA" unit add "$UNIT" "Bộ phận Một cửa" >/dev/null
	"$SOHOA" procedure add "$PROC" "Bench" --components "Trang 1;Trang 2;Trang 3;Trang 4;Trang 5;Trang 6;Trang 7;Trang 8;Trang 9;Trang 10" >/dev/null
}

# run NAME INPUT_DIR LABEL FILES BYTES: one timed `sohoa ingest`.
run() {
	local name=$1 dir=$2 label=$3 files=$4 bytes=$5 tag
	tag=$(basename "$dir" | tr -c 'a-z0-9\n' '-')
	setup_backend "$name" "$tag"
	local log=$OUT/ingest-$name-$tag.log
	local -a cmd=("$SOHOA" ingest --progress none --trust-dir "$SMALL/pki" --manifest "$dir/manifest.csv")
	echo "running: $label on $name ..." >&2
	if ! /usr/bin/time -f '%e %M %U %S' -o "$OUT/time.txt" "${cmd[@]}" >"$log" 2>&1; then
		cat "$log" >&2
		die "sohoa ingest failed ($label on $name); log: $log"
	fi
	grep -q "failed:     0" "$log" || die "files failed ($label on $name): $log"
	read -r wall rss user sys <"$OUT/time.txt"
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$label" "$files" "$bytes" "$wall" "$rss" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" >>"$RESULTS"
	sed -n "/^inspected and verified/,+2p" "$log" >&2
	if [ -n "$PROFILE" ] && [ "$files" -gt 1 ]; then
		command -v perf >/dev/null || die "PROFILE=1 needs perf (Debian package linux-perf)"
		setup_backend "$name" "$tag"
		echo "profiling: $label on $name ..." >&2
		perf record -q -F 499 -g -o "$OUT/perf-$name.data" -- "${cmd[@]}" >/dev/null 2>&1
		perf report -i "$OUT/perf-$name.data" --no-children --sort comm,dso -q 2>/dev/null | head -12 >"$OUT/perf-$name-dso.txt"
		perf report -i "$OUT/perf-$name.data" --no-children --sort sym -q -g none 2>/dev/null | head -40 >"$OUT/perf-$name-sym.txt"
		echo "perf: $OUT/perf-$name-{dso,sym}.txt" >&2
	fi
}

DBS=()
cleanup() {
	for db in "${DBS[@]}"; do
		psql -q "$SOHOA_TEST_DATABASE_URL" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT

for b in $BACKENDS; do
	case $b in
	sqlite) ;;
	pgs3)
		if [ -z "${SOHOA_TEST_S3_ENDPOINT:-}" ]; then
			# shellcheck source=scripts/test-services.sh
			source scripts/test-services.sh
		fi
		;;
	*) die "unknown backend $b (sqlite, pgs3)" ;;
	esac
	run "$b" "$SMALL" "$COUNT small signed PDFs" "$COUNT" "$small_bytes"
	if [ "$LARGE_MB" -gt 0 ]; then
		run "$b" "$LARGE" "one ${LARGE_MB} MB scan" 1 "$large_bytes"
	fi
done

# ---------------------------------------------------------------- table
echo
echo "sohoa ingest, end to end (stored, inspected and verified); $(nproc) CPUs, $(go env GOVERSION)"
echo
echo "| backend | input | files | MB | wall s | files/s | MB/s | peak RSS MiB | sohoa CPU ms/file |"
echo "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
while IFS=$'\t' read -r name label files bytes wall rss cpu; do
	case $name in sqlite) bname="embedded (SQLite + fs)" ;; pgs3) bname="PostgreSQL + S3 (versitygw)" ;; esac
	awk -v b="$bname" -v l="$label" -v f="$files" -v by="$bytes" -v w="$wall" -v r="$rss" -v c="$cpu" 'BEGIN {
		rate = f > 1 ? sprintf("%.0f", f / w) : "—"
		printf "| %s | %s | %d | %.1f | %.2f | %s | %.1f | %.0f | %.1f |\n", b, l, f, by / 1e6, w, rate, by / 1e6 / w, r / 1024, c * 1000 / f }'
done <"$RESULTS"
if [ -n "$PROFILE" ]; then
	for f in "$OUT"/perf-*-dso.txt; do
		echo
		echo "$f:"
		cat "$f"
	done
fi
