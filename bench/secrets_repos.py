#!/usr/bin/env python3
"""Precision of `palisade secrets` on real repositories, against hand labels.

    secrets_repos.py PALISADE LABELS.json NAME=DIR [NAME=DIR ...]

Fetches nothing: DIR is a checkout of the repository NAME (at the commit
LABELS.json names). Runs `PALISADE secrets DIR -f json` and prints, per
repository, the findings per severity and, of those above `info`, how many
the labels call a real credential (a literal that would work if it were
live: a token, a key with a body, a password that is not a placeholder;
wherever it is, docs included) and how many they call not one. Findings
above `info` without a label are listed, for a person to label.

LABELS.json: {"commits": {NAME: SHA}, "labels": [{"repo", "path", "line",
"real", "why"}]}, where path is below DIR.
"""
import collections
import json
import os
import subprocess
import sys

ORDER = ["critical", "high", "medium", "low", "info"]


def main():
    args = [a for a in sys.argv[1:] if a != "--docs"]
    docs = "--docs" in sys.argv
    pal, labels_path = args[:2]
    repos = [a.split("=", 1) for a in args[2:]]
    doc = json.load(open(labels_path))
    labels = {(l["repo"], l["path"], l["line"]): l for l in doc["labels"]}
    env = dict(os.environ, PALISADE_FINGERPRINT_KEY="0" * 63 + "1")
    print("| repository | findings | by severity | above info | real | not | unlabelled | precision |")
    print("|---|---|---|---|---|---|---|---|")
    unlabelled = []
    for name, d in repos:
        out = subprocess.run(
            [pal, "secrets", d, "-f", "json", "--fail-on", "none"],
            capture_output=True, env=env, check=False,
        )
        r = json.loads(out.stdout)
        c = collections.Counter(f["severity"] for f in r["findings"])
        real = not_real = 0
        def in_docs(f):
            parts = os.path.relpath(f["path"], d).split(os.sep)[:-1]
            return any(p in ("doc", "docs", "documentation") for p in parts)

        above = [f for f in r["findings"] if f["severity"] != "info" or docs and in_docs(f)]
        for f in above:
            rel = os.path.relpath(f["path"], d)
            l = labels.get((name, rel, f["line"]))
            if l is None:
                unlabelled.append((name, rel, f["line"], f["rule"], f.get("key"), f.get("note")))
            elif l["real"]:
                real += 1
            else:
                not_real += 1
        sev = ", ".join(f"{s} {c[s]}" for s in ORDER if c[s])
        prec = f"{real / len(above):.0%}" if above else "n/a"
        print(f"| {name} | {len(r['findings'])} | {sev} | {len(above)} | {real} | {not_real} | "
              f"{len(above) - real - not_real} | {prec} |")
    for u in unlabelled:
        print("unlabelled:", *u)


if __name__ == "__main__":
    main()
