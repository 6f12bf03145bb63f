#!/usr/bin/env bash
# Regenerates docs/report.png: the posture report of the demo cluster after
# one fix, with the history of the two runs (before and after the fix).
#
#   docs/report-screenshot.sh [PALISADE_BINARY]
#
# Needs chromium (Debian: apt-get install chromium). Deterministic: fixed
# times, the demo as committed.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
palisade="${1:-$repo/target/release/palisade}"
[ -x "$palisade" ] || palisade="$repo/target/debug/palisade"
palisade="$(cd "$(dirname "$palisade")" && pwd)/$(basename "$palisade")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/examples"
cp -r "$repo/examples/demo" "$work/examples/demo"
cd "$work"
# run 1: the demo as committed (exit 1: it has high findings)
"$palisade" scan examples/demo --history history.sqlite --now 2024-05-01T09:00:00Z >/dev/null || [ $? -eq 1 ]
# the fix: the api's literal DB_PASSWORD becomes a Secret reference
python3 - <<'EOF'
p = "examples/demo/shop/api.yaml"
s = open(p).read()
literal = '              value: "Sh0p-db-demo-2024"\n'
assert s.count(literal) == 1
s = s.replace(literal, "              valueFrom:\n                secretKeyRef:\n                  name: shop-api-db\n                  key: password\n")
open(p, "w").write(s)
EOF
# run 2: the report, recorded in the same history
"$palisade" report examples/demo --history history.sqlite --now 2024-05-02T09:00:00Z -o report.html
"$palisade" history --db history.sqlite
chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$work/profile" --screenshot="$repo/docs/report.png" \
  --window-size=1280,2400 "file://$work/report.html"
