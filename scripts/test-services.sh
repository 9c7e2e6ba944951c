# shellcheck shell=bash
# test-services.sh starts the real servers the integration tests talk to and
# exports the SOHOA_TEST_* variables that point the tests at them.
#
# Source it from bash; it changes the calling shell's environment:
#
#     source scripts/test-services.sh && go test ./...
#
# It is idempotent: sourcing it again in the same shell reuses the servers
# that are still answering. What it starts is stopped when the calling shell
# exits (an EXIT trap, plus a watchdog that also covers a killed shell).
#
#  1. PostgreSQL at 127.0.0.1:5432 (started with pg_ctlcluster when it is not
#     answering); SOHOA_TEST_DATABASE_URL points at the postgres database and
#     each test package creates its own database from it.
#  2. Versity S3 Gateway (versitygw) in posix mode on a free loopback port with
#     a temporary directory, built once into .cache/bin (git-ignored).
#     Versioning is enabled (--versioning-dir) so that buckets created with
#     object lock behave like S3 (retention applies to object versions).
#     Keep-alive is on (--keep-alive; versitygw closes every connection after
#     one request otherwise), as with any production S3 server.
#     SOHOA_TEST_S3_ENDPOINT, SOHOA_TEST_S3_ACCESS_KEY, SOHOA_TEST_S3_SECRET_KEY.
#  3. Debian's chromium for the browser tests (web/browser_test.go): installed
#     with apt-get when /usr/bin/chromium is missing (apt-get update first
#     only when the package lists do not know chromium; sudo when not root).
#     SOHOA_TEST_CHROMIUM=/usr/bin/chromium.
#
# Knobs: SOHOA_VERSITYGW_VERSION (default v1.8.0), SOHOA_TEST_SERVICES=pg|s3|
# chromium|all (default all).

_sohoa_ts_log() { printf 'test-services: %s\n' "$*" >&2; }

