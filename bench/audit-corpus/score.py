#!/usr/bin/env python3
"""Scores `palisade audit analyze` on the labelled corpus in data/.

    score.py [--bin PALISADE] [--format native|eks|aks|gke|all] [--check]
             [--internal-cidr CIDR] [--known-from FILE] [--min-priority P]

For each format the native log is converted (convert.py), analysed with
`PALISADE audit analyze FILE --format json --internal-cidr … --known-from …`,
and every alert mapped to its event by `event.auditID`. A step is detected
when an alert of one of its expected rules is on one of its audit IDs; an
alert on an event of no step is a false alert. A flag the binary does not
know is left out and the steps that need it are reported "n/a" (not counted
in recall). Prints Markdown tables.

--check exits 1 unless, on the native log, recall is at least 90% and there
is less than 1 false alert per 10,000 benign events.
"""

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import convert  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def supported_flags(binary):
    p = subprocess.run([binary, "audit", "analyze", "--help"], capture_output=True, text=True)
    return p.stdout + p.stderr


def analyze(binary, path, flags, min_priority):
    cmd = [binary, "audit", "analyze", path, "--format", "json", "--fail-on", "none"] + flags
    if min_priority:
        cmd += ["--min-priority", min_priority]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode not in (0, 1):
        sys.stderr.write(f"score.py: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr[-2000:]}\n")
    alerts = []
    for line in p.stdout.splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                alerts.append(json.loads(line))
            except ValueError:
                pass
    return alerts, dt, p.returncode, p.stderr


def record_ids(fmt, line):
    """The audit IDs a converted record carries."""
    o = json.loads(line)
    if fmt == "native":
        return [o["auditID"]]
    if fmt == "eks":
        return [json.loads(o["message"])["auditID"]]
    if fmt == "aks":
        return [json.loads(r["properties"]["log"])["auditID"] for r in o["records"]]
    if fmt == "gke":
        return [o["insertId"]]
    raise ValueError(fmt)


