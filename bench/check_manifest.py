#!/usr/bin/env python3
"""Compares tlsscope's JSON lines with the manifest bench/gen_capture wrote.

usage: check_manifest.py MANIFEST TLSSCOPE_OUTPUT

Each manifest line is one connection: "source.ip", "source.port",
"destination.ip", "destination.port" and the fields tlsscope must write for
it, under their dotted ECS names ("tls.cipher", "tls.server.dh.prime_bits").
A field whose value is null must be absent from tlsscope's line (tlsscope
leaves unknown values out, never writes null).

Every manifest entry must match exactly one output line by its 4-tuple, and
every field it lists must be equal. Entries sharing a 4-tuple (a client
reusing its port for a new connection) match that 4-tuple's lines in order,
one each: there must be as many lines as entries. Output lines that no manifest entry
claims are failures too. Prints "N passed, M failed" and exits 1 on any
failure.
"""
import json
import sys

MISSING = object()
SHOW = 10  # failures printed in full


def get(obj, dotted):
    """The value at a dotted path ("tls.server.dh.prime_bits"), or MISSING.
    ECS keys can hold a dot themselves ("@timestamp" does not, but be safe):
    try the longest key first at each level."""
    parts = dotted.split(".")
    cur = obj
    i = 0
    while i < len(parts):
        if not isinstance(cur, dict):
            return MISSING
        for j in range(len(parts), i, -1):
            key = ".".join(parts[i:j])
            if key in cur:
                cur = cur[key]
                i = j
                break
        else:
            return MISSING
    return cur


def tuple_of(obj):
    return (get(obj, "source.ip"), get(obj, "source.port"), get(obj, "destination.ip"), get(obj, "destination.port"))


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    manifest_path, output_path = sys.argv[1], sys.argv[2]

    lines = {}
    bad_json = 0
    with open(output_path, encoding="utf-8") as f:
        for n, text in enumerate(f, 1):
            try:
                obj = json.loads(text)
            except ValueError as e:
                bad_json += 1
                if bad_json <= SHOW:
                    print(f"{output_path}:{n}: not JSON: {e}")
                continue
            lines.setdefault(tuple_of(obj), []).append(obj)

    with open(manifest_path, encoding="utf-8") as f:
        entries = [json.loads(text) for text in f]
    per_key = {}
    for want in entries:
        key = tuple_of(want)
        per_key[key] = per_key.get(key, 0) + 1
    passed = failed = 0
    claimed = set()
    seen = {}
    for n, want in enumerate(entries, 1):
        key = tuple_of(want)
        claimed.add(key)
        nth = seen.get(key, 0)
        seen[key] = nth + 1
        got = lines.get(key, [])
        problems = []
        if len(got) != per_key[key]:
            problems.append(f"{len(got)} output lines for this connection, expected {per_key[key]}")
        else:
            for field, value in want.items():
                if field in ("source.ip", "source.port", "destination.ip", "destination.port"):
                    continue
                have = get(got[nth], field)
                if value is None:
                    if have is not MISSING:
                        problems.append(f"{field}: expected absent, got {json.dumps(have)}")
                elif have is MISSING:
                    problems.append(f"{field}: expected {json.dumps(value)}, absent")
                elif have != value:
                    problems.append(f"{field}: expected {json.dumps(value)}, got {json.dumps(have)}")
        if problems:
            failed += 1
            if failed <= SHOW:
                print(f"FAIL {manifest_path}:{n} {key[0]}:{key[1]} -> {key[2]}:{key[3]}: " + "; ".join(problems))
        else:
            passed += 1

    unclaimed = [k for k in lines if k not in claimed]
    for k in unclaimed[:SHOW]:
        print(f"FAIL unexpected output line(s) for {k[0]}:{k[1]} -> {k[2]}:{k[3]}")
    failed += len(unclaimed) + bad_json
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
