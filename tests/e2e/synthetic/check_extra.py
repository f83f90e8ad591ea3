#!/usr/bin/env python3
"""Checks what check_corpus.py cannot express, over a directory written by
make_captures.py, and checks every output line strictly.

Usage: check_extra.py TLSSCOPE DIR

DIR/extra_checks.jsonl holds one object per line:
  {"capture": C, "lines": N}            C gives exactly N lines
  {"capture": C, "match": {...},        the one line matching `match` ...
   "contains": {"a.b[].c": [v, ...]},   ... has each v among the values at a.b[].c
   "finding_severity": {id: sev},       ... has finding `id` with severity `sev`
   "finding_message": {id: [text, ...]}, ... whose message contains each text
   "lacks": {"a.b[].c": [v, ...]},      ... has no v among the values at a.b[].c
   "absent": ["a.b", ...],              ... has no value at a.b
   "stats": {"group.counter": [op, n]}} tlsscope --stats over C: counter op n
                                         (op one of == >= <= > <)

Every line of every capture must be one JSON object (RFC 8259: no NaN or
Infinity, no duplicate keys), in strict UTF-8, with no raw control byte, and
every string in it must encode back to UTF-8 (no lone surrogate from a
\\udXXX escape). tlsscope must exit 0 and warn about nothing unexpected.
"""
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from check_corpus import lookup, matches  # noqa: E402


class Bad(Exception):
    pass


def no_constants(name):
    raise Bad("non-standard JSON constant %s" % name)


def no_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(keys) != len(set(keys)):
        raise Bad("duplicate keys %s" % sorted(k for k in keys if keys.count(k) > 1))
    return dict(pairs)


def walk_strings(v):
    if isinstance(v, str):
        yield v
    elif isinstance(v, dict):
        for k, x in v.items():
            yield k
            yield from walk_strings(x)
    elif isinstance(v, list):
        for x in v:
            yield from walk_strings(x)


def parse_line(raw):
    """Strict parse of one output line (bytes without its newline)."""
    text = raw.decode("utf-8", errors="strict")
    for ch in text:
        if ord(ch) < 0x20:
            raise Bad("raw control character U+%04X in the line" % ord(ch))
    obj = json.loads(text, parse_constant=no_constants, object_pairs_hook=no_duplicates)
    if not isinstance(obj, dict):
        raise Bad("line is not a JSON object")
    for s in walk_strings(obj):
        s.encode("utf-8", errors="strict")  # a lone surrogate escape fails here
    return obj


def run(binary, path, stats=False):
    cmd = [binary, "-r", path] + (["--stats"] if stats else [])
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = p.stdout
    problems = []
    if p.returncode != 0:
        problems.append("exit status %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace").strip()))
    if out and not out.endswith(b"\n"):
        problems.append("output does not end with a newline")
    lines = []
    for i, raw in enumerate(out.split(b"\n")[:-1] if out else []):
        if not raw:
            problems.append("line %d is empty" % (i + 1))
            continue
        try:
            lines.append(parse_line(raw))
        except (Bad, UnicodeError, ValueError) as e:
            problems.append("line %d: %s" % (i + 1, e))
    st = None
    err_lines = p.stderr.decode("utf-8", "replace").splitlines()
    if stats:
        js = [l for l in err_lines if l.startswith("{")]
        st = json.loads(js[-1]) if js else None
        err_lines = [l for l in err_lines if not l.startswith("{")]
    for l in err_lines:
        problems.append("unexpected message: " + l)
    return lines, st, problems


OPS = {"==": lambda a, b: a == b, ">=": lambda a, b: a >= b, "<=": lambda a, b: a <= b,
       ">": lambda a, b: a > b, "<": lambda a, b: a < b}


def values_at(obj, path):
    """All values at a dotted path in which "[]" walks every list element."""
    if "[]" not in path:
        return [lookup(obj, path)]
    head, rest = path.split("[]", 1)
    items = lookup(obj, head)
    if not isinstance(items, list):
        raise KeyError(path)
    rest = rest.lstrip(".")
    out = []
    for it in items:
        out.extend(values_at(it, rest) if rest else [it])
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, d = sys.argv[1:]
    with open(os.path.join(d, "extra_checks.jsonl")) as f:
        checks = [json.loads(l) for l in f if l.strip()]
    caps = sorted(x for x in os.listdir(d) if x.endswith(".pcap"))
    cache = {}
    failed = passed = 0

    def get(cap):
        if cap not in cache:
            cache[cap] = run(binary, os.path.join(d, cap), stats=True)
        return cache[cap]

    for cap in caps:
        _, _, problems = get(cap)
        for pr in problems:
            print("FAIL  %s: %s" % (cap, pr))
            failed += 1
        if not problems:
            passed += 1
    for chk in checks:
        cap = chk["capture"]
        lines, st, _ = get(cap)
        problems = []
        if "lines" in chk and len(lines) != chk["lines"]:
            problems.append("expected %d lines, got %d" % (chk["lines"], len(lines)))
        if "match" in chk:
            hits = [l for l in lines if matches(l, chk["match"])]
            if len(hits) != 1:
                problems.append("%d lines match %s" % (len(hits), chk["match"]))
            else:
                line = hits[0]
                for path, want in chk.get("contains", {}).items():
                    try:
                        have = values_at(line, path)
                    except KeyError:
                        have = []
                    for w in want:
                        if w not in have:
                            problems.append("%s: %r not among %r" % (path, w, have))
                for path, unwanted in chk.get("lacks", {}).items():
                    try:
                        have = values_at(line, path)
                    except KeyError:
                        have = []
                    for w in unwanted:
                        if w in have:
                            problems.append("%s: %r present" % (path, w))
                for fid, sev in chk.get("finding_severity", {}).items():
                    got = [f.get("severity") for f in line.get("tls", {}).get("findings", []) if f.get("id") == fid]
                    if got != [sev]:
                        problems.append("finding %s: severity %r, expected [%r]" % (fid, got, sev))
                for fid, texts in chk.get("finding_message", {}).items():
                    got = [f.get("message", "") for f in line.get("tls", {}).get("findings", [])
                           if f.get("id") == fid]
                    for t in texts:
                        if len(got) != 1 or t not in got[0]:
                            problems.append("finding %s: message %r lacks %r" % (fid, got, t))
                for path in chk.get("absent", []):
                    try:
                        v = lookup(line, path)
                        problems.append("%s: expected absent, got %s" % (path, json.dumps(v)[:200]))
                    except KeyError:
                        pass
        for path, (op, n) in chk.get("stats", {}).items():
            try:
                v = lookup(st, path)
            except (KeyError, TypeError):
                v = None
            if v is None or not OPS[op](v, n):
                problems.append("stats %s = %r, expected %s %r" % (path, v, op, n))
        if problems:
            failed += 1
            print("FAIL  %s %s: %s" % (cap, chk.get("match", ""), "; ".join(problems)))
        else:
            passed += 1
    print("extra checks: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
