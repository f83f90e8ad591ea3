#!/usr/bin/env python3
"""report_corpus.py TLSSCOPE CORPUS_DIR WORKDIR - `tlsscope report` over the
shared corpus's output.

- Each view's JSON rows agree with an independent aggregation written here
  (connections, best offered version by rank, negotiated versions, failures,
  findings, services, legacy clients, finding counts).
- Merge property: the lines split at random into k parts (k = 2..5, several
  seeds), each part reported with --format json, the concatenation of those
  reports reported again equals the report over all lines, in every view.
- Inputs: the same lines gzip-compressed, on standard input, and the captures
  themselves (dissected on the way) give the same report; malformed lines
  are skipped and counted with the first line number, never fatal.
- Filters: --legacy-only, --protocol, --client (CIDR) agree with the same
  selection done here.
"""
import gzip
import ipaddress
import json
import os
import random
import subprocess
import sys

RANK = {"SSLv2": 1, "SSLv3": 2, "TLSv1.0": 3, "TLSv1.1": 4, "DTLSv1.0": 4, "TLSv1.2": 5, "DTLSv1.2": 5,
        "TLSv1.3": 7, "DTLSv1.3": 7}


def rank(v):
    if v in RANK:
        return RANK[v]
    return 6 if v and v.startswith("TLSv1.3-draft") else 0


def legacy(v):
    return 1 <= rank(v) <= 4


def run(tlsscope, args, stdin=None):
    p = subprocess.run([tlsscope, "report"] + args, input=stdin, capture_output=True, timeout=600)
    if p.returncode != 0:
        sys.exit(f"FAIL: report {' '.join(args)}: exit {p.returncode}: {p.stderr.decode()}")
    return p.stdout.decode(), p.stderr.decode()


def rows(text):
    out = [json.loads(l) for l in text.splitlines()]
    assert out and out[-1]["report"] == "summary", "the last row is the summary"
    return out[:-1], out[-1]


def expected_clients(lines):
    clients = {}
    for d in lines:
        t = d.get("tls", {})
        c = clients.setdefault(d["client"]["ip"], {"connections": 0, "best": "", "negotiated": {}, "failures": 0,
                                                   "findings": {}, "names": set()})
        c["connections"] += 1
        mv = t.get("client", {}).get("max_version")
        if rank(mv) > rank(c["best"]):
            c["best"] = mv
        if "negotiated_version" in t:
            c["negotiated"][t["negotiated_version"]] = c["negotiated"].get(t["negotiated_version"], 0) + 1
        if not t.get("established"):
            c["failures"] += 1
        for f in t.get("findings", []):
            c["findings"][f["id"]] = c["findings"].get(f["id"], 0) + 1
        if "server_name" in t.get("client", {}):
            c["names"].add(t["client"]["server_name"])
    return clients


def check_views(tlsscope, path, lines):
    got, summary = rows(run(tlsscope, ["--format", "json", path])[0])
    want = expected_clients(lines)
    assert summary["connections"] == len(lines), (summary["connections"], len(lines))
    assert {r["client"]["ip"] for r in got} == set(want), "one row per true client"
    for r in got:
        w = want[r["client"]["ip"]]
        assert r["connections"] == w["connections"], r
        assert r.get("best_offered_version", "") == (w["best"] or ""), (r, w["best"])
        assert r.get("negotiated_versions", {}) == w["negotiated"], r
        assert r["failures"] == w["failures"], r
        assert r.get("findings", {}) == w["findings"], r
        assert set(r.get("server_names", {})) == w["names"], r
    # Worst first: the clients offering nothing above TLS 1.1 lead.
    classes = [0 if legacy(r.get("best_offered_version")) else 1 for r in got]
    assert classes == sorted(classes), "legacy-only clients first"
    assert classes.count(0) > 0, "the corpus has legacy clients"

    srv, _ = rows(run(tlsscope, ["--by", "server", "--format", "json", path])[0])
    keys = {(d["destination"]["ip"], d["destination"]["port"], d["network"].get("protocol"),
             d.get("tls", {}).get("client", {}).get("server_name")) for d in lines}
    assert len(srv) == len(keys), (len(srv), len(keys))
    assert sum(r["connections"] for r in srv) == len(lines)
    legacy_served = {}
    for d in lines:
        if legacy(d.get("tls", {}).get("negotiated_version")):
            k = (d["destination"]["ip"], d["destination"]["port"])
            legacy_served.setdefault(k, set()).add(d["client"]["ip"])
    for r in srv:
        k = (r["destination"]["ip"], r["destination"]["port"])
        if k in legacy_served:
            assert set(r.get("legacy_clients", {})) <= legacy_served[k], r

    fnd, _ = rows(run(tlsscope, ["--by", "finding", "--format", "json", path])[0])
    counts = {}
    for d in lines:
        for i in {f["id"] for f in d.get("tls", {}).get("findings", [])}:
            counts[i] = counts.get(i, 0) + 1
    assert {r["finding"]["id"]: r["connections"] for r in fnd} == counts
    assert all("advice" in r for r in fnd), "every finding the corpus has carries advice"


