#!/usr/bin/env python3
"""e2e_big_handshakes: handshakes larger than tlsscope's fixed limits, built
with tlsgen (synthetic captures, written to OUTDIR) and read by the binary.

- A 339 KB server certificate chain (the size of the largest seen in the
  wild): reported whole with the default --max-message (chain length, leaf
  certificate); with --max-message 262144 not kept, and the line says so
  (tls.server.truncated_messages ["certificate"], tls.truncated).
- A ClientHello with 640 cipher suites, 120 extensions, 80 groups and 70
  signature algorithms (GREASE among them), and a ServerHello with 100
  extensions: more than the report's arrays hold. Not malformed; JA3, JA4 and
  JA3S are those of the whole lists, computed here from the lists the
  capture was built from (hashlib; GREASE dropped as the specifications
  say); the line names the cut lists and their lengths.

Usage: big_handshakes.py TLSSCOPE OUTDIR
"""
import hashlib
import json
import os
import random
import subprocess
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "synthetic"))
from tlsgen import (C2S, CERT_CA, CERT_LEAF, CT_APPDATA, CT_HANDSHAKE, LINKTYPE_ETHERNET, S2C, Conn,  # noqa: E402
                    Hello, ccs, certificate12, client_key_exchange_ecdhe, encrypted, frames_ether, hello12, record,
                    records, server_hello, server_hello_done, ske_ecdhe, write_pcap)

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


def tls12_capture(out, name, rng, port, hello, server_exts, cert_msg):
    """A TLS 1.2 (ECDHE_RSA) handshake with these hello and certificate
    messages, written as OUT/NAME; returns its path."""
    c = Conn("192.0.2.40", port, "198.51.100.40", 443).handshake()
    c.send(C2S, hello.record())
    c.send(S2C, records(CT_HANDSHAKE, server_hello(rng, 0xC02F, exts=server_exts) + cert_msg + ske_ecdhe(rng) +
                        server_hello_done()))
    c.send(C2S, record(CT_HANDSHAKE, client_key_exchange_ecdhe(rng)) + ccs() + encrypted(rng))
    c.send(S2C, ccs() + encrypted(rng))
    c.send(C2S, encrypted(rng, CT_APPDATA, 100))
    path = os.path.join(out, name)
    write_pcap(path, LINKTYPE_ETHERNET, frames_ether(c.segs))
    return path


def big_chain(out, binary):
    rng = random.Random("big_chain")
    # The leaf, then the CA certificate repeated until the chain passes 339 KB.
    chain = [CERT_LEAF]
    while sum(len(c) + 3 for c in chain) < 339 * 1000:
        chain.append(CERT_CA)
    cert_msg = certificate12(chain=chain)
    assert len(cert_msg) - 4 > 339 * 1000
    path = tls12_capture(out, "big_chain.pcap", rng, 40001, hello12(rng), [(0xFF01, b"\0")], cert_msg)

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


def is_grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def ja3(version, ciphers, exts, groups, formats):
    """The Salesforce JA3 string's MD5."""
    def j(vals):
        return "-".join(str(v) for v in vals if not is_grease(v))
    s = ",".join([str(version), j(ciphers), j(exts), j(groups), "-".join(str(f) for f in formats)])
    return hashlib.md5(s.encode()).hexdigest()


def ja4(version, ciphers, exts, sigalgs, versions, alpn, sni):
    """FoxIO's JA4 (TCP): counts, then the sorted lists' truncated SHA-256."""
    names = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10", 0x0300: "s3"}
    sv = [v for v in versions if not is_grease(v)]
    ver = names.get(max(sv) if sv else version, "00")
    cs = sorted(c for c in ciphers if not is_grease(c))
    es = [e for e in exts if not is_grease(e)]
    hashed = sorted(e for e in es if e not in (0x0000, 0x0010))

    def h(s):
        return hashlib.sha256(s.encode()).hexdigest()[:12] if s else "0" * 12
    ext_str = ",".join("%04x" % e for e in hashed)
    sig = [s for s in sigalgs if not is_grease(s)]
    if sig:
        ext_str += "_" + ",".join("%04x" % s for s in sig)
    return "t%s%s%02d%02d%s_%s_%s" % (ver, "d" if sni else "i", min(len(cs), 99), min(len(es), 99),
                                       alpn[:1] + alpn[-1:], h(",".join("%04x" % c for c in cs)), h(ext_str))


