#!/usr/bin/env bash
# The API server's added latency per request when it calls palisade's
# admission webhook (the test bed of testbed/cluster.sh; release build).
#
#   bench/testbed-admission.sh [REQUESTS]     (default 300)
#
# kubectl creates REQUESTS Pods with --dry-run=server (admission runs,
# nothing is stored) in one process, first without the webhook, then with
# what `palisade admission install --url` writes applied and `admission
# serve` answering; median of 3 runs each. Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-300}"
PORT=18445
NS="bench-admission-$$"
bench_cleanup() {
  kubectl delete validatingwebhookconfiguration palisade --ignore-not-found >/dev/null 2>&1 || true
  kubectl delete namespace "$NS" --ignore-not-found --wait=false >/dev/null 2>&1 || true
  [[ -n "${SERVE:-}" ]] && kill "$SERVE" 2>/dev/null || true
}
source bench/testbed-lib.sh
kubectl create namespace "$NS" >/dev/null
python3 - "$N" "$NS" >"$WORK/pods.json" <<'PY'
import json, sys
n = int(sys.argv[1])
pod = lambda i: {"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": f"p{i}", "namespace": sys.argv[2]},
  "spec": {"automountServiceAccountToken": False,
    "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
    "containers": [{"name": "app", "image": "registry.example/app:1.4.2@sha256:" + "2" * 64,
      "resources": {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}},
      "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}}}]}}
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": [pod(i) for i in range(n)]}))
PY
run() { # median seconds of 3 dry-run creates of the N pods
  for _ in 1 2 3; do
    /usr/bin/time -f '%e' -o "$WORK/t" kubectl create --dry-run=server -f "$WORK/pods.json" >/dev/null
    cat "$WORK/t"
  done | sort -n | sed -n 2p
}
without="$(run)"
"$PAL" admission install --url "https://127.0.0.1:$PORT" --certs-dir "$WORK/certs" -o "$WORK/webhooks.yaml" 2>/dev/null
"$PAL" admission serve --addr "127.0.0.1:$PORT" --tls-cert "$WORK/certs/tls.crt" --tls-key "$WORK/certs/tls.key" >/dev/null 2>&1 &
SERVE=$!
sleep 1
kubectl apply -f "$WORK/webhooks.yaml" >/dev/null
sleep 2
with="$(run)"
awk -v n="$N" -v a="$without" -v b="$with" 'BEGIN {
  printf "| %d dry-run Pod creates | without the webhook | with palisade | added per request |\n|---|---|---|---|\n", n
  printf "| wall (median of 3) | %.2f s (%.2f ms each) | %.2f s (%.2f ms each) | %.2f ms |\n", a, a*1000/n, b, b*1000/n, (b-a)*1000/n }'
