#!/usr/bin/env bash
# bench/blob.sh: blob store throughput (storage/fsblob, storage/s3blob) for
# 100 KB and 100 MB objects, next to the floors a blob store cannot beat:
#
#   cp            copy of the same 100 MB file (page cache, no fsync)
#   cp + fsync    the same, then fsync of the copy (what durability costs)
#   dd fsync      raw sequential write of 100 MB with fsync (disk floor)
#   sha256        Go's SHA-256 over 100 MB (content-addressing floor)
#
# Usage: bench/blob.sh     (ROUNDS=5 BENCHTIME=3x SMALLTIME=1s to change)
#
# The measurements are interleaved: every round runs each shell command once
# and each Go benchmark, and the table shows medians over the rounds, so that
# a machine shared with other work slows every row alike and the ratios stay
# meaningful. Files go to $SOHOA_BENCH_DIR (default bench/out, git-ignored),
# so cp, dd and fsblob write to the same filesystem. S3 rows need the test
# services (started here through scripts/test-services.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${SOHOA_BENCH_DIR:-$PWD/bench/out}
ROUNDS=${ROUNDS:-5}
BENCHTIME=${BENCHTIME:-3x}  # per round, 100 MB benchmarks
SMALLTIME=${SMALLTIME:-1s}  # per round, 100 KB benchmarks
mkdir -p "$OUT"
export SOHOA_BENCH_DIR=$OUT
SIZE=100000000

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(free -g | awk '/^Mem:/{print $2}') GiB RAM, $(go version | cut -d' ' -f3-4)"
echo "target dir: $OUT ($(df -T "$OUT" | awk 'NR==2{print $2 " on " $1}'))"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

src=$OUT/src-100MB
dst=$OUT/dst-100MB
if [ ! -f "$src" ] || [ "$(stat -c %s "$src")" != "$SIZE" ]; then
	head -c "$SIZE" /dev/urandom >"$src"
fi
cat "$src" >/dev/null # in the page cache, like the benchmarks' in-memory source

go test -c -o "$OUT/fsblob.test" ./storage/fsblob
tests=(fsblob)
s3note=
# (set -e does not apply inside an if condition, which the sourced script
# is not written for.)
if SOHOA_TEST_SERVICES=s3 source scripts/test-services.sh; then
	go test -c -o "$OUT/s3blob.test" ./storage/s3blob
	tests+=(s3blob)
else
	s3note="(s3blob skipped: versitygw could not be started)"
fi

raw=$OUT/raw.txt
: >"$raw"
# timed NAME CMD...: appends "NAME <ms>" to $raw for one run of CMD.
timed() {
	local name=$1 t0 t1
	shift
	rm -f "$dst"
	t0=$(date +%s%N)
	"$@"
	t1=$(date +%s%N)
	echo "$name $(((t1 - t0) / 1000))" | awk '{printf "%s %.3f\n", $1, $2 / 1000}' >>"$raw"
}
cp_fsync() { cp "$src" "$dst" && sync "$dst"; }
dd_fsync() { dd if=/dev/zero of="$dst" bs=1000000 count=100 conv=fsync status=none; }
gobench() { # TEST PATTERN BENCHTIME: appends "TEST/Bench <ms/op>" lines
	(cd "$PWD/storage/$1" && "$OUT/$1.test" -test.run '^$' -test.bench "$2" -test.benchtime "$3") |
		awk -v t="$1" '/^Benchmark/ { n = $1; sub(/-[0-9]+$/, "", n); sub(/^Benchmark/, "", n); printf "%s/%s %.3f\n", t, n, $3 / 1e6 }' >>"$raw"
}

for round in $(seq "$ROUNDS"); do
	echo "round $round/$ROUNDS" >&2
	timed cp cp "$src" "$dst"
	timed cp+fsync cp_fsync
	timed dd+fsync dd_fsync
	rm -f "$dst"
	# (-test.bench splits its pattern at "/" outside parentheses.)
	gobench fsblob '^BenchmarkSHA256$' "$BENCHTIME"
	gobench fsblob '^Benchmark(Put|Get)$/^100MB$' "$BENCHTIME"
	gobench fsblob '^Benchmark(Put|Get)$/^100KB$' "$SMALLTIME"
	if [ -z "$s3note" ]; then
		gobench s3blob '^Benchmark(Put|Get)$/^100MB$' 1x
		gobench s3blob '^Benchmark(Put|Get)$/^100KB$' "$SMALLTIME"
	fi
done

med() { # NAME: median ms of NAME over the rounds
	awk -v n="$1" '$1 == n { print $2 }' "$raw" | sort -n |
		awk '{a[NR]=$1} END { if (NR) printf "%.3f\n", a[int((NR+1)/2)] }'
}
cp_ms=$(med cp)
cps_ms=$(med cp+fsync)
sha_ms=$(med fsblob/SHA256)

row() { # label ms bytes
	local label=$1 ms=$2 bytes=$3
	if [ -z "$ms" ]; then
		if [ "$bytes" = $SIZE ]; then
			printf '| %-24s | %9s | %7s | %7s | %11s | %9s |\n' "$label" "n/a" "" "" "" ""
		else
			printf '| %-24s | %9s | %7s |\n' "$label" "n/a" ""
		fi
		return
	fi
	awk -v n="$label" -v ms="$ms" -v by="$bytes" -v cp="$cp_ms" -v cps="$cps_ms" -v sha="$sha_ms" 'BEGIN {
		mbs = by / 1e6 / (ms / 1000)
		if (by == 100000000)
			printf "| %-24s | %9.1f | %7.0f | %6.2fx | %10.2fx | %8.2fx |\n", n, ms, mbs, ms / cp, ms / cps, ms / sha
		else
			printf "| %-24s | %9.3f | %7.1f |\n", n, ms, mbs
	}'
}

echo
echo "100 MB object: median of $ROUNDS interleaved rounds (Go: -benchtime $BENCHTIME per round; s3blob 1x)"
printf '| %-24s | %9s | %7s | %7s | %11s | %9s |\n' "operation" "ms" "MB/s" "vs cp" "vs cp+fsync" "vs sha256"
echo "|--------------------------|-----------|---------|---------|-------------|-----------|"
row "cp (no fsync)" "$cp_ms" $SIZE
row "cp + fsync" "$cps_ms" $SIZE
row "dd write + fsync" "$(med dd+fsync)" $SIZE
row "sha256 (Go)" "$sha_ms" $SIZE
row "fsblob Put" "$(med fsblob/Put/100MB)" $SIZE
row "fsblob Get" "$(med fsblob/Get/100MB)" $SIZE
row "s3blob Put (versitygw)" "$(med s3blob/Put/100MB)" $SIZE
row "s3blob Get (versitygw)" "$(med s3blob/Get/100MB)" $SIZE
echo
echo "100 KB object (Go: -benchtime $SMALLTIME per round)"
printf '| %-24s | %9s | %7s |\n' "operation" "ms" "MB/s"
echo "|--------------------------|-----------|---------|"
row "fsblob Put" "$(med fsblob/Put/100KB)" 100000
row "fsblob Get" "$(med fsblob/Get/100KB)" 100000
row "s3blob Put (versitygw)" "$(med s3blob/Put/100KB)" 100000
row "s3blob Get (versitygw)" "$(med s3blob/Get/100KB)" 100000
[ -n "$s3note" ] && echo "$s3note"
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "raw timings (ms): $raw"
