#!/usr/bin/env python3
"""e2e_chain_validation: --ca-file checks each server's certificate chain.

Usage: chain_validation.py TLSSCOPE WORKDIR

The openssl tool makes a root CA, an intermediate and a leaf (and an
unrelated root), valid for ten years from now; tlsgen builds TLS 1.2
handshakes that send them an hour later:
- leaf + intermediate, trusted root in the CA file: "ok", twice (the second
  connection is answered from the cache: --stats chain_verify.cached 1);
- the leaf alone (the server forgot its intermediate): "unable to get local
  issuer certificate" and the certificate-untrusted finding;
- leaf + intermediate against the unrelated root: the same;
- without --ca-file: no validation_status at all;
- --ca-file naming a missing file: exit 2 with a message.
Skipped (77) without the openssl tool.
"""
import json
import random
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "synthetic"))
from tlsgen import *  # noqa: E402,F401,F403


def openssl(*args, cwd):
    subprocess.run(["openssl"] + list(args), cwd=cwd, check=True, capture_output=True)


def make_pki(d):
    ext = os.path.join(d, "ext.cnf")
    with open(ext, "w") as f:
        f.write("[ca]\nbasicConstraints=critical,CA:true\nkeyUsage=critical,keyCertSign,cRLSign\n"
                "[leaf]\nbasicConstraints=CA:false\nsubjectAltName=DNS:chain.example.test\n"
                "extendedKeyUsage=serverAuth\n")
    for name in ("root", "other"):
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout",
                name + ".key", "-out", name + ".pem", "-subj", "/CN=Test %s CA" % name, "-days", "3650",
                "-addext", "basicConstraints=critical,CA:true", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
                cwd=d)
    for name, issuer, section in (("inter", "root", "ca"), ("leaf", "inter", "leaf")):
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", name + ".key",
                "-out", name + ".csr", "-subj", "/CN=%s" % ("Test Intermediate CA" if name == "inter"
                                                            else "chain.example.test"), cwd=d)
        openssl("x509", "-req", "-in", name + ".csr", "-CA", issuer + ".pem", "-CAkey", issuer + ".key",
                "-CAcreateserial", "-out", name + ".pem", "-days", "3650", "-extfile", ext, "-extensions", section,
                cwd=d)
    der = {}
    for name in ("leaf", "inter"):
        openssl("x509", "-in", name + ".pem", "-outform", "DER", "-out", name + ".der", cwd=d)
        with open(os.path.join(d, name + ".der"), "rb") as f:
            der[name] = f.read()
    return der


def capture(path, chains):
    """One TLS 1.2 handshake per chain, at the current time."""
    rng = random.Random("chain")
    now = (int(time.time()) + 3600) * 1000000  # an hour after the certificates were made
    segs = []
    for i, chain in enumerate(chains):
        c = Conn("192.0.2.60", 48000 + i, "198.51.100.60", 443, t0_us=now + i * 100000).handshake()
        h = hello12(rng, sni=b"chain.example.test")
        c.send(C2S, h.record())
        exts = [(EXT_RENEGOTIATION_INFO, b"\0"), (EXT_POINT_FORMATS, vec8(b"\0"))]
        c.send(S2C, records(CT_HANDSHAKE, server_hello(rng, 0xC02B, exts=exts) + certificate12(chain=chain) +
                            ske_ecdhe(rng, sigalg=0x0403, sig_len=72) + server_hello_done()))
        c.fin(C2S)
        c.fin(S2C)
        segs += c.segs
    write_pcap(path, LINKTYPE_ETHERNET, frames_ether(segs))


def run(binary, pcap, *args):
    p = subprocess.run([binary, "--stats", "-r", pcap] + list(args), capture_output=True)
    lines = [json.loads(l) for l in p.stdout.decode().splitlines() if l.strip()]
    err = p.stderr.decode()
    stats = json.loads(err[err.index("{"):]) if "{" in err else {}
    return p.returncode, lines, stats, err


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    binary, work = sys.argv[1:]
    if not shutil.which("openssl"):
        print("skipped: no openssl")
        return 77
    os.makedirs(work, exist_ok=True)
    der = make_pki(work)
    root, other = os.path.join(work, "root.pem"), os.path.join(work, "other.pem")
    good, alone = os.path.join(work, "good.pcap"), os.path.join(work, "alone.pcap")
    capture(good, [[der["leaf"], der["inter"]], [der["leaf"], der["inter"]]])
    capture(alone, [[der["leaf"]]])
    fails = []

    def check(what, ok):
        if not ok:
            fails.append(what)

    def statuses(lines):
        return [l["tls"].get("server", {}).get("validation_status") for l in lines]

    def ids(line):
        return [f["id"] for f in line["tls"].get("findings", [])]

    rc, lines, st, _ = run(binary, good, "--ca-file", root)
    check("trusted chain: ok twice (got %r)" % statuses(lines), rc == 0 and statuses(lines) == ["ok", "ok"])
    check("trusted chain: no certificate-untrusted", all("certificate-untrusted" not in ids(l) for l in lines))
    check("one check, one cache hit (got %r)" % st.get("chain_verify"),
          st.get("chain_verify") == {"verified": 1, "cached": 1})
    rc, lines, _, _ = run(binary, alone, "--ca-file", root)
    want = "unable to get local issuer certificate"
    check("missing intermediate: %r" % statuses(lines), rc == 0 and statuses(lines) == [want])
    check("missing intermediate: certificate-untrusted naming the reason",
          lines and "certificate-untrusted" in ids(lines[0]) and
          any(want in f["message"] for f in lines[0]["tls"]["findings"]))
    rc, lines, _, _ = run(binary, good, "--ca-file", other)
    check("unrelated root: %r" % statuses(lines), statuses(lines) == [want, want])
    rc, lines, st, _ = run(binary, good)
    check("no --ca-file: no validation_status", statuses(lines) == [None, None] and "chain_verify" not in st)
    rc, _, _, err = run(binary, good, "--ca-file", os.path.join(work, "missing.pem"))
    check("missing CA file: exit 2 and a message (got %d: %s)" % (rc, err.strip()),
          rc == 2 and "--ca-file: cannot read" in err)
    for f in fails:
        print("FAIL:", f)
    print("chain validation: %d failed" % len(fails))
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
