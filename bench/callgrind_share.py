#!/usr/bin/env python3
"""What groups of functions cost in a callgrind profile, inclusive, counted
once: the question "what would caching the fingerprints (or the decoded
certificates) save" is answered by the instructions spent inside them.

usage: callgrind_share.py CALLGRIND_OUT PREFIX...

A group is every function whose name starts with PREFIX (fp_ja3, fp_ja4,
x509_). Its inclusive cost is the sum, over the calls from a function
outside the group into one inside it, of the cost callgrind recorded for
that call: a group function calling another one (fp_ja3_client calling
fp_ja3_client_string) is not counted twice, as adding up callgrind_annotate
--inclusive=yes lines would. callgrind_annotate --inclusive=yes is run too,
and its lines for the group functions are given as they are.

Prints JSON: {"total_ir", "groups": {PREFIX: {"ir", "calls"}},
"annotate": [[ir, "file:function"], ...]}.
"""
import json
import re
import subprocess
import sys

NAME = re.compile(r"^\((\d+)\)(?: (.*))?$")


def parse(path, prefixes):
    names = {}  # compressed-name id -> name (callgrind's --compress-strings)

    def name(text):
        m = NAME.match(text)
        if not m:
            return text
        if m.group(2) is not None:
            names[m.group(1)] = m.group(2)
        return names.get(m.group(1), text)

    groups = {p: {"ir": 0, "calls": 0} for p in prefixes}
    total = None
    fn = callee = None
    pending = None  # call count of a calls= line; its cost line follows
    with open(path, errors="replace") as f:
        for line in f:
            if pending is not None:
                cost = line.split()
                ir = int(cost[1]) if len(cost) > 1 else 0
                for p in prefixes:
                    if callee.startswith(p) and not fn.startswith(p):
                        groups[p]["ir"] += ir
                        groups[p]["calls"] += pending
                pending = None
            elif line.startswith("fn="):
                fn = name(line[3:].rstrip("\n"))
            elif line.startswith("cfn="):
                callee = name(line[4:].rstrip("\n"))
            elif line.startswith("calls="):
                pending = int(line[6:].split()[0])
            elif line.startswith(("summary:", "totals:")) and total is None:
                total = int(line.split()[1])
    return total, groups


def annotate(path, prefixes):
    out = subprocess.run(["callgrind_annotate", "--inclusive=yes", "--threshold=100", path],
                         capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+(?:\([\d.% ]+\)\s+)?(\S+)", line)
        if not m:
            continue
        func = m.group(2).rsplit(":", 1)[-1]
        if func.startswith(tuple(prefixes)):
            rows.append([int(m.group(1).replace(",", "")), m.group(2)])
    return rows


def main():
    if len(sys.argv) < 3:
        print(__doc__.strip().splitlines()[4], file=sys.stderr)
        return 2
    path, prefixes = sys.argv[1], sys.argv[2:]
    total, groups = parse(path, prefixes)
    try:
        rows = annotate(path, prefixes)
    except (OSError, subprocess.CalledProcessError) as e:
        rows = [[0, f"callgrind_annotate failed: {e}"]]
    json.dump({"total_ir": total, "groups": groups, "annotate": rows}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
