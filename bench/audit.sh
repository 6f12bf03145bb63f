#!/usr/bin/env bash
# Audit detection throughput and the audit sink end to end.
#  1. `palisade audit analyze` over a generated realistic event mix
#     (palisade-auditgen: controller and service-account reads, lease and
#     status updates, kubelet patches, ReplicaSet pod creates with bodies,
#     secret reads, human Deployment patches, exec, RBAC writes, ConfigMaps)
#     through the default ruleset (palisade's pack, windows included), from a file
#     (one core: analyze is single-threaded) — EVENTS (default 200000).
#  2. The same stream piped from the generator, STREAM events (default
#     10000000), to show memory stays flat.
#  3. `palisade audit serve` over TLS on loopback, alerts committed to SQLite
#     before each 200, fed EventList batches of 400 over 4 connections
#     (client and server share the machine) — SINK_EVENTS (default 1000000);
#     then with --store-events; then overloaded (--max-inflight 1, 8
#     connections) to show immediate 429s and no loss.
# Prints a Markdown summary. Peak RSS from /usr/bin/time or /proc.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PALISADE=${PALISADE:-$ROOT/target/release/palisade}
GEN=${GEN:-$ROOT/target/release/palisade-auditgen}
EVENTS=${EVENTS:-200000}
STREAM=${STREAM:-10000000}
SINK_EVENTS=${SINK_EVENTS:-1000000}
PORT=${PORT:-18444}
[ -x "$PALISADE" ] && [ -x "$GEN" ] || { echo "build first: cargo build --release -p palisade -p palisade-auditsink --bins" >&2; exit 2; }
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT

"$GEN" "$EVENTS" > "$WORK/events.jsonl"
SIZE=$(du -m "$WORK/events.jsonl" | cut -f1)
echo "| run | events | time | events/s | peak RSS |"
echo "|---|---:|---:|---:|---:|"
for i in 1 2 3; do
  /usr/bin/time -f "%e %M" -o "$WORK/t" "$PALISADE" audit analyze --format json --fail-on none "$WORK/events.jsonl" > "$WORK/alerts.jsonl"
  read -r SECS KB < "$WORK/t"
  echo "| analyze file (${SIZE} MB), run $i | $EVENTS | ${SECS} s | $(python3 -c "print(round($EVENTS/$SECS))") | $((KB/1024)) MB |"
done
ALERTS=$(wc -l < "$WORK/alerts.jsonl")

/usr/bin/time -f "%e %M" -o "$WORK/t" bash -c "\"$GEN\" $STREAM | \"$PALISADE\" audit analyze --format json --fail-on none - | wc -l" > "$WORK/n"
read -r SECS KB < "$WORK/t"
echo "| analyze stdin from the generator (both on the same cores) | $STREAM | ${SECS} s | $(python3 -c "print(round($STREAM/$SECS))") | $((KB/1024)) MB (largest process) |"

"$PALISADE" audit install --url "https://localhost:$PORT/audit" -o "$WORK/sink" > /dev/null 2>&1
sink() { # extra serve flags…
  rm -f "$WORK/sink/bench.db"*
  ( cd "$WORK/sink" && exec "$PALISADE" audit serve --tls-cert sink-tls.crt --tls-key sink-tls.key \
      --token-file sink-token --db bench.db --addr "127.0.0.1:$PORT" "$@" 2> serve.err ) &
  SERVER=$!
  sleep 1
}
post() { # events connections label
  local out
  out=$("$GEN" "$1" --post "https://localhost:$PORT/audit" --ca "$WORK/sink/sink-ca.crt" \
      --token-file "$WORK/sink/sink-token" --connections "$2")
  local hwm
  hwm=$(awk '/VmHWM/ {print int($2/1024)}' "/proc/$SERVER/status")
  echo "| $3: $out | $1 | | | ${hwm} MB |"
  kill "$SERVER"; wait "$SERVER" 2>/dev/null || true; SERVER=
}
sink;                       post "$SINK_EVENTS" 4 "serve, TLS, SQLite commit before 200"
sink --store-events;        post "$EVENTS" 4 "serve --store-events"
sink --max-inflight 1;      post "$EVENTS" 8 "serve --max-inflight 1 (overload)"
echo
echo "alerts from $EVENTS events (analyze): $ALERTS"
