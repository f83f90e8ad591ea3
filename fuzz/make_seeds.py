#!/usr/bin/env python3
"""make_seeds.py - regenerates the seed corpora in fuzz/corpus/<target>/.

Real bytes come from the shared corpus (../shared/corpus/dev), read with
tshark: TCP conversations (each direction put back in sequence order, first
copy wins, retransmissions dropped, a hole kept as a gap), the hello and key
exchange messages inside them, and whole frames. The rest (TCP segment
scripts, PROXY headers, JSON strings, frames of the link types the corpus
lacks) is built here. Every seed is small; the total stays well under 2 MB.

Only files named seed-* are written (and old seed-* files removed first);
crash-* files (regressions for the bugs fuzzing found) and found-* files
(inputs fuzzing found worth keeping) are left alone.

    fuzz/make_seeds.py [--corpus DIR]
"""
import argparse
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "corpus")

# Link types in fuzz_decode.c's table order.
LINK_INDEX = {1: 0, 0: 1, 101: 2, 108: 3, 113: 4, 228: 5, 229: 6, 276: 7, 12: 8, 14: 9}

CHUNK_DIR, CHUNK_GAP = 0x01, 0x02


def tshark_fields(path, fields, display_filter=None, occurrence="l"):
    cmd = ["tshark", "-r", path, "-T", "fields", "-E", "separator=\t", "-E", "occurrence=" + occurrence]
    if display_filter:
        cmd += ["-Y", display_filter]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split("\t") for line in out.splitlines()]


def conversations(path):
    """{stream: (server_port, [(dir, gap, bytes)])}, each direction in order."""
    rows = tshark_fields(path, ["tcp.stream", "tcp.srcport", "tcp.dstport", "tcp.flags", "tcp.seq", "tcp.len",
                                "tcp.payload"])
    streams = {}
    for r in rows:
        if len(r) < 7 or not r[0]:
            continue
        sid, sport, dport, flags = int(r[0]), int(r[1]), int(r[2]), int(r[3], 16)
        seq, length, payload = int(r[4]), int(r[5] or 0), bytes.fromhex(r[6]) if r[6] else b""
        st = streams.setdefault(sid, {"client": None, "ports": (sport, dport), "pkts": []})
        if flags & 0x12 == 0x02 and st["client"] is None:
            st["client"] = sport
        if length and payload:
            st["pkts"].append((sport, seq, payload))
    result = {}
    for sid, st in streams.items():
        a, b = st["ports"]
        client = st["client"] if st["client"] is not None else max(a, b)
        server = b if client == a else a
        nxt = {}
        chunks = []
        for sport, seq, payload in st["pkts"]:
            d = 0 if sport == client else 1
            gap = False
            if d not in nxt:
                nxt[d] = seq
            if seq + len(payload) <= nxt[d]:
                continue  # retransmission
            if seq > nxt[d]:
                gap = True
            elif seq < nxt[d]:
                payload = payload[nxt[d] - seq:]
                seq = nxt[d]
            nxt[d] = seq + len(payload)
            chunks.append((d, gap, payload))
        if chunks:
            result[sid] = (server, chunks)
    return result


def chunk_script(chunks, limit):
    out = bytearray()
    total = 0
    for d, gap, data in chunks:
        if total >= limit:
            break
        data = data[: limit - total]
        out += bytes([(CHUNK_DIR if d else 0) | (CHUNK_GAP if gap else 0)]) + struct.pack(">H", len(data)) + data
        total += len(data)
    return bytes(out)


def tls_messages(stream):
    """Handshake messages (type, body) of one direction's TLS stream, plus an
    SSLv2 CLIENT-HELLO record when the stream starts with one."""
    msgs, sslv2 = [], None
    if len(stream) >= 3 and stream[0] & 0x80 and stream[2] == 1:
        n = ((stream[0] & 0x7F) << 8) | stream[1]
        sslv2 = stream[: 2 + n]
        stream = stream[2 + n:]
    hs = bytearray()
    i = 0
    while i + 5 <= len(stream):
        ctype, length = stream[i], struct.unpack(">H", stream[i + 3:i + 5])[0]
        if ctype < 20 or ctype > 24 or stream[i + 1] != 3:
            break
        body = stream[i + 5:i + 5 + length]
        if ctype == 22:
            hs += body
        elif ctype == 20:
            break  # encrypted from here
        i += 5 + length
    j = 0
    while j + 4 <= len(hs):
        t, n = hs[j], int.from_bytes(hs[j + 1:j + 4], "big")
        if j + 4 + n > len(hs):
            break
        msgs.append((t, bytes(hs[j + 4:j + 4 + n])))
        j += 4 + n
    return msgs, sslv2


def write(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "seed-" + name), "wb") as f:
        f.write(data)


def clear():
    for target in os.listdir(OUT) if os.path.isdir(OUT) else []:
        d = os.path.join(OUT, target)
        for f in os.listdir(d):
            if f.startswith("seed-"):
                os.remove(os.path.join(d, f))


