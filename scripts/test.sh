#!/usr/bin/env bash
# test.sh runs the whole test suite the way CI does: it starts the real
# services the integration tests need (PostgreSQL, a Versity S3 Gateway built
# once into .cache/), then vets and tests every package.
#
#   bash scripts/test.sh            # everything
#   bash scripts/test.sh ./verify/  # some packages (services still started)
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/test-services.sh
source scripts/test-services.sh
pkgs=("$@")
[ ${#pkgs[@]} -gt 0 ] || pkgs=(./...)
unformatted=$(gofmt -l $(git ls-files '*.go') 2>/dev/null || true)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:" >&2
	echo "$unformatted" >&2
	exit 1
fi
go vet "${pkgs[@]}"
go test -count=1 -timeout 20m "${pkgs[@]}"
