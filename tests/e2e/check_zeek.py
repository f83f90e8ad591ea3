#!/usr/bin/env python3
"""Field agreement with Zeek's own baselines (../shared/corpus/zeek).

Usage: check_zeek.py TLSSCOPE ZEEK_DIR [--report]

For every Zeek test in ZEEK_DIR/INDEX.tsv, runs tlsscope over its capture and
compares each comparable field of Zeek's ssl.log (and, for the server's leaf
certificate, x509.log) with the line for the same connection (matched by the
client and server ports). Prints the agreement per field and overall; exits 1
when a field disagrees that is not in ALLOWED below, each with the reason the
two tools differ by design.

Comparable fields, Zeek -> tlsscope:
  version -> tls.negotiated_version (TLSv10 -> TLSv1.0), cipher -> tls.cipher,
  curve -> tls.curve, server_name -> tls.client.server_name, resumed ->
  tls.resumed, established -> tls.established, subject / issuer (when
  ssl.log has them) and the leaf's x509.log certificate.subject / .issuer ->
  tls.server.x509.*.distinguished_name, cert_chain_fps -> the chain length and
  the leaf's SHA-256, client_cert_chain_fps -> tls.client.hash.sha256,
  certificate.serial, not_valid_before/after, key_length, key_type, sig_alg
  (by name mapping), san.dns (a list tlsscope marks cut in x509.truncated
  agrees when what it kept is the start of Zeek's).
Not comparable: Zeek's QUIC analyzer lines (the protocols/quic tests; QUIC
is issue 13), last_alert/next_protocol/ssl_history (no tlsscope field).
"""
import json
import os
import subprocess
import sys

sys.dont_write_bytecode = True

# Differences by design, by (zeek test, field), each with its reason.
ALLOWED = {
    ("scripts.base.protocols.ftp.gridftp", "line"):
        "GridFTP's control channel (port 2811) carries its TLS handshake base64-encoded in FTP ADAT commands "
        "(AUTH GSSAPI, RFC 2228): Zeek's FTP analyzer decodes them; tlsscope follows AUTH TLS only, so that "
        "connection has no line (its data channel, plain TLS, is compared)",
}

SIG_ALGS = {"sha1WithRSAEncryption": "SHA1-RSA", "sha256WithRSAEncryption": "SHA256-RSA",
            "sha384WithRSAEncryption": "SHA384-RSA", "sha512WithRSAEncryption": "SHA512-RSA",
            "md5WithRSAEncryption": "MD5-RSA", "ecdsa-with-SHA256": "ECDSA-SHA256",
            "ecdsa-with-SHA384": "ECDSA-SHA384"}
KEY_TYPES = {"rsa": "RSA", "ecdsa": "ECDSA", "dsa": "DSA"}


def read_log(path):
    """Zeek's TSV log as a list of dicts ("-" and "(empty)" as None)."""
    fields, rows = None, []
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if line.startswith("#fields"):
            fields = line.split("\t")[1:]
        elif line and not line.startswith("#") and fields:
            vals = [None if v in ("-", "(empty)") else v for v in line.split("\t")]
            rows.append(dict(zip(fields, vals)))
    return rows


def get(obj, dotted):
    for k in dotted.split("."):
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj


def zeek_version(v):
    if v is None:
        return None
    if v.startswith("TLSv1") and len(v) == 6:
        return "TLSv1." + v[5]
    return v