# _sohoa_ts_port_open HOST PORT: true when something accepts TCP there.
_sohoa_ts_port_open() {
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

_sohoa_ts_postgres() {
	if ! command -v pg_isready >/dev/null 2>&1; then
		_sohoa_ts_log "pg_isready not found; PostgreSQL tests will skip (or fail under CI)"
		return 0
	fi
	if ! pg_isready -q -h 127.0.0.1 -p 5432; then
		local ver
		ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
		if [ -z "$ver" ]; then
			_sohoa_ts_log "no PostgreSQL cluster under /etc/postgresql; PostgreSQL tests will skip (or fail under CI)"
			return 0
		fi
		_sohoa_ts_log "starting PostgreSQL $ver/main"
		pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 || {
			_sohoa_ts_log "pg_ctlcluster failed"
			return 1
		}
		local i
		for i in $(seq 1 100); do
			pg_isready -q -h 127.0.0.1 -p 5432 && break
			sleep 0.1
		done
		if ! pg_isready -q -h 127.0.0.1 -p 5432; then
			_sohoa_ts_log "PostgreSQL did not become ready"
			return 1
		fi
	fi
	export SOHOA_TEST_DATABASE_URL='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable'
	_sohoa_ts_log "PostgreSQL: SOHOA_TEST_DATABASE_URL=$SOHOA_TEST_DATABASE_URL"
}

_sohoa_ts_versitygw_bin() {
	local repo=$1 version=${SOHOA_VERSITYGW_VERSION:-v1.8.0}
	local bin=$repo/.cache/bin/versitygw
	if [ -x "$bin" ]; then
		printf '%s\n' "$bin"
		return 0
	fi
	_sohoa_ts_log "building versitygw $version into $repo/.cache/bin (once; takes a few minutes)"
	# Build outside the module so its go.mod is not touched.
	(cd / && GOBIN=$repo/.cache/bin GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@$version") >&2 || {
		_sohoa_ts_log "go install versitygw failed"
		return 1
	}
	printf '%s\n' "$bin"
}

_sohoa_ts_versitygw() {
	local repo=$1
	if [ -n "${_SOHOA_TS_VGW_PID:-}" ] && kill -0 "$_SOHOA_TS_VGW_PID" 2>/dev/null &&
		[ -n "${SOHOA_TEST_S3_ENDPOINT:-}" ] &&
		_sohoa_ts_port_open "${SOHOA_TEST_S3_ENDPOINT%:*}" "${SOHOA_TEST_S3_ENDPOINT##*:}"; then
		_sohoa_ts_log "versitygw already running (pid $_SOHOA_TS_VGW_PID) at $SOHOA_TEST_S3_ENDPOINT"
		return 0
	fi
	local bin
	bin=$(_sohoa_ts_versitygw_bin "$repo") || return 1

	local dir access secret
	dir=$(mktemp -d "${TMPDIR:-/tmp}/sohoa-versitygw.XXXXXX") || return 1
	mkdir -p "$dir/data" "$dir/versions"
	access=sohoa$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')
	secret=$(od -An -N20 -tx1 /dev/urandom | tr -d ' \n')

	local attempt port pid
	for attempt in 1 2 3 4 5 6 7 8 9 10; do
		port=$((20000 + (RANDOM * 32768 + RANDOM) % 40000))
		_sohoa_ts_port_open 127.0.0.1 "$port" && continue
		ROOT_ACCESS_KEY=$access ROOT_SECRET_KEY=$secret \
			"$bin" --port "127.0.0.1:$port" --quiet --keep-alive \
			posix --versioning-dir "$dir/versions" "$dir/data" \
			>"$dir/versitygw.log" 2>&1 </dev/null &
		pid=$!
		local i
		for i in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			_sohoa_ts_port_open 127.0.0.1 "$port" && break
			sleep 0.05
		done
		if kill -0 "$pid" 2>/dev/null && _sohoa_ts_port_open 127.0.0.1 "$port"; then
			break
		fi
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
		pid=
	done
	if [ -z "$pid" ]; then
		_sohoa_ts_log "versitygw did not start; log:"
		cat "$dir/versitygw.log" >&2
		rm -rf "$dir"
		return 1
	fi
	disown "$pid" 2>/dev/null || true

	_SOHOA_TS_VGW_PID=$pid
	_SOHOA_TS_VGW_DIR=$dir
	export SOHOA_TEST_S3_ENDPOINT=127.0.0.1:$port
	export SOHOA_TEST_S3_ACCESS_KEY=$access
	export SOHOA_TEST_S3_SECRET_KEY=$secret

	# Watchdog: stops the gateway even when the calling shell dies without
	# running its EXIT trap (SIGKILL, closed terminal).
	local shell_pid=$$
	(
		trap '' HUP INT
		while kill -0 "$shell_pid" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 2; done
		kill "$pid" 2>/dev/null
		sleep 1
		rm -rf "$dir"
	) >/dev/null 2>&1 </dev/null &
	disown $! 2>/dev/null || true

	_sohoa_ts_log "versitygw $bin (pid $pid) at http://$SOHOA_TEST_S3_ENDPOINT, data in $dir"
}

# _sohoa_ts_chromium installs Debian's chromium when it is missing. A failed
# install is logged and does not stop the other services: the browser tests
# then skip, or fail under CI.
_sohoa_ts_chromium() {
	local bin=/usr/bin/chromium
	if [ ! -x "$bin" ]; then
		if ! command -v apt-get >/dev/null 2>&1; then
			_sohoa_ts_log "$bin missing and no apt-get; browser tests will skip (or fail under CI)"
			return 0
		fi
		local sudo=
		if [ "$(id -u)" != 0 ]; then
			if ! command -v sudo >/dev/null 2>&1; then
				_sohoa_ts_log "$bin missing; not root and no sudo to install it; browser tests will skip (or fail under CI)"
				return 0
			fi
			sudo="sudo -n"
		fi
		local log
		log=$(mktemp "${TMPDIR:-/tmp}/sohoa-apt.XXXXXX")
		_sohoa_ts_log "installing Debian's chromium for the browser tests (apt-get; log in $log)"
		local updated=
		if ! apt-cache show chromium >/dev/null 2>&1; then
			$sudo apt-get update -qq >>"$log" 2>&1 || _sohoa_ts_log "apt-get update failed; see $log"
			updated=1
		fi
		local install="$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium"
		# Stale package lists name versions the mirror no longer has:
		# update once and retry.
		if ! $install >>"$log" 2>&1 && { [ -n "$updated" ] || ! $sudo apt-get update -qq >>"$log" 2>&1 || ! $install >>"$log" 2>&1; }; then
			_sohoa_ts_log "apt-get install chromium failed; see $log; browser tests will skip (or fail under CI)"
			return 0
		fi
		if [ ! -x "$bin" ]; then
			_sohoa_ts_log "chromium installed but $bin is missing; see $log; browser tests will skip (or fail under CI)"
			return 0
		fi
		rm -f "$log"
		_sohoa_ts_log "installed $("$bin" --version 2>/dev/null)"
	fi
	export SOHOA_TEST_CHROMIUM=$bin
	_sohoa_ts_log "chromium: SOHOA_TEST_CHROMIUM=$SOHOA_TEST_CHROMIUM"
}

_sohoa_ts_stop() {
	if [ -n "${_SOHOA_TS_VGW_PID:-}" ]; then
		kill "$_SOHOA_TS_VGW_PID" 2>/dev/null
		_SOHOA_TS_VGW_PID=
	fi
	if [ -n "${_SOHOA_TS_VGW_DIR:-}" ]; then
		rm -rf "$_SOHOA_TS_VGW_DIR"
		_SOHOA_TS_VGW_DIR=
	fi
}

_sohoa_ts_main() {
	local repo
	repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd) || return 1
	local which=${SOHOA_TEST_SERVICES:-all}
	case $which in
	all | pg) _sohoa_ts_postgres || return 1 ;;
	esac
	case $which in
	all | s3) _sohoa_ts_versitygw "$repo" || return 1 ;;
	esac
	case $which in
	all | chromium) _sohoa_ts_chromium ;;
	esac
	if [ -z "${_SOHOA_TS_TRAP_SET:-}" ]; then
		# Keep an EXIT trap the caller already had.
		local prev
		prev=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//")
		# shellcheck disable=SC2064
		trap "_sohoa_ts_stop${prev:+; $prev}" EXIT
		_SOHOA_TS_TRAP_SET=1
	fi
}

if [ -z "${BASH_VERSION:-}" ]; then
	echo "test-services.sh: source it from bash" >&2
	return 1 2>/dev/null || exit 1
fi
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "test-services.sh: source it (source scripts/test-services.sh && go test ./...); running it only starts servers that die with it" >&2
	exit 1
fi
_sohoa_ts_main

# _sohoa_ts_poppler installs poppler-utils (pdfsig, pdftotext, pdffonts) when
# one of them is missing: the certified-copy tests check the copies with
# them, and fail under CI without them.
_sohoa_ts_poppler() {
	if command -v pdfsig >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1 && command -v pdffonts >/dev/null 2>&1; then
		return 0
	fi
	if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
		_sohoa_ts_log "poppler-utils missing and cannot be installed here; the certified-copy tests will skip (or fail under CI)"
		return 0
	fi
	_sohoa_ts_log "installing poppler-utils"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >&2 ||
		{ apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >&2; } ||
		_sohoa_ts_log "installing poppler-utils failed"
}
_sohoa_ts_poppler
