#!/usr/bin/env bash
# bench/verify.sh — times `sohoa verify` against poppler's pdfsig (same trust
# anchor, in an NSS database) and against sha256sum, and prints a Markdown table.
#
#   bench/verify.sh                 # everything, defaults below
#   RUNS=50 BATCH=200 bench/verify.sh   # quicker
#   SOHOA_BIN=/path/to/sohoa bench/verify.sh   # time another build
#   WAIT_QUIET=1800 bench/verify.sh    # before timing, wait (up to 30 min) for an idle machine
#
# A benchmark, not a test: nothing in the test suite calls it. It installs what
# it needs from Debian (poppler-utils, libnss3-tools, time; hyperfine when
# available), builds sohoa once, generates the signed files with bench/mkpdf
# (one throw-away test PKI, B-LT files with embedded revocation data, so the
# root certificate is the only trust input), and keeps every raw output in
# bench/out/verify/ (git-ignored).
#
# Rows:
#   small   one ~100 KB file, one process per verification, RUNS times
#   batch   BATCH distinct small files: one `sohoa verify` call vs BATCH pdfsig runs
#   large   one >= 100 MB file (ENTIRE_FILE): sohoa verify vs pdfsig vs sha256sum
#   multi   one small file carrying SIGS (25) signatures in sequence, each an
#           incremental update: one process per verification, MULTI_RUNS times
#
# pdfsig runs with -no-ocsp: the files carry their revocation data, the test
# PKI's OCSP responder no longer exists, and sohoa is offline by default, so
# both tools do the same offline work. pdfsig's verdict is checked on every
# run: "Signature is Valid" and "Certificate is Trusted".
set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
OUT=${OUT:-$REPO/bench/out/verify}
RUNS=${RUNS:-200}          # small file: runs per tool
WARMUP=${WARMUP:-10}       # small file: warm-up runs per tool
BATCH=${BATCH:-1000}       # files in the batch row
BATCH_RUNS=${BATCH_RUNS:-3}
LARGE_MB=${LARGE_MB:-110}  # large file: pages, each carrying a 1 MiB image
LARGE_RUNS=${LARGE_RUNS:-5}
SIGS=${SIGS:-25}           # multi: signatures on the one file
MULTI_RUNS=${MULTI_RUNS:-20}

die() { echo "bench/verify.sh: $*" >&2; exit 1; }

# ---------------------------------------------------------------- tools
apt_updated=
need() { # need COMMAND PACKAGE [optional]
	command -v "$1" >/dev/null 2>&1 && return 0
	local sudo=
	[ "$(id -u)" = 0 ] || sudo=sudo
	if command -v apt-get >/dev/null 2>&1; then
		if [ -z "$apt_updated" ]; then
			echo "installing missing packages (apt-get update once)..." >&2
			$sudo apt-get update -qq >&2 || true
			apt_updated=1
		fi
		DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >&2 || true
	fi
	command -v "$1" >/dev/null 2>&1 && return 0
	[ "${3:-}" = optional ] && return 1
	die "$1 is missing and could not be installed (Debian package $2)"
}
need go golang
need pdfsig poppler-utils
need certutil libnss3-tools
need sha256sum coreutils
[ -x /usr/bin/time ] || { need /usr/bin/time time; }
HAVE_HYPERFINE=
# -N (no shell between hyperfine and the command) needs hyperfine 1.13 or later.
if [ -z "${NO_HYPERFINE:-}" ] && need hyperfine hyperfine optional && hyperfine -N --runs 1 --style none true >/dev/null 2>&1; then
	HAVE_HYPERFINE=1
else
	echo "timing with a shell loop (date +%s%N), not hyperfine" >&2
fi

mkdir -p "$OUT"
rm -rf "$OUT/files" "$OUT/pki" "$OUT/nss" "$OUT"/raw
mkdir -p "$OUT/files" "$OUT/pki" "$OUT/nss" "$OUT/raw"
RAW=$OUT/raw

# ---------------------------------------------------------------- build + files
if [ -n "${SOHOA_BIN:-}" ]; then # benchmark another build of sohoa
	SOHOA=$SOHOA_BIN
else
	echo "building sohoa..." >&2
	go build -o "$OUT/sohoa" ./cmd/sohoa
	SOHOA=$OUT/sohoa
fi

