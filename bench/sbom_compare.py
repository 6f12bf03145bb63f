#!/usr/bin/env python3
"""Package agreement between two CycloneDX SBOMs (palisade's and a peer's).

Packages are compared as (ecosystem, name, version), the ecosystem being the
purl type; names are compared case-insensitively, and Python names after PEP
503 normalisation, since the tools spell them differently. Prints per
ecosystem: both, only in A, only in B, and agreement = both / union, then the
differences.

usage: sbom_compare.py A.cdx.json B.cdx.json [--label-a palisade] [--label-b syft]
"""
import json
import re
import sys
from collections import defaultdict


def key(comp):
    purl = comp.get("purl") or ""
    m = re.match(r"pkg:([^/]+)/", purl)
    if not m:
        return None
    eco = m.group(1)
    name = comp.get("name", "")
    if comp.get("group") and eco == "maven":
        name = comp["group"] + "/" + name
    name = name.lower()
    if eco == "pypi":
        name = re.sub(r"[-_.]+", "-", name)
    return eco, name, comp.get("version", "")


def load(path):
    doc = json.load(open(path))
    out = set()
    stack = list(doc.get("components", []))
    while stack:
        c = stack.pop()
        stack.extend(c.get("components", []))
        k = key(c)
        if k:
            out.add(k)
    return out


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    labels = {"--label-a": "A", "--label-b": "B"}
    for i, a in enumerate(sys.argv):
        if a in labels and i + 1 < len(sys.argv):
            labels[a] = sys.argv[i + 1]
            args = [x for x in args if x != sys.argv[i + 1]]
    la, lb = labels["--label-a"], labels["--label-b"]
    a, b = load(args[0]), load(args[1])
    ecos = sorted({k[0] for k in a | b})
    print(f"| ecosystem | both | only {la} | only {lb} | agreement |")
    print("|---|---|---|---|---|")
    tot = defaultdict(int)
    for e in ecos:
        ea = {k for k in a if k[0] == e}
        eb = {k for k in b if k[0] == e}
        both, oa, ob = len(ea & eb), len(ea - eb), len(eb - ea)
        union = both + oa + ob
        tot["both"] += both
        tot["oa"] += oa
        tot["ob"] += ob
        print(f"| {e} | {both} | {oa} | {ob} | {100.0 * both / union:.1f}% |")
    union = tot["both"] + tot["oa"] + tot["ob"]
    print(f"| all | {tot['both']} | {tot['oa']} | {tot['ob']} | {100.0 * tot['both'] / max(union, 1):.1f}% |")
    for label, diff in ((la, a - b), (lb, b - a)):
        if diff:
            print(f"\nonly in {label}:")
            for k in sorted(diff):
                print("  ", *k)


if __name__ == "__main__":
    main()
