#!/usr/bin/env python3
"""Floods: tlsscope under connection and segment floods stays within its
memory budget, evicts what it must, writes a line for what it evicts, and
does bounded work per packet.

Usage: floods.py TLSSCOPE WORKDIR [--keep]

  (a) SYN flood: FLOOD_SYNS (default 1,000,000) SYNs from distinct
      addresses and ports to one server, run with --max-flows 4096:
      flows.evicted > 0, flows.peak_active <= 4096, no line (no TLS), peak
      RSS under the bound below.
  (b) half-open flood: FLOOD_HALF_OPEN (default 20,000) connections, each
      SYN, SYN-ACK, ACK and the first 200 bytes of a 505-byte ClientHello
      record, never answered, run with --max-sessions 1024: every connection
      gets exactly one line, N - 1024 of them with event.reason "evicted"
      (= flows.sessions_evicted), the other 1024 "end_of_input"; RSS bounded.
      (b2) is the same with whole ClientHellos.
  (c) segment flood on one connection: a 3000-byte ClientHello sent as 30
      segments with the first one held back, then FLOOD_CONFLICTS (default
      100,000) copies of held bytes with different contents, then the first
      segment: the first copy wins (the line has the original server name,
      not truncated, not malformed), reassembly.overlap_conflicts counts
      every conflicting copy, CPU time stays small (bounded work per packet).
      (c2) 100,000 segments of random length and offset over a 64 KiB window
      of a connection whose first bytes never come: completes quickly.

Memory bound: RSS <= RSS of the same command over a tiny capture (the
binary, libraries, nDPI's tables) + flows.table_bytes (every flow and
session slot of the configured --max-flows/--max-sessions, as --stats
reports it) + buffers.peak + 16 MiB of slack. Pools are touched only as used,
so the real figure is far below; the bound fails if memory grows with the
number of packets or connections instead of with the budget.

Figures (packets/s, CPU, peak RSS) are printed for each run. Peak RSS is the
tlsscope process's own (not this script's): GNU time runs it when installed, else VmHWM is polled. The captures are written to WORKDIR (about 70 bytes a SYN) and
removed afterwards unless --keep. FLOOD_SYNS=10000000 is the large run
(about 700 MB of capture).
"""
import json
import os
import random
import struct
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "synthetic"))
import tlsgen as g  # noqa: E402

SLACK = 16 << 20
FAILS = []


def check(cond, what):
    print("  %s %s" % ("ok  " if cond else "FAIL", what))
    if not cond:
        FAILS.append(what)


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def run(binary, pcap, opts, workdir):
    """Runs tlsscope; returns (lines, stats, wall s, cpu s, peak RSS bytes).

    Peak RSS: a child forked from this (large) Python process would start its
    high-water mark at Python's size, since Linux keeps ru_maxrss across
    exec. So GNU time (a small process) runs tlsscope and reports its
    ru_maxrss; without it, VmHWM of the running tlsscope is polled from /proc
    (the mm after exec is tlsscope's own)."""
    out_path = os.path.join(workdir, "out.jsonl")
    err_path = os.path.join(workdir, "err.txt")
    time_path = os.path.join(workdir, "time.txt")
    cmd = [binary, "-r", pcap, "--stats"] + opts
    if TIME:
        cmd = [TIME, "-f", "%M %U %S", "-o", time_path] + cmd
    hwm = 0
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(cmd, stdout=out, stderr=err)
        while p.poll() is None:
            if not TIME:
                try:
                    with open("/proc/%d/status" % p.pid) as f:
                        for l in f:
                            if l.startswith("VmHWM:"):
                                hwm = max(hwm, int(l.split()[1]) * 1024)
                except OSError:
                    pass
            time.sleep(0.005)
        wall = time.monotonic() - t0
    cpu = 0.0
    if TIME:
        with open(time_path) as f:
            last = f.read().strip().splitlines()[-1].split()
        hwm, cpu = int(last[0]) * 1024, float(last[1]) + float(last[2])
    with open(err_path, "rb") as f:
        err_text = f.read().decode("utf-8", "replace")
    stats = None
    for l in err_text.splitlines():
        if l.startswith("{"):
            stats = json.loads(l)
    lines = []
    with open(out_path, "rb") as f:
        for raw in f:
            lines.append(json.loads(raw.decode("utf-8", "strict")))
    if p.returncode != 0 or stats is None:
        FAILS.append("tlsscope %s exited %d: %s" % (os.path.basename(pcap), p.returncode, err_text.strip()[:300]))
    return lines, stats or {}, wall, cpu or wall, hwm


