#!/usr/bin/env bash
# Hostile AdmissionReviews against `palisade admission serve`: what one
# request costs the webhook in memory (peak RSS, VmHWM from /proc) and time.
#
#   bench/hostile-admission.sh                   the default inputs
#   PALISADE=/tmp/palisade-before bench/hostile-admission.sh
#   SIZES="630000 3500000" KINDS="pod" bench/hostile-admission.sh
#   CONCURRENT=8 KINDS=array SIZES=3000000 bench/hostile-admission.sh
#
# Inputs (generated): a Pod of N minimal containers ({"name": "cI",
# "image": "busybox"}) whose AdmissionReview is ~SIZE bytes, for each SIZE
# in SIZES (default 630 KB and 3.5 MB); with KINDS="pod configmap array"
# also a ConfigMap of as many tiny keys and a custom resource holding one
# array of zeros (the worst bytes-to-memory ratios of objects without
# containers). Each input goes to a fresh server (the default
# configuration, limits.timeoutSeconds raised to 120 so that a slow debug
# build still finishes): the script posts it once to /validate, waits until
# the server has stopped using CPU (a review past the time limit keeps
# running on its thread), and reads VmHWM. With CONCURRENT=N it posts N
# copies at once (on N connections). Prints a Markdown table: the answer
# (HTTP status, allowed, status code and message; the first copy's), the
# time to answer (the last copy's), idle and peak RSS, and the peak above
# idle per item (container, key or array element) posted.
#
# Debug and release builds allocate alike; compare two binaries of the same
# profile (PALISADE=… for each). Needs curl and python3.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
PALISADE=${PALISADE:-$ROOT/target/debug/palisade}
SIZES=${SIZES:-"630000 3500000"}
KINDS=${KINDS:-pod}
PORT=${PORT:-18446}
EXTRA=${EXTRA_SERVE_ARGS:-}
CONCURRENT=${CONCURRENT:-1}
[ -x "$PALISADE" ] || { echo "no palisade binary at $PALISADE (cargo build -p palisade)" >&2; exit 2; }
WORK=$(mktemp -d)
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$WORK"' EXIT
"$PALISADE" admission certs --namespace bench --dir "$WORK" 2>/dev/null
echo "limits: {timeoutSeconds: 120}" > "$WORK/config.yaml"

gen() { # kind size file → prints the item count
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
kind, size, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def review(obj, resource, kind_):
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "0b1c2d3e-hostile", "kind": {"group": "", "version": "v1", "kind": kind_},
                        "resource": {"group": "", "version": "v1", "resource": resource},
                        "name": "hostile", "namespace": "hostile", "operation": "CREATE",
                        "userInfo": {"username": "mallory"}, "object": obj}}
if kind == "pod":
    item = len('{"name":"c10000","image":"busybox"},')
    n = max(1, (size - 400) // item)
    obj = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "hostile", "namespace": "hostile"},
           "spec": {"containers": [{"name": f"c{i}", "image": "busybox"} for i in range(n)]}}
    doc = review(obj, "pods", "Pod")
elif kind == "array":
    item = 2
    n = max(1, (size - 400) // item)
    obj = {"apiVersion": "example.com/v1", "kind": "Thing", "metadata": {"name": "hostile", "namespace": "hostile"},
           "spec": {"x": [0] * n}}
    doc = review(obj, "things", "Thing")
    doc["request"]["kind"]["group"] = doc["request"]["resource"]["group"] = "example.com"
else:
    item = len('"k100000":"v",')
    n = max(1, (size - 400) // item)
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "hostile", "namespace": "hostile"},
           "data": {f"k{i}": "v" for i in range(n)}}
    doc = review(obj, "configmaps", "ConfigMap")
text = json.dumps(doc, separators=(",", ":"))
open(out, "w").write(text)
print(n, len(text))
PY
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

echo "palisade: $PALISADE ($(stat -c %y "$PALISADE" | cut -d. -f1))${EXTRA:+, serve $EXTRA}"
echo
echo "| input | bytes | items | HTTP | allowed | status code | message (cut) | answered in | idle RSS | peak RSS | peak − idle per item |"
echo "|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|"
for kind in $KINDS; do
  for size in $SIZES; do
    read -r n bytes < <(gen "$kind" "$size" "$WORK/review.json")
    # shellcheck disable=SC2086
    "$PALISADE" admission serve --config "$WORK/config.yaml" --addr "127.0.0.1:$PORT" \
      --tls-cert "$WORK/tls.crt" --tls-key "$WORK/tls.key" $EXTRA 2> "$WORK/server.log" &
    SERVER=$!
    for _ in $(seq 200); do
      grep -q "admission webhook on" "$WORK/server.log" 2>/dev/null && break
      kill -0 "$SERVER" 2>/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
      sleep 0.1
    done
    sleep 0.5
    idle_kib=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
    started=$(date +%s.%N)
    posts=()
    for c in $(seq "$CONCURRENT"); do
      curl -sk --max-time 300 -o "$WORK/answer.$c" -w '%{http_code}' \
        -H 'Content-Type: application/json' --data-binary @"$WORK/review.json" \
        "https://127.0.0.1:$PORT/validate" > "$WORK/code.$c" &
      posts+=($!)
    done
    for p in "${posts[@]}"; do wait "$p" || true; done
    code=$(cat "$WORK/code.1")
    cp "$WORK/answer.1" "$WORK/answer"
    took=$(echo "$(date +%s.%N) - $started" | bc)
    # a review past the time limit goes on running: wait until the CPU is idle
    last=-1
    while :; do
      now=$(cpu_ticks "$SERVER")
      [ "$now" = "$last" ] && break
      last=$now
      sleep 1
    done
    peak_kib=$(awk '/VmHWM/ {print $2}' "/proc/$SERVER/status")
    kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null || true
    SERVER=
    python3 - "$kind" "$bytes" "$n" "$code" "$WORK/answer" "$took" "$idle_kib" "$peak_kib" "$CONCURRENT" <<'PY'
import json, sys
kind, size, n, code, answer, took, idle, peak, conc = sys.argv[1:]
size, n, idle, peak, conc = int(size), int(n), int(idle), int(peak), int(conc)
raw = open(answer, "rb").read()
try:
    r = json.loads(raw)["response"]
    allowed = str(r.get("allowed")).lower()
    st = r.get("status", {})
    scode = st.get("code", "")
    msg = st.get("message", "") or "; ".join(r.get("warnings", []))
except Exception:
    allowed, scode, msg = "—", "", raw.decode("utf-8", "replace").strip()
msg = msg.replace("|", "\\|").replace("\n", " ")
msg = msg if len(msg) <= 90 else msg[:87] + "..."
per = (peak - idle) * 1024 / n / conc
kind = kind if conc == 1 else f"{kind} ×{conc} at once"
print(f"| {kind} | {size / 1e6:.2f} MB | {n} | {code} | {allowed} | {scode} | {msg} | {float(took):.2f} s "
      f"| {idle / 1024:.0f} MB | {peak / 1024:.0f} MB | {per:,.0f} B |")
PY
  done
done
