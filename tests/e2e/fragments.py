#!/usr/bin/env python3
"""IP fragments: every capture of the given corpora, with its IP packets cut
into fragments, must give the same connection lines as the capture itself.

Each capture is converted to pcap (editcap); each Ethernet or raw-IP frame
carrying an unfragmented IPv4 or IPv6 packet longer than MTU bytes is
replaced by fragments of at most MTU bytes of IP packet (IPv6: a Fragment
header after the fixed header; a packet with a hop-by-hop header is left
alone). To exercise the reassembler's rules, not only the easy order, every
third packet's fragments are written last to first and every fifth packet's
first fragment is written twice (a mirror port's duplicate). Then:
- every connection line of the original is in the fragmented run's output,
  equal member by member (the fragments are the same bytes, so nothing may
  differ);
- the fragmented run's --stats show the reassembly: ip_reasm.reassembled is
  the number of packets fragmented, and nothing timed out, overlapped,
  was evicted or dropped.
Usage: fragments.py TLSSCOPE WORKDIR MTU CORPUS_DIR...
"""
import json
import os
import struct
import subprocess
import sys

ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD


def read_pcap(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
    link = struct.unpack(end + "I", data[20:24])[0]
    recs, off = [], 24
    while off + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(end + "IIII", data[off:off + 16])
        recs.append((sec, frac, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return data[:24], end, link, recs


def write_pcap(path, header, end, recs):
    with open(path, "wb") as f:
        f.write(header)
        for sec, frac, orig, body in recs:
            f.write(struct.pack(end + "IIII", sec, frac, len(body), orig) + body)


def fragment_v4(ip, mtu):
    ihl = (ip[0] & 0x0F) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    flags = struct.unpack(">H", ip[6:8])[0]
    if flags & 0x3FFF or total != len(ip) or total <= mtu:
        return None
    data, step = ip[ihl:total], (mtu - ihl) // 8 * 8
    out = []
    for off in range(0, len(data), step):
        piece = data[off:off + step]
        more = off + step < len(data)
        hdr = bytearray(ip[:ihl])
        hdr[2:4] = struct.pack(">H", ihl + len(piece))
        hdr[6:8] = struct.pack(">H", (off // 8) | (0x2000 if more else 0))
        out.append(bytes(hdr) + piece)
    return out


def fragment_v6(ip, mtu, ident):
    plen = struct.unpack(">H", ip[4:6])[0]
    nxt = ip[6]
    if nxt in (0, 44) or 40 + plen != len(ip) or len(ip) <= mtu:
        return None
    data, step = ip[40:], (mtu - 48) // 8 * 8
    out = []
    for off in range(0, len(data), step):
        piece = data[off:off + step]
        more = off + step < len(data)
        hdr = bytearray(ip[:40])
        hdr[4:6] = struct.pack(">H", 8 + len(piece))
        hdr[6] = 44
        frag = struct.pack(">BBHI", nxt, 0, off | (1 if more else 0), ident)
        out.append(bytes(hdr) + frag + piece)
    return out


def split_frame(link, body):
    """(link header, IP packet, trailer) or None."""
    if link == 1 and len(body) >= 14:
        et = struct.unpack(">H", body[12:14])[0]
        if et in (ETH_IPV4, ETH_IPV6):
            return body[:14], body[14:]
    if link in (101, 228, 229) and body:
        return b"", body
    return None


def fragment_capture(src, dst, mtu):
    header, end, link, recs = read_pcap(src)
    out, n = [], 0
    for sec, frac, orig, body in recs:
        parts = split_frame(link, body) if orig == len(body) else None
        frags = None
        if parts:
            lhdr, ip = parts
            if ip[0] >> 4 == 4 and len(ip) >= 20:
                frags = fragment_v4(ip[:struct.unpack(">H", ip[2:4])[0]], mtu)
            elif ip[0] >> 4 == 6 and len(ip) >= 40:
                frags = fragment_v6(ip[:40 + struct.unpack(">H", ip[4:6])[0]], mtu, 0x10000 + n)
        if not frags:
            out.append((sec, frac, orig, body))
            continue
        n += 1
        frames = [lhdr + f for f in frags]
        if n % 3 == 0:
            frames.reverse()
        if n % 5 == 0:
            frames.insert(1, frames[0])
        for f in frames:
            out.append((sec, frac, len(f), f))
    write_pcap(dst, header, end, out)
    return n


def run(tlsscope, path):
    p = subprocess.run([tlsscope, "--stats", "-r", path], capture_output=True, text=True, timeout=300)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    stats = json.loads([l for l in p.stderr.splitlines() if l.startswith("{")][-1])
    return p.returncode, lines, stats


def main():
    tlsscope, work, mtu = sys.argv[1], sys.argv[2], int(sys.argv[3])
    os.makedirs(work, exist_ok=True)
    failures, captures, fragmented, lines_checked = [], 0, 0, 0
    for corpus in sys.argv[4:]:
        for name in sorted(os.listdir(corpus)):
            if name.endswith(".jsonl") or name.endswith(".txt") or name.endswith(".md"):
                continue
            src = os.path.join(corpus, name)
            plain = os.path.join(work, name + ".pcap")
            if subprocess.run(["editcap", "-F", "pcap", src, plain], capture_output=True).returncode != 0:
                continue  # several interfaces' link types: not one pcap
            frag = os.path.join(work, name + ".frag.pcap")
            n = fragment_capture(plain, frag, mtu)
            if n == 0:
                continue
            captures += 1
            fragmented += n
            rc1, want, _ = run(tlsscope, plain)
            rc2, got, st = run(tlsscope, frag)
            r = st["ip_reasm"]
            if rc1 != rc2:
                failures.append("%s: exit %d, fragmented %d" % (name, rc1, rc2))
            if r["reassembled"] != n or r["timeouts"] or r["overlaps"] or r["evicted"] or r["malformed"] \
                    or r["too_big"] or r["rfc5722_dropped"]:
                failures.append("%s: %d packets fragmented, ip_reasm %s" % (name, n, r))
            if len(got) != len(want):
                failures.append("%s: %d lines, fragmented %d" % (name, len(want), len(got)))
            for a, b in zip(want, got):
                lines_checked += 1
                if a != b:
                    diff = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
                    failures.append("%s: line differs in %s" % (name, ", ".join(diff)))
                    break
    for f in failures:
        print("FAIL", f)
    print("fragments: %d captures, %d packets fragmented at MTU %d, %d lines compared, %d failures"
          % (captures, fragmented, mtu, lines_checked, len(failures)))
    if captures == 0:
        print("no capture had a packet to fragment")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