def stem(path):
    return os.path.basename(path).split(".pcap")[0]


# ---- conversations: tls_session, starttls, tls_hello ----

SESSION_CAPTURES = [
    "ja4_tls12.pcap", "ndpi_haproxy.pcap", "ndpi_smtps.pcapng", "ndpi_tls_cipher_lens.pcap", "ndpi_tls_alert.pcap",
    "ndpi_tls_1.3_unidirectional_server.pcapng", "ndpi_tls-esni-fuzzed.pcap", "ja4_tls-non-ascii-alpn.pcapng",
    "ndpi_pops.pcapng", "ndpi_tls_ech.pcapng", "ndpi_ja3_lots_of_cipher_suites.pcap", "ndpi_ssl-cert-name-mismatch.pcap",
    "ndpi_google_ssl.pcap", "ndpi_tls_2_reasms.pcapng", "ja4_https3-301-get.pcap", "ndpi_imaps.pcap",
    "ndpi_tls_multiple_synack_different_seq.pcapng",
]
STARTTLS_CAPTURES = [
    "ndpi_smtp-starttls.pcap", "ndpi_imap-starttls.pcap", "ndpi_pop3_stls.pcap", "ndpi_ftp-start-tls.pcap",
    "ndpi_pgsql2.pcapng", "ndpi_pgsql.pcap", "ndpi_mysql.pcapng", "ndpi_mssql_tds.pcap", "ndpi_rdp_over_tls.pcap",
    "ja4_https-connect.pcap", "ja4_socks4-https.pcap",
]
HELLO_ONLY_CAPTURES = ["ja4_tls-sni.pcapng", "ndpi_tls_esni_sni_both.pcap", "ndpi_tls_malicious_sha1.pcapng",
                       "ndpi_tls_with_huge_ch.pcapng", "ja4_macos_tcp_flags.pcap", "ndpi_long_tls_certificate.pcap"]


def server_version_cipher(body):
    """(version for the SKE layout, cipher) from a ServerHello body."""
    if len(body) < 38:
        return None
    version = struct.unpack(">H", body[0:2])[0]
    sid = body[34]
    off = 35 + sid
    if len(body) < off + 2:
        return None
    return version, struct.unpack(">H", body[off:off + 2])[0]


def hello_seeds(name, chunks, seen):
    streams = [b"".join(c[2] for c in chunks if c[0] == d and not c[1]) for d in (0, 1)]
    cmsgs, sslv2 = tls_messages(streams[0])
    smsgs, _ = tls_messages(streams[1])
    if sslv2 and ("sslv2", sslv2) not in seen:
        seen.add(("sslv2", sslv2))
        write("tls_hello", "sslv2-" + name, bytes([3]) + sslv2)
    for t, body in cmsgs:
        if t == 1 and len(body) <= 16384 and ("ch", body) not in seen:
            seen.add(("ch", body))
            write("tls_hello", "ch-" + name, bytes([0]) + body)
            break
    vc = None
    for t, body in smsgs:
        if t == 2 and ("sh", body) not in seen:
            seen.add(("sh", body))
            vc = server_version_cipher(body)
            # The client's session id decides session_id_echoed: echo it.
            sid = body[35:35 + body[34]] if len(body) > 34 else b""
            write("tls_hello", "sh-" + name, bytes([1, len(sid)]) + sid + body)
        if t == 12 and vc and len(body) <= 4096:
            write("tls_hello", "ske-" + name, bytes([2]) + struct.pack(">HH", *vc) + body)
            break


def conversation_seeds(corpus):
    seen = set()
    for cap in SESSION_CAPTURES + STARTTLS_CAPTURES + HELLO_ONLY_CAPTURES:
        path = os.path.join(corpus, cap)
        if not os.path.exists(path):
            print("make_seeds: missing", path, file=sys.stderr)
            continue
        convs = conversations(path)
        # The first conversations with payload in both directions, at most two.
        picked = [s for s in sorted(convs) if {c[0] for c in convs[s][1]} == {0, 1}][:2]
        if not picked:
            picked = sorted(convs)[:1]
        for k, sid in enumerate(picked):
            server, chunks = convs[sid]
            name = stem(cap) + ("" if k == 0 else "-%d" % sid)
            hello_seeds(name, chunks, seen)
            if cap in HELLO_ONLY_CAPTURES:
                continue
            # tls_session: [port:2][flags:1: close reason end_of_input] chunks
            write("tls_session", name, struct.pack(">HB", server, 6) + chunk_script(chunks, 8000))
            if cap in STARTTLS_CAPTURES:
                write("starttls", name, struct.pack(">HB", server, 0) + chunk_script(chunks, 3000))
    # A TLS conversation after a PROXY v2 header, and one fed byte by byte.
    convs = conversations(os.path.join(corpus, "ja4_tls12.pcap"))
    if convs:
        _, chunks = convs[sorted(convs)[0]]
        d, gap, ch = chunks[0]
        hdr = proxy_v2(0x21, 0x11, bytes([192, 0, 2, 1, 198, 51, 100, 7]) + struct.pack(">HH", 40000, 443),
                       tlv(0x02, b"www.example.com") + tlv(0x01, b"h2"), crc=True)
        write("tls_session", "proxy-v2-clienthello", struct.pack(">HB", 443, 6) + bytes([0]) +
              struct.pack(">H", len(hdr) + len(ch)) + hdr + ch)
        write("tls_session", "bytewise-clienthello", struct.pack(">HB", 443, 0x1e) + bytes([0x04]) +
              struct.pack(">H", len(ch)) + ch)


