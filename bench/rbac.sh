#!/usr/bin/env bash
# RBAC analysis at scale: 10,000 subjects, 5,000 roles, 20,000 bindings.
# Times `palisade rbac matrix` (effective permissions: who-can for every
# verb × resource pair, every subject), `palisade rbac risks` (every risk
# class) and `palisade rbac paths`; wall time and peak memory.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PALISADE=${PALISADE:-$ROOT/target/release/palisade}
DIR=${BENCH_DIR:-/tmp/palisade-bench}/rbac
[ -x "$PALISADE" ] || { echo "build palisade first: cargo build --release" >&2; exit 2; }
[ -d "$DIR" ] || python3 "$HERE/gen_rbac.py" --subjects 10000 --roles 5000 --bindings 20000 --out "$DIR"
echo "| command | wall | peak RSS |"
echo "|---|---:|---:|"
for cmd in "rbac matrix --format json" "rbac risks --format json --fail-on none" "rbac paths --format json"; do
  # shellcheck disable=SC2086
  /usr/bin/time -f '%e %M' -o /tmp/palisade-rbac-time $PALISADE $cmd "$DIR" > /dev/null || true
  read -r wall kib < <(tail -n 1 /tmp/palisade-rbac-time)
  echo "| \`palisade $cmd\` | ${wall} s | $((kib / 1024)) MB |"
done