def pct(a, b):
    return f"{100 * a / b:.1f}%" if b else "–"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("PALISADE", os.path.join(ROOT, "target", "release", "palisade")))
    ap.add_argument("--format", default="all", choices=["native", "eks", "aks", "gke", "all"])
    ap.add_argument("--data", default=os.path.join(HERE, "data"))
    ap.add_argument("--internal-cidr", default=None,
                    help="passed as --internal-cidr (default: the corpus's internal_cidrs; '' for none)")
    ap.add_argument("--known-from", default=None,
                    help="passed as --known-from (default: data/rbac.yaml; '' for none)")
    ap.add_argument("--min-priority", default=None, help="passed to analyze: alerts below it are not counted")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args()

    with open(os.path.join(args.data, "labels.json")) as f:
        labels = json.load(f)
    with gzip.open(os.path.join(args.data, "native.jsonl.gz"), "rt") as f:
        native = [l.rstrip("\n") for l in f if l.strip()]
    steps = labels["steps"]
    attack = {}
    for s in steps:
        for i in s["audit_ids"]:
            attack.setdefault(i, s["id"])

    help_text = supported_flags(args.bin)
    cidrs = labels.get("internal_cidrs", []) if args.internal_cidr is None else \
        [c for c in args.internal_cidr.split(",") if c]
    known = os.path.join(args.data, "rbac.yaml") if args.known_from is None else args.known_from
    flags, unsupported = [], []
    if cidrs:
        if "--internal-cidr" in help_text:
            for c in cidrs:
                flags += ["--internal-cidr", c]
        else:
            unsupported.append("--internal-cidr")
    else:
        unsupported.append("--internal-cidr")
    if known:
        if "--known-from" in help_text:
            flags += ["--known-from", known]
        else:
            unsupported.append("--known-from")
    else:
        unsupported.append("--known-from")

    formats = ["native", "eks", "aks", "gke"] if args.format == "all" else [args.format]
    print(f"# palisade audit analyze on the audit corpus\n")
    print(f"Kubernetes {labels['kubernetes']}, generated {labels['generated']}: {labels['events']} events "
          f"({labels['benign_events']} benign), {len(steps)} attack steps. Binary: `{args.bin}`; flags: "
          f"`{' '.join(flags) or '(none)'}`" + (f"; not supported by this binary: {', '.join(unsupported)} "
                                                 f"(steps that need them are n/a)" if unsupported else "") + "\n")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in formats:
            path = os.path.join(tmp, f"corpus.{fmt}")
            n_records = n_events = n_benign = 0
            with open(path, "w") as out:
                for rec in convert.convert(fmt, native):
                    out.write(rec + "\n")
                    n_records += 1
                    for i in record_ids(fmt, rec):
                        n_events += 1
                        if i not in attack:
                            n_benign += 1
            alerts, dt, rc, err = analyze(args.bin, path, flags, args.min_priority)
            if rc == 2 and "unexpected argument" in err and flags:
                # a binary whose --help mentions the flags but whose analyze does not take them
                unsupported += [f for f in ("--internal-cidr", "--known-from") if f in flags and f not in unsupported]
                flags = []
                alerts, dt, rc, err = analyze(args.bin, path, flags, args.min_priority)
            results[fmt] = dict(alerts=alerts, dt=dt, rc=rc, records=n_records, events=n_events, benign=n_benign,
                                err=err)

    # ---- steps
    fired = {}
    for fmt, r in results.items():
        for a in r["alerts"]:
            fired.setdefault(a["rule"], set()).add(fmt)
    print("## Steps\n")
    print("| step | expected rule(s) | " + " | ".join(formats) + " |")
    print("|---|---|" + "---|" * len(formats))
    recall = {}
    for fmt in formats:
        recall[fmt] = [0, 0]
    for s in steps:
        ids = set(s["audit_ids"])
        cells = []
        for fmt in formats:
            if any(n in unsupported for n in s.get("needs", [])):
                cells.append("n/a")
                continue
            hit = sorted({a["rule"] for a in results[fmt]["alerts"]
                          if a["rule"] in s["expect"] and (a.get("event") or {}).get("auditID") in ids})
            recall[fmt][1] += 1
            if hit:
                recall[fmt][0] += 1
                cells.append("yes")
            else:
                silent = not any(fmt in fired.get(r, ()) for r in s["expect"])
                cells.append("**no**" + (" (rule never fired)" if silent else ""))
        print(f"| {s['id']} | {', '.join(s['expect'])} | " + " | ".join(cells) + " |")
    print()

    # ---- summary
    print("## Summary\n")
    print("| format | records | events | benign | alerts | recall | false alerts | per 10,000 benign | analyze | events/s |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    for fmt in formats:
        r = results[fmt]
        fa = sum(1 for a in r["alerts"] if (a.get("event") or {}).get("auditID") not in attack)
        per10k = 1e4 * fa / r["benign"] if r["benign"] else 0.0
        d, n = recall[fmt]
        summary[fmt] = (d / n if n else 0.0, per10k)
        print(f"| {fmt} | {r['records']} | {r['events']} | {r['benign']} | {len(r['alerts'])} | {d}/{n} ({pct(d, n)}) "
              f"| {fa} | {per10k:.2f} | {r['dt']:.2f} s | {r['events'] / r['dt']:,.0f} |")
    print()

    # ---- rules
    for fmt in formats:
        r = results[fmt]
        per = {}
        for a in r["alerts"]:
            rule = a["rule"]
            tp = (a.get("event") or {}).get("auditID") in attack
            x = per.setdefault(rule, [0, 0, a.get("priority", "")])
            x[0] += 1
            x[1] += tp
        print(f"## Rules, {fmt}\n")
        print("| rule | priority | alerts | true positives | precision | false alerts | per 10,000 benign |")
        print("|---|---|---:|---:|---:|---:|---:|")
        for rule, (n, tp, prio) in sorted(per.items(), key=lambda kv: (-(kv[1][0] - kv[1][1]), kv[0])):
            fa = n - tp
            print(f"| {rule} | {prio} | {n} | {tp} | {pct(tp, n)} | {fa} | "
                  f"{1e4 * fa / r['benign'] if r['benign'] else 0:.2f} |")
        if not per:
            print("| (no alerts) | | | | | | |")
        print()
        fp_users = {}
        for a in r["alerts"]:
            ev = a.get("event") or {}
            if ev.get("auditID") not in attack:
                k = (a["rule"], ev.get("user") or "(none)")
                fp_users[k] = fp_users.get(k, 0) + 1
        if fp_users:
            print("False alerts by rule and user: " + "; ".join(
                f"{rule} / {u}: {n}" for (rule, u), n in sorted(fp_users.items(), key=lambda kv: -kv[1])) + "\n")
        if r["rc"] not in (0, 1):
            print(f"analyze exited {r['rc']}: {r['err'].strip()[-500:]}\n")

    if args.check:
        if "native" not in summary:
            print("--check needs the native format", file=sys.stderr)
            return 2
        rec, per10k = summary["native"]
        ok = rec >= 0.9 and per10k < 1
        print(f"check (native): recall {100 * rec:.1f}% (want ≥ 90%), {per10k:.2f} false alerts per 10,000 "
              f"benign events (want < 1): {'pass' if ok else 'FAIL'}")
        return 0 if ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
