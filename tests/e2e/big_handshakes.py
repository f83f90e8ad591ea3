#!/usr/bin/env python3
"""e2e_big_handshakes: handshakes larger than tlsscope's fixed limits, built
with tlsgen (synthetic captures, written to OUTDIR) and read by the binary.

- A 339 KB server certificate chain (the size of the largest seen in the
  wild): reported whole with the default --max-message (chain length, leaf
  certificate); with --max-message 262144 not kept, and the line says so
  (tls.server.truncated_messages ["certificate"], tls.truncated).

Usage: big_handshakes.py TLSSCOPE OUTDIR
"""
import json
import os
import random
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "synthetic"))
from tlsgen import (C2S, CERT_CA, CERT_LEAF, CT_APPDATA, CT_HANDSHAKE, LINKTYPE_ETHERNET, S2C, Conn,  # noqa: E402
                    ccs, certificate12, client_key_exchange_ecdhe, encrypted, frames_ether, hello12, record, records,
                    server_hello, server_hello_done, ske_ecdhe, write_pcap)

FAILS = []


def check(what, ok):
    if not ok:
        FAILS.append(what)


def run(binary, path, *args):
    p = subprocess.run([binary, "-r", path] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check("%s %s: exit 0 (got %d: %s)" % (os.path.basename(path), args, p.returncode, p.stderr.decode()[:200]),
          p.returncode == 0)
    return [json.loads(line) for line in p.stdout.decode().splitlines() if line.strip()]


def get(line, path):
    v = line
    for k in path.split("."):
        if not isinstance(v, dict) or k not in v:
            return None
        v = v[k]
    return v


def big_chain(out, binary):
    rng = random.Random("big_chain")
    # The leaf, then the CA certificate repeated until the chain passes 339 KB.
    chain = [CERT_LEAF]
    while sum(len(c) + 3 for c in chain) < 339 * 1000:
        chain.append(CERT_CA)
    cert_msg = certificate12(chain=chain)
    assert len(cert_msg) - 4 > 339 * 1000
    c = Conn("192.0.2.40", 40001, "198.51.100.40", 443).handshake()
    h = hello12(rng)
    c.send(C2S, h.record())
    c.send(S2C, records(CT_HANDSHAKE, server_hello(rng, 0xC02F, exts=[(0xFF01, b"\0")]) + cert_msg +
                        ske_ecdhe(rng) + server_hello_done()))
    c.send(C2S, record(CT_HANDSHAKE, client_key_exchange_ecdhe(rng)) + ccs() + encrypted(rng))
    c.send(S2C, ccs() + encrypted(rng))
    c.send(C2S, encrypted(rng, CT_APPDATA, 100))
    path = os.path.join(out, "big_chain.pcap")
    write_pcap(path, LINKTYPE_ETHERNET, frames_ether(c.segs))

    lines = run(binary, path)
    check("big chain, default limit: one line (got %d)" % len(lines), len(lines) == 1)
    if lines:
        t = lines[0]["tls"]
        check("big chain: established", t.get("established") is True)
        check("big chain: chain length %d (got %r)" % (len(chain), get(t, "server.certificate_chain_length")),
              get(t, "server.certificate_chain_length") == len(chain))
        # CERT_LEAF's subject as `openssl x509` reads it (see make_captures.py).
        check("big chain: leaf reported (%r)" % get(t, "server.x509.subject.common_name"),
              get(t, "server.x509.subject.common_name") == "www.example.com")
        check("big chain: nothing truncated", "truncated" not in t and get(t, "server.truncated_messages") is None)

    lines = run(binary, path, "--max-message", "262144")
    check("big chain, 256 KiB limit: one line (got %d)" % len(lines), len(lines) == 1)
    if lines:
        t = lines[0]["tls"]
        check("big chain cut: still established", t.get("established") is True)
        check("big chain cut: named (%r)" % get(t, "server.truncated_messages"),
              get(t, "server.truncated_messages") == ["certificate"])
        check("big chain cut: tls.truncated", t.get("truncated") is True)
        check("big chain cut: no certificate fields", get(t, "server.x509") is None and
              get(t, "server.certificate_chain_length") is None)
        check("big chain cut: the ServerKeyExchange after it still read (%r)" % t.get("curve"),
              t.get("curve") == "secp256r1")


def main():
    binary, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    big_chain(out, binary)
    for f in FAILS:
        print("FAIL:", f)
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