def sslv2_session_seeds():
    """tls_session: SSL 2.0 sessions (no capture of one exists in the
    corpus): an SSLv2 CLIENT-HELLO answered by a SERVER-HELLO carrying the
    x509 target's ecdsa-selfsigned.der, a CLIENT-MASTER-KEY and encrypted
    records (2- and 3-byte headers, one fed byte by byte); a session-id
    hit; an ERROR (NO-CIPHER) answering the hello."""
    with open(os.path.join(OUT, "x509", "ecdsa-selfsigned.der"), "rb") as f:
        cert = f.read()

    def rec(body):
        return struct.pack(">H", 0x8000 | len(body)) + body

    def chunk(d, data, flags=0):
        return bytes([d | flags]) + struct.pack(">H", len(data)) + data

    kinds = bytes.fromhex("010080" "0700c0" "020080")
    hello = rec(b"\x01" + struct.pack(">HHHH", 2, len(kinds), 0, 16) + kinds + bytes(range(16)))
    server_hello = rec(b"\x04\x00\x01" + struct.pack(">HHHH", 2, len(cert), 6, 16) + cert + kinds[:6] +
                       bytes(range(0xa0, 0xb0)))
    cmk = rec(b"\x02" + bytes.fromhex("010080") + struct.pack(">HHH", 0, 8, 0) + bytes(range(8)))
    enc = rec(bytes(range(0x40, 0x61)))
    enc3 = struct.pack(">HB", 24, 4) + bytes(range(24))
    write("tls_session", "sslv2-session", struct.pack(">HB", 443, 6) + chunk(0, hello) + chunk(1, server_hello) +
          chunk(0, cmk + enc) + chunk(1, enc, 0x04) + chunk(1, enc3) + chunk(0, enc3))
    hit = rec(b"\x04\x01\x01" + struct.pack(">HHHH", 2, 0, 0, 16) + bytes(range(16)))
    write("tls_session", "sslv2-session-id-hit", struct.pack(">HB", 443, 6) + chunk(0, hello) + chunk(1, hit + enc) +
          chunk(0, enc) + chunk(1, enc))
    write("tls_session", "sslv2-no-cipher", struct.pack(">HB", 443, 0x12) + chunk(0, hello) +
          chunk(1, rec(b"\x00\x00\x01")))


# ---- leaf certificates: x509 ----

CERT_CAPTURES = [
    "ndpi_ssl-cert-name-mismatch.pcap", "ndpi_tls-rdn-extract.pcap", "ndpi_imaps.pcap", "ndpi_tls_malicious_sha1.pcapng",
    "ndpi_google_ssl.pcap", "ndpi_ja3_lots_of_cipher_suites.pcap", "ndpi_long_tls_certificate.pcap",
    "ndpi_tls_verylong_certificate.pcap", "ja4_https-connect.pcap", "ndpi_smtp-starttls.pcap", "ndpi_pop3_stls.pcap",
]


def cert_seeds(corpus):
    seen = set()
    for cap in CERT_CAPTURES:
        path = os.path.join(corpus, cap)
        if not os.path.exists(path):
            continue
        rows = tshark_fields(path, ["tls.handshake.certificate"], "tls.handshake.type==11", occurrence="f")
        for r in rows:
            # The leaf: the first certificate of the message.
            der = bytes.fromhex(r[0].split(",")[0].replace(":", "")) if r and r[0] else b""
            if der and der not in seen and len(der) <= 8192:
                seen.add(der)
                write("x509", stem(cap), der)
                break


# ---- frames: decode ----

def read_pcap(path):
    """(linktype, [frame bytes]) of a capture, pcapng converted by editcap."""
    tmp = None
    with open(path, "rb") as f:
        magic = f.read(4)
    if magic == b"\x0a\x0d\x0d\x0a":
        fd, tmp = tempfile.mkstemp(suffix=".pcap")
        os.close(fd)
        subprocess.run(["editcap", "-F", "pcap", path, tmp], check=True, capture_output=True)
        path = tmp
    with open(path, "rb") as f:
        data = f.read()
    if tmp:
        os.remove(tmp)
    m = data[:4]
    endian = "<" if m in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    frames, off = [], 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        frames.append(data[off + 16:off + 16 + incl])
        off += 16 + incl
    return linktype, frames


def frame_numbers(path, display_filter):
    return [int(r[0]) for r in tshark_fields(path, ["frame.number"], display_filter) if r and r[0]]


