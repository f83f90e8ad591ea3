#!/usr/bin/env python3
"""gen_quic.py - a deterministic synthetic capture of QUIC handshakes for the
benchmark, and a manifest of what tlsscope must report for each connection
(the same format as bench/gen_capture.c's, checked by bench/check_manifest.py).

Each connection is what a passive observer in front of an HTTP/3 server
sees (RFC 9000, RFC 9001):
  - the client's first flight: its ClientHello in CRYPTO frames of Initial
    packets, each datagram padded to 1200 bytes (RFC 9000 14.1); a hello
    with an X25519MLKEM768 key share (about 1.5 KB) is split over two
    Initials in two datagrams, in either order, as current browsers do;
  - the server's Initial (ACK, ServerHello) coalesced with a Handshake
    packet, or, for a few, a CONNECTION_CLOSE carrying a TLS alert
    (handshake_failure), or no answer at all;
  - the client's Initial ACK coalesced with its Handshake packet, padded;
  - some short-header 1-RTT datagrams both ways;
  - for --vn-per-mille of them, a first Initial in a reserved version
    (RFC 9000 15, unreadable), the server's Version Negotiation offering
    1 and 2 (and a reserved one), then the connection in version 1.
Initial packets are really protected (AES-128-GCM, AES header protection)
with keys derived from each connection's first Destination Connection ID
as RFC 9001 5.2 says (RFC 9369 3.3 for v2), so tlsscope must decrypt them;
Handshake and 1-RTT payloads are random bytes, as unreadable to an observer
as real ones. Versions: mostly 1, some 2 and draft-29. Connections overlap
(--concurrency of them open at once), and a fraction of new connections
reuse the 4-tuple of one that ended a moment before (a client reusing its
port): each is its own connection, its own manifest entry and line.

Everything derives from --seed, so the same arguments give the same bytes.

usage: gen_quic.py --out FILE --manifest FILE [--connections N] [--seed N]
                   [--concurrency N] [--reuse-per-mille N] [--vn-per-mille N]
Needs the `cryptography` package (python3-cryptography).
"""
import argparse
import hashlib
import hmac
import json
import random
import struct
import sys

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
except ImportError:  # pragma: no cover - the caller says what to install
    sys.exit("gen_quic.py: the Python package cryptography is missing (apt-get install python3-cryptography)")

V1, V2, DRAFT29 = 0x00000001, 0x6B3343CF, 0xFF00001D
SALT = {
    V1: bytes.fromhex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"),   # RFC 9001 5.2
    V2: bytes.fromhex("0dede3def700a6db819381be6e269dcbf9bd2ed9"),   # RFC 9369 3.3.1
    DRAFT29: bytes.fromhex("afbfec289993d24c9e9786f19c6111e04390a899"),
}
VERSION_TOKEN = {V1: "1", V2: "2", DRAFT29: "draft-29"}
# Long header type bits: RFC 9000 17.2 (v1, drafts), RFC 9369 3.2 (v2).
TYPE_BITS = {V1: {"initial": 0, "handshake": 2}, DRAFT29: {"initial": 0, "handshake": 2},
             V2: {"initial": 1, "handshake": 3}}
MIN_DATAGRAM = 1200
MLKEM_SHARE = 1216   # X25519MLKEM768: ML-KEM-768 encapsulation key (1184) + X25519 (32)
TLS_ALERT_HANDSHAKE_FAILURE = 40