def check_merge(tlsscope, work, raw_lines):
    for view in ("client", "server", "finding"):
        full, _ = run(tlsscope, ["--by", view, "--format", "json", os.path.join(work, "all.jsonl")])
        for seed in range(3):
            rnd = random.Random(seed * 7 + len(view))
            k = rnd.randint(2, 5)
            parts = [[] for _ in range(k)]
            for line in raw_lines:
                parts[rnd.randrange(k)].append(line)
            reports = []
            for i, part in enumerate(parts):
                p = os.path.join(work, f"part{i}.jsonl")
                with open(p, "w") as f:
                    f.writelines(part)
                reports.append(run(tlsscope, ["--by", view, "--format", "json", p])[0])
            merged_in = os.path.join(work, "merged.jsonl")
            with open(merged_in, "w") as f:
                f.write("".join(reports))
            merged, err = run(tlsscope, ["--by", view, "--format", "json", merged_in])
            assert merged == full, f"merge of {k} parts (seed {seed}, --by {view}) differs from the whole"
            # The text table is computed from the same aggregates.
            assert run(tlsscope, ["--by", view, "--width", "0", merged_in])[0] == \
                run(tlsscope, ["--by", view, "--width", "0", os.path.join(work, "all.jsonl")])[0]


def check_inputs(tlsscope, work, raw_lines, captures):
    allp = os.path.join(work, "all.jsonl")
    want, _ = run(tlsscope, ["--format", "json", allp])
    gz = os.path.join(work, "all.jsonl.gz")
    with gzip.open(gz, "wt") as f:
        f.writelines(raw_lines)
    assert run(tlsscope, ["--format", "json", gz])[0] == want, "gzip input"
    assert run(tlsscope, ["--format", "json", "-"], stdin="".join(raw_lines).encode())[0] == want, "stdin"
    assert run(tlsscope, ["--format", "json"] + captures)[0] == want, "captures dissected on the way"
    bad = os.path.join(work, "bad.jsonl")
    with open(bad, "w") as f:
        f.writelines(raw_lines[:3] + ["{\"truncated\n", "garbage\n"] + raw_lines[3:])
    out, err = run(tlsscope, ["--format", "json", bad])
    assert out == want, "malformed lines are skipped"
    assert "2 malformed lines skipped (the first: " + bad + " line 4)" in err, err


def check_filters(tlsscope, path, lines):
    def conns(args):
        return rows(run(tlsscope, ["--format", "json", path] + args)[0])[1]["connections"]
    assert conns(["--legacy-only"]) == sum(legacy(d["tls"].get("client", {}).get("max_version")) for d in lines)
    assert conns(["--protocol", "smtp"]) == sum(d["network"].get("protocol") == "smtp" for d in lines)
    net = ipaddress.ip_network("192.168.0.0/16")
    assert conns(["--client", str(net)]) == sum(
        ipaddress.ip_address(d["client"]["ip"]) in net for d in lines)
    # --until with a date reaches to that day's end.
    assert conns(["--since", "2021-01-01", "--until", "2021-12-31"]) == sum(
        d["@timestamp"].startswith("2021-") for d in lines)
    legacy_rows, _ = rows(run(tlsscope, ["--format", "json", "--legacy-only", path])[0])
    assert all(legacy(r["best_offered_version"]) for r in legacy_rows)


def main():
    tlsscope, corpus, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    captures = sorted(os.path.join(corpus, n) for n in os.listdir(corpus)
                      if n.endswith((".pcap", ".pcapng")))
    raw = []
    for c in captures:
        p = subprocess.run([tlsscope, "-r", c], capture_output=True, timeout=300)
        raw += p.stdout.decode().splitlines(True)
    assert len(raw) > 100, "the corpus gives lines"
    with open(os.path.join(work, "all.jsonl"), "w") as f:
        f.writelines(raw)
    lines = [json.loads(l) for l in raw]
    check_views(tlsscope, os.path.join(work, "all.jsonl"), lines)
    check_merge(tlsscope, work, raw)
    check_inputs(tlsscope, work, raw, captures)
    check_filters(tlsscope, os.path.join(work, "all.jsonl"), lines)
    print(f"report over {len(raw)} corpus lines: views, merge, inputs and filters agree")


if __name__ == "__main__":
    main()
