#!/usr/bin/env python3
"""Compares tlsscope's tls.client.ja4 with the FoxIO JA4 reference output
(the CAPTURE.expected.json files beside the captures in shared/pcaps/ja4/,
written by FoxIO's own implementation). Each reference entry names a TCP
stream by its endpoints; its "JA4.1" value is the first ClientHello's JA4.

Only TCP streams are compared (QUIC and DTLS are out of tlsscope's scope).
Captures named after --defer (comma-separated) are run but not enforced:
their TLS sits behind a SOCKS or CONNECT exchange, which issue 5 adds.

Usage: check_ja4.py TLSSCOPE JA4_PCAP_DIR [--defer a.pcap,b.pcap]
"""
import json
import os
import subprocess
import sys


def main():
    args = sys.argv[1:]
    defer = set()
    if "--defer" in args:
        i = args.index("--defer")
        defer = set(args[i + 1].split(","))
        del args[i:i + 2]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary, d = args
    checked = passed = deferred = 0
    for name in sorted(os.listdir(d)):
        if not name.endswith(".expected.json"):
            continue
        cap = os.path.join(d, name[: -len(".expected.json")])
        if not os.path.exists(cap):
            continue
        with open(os.path.join(d, name)) as f:
            text = f.read()
        if not text.strip():
            continue  # the reference has nothing for this capture
        ref = json.loads(text)
        wanted = [r for r in ref if "JA4.1" in r and r["JA4.1"].startswith("t")]
        if not wanted:
            continue
        p = subprocess.run([binary, "-r", cap], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
        for r in wanted:
            if os.path.basename(cap) in defer:
                deferred += 1
                continue
            checked += 1
            key = (r["src"], int(r["srcport"]), r["dst"], int(r["dstport"]))
            hits = [l for l in lines
                    if (l["source"]["ip"], l["source"]["port"], l["destination"]["ip"], l["destination"]["port"]) == key]
            got = hits[0].get("tls", {}).get("client", {}).get("ja4") if len(hits) == 1 else None
            if got == r["JA4.1"]:
                passed += 1
            else:
                print(f"FAIL {os.path.basename(cap)} {key}: expected {r['JA4.1']} got {got} ({len(hits)} lines)")
    print(f"ja4: {passed}/{checked} TCP ClientHellos match the FoxIO reference ({deferred} deferred)")
    print(f"{passed} passed, {checked - passed} failed")
    return 0 if checked and passed == checked else 1


if __name__ == "__main__":
    sys.exit(main())
