#!/usr/bin/env bash
# bench/inspect-mem.sh — peak memory and time of inspecting one large scan,
# before and after inspect moved from pdfcpu to the bounded internal/pdfraw
# reader, as a Markdown table.
#
#   bench/inspect-mem.sh                      # 500 MB scan, 3 runs each
#   LARGE_MB=200 RUNS=5 bench/inspect-mem.sh
#   BEFORE=84c880f bench/inspect-mem.sh       # the commit to compare against
#
# A benchmark, not a test. It builds bench/inspectone twice: from this tree
# ("after") and from BEFORE's sources (git archive, with this tree's
# bench/inspectone copied in: it uses only inspect.Inspect), generates
# scan-large.pdf with bench/mkscan (300 dpi A4 pages of uncompressed RGB,
# LARGE_MB megabytes) once, and runs each build RUNS times under
# /usr/bin/time -v (GNU time; Debian package "time"). Raw outputs go to
# bench/out/inspect/ (git-ignored).
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${OUT:-$REPO/bench/out/inspect}
LARGE_MB=${LARGE_MB:-500}
RUNS=${RUNS:-3}
BEFORE=${BEFORE:-84c880f}

die() { echo "bench/inspect-mem.sh: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (apt-get install time)"
mkdir -p "$OUT"

# ---------------------------------------------------------------- builds
echo "building after (this tree) and before ($BEFORE)..." >&2
go build -o "$OUT/inspectone-after" ./bench/inspectone
src=$(mktemp -d)
trap 'rm -rf "$src"' EXIT
git archive "$BEFORE" | tar -x -C "$src"
mkdir -p "$src/bench/inspectone"
cp bench/inspectone/main.go "$src/bench/inspectone/"
(cd "$src" && go build -o "$OUT/inspectone-before" ./bench/inspectone)

# ---------------------------------------------------------------- input
scan=$OUT/scan-large.pdf
if [ ! -s "$scan" ] || [ "$(cat "$OUT/scan-large.mb" 2>/dev/null)" != "$LARGE_MB" ]; then
	echo "generating a $LARGE_MB MB scan..." >&2
	go run ./bench/mkscan -out "$OUT" -large-mb "$LARGE_MB" >&2
	echo "$LARGE_MB" >"$OUT/scan-large.mb"
fi
bytes=$(stat -L -c %s "$scan")

# ---------------------------------------------------------------- runs
# run BUILD N: prints "rss_kib wall_s user_s sys_s" for run N.
run() {
	local t="$OUT/time-$1-$2.txt"
	/usr/bin/time -v "$OUT/inspectone-$1" "$scan" >"$OUT/out-$1-$2.txt" 2>"$t"
	awk -F': ' '
		/Maximum resident set size/ {rss=$2}
		/User time/ {u=$2}
		/System time/ {s=$2}
		/Elapsed \(wall clock\)/ {n=split($2, a, ":"); w=0; for (i=1;i<=n;i++) w=w*60+a[i]}
		END {printf "%d %.2f %.2f %.2f\n", rss, w, u, s}' "$t"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

printf '\nInspecting scan-large.pdf (%d bytes), %d runs per build, medians:\n\n' "$bytes" "$RUNS" >&2
echo "| build | peak RSS (MiB) | max peak RSS (MiB) | wall (s) | user (s) | sys (s) |"
echo "| --- | ---: | ---: | ---: | ---: | ---: |"
for b in before after; do
	rows=$(for i in $(seq "$RUNS"); do run "$b" "$i"; done)
	rss=$(awk '{print $1}' <<<"$rows" | median)
	maxrss=$(awk '{print $1}' <<<"$rows" | sort -n | tail -1)
	wall=$(awk '{print $2}' <<<"$rows" | median)
	user=$(awk '{print $3}' <<<"$rows" | median)
	sys=$(awk '{print $4}' <<<"$rows" | median)
	label=$b
	[ "$b" = before ] && label="before ($BEFORE, pdfcpu)"
	[ "$b" = after ] && label="after ($(git rev-parse --short HEAD), pdfraw)"
	awk -v l="$label" -v r="$rss" -v m="$maxrss" -v w="$wall" -v u="$user" -v s="$sys" \
		'BEGIN {printf "| %s | %.1f | %.1f | %s | %s | %s |\n", l, r/1024, m/1024, w, u, s}'
done
echo
echo "what each build found:" >&2
for b in before after; do printf '  %s: %s\n' "$b" "$(head -1 "$OUT/out-$b-1.txt")" >&2; done