def baseline_rss(binary, workdir, opts):
    tiny = os.path.join(workdir, "tiny.pcap")
    c = g.Conn("192.0.2.1", 40000, "198.51.100.1", 443).handshake()
    rng = random.Random(1)
    g.tls12_exchange(c, rng, g.hello12(rng))
    g.write_pcap(tiny, g.LINKTYPE_ETHERNET, g.frames_ether(c.segs))
    _, _, _, _, rss = run(binary, tiny, opts, workdir)
    os.unlink(tiny)
    return rss


def mib(n):
    return "%.1f MiB" % (n / 1048576.0)


def report(name, packets, wall, cpu, rss, bound=None):
    print("  %s: %d packets in %.2f s wall, %.2f s CPU: %.0f packets/s (%.0f per CPU second); peak RSS %s%s" % (
        name, packets, wall, cpu, packets / wall if wall else 0, packets / cpu if cpu else 0, mib(rss),
        " (bound %s)" % mib(bound) if bound else ""))


def memory_bound(base, stats):
    return base + stats.get("flows", {}).get("table_bytes", 0) + stats.get("buffers", {}).get("peak", 0) + SLACK


# ---------------------------------------------------------------------------
# (a) SYN flood

def write_syn_flood(path, n):
    """n SYNs from distinct (address, port) pairs in 10.0.0.0/8 to
    198.51.100.1:443, 100,000 a second. Written big-endian (the pcap magic
    says so), so one struct packs a whole record; checksums are zero."""
    eth = g.MAC_SERVER + g.MAC_CLIENT + struct.pack("!H", 0x0800)
    ip_head = struct.pack("!BBHHHBBH", 0x45, 0, 40, 0, 0x4000, 64, 6, 0)
    dst = g.ip4("198.51.100.1")
    tcp_tail = struct.pack("!IBBHHH", 0, 5 << 4, g.TCP_SYN, 64240, 0, 0)
    rec = struct.Struct("!IIII26sI4sHHI12s")
    pre = eth + ip_head
    t0 = 1700000000
    with open(path, "wb") as f:
        f.write(struct.pack("!IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        chunk = 200000
        for start in range(0, n, chunk):
            parts = []
            for i in range(start, min(n, start + chunk)):
                src = 0x0A000000 | ((i * 0x9E3779B1) & 0xFFFFFF)
                sport = 1024 + i % 60000
                ts = i * 10
                parts.append(rec.pack(t0 + ts // 1000000, ts % 1000000, 54, 54, pre, src, dst, sport, 443,
                                      (i * 2654435761) & 0xFFFFFFFF, tcp_tail))
            f.write(b"".join(parts))


def flood_syn(binary, workdir, keep):
    n = int(os.environ.get("FLOOD_SYNS", "1000000"))
    print("(a) SYN flood: %d SYNs, --max-flows 4096" % n)
    path = os.path.join(workdir, "syn_flood.pcap")
    t = time.monotonic()
    write_syn_flood(path, n)
    print("  generated %s in %.1f s" % (mib(os.path.getsize(path)), time.monotonic() - t))
    opts = ["--max-flows", "4096"]
    base = baseline_rss(binary, workdir, opts)
    lines, st, wall, cpu, rss = run(binary, path, opts, workdir)
    fl = st.get("flows", {})
    bound = memory_bound(base, st)
    report("syn flood", n, wall, cpu, rss, bound)
    print("  flows: created %s, evicted %s, expired %s, peak_active %s; baseline RSS %s, table %s" % (
        fl.get("created"), fl.get("evicted"), fl.get("expired"), fl.get("peak_active"), mib(base),
        mib(fl.get("table_bytes", 0))))
    check(st.get("decode", {}).get("tcp") == n, "every SYN decoded as TCP")
    check(fl.get("created") == n, "one flow per SYN (created == %d)" % n)
    check(fl.get("evicted", 0) > 0, "flows.evicted > 0")
    check(fl.get("evicted", 0) + fl.get("expired", 0) >= n - 4096, "evicted + expired >= SYNs - 4096")
    check(0 < fl.get("peak_active", 0) <= 4096, "flows.peak_active <= 4096")
    check(fl.get("max_flows") == 4096, "max_flows reported as 4096")
    check(not lines, "no line for SYN-only connections")
    check(rss <= bound, "peak RSS %s <= %s" % (mib(rss), mib(bound)))
    if not keep:
        os.unlink(path)


# ---------------------------------------------------------------------------
# (b) half-open connections holding (part of) a ClientHello

def write_half_open(path, n, hello_bytes):
    w = g.PcapWriter(path, g.LINKTYPE_ETHERNET)
    for i in range(n):
        c = g.Conn("10.%d.%d.%d" % (i >> 16 & 255, i >> 8 & 255, i & 255), 1024 + i % 60000, "198.51.100.1", 443,
                   t0_us=1700000000000000 + i * 100, step_us=10, cisn=i * 7919, sisn=i * 104729).handshake()
        c.send(g.C2S, hello_bytes)
        for ts, fr in g.frames_ether(c.segs):
            w.write(ts, fr)
    w.close()


def flood_half_open(binary, workdir, keep, partial):
    n = int(os.environ.get("FLOOD_HALF_OPEN", "20000"))
    sessions = 1024
    rng = random.Random(7)
    rec = g.hello12(rng, sni=b"half-open.example", padding_to=500).record()
    assert len(rec) == 505
    data = rec[:200] if partial else rec
    label = "(b) half-open, first 200 bytes of a 505-byte ClientHello" if partial else \
        "(b2) half-open, whole 505-byte ClientHello"
    print("%s: %d connections, --max-sessions %d" % (label, n, sessions))
    path = os.path.join(workdir, "half_open.pcap")
    write_half_open(path, n, data)
    opts = ["--max-sessions", str(sessions)]
    base = baseline_rss(binary, workdir, opts)
    lines, st, wall, cpu, rss = run(binary, path, opts, workdir)
    fl = st.get("flows", {})
    bound = memory_bound(base, st)
    report("half-open", n * 4, wall, cpu, rss, bound)
    reasons = {}
    for l in lines:
        r = l.get("event", {}).get("reason")
        reasons[r] = reasons.get(r, 0) + 1
    print("  lines: %d %s; sessions_evicted %s, peak_sessions %s, buffers.peak %s" % (
        len(lines), reasons, fl.get("sessions_evicted"), fl.get("peak_sessions"), st.get("buffers", {}).get("peak")))
    check(fl.get("sessions_evicted", 0) > 0, "flows.sessions_evicted > 0")
    check(fl.get("sessions_evicted") == n - sessions, "sessions_evicted == %d" % (n - sessions))
    check(0 < fl.get("peak_sessions", 0) <= sessions, "peak_sessions <= %d" % sessions)
    check(len(lines) == n, "one line per connection (%d), got %d" % (n, len(lines)))
    check(reasons.get("evicted", 0) == n - sessions,
          "evicted lines == %d (one per evicted connection), got %d" % (n - sessions, reasons.get("evicted", 0)))
    check(reasons.get("end_of_input", 0) == sessions,
          "end_of_input lines == %d, got %d" % (sessions, reasons.get("end_of_input", 0)))
    ports = {(l["source"]["ip"], l["source"]["port"]) for l in lines}
    check(len(ports) == len(lines), "no connection reported twice")
    if lines:
        sample = lines[0]["tls"]
        if partial:
            check(sample.get("outcome") == "incomplete", "outcome incomplete (got %r)" % sample.get("outcome"))
        else:
            check(sample.get("client", {}).get("server_name") == "half-open.example",
                  "evicted line has the ClientHello's server name")
    check(rss <= bound, "peak RSS %s <= %s" % (mib(rss), mib(bound)))
    check(st.get("buffers", {}).get("peak", 0) <= st.get("buffers", {}).get("budget", 0), "buffers.peak <= budget")
    if not keep:
        os.unlink(path)


# ---------------------------------------------------------------------------
# (c) one connection, many overlapping and conflicting segments

def flood_conflicts(binary, workdir, keep):
    k = int(os.environ.get("FLOOD_CONFLICTS", "100000"))
    print("(c) %d conflicting copies of held segments on one connection" % k)
    rng = random.Random(11)
    c = g.Conn("192.0.2.50", 47050, "198.51.100.50", 443, step_us=5).handshake()
    h = g.hello12(rng, sni=b"first-copy.example", padding_to=2995)
    data = h.record()
    assert len(data) == 3000
    base = c.nxt[g.C2S]
    seg = 100
    for off in range(seg, len(data), seg):  # everything but the first 100 bytes: held
        c.push(c.make(g.C2S, g.TCP_ACK | g.TCP_PSH, data[off:off + seg], seq=base + off))
    for _ in range(k):
        s = rng.randrange(1, len(data) // seg)  # a held segment
        a = rng.randrange(0, seg - 8)
        n = rng.randrange(8, seg - a + 1)
        off = s * seg + a
        junk = bytes(rng.getrandbits(8) for _ in range(n))
        while junk == data[off:off + n]:
            junk = bytes(rng.getrandbits(8) for _ in range(n))
        c.push(c.make(g.C2S, g.TCP_ACK | g.TCP_PSH, junk, seq=base + off))
    c.push(c.make(g.C2S, g.TCP_ACK | g.TCP_PSH, data[:seg], seq=base))
    c.nxt[g.C2S] = (base + len(data)) & 0xFFFFFFFF
    g_rest(c, rng)
    path = os.path.join(workdir, "conflicts.pcap")
    g.write_pcap(path, g.LINKTYPE_ETHERNET, g.frames_ether(c.segs))
    lines, st, wall, cpu, rss = run(binary, path, [], workdir)
    re = st.get("reassembly", {})
    report("conflicts", len(c.segs), wall, cpu, rss)
    print("  reassembly: %s" % re)
    check(re.get("overlap_conflicts") == k, "overlap_conflicts == %d (every conflicting copy), got %s" % (
        k, re.get("overlap_conflicts")))
    check(len(lines) == 1, "one line")
    if lines:
        t = lines[0]["tls"]
        check(t.get("client", {}).get("server_name") == "first-copy.example", "first copy wins: server name intact")
        check(t.get("outcome") == "established", "handshake established")
        check("truncated" not in t and "malformed" not in t, "not truncated, not malformed")
    check(cpu < 10.0, "CPU time %.2f s < 10 s for %d segments (bounded work per packet)" % (cpu, len(c.segs)))
    if not keep:
        os.unlink(path)

    m = int(os.environ.get("FLOOD_OVERLAPS", "100000"))
    print("(c2) %d random overlapping segments over a 64 KiB window, first bytes never sent" % m)
    c = g.Conn("192.0.2.51", 47051, "198.51.100.50", 443, step_us=5).handshake()
    base = c.nxt[g.C2S]
    first = g.hello12(rng, sni=b"overlap.example", padding_to=1000).record()
    c.send(g.C2S, first[:1])  # a TLS-looking first byte, then a hole
    for _ in range(m):
        off = rng.randrange(2, 65536)
        n = rng.randrange(1, 1400)
        c.push(c.make(g.C2S, g.TCP_ACK | g.TCP_PSH, bytes(rng.getrandbits(8) for _ in range(n)), seq=base + off))
    path = os.path.join(workdir, "overlaps.pcap")
    g.write_pcap(path, g.LINKTYPE_ETHERNET, g.frames_ether(c.segs))
    lines, st, wall, cpu, rss = run(binary, path, [], workdir)
    report("overlaps", len(c.segs), wall, cpu, rss)
    print("  reassembly: %s; buffers: %s" % (st.get("reassembly"), st.get("buffers")))
    check(cpu < 10.0, "CPU time %.2f s < 10 s for %d segments (bounded work per packet)" % (cpu, len(c.segs)))
    check(st.get("buffers", {}).get("peak", 0) <= 2 << 20, "buffers.peak <= 2 MiB for one connection")
    if not keep:
        os.unlink(path)


def g_rest(c, rng):
    """Server flight and Finished after a ClientHello already sent."""
    c.send(g.S2C, g.records(g.CT_HANDSHAKE, g.server_hello(rng, 0xC02F, exts=[(g.EXT_RENEGOTIATION_INFO, b"\0")]) +
                            g.certificate12() + g.ske_ecdhe(rng) + g.server_hello_done()))
    c.send(g.C2S, g.record(g.CT_HANDSHAKE, g.client_key_exchange_ecdhe(rng)) + g.ccs() + g.encrypted(rng))
    c.send(g.S2C, g.ccs() + g.encrypted(rng))


def main():
    args = sys.argv[1:]
    keep = "--keep" in args
    args = [a for a in args if a != "--keep"]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    binary, workdir = args
    os.makedirs(workdir, exist_ok=True)
    t = time.monotonic()
    flood_syn(binary, workdir, keep)
    flood_half_open(binary, workdir, keep, partial=True)
    flood_half_open(binary, workdir, keep, partial=False)
    flood_conflicts(binary, workdir, keep)
    print("floods: %.1f s, %d failed checks" % (time.monotonic() - t, len(FAILS)))
    for f in FAILS:
        print("FAIL  " + f)
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