def decode_seed(name, linktype, frame, cut_k=0):
    write("decode", name, bytes([LINK_INDEX[linktype] + 10 * cut_k]) + frame)


def frame_seeds(corpus):
    picks = [
        ("ja4_tls12.pcap", "tls.handshake.type==1"),
        ("ndpi_gre.pcapng", "gre"),
        ("ja4_gre-erspan-vxlan.pcap", "erspan"),
        ("ja4_gre-erspan-vxlan.pcap", "vxlan"),
        ("ja4_gre-erspan-vxlan.pcap", "gre && !erspan"),
        ("ja4_gre-sample.pcap", "gre && tcp.len>0"),
        ("ndpi_vxlan.pcap", "vxlan && tcp"),
        ("ja4_http-empty-useragent.pcap", "tcp.flags.syn==1"),
        ("ndpi_pgsql2.pcapng", "tcp.len>0"),
        ("ndpi_tls_ech.pcapng", "tls.handshake.type==1"),
        ("ndpi_smtp-starttls.pcap", "vlan && ipv6 && tcp.len>0"),
        ("ndpi_rdp_over_tls.pcap", "vlan && tcp.len>0"),
        ("ja4_macos_tcp_flags.pcap", "tcp.flags.syn==1 && tcp.flags.ack==0"),
        ("ndpi_tls_invalid_reads.pcap", "vlan"),
        ("ndpi_ja3_lots_of_cipher_suites.pcap", "vlan && tls"),
        ("ndpi_tls_1.2_unidirectional_client.pcapng", "tls.handshake.type==1"),
    ]
    base_v4 = base_v6 = None
    for cap, flt in picks:
        path = os.path.join(corpus, cap)
        if not os.path.exists(path):
            continue
        nums = frame_numbers(path, flt)
        if not nums:
            print("make_seeds: no frame for", cap, flt, file=sys.stderr)
            continue
        linktype, frames = read_pcap(path)
        frame = frames[nums[0] - 1]
        if linktype not in LINK_INDEX:
            continue
        tag = flt.replace("tcp.", "").replace(" ", "").replace("&&", "+").replace("==", "")
        tag = "".join(ch for ch in tag if ch.isalnum() or ch in "+-")
        decode_seed("%s-%s" % (stem(cap), tag[:24]), linktype, frame)
        if cap == "ja4_tls12.pcap":
            base_v4 = frame
            decode_seed("%s-cut" % stem(cap), linktype, frame, 13)
        if cap == "ndpi_tls_ech.pcapng" and linktype == 1:
            base_v6 = frame
    # The link types the corpus has no capture of, around the same IP packets.
    if base_v4:
        ip4 = base_v4[14:]
        decode_seed("raw-ipv4", 101, ip4)
        decode_seed("dlt-ipv4", 228, ip4)
        decode_seed("raw12-ipv4", 12, ip4)
        decode_seed("raw14-ipv4", 14, ip4)
        decode_seed("null-ipv4", 0, struct.pack("<I", 2) + ip4)
        decode_seed("loop-ipv4", 108, struct.pack(">I", 2) + ip4)
        decode_seed("loop12-ipv4", 12, struct.pack(">I", 2) + ip4)
        decode_seed("sll-ipv4", 113, struct.pack(">HHH8sH", 0, 1, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00", 0x0800) + ip4)
        decode_seed("sll2-ipv4", 276, struct.pack(">HHIHBB8s", 0x0800, 0, 2, 1, 0, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00")
                    + ip4)
        # QinQ, an IPv4 fragment, and IP-in-IP around the same packet.
        eth = base_v4[:12]
        decode_seed("qinq-ipv4", 1, eth + struct.pack(">HHHH", 0x88a8, 100, 0x8100, 200) + b"\x08\x00" + ip4)
        frag = bytearray(ip4)
        frag[6] |= 0x20
        decode_seed("fragment-ipv4", 101, bytes(frag))
        outer = bytearray(ip4[:20])
        outer[9] = 4
        struct.pack_into(">H", outer, 2, 20 + len(ip4))
        decode_seed("ipip-ipv4", 101, bytes(outer) + ip4)
        mpls = eth + b"\x88\x47" + struct.pack(">I", (16 << 12) | 0x100 | 64) + ip4
        decode_seed("mpls-ipv4", 1, mpls)
    if base_v6:
        ip6 = base_v6[14:]
        decode_seed("dlt-ipv6", 229, ip6)
        decode_seed("raw-ipv6", 101, ip6)
        decode_seed("null-ipv6", 0, struct.pack("<I", 30) + ip6)
        decode_seed("sll2-ipv6", 276, struct.pack(">HHIHBB8s", 0x86DD, 0, 2, 1, 4, 6, b"\x02\x00\x00\x00\x00\x01\x00\x00")
                    + ip6)


# ---- whole captures: pipeline ----

PIPELINE_CAPTURES = [
    "ja4_tls12.pcap", "ndpi_haproxy.pcap", "ndpi_gre.pcapng", "ndpi_tls_unidirectional.pcap", "ndpi_smtps.pcapng",
    "ja4_gre-erspan-vxlan.pcap", "ndpi_tls_cipher_lens.pcap", "ja4_http-empty-useragent.pcap", "ndpi_tls_alert.pcap",
    "ndpi_tls_1.3_unidirectional_server.pcapng", "ndpi_tls-esni-fuzzed.pcap", "ja4_tls-non-ascii-alpn.pcapng",
    "ndpi_tls_invalid_reads.pcap", "ndpi_pgsql2.pcapng", "ndpi_rdp_over_tls.pcap", "ndpi_tls_ech.pcapng",
    "ndpi_ja3_lots_of_cipher_suites.pcap", "ja4_https-connect.pcap", "ja4_socks4-https.pcap",
    "ndpi_ftp-start-tls.pcap", "ndpi_imap-starttls.pcap", "ndpi_mysql.pcapng", "ndpi_google_ssl.pcap",
    "ndpi_pop3_stls.pcap", "ndpi_tls_missing_ch_frag.pcap", "ndpi_tls_multiple_synack_different_seq.pcapng",
]


def pipeline_seeds(corpus):
    for cap in PIPELINE_CAPTURES:
        path = os.path.join(corpus, cap)
        if os.path.exists(path):
            shutil.copyfile(path, os.path.join(OUT, "pipeline", "seed-" + cap))
    samples = os.path.join(HERE, "..", "samples")
    for f in sorted(os.listdir(samples)):
        if f.endswith(".pcap") and os.path.getsize(os.path.join(samples, f)) <= 20000:
            shutil.copyfile(os.path.join(samples, f), os.path.join(OUT, "pipeline", "seed-sample-" + f))


# ---- built here: tcp_reasm, proxy_proto, json ----

def reasm_seeds():
    def data(d, off, n, conflict=False, extra=None):
        op = (4 if d else 0) | (8 if conflict else 0) | (0x10 if extra is not None else 0)
        return bytes([op]) + struct.pack(">HH", off, n) + (struct.pack(">H", extra) if extra is not None else b"")

    def syn(d, off):
        return bytes([1 | (4 if d else 0)]) + struct.pack(">H", off)

    def ack(d, off):
        return bytes([2 | (4 if d else 0)]) + struct.pack(">H", off)

    def flush(d):
        return bytes([3 | (4 if d else 0)])

    def hdr(mode, isn):
        return bytes([mode]) + struct.pack(">I", isn)

    write("tcp_reasm", "in-order", hdr(4, 1000) + syn(0, 0) + syn(1, 5000) + data(0, 1, 100) + data(1, 5001, 300) +
          data(0, 101, 200) + ack(1, 301))
    write("tcp_reasm", "reordered", hdr(4, 1000) + syn(0, 0) + data(0, 301, 100) + data(0, 101, 200) +
          data(0, 1, 100))
    write("tcp_reasm", "overlaps", hdr(4, 77) + syn(0, 0) + data(0, 1, 100) + data(0, 201, 50) +
          data(0, 221, 50, conflict=True) + data(0, 151, 120, conflict=True) + data(0, 51, 100) + data(0, 90, 300))
    write("tcp_reasm", "wraparound", hdr(4, 0xFFFFFF00) + syn(0, 0) + data(0, 1, 400) + data(0, 801, 200) +
          data(0, 401, 400))
    write("tcp_reasm", "snaplen-gap", hdr(4, 5) + syn(0, 0) + data(0, 1, 60, extra=1400) + data(0, 1461, 100) +
          data(0, 1561, 100))
    write("tcp_reasm", "ack-skips-hole", hdr(0, 9) + data(0, 500, 100) + data(0, 700, 100) + ack(0, 650) +
          ack(0, 900) + data(0, 400, 100))
    many = b"".join(data(0, 100 + 20 * i, 10) for i in range(40))
    write("tcp_reasm", "too-many-segments", hdr(4, 3) + syn(0, 0) + many + data(0, 1, 99))
    big = b"".join(data(0, 2000 + 3000 * i, 2900) for i in range(20))
    write("tcp_reasm", "small-budget", hdr(6, 3) + syn(0, 0) + big + data(0, 1, 1999) + flush(0))
    huge = b"".join(data(0, 1000 + 16000 * (i % 4), 16000 - 1) for i in range(4))
    write("tcp_reasm", "too-many-bytes", hdr(4, 3) + syn(0, 0) + huge + data(0, 1, 999))
    wild = bytes([5]) + struct.pack(">I", 0x80000000)
    for s, n in ((0x80000001, 100), (0x00000001, 100), (0x80000065, 50), (0xFFFFFFF0, 40), (0x8000FFFF, 10)):
        wild += bytes([0]) + struct.pack(">IH", s, n)
    wild += bytes([2]) + struct.pack(">I", 0x80001000)
    write("tcp_reasm", "wild", wild)
    write("tcp_reasm", "syn-after-data", hdr(4, 100) + data(0, 50, 10) + syn(0, 10) + data(0, 11, 30) +
          syn(0, 0) + data(1, 60, 20) + flush(1))


def encap_seeds():
    """PPPoE behind QinQ and CAPWAP (802.3 and 802.11) frames for fuzz_decode."""
    tcp = struct.pack(">HHIIBBHHH", 49153, 443, 1, 0, 0x50, 0x18, 65535, 0, 0) + b"\x16\x03\x01\x00\x05hello"

    def ipv4(proto, payload, src=(192, 0, 2, 1), dst=(198, 51, 100, 2)):
        return struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0, bytes(src),
                           bytes(dst)) + payload
    macs = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01"
    inner = ipv4(6, tcp)
    ppp = b"\x00\x21" + inner
    pppoe = struct.pack(">BBHH", 0x11, 0, 0x1234, len(ppp)) + ppp
    decode_seed("pppoe-qinq", 1, macs + b"\x88\xa8\x00\x64\x81\x00\x00\xc8\x88\x64" + pppoe)
    decode_seed("pppoe-discovery", 1, macs + b"\x88\x63\x11\x09\x00\x00\x00\x00")

    def capwap(header, frame):
        udp = struct.pack(">HHHH", 54321, 5247, 8 + len(header) + len(frame), 0) + header + frame
        return macs + b"\x08\x00" + ipv4(17, udp, (10, 0, 0, 1), (10, 0, 0, 2))
    decode_seed("capwap-8023", 1, capwap(b"\x00\x10\x02\x00\x00\x00\x00\x00", macs + b"\x08\x00" + inner))
    wlan = (b"\x88\x01\x00\x00" + b"\x02\x00\x00\x00\x00\x0a" * 3 + b"\x10\x00" + b"\x00\x00" +
            b"\xaa\xaa\x03\x00\x00\x00\x08\x00")
    decode_seed("capwap-80211", 1, capwap(b"\x00\x20\x03\x10\x00\x00\x00\x00\x06\x02\x11\x22\x33\x44\x55\x00",
                                           wlan + inner))


def ip_reasm_seeds():
    """Fragment scripts for fuzz_ip_reasm (see its header for the format)."""
    def frag(v6, id_, off, data, more=False, extra=False, tcp=False):
        op = (1 if v6 else 0) | (0x04 if more else 0) | (0x08 if extra else 0) | (0x10 if tcp else 0)
        return bytes([op, id_]) + struct.pack(">HH", off // 8, len(data)) + data

    def raw(link_index, frame, cut=0):
        return bytes([2 | cut << 4, link_index]) + struct.pack(">H", len(frame)) + frame

    def wait(quarters):
        return bytes([3 | quarters << 2])

    payload = bytes((i * 7) & 0xff for i in range(1200))
    udp = struct.pack(">HHHH", 50000, 443, 8 + len(payload), 0) + payload
    tcp = struct.pack(">HHIIBBHHH", 49153, 443, 1, 0, 0x50, 0x18, 65535, 0, 0) + b"\x16\x03\x01" + payload[:300]
    for v6 in (False, True):
        tag = "v6" if v6 else "v4"
        write("ip_reasm", tag + "-in-order", b"".join(frag(v6, 1, o, udp[o:o + 512], o + 512 < len(udp))
                                                      for o in range(0, len(udp), 512)))
        write("ip_reasm", tag + "-reverse", b"".join(frag(v6, 2, o, udp[o:o + 512], o + 512 < len(udp))
                                                     for o in reversed(range(0, len(udp), 512))))
        write("ip_reasm", tag + "-overlap", frag(v6, 3, 0, udp[:64], True, extra=True) +
              frag(v6, 3, 32, b"\xee" * 64, True) + frag(v6, 3, 96, udp[96:200]))
        write("ip_reasm", tag + "-duplicate", frag(v6, 4, 0, udp[:64], True) + frag(v6, 4, 0, udp[:64], True) +
              frag(v6, 4, 64, udp[64:100]))
        write("ip_reasm", tag + "-timeout", frag(v6, 5, 0, udp[:64], True) + wait(63) + wait(63) +
              frag(v6, 5, 64, udp[64:100]))
        write("ip_reasm", tag + "-tcp", frag(v6, 6, 0, tcp[:160], True, tcp=True) + frag(v6, 6, 160, tcp[160:], tcp=True))
        write("ip_reasm", tag + "-evict", b"".join(frag(v6, i, 0, udp[:16], True) for i in range(10, 16)) +
              frag(v6, 10, 16, udp[16:40]))
    # An Ethernet frame of a GRE tunnel whose outer IPv4 header is
    # fragmented, in two frames.
    inner = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 7, 0, 64, 17, 0, bytes([192, 0, 2, 1]),
                        bytes([198, 51, 100, 2])) + udp
    gre = b"\x00\x00\x08\x00" + inner
    eth = b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00"

    def outer(off, data, more):
        fo = off // 8 | (0x2000 if more else 0)
        return eth + struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(data), 0x42, fo, 64, 47, 0, bytes([10, 0, 0, 1]),
                                 bytes([10, 0, 0, 2])) + data
    write("ip_reasm", "gre-outer-fragmented", raw(0, outer(0, gre[:800], True)) + raw(0, outer(800, gre[800:], False)))
    write("ip_reasm", "gre-outer-cut", raw(0, outer(800, gre[800:], False), cut=5) + raw(0, outer(0, gre[:800], True)))


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
    return crc ^ 0xFFFFFFFF


def tlv(t, v):
    return bytes([t]) + struct.pack(">H", len(v)) + v


PROXY_V2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_v2(ver_cmd, fam, addrs, tlvs=b"", crc=False):
    body = addrs + tlvs
    if crc:
        body += tlv(0x03, b"\x00\x00\x00\x00")
    hdr = bytearray(PROXY_V2_SIG + bytes([ver_cmd, fam]) + struct.pack(">H", len(body)) + body)
    if crc:
        struct.pack_into(">I", hdr, len(hdr) - 4, crc32c(bytes(hdr)))
    return bytes(hdr)


def proxy_seeds():
    tls = b"\x16\x03\x01\x00\x05\x01\x00\x00\x01\x00"
    write("proxy_proto", "v1-tcp4", b"PROXY TCP4 192.0.2.1 198.51.100.7 56324 443\r\n" + tls)
    write("proxy_proto", "v1-tcp6", b"PROXY TCP6 2001:db8::1 2001:db8:ffff::2 56324 993\r\n" + tls)
    write("proxy_proto", "v1-unknown", b"PROXY UNKNOWN\r\n")
    write("proxy_proto", "v1-unknown-long",
          b"PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n")
    v4 = bytes([192, 0, 2, 1, 198, 51, 100, 7]) + struct.pack(">HH", 56324, 443)
    v6 = bytes.fromhex("20010db8000000000000000000000001" "20010db8ffff00000000000000000002") + struct.pack(">HH",
                                                                                                          1, 2)
    ssl = tlv(0x20, bytes([0x07]) + struct.pack(">I", 0) + tlv(0x21, b"TLSv1.3") + tlv(0x22, b"client.example") +
              tlv(0x23, b"TLS_AES_128_GCM_SHA256"))
    write("proxy_proto", "v2-tcp4-tlvs", proxy_v2(0x21, 0x11, v4, tlv(0x01, b"h2") + tlv(0x02, b"www.example.com") +
                                                 tlv(0x05, b"unique-123") + ssl + tlv(0x04, b"\x00\x00") +
                                                 tlv(0x30, b"ns1"), crc=True) + tls)
    write("proxy_proto", "v2-tcp6", proxy_v2(0x21, 0x21, v6) + tls)
    write("proxy_proto", "v2-local", proxy_v2(0x20, 0x00, b""))
    write("proxy_proto", "v2-unix", proxy_v2(0x21, 0x31, b"/var/run/a".ljust(108, b"\0") +
                                             b"/var/run/b".ljust(108, b"\0")))
    write("proxy_proto", "v2-udp4", proxy_v2(0x21, 0x12, v4))
    write("proxy_proto", "v2-bad-crc", proxy_v2(0x21, 0x11, v4, tlv(0x03, b"\x01\x02\x03\x04")))
    write("proxy_proto", "not-proxy", tls)


def json_seeds():
    write("json", "ascii", b"\x00www.example.com")
    write("json", "utf8", b"\x81" + "héllo wörld 日本語 🎉 \u2028".encode())
    write("json", "invalid-utf8",
          b"\xfe" + b"\xc0\xaf|\xe0\x80\xaf|\xed\xa0\x80|\xf4\x90\x80\x80|\xf0\x9f\x98|\x80|\xfe|\xc2|\xe1\x80")
    write("json", "escapes", b"\x13" + b"\x00\x01\x1f\x7f\"\\\b\f\n\r\t/ end")
    write("json", "nul-inside", b"\x02h2\x00http/1.1")
    write("json", "long", b"\x55" + b"abcdefghij" * 40)
    write("json", "numbers", b"\xa0" + b"\xff\xff\xff\xff\xff\xff\xff\xff")
    write("json", "time", b"\x31" + struct.pack(">Q", 1519307590494123))


def datagram_script(path, display_filter):
    """The datagrams of the first UDP conversation tshark shows with
    `display_filter`, as a chunk script (fuzz_util.h) after a zero flags
    byte, up to 8 KB; the first sender is the client. None when there is
    none."""
    rows = tshark_fields(path, ["udp.srcport", "udp.dstport", "udp.payload"], display_filter)
    if not rows:
        return None
    client = rows[0][0]
    peer = {rows[0][0], rows[0][1]}
    out = bytes([0])
    for sport, dport, payload in rows:
        if {sport, dport} != peer or not payload:
            continue
        b = bytes.fromhex(payload.replace(":", ""))
        if len(out) + len(b) + 3 > 8192:
            break
        out += bytes([0 if sport == client else CHUNK_DIR]) + struct.pack(">H", len(b)) + b
    return out


def quic_seeds(udp_corpus):
    """fuzz_quic: the first datagrams of real QUIC connections, raw (the
    dissector derives their keys itself), and a connection sealed by the
    harness: a hello split over two coalesced Initials, the server's
    Initial, Handshake packets both ways."""
    def chunk(flags, b):
        return bytes([flags]) + struct.pack(">H", len(b)) + b
    for cap in ("ja4_chrome-cloudflare-quic-with-secrets.pcapng", "ndpi_quic-v2.pcapng", "ndpi_quic-29.pcap",
                "ndpi_quic_frags_ch_out_of_order_same_packet_craziness.pcapng", "suricata_quic-retry-multiple.pcap",
                "ndpi_quic_t51.pcap"):
        path = os.path.join(udp_corpus, cap)
        if not os.path.exists(path):
            continue
        out = datagram_script(path, "quic")
        if out:
            write("quic", stem(path), out)
    # The RFC 9001 A.2 ClientHello, in CRYPTO frames sealed by the harness.
    hello = bytes.fromhex(
        "010000ed0303ebf8fa56f12939b9584a3896472ec40bb863cfd3e86804fe3a47f06a2b69484c00000413011302010000c0000000"
        "10000e00000b6578616d706c652e636f6dff01000100000a00080006001d0017001800100007000504616c706e00050005010000"
        "0000003300260024001d00209370b2c9caa47fbabaf4559fedba753de171fa71f50f1ce15d43e994ec74d748002b000302030400"
        "0d0010000e0403050306030203080408050806002d00020101001c00024001003900320408ffffffffffffffff05048000ffff07"
        "048000ffff0801100104800075300901100f088394c8f03e51570806048000ffff")
    server_hello = bytes.fromhex(
        "020000560303eefce7f7b37ba1d1632e96677825ddf73988cfc79825df566dc5430b9a045a1200130100002e00330024001d0020"
        "9d3c940d89690b84d08a60993c144eca684d1081287c834d5311bcf32bb9da1a002b00020304")

    def crypto(offset, b):
        return b"\x06" + struct.pack(">HH", 0x4000 | offset, 0x4000 | len(b)) + b
    half = len(hello) // 2
    seal, coalesce, handshake = 0x10, 0x20, 0x40
    for vi, name in ((0, "v1"), (1, "v2"), (2, "draft29")):
        script = bytes([vi])
        script += chunk(seal | coalesce, crypto(half, hello[half:]) + b"\x00" * 40)
        script += chunk(seal, b"\x01" + crypto(0, hello[:half]) + b"\x00" * 40)
        script += chunk(seal | CHUNK_DIR | coalesce, b"\x02\x00\x00\x00\x00" + crypto(0, server_hello))
        script += chunk(seal | handshake | CHUNK_DIR, b"\x00" * 30)
        script += chunk(seal | handshake, b"\x00" * 30)
        write("quic", "sealed-" + name, script)
    close = bytes([0]) + chunk(seal, crypto(0, hello)) + chunk(seal | CHUNK_DIR, b"\x1c\x41\x28\x06\x00" + b"\x00" * 20)
    write("quic", "sealed-alert", close)


def dtls_seeds(udp_corpus):
    """fuzz_dtls: the first datagrams of real DTLS associations (cookie
    exchanges, fragmented certificates, WebRTC, AnyConnect's 0x0100)."""
    for cap in ("ndpi_dtls.pcap", "ndpi_dtls2.pcap", "ndpi_dtls_certificate_fragments.pcap",
                "ndpi_dtls_session_id_and_coockie_both.pcap", "ndpi_anyconnect-vpn.pcap", "ja4_dtls-udp.notest.cap",
                "ndpi_dtls_old_version.pcapng"):
        path = os.path.join(udp_corpus, cap)
        if not os.path.exists(path):
            continue
        out = datagram_script(path, "dtls")
        if out:
            write("dtls", stem(path), out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", default=os.path.join(HERE, "..", "..", "shared", "corpus", "dev"))
    args = ap.parse_args()
    clear()
    for t in ("decode", "tcp_reasm", "tls_session", "tls_hello", "starttls", "proxy_proto", "json", "pipeline", "x509"):
        os.makedirs(os.path.join(OUT, t), exist_ok=True)
    conversation_seeds(args.corpus)
    sslv2_session_seeds()
    cert_seeds(args.corpus)
    frame_seeds(args.corpus)
    pipeline_seeds(args.corpus)
    reasm_seeds()
    ip_reasm_seeds()
    encap_seeds()
    proxy_seeds()
    json_seeds()
    quic_seeds(os.path.join(os.path.dirname(os.path.abspath(args.corpus)), "udp"))
    dtls_seeds(os.path.join(os.path.dirname(os.path.abspath(args.corpus)), "udp"))
    total = 0
    for t in sorted(os.listdir(OUT)):
        files = os.listdir(os.path.join(OUT, t))
        size = sum(os.path.getsize(os.path.join(OUT, t, f)) for f in files)
        total += size
        print("%-12s %3d files %8d bytes" % (t, len(files), size))
    print("total %d bytes" % total)


if __name__ == "__main__":
    main()
