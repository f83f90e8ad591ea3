#!/usr/bin/env python3
"""Checks the generator's manifest with Wireshark's dissectors: the ground
truth for the manifest check must not come from tlsscope's own reading.

usage: tshark_manifest.py CAPTURE MANIFEST

Runs tshark (TCP reassembly including out-of-order segments, TLS dissection)
over CAPTURE, derives per TCP stream the fields the manifest lists, and
compares. tls.outcome is not checked (Wireshark does not decide one). Prints
"N agree, M differ" and exits 1 when any differ or a stream is malformed.
"""
import json
import subprocess
import sys

FIELDS = [
    "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
    "tls.handshake.type", "tls.handshake.extensions_server_name", "tls.handshake.ciphersuite",
    "tls.handshake.version", "tls.handshake.extensions.supported_version",
    "tls.handshake.extensions_key_share_group", "tls.handshake.server_named_curve", "tls.handshake.p_len",
    "tls.alert_message.desc", "tls.handshake.certificate_length", "_ws.malformed",
]
CIPHERS = {
    0x1301: "TLS_AES_128_GCM_SHA256", 0x1302: "TLS_AES_256_GCM_SHA384", 0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xc02f: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xc030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xcca8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", 0xc013: "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
    0x009e: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256", 0x009f: "TLS_DHE_RSA_WITH_AES_256_GCM_SHA384",
    0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA", 0x002f: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
}
GROUPS = {0x17: "secp256r1", 0x18: "secp384r1", 0x1d: "x25519", 0x11ec: "X25519MLKEM768"}
VERSIONS = {0x301: "TLSv1.0", 0x302: "TLSv1.1", 0x303: "TLSv1.2", 0x304: "TLSv1.3"}
ALERTS = {70: "protocol_version", 40: "handshake_failure"}


def last_int(value):
    """tshark prints some numbers in hex, some in decimal; repeated fields joined by ','."""
    return int(value.split(",")[-1], 0)


def main():
    if len(sys.argv) != 3:
        print("usage: tshark_manifest.py CAPTURE MANIFEST", file=sys.stderr)
        return 2
    capture, manifest = sys.argv[1:]
    cmd = ["tshark", "-n", "-o", "tcp.reassemble_out_of_order:TRUE", "-r", capture,
           "-Y", "tls.handshake or tls.alert_message or _ws.malformed",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=,"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout

    streams = {}
    for line in out.splitlines():
        v = dict(zip(FIELDS, line.split("\t")))
        s = streams.setdefault(v["tcp.stream"], {})
        if v["_ws.malformed"]:
            s["malformed"] = True
        types = v["tls.handshake.type"].split(",") if v["tls.handshake.type"] else []
        if "1" in types and "key" not in s:
            s["key"] = (v["ip.src"] or v["ipv6.src"], int(v["tcp.srcport"]),
                        v["ip.dst"] or v["ipv6.dst"], int(v["tcp.dstport"]))
            s["tls.client.server_name"] = v["tls.handshake.extensions_server_name"] or None
        if "2" in types:
            sv = v["tls.handshake.extensions.supported_version"]
            s["tls.negotiated_version"] = VERSIONS.get(last_int(sv or v["tls.handshake.version"]))
            s["tls.cipher"] = CIPHERS.get(last_int(v["tls.handshake.ciphersuite"]))
            if v["tls.handshake.extensions_key_share_group"]:
                s["tls.curve"] = GROUPS.get(last_int(v["tls.handshake.extensions_key_share_group"]))
        if "11" in types and v["tls.handshake.certificate_length"]:
            s["tls.server.certificate_chain_length"] = len(v["tls.handshake.certificate_length"].split(","))
        if v["tls.handshake.server_named_curve"]:
            s["tls.curve"] = GROUPS.get(last_int(v["tls.handshake.server_named_curve"]))
        if v["tls.handshake.p_len"]:
            s["tls.server.dh.prime_bits"] = last_int(v["tls.handshake.p_len"]) * 8
        if v["tls.alert_message.desc"] and "tls.alert.description" not in s:
            code = int(v["tls.alert_message.desc"].split(",")[0])
            s["tls.alert.description"] = ALERTS.get(code, str(code))

    by_tuple = {s["key"]: s for s in streams.values() if "key" in s}
    agree = differ = 0
    for n, text in enumerate(open(manifest, encoding="utf-8"), 1):
        want = json.loads(text)
        key = (want["source.ip"], want["source.port"], want["destination.ip"], want["destination.port"])
        s = by_tuple.get(key)
        problems = []
        if s is None:
            problems.append("no ClientHello seen by tshark")
        else:
            for field, value in want.items():
                if field.startswith(("source.", "destination.")) or field == "tls.outcome":
                    continue
                if s.get(field) != value:
                    problems.append(f"{field}: manifest {json.dumps(value)}, tshark {json.dumps(s.get(field))}")
            if s.get("malformed"):
                problems.append("tshark: malformed packet")
        if problems:
            differ += 1
            if differ <= 10:
                print(f"DIFFER {manifest}:{n} {key}: " + "; ".join(problems))
        else:
            agree += 1
    malformed_elsewhere = sum(1 for s in streams.values() if s.get("malformed") and "key" not in s)
    differ += malformed_elsewhere
    print(f"{agree} agree, {differ} differ ({len(by_tuple)} TCP streams with a ClientHello)")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