echo "generating signed files (1 PKI, $BATCH small, 1 large of ${LARGE_MB} MB)..." >&2
go run ./bench/mkpdf -out "$OUT/files" -pki "$OUT/pki" -size small,large,multi \
	-count "$BATCH" -large-mb "$LARGE_MB" -sigs "$SIGS" >"$RAW/mkpdf.txt"
ROOT_PEM=$OUT/pki/root.pem
[ -s "$ROOT_PEM" ] || die "mkpdf wrote no $ROOT_PEM"
SMALL=$OUT/files/small-0001.pdf
LARGE=$OUT/files/large.pdf
MULTI=$OUT/files/multi.pdf
[ -s "$SMALL" ] && [ -s "$LARGE" ] && [ -s "$MULTI" ] || die "mkpdf did not write $SMALL, $LARGE and $MULTI"
mapfile -t BATCH_FILES < <(ls "$OUT"/files/small-*.pdf)
[ "${#BATCH_FILES[@]}" = "$BATCH" ] || die "expected $BATCH small files, found ${#BATCH_FILES[@]}"

NSS=$OUT/nss
certutil -N -d "sql:$NSS" --empty-password
certutil -A -d "sql:$NSS" -n root -t "CT,C,C" -i "$ROOT_PEM"

# sohoa must see only the benchmark's root: no data directory, no trust dir.
export SOHOA_DATA_DIR=$OUT/no-data-dir
unset SOHOA_TRUST_DIR
SOHOA_ARGS=(verify --trust "$ROOT_PEM")
PDFSIG_ARGS=(-nssdir "sql:$NSS" -no-ocsp)

# ---------------------------------------------------------------- verdicts
# A benchmark of a failing verification is worthless: check both tools first.
check_sohoa() { # check_sohoa OUTFILE FILE...
	local out=$1; shift
	local rc=0
	"$SOHOA" "${SOHOA_ARGS[@]}" "$@" >"$out" 2>&1 || rc=$?
	echo "sohoa verify exit status $rc" >>"$out"
	if [ "$rc" != 0 ]; then
		head -c 20000 "$out" >&2
		die "sohoa verify exited $rc on valid files (output above, full text in $out)"
	fi
}
check_pdfsig() { # check_pdfsig OUTFILE FILE
	local rc=0
	pdfsig "${PDFSIG_ARGS[@]}" "$2" >"$1" 2>&1 || rc=$?
	if [ "$rc" != 0 ] || ! grep -q "Signature is Valid" "$1" || ! grep -q "Certificate is Trusted" "$1"; then
		cat "$1" >&2
		die "pdfsig does not report $2 valid and trusted (exit $rc)"
	fi
}
check_sohoa "$RAW/sohoa-small.txt" "$SMALL"
check_pdfsig "$RAW/pdfsig-small.txt" "$SMALL"
check_sohoa "$RAW/sohoa-large.txt" "$LARGE"
check_pdfsig "$RAW/pdfsig-large.txt" "$LARGE"
check_sohoa "$RAW/sohoa-multi.txt" "$MULTI"
check_pdfsig "$RAW/pdfsig-multi.txt" "$MULTI"
[ "$(grep -c 'Signature is Valid' "$RAW/pdfsig-multi.txt")" = "$SIGS" ] || die "pdfsig does not report all $SIGS signatures of $MULTI valid"

# ---------------------------------------------------------------- measuring
# Timings from a busy machine mean little: WAIT_QUIET=SECONDS waits up to that
# long for the 1-minute load average to drop below QUIET_LOAD (default 0.5),
# here, after the build and the files, whose own load must decay too.
if [ "${WAIT_QUIET:-0}" -gt 0 ]; then
	deadline=$((SECONDS + WAIT_QUIET))
	until awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v q="${QUIET_LOAD:-0.5}" 'BEGIN { exit !(l < q) }'; do
		[ "$SECONDS" -ge "$deadline" ] && { echo "still busy after ${WAIT_QUIET}s: going ahead" >&2; break; }
		sleep 10
	done
fi
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
if awk -v l="${LOAD_START%% *}" -v n="$(nproc)" 'BEGIN { exit !(l > n / 2) }'; then
	echo "warning: load average $LOAD_START on $(nproc) CPUs: other work will distort the timings" >&2
fi

json_num() { sed -n "s/^ *\"$1\": \([0-9.e+-]*\),*\$/\1/p" "$2" | head -1; } # json_num KEY FILE: first number

