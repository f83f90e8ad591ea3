#!/usr/bin/env python3
"""pcapng output (--pcapng) end to end, over every capture in the given
directories:

1. tlsscope -r CAP --pcapng OUT writes OUT; tlsscope -r OUT must write the
   same JSON lines as from CAP (every frame, its time, lengths and link type
   survive the round trip);
2. OUT is read back by a strict pcapng reader written here (block framing,
   trailing lengths, 32-bit padding, options ending in opt_endofopt): as many
   packets as frames read (--stats decode.frames); every comment strict UTF-8
   without control characters, starting "tlsscope: ";
3. the comments agree with the lines: a "ClientHello" comment per line whose
   ClientHello was parsed, a "handshake established" comment per line decided
   established by its own packet, at least one "Alert from" comment per line
   with an alert, a "finding <id>" comment per finding of a line decided by a packet;
4. when tshark is installed, it reads OUT without complaint and counts the
   same commented frames.

Usage: pcapng_output.py TLSSCOPE DIR... (a DIR that does not exist is skipped
with a message; exit 77 when none exists).
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

CAPTURE_SUFFIXES = (".pcap", ".pcapng", ".cap")
PACKET_DECIDED = {"handshake_done", "alert", "reset", "fin", "starttls_refused"}


def read_pcapng(path):
    """Returns [(interface, caplen, [comment bytes...])] and the link types."""
    data = open(path, "rb").read()
    off = 0
    packets, links = [], []
    first = True
    while off < len(data):
        if len(data) - off < 12:
            raise ValueError("block header cut at %d" % off)
        btype, total = struct.unpack_from("<II", data, off)
        if first:
            if btype != 0x0A0D0D0A:
                raise ValueError("first block is not a section header")
            if struct.unpack_from("<I", data, off + 8)[0] != 0x1A2B3C4D:
                raise ValueError("byte-order magic")
            first = False
        if total % 4 or total < 12 or off + total > len(data):
            raise ValueError("block length %d at %d" % (total, off))
        if struct.unpack_from("<I", data, off + total - 4)[0] != total:
            raise ValueError("trailing length differs at %d" % off)
        body = data[off + 8: off + total - 4]
        if btype == 1:
            links.append(struct.unpack_from("<H", body, 0)[0])
            opts = body[8:]
        elif btype == 6:
            iface, _hi, _lo, caplen, wire = struct.unpack_from("<IIIII", body, 0)
            if iface >= len(links):
                raise ValueError("packet on undeclared interface %d" % iface)
            if caplen > wire:
                raise ValueError("captured length above original length")
            padded = (caplen + 3) & ~3
            if any(body[20 + caplen: 20 + padded]):
                raise ValueError("non-zero packet padding")
            opts = body[20 + padded:]
            packets.append((iface, caplen, options(opts, off)))
            off += total
            continue
        elif btype == 0x0A0D0D0A:
            opts = body[16:]
        else:
            raise ValueError("unexpected block type 0x%x" % btype)
        options(opts, off)
        off += total
    return packets, links


def options(buf, at):
    comments = []
    i, ended = 0, False
    while i < len(buf):
        if ended:
            raise ValueError("bytes after opt_endofopt at %d" % at)
        code, length = struct.unpack_from("<HH", buf, i)
        padded = (length + 3) & ~3
        if i + 4 + padded > len(buf):
            raise ValueError("option overruns its block at %d" % at)
        if any(buf[i + 4 + length: i + 4 + padded]):
            raise ValueError("non-zero option padding at %d" % at)
        if code == 0:
            ended = True
        elif code == 1:
            comments.append(buf[i + 4: i + 4 + length])
        i += 4 + padded
    if buf and not ended:
        raise ValueError("options without opt_endofopt at %d" % at)
    return comments


def clean_text(b):
    try:
        s = b.decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return None
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in s):
        return None
    return s


def check(bin_path, cap, work):
    name = os.path.basename(cap)
    out = os.path.join(work, "out.pcapng")
    first = subprocess.run([bin_path, "-r", cap, "--pcapng", out, "--stats"], capture_output=True)
    if first.returncode not in (0, 1) or not os.path.exists(out):
        return ["tlsscope exited %d: %s" % (first.returncode, first.stderr.decode(errors="replace")[-300:])]
    stats = json.loads(first.stderr.decode().strip().splitlines()[-1])
    lines = [json.loads(l) for l in first.stdout.decode("utf-8").splitlines()]
    problems = []
    try:
        packets, _links = read_pcapng(out)
    except ValueError as e:
        return ["pcapng: %s" % e]
    if len(packets) != stats["decode"]["frames"]:
        problems.append("%d packets written, %d frames read" % (len(packets), stats["decode"]["frames"]))
    if stats["pcapng"]["write_errors"] or stats["pcapng"]["comments_dropped"]:
        problems.append("pcapng stats: %s" % stats["pcapng"])
    again = subprocess.run([bin_path, "-r", out], capture_output=True)
    if again.stdout != first.stdout:
        problems.append("reading the pcapng gives other lines (%d vs %d)"
                        % (len(again.stdout.splitlines()), len(first.stdout.splitlines())))

    comments = []
    for _iface, _caplen, cs in packets:
        for c in cs:
            s = clean_text(c)
            if s is None or not s.startswith("tlsscope: "):
                problems.append("bad comment %r" % c[:80])
            else:
                comments.append(s)

    def count(prefix):
        return sum(1 for c in comments if c.startswith("tlsscope: " + prefix))

    def want(what, prefix, n, at_most=None):
        got = count(prefix)
        if got < n or got > (n if at_most is None else at_most):
            problems.append("%s: %d comments, %d expected from the lines" % (what, got, n))

    client_hellos = sum(1 for l in lines if l.get("tls", {}).get("client", {}).get("ja3")
                        or l.get("tls", {}).get("client", {}).get("sslv2_hello"))
    if count("ClientHello") + count("SSLv2-compatible ClientHello") < client_hellos:
        problems.append("%d ClientHello comments for %d lines with a parsed ClientHello"
                        % (count("ClientHello") + count("SSLv2-compatible ClientHello"), client_hellos))
    decided = [l for l in lines if l.get("event", {}).get("reason") in PACKET_DECIDED]
    # A reset line waits for what the other side had in flight (flows/flow_table.h, FLOW_RST_GRACE_US): it is
    # decided on a packet of its own when one ends the wait, else by the grace or the end of the input, which
    # carry no packet of it. So a reset line's comments may be missing, never extra.
    on_packet = [l for l in decided if l["event"]["reason"] != "reset"]
    want("established", "handshake established",
         sum(1 for l in on_packet if l.get("tls", {}).get("outcome") == "established"),
         sum(1 for l in decided if l.get("tls", {}).get("outcome") == "established"))
    # One per reported alert, and one more where a fatal alert followed a warning.
    alerts = sum(1 for l in lines if "alert" in l.get("tls", {}))
    if count("Alert from") < alerts:
        problems.append("alerts: %d comments for %d lines with an alert" % (count("Alert from"), alerts))
    for fid in sorted({f["id"] for l in decided for f in l.get("tls", {}).get("findings", [])}):
        want("finding " + fid, "finding %s " % fid,
             sum(1 for l in on_packet for f in l.get("tls", {}).get("findings", []) if f["id"] == fid),
             sum(1 for l in decided for f in l.get("tls", {}).get("findings", []) if f["id"] == fid))

    if shutil.which("tshark"):
        t = subprocess.run(["tshark", "-n", "-r", out, "-Y", "frame.comment", "-T", "fields", "-e", "frame.number"],
                           capture_output=True)
        if t.returncode != 0:
            problems.append("tshark: %s" % t.stderr.decode(errors="replace")[-300:])
        elif len(t.stdout.split()) != sum(1 for p in packets if p[2]):
            problems.append("tshark sees %d commented frames, we wrote %d"
                            % (len(t.stdout.split()), sum(1 for p in packets if p[2])))
    return problems or None, len(packets), len(comments), len(lines), name


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    bin_path = sys.argv[1]
    caps = []
    for d in sys.argv[2:]:
        if not os.path.isdir(d):
            print("skip  %s: no such directory" % d)
            continue
        caps += sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(CAPTURE_SUFFIXES))
    if not caps:
        print("no captures")
        return 77
    failed = 0
    total = [0, 0, 0]
    with tempfile.TemporaryDirectory() as work:
        for cap in caps:
            r = check(bin_path, cap, work)
            if isinstance(r, list) or r[0]:
                problems = r if isinstance(r, list) else r[0]
                failed += 1
                print("FAIL  %s:" % os.path.basename(cap))
                for p in problems[:10]:
                    print("        " + p)
                continue
            _, npk, ncm, nl, name = r
            total[0] += npk
            total[1] += ncm
            total[2] += nl
            print("ok    %s: %d packets, %d comments, %d lines" % (name, npk, ncm, nl))
    print("%d of %d captures: round trip exact, pcapng well formed, comments agree (%d packets, %d comments, "
          "%d lines)%s" % (len(caps) - failed, len(caps), total[0], total[1], total[2],
                           "" if shutil.which("tshark") else "; tshark not installed, its check skipped"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