def long_lists(out, binary):
    rng = random.Random("long_lists")
    # 640 suites in a shuffled order, GREASE first; 80 groups, 70 signature
    # algorithms, 110 extensions beyond the usual ones (empty, private-use
    # code points) in descending order, one of them GREASE.
    ciphers = [0x0A0A] + rng.sample(range(0x0100, 0x0100 + 640), 640)
    groups = [0x1A1A] + list(range(0x0200, 0x0200 + 80))
    sigalgs = list(range(0x0400, 0x0400 + 70))
    extra = [(t, b"") for t in range(0xFF6E, 0xFF00, -1)] + [(0x2A2A, b"")]
    h = Hello(rng, version=0x0303, ciphers=ciphers, sni=b"long.example.com", groups=groups, point_formats=[0, 1, 2],
              sigalgs=sigalgs, alpn=[b"h2"], supported_versions=[0x0304, 0x0303], key_shares=((0x001D, 32),),
              extra_exts=extra)
    exts = h.ext_types()
    assert len(exts) > 110 and len(ciphers) > 600
    server_exts = [(0xFF01, b"\0")] + [(t, b"") for t in range(0xFE00, 0xFE00 + 99)]
    path = tls12_capture(out, "long_lists.pcap", rng, 40002, h, server_exts, certificate12(rng))

    lines = run(binary, path)
    check("long lists: one line (got %d)" % len(lines), len(lines) == 1)
    if not lines:
        return
    t = lines[0]["tls"]
    cl, sv = t.get("client", {}), t.get("server", {})
    want_ja3 = ja3(0x0303, ciphers, exts, groups, [0, 1, 2])
    check("long lists: ja3 %s (got %r)" % (want_ja3, cl.get("ja3")), cl.get("ja3") == want_ja3)
    want_ja4 = ja4(0x0303, ciphers, exts, sigalgs, [0x0304, 0x0303], "h2", True)
    check("long lists: ja4 %s (got %r)" % (want_ja4, cl.get("ja4")), cl.get("ja4") == want_ja4)
    want_ja3s = hashlib.md5(("771,49199," + "-".join(str(e) for e, _ in server_exts)).encode()).hexdigest()
    check("long lists: ja3s %s (got %r)" % (want_ja3s, sv.get("ja3s")), sv.get("ja3s") == want_ja3s)
    check("long lists: no JA3/JA3S strings (not kept)", "ja3_string" not in cl and "ja3s_string" not in sv)
    check("long lists: not malformed", "malformed" not in t and "truncated" not in t)
    check("long lists: established", t.get("established") is True)
    check("long lists: client cut lists %r" % cl.get("truncated_lists"),
          sorted(cl.get("truncated_lists", [])) == ["extensions", "supported_ciphers", "supported_groups"])
    check("long lists: client lengths %r" % cl.get("list_lengths"),
          cl.get("list_lengths") == {"supported_ciphers": 640, "supported_groups": 80,
                                     "extensions": len([e for e in exts if not is_grease(e)])})
    check("long lists: the first 512 suites kept", len(cl.get("supported_ciphers", [])) == 511)
    check("long lists: server cut lists %r" % sv.get("truncated_lists"), sv.get("truncated_lists") == ["extensions"])
    check("long lists: server length %r" % sv.get("list_lengths"), sv.get("list_lengths") == {"extensions": 100})
    check("long lists: 64 server extensions kept", len(sv.get("extensions", [])) == 64)


def main():
    binary, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    big_chain(out, binary)
    long_lists(out, binary)
    for f in FAILS:
        print("FAIL:", f)
    print("%d failed" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