# time_cmd NAME RUNS WARMUP CMD...: sets T (mean seconds), SD (stddev) and MED (median).
# With hyperfine: no intermediate shell (-N), JSON kept in raw/. Without: a
# loop timed with date +%s%N (includes one fork+exec per run, as hyperfine's).
time_cmd() {
	local name=$1 runs=$2 warm=$3; shift 3
	if [ -n "$HAVE_HYPERFINE" ]; then
		local q=() a
		for a in "$@"; do q+=("$(printf '%q' "$a")"); done
		hyperfine -N --style none --warmup "$warm" --runs "$runs" \
			--export-json "$RAW/$name.json" "${q[*]}" >"$RAW/$name.hyperfine.txt" 2>&1 ||
			{ cat "$RAW/$name.hyperfine.txt" >&2; die "hyperfine failed for $name (a run exited non-zero)"; }
		T=$(json_num mean "$RAW/$name.json")
		SD=$(json_num stddev "$RAW/$name.json")
		MED=$(json_num median "$RAW/$name.json")
	else
		local i t0 t1 samples=()
		for ((i = 0; i < warm; i++)); do "$@" >/dev/null 2>&1 || die "$name: run failed"; done
		for ((i = 0; i < runs; i++)); do
			t0=$(date +%s%N)
			"$@" >/dev/null 2>&1 || die "$name: run failed"
			t1=$(date +%s%N)
			samples+=("$((t1 - t0))")
		done
		printf '%s\n' "${samples[@]}" >"$RAW/$name.ns.txt"
		read -r T SD < <(awk '{s+=$1; q+=$1*$1; n++} END {m=s/n; v=q/n-m*m; if (v<0) v=0; printf "%.9f %.9f\n", m/1e9, sqrt(v)/1e9}' "$RAW/$name.ns.txt")
		MED=$(sort -n "$RAW/$name.ns.txt" | awk '{a[NR]=$1} END {printf "%.9f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)/1e9}')
	fi
}
# rss_cmd NAME N CMD...: sets M (peak RSS in KiB, the largest of N runs) via GNU time.
rss_cmd() {
	local name=$1 n=$2; shift 2
	local i m max=0
	for ((i = 1; i <= n; i++)); do
		/usr/bin/time -o "$RAW/$name.time.$i" -f "%e %M" "$@" >/dev/null 2>&1 || die "$name: run failed under /usr/bin/time"
		m=$(awk 'END {print $2}' "$RAW/$name.time.$i")
		[ "$m" -gt "$max" ] && max=$m
	done
	M=$max
}

ROWS=()
declare -A TIME SDV MEDV MEM
row() { # row KEY CASE TOOL DETAIL
	TIME[$1]=$T; SDV[$1]=$SD; MEDV[$1]=$MED; MEM[$1]=$M
	ROWS+=("$1|$2|$3|$4")
}

echo "small file: $RUNS runs per tool..." >&2
time_cmd sohoa-small "$RUNS" "$WARMUP" "$SOHOA" "${SOHOA_ARGS[@]}" "$SMALL"; rss_cmd sohoa-small 3 "$SOHOA" "${SOHOA_ARGS[@]}" "$SMALL"
row sohoa-small "small ($(du -k "$SMALL" | cut -f1) KiB), 1 process per file" "sohoa verify" "$RUNS runs"
time_cmd pdfsig-small "$RUNS" "$WARMUP" pdfsig "${PDFSIG_ARGS[@]}" "$SMALL"; rss_cmd pdfsig-small 3 pdfsig "${PDFSIG_ARGS[@]}" "$SMALL"
row pdfsig-small "small ($(du -k "$SMALL" | cut -f1) KiB), 1 process per file" "pdfsig" "$RUNS runs"

echo "batch: $BATCH files, $BATCH_RUNS runs per tool..." >&2
check_sohoa "$RAW/sohoa-batch.txt" "${BATCH_FILES[@]}"
# pdfsig's exit status says nothing about the signature: the loop keeps every
# verdict and the counts are checked after each timed run.
cat >"$RAW/pdfsig-batch.sh" <<EOF
#!/bin/bash
: >"$RAW/pdfsig-batch.out"
for f in "$OUT"/files/small-*.pdf; do
	pdfsig -nssdir "sql:$NSS" -no-ocsp "\$f" >>"$RAW/pdfsig-batch.out" 2>&1 || exit 1
