#!/usr/bin/env python3
"""Sample the memory of a whole process tree until its root exits.

    treemem.py --pid PID --out FILE [--interval 0.1]

GNU time's %M is the peak RSS of the single largest process in the tree, which
under-counts tools that fork workers (checkov does). This sampler sums the PSS
(proportional set size, so copy-on-write pages shared by forked workers are
counted once) of PID and all its descendants every --interval seconds and writes
"<peak PSS sum KiB> <peak RSS sum KiB> <max process count>" to FILE.
Sampling can miss short peaks, so run.sh reports max(%M, peak PSS sum).
Python 3 standard library only.
"""
import argparse
import os
import time


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d, "rb") as f:
                s = f.read()
        except OSError:
            continue
        rest = s[s.rfind(b")") + 2:].split()
        kids.setdefault(int(rest[1]), []).append(int(d))
    return kids


def mem_kib(pid):
    pss = rss = 0
    try:
        with open("/proc/%d/smaps_rollup" % pid) as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
                elif line.startswith("Rss:"):
                    rss = int(line.split()[1])
        return pss, rss
    except OSError:
        pass
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        return rss, rss
    except OSError:
        return 0, 0


def alive(pid):
    try:
        with open("/proc/%d/stat" % pid, "rb") as f:
            s = f.read()
        return s[s.rfind(b")") + 2:s.rfind(b")") + 3] != b"Z"
    except OSError:
        return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--interval", type=float, default=0.1)
    a = ap.parse_args()
    peak_pss = peak_rss = peak_n = 0
    while alive(a.pid):
        kids = children_map()
        tree, stack = [], [a.pid]
        while stack:
            p = stack.pop()
            tree.append(p)
            stack.extend(kids.get(p, ()))
        pss = rss = 0
        for p in tree:
            x, y = mem_kib(p)
            pss += x
            rss += y
        peak_pss, peak_rss, peak_n = max(peak_pss, pss), max(peak_rss, rss), max(peak_n, len(tree))
        time.sleep(a.interval)
    with open(a.out, "w") as f:
        f.write("%d %d %d\n" % (peak_pss, peak_rss, peak_n))


if __name__ == "__main__":
    main()
