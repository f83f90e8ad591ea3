#!/usr/bin/env python3
"""Zeek output against Zeek's own baselines, field by field.

usage: zeek_baseline.py TLSSCOPE ZEEK_CORPUS_DIR

ZEEK_CORPUS_DIR is ../shared/corpus/zeek: per Zeek test, a capture and the
ssl.log / x509.log Zeek's test suite expects for it (INDEX.tsv). For every
capture, tlsscope writes `--format zeek -w DIR` and `--format zeek-json -w DIR`;
the TSV logs must have Zeek's header lines and columns, the JSON logs the same
values, and each line Zeek logged is compared with ours column by column. Every
difference allowed is listed below (ALLOWED_*), with the reason; anything else
fails.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

# Columns whose values cannot be equal, and why.
SKIPPED_COLUMNS = {
    "ts": "btest canonifies times (XXXXXXXXXX.XXXXXX) or runs Zeek on a pseudo clock (1.000000)",
    "uid": "Zeek draws uids at random; tlsscope derives them from the 5-tuple and first packet (checked for form)",
}
# Columns tlsscope leaves unset ("-") where Zeek has a value, and why.
UNSET_COLUMNS = {
    "ssl_history": "the report keeps what the handshake said, not the order of every message",
    "certificate.version": "dissect/x509 does not keep the version field",
    "certificate.exponent": "dissect/x509 does not keep the RSA exponent",
    "basic_constraints.ca": "dissect/x509 does not read basicConstraints",
    "basic_constraints.path_len": "dissect/x509 does not read basicConstraints",
    "san.uri": "only DNS subjectAltNames are kept",
    "san.email": "only DNS subjectAltNames are kept",
    "san.ip": "only DNS subjectAltNames are kept",
}
# Columns where ours is a prefix of Zeek's list, and why.
PREFIX_COLUMNS = {
    "cert_chain_fps": "the report holds each side's leaf certificate only, not the rest of the chain",
    "client_cert_chain_fps": "the report holds each side's leaf certificate only, not the rest of the chain",
    "san.dns": "dissect/x509 keeps the first 16 DNS names (X509_SAN_MAX)",
}
# Zeek connections tlsscope does not report, by Zeek test and responder port.
ALLOWED_MISSING = {
    ("scripts.base.protocols.ftp.gridftp", "2811"):
        "GridFTP's control channel carries TLS base64-encoded inside FTP ADAT commands (GSSAPI, RFC 2228); "
        "tlsscope follows TLS on the stream itself",
}
# Whole Zeek tests whose connections tlsscope may not report (yet).
ALLOWED_MISSING_TESTS = {
    "scripts.base.protocols.quic": "a QUIC capture tlsscope cannot read to the end (PPP link, see ALLOWED_EXIT_1) "
                                   "loses its connections",
}
# Values that differ by design, by Zeek test prefix, column, Zeek's value and ours.
ALLOWED_VALUES = {
    ("scripts.base.protocols.quic", "established", "F", "T"):
        "Zeek's QUIC analyzer never sees the encrypted Finished and logs F; tlsscope calls a QUIC handshake "
        "established once the ServerHello was read and both sides sent Handshake packets (README, outcomes over UDP)",
}
# Columns Zeek's run logged that are not in tlsscope's ssl.log, and how they are checked instead.
EXTRA_COLUMNS = {
    "subject": "x509.log's certificate.subject of the server's leaf",
    "issuer": "x509.log's certificate.issuer of the server's leaf",
}

SSL_FIELDS = ("ts uid id.orig_h id.orig_p id.resp_h id.resp_p version cipher curve server_name resumed "
              "last_alert next_protocol established ssl_history cert_chain_fps client_cert_chain_fps "
              "sni_matches_cert ja3 ja3s ja4").split()
X509_FIELDS = ("ts fingerprint certificate.version certificate.serial certificate.subject certificate.issuer "
               "certificate.not_valid_before certificate.not_valid_after certificate.key_alg certificate.sig_alg "
               "certificate.key_type certificate.key_length certificate.exponent certificate.curve san.dns "
               "san.uri san.email san.ip basic_constraints.ca basic_constraints.path_len host_cert "
               "client_cert").split()

failures = []
checked = {"lines": 0, "values": 0, "allowed": 0}


def fail(msg):
    failures.append(msg)


def read_tsv(path):
    """Zeek TSV: (header dict, list of row dicts)."""
    header, rows, fields = {}, [], None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("#"):
                key, _, value = line[1:].partition("\t") if "\t" in line else line[1:].partition(" ")
                header[key] = value
                if key == "fields":
                    fields = value.split("\t")
                continue
            values = line.split("\t")
            if fields is None or len(values) != len(fields):
                fail(f"{path}: a line with {len(values)} columns under {fields}")
                continue
            rows.append(dict(zip(fields, values)))
    return header, rows


def check_header(path, header, log, fields):
    want = {"separator": "\\x09", "set_separator": ",", "empty_field": "(empty)", "unset_field": "-",
            "path": log}
    for k, v in want.items():
        if header.get(k) != v:
            fail(f"{path}: #{k} is {header.get(k)!r}, Zeek writes {v!r}")
    if header.get("fields", "").split("\t") != fields:
        fail(f"{path}: #fields {header.get('fields')!r}")
    if len(header.get("types", "").split("\t")) != len(fields):
        fail(f"{path}: #types does not name every column")
    for k in ("open", "close"):
        if not re.fullmatch(r"\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d", header.get(k, "")):
            fail(f"{path}: #{k} {header.get(k)!r} is not Zeek's time form")


def tsv_value(v, typ):
    """A TSV cell as the JSON form writes it (None: unset)."""
    if v == "-":
        return None
    if typ.startswith("vector") or typ.startswith("set"):
        return [] if v == "(empty)" else v.split(",")
    if typ == "bool":
        return v == "T"
    if typ in ("count", "port"):
        return int(v)
    if typ == "time":
        return float(v)
    return "" if v == "(empty)" else v


def check_json_equals_tsv(name, tsv_path, json_path):
    header, rows = read_tsv(tsv_path)
    types = dict(zip(header["fields"].split("\t"), header["types"].split("\t")))
    with open(json_path, encoding="utf-8") as f:
        objs = [json.loads(line) for line in f]
    if len(objs) != len(rows):
        fail(f"{name}: {len(objs)} JSON lines, {len(rows)} TSV lines")
        return
    for row, obj in zip(rows, objs):
        for field, cell in row.items():
            want = tsv_value(cell, types[field])
            if want is None:
                if field in obj:
                    fail(f"{name}: JSON has {field} that TSV leaves unset")
            elif obj.get(field) != want:
                fail(f"{name}: {field}: JSON {obj.get(field)!r}, TSV {want!r}")
        for field in obj:
            if field not in row:
                fail(f"{name}: JSON field {field} is not a column")


def compare_value(where, field, zeek, ours):
    checked["values"] += 1
    if field in SKIPPED_COLUMNS:
        checked["allowed"] += 1
        if field == "uid" and not re.fullmatch(r"C[0-9A-Za-z]{2,22}", ours):
            fail(f"{where}: uid {ours!r} is not in Zeek's form")
        return
    if zeek == ours:
        return
    if field in UNSET_COLUMNS and ours == "-":
        checked["allowed"] += 1
        return
    if any(where.startswith(prefix) and (f, z, o) == (field, zeek, ours)
           for (prefix, f, z, o) in ALLOWED_VALUES):
        checked["allowed"] += 1
        return
    if field in PREFIX_COLUMNS:
        z = [] if zeek in ("-", "(empty)") else zeek.split(",")
        o = [] if ours in ("-", "(empty)") else ours.split(",")
        if (zeek == "-") == (ours == "-") and o and o == z[:len(o)]:
            checked["allowed"] += 1
            return
    fail(f"{where}: {field}: Zeek {zeek!r}, tlsscope {ours!r}")


# Captures tlsscope cannot read to the end, and why.
ALLOWED_EXIT_1 = {
    "retry.pcap": "link type 9 (PPP) is not decoded by capture/decode",
    "zerortt.pcap": "link type 9 (PPP) is not decoded by capture/decode",
}


def run(tlsscope, pcap, form, outdir):
    r = subprocess.run([tlsscope, "-r", pcap, "--format", form, "-w", outdir, "--stats"], capture_output=True,
                       text=True)
    stats = r.stderr.strip().splitlines()[-1] if r.stderr.strip() else ""
    try:
        zeek_stats = json.loads(stats)["zeek"]
        for log, key in (("ssl", "ssl_lines"), ("x509", "x509_lines")):
            with open(os.path.join(outdir, log + ".log"), encoding="utf-8") as f:
                n = sum(1 for line in f if not line.startswith("#"))
            if zeek_stats[key] != n:
                fail(f"{pcap}: --stats zeek.{key} is {zeek_stats[key]}, {log}.log has {n} lines")
    except (ValueError, KeyError, OSError) as e:
        fail(f"{pcap}: no zeek counters in --stats: {e}")
    if r.returncode == 1 and os.path.basename(pcap) in ALLOWED_EXIT_1:
        checked["allowed"] += 1
    elif r.returncode != 0:
        fail(f"{pcap}: tlsscope --format {form} exited {r.returncode}: {r.stderr.strip()}")


def main():
    tlsscope, corpus = sys.argv[1], sys.argv[2]
    tests = {}
    with open(os.path.join(corpus, "INDEX.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            test, capture, baseline, _ = (line.rstrip("\n").split("\t") + [""])[:4]
            tests.setdefault(test, (capture, []))[1].append(baseline)
    with tempfile.TemporaryDirectory() as tmp:
        for test, (capture, baselines) in sorted(tests.items()):
            pcap = os.path.join(corpus, test, capture)
            tsv_dir, json_dir = os.path.join(tmp, test, "tsv"), os.path.join(tmp, test, "json")
            os.makedirs(os.path.join(tmp, test))
            run(tlsscope, pcap, "zeek", tsv_dir)
            run(tlsscope, pcap, "zeek-json", json_dir)
            # Without -w: ssl.log alone, on standard output.
            r = subprocess.run([tlsscope, "-r", pcap, "--format", "zeek"], capture_output=True, text=True)
            ssl_path = os.path.join(tsv_dir, "ssl.log")
            if os.path.exists(ssl_path):
                def body(text):
                    return [l for l in text.splitlines() if not l.startswith(("#open", "#close"))]
                with open(ssl_path, encoding="utf-8") as f:
                    if body(r.stdout) != body(f.read()):
                        fail(f"{test}: --format zeek on standard output differs from -w DIR's ssl.log")
            ours = {}
            for log, fields in (("ssl", SSL_FIELDS), ("x509", X509_FIELDS)):
                path = os.path.join(tsv_dir, log + ".log")
                if not os.path.exists(path):
                    fail(f"{test}: no {log}.log")
                    continue
                header, rows = read_tsv(path)
                check_header(f"{test}/{log}.log", header, log, fields)
                check_json_equals_tsv(f"{test}/{log}", path, os.path.join(json_dir, log + ".log"))
                ours[log] = rows
            if "ssl" not in ours or "x509" not in ours:
                continue
            compare_test(test, corpus, baselines, ours)
    total = checked["values"]
    print(f"zeek baselines: {len(tests)} tests, {checked['lines']} lines, {total} values compared, "
          f"{checked['allowed']} differences allowed as listed")
    if failures:
        print("\n".join(failures))
        return 1
    return 0


def conn_key(row):
    return tuple(row[k] for k in ("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p"))


def compare_test(test, corpus, baselines, ours):
    missing_test = next((why for prefix, why in ALLOWED_MISSING_TESTS.items() if test.startswith(prefix)), None)
    by_conn = {conn_key(r): r for r in ours["ssl"]}
    missing_leaves = []
    if "ssl.log" in baselines:
        _, zeek_rows = read_tsv(os.path.join(corpus, test, "ssl.log"))
        for z in zeek_rows:
            where = f"{test}: ssl {'/'.join(conn_key(z))}"
            mine = by_conn.pop(conn_key(z), None)
            if mine is None:
                if missing_test or (test, z["id.resp_p"]) in ALLOWED_MISSING:
                    checked["allowed"] += 1
                    for col in ("cert_chain_fps", "client_cert_chain_fps"):
                        if z.get(col, "-") not in ("-", "(empty)"):
                            missing_leaves.append((z[col].split(",")[0], col == "client_cert_chain_fps"))
                    continue
                fail(f"{where}: Zeek logged it, tlsscope did not")
                continue
            checked["lines"] += 1
            for field, value in z.items():
                if field in EXTRA_COLUMNS:
                    leaf = next((x for x in ours["x509"] if x["client_cert"] == "F"
                                 and x["fingerprint"] == mine["cert_chain_fps"].split(",")[0]), None)
                    mine_value = leaf["certificate." + field] if leaf else "-"
                    compare_value(where, field, value, mine_value)
                    continue
                compare_value(where, field, value, mine.get(field, "(no column)"))
        for key in by_conn:
            fail(f"{test}: tlsscope logged {key}, Zeek did not")
    if "x509.log" in baselines:
        _, zeek_rows = read_tsv(os.path.join(corpus, test, "x509.log"))
        mine_rows = list(ours["x509"])
        for z in zeek_rows:
            if z["host_cert"] != "T":
                checked["allowed"] += 1  # a chain certificate: see PREFIX_COLUMNS["cert_chain_fps"]
                continue
            where = f"{test}: x509 {z['fingerprint'][:16]}"
            i = next((i for i, m in enumerate(mine_rows)
                      if m["fingerprint"] == z["fingerprint"] and m["client_cert"] == z["client_cert"]), None)
            if i is None:
                leaf = (z["fingerprint"], z["client_cert"] == "T")
                if leaf in missing_leaves:
                    missing_leaves.remove(leaf)
                    checked["allowed"] += 1
                    continue
                fail(f"{where}: Zeek logged this leaf, tlsscope did not")
                continue
            mine = mine_rows.pop(i)
            checked["lines"] += 1
            for field, value in z.items():
                compare_value(where, field, value, mine.get(field, "(no column)"))
        for m in mine_rows:
            fail(f"{test}: tlsscope logged certificate {m['fingerprint']}, Zeek did not")


if __name__ == "__main__":
    sys.exit(main())