done
test "\$(grep -c 'Signature is Valid' "$RAW/pdfsig-batch.out")" = $BATCH &&
test "\$(grep -c 'Certificate is Trusted' "$RAW/pdfsig-batch.out")" = $BATCH
EOF
chmod +x "$RAW/pdfsig-batch.sh"
time_cmd sohoa-batch "$BATCH_RUNS" 1 "$SOHOA" "${SOHOA_ARGS[@]}" "${BATCH_FILES[@]}"; rss_cmd sohoa-batch 1 "$SOHOA" "${SOHOA_ARGS[@]}" "${BATCH_FILES[@]}"
row sohoa-batch "batch of $BATCH small files" "sohoa verify" "1 call, $BATCH_RUNS runs"
time_cmd pdfsig-batch "$BATCH_RUNS" 1 "$RAW/pdfsig-batch.sh"; rss_cmd pdfsig-batch 1 "$RAW/pdfsig-batch.sh"
row pdfsig-batch "batch of $BATCH small files" "pdfsig" "$BATCH processes, $BATCH_RUNS runs"

LARGE_MIB=$(( $(stat -c %s "$LARGE") / 1048576 ))
echo "large file ($LARGE_MIB MiB): $LARGE_RUNS runs per tool..." >&2
cat "$LARGE" >/dev/null # page cache: every tool reads from memory
time_cmd sohoa-large "$LARGE_RUNS" 1 "$SOHOA" "${SOHOA_ARGS[@]}" "$LARGE"; rss_cmd sohoa-large 3 "$SOHOA" "${SOHOA_ARGS[@]}" "$LARGE"
row sohoa-large "large ($LARGE_MIB MiB, ENTIRE_FILE)" "sohoa verify" "$LARGE_RUNS runs"
time_cmd pdfsig-large "$LARGE_RUNS" 1 pdfsig "${PDFSIG_ARGS[@]}" "$LARGE"; rss_cmd pdfsig-large 3 pdfsig "${PDFSIG_ARGS[@]}" "$LARGE"
row pdfsig-large "large ($LARGE_MIB MiB, ENTIRE_FILE)" "pdfsig" "$LARGE_RUNS runs"
time_cmd sha256-large "$LARGE_RUNS" 1 sha256sum "$LARGE"; rss_cmd sha256-large 3 sha256sum "$LARGE"
row sha256-large "large ($LARGE_MIB MiB, ENTIRE_FILE)" "sha256sum" "$LARGE_RUNS runs"

echo "multi: $SIGS signatures on one file, $MULTI_RUNS runs per tool..." >&2
time_cmd sohoa-multi "$MULTI_RUNS" 2 "$SOHOA" "${SOHOA_ARGS[@]}" "$MULTI"; rss_cmd sohoa-multi 3 "$SOHOA" "${SOHOA_ARGS[@]}" "$MULTI"
row sohoa-multi "$SIGS signatures ($(du -k "$MULTI" | cut -f1) KiB), 1 process" "sohoa verify" "$MULTI_RUNS runs"
time_cmd pdfsig-multi "$MULTI_RUNS" 2 pdfsig "${PDFSIG_ARGS[@]}" "$MULTI"; rss_cmd pdfsig-multi 3 pdfsig "${PDFSIG_ARGS[@]}" "$MULTI"
row pdfsig-multi "$SIGS signatures ($(du -k "$MULTI" | cut -f1) KiB), 1 process" "pdfsig" "$MULTI_RUNS runs"

# ---------------------------------------------------------------- table
fmt_time() { # fmt_time SECONDS [SD]
	awk -v t="$1" -v sd="${2:-}" 'BEGIN { u = t < 1 ? 1000 : 1; f = t < 1 ? "%.1f" : "%.2f"
		printf f (t < 1 ? " ms" : " s"), t*u; if (sd != "") printf " ± " f, sd*u }'
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a/b }'; } # a/b
mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k/1024 }'; }
pdfsig_of() { case $1 in *-small) echo pdfsig-small ;; *-batch) echo pdfsig-batch ;; *-large) echo pdfsig-large ;; *-multi) echo pdfsig-multi ;; esac; }

