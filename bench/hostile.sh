#!/usr/bin/env bash
# Peak memory of palisade on hostile and large inputs (bench/hostile.py):
# an alias bomb of large strings, four documents of 100,000 containers, a
# 530 KB pod of 15,000 containers and a kubectl dump of 12,000 pods, each
# through scan, secrets and fix --diff. Prints one row per run: input,
# command, exit code, peak RSS, wall time.
#
#   bench/hostile.sh                      # target/release/palisade
#   PALISADE=/tmp/palisade-before bench/hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PALISADE=${PALISADE:-target/release/palisade}
DIR=${BENCH_DIR:-/tmp/palisade-hostile}
LIMIT_KB=${LIMIT_KB:-8000000}   # a run past ~8 GB is stopped (ulimit -v)
TIMEOUT=${TIMEOUT:-120}         # seconds a run may take (exit 124 when stopped)
[ -x "$PALISADE" ] || { echo "no palisade at $PALISADE (cargo build --release)" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 1; }
python3 bench/hostile.py --out "$DIR" >/dev/null

printf '| input | command | exit | peak RSS | wall |\n|---|---|---|---|---|\n'
for input in alias-bomb.yaml split-pods.yaml big-pod.yaml dump.yaml; do
  for cmd in scan secrets fix; do
    case $cmd in
      scan) args=(scan "$DIR/$input" -f json -o /dev/null) ;;
      secrets) args=(secrets "$DIR/$input" -f json) ;;
      fix) args=(fix "$DIR/$input" --diff) ;;
    esac
    (ulimit -v "$LIMIT_KB"; /usr/bin/time -f '%x %M %e' timeout "$TIMEOUT" "$PALISADE" "${args[@]}" >/dev/null 2>/tmp/hostile-err) || true
    read -r code kb secs <<<"$(tail -1 /tmp/hostile-err)"
    printf '| %s | %s | %s | %s MB | %s s |\n' "$input" "$cmd" "$code" "$((kb / 1024))" "$secs"
  done
done
