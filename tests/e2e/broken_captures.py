#!/usr/bin/env python3
"""Broken captures: each must give a clear message naming the file, no crash,
everything before the damage reported, and the documented exit status.

Built here from samples/tls13-client-hello.pcap (one ClientHello):
- bad magic, a file cut inside its global header, a file cut mid-record;
- an absurd record length (caplen 0x7fffffff) after the good records;
- a link type tlsscope does not know (LINKTYPE 147, user-defined);
- snaplen smaller than the headers (every record cut to 40 bytes);
- the same capture as pcapng with unknown and custom blocks between packets
  (they must be skipped: same lines as the pcap).
Usage: broken_captures.py TLSSCOPE SAMPLES_DIR WORKDIR
"""
import json
import os
import struct
import subprocess
import sys


def read_pcap(path):
    data = open(path, "rb").read()
    magic, vmaj, vmin, tz, sig, snap, link = struct.unpack("<IHHiIII", data[:24])
    assert magic == 0xa1b2c3d4, "sample must be a little-endian microsecond pcap"
    recs, off = [], 24
    while off < len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[off:off + 16])
        recs.append((sec, usec, orig, data[off + 16:off + 16 + incl]))
        off += 16 + incl
    return link, recs


def write_pcap(path, link, recs, snap=65535, cut=None):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snap, link))
        for sec, usec, orig, body in recs:
            if cut is not None:
                body = body[:cut]
            f.write(struct.pack("<IIII", sec, usec, len(body), orig) + body)


def block(btype, body):
    body += b"\0" * (-len(body) % 4)
    n = 12 + len(body)
    return struct.pack("<II", btype, n) + body + struct.pack("<I", n)


def write_pcapng(path, link, recs):
    out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
    out += block(0x00000001, struct.pack("<HHI", link, 0, 65535))
    for i, (sec, usec, orig, body) in enumerate(recs):
        ts = sec * 1000000 + usec
        out += block(0x00000006, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(body), orig) + body
                     + b"\0" * (-len(body) % 4))
        # An unknown block type and a custom block (PEN 32473, RFC 5612's
        # documentation number) between packets: readers skip what they do not know.
        out += block(0x0BADC0DE, b"unknown block body")
        out += block(0x00000BAD, struct.pack("<I", 32473) + b"custom")
    open(path, "wb").write(out)


def run(binary, *args):
    p = subprocess.run([binary, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    lines = [json.loads(l) for l in p.stdout.decode("utf-8").splitlines() if l.strip()]
    return p.returncode, p.stderr.decode("utf-8", "replace"), lines


def main():
    binary, samples, work = sys.argv[1:4]
    os.makedirs(work, exist_ok=True)
    sample = os.path.join(samples, "tls13-client-hello.pcap")
    link, recs = read_pcap(sample)
    rc, _, good = run(binary, "-r", sample)
    assert rc == 0 and len(good) == 1
    results = []

    def check(name, cond, detail=""):
        results.append(cond)
        print(("ok   " if cond else "FAIL ") + name + ("" if cond else ": " + detail))

    p = os.path.join(work, "magic.pcap")
    open(p, "wb").write(b"\x00\x01\x02\x03" + bytes(60))
    rc, err, lines = run(binary, "-r", p)
    check("bad magic", rc == 1 and "magic.pcap: not a readable capture" in err and not lines, err)

    p = os.path.join(work, "header.pcap")
    open(p, "wb").write(open(sample, "rb").read()[:10])
    rc, err, lines = run(binary, "-r", p)
    check("cut inside the global header", rc == 1 and "header.pcap:" in err and not lines, err)

    p = os.path.join(work, "absurd.pcap")
    write_pcap(p, link, recs)
    with open(p, "ab") as f:
        f.write(struct.pack("<IIII", 1, 0, 0x7fffffff, 0x7fffffff) + b"x" * 64)
    rc, err, lines = run(binary, "-r", p)
    check("absurd record length after good records", rc == 1 and "absurd.pcap:" in err and len(lines) == 1
          and lines[0]["tls"]["outcome"] == good[0]["tls"]["outcome"], err)

    p = os.path.join(work, "linktype.pcap")
    write_pcap(p, 147, recs)
    rc, err, lines = run(binary, "-r", p)
    check("unknown link type", rc == 1 and "link type 147 is not supported" in err and not lines, err)

    p = os.path.join(work, "snaplen.pcap")
    write_pcap(p, link, recs, snap=40, cut=40)
    rc, err, lines = run(binary, "-r", p, "--stats")
    check("snaplen smaller than the headers", rc == 0 and "cut inside their headers" in err and not lines, err)

    p = os.path.join(work, "unknown-blocks.pcapng")
    write_pcapng(p, link, recs)
    rc, err, lines = run(binary, "-r", p)
    strip = lambda l: {k: v for k, v in l.items()}
    check("pcapng with unknown and custom blocks", rc == 0 and lines == good, f"rc={rc} {err} {lines[:1]}")

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
