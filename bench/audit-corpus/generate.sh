#!/usr/bin/env bash
# Regenerates the labelled audit corpus in data/ from a real kube-apiserver.
#
#   bench/audit-corpus/generate.sh
#
# Starts its own test bed (testbed/cluster.sh, on ports of its own), lets
# corpus.py set the cluster up and drive benign traffic and the labelled
# attack steps through it, stops the controller manager and the API server
# (so every audit event is on disk), keeps the events between the start and
# end marks and writes data/native.jsonl.gz, data/rbac.yaml and
# data/labels.json; then removes the test bed. About 7 minutes.
#
# Settings (environment):
#   DURATION   seconds of traffic after the start mark (default 360)
#   RATE       scales the machine actors' request rates (default 5)
#   PALISADE_TESTBED_DIR, PALISADE_TESTBED_PORT, PALISADE_TESTBED_AUDIT_PORT,
#   PALISADE_TESTBED_ETCD_PORT, PALISADE_TESTBED_ETCD_PEER_PORT,
#   PALISADE_TESTBED_KCM_PORT   where the test bed lives (defaults below: not
#              the test bed's own defaults, so a test bed already running is left alone)
#   PALISADE_TESTBED_BIN   the built Kubernetes binaries (default testbed/.bin)
#   PALISADE_BIN           palisade, for `palisade audit install` (the audit policy)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
export PALISADE_TESTBED_DIR="${PALISADE_TESTBED_DIR:-/tmp/palisade-audit-corpus}"
export PALISADE_TESTBED_PORT="${PALISADE_TESTBED_PORT:-26443}"
export PALISADE_TESTBED_AUDIT_PORT="${PALISADE_TESTBED_AUDIT_PORT:-28444}"
export PALISADE_TESTBED_ETCD_PORT="${PALISADE_TESTBED_ETCD_PORT:-33790}"
export PALISADE_TESTBED_ETCD_PEER_PORT="${PALISADE_TESTBED_ETCD_PEER_PORT:-33800}"
export PALISADE_TESTBED_KCM_PORT="${PALISADE_TESTBED_KCM_PORT:-20257}"
export PALISADE_TESTBED_BIN="${PALISADE_TESTBED_BIN:-$ROOT/testbed/.bin}"
export PALISADE_BIN="${PALISADE_BIN:-$ROOT/target/release/palisade}"
# Anonymous requests possible (the anonymous step needs them); the audit
# webhook backend off: no sink runs here, and the batch backend would print
# every event it cannot deliver into the API server's log. The log backend
# writes the corpus either way.
export PALISADE_TESTBED_APISERVER_FLAGS="--anonymous-auth=true --audit-webhook-config-file="
# Every controller enabled by default: Deployments, ReplicaSets, Jobs,
# CronJobs, DaemonSets, endpoints, namespaces, garbage collection… all real.
export PALISADE_TESTBED_CONTROLLERS='*'
DURATION="${DURATION:-360}"
RATE="${RATE:-5}"
STATE="$PALISADE_TESTBED_DIR"
CLUSTER="$ROOT/testbed/cluster.sh"
DATA="$HERE/data"

[[ -x "$PALISADE_BIN" ]] || { echo "generate.sh: no palisade at $PALISADE_BIN (cargo build --release, or set PALISADE_BIN)" >&2; exit 2; }
trap '"$CLUSTER" down >/dev/null 2>&1 || true' EXIT

"$CLUSTER" down >/dev/null 2>&1 || true
"$CLUSTER" up
mkdir -p "$DATA"
python3 "$HERE/corpus.py" run --state "$STATE" --server "https://127.0.0.1:$PALISADE_TESTBED_PORT" \
  --kubectl "$PALISADE_TESTBED_BIN/kubectl" --data "$DATA" --duration "$DURATION" --rate "$RATE"

# Stop the writers before reading: the controller manager, then the API
# server (it closes the open watches, logging their last stage, and exits).
stop() {
  local pidfile="$STATE/$1.pid" pid
  [[ -f "$pidfile" ]] || return 0
  pid="$(cat "$pidfile")"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 80); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
}
stop kube-controller-manager
stop kube-apiserver
rc=0
python3 "$HERE/corpus.py" collect --state "$STATE" --data "$DATA" || rc=$?
"$CLUSTER" down
trap - EXIT
ls -l "$DATA"
exit "$rc"
