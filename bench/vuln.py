#!/usr/bin/env python3
"""Vulnerability-matching benchmark inputs, generated from the corpus's real
OSV records: an all.zip of N records (default 200,000) — copies of the real
PyPA, Go, Debian, Alpine, Maven, Packagist and npm records under new ids and
package names, ranges and versions kept — and a project with a
requirements.txt pinning P packages (default 5,000) that those records name,
half of them at affected versions.

usage: bench/vuln.py OUT_DIR [N] [P]
then:  palisade db import OUT_DIR/all.zip --db OUT_DIR/osv.sqlite
       palisade vuln OUT_DIR/project --db OUT_DIR/osv.sqlite
"""
import glob
import json
import os
import random
import sys
import zipfile

import yaml  # PyYAML, for the PyPA records

out = sys.argv[1]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 200_000
p = int(sys.argv[3]) if len(sys.argv) > 3 else 5_000
corpus = os.environ.get("PALISADE_CORPUS", os.path.join(os.path.dirname(__file__), "../../shared/corpus"))
records = []
for f in glob.glob(os.path.join(corpus, "osv/pypa-advisory-database/vulns/*/*.yaml")):
    records.append(yaml.safe_load(open(f)))
for f in glob.glob(os.path.join(corpus, "osv/osv-scanner-offline-dbs/*/*.json")) + glob.glob(os.path.join(corpus, "osv/golang-vulndb/osv/*.json")):
    records.append(json.load(open(f)))
random.seed(7)
os.makedirs(os.path.join(out, "project"), exist_ok=True)
pypi = [r for r in records if any(a.get("package", {}).get("ecosystem") == "PyPI" for a in r.get("affected", []))]
pins = []
with zipfile.ZipFile(os.path.join(out, "all.zip"), "w", zipfile.ZIP_DEFLATED) as z:
    for i in range(n):
        r = json.loads(json.dumps(random.choice(pypi if i < p else records), default=str))
        r["id"] = f"BENCH-{i}"
        r["aliases"] = [f"CVE-2099-{i}"]
        suffix = f"-bench{i % (n // 4 or 1)}"
        for a in r.get("affected", []):
            if "package" in a:
                a["package"]["name"] += suffix
                a["package"].pop("purl", None)
        if i < p:
            a = next(a for a in r["affected"] if a.get("package", {}).get("ecosystem") == "PyPI")
            versions = a.get("versions") or ["0.0.1"]
            v = random.choice(versions) if i % 2 == 0 else "9999.0"
            pins.append(f"{a['package']['name']}=={v}")
        z.writestr(f"BENCH-{i}.json", json.dumps(r))
open(os.path.join(out, "project", "requirements.txt"), "w").write("\n".join(pins) + "\n")
print(f"{n} records, {len(pins)} pins in {out}")