def iso(ts):
    import datetime
    t = datetime.datetime.fromtimestamp(float(ts), tz=datetime.timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S.000000Z")


def compare(test, ssl, x509s, line):
    """[(field, zeek value, tlsscope value)] for one connection."""
    out = []
    def pair(field, z, t):
        out.append((field, z, t))
    pair("version", zeek_version(ssl.get("version")), get(line, "tls.negotiated_version"))
    pair("cipher", ssl.get("cipher"), get(line, "tls.cipher"))
    pair("curve", ssl.get("curve"), get(line, "tls.curve"))
    pair("server_name", ssl.get("server_name"), get(line, "tls.client.server_name"))
    pair("resumed", ssl.get("resumed") == "T", bool(get(line, "tls.resumed")))
    pair("established", ssl.get("established") == "T", bool(get(line, "tls.established")))
    if "subject" in ssl:
        pair("subject", ssl.get("subject"), get(line, "tls.server.x509.subject.distinguished_name"))
        pair("issuer", ssl.get("issuer"), get(line, "tls.server.x509.issuer.distinguished_name"))
    fps = (ssl.get("cert_chain_fps") or "").split(",") if ssl.get("cert_chain_fps") else []
    pair("cert_chain_fps.length", len(fps) or None, get(line, "tls.server.certificate_chain_length"))
    sha = get(line, "tls.server.hash.sha256")
    pair("cert_chain_fps[0]", fps[0] if fps else None, sha.lower() if sha else None)
    cfps = (ssl.get("client_cert_chain_fps") or "").split(",") if ssl.get("client_cert_chain_fps") else []
    csha = get(line, "tls.client.hash.sha256")
    pair("client_cert_chain_fps[0]", cfps[0] if cfps else None, csha.lower() if csha else None)
    leaf = x509s.get(fps[0]) if fps else None
    if leaf:
        x = "tls.server.x509."
        pair("x509.subject", leaf["certificate.subject"], get(line, x + "subject.distinguished_name"))
        pair("x509.issuer", leaf["certificate.issuer"], get(line, x + "issuer.distinguished_name"))
        pair("x509.serial", leaf["certificate.serial"], get(line, x + "serial_number"))
        pair("x509.not_valid_before", iso(leaf["certificate.not_valid_before"]), get(line, x + "not_before"))
        pair("x509.not_valid_after", iso(leaf["certificate.not_valid_after"]), get(line, x + "not_after"))
        pair("x509.key_length", int(leaf["certificate.key_length"]), get(line, x + "public_key_size"))
        pair("x509.key_type", KEY_TYPES.get(leaf["certificate.key_type"], leaf["certificate.key_type"]),
             get(line, x + "public_key_algorithm"))
        pair("x509.sig_alg", SIG_ALGS.get(leaf["certificate.sig_alg"], leaf["certificate.sig_alg"]),
             get(line, x + "signature_algorithm"))
        dns = leaf.get("san.dns").split(",") if leaf.get("san.dns") else None
        ours = get(line, x + "alternative_names")
        if dns and ours and "alternative_names" in (get(line, x + "truncated") or []):
            dns = dns[:len(ours)]  # a list marked cut agrees when what it kept is Zeek's list's start
        pair("x509.san.dns", dns, ours)
    return out


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    binary, zdir = sys.argv[1], sys.argv[2]
    report = "--report" in sys.argv
    index = os.path.join(zdir, "INDEX.tsv")
    if not os.path.exists(index):
        print("skip: no %s" % index)
        return 77
    tests = {}
    for row in open(index).read().splitlines()[1:]:
        test, cap, base, opts = (row.split("\t") + [""])[:4]
        tests.setdefault(test, {"capture": cap, "logs": [], "opts": opts})["logs"].append(base)
    agree = total = 0
    per_field = {}
    bad = []
    for test, t in sorted(tests.items()):
        if "quic" in t["opts"]:
            continue
        d = os.path.join(zdir, test)
        lines = [json.loads(l) for l in subprocess.run([binary, "-r", os.path.join(d, t["capture"])],
                                                      capture_output=True, check=True).stdout.splitlines()]
        x509s = {}
        if "x509.log" in t["logs"]:
            for r in read_log(os.path.join(d, "x509.log")):
                x509s.setdefault(r["fingerprint"], r)
        for ssl in read_log(os.path.join(d, "ssl.log")):
            match = [l for l in lines if get(l, "client.port") == int(ssl["id.orig_p"])
                     and get(l, "destination.port") == int(ssl["id.resp_p"])]
            pairs = compare(test, ssl, x509s, match[0]) if match else [("line", "present", None)]
            for field, z, v in pairs:
                ok = z == v
                total += 1
                agree += ok
                f = per_field.setdefault(field, [0, 0])
                f[0] += ok
                f[1] += 1
                if not ok and (test, field) not in ALLOWED:
                    bad.append("%s port %s: %s: zeek %r, tlsscope %r" % (test, ssl["id.orig_p"], field, z, v))
    if report:
        for field, (a, n) in sorted(per_field.items()):
            print("%-28s %d/%d" % (field, a, n))
    for b in bad:
        print("DIFF " + b)
    print("zeek agreement: %d of %d fields (%.1f%%)" % (agree, total, 100.0 * agree / max(total, 1)))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
