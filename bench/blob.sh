#!/usr/bin/env bash
# bench/blob.sh: blob store throughput (storage/fsblob, storage/s3blob) for
# 100 KB and 100 MB objects, next to the floors a blob store cannot beat:
#
#   cp            copy of the same 100 MB file (page cache, no fsync)
#   cp + fsync    the same, then fsync of the copy (what durability costs)
#   dd fsync      raw sequential write of 100 MB with fsync (disk floor)
#   sha256        Go's SHA-256 over 100 MB (content addressing floor)
#
# Usage: bench/blob.sh            (BENCHTIME=2s COUNT=3 RUNS=7 to change)
# Files go to $SOHOA_BENCH_DIR (default bench/out, git-ignored), so cp, dd
# and fsblob write to the same filesystem. S3 numbers need the test services
# (started here through scripts/test-services.sh) and are skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

OUT=${SOHOA_BENCH_DIR:-$PWD/bench/out}
RUNS=${RUNS:-7}
BENCHTIME=${BENCHTIME:-2s}
COUNT=${COUNT:-3}
mkdir -p "$OUT"
export SOHOA_BENCH_DIR=$OUT
SIZE=100000000

cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
echo "machine: $(nproc) CPUs, ${cpu:-unknown CPU}, $(free -g | awk '/^Mem:/{print $2}') GiB RAM, $(go version | cut -d' ' -f3-4)"
echo "target dir: $OUT ($(df -T "$OUT" | awk 'NR==2{print $2 " on " $1}'))"
echo

src=$OUT/src-100MB
dst=$OUT/dst-100MB
if [ ! -f "$src" ] || [ "$(stat -c %s "$src")" != "$SIZE" ]; then
	head -c "$SIZE" /dev/urandom >"$src"
fi
cat "$src" >/dev/null # in the page cache, like the benchmarks' in-memory source

# median_ms CMD...: runs CMD $RUNS times (removing $dst first, untimed) and
# prints the median wall time in milliseconds.
median_ms() {
	local i t0 t1
	for i in $(seq "$RUNS"); do
		rm -f "$dst"
		t0=$(date +%s%N)
		"$@"
		t1=$(date +%s%N)
		echo $(((t1 - t0) / 1000))
	done | sort -n | awk '{a[NR]=$1} END {printf "%.1f\n", a[int((NR+1)/2)]/1000}'
}
cp_fsync() { cp "$src" "$dst" && sync "$dst"; }
dd_fsync() { dd if=/dev/zero of="$dst" bs=1000000 count=100 conv=fsync status=none; }

cp_ms=$(median_ms cp "$src" "$dst")
cps_ms=$(median_ms cp_fsync)
dd_ms=$(median_ms dd_fsync)
rm -f "$dst"

pkgs=(./storage/fsblob)
s3note=
# (set -e does not apply inside an if condition, which the sourced script
# is not written for.)
if SOHOA_TEST_SERVICES=s3 source scripts/test-services.sh; then
	pkgs+=(./storage/s3blob)
else
	s3note="(s3blob skipped: versitygw could not be started)"
fi

raw=$OUT/go-bench.txt
go test -run '^$' -bench 'Put|Get|SHA256' -benchtime "$BENCHTIME" -count "$COUNT" "${pkgs[@]}" | tee "$raw" >/dev/null

# go_ms PKG BENCH: median ms/op of BENCH (e.g. Put/100MB) in package PKG.
go_ms() {
	awk -v pkg="$1" -v b="Benchmark$2" '
		/^pkg: / { p = $2; sub(".*/", "", p) }
		p == pkg && $1 ~ "^" b "(-[0-9]+)?$" { print $3 / 1e6 }' "$raw" |
		sort -n | awk '{a[NR]=$1} END { if (NR) printf "%.2f\n", a[int((NR+1)/2)] }'
}

row() { # name ms bytes
	local name=$1 ms=$2 bytes=$3
	if [ -z "$ms" ]; then
		printf '| %-26s | %10s | %9s | %8s | %10s |\n' "$name" "n/a" "" "" ""
		return
	fi
	awk -v n="$name" -v ms="$ms" -v by="$bytes" -v cp="$cp_ms" -v cps="$cps_ms" 'BEGIN {
		mbs = by / 1e6 / (ms / 1000)
		if (by == 100000000)
			printf "| %-26s | %10.1f | %9.0f | %7.2fx | %9.2fx |\n", n, ms, mbs, ms / cp, ms / cps
		else
			printf "| %-26s | %10.3f | %9.1f | %8s | %10s |\n", n, ms, mbs, "", ""
	}'
}

echo "100 MB object (medians: shell commands of $RUNS runs, Go benchmarks of $COUNT x -benchtime $BENCHTIME)"
printf '| %-26s | %10s | %9s | %8s | %10s |\n' "operation" "ms" "MB/s" "vs cp" "vs cp+fsync"
printf '|%s|%s|%s|%s|%s|\n' "----------------------------" "------------" "-----------" "----------" "------------"
row "cp (no fsync)" "$cp_ms" $SIZE
row "cp + fsync" "$cps_ms" $SIZE
row "dd write + fsync (floor)" "$dd_ms" $SIZE
row "sha256 in Go (floor)" "$(go_ms fsblob SHA256)" $SIZE
row "fsblob Put" "$(go_ms fsblob Put/100MB)" $SIZE
row "fsblob Get" "$(go_ms fsblob Get/100MB)" $SIZE
row "s3blob Put (versitygw)" "$(go_ms s3blob Put/100MB)" $SIZE
row "s3blob Get (versitygw)" "$(go_ms s3blob Get/100MB)" $SIZE
echo
echo "100 KB object"
printf '| %-26s | %10s | %9s | %8s | %10s |\n' "operation" "ms" "MB/s" "" ""
printf '|%s|%s|%s|%s|%s|\n' "----------------------------" "------------" "-----------" "----------" "------------"
row "fsblob Put" "$(go_ms fsblob Put/100KB)" 100000
row "fsblob Get" "$(go_ms fsblob Get/100KB)" 100000
row "s3blob Put (versitygw)" "$(go_ms s3blob Put/100KB)" 100000
row "s3blob Get (versitygw)" "$(go_ms s3blob Get/100KB)" 100000
[ -n "$s3note" ] && echo "$s3note"
echo
echo "raw go test output: $raw"
