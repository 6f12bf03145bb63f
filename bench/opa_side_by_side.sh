#!/usr/bin/env bash
# palisade (regorus) beside OPA itself on the Gatekeeper library: every
# sample constraint on the reviews it matches among those of
# bench/admission.sh (the library's samples, examples/demo, the bad
# Ingresses).
#
# palisade's side: crates/palisade-gatekeeper/examples/profile.rs (the
# server's PolicySet::review with one constraint, no result cache, the
# server's allocator), which also dumps each constraint's template,
# parameters and matched reviews. OPA's side: each template in a bundle of
# its own (as Gatekeeper compiles them: some templates share a package
# name), its Rego and libs unchanged (--v0-compatible), and a driver that
# counts `violation` for every matched review with input = {review,
# parameters}; timed with `opa bench`. Violation counts are compared
# review by review. OPA is built from its Go module (OPA_VERSION, default
# v1.22.4) into $WORK/bin unless OPA=path is given.
#
#   bench/opa_side_by_side.sh [WORK]      (ITERATIONS=10)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
LIB=${PALISADE_CORPUS:-$ROOT/../shared/corpus}/gatekeeper-library/library
WORK=${1:-/tmp/opa-side-by-side}
OPA_VERSION=${OPA_VERSION:-v1.22.4}
ITERATIONS=${ITERATIONS:-10}
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
[ -d "$LIB" ] || { echo "no Gatekeeper library at $LIB" >&2; exit 2; }
OPA=${OPA:-$WORK/bin/opa}
if [ ! -x "$OPA" ]; then
  echo "building OPA $OPA_VERSION from its Go module ..." >&2
  GOBIN="$WORK/bin" go install "github.com/open-policy-agent/opa@$OPA_VERSION"
fi
(cd "$ROOT" && cargo build --release -q -p palisade-gatekeeper --example profile)
PROFILE=$ROOT/target/release/examples/profile
"$PROFILE" "$LIB" --objects "$LIB" --objects "$ROOT/examples/demo" \
  --objects "$ROOT/examples/admission/bad-ingresses.yaml" \
  --iterations "$ITERATIONS" --dump "$WORK/constraints.json" > "$WORK/palisade.md" 2> "$WORK/palisade.log"

python3 - "$OPA" "$LIB" "$WORK" <<'PY'
import json, os, re, shutil, subprocess, sys, yaml
opa, lib, work = sys.argv[1:4]
sources = {}
for d, _, files in sorted(os.walk(lib)):
    if "template.yaml" in files:
        t = yaml.safe_load(open(os.path.join(d, "template.yaml")))
        kind = t["spec"]["crd"]["spec"]["names"]["kind"]
        target = next(x for x in t["spec"]["targets"] if x["target"] == "admission.k8s.gatekeeper.sh")
        src = target if "rego" in target else next(
            c["source"] for c in target.get("code", []) if c.get("engine") == "Rego")
        sources[kind] = (src["rego"], src.get("libs") or [])
doc = json.load(open(f"{work}/constraints.json"))
total_reviews = doc["reviews"]
rows, differ, failed = [], [], []
pal_total = opa_total = 0.0
for k in doc["constraints"]:
    rego, libs = sources[k["kind"]]
    pkg = re.search(r"^package\s+([\w.]+)", rego, re.M).group(1)
    bundle = os.path.join(work, "bundles", k["kind"] + "-" + k["name"])
    shutil.rmtree(bundle, ignore_errors=True)
    os.makedirs(bundle)
    open(os.path.join(bundle, "template.rego"), "w").write(rego)
    for i, l in enumerate(libs):
        open(os.path.join(bundle, f"lib{i}.rego"), "w").write(l)
    open(os.path.join(bundle, "zz_driver.rego"), "w").write(f"""package palisade_side_by_side

counts := [n | r := input.reviews[_]; n := count(data.{pkg}.violation) with input as {{"review": r, "parameters": input.parameters}}]
""")
    inp = os.path.join(bundle, "input.json")
    json.dump({"reviews": k["reviews"], "parameters": k["parameters"]}, open(inp, "w"))
    args = ["--v0-compatible", "-d", bundle, "-i", inp, "-f", "json", "data.palisade_side_by_side.counts"]
    ev = json.loads(subprocess.run([opa, "eval", *args], capture_output=True, text=True).stdout or "{}")
    if ev.get("errors"):
        failed.append((k["kind"], k["name"], ev["errors"][0]["message"][:120]))
        continue
    counts = ev["result"][0]["expressions"][0]["value"]
    if counts != k["violations"]:
        # several sample constraints of one kind share a name; the profile
        # evaluates them together under that name: not comparable
        differ.append(f'{k["kind"]}/{k["name"]} ({sum(k["violations"])} vs {sum(counts)} violations)')
        continue
    bench = json.loads(subprocess.run([opa, "bench", *args], capture_output=True, text=True).stdout)
    ns = bench["T"] / bench["N"]
    opa_us = ns / 1e3 / len(k["reviews"])
    n = len(k["reviews"])
    pal_total += k["palisade_us"] * n
    opa_total += opa_us * n
    rows.append((k["kind"] + "/" + k["name"], n, k["palisade_us"], opa_us))
rows.sort(key=lambda r: -r[3])
print("| constraint | reviews | palisade µs per evaluation | OPA µs per evaluation |")
print("|---|---:|---:|---:|")
for r in rows:
    print(f"| {r[0]} | {r[1]} | {r[2]:.1f} | {r[3]:.1f} |")
print()
print(f"{len(rows)} constraints with the same violations on every review of {total_reviews}: their sum per review: "
      f"palisade {pal_total / total_reviews:.0f} µs, OPA {opa_total / total_reviews:.0f} µs "
      f"({opa_total / pal_total:.2f}x palisade's time)")
print(f"left out, violation counts differ ({len(differ)}): {differ}")
print(f"OPA could not evaluate {len(failed)} constraint(s): {failed}")
PY