{
	echo "Verdicts on the small file ($(basename "$SMALL")) and the large one, before timing:"
	echo
	echo '```'
	for k in small large; do
		echo "\$ sohoa verify --trust root.pem $k  (exit status 0)"
		grep -v '^sohoa verify exit status' "$RAW/sohoa-$k.txt" | head -n "${VERDICT_LINES:-6}"
		echo "\$ pdfsig -nssdir sql:nss -no-ocsp $k"
		grep -E 'Signature Validation|Certificate Validation|Total document signed|Signed Ranges' "$RAW/pdfsig-$k.txt"
	done
	echo '```'
	echo
	echo "| case | tool | runs | wall time, mean ± sd | median | peak RSS | speed-up vs pdfsig | time vs sha256sum |"
	echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
	for r in "${ROWS[@]}"; do
		IFS='|' read -r key case tool detail <<<"$r"
		p=$(pdfsig_of "$key")
		vs_pdfsig=$(awk -v a="${TIME[$p]}" -v b="${TIME[$key]}" 'BEGIN { printf "%.2f×", a/b }')
		vs_sha=""
		[ "${key%-large}" != "$key" ] && vs_sha=$(awk -v a="${TIME[$key]}" -v b="${TIME[sha256-large]}" 'BEGIN { printf "%.2f×", a/b }')
		echo "| $case | $tool | $detail | $(fmt_time "${TIME[$key]}" "${SDV[$key]}") | $(fmt_time "${MEDV[$key]}") | $(mib "${MEM[$key]}") | $vs_pdfsig | $vs_sha |"
	done
	echo
	echo "Speed-up vs pdfsig = pdfsig's mean time / the row's mean time (above 1 is faster than pdfsig); the targets use the same means."
	echo "Time vs sha256sum = the row's mean time / sha256sum's (1.00× is hashing speed)."
	echo "Peak RSS: /usr/bin/time -f %M, the largest of 3 runs (batch rows: 1 run; for the pdfsig loop, its largest process)."
	echo
	echo "Targets (issue 2):"
	t_small=$(awk -v a="${TIME[pdfsig-small]}" -v b="${TIME[sohoa-small]}" 'BEGIN { print (a/b >= 2) ? "met" : "MISSED" }')
	t_batch=$(awk -v a="${TIME[pdfsig-batch]}" -v b="${TIME[sohoa-batch]}" 'BEGIN { print (a/b >= 20) ? "met" : "MISSED" }')
	t_large=$(awk -v a="${TIME[pdfsig-large]}" -v b="${TIME[sohoa-large]}" 'BEGIN { print (a/b > 1) ? "met" : "MISSED" }')
	t_lmem=$(awk -v m="${MEM[sohoa-large]}" 'BEGIN { print (m < 65536) ? "met" : "MISSED" }')
	echo "- small file >= 2× faster than pdfsig, one process per file: $t_small ($(ratio "${TIME[pdfsig-small]}" "${TIME[sohoa-small]}"))"
	echo "- batch of $BATCH in one call >= 20× faster than $BATCH pdfsig runs: $t_batch ($(ratio "${TIME[pdfsig-batch]}" "${TIME[sohoa-batch]}"))"
	echo "- large file faster than pdfsig: $t_large ($(ratio "${TIME[pdfsig-large]}" "${TIME[sohoa-large]}"))"
	echo "- large file peak memory < 64 MiB: $t_lmem ($(mib "${MEM[sohoa-large]}"))"
	echo "- $SIGS-signature file (issue 7, no target; recorded): $(ratio "${TIME[pdfsig-multi]}" "${TIME[sohoa-multi]}") pdfsig's speed"
} | tee "$OUT/table.md"

{
	if [ -n "${SOHOA_BIN:-}" ]; then echo "sohoa: $SOHOA_BIN"
	else echo "sohoa $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- . 2>/dev/null || echo '+dirty'), $(go version | cut -d' ' -f3-)"; fi
	echo "$(pdfsig -v 2>&1 | head -1)"
	echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
	echo "load average (1, 5, 15 min): $LOAD_START at start, $(cut -d' ' -f1-3 /proc/loadavg) at end"
	free -h | sed -n 2p | awk '{print "memory: " $2 " total, " $7 " available"}'
	if [ -n "$HAVE_HYPERFINE" ]; then echo "timing: $(hyperfine --version)"; else echo "timing: shell loop"; fi
} | tee "$OUT/machine.txt"
