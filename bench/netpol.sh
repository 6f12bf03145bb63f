#!/usr/bin/env bash
# NetworkPolicy analysis at scale: 5,000 workloads in 200 namespaces, 1,000
# policies (gen_netpol.py). Times `palisade netpol matrix` (the class-compressed
# connectivity matrix, as a connlist and as JSON) and a full `palisade scan` of
# the same manifests; wall time and peak memory, plus the connlist's line count.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PALISADE=${PALISADE:-$ROOT/target/release/palisade}
DIR=${BENCH_DIR:-/tmp/palisade-bench}/netpol
[ -x "$PALISADE" ] || { echo "build palisade first: cargo build --release" >&2; exit 2; }
[ -d "$DIR" ] || python3 "$HERE/gen_netpol.py" --workloads 5000 --namespaces 200 --policies 1000 --out "$DIR"
echo "| command | wall | peak RSS |"
echo "|---|---:|---:|"
for cmd in "netpol matrix DIR --format connlist" "netpol matrix DIR --format json" "scan DIR --format json --fail-on none"; do
  args=()
  for w in $cmd; do if [ "$w" = DIR ]; then args+=("$DIR"); else args+=("$w"); fi; done
  /usr/bin/time -f '%e %M' -o /tmp/palisade-netpol-time "$PALISADE" "${args[@]}" > /dev/null || true
  # the last line: GNU time puts "Command exited with non-zero status N" before it
  read -r wall kib < <(tail -n 1 /tmp/palisade-netpol-time)
  echo "| \`palisade $cmd\` | ${wall} s | $((kib / 1024)) MB |"
done
lines=$({ "$PALISADE" netpol matrix "$DIR" --format connlist || true; } | wc -l)
echo
echo "connlist: $lines lines"
