#!/usr/bin/env bash
# Wall time and peak memory of the commands that read a whole cluster at
# once: threat-model, report, monitor rules and scan, on the demo and on
# generated clusters (bench/gen_corpus.py).
#
#   bench/posture.sh [SIZE...]        default: 2000 10000
#
# Release build (built when missing); each figure is the median of three
# runs; prints a Markdown table. Needs python3 and GNU time (/usr/bin/time).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
palisade="$repo/target/release/palisade"
[ -x "$palisade" ] || (cd "$repo" && cargo build --release --quiet)
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(2000 10000)

# median "seconds KB" of three runs of a command
measure() {
  local runs=()
  for _ in 1 2 3; do
    /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1 || true
    runs+=("$(tail -1 "$work/time")")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p
}

cell() {
  local secs kb
  read -r secs kb <<<"$1"
  awk -v s="$secs" -v k="$kb" 'BEGIN {
    m = k / 1024; printf "%.2f s, %s", s, (m >= 1024 ? sprintf("%.1f GB", m / 1024) : sprintf("%d MB", m)) }'
}

row() {
  local label="$1" dir="$2"
  local t r m s
  # exit 1 means "findings at or above the threshold": not a failure here
  t="$(measure "$palisade" threat-model "$dir" --format json --output "$work/tm.json")"
  r="$(measure "$palisade" report "$dir" --format html --output "$work/report.html")"
  m="$(measure "$palisade" monitor rules "$dir" --output "$work/rules.yaml")"
  s="$(measure "$palisade" scan "$dir" --format json)"
  echo "| $label | $(cell "$t") | $(cell "$r") | $(cell "$m") | $(cell "$s") |"
}

echo "| input | \`threat-model\` (JSON) | \`report\` (HTML) | \`monitor rules\` | \`scan\` |"
echo "|---|---|---|---|---|"
objects="$("$palisade" scan "$repo/examples/demo" --format json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["objects"])' || true)"
row "the demo ($objects objects)" "$repo/examples/demo"
for n in "${sizes[@]}"; do
  python3 "$repo/bench/gen_corpus.py" --objects "$n" --out "$work/c$n" >/dev/null
  row "$(printf "%'d" "$n" 2>/dev/null || echo "$n") objects" "$work/c$n"
  rm -rf "$work/c$n"
done
