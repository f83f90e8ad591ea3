#!/usr/bin/env python3
"""Puts two bench/run.sh results side by side: before and after a change.

usage: compare.py BEFORE_RESULTS_JSON AFTER_RESULTS_JSON

For each capture (handshake, bulk, quic) and each tlsscope run over the whole file
(-w /dev/null, --no-ndpi, -w file): wall and CPU seconds, connections and
packets per second, wall time over the no-op libpcap pass ("x no-op"), CPU
time over the no-op pass's, and peak RSS; then callgrind's instructions per
packet and per connection, and the inclusive cost per connection of the
fingerprint (fp_ja3*, fp_ja4*) and certificate (x509_*) functions. The last
column is after / before. Also says whether the two were measured over the
same captures (bytes, packets, connections) and on what machine.
"""
import json
import sys


def runs(result):
    """(profile, tool) -> run, for the runs over whole files."""
    out = {}
    for cap in result.get("captures", []):
        for r in cap["runs"]:
            if r["input"] == cap["file"]:
                out[(cap["profile"], r["tool"])] = r
    return out


def callgrind(result):
    cg = result.get("callgrind") or {}
    if "tlsscope_ir" in cg:  # the older single-capture form
        cg = {"handshake": cg}
    return cg


def fmt(v, kind):
    if v is None:
        return "-"
    if kind == "s":
        return f"{v:.2f}"
    if kind == "x":
        return f"{v:.2f}x"
    if kind == "mb":
        return f"{v / 1024:.1f} MiB"
    if kind == "rate":
        for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
            if v >= div:
                return f"{v / div:.2f}{unit}"
        return f"{v:.0f}"
    return f"{v:,.0f}"


def main():
    if len(sys.argv) != 3:
        print("usage: compare.py BEFORE_RESULTS_JSON AFTER_RESULTS_JSON", file=sys.stderr)
        return 2
    before, after = (json.load(open(p)) for p in sys.argv[1:3])
    for name, r in (("before", before), ("after", after)):
        m = r.get("machine", {})
        load = r.get("load_average") or {}
        print(f"{name:<7} tlsscope {str(r['tlsscope']['commit'])[:40]}, {r.get('date')}, {m.get('cpu_model')}, "
              f"{m.get('nproc')} CPUs, median of {r['parameters']['repeat']} runs"
              + (f", load average {load.get('start')} -> {load.get('end')}" if load else ""))
    caps_b = {c["profile"]: c for c in before.get("captures", [])}
    caps_a = {c["profile"]: c for c in after.get("captures", [])}
    for p in sorted(set(caps_b) & set(caps_a)):
        same = all(caps_b[p][k] == caps_a[p][k] for k in ("bytes", "packets", "connections"))
        print(f"{p}: {caps_a[p]['bytes']} bytes, {caps_a[p]['packets']} packets, {caps_a[p]['connections']} "
              f"connections" + ("" if same else "  (DIFFERENT captures: before "
                                f"{caps_b[p]['bytes']} bytes, {caps_b[p]['connections']} connections)"))

    rows = []
    rb, ra = runs(before), runs(after)
    metrics = (("wall s", "wall_s", "s"), ("CPU s", "cpu_s", "s"), ("conn/s", "connections_per_s", "rate"),
               ("pkt/s", "packets_per_s", "rate"), ("x no-op (wall)", "ratio_wall", "x"),
               ("x no-op (CPU)", "ratio_cpu", "x"), ("peak RSS", "max_rss_kb", "mb"))
    for profile in ("handshake", "bulk", "quic"):
        for tool in ("noop", "tlsscope", "tlsscope_no_ndpi", "tlsscope_file"):
            b, a = rb.get((profile, tool)), ra.get((profile, tool))
            if not b and not a:
                continue
            label = (a or b)["label"]
            for title, key, kind in metrics:
                if tool == "noop" and key not in ("wall_s", "cpu_s", "packets_per_s"):
                    continue
                vb, va = (b or {}).get(key), (a or {}).get(key)
                rows.append((profile, label, title, vb, va, kind))
    cb, ca = callgrind(before), callgrind(after)
    for profile in ("handshake", "bulk", "quic"):
        b, a = cb.get(profile, {}), ca.get(profile, {})
        if not b and not a:
            continue
        for title, key in (("Ir/packet", "tlsscope_ir_per_packet"), ("Ir/connection", "tlsscope_ir_per_connection"),
                           ("own Ir/packet (- no-op)", "tlsscope_own_ir_per_packet"),
                           ("own Ir/connection (- no-op)", "tlsscope_own_ir_per_connection"),
                           ("no-op Ir/packet", "noop_ir_per_packet"),
                           ("Ir/packet less startup", "tlsscope_marginal_ir_per_packet"),
                           ("Ir/conn. less startup", "tlsscope_marginal_ir_per_connection"),
                           ("no-op Ir/packet less st.", "noop_marginal_ir_per_packet"),
                           ("startup Ir", "tlsscope_startup_ir")):
            rows.append((profile, "callgrind", title, b.get(key), a.get(key), "n"))
        groups = sorted(set(b.get("groups", {})) | set(a.get("groups", {})))
        for g in groups:
            gb, ga = b.get("groups", {}).get(g, {}), a.get("groups", {}).get(g, {})
            rows.append((profile, "callgrind", f"{g} Ir/connection", gb.get("ir_per_connection"),
                         ga.get("ir_per_connection"), "n"))

    print()
    head = f"{'capture':<10} {'run':<32} {'measure':<28} {'before':>12} {'after':>12} {'after/before':>13}"
    print(head)
    print("-" * len(head))
    for profile, label, title, vb, va, kind in rows:
        ratio = f"{va / vb:.2f}" if vb and va is not None else "-"
        print(f"{profile:<10} {label:<32} {title:<28} {fmt(vb, kind):>12} {fmt(va, kind):>12} {ratio:>13}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
