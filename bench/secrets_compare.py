#!/usr/bin/env python3
"""Precision and recall of secret scanners against a labelled corpus.

    secrets_compare.py CORPUS palisade.json detect-secrets.json trivy.json

CORPUS/labels.json comes from bench/secrets_corpus.py. A finding is true
when it falls on a line range of a planted secret; each planted secret is
recalled when at least one finding falls on it. Findings are counted once
per (file, line) for every tool.
"""
import json
import os
import sys


def palisade(path, root):
    r = json.load(open(path))
    return {(os.path.normpath(f["path"]), f["line"]) for f in r["findings"]}


def detect_secrets(path, root):
    r = json.load(open(path))
    return {(os.path.normpath(p), s["line_number"]) for p, items in r["results"].items() for s in items}


def trivy(path, root):
    r = json.load(open(path))
    return {
        (os.path.normpath(res["Target"]), s["StartLine"])
        for res in r.get("Results") or []
        for s in res.get("Secrets") or []
    }


def score(name, found, labels, verbose):
    hit = set()
    false = []
    for p, line in sorted(found):
        m = [i for i, l in enumerate(labels) if l["path"] == p and l["start"] <= line <= l["end"]]
        hit.update(m)
        if not m:
            false.append((p, line))
    tp = len(found) - len(false)
    precision = tp / len(found) if found else 1.0
    recall = len(hit) / len(labels)
    print(f"| {name} | {len(found)} | {tp} | {len(false)} | {precision:.1%} | {len(hit)}/{len(labels)} = {recall:.1%} |")
    if verbose:
        kinds = {}
        for i, l in enumerate(labels):
            if i not in hit:
                kinds[l["kind"]] = kinds.get(l["kind"], 0) + 1
        print(f"|   missed by kind: {kinds} |")
    return precision, recall


def main():
    root, pal, ds, tv = sys.argv[1:5]
    verbose = "-v" in sys.argv
    labels = json.load(open(os.path.join(root, "labels.json")))
    print("| tool | findings | true | false | precision | recall |")
    print("|---|---|---|---|---|---|")
    score("palisade", palisade(pal, root), labels, verbose)
    score("detect-secrets 1.5", detect_secrets(ds, root), labels, verbose)
    score("trivy 0.76 (secret scanner)", trivy(tv, root), labels, verbose)


if __name__ == "__main__":
    main()
