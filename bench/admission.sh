#!/usr/bin/env bash
# Admission webhook under load, over TLS on loopback, in four configurations:
# the built-in checks alone, plus ten common Gatekeeper templates, plus all 49
# library templates with every sample constraint, and that again with every
# request about a new object (the reviews otherwise repeat, and repeated
# ones are answered from the result cache)
# (palisade admission serve), driven by palisade-loadgen (open loop, latency
# from the scheduled send time) with mixed AdmissionReviews: the library's
# sample pods, the demo cluster's workloads and Ingresses. Rates 500, 1000
# and 2000 requests/s (override: RATES="..."), SECONDS per rate (default 10).
# Prints a Markdown table; the server's peak RSS is read from /proc.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PALISADE=${PALISADE:-$ROOT/target/release/palisade}
LOADGEN=${LOADGEN:-$ROOT/target/release/palisade-loadgen}
LIB=${PALISADE_CORPUS:-$ROOT/../shared/corpus}/gatekeeper-library/library
RATES=${RATES:-"500 1000 2000"}
SECS=${SECONDS_PER_RATE:-10}
CONNS=${CONNECTIONS:-32}
PORT=${PORT:-18443}
[ -x "$PALISADE" ] && [ -x "$LOADGEN" ] || { echo "build first: cargo build --release -p palisade -p palisade-webhook" >&2; exit 2; }
[ -d "$LIB" ] || { echo "no Gatekeeper library at $LIB" >&2; exit 2; }
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
"$PALISADE" admission certs --namespace bench --dir "$WORK" 2>/dev/null
{
  echo "policies:"
  echo "  paths:"
  find "$LIB" -name template.yaml | sort | sed 's/^/    - /'
  find "$LIB" -path '*/samples/*' -name constraint.yaml | sort | sed 's/^/    - /'
  echo "limits: {timeoutSeconds: 5}"
} > "$WORK/config.yaml"
templates=$(find "$LIB" -name template.yaml | wc -l)
constraints=$(find "$LIB" -path '*/samples/*' -name constraint.yaml | wc -l)
objects=("$LIB" "$ROOT/examples/demo" "$ROOT/examples/admission/bad-ingresses.yaml")
obj_args=()
for o in "${objects[@]}"; do obj_args+=(--objects "$o"); done
echo "limits: {timeoutSeconds: 5}" > "$WORK/builtin.yaml"
echo "$(nproc) cores shared by server and load generator; $CONNS keep-alive TLS connections; ${SECS} s per rate; mixed AdmissionReviews: the Gatekeeper library's sample Pods, the demo's workloads and Ingresses."

run_config() { # title config [loadgen flags...]
  "$PALISADE" admission serve --config "$2" --addr "127.0.0.1:$PORT" \
    --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key" 2> "$WORK/server.log" &
  SERVER=$!
  for _ in $(seq 100); do
    grep -q "admission webhook on" "$WORK/server.log" 2>/dev/null && break
    kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
    sleep 0.1
  done
  sleep 0.5
  local idle_kib peak_kib
  idle_kib=$(awk '/VmRSS/ {print $2}' "/proc/$SERVER/status")
  echo
  echo "### $1"
  echo
  echo "$(head -1 "$WORK/server.log" | sed 's/^palisade: //')"
  echo
  echo "| rate asked (req/s) | achieved | requests | errors | denied | p50 | p90 | p99 | max |"
  echo "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for r in $RATES; do
    out=$("$LOADGEN" --addr "127.0.0.1:$PORT" --server-name palisade-webhook.bench.svc --ca "$WORK/ca.crt" \
      --rate "$r" --seconds "$SECS" --connections "$CONNS" "${obj_args[@]}" "${@:3}")
    python3 - "$out" <<'PY'
import json, sys
d = json.loads(sys.argv[1])
print(f"| {d['rate_asked']:.0f} | {d['rate_achieved']:.0f} | {d['requests']} | {d['errors']} | {d['denied']} | {d['p50_ms']:.2f} ms | {d['p90_ms']:.2f} ms | {d['p99_ms']:.2f} ms | {d['max_ms']:.1f} ms |")
PY
  done
  peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
  echo
  echo "Server memory: $((idle_kib / 1024)) MB resident after loading, $((peak_kib / 1024)) MB peak (VmHWM)."
  kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
}

# a typical set: ten common templates, the first sample constraint of each
TYPICAL="allowedrepos disallowedtags requiredlabels containerlimits requiredprobes block-nodeport-services httpsonly uniqueingresshost imagedigests automount-serviceaccount-token"
{
  echo "policies:"
  echo "  paths:"
  for t in $TYPICAL; do
    echo "    - $LIB/general/$t/template.yaml"
    find "$LIB/general/$t/samples" -name constraint.yaml | sort | head -1 | sed 's/^/    - /'
  done
  echo "limits: {timeoutSeconds: 5}"
} > "$WORK/typical.yaml"

run_config "Built-in checks and Pod Security only" "$WORK/builtin.yaml"
run_config "Built-in checks plus ten common library templates, one constraint each" "$WORK/typical.yaml"
run_config "Built-in checks plus all $templates library templates with their $constraints sample constraints" "$WORK/config.yaml"
run_config "The same, every request about an object never seen before (--fresh: no cached answer)" "$WORK/config.yaml" --fresh

