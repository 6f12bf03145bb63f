#!/usr/bin/env bash
# Helm charts as teams ship them: palisade (rendering with the helm on PATH)
# beside trivy (which renders charts itself), chart by chart, and a census
# of the template functions the charts use (what a native renderer would
# have to implement exactly).
#
#   bench/charts.sh CHART_OR_DIR...
#
# Each argument is a chart (a directory with Chart.yaml) or a directory
# searched for charts. Charts whose dependencies are not vendored under
# charts/ are skipped by helm itself (it needs the network to fetch them);
# they are counted, not hidden.
#
# Environment knobs:
#   PALISADE  palisade binary (default: target/release/palisade)
#   HELM      helm binary     (default: helm on PATH, else testbed/.bin/helm)
#   PEERS     venv holding trivy (default: /tmp/peers/venv; SKIP_TRIVY=1 skips)
#   OUT       work directory  (default: /tmp/palisade-bench-charts)
set -u -o pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PALISADE=${PALISADE:-$ROOT/target/release/palisade}
HELM=${HELM:-$(command -v helm || echo "$ROOT/testbed/.bin/helm")}
PEERS=${PEERS:-/tmp/peers/venv}
OUT=${OUT:-/tmp/palisade-bench-charts}
mkdir -p "$OUT"
export PATH=$(dirname "$HELM"):$PATH

charts=()
for a in "$@"; do
  if [ -f "$a/Chart.yaml" ]; then charts+=("$a"); continue; fi
  while IFS= read -r c; do
    # dependencies vendored inside a chart are rendered with their parent
    case "${c#"$a"/}" in */charts/*) continue ;; esac
    charts+=("$(dirname "$c")")
  done < <(find "$a" -name Chart.yaml -not -path '*/tests/*' | sort)
done
[ ${#charts[@]} -gt 0 ] || { echo "no chart found" >&2; exit 2; }

timed() { /usr/bin/time -f "%e %M" -o "$OUT/time" "$@"; }

printf '| chart | objects | helm template s | palisade s (MB) | palisade findings | trivy s (MB) | trivy findings |\n'
printf '|---|---:|---:|---:|---:|---:|---:|\n'
for c in "${charts[@]}"; do
  name=$(basename "$c")
  timed "$HELM" template "$name" "$c" > "$OUT/$name.yaml" 2> "$OUT/$name.helm.err"
  rc=$?
  read -r ht _ < <(tail -n1 "$OUT/time")
  if [ $rc -ne 0 ]; then
    printf '| %s | — | helm failed: %s | | | | |\n' "$name" "$(head -c 120 "$OUT/$name.helm.err" | tr '\n|' '  ')"
    continue
  fi
  objects=$(grep -c '^kind:' "$OUT/$name.yaml")
  timed "$PALISADE" scan "$c" -f json -o "$OUT/$name.pal.json" --fail-on none 2> "$OUT/$name.pal.err"
  read -r pt pm < <(tail -n1 "$OUT/time")
  pf=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["findings"]))' "$OUT/$name.pal.json" 2>/dev/null || echo "error")
  if [ -z "${SKIP_TRIVY:-}" ] && [ -x "$PEERS/bin/trivy" ]; then
    timed "$PEERS/bin/trivy" config --cache-dir "$OUT/trivy-cache" -q -f json -o "$OUT/$name.trivy.json" "$c" 2> "$OUT/$name.trivy.err"
    read -r tt tm < <(tail -n1 "$OUT/time")
    tf=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(sum(len([m for m in r.get("Misconfigurations") or [] if m.get("Status") == "FAIL"]) for r in d.get("Results") or []))' "$OUT/$name.trivy.json" 2>/dev/null || echo "error")
    printf '| %s | %s | %s | %s (%d) | %s | %s (%d) | %s |\n' "$name" "$objects" "$ht" "$pt" $((pm / 1024)) "$pf" "$tt" $((tm / 1024)) "$tf"
  else
    printf '| %s | %s | %s | %s (%d) | %s | | |\n' "$name" "$objects" "$ht" "$pt" $((pm / 1024)) "$pf"
  fi
done

echo
echo "Template functions the charts use (a native renderer must match helm on each):"
python3 "$HERE/helm_functions.py" "${charts[@]}"
