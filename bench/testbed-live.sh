#!/usr/bin/env bash
# `palisade scan --cluster` against the real API server test bed, beside the
# offline scan of the same objects.
#
#   bench/testbed-live.sh [OBJECTS]      (default 10000)
#
# Generates OBJECTS objects (bench/gen_corpus.py, seed 1), creates them in
# the test bed (testbed/cluster.sh up, started here if it is not running),
# then measures, for the live scan and the offline scan of its --dump: wall
# time and peak memory (median of 3), and the requests the live scan made
# (the API server's own apiserver_request_total, by verb). Needs a release
# build (cargo build --release). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-10000}"
bench_cleanup() {
  [[ -n "$STARTED" ]] || kubectl delete -f "$WORK/corpus/cluster-scoped" --wait=false >/dev/null 2>&1 || true
}
source bench/testbed-lib.sh

# a previous run's namespaces must be gone, or their objects are refused
for _ in $(seq 120); do
  kubectl get namespaces --no-headers | grep -q Terminating || break
  sleep 2
done
python3 bench/gen_corpus.py --objects "$N" --out "$WORK/corpus" --seed 1 >/dev/null
# namespaces first, then everything else, server-side (no kubelet: pods are stored, never run)
kubectl apply --server-side --force-conflicts -f "$WORK/corpus/cluster-scoped" >/dev/null
t0=$SECONDS
# The generator writes some objects the API server refuses (requests above
# limits, procMount without user namespaces, pods of restricted namespaces
# or of missing service accounts): they are counted and left out.
find "$WORK/corpus" -name '*.yaml' -not -path '*/cluster-scoped/*' -print0 |
  xargs -0 -n 40 -P 2 sh -c 'for f; do set -- "$@" -f "$f"; shift; done; kubectl apply --server-side --force-conflicts "$@" >/dev/null' sh \
  2>"$WORK/refused" || true
echo "applied $N generated objects in $((SECONDS - t0)) s; the API server refused $(grep -c '^Error from server' "$WORK/refused")" >&2

# LIST and GET requests the API server has answered, as "LIST GET"
requests() {
  kubectl get --raw /metrics | awk '/^apiserver_request_total\{/ && /verb="(LIST|GET)"/ {
    split($0, a, "verb=\""); split(a[2], b, "\""); n[b[1]] += $NF } END { printf "%d %d\n", n["LIST"], n["GET"] }'
}

measure() { # label, command...
  local label=$1; shift
  local runs=()
  for _ in 1 2 3; do
    /usr/bin/time -f '%e %M' -o "$WORK/time" "$@" >/dev/null 2>"$WORK/err" || true
    runs+=("$(cat "$WORK/time")")
  done
  printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p | awk -v l="$label" '{ printf "| %s | %.2f s | %.0f MB |", l, $1, $2/1024 }'
}

read -r l0 g0 < <(requests)
"$PAL" scan --cluster --fail-on none --format json --dump "$WORK/dump.yaml" >/dev/null
read -r l1 g1 < <(requests)
# the metrics request itself is one GET
made="$((l1 - l0)) list requests"
objects="$(grep -c '^- ' "$WORK/dump.yaml" || true)"
echo "| scan | wall (median of 3) | peak memory | requests |"
echo "|---|---|---|---|"
echo "$(measure "--cluster ($objects objects read)" "$PAL" scan --cluster --fail-on none --format json) $made |"
echo "$(measure "offline, the same objects (its --dump)" "$PAL" scan --fail-on none --format json "$WORK/dump.yaml") — |"
