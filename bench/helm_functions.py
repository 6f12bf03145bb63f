#!/usr/bin/env python3
"""Census of the template functions Helm charts call.

    bench/helm_functions.py CHART...

Reads every template (templates/**, vendored charts/** included) of each
chart, takes the actions between {{ and }}, and counts the identifiers used
as functions: the first word of a command: at the start of an action (after a
control keyword or a variable declaration), after `|` and after `(`. Prints how many distinct functions the charts
use, how many charts use each, and how many calls there are: the size of
what a renderer other than helm would have to reproduce exactly.
"""
import collections
import os
import re
import sys

KEYWORDS = {"if", "else", "end", "range", "with", "define", "template", "block",
            "break", "continue", "nil", "true", "false", "and", "or", "not"}
# Go text/template built-ins (not sprig, not helm)
BUILTIN = {"and", "or", "not", "len", "index", "print", "printf", "println", "eq", "ne",
           "lt", "le", "gt", "ge", "call", "html", "js", "urlquery", "slice"}
ACTION = re.compile(r"\{\{-?(.*?)-?\}\}", re.S)
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`')
# a function is called where a command starts: at the start of an action
# (after a control keyword or a variable declaration), after `|` or `(`
HEAD = re.compile(
    r"(?:^|\||\()\s*(?:(?:if|else if|with|range|else with)\s+)?"
    r"(?:\$[A-Za-z0-9_]*\s*(?:,\s*\$[A-Za-z0-9_]*\s*)?:?=\s*)?"
    r"([A-Za-z_][A-Za-z0-9_]*)\b(?![.(])"
)


def functions(action):
    action = STRING.sub(" ", action).strip()
    if action.startswith("/*"):
        return []
    return [w for w in HEAD.findall(action) if w not in KEYWORDS or w in BUILTIN]


def templates(chart):
    for root, _, files in os.walk(chart):
        if "/templates" not in root.replace(os.sep, "/") + "/":
            continue
        for f in files:
            if f.endswith((".yaml", ".yml", ".tpl", ".txt", ".json")):
                yield os.path.join(root, f)


def main(charts):
    calls = collections.Counter()
    charts_using = collections.defaultdict(set)
    for chart in charts:
        for path in templates(chart):
            try:
                text = open(path, encoding="utf-8", errors="replace").read()
            except OSError:
                continue
            for m in ACTION.finditer(text):
                for fn in functions(m.group(1)):
                    calls[fn] += 1
                    charts_using[fn].add(chart)
    total = sum(calls.values())
    print(f"{len(charts)} charts, {len(calls)} distinct functions, {total} calls")
    builtin = [f for f in calls if f in BUILTIN]
    print(f"Go template built-ins: {len(builtin)}; sprig and helm functions: {len(calls) - len(builtin)}")
    print("| function | charts | calls |")
    print("|---|---:|---:|")
    for fn, n in calls.most_common(40):
        print(f"| {fn} | {len(charts_using[fn])} | {n} |")


if __name__ == "__main__":
    main(sys.argv[1:])
