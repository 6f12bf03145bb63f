#!/usr/bin/env bash
# Builds helm from the Go module version go.mod pins, into testbed/.bin/helm
# (or $PALISADE_TESTBED_BIN/helm), unless it is there already; prints its path.
# The chart tests use it when no helm is on PATH.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN="${PALISADE_TESTBED_BIN:-$HERE/../.bin}"
mkdir -p "$BIN"
stamp="$BIN/.helm-built-from"
want="$(sha256sum "$HERE/go.sum" | cut -d' ' -f1)"
if [[ ! -x "$BIN/helm" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "building helm from helm.sh/helm/v4 ($(grep -oE 'helm.sh/helm/v4 v[0-9.]+' "$HERE/go.mod" | cut -d' ' -f2))" >&2
  (cd "$HERE" && go build -mod=readonly -o "$BIN/helm" helm.sh/helm/v4/cmd/helm)
  echo "$want" >"$stamp"
fi
echo "$BIN/helm"