def hkdf_extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def hkdf_expand_label(secret, label, length):
    """RFC 8446 7.1 with an empty context; RFC 9001 5.1 uses it for QUIC."""
    full = b"tls13 " + label
    info = struct.pack(">HB", length, len(full)) + full + b"\x00"
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(secret, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


class Keys:
    def __init__(self, secret, version):
        pfx = b"quicv2 " if version == V2 else b"quic "
        self.aead = AESGCM(hkdf_expand_label(secret, pfx + b"key", 16))
        self.iv = hkdf_expand_label(secret, pfx + b"iv", 12)
        self.hp = Cipher(algorithms.AES(hkdf_expand_label(secret, pfx + b"hp", 16)), modes.ECB())


def initial_keys(version, dcid):
    """RFC 9001 5.2: both directions' Initial keys from the client's DCID."""
    initial = hkdf_extract(SALT[version], dcid)
    return (Keys(hkdf_expand_label(initial, b"client in", 32), version),
            Keys(hkdf_expand_label(initial, b"server in", 32), version))


def varint(v):
    if v < 0x40:
        return bytes([v])
    if v < 0x4000:
        return struct.pack(">H", 0x4000 | v)
    return struct.pack(">I", 0x80000000 | v)


def protect(keys, first, header_rest, pn, payload):
    """A long-header packet: header (first byte, then `header_rest` up to the
    Length field), a 4-byte packet number, `payload` sealed (RFC 9001 5.3)
    and header protection applied (5.4)."""
    length = 4 + len(payload) + 16
    header = bytes([first | 0x03]) + header_rest + struct.pack(">H", 0x4000 | length) + struct.pack(">I", pn)
    nonce = bytes(a ^ b for a, b in zip(keys.iv, pn.to_bytes(12, "big")))
    sealed = keys.aead.encrypt(nonce, payload, header)
    pn_offset = len(header) - 4
    sample = sealed[:16]  # pn_offset + 4, the packet number taken as 4 bytes long
    enc = keys.hp.encryptor()
    mask = enc.update(sample) + enc.finalize()
    out = bytearray(header + sealed)
    out[0] ^= mask[0] & 0x0F
    for i in range(4):
        out[pn_offset + i] ^= mask[1 + i]
    return bytes(out)


def long_header_rest(version, dcid, scid, token=None):
    rest = struct.pack(">I", version) + bytes([len(dcid)]) + dcid + bytes([len(scid)]) + scid
    if token is not None:
        rest += varint(len(token)) + token
    return rest


def initial(version, keys, dcid, scid, pn, frames, pad_to=0):
    first = 0xC0 | TYPE_BITS[version]["initial"] << 4
    rest = long_header_rest(version, dcid, scid, b"")
    overhead = 1 + len(rest) + 2 + 4 + 16
    if pad_to > overhead + len(frames):
        frames += bytes(pad_to - overhead - len(frames))  # PADDING frames
    return protect(keys, first, rest, pn, frames)


def handshake_packet(rnd, version, dcid, scid, size):
    """A Handshake packet: keys from the TLS key exchange, unreadable to an
    observer, so its payload is random bytes of the right length."""
    first = 0xC0 | TYPE_BITS[version]["handshake"] << 4 | 0x03
    rest = long_header_rest(version, dcid, scid)
    return bytes([first]) + rest + varint(size) + rnd.randbytes(size)


def crypto_frame(offset, data):
    return b"\x06" + varint(offset) + varint(len(data)) + data


def ack_frame(largest):
    return b"\x02" + varint(largest) + varint(0) + varint(0) + varint(0)


def vec(n, data):
    return len(data).to_bytes(n, "big") + data


def ext(t, data):
    return struct.pack(">H", t) + vec(2, data)


def client_hello(rnd, server_name, mlkem, alpn=b"h3"):
    groups = [0x11EC, 0x001D, 0x0017] if mlkem else [0x001D, 0x0017, 0x0018]
    shares = b""
    if mlkem:
        shares += struct.pack(">H", 0x11EC) + vec(2, rnd.randbytes(MLKEM_SHARE))
    shares += struct.pack(">H", 0x001D) + vec(2, rnd.randbytes(32))
    exts = b"".join([
        ext(0x0000, vec(2, b"\x00" + vec(2, server_name))),
        ext(0x000A, vec(2, b"".join(struct.pack(">H", g) for g in groups))),
        ext(0x000D, vec(2, bytes.fromhex("040308040401050308050501080606010201"))),
        ext(0x0010, vec(2, vec(1, alpn))),
        ext(0x002B, vec(1, b"\x03\x04")),
        ext(0x002D, vec(1, b"\x01")),
        ext(0x0033, vec(2, shares)),
        ext(0x0039, bytes.fromhex("0104800075300304800100000504800c0000")),  # quic_transport_parameters
    ])
    body = (b"\x03\x03" + rnd.randbytes(32) + vec(1, b"") + vec(2, bytes.fromhex("130113021303")) +
            vec(1, b"\x00") + vec(2, exts))
    return b"\x01" + vec(3, body)


def server_hello(rnd):
    exts = ext(0x002B, b"\x03\x04") + ext(0x0033, struct.pack(">H", 0x001D) + vec(2, rnd.randbytes(32)))
    body = b"\x03\x03" + rnd.randbytes(32) + vec(1, b"") + b"\x13\x01" + b"\x00" + vec(2, exts)
    return b"\x02" + vec(3, body)


class Connection:
    """One QUIC connection as a list of datagrams (direction, bytes), and
    its manifest entry."""

    def __init__(self, rnd, client, cport, server, vn_per_mille):
        self.client, self.cport, self.server = client, cport, server
        r = rnd.random()
        self.version = V1 if r < 0.85 else (V2 if r < 0.95 else DRAFT29)
        self.refused = None
        if rnd.randrange(1000) < vn_per_mille:
            self.version = V1
            self.refused = 0x0A0A0A0A | rnd.randrange(16) << 28 | rnd.randrange(16) << 12
        self.mlkem = rnd.random() < 0.4
        r = rnd.random()
        self.fate = "established" if r < 0.95 else ("alert" if r < 0.98 else "silent")
        self.name = f"h3-{rnd.randrange(5000)}.example.net".encode()
        dcid, cscid, sscid = rnd.randbytes(8), rnd.randbytes(8), rnd.randbytes(8)
        ck, sk = initial_keys(self.version, dcid)
        v = self.version
        hello = client_hello(rnd, self.name, self.mlkem)
        d = []
        if self.refused:
            # RFC 9000 6, 17.2.1: an Initial in a version the server does not
            # speak, padded; the server answers with the versions it does,
            # its CIDs the client's swapped; the client starts over in 1.
            rest = long_header_rest(self.refused, dcid, cscid, b"")
            d.append((0, bytes([0xC0 | rnd.randrange(16)]) + rest + varint(1100) + rnd.randbytes(1100)))
            d[-1] = (0, d[-1][1] + bytes(max(0, MIN_DATAGRAM - len(d[-1][1]))))
            offered = struct.pack(">III", V1, 0x5A6A7A8A, V2)
            d.append((1, bytes([0x80 | rnd.randrange(128)]) + struct.pack(">I", 0) + bytes([8]) + cscid +
                      bytes([8]) + dcid + offered))
        # The client's first flight: one Initial, or two when the hello does
        # not fit in one (sent in either order).
        room = MIN_DATAGRAM - 60
        pieces = [hello[i:i + room] for i in range(0, len(hello), room)]
        flight = [initial(v, ck, dcid, cscid, pn, crypto_frame(pn * room, p), MIN_DATAGRAM)
                  for pn, p in enumerate(pieces)]
        if len(flight) > 1 and rnd.random() < 0.3:
            flight.reverse()
        d += [(0, p) for p in flight]
        last_pn = len(pieces) - 1
        if self.fate == "silent":
            self.datagrams = d + [(0, flight[0])]  # a retransmission, then nothing
            self.outcome = "incomplete"
            return
        if self.fate == "alert":
            close = b"\x1c" + varint(0x0100 + TLS_ALERT_HANDSHAKE_FAILURE) + varint(0x06) + varint(0)
            d.append((1, initial(v, sk, cscid, sscid, 0, ack_frame(last_pn) + close)))
            self.datagrams = d
            self.outcome = "alert"
            return
        sh = initial(v, sk, cscid, sscid, 0, ack_frame(last_pn) + crypto_frame(0, server_hello(rnd)))
        d.append((1, sh + handshake_packet(rnd, v, cscid, sscid, rnd.randrange(900, 1100))))
        # Certificate and the rest of the server's flight in more Handshake packets.
        for _ in range(rnd.randrange(1, 4)):
            d.append((1, handshake_packet(rnd, v, cscid, sscid, rnd.randrange(1000, 1200))))
        ack = initial(v, ck, sscid, cscid, last_pn + 1, ack_frame(0))
        hs = handshake_packet(rnd, v, sscid, cscid, 60)
        d.append((0, ack + hs + bytes(max(0, MIN_DATAGRAM - len(ack) - len(hs)))))
        # 1-RTT: short header, the peer's connection ID, protected payload.
        for _ in range(rnd.randrange(2, 9)):
            to_server = rnd.random() < 0.4
            cid = sscid if to_server else cscid
            d.append((0 if to_server else 1,
                      bytes([0x40 | rnd.randrange(0x20)]) + cid + rnd.randbytes(rnd.randrange(40, 1200))))
        self.datagrams = d
        self.outcome = "established"

    def manifest(self):
        m = {"source.ip": self.client, "source.port": self.cport, "destination.ip": self.server,
             "destination.port": 443, "network.transport": "udp", "network.protocol": "quic",
             "tls.client.quic_version": VERSION_TOKEN[self.version], "tls.client.server_name": self.name.decode(),
             "tls.client.supported_groups": ["X25519MLKEM768", "x25519", "secp256r1"] if self.mlkem
             else ["x25519", "secp256r1", "secp384r1"], "tls.outcome": self.outcome}
        if self.outcome == "established":
            m["tls.cipher"] = "TLS_AES_128_GCM_SHA256"
            m["tls.curve"] = "x25519"
        else:
            m["tls.cipher"] = None
        if self.outcome == "alert":
            m["tls.alert.description"] = "handshake_failure"
        if self.refused:
            m["tls.client.quic_versions"] = [f"0x{self.refused:08x}", "1"]
            m["tls.server.quic_versions"] = ["1", "2"]
        else:
            m["tls.client.quic_versions"] = m["tls.server.quic_versions"] = None
        return m


# ---- pcap ------------------------------------------------------------------

def ip4(s):
    return bytes(int(x) for x in s.split("."))


def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack(f">{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def frame(src, sport, dst, dport, payload):
    udp = struct.pack(">HHHH", sport, dport, 8 + len(payload), 0) + payload
    iph = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0, ip4(src), ip4(dst))
    iph = iph[:10] + struct.pack(">H", checksum(iph)) + iph[12:]
    return b"\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01\x08\x00" + iph + udp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--connections", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--concurrency", type=int, default=200)
    ap.add_argument("--reuse-per-mille", type=int, default=20,
                    help="new connections that reuse the 4-tuple of one just ended")
    ap.add_argument("--vn-per-mille", type=int, default=10,
                    help="connections whose first Initial is refused by Version Negotiation")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    servers = [f"198.51.100.{i}" for i in range(1, 33)]
    ts_us = 1_700_000_000_000_000
    open_conns = []   # [connection, next datagram index]
    ended = []        # 4-tuples of connections that just ended
    made = 0
    with open(a.out, "wb") as out, open(a.manifest, "w", encoding="utf-8") as man:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        while made < a.connections or open_conns:
            while made < a.connections and len(open_conns) < a.concurrency:
                if ended and rnd.randrange(1000) < a.reuse_per_mille:
                    client, cport, server = ended.pop(rnd.randrange(len(ended)))
                else:
                    client = f"10.{rnd.randrange(1, 255)}.{rnd.randrange(256)}.{rnd.randrange(1, 255)}"
                    # The dynamic range (RFC 6335 6), as clients draw from:
                    # no tunnel port (GTP-U 2152, VXLAN 4789) decoded as one.
                    cport, server = rnd.randrange(49152, 65536), rnd.choice(servers)
                    # A 4-tuple still open would merge two connections: draw again.
                    if any(c.client == client and c.cport == cport and c.server == server for c, _ in open_conns):
                        continue
                c = Connection(rnd, client, cport, server, a.vn_per_mille)
                man.write(json.dumps(c.manifest()) + "\n")
                open_conns.append([c, 0])
                made += 1
            i = rnd.randrange(len(open_conns))
            c, k = open_conns[i]
            direction, payload = c.datagrams[k]
            src, sport, dst, dport = ((c.client, c.cport, c.server, 443) if direction == 0
                                      else (c.server, 443, c.client, c.cport))
            f = frame(src, sport, dst, dport, payload)
            ts_us += rnd.randrange(1, 40)
            out.write(struct.pack("<IIII", ts_us // 1_000_000, ts_us % 1_000_000, len(f), len(f)) + f)
            if k + 1 == len(c.datagrams):
                open_conns[i] = open_conns[-1]
                open_conns.pop()
                # A silent connection's 4-tuple is still undecided: only
                # decided ones are reused (the case tombstones must handle).
                if c.outcome != "incomplete":
                    ended.append((c.client, c.cport, c.server))
                    if len(ended) > 1000:
                        ended.pop(0)
            else:
                open_conns[i][1] = k + 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
