"""tlsgen - building blocks for the synthetic end-to-end captures.

Standard library only. Everything here is deterministic: randomness comes from
a random.Random seeded by the caller.

  pcap        classic pcap files (microsecond timestamps, little-endian)
  frames      Ethernet / 802.1Q / MPLS / SLL2 / BSD loopback, IPv4, IPv6, TCP,
              UDP, and the tunnels tlsscope removes (GRE, VXLAN, Geneve,
              GTP-U, IP-in-IP, IPv6-in-IPv4)
  Conn        one TCP connection as a list of segments with consistent
              sequence and acknowledgement numbers
  TLS         records, ClientHello / ServerHello and the other handshake
              messages a passive observer needs, built field by field
  names       the IANA names of the few code points used here, written out
              by hand from the IANA registries (an independent oracle: the
              expectations do not come from tlsscope's own tables)
"""
import base64
import hashlib
import struct

# ---------------------------------------------------------------------------
# pcap

LINKTYPE_NULL = 0
LINKTYPE_ETHERNET = 1
LINKTYPE_LINUX_SLL2 = 276


class PcapWriter:
    """Classic pcap (magic a1b2c3d4 written little-endian, version 2.4)."""

    def __init__(self, path, linktype, snaplen=262144):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, linktype))

    def write(self, ts_us, frame, wire_len=None):
        sec, usec = divmod(ts_us, 1000000)
        n = len(frame)
        self.f.write(struct.pack("<IIII", sec, usec, n, wire_len if wire_len is not None else n))
        self.f.write(frame)

    def close(self):
        self.f.close()


def write_pcap(path, linktype, frames):
    """frames: iterable of (ts_us, bytes)."""
    w = PcapWriter(path, linktype)
    for ts, fr in frames:
        w.write(ts, fr)
    w.close()


# ---------------------------------------------------------------------------
# addresses and checksums

def ip4(s):
    return bytes(int(x) for x in s.split("."))


def ip6(s):
    """Text IPv6 address (with at most one '::') to 16 bytes."""
    if "::" in s:
        head, tail = s.split("::")
        h = [x for x in head.split(":") if x]
        t = [x for x in tail.split(":") if x]
        groups = h + ["0"] * (8 - len(h) - len(t)) + t
    else:
        groups = s.split(":")
    assert len(groups) == 8, s
    return b"".join(struct.pack("!H", int(g, 16)) for g in groups)


def addr(s):
    return ip6(s) if ":" in s else ip4(s)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return (~total) & 0xFFFF


# ---------------------------------------------------------------------------
# layers 3 and 4

PROTO_IPIP = 4
PROTO_TCP = 6
PROTO_UDP = 17
PROTO_IPV6 = 41
PROTO_GRE = 47

TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x04, 0x08, 0x10


def ipv4(src, dst, proto, payload, ident=0, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident & 0xFFFF, 0x4000, ttl, proto, 0,
                      ip4(src), ip4(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + payload


def ipv6(src, dst, nh, payload, hlim=64):
    return struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, hlim, ip6(src), ip6(dst)) + payload


def ip(src, dst, proto, payload, ident=0):
    if ":" in src:
        return ipv6(src, dst, proto, payload)
    return ipv4(src, dst, proto, payload, ident)


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", window=65535, checksum=True):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, 5 << 4, flags, window, 0, 0)
    if checksum:
        a, b = addr(src), addr(dst)
        if len(a) == 4:
            pseudo = struct.pack("!4s4sBBH", a, b, 0, PROTO_TCP, len(hdr) + len(payload))
        else:
            pseudo = struct.pack("!16s16sIxxxB", a, b, len(hdr) + len(payload), PROTO_TCP)
        c = csum(pseudo + hdr + payload)
        hdr = hdr[:16] + struct.pack("!H", c) + hdr[18:]
    return hdr + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


# ---------------------------------------------------------------------------
# layer 2

MAC_CLIENT = bytes.fromhex("020000000001")
MAC_SERVER = bytes.fromhex("020000000002")
ETH_IPV4, ETH_IPV6, ETH_VLAN, ETH_QINQ, ETH_MPLS, ETH_TEB = 0x0800, 0x86DD, 0x8100, 0x88A8, 0x8847, 0x6558


def ethertype_of(ip_packet):
    return ETH_IPV6 if ip_packet[0] >> 4 == 6 else ETH_IPV4


def ether(payload, ethertype, dst=MAC_SERVER, src=MAC_CLIENT):
    return dst + src + struct.pack("!H", ethertype) + payload


def vlan_tags(tags, inner_ethertype):
    """tags: [(tpid, vid), ...] outermost first. Returns (first ethertype, bytes after it)."""
    out = b""
    for i, (tpid, vid) in enumerate(tags):
        nxt = tags[i + 1][0] if i + 1 < len(tags) else inner_ethertype
        out += struct.pack("!HH", vid & 0x0FFF, nxt)
    return tags[0][0], out


def mpls_stack(labels, payload):
    out = b""
    for i, label in enumerate(labels):
        bottom = 1 if i == len(labels) - 1 else 0
        out += struct.pack("!I", (label << 12) | (bottom << 8) | 64)
    return out + payload


def sll2(ip_packet, outgoing):
    """LINKTYPE_LINUX_SLL2: protocol, reserved, ifindex, ARPHRD_ETHER, packet type, addr len, addr[8]."""
    return struct.pack("!HHIHBB8s", ethertype_of(ip_packet), 0, 2, 1, 4 if outgoing else 0, 6,
                       (MAC_CLIENT if outgoing else MAC_SERVER) + b"\0\0") + ip_packet


def bsd_null(ip_packet):
    """LINKTYPE_NULL: the AF_ value in the writer's byte order (this file is little-endian);
    AF_INET 2, AF_INET6 24 (the BSDs' value)."""
    af = 24 if ip_packet[0] >> 4 == 6 else 2
    return struct.pack("<I", af) + ip_packet


# ---------------------------------------------------------------------------
# tunnels: each returns the outer IP packet carrying `inner` (an IP packet)

def gre(outer_src, outer_dst, inner, key=None):
    flags = 0x2000 if key is not None else 0
    hdr = struct.pack("!HH", flags, ethertype_of(inner))
    if key is not None:
        hdr += struct.pack("!I", key)
    return ip(outer_src, outer_dst, PROTO_GRE, hdr + inner)


def inner_ether(inner):
    return ether(inner, ethertype_of(inner), dst=bytes.fromhex("0a0000000002"), src=bytes.fromhex("0a0000000001"))


def vxlan(outer_src, outer_dst, inner, vni, sport=49152):
    hdr = struct.pack("!BBBBI", 0x08, 0, 0, 0, vni << 8)
    return ip(outer_src, outer_dst, PROTO_UDP, udp(sport, 4789, hdr + inner_ether(inner)))


def geneve(outer_src, outer_dst, inner, vni, options=b"", sport=49153):
    assert len(options) % 4 == 0
    hdr = struct.pack("!BBHI", len(options) // 4, 0, ETH_TEB, vni << 8) + options
    return ip(outer_src, outer_dst, PROTO_UDP, udp(sport, 6081, hdr + inner_ether(inner)))


def geneve_option(opt_class, opt_type, data):
    assert len(data) % 4 == 0 and len(data) <= 124
    return struct.pack("!HBB", opt_class, opt_type, len(data) // 4) + data


def gtpu(outer_src, outer_dst, inner, teid):
    hdr = struct.pack("!BBHI", 0x30, 0xFF, len(inner), teid)  # version 1, PT 1, G-PDU
    return ip(outer_src, outer_dst, PROTO_UDP, udp(2152, 2152, hdr + inner))


def ipip(outer_src, outer_dst, inner):
    return ip(outer_src, outer_dst, PROTO_IPV6 if inner[0] >> 4 == 6 else PROTO_IPIP, inner)


# ---------------------------------------------------------------------------
# a TCP connection

class Seg:
    __slots__ = ("ts", "dir", "src", "dst", "sport", "dport", "seq", "ack", "flags", "payload")

    def __init__(self, ts, d, src, dst, sport, dport, seq, ack, flags, payload):
        self.ts, self.dir, self.src, self.dst = ts, d, src, dst
        self.sport, self.dport, self.seq, self.ack, self.flags, self.payload = sport, dport, seq, ack, flags, payload

    def ip_packet(self, ident=0):
        return ip(self.src, self.dst, PROTO_TCP,
                  tcp(self.src, self.dst, self.sport, self.dport, self.seq, self.ack, self.flags, self.payload),
                  ident)


C2S, S2C = 0, 1


class Conn:
    """Segments of one TCP connection. send() appends segments in order;
    make() builds one without appending (to reorder or duplicate)."""

    def __init__(self, client, cport, server, sport, t0_us=1700000000000000, cisn=1000, sisn=5000000, mss=1460,
                 step_us=1000):
        self.ep = [(client, cport), (server, sport)]
        self.nxt = [cisn & 0xFFFFFFFF, sisn & 0xFFFFFFFF]
        self.isn = [cisn & 0xFFFFFFFF, sisn & 0xFFFFFFFF]
        self.ts = t0_us
        self.step = step_us
        self.mss = mss
        self.segs = []

    def tick(self):
        self.ts += self.step
        return self.ts

    def make(self, d, flags, payload=b"", seq=None, ack=None):
        (src, sp), (dst, dp) = self.ep[d], self.ep[1 - d]
        if seq is None:
            seq = self.nxt[d]
        if ack is None:
            ack = self.nxt[1 - d] if flags & TCP_ACK else 0
        return Seg(self.tick(), d, src, dst, sp, dp, seq & 0xFFFFFFFF, ack & 0xFFFFFFFF, flags, payload)

    def push(self, seg):
        self.segs.append(seg)
        return seg

    def handshake(self):
        self.push(self.make(C2S, TCP_SYN, ack=0))
        self.nxt[C2S] = (self.nxt[C2S] + 1) & 0xFFFFFFFF
        self.push(self.make(S2C, TCP_SYN | TCP_ACK))
        self.nxt[S2C] = (self.nxt[S2C] + 1) & 0xFFFFFFFF
        self.push(self.make(C2S, TCP_ACK))
        return self

    def send(self, d, data, sizes=None):
        """Sends data in order, in MSS-sized segments or the given sizes."""
        pieces = []
        if sizes:
            off = 0
            for n in sizes:
                pieces.append(data[off:off + n])
                off += n
            if off < len(data):
                pieces.append(data[off:])
        else:
            pieces = [data[i:i + self.mss] for i in range(0, len(data), self.mss)] or [b""]
        for p in pieces:
            self.push(self.make(d, TCP_ACK | TCP_PSH, p))
            self.nxt[d] = (self.nxt[d] + len(p)) & 0xFFFFFFFF
        return self

    def ack(self, d):
        self.push(self.make(d, TCP_ACK))
        return self

    def fin(self, d):
        self.push(self.make(d, TCP_FIN | TCP_ACK))
        self.nxt[d] = (self.nxt[d] + 1) & 0xFFFFFFFF
        return self

    def close(self):
        self.fin(C2S)
        self.fin(S2C)
        self.ack(C2S)
        return self

    def rst(self, d):
        self.push(self.make(d, TCP_RST | TCP_ACK))
        return self


def frames_ether(segs, tags=None, mpls=None):
    """Ethernet frames for segments, optionally VLAN-tagged or MPLS-labelled."""
    out = []
    for i, s in enumerate(segs):
        pkt = s.ip_packet(ident=i + 1)
        et = ethertype_of(pkt)
        body = pkt
        if mpls:
            body = mpls_stack(mpls, body)
            et = ETH_MPLS
        if tags:
            et, tagbytes = vlan_tags(tags, et)
            body = tagbytes + body
        dst, src = (MAC_SERVER, MAC_CLIENT) if s.dir == C2S else (MAC_CLIENT, MAC_SERVER)
        out.append((s.ts, ether(body, et, dst, src)))
    return out


def frames_tunnel(segs, wrap):
    """wrap(seg, inner_ip_packet) -> outer IP packet; framed in Ethernet."""
    out = []
    for i, s in enumerate(segs):
        outer = wrap(s, s.ip_packet(ident=i + 1))
        dst, src = (MAC_SERVER, MAC_CLIENT) if s.dir == C2S else (MAC_CLIENT, MAC_SERVER)
        out.append((s.ts, ether(outer, ethertype_of(outer), dst, src)))
    return out


# ---------------------------------------------------------------------------
# TLS

CT_CCS, CT_ALERT, CT_HANDSHAKE, CT_APPDATA = 20, 21, 22, 23
HS_CLIENT_HELLO, HS_SERVER_HELLO, HS_CERTIFICATE, HS_SKE, HS_SHD, HS_CKE, HS_FINISHED = 1, 2, 11, 12, 14, 16, 20

EXT_SNI, EXT_GROUPS, EXT_POINT_FORMATS, EXT_SIGALGS, EXT_ALPN = 0, 10, 11, 13, 16
EXT_EMS, EXT_SESSION_TICKET, EXT_SUPPORTED_VERSIONS, EXT_PSK_MODES, EXT_KEY_SHARE = 23, 35, 43, 45, 51
EXT_RENEGOTIATION_INFO = 0xFF01

# RFC 8446 4.1.3: the ServerHello random that marks a HelloRetryRequest.
HRR_RANDOM = hashlib.sha256(b"HelloRetryRequest").digest()


def u8(v):
    return struct.pack("!B", v)


def u16(v):
    return struct.pack("!H", v)


def u24(v):
    return struct.pack("!I", v)[1:]


def vec8(b):
    return u8(len(b)) + b


def vec16(b):
    return u16(len(b)) + b


def vec24(b):
    return u24(len(b)) + b


def u16list(vals):
    return b"".join(u16(v) for v in vals)


def record(ct, body, version=0x0303):
    return u8(ct) + u16(version) + vec16(body)


def records(ct, body, version=0x0303, max_frag=16384):
    return b"".join(record(ct, body[i:i + max_frag], version) for i in range(0, len(body), max_frag))


def handshake(hs_type, body):
    return u8(hs_type) + vec24(body)


def ext(t, data):
    return u16(t) + vec16(data)


def ext_sni(name):
    return ext(EXT_SNI, vec16(u8(0) + vec16(name)))


def ext_alpn(names):
    return ext(EXT_ALPN, vec16(b"".join(vec8(n) for n in names)))


def ext_groups(groups):
    return ext(EXT_GROUPS, vec16(u16list(groups)))


def ext_point_formats(fmts):
    return ext(EXT_POINT_FORMATS, vec8(bytes(fmts)))


def ext_sigalgs(algs):
    return ext(EXT_SIGALGS, vec16(u16list(algs)))


def ext_supported_versions_client(versions):
    return ext(EXT_SUPPORTED_VERSIONS, vec8(u16list(versions)))


def ext_key_share_client(shares):
    """shares: [(group, key_bytes)]"""
    return ext(EXT_KEY_SHARE, vec16(b"".join(u16(g) + vec16(k) for g, k in shares)))


class Hello:
    """A ClientHello described by its fields; .message() gives the handshake
    message, .record() the record(s) carrying it."""

    def __init__(self, rng, version=0x0303, record_version=0x0301, ciphers=(), sni=None, groups=(),
                 point_formats=None, sigalgs=(), alpn=(), supported_versions=None, key_shares=(),
                 session_id=b"", extra_exts=(), ext_order=None, ems=True, ticket=True, reneg=True, padding_to=None):
        self.rng = rng
        self.version = version
        self.record_version = record_version
        self.ciphers = list(ciphers)
        self.sni = sni
        self.groups = list(groups)
        self.point_formats = point_formats
        self.sigalgs = list(sigalgs)
        self.alpn = list(alpn)
        self.supported_versions = supported_versions
        self.key_shares = [(g, bytes(rng.getrandbits(8) for _ in range(n))) for g, n in key_shares]
        self.session_id = session_id
        self.random = bytes(rng.getrandbits(8) for _ in range(32))
        exts = []
        if sni is not None:
            exts.append((EXT_SNI, ext_sni(sni)))
        if ems:
            exts.append((EXT_EMS, ext(EXT_EMS, b"")))
        if reneg:
            exts.append((EXT_RENEGOTIATION_INFO, ext(EXT_RENEGOTIATION_INFO, b"\0")))
        if self.groups:
            exts.append((EXT_GROUPS, ext_groups(self.groups)))
        if point_formats is not None:
            exts.append((EXT_POINT_FORMATS, ext_point_formats(point_formats)))
        if ticket:
            exts.append((EXT_SESSION_TICKET, ext(EXT_SESSION_TICKET, b"")))
        if self.alpn:
            exts.append((EXT_ALPN, ext_alpn(self.alpn)))
        if self.sigalgs:
            exts.append((EXT_SIGALGS, ext_sigalgs(self.sigalgs)))
        if self.key_shares:
            exts.append((EXT_KEY_SHARE, ext_key_share_client(self.key_shares)))
        if supported_versions is not None:
            exts.append((EXT_PSK_MODES, ext(EXT_PSK_MODES, vec8(b"\x01"))))
            exts.append((EXT_SUPPORTED_VERSIONS, ext_supported_versions_client(supported_versions)))
        for t, data in extra_exts:
            exts.append((t, ext(t, data)))
        if padding_to is not None:
            # RFC 7685 padding, sized so that the whole handshake message is padding_to bytes
            base = len(self._body(exts))
            pad = padding_to - 4 - base - 4
            assert pad >= 0, (padding_to, base)
            exts.append((21, ext(21, b"\0" * pad)))
        self.exts = exts

    def _body(self, exts):
        return (u16(self.version) + self.random + vec8(self.session_id) + vec16(u16list(self.ciphers)) +
                vec8(b"\0") + vec16(b"".join(e for _, e in exts)))

    def ext_types(self):
        return [t for t, _ in self.exts]

    def message(self):
        return handshake(HS_CLIENT_HELLO, self._body(self.exts))

    def record(self):
        """The record(s) carrying the message: one, unless it exceeds 2^14 bytes."""
        return records(CT_HANDSHAKE, self.message(), self.record_version)


def server_hello(rng, cipher, version=0x0303, session_id=b"", exts=(), random=None, record_version=0x0303):
    rnd = random if random is not None else bytes(rng.getrandbits(8) for _ in range(32))
    body = u16(version) + rnd + vec8(session_id) + u16(cipher) + u8(0)
    if exts is not None:
        body += vec16(b"".join(ext(t, d) for t, d in exts))
    return handshake(HS_SERVER_HELLO, body)


# A real certificate chain (RSA 2048, SHA-256; generated once with openssl
# for these tests; the private keys were not kept): leaf "www.example.com"
# (SAN www.example.com, example.com) issued by "Example Test Root CA".
CERT_LEAF = base64.b64decode(
    "MIIDcTCCAlmgAwIBAgICEAAwDQYJKoZIhvcNAQELBQAwRjELMAkGA1UEBhMCVVMxGDAWBgNVBAoMD0V4YW1wbGUgVGVzdCBDQTEd"
    "MBsGA1UEAwwURXhhbXBsZSBUZXN0IFJvb3QgQ0EwHhcNMjYxMTIzMDE1MDA2WhcNMjkwMjI1MDE1MDA2WjA5MQswCQYDVQQGEwJV"
    "UzEQMA4GA1UECgwHRXhhbXBsZTEYMBYGA1UEAwwPd3d3LmV4YW1wbGUuY29tMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKC"
    "AQEAu80ZU0R0udDOIUK/GTsx3KnRw8DfzxbGB91a4VCy5lT5Pg4vbiO3GAOmezA5FF0eY1/ZfGJdy9ov43AeljTUDXcomouoW4FE"
    "hKeYAAXWgdykbYgkkQYfKDske26M+wUQJOYeePLaZ3J5FhqxQIBYeeKbS1mL7J6rC91NsX0tN6YaE9kv4xBmj4ePUD+o2PAhD4cj"
    "5sNszqUpbkXUX3HMWPVfc1EoM07BtXZYsmU1haZjQgESh50UDCh6whN9yUf+xwMbR8XrcwVqV66n+3PeJnL6oNLtG4pdkA0ffb5Y"
    "IeupoocBe6woD51Sxv5gR/cXtZt6gkU2CZbTbgg5s81avwIDAQABo3YwdDAnBgNVHREEIDAegg93d3cuZXhhbXBsZS5jb22CC2V4"
    "YW1wbGUuY29tMAkGA1UdEwQCMAAwHQYDVR0OBBYEFG9O8KKIyuRl3kkzQ3DdsQNEwgeYMB8GA1UdIwQYMBaAFHcR8VLVeTnmX19+"
    "H45rVubdXp7ZMA0GCSqGSIb3DQEBCwUAA4IBAQBxU5jm3Wmx04kk93ttq+pvYwraErpRYlBaBpEW99MuA5hj1fpekCZetNn1S1G2"
    "Y70Y7vvFgdBFvT1l604/tzhx4tb8hwHQasMaiDJQC1Qv8xOE59Px5ZHHFxeZG9X4+2wqzf230ISLebiYGDHtbEXRYtM5LAhrn0QK"
    "4es1qQW0gRT6SbNy+Jj3jblpeP9Y/RCvmbL3sKvb7Wae3rSMBBeH6gOg6KxRbVicf1ZOYwxP5BZMtr30p7B81rYNLgluo/A1eQuG"
    "dk8hNTvAviE48zilptB8zvBBMyfVtc6aQAkaJCUYzGZ84X0tHaC0cJFcW2hztbcDr9kPhWTGuUf2+R34")
CERT_CA = base64.b64decode(
    "MIIDWjCCAkKgAwIBAgIBATANBgkqhkiG9w0BAQsFADBGMQswCQYDVQQGEwJVUzEYMBYGA1UECgwPRXhhbXBsZSBUZXN0IENBMR0w"
    "GwYDVQQDDBRFeGFtcGxlIFRlc3QgUm9vdCBDQTAeFw0yNjExMjMwMTUwMDZaFw0zNjExMjAwMTUwMDZaMEYxCzAJBgNVBAYTAlVT"
    "MRgwFgYDVQQKDA9FeGFtcGxlIFRlc3QgQ0ExHTAbBgNVBAMMFEV4YW1wbGUgVGVzdCBSb290IENBMIIBIjANBgkqhkiG9w0BAQEF"
    "AAOCAQ8AMIIBCgKCAQEAzFUexMBgFpLItm1/wU9AZ3jJBse+g6eKi4Ghqncz9cNhbV8QNjYgWbo9RsbFM5N4PIkTNjX2EeVrecuO"
    "mrvkm9QpJ3lZjsB5RpI3TX8vYf8HcraLq0DGz1JtJloqVOc8wYFbK4qY1InL3qGui5RBvA0Np5QK/3wzUTt5aOoNDVzaHkEIq6+o"
    "ATytaDdv3/7Kq80dawB+QcDUNe1JlG2LRuetuPdLxfgaPtxeZsQD7HmIHFe40XJ8HifvRLJSVgVi9sNlCzClNYVPZVl49/NCPmqT"
    "kSQJnvrNWLBgXwWOpP/aWMSGBv0xjflGzKW6Cnuv6NfhkA52pZbmHYCbpvMr+wIDAQABo1MwUTAdBgNVHQ4EFgQUdxHxUtV5OeZf"
    "X34fjmtW5t1entkwHwYDVR0jBBgwFoAUdxHxUtV5OeZfX34fjmtW5t1entkwDwYDVR0TAQH/BAUwAwEB/zANBgkqhkiG9w0BAQsF"
    "AAOCAQEAnGfPrT2jNfqKXY/rA0rda/SH99sUL+Q8m983eOpBlKZPmaqONUmwBX9aliYTgetu0/yZFdMejTI6pSWXHw5K47RKzYbz"
    "yI5Qw95mSeaN2iD9veRX3RdAlmAEIOiQ0wcaXzxtxzHBEb+OqrOWaNMPvGpaTUxNSTLx0vFniP3IGuUJGEPiLRG/B5rYMw/eQK30"
    "2FsrO62/JxRCjSH9RtuYOGtNoWLghm4JTh/1zdBWlcqVFyo2xqhIqTWQ1UFf1PooUAwwIzDXf9car/R4AGeXaMbjLfyttJN//ISu"
    "hEfqvxOP2YRnVePmwqqDkZzCo2PWPjPPa9g0YrT+kfcR0R+L2Q==")


def certificate12(rng=None, chain=None):
    """TLS 1.2 Certificate message; the real two-certificate chain by default."""
    chain = [CERT_LEAF, CERT_CA] if chain is None else chain
    return handshake(HS_CERTIFICATE, vec24(b"".join(vec24(c) for c in chain)))


def ske_ecdhe(rng, group=0x0017, sigalg=0x0804, point_len=65, sig_len=256):
    point = b"\x04" + bytes(rng.getrandbits(8) for _ in range(point_len - 1))
    sig = bytes(rng.getrandbits(8) for _ in range(sig_len))
    return handshake(HS_SKE, u8(3) + u16(group) + vec8(point) + u16(sigalg) + vec16(sig))


def ske_dhe(rng, prime_bits=1024, generator=2, sigalg=0x0401, sig_len=256, prime=None):
    """DHE ServerKeyExchange: a random odd prime-sized p, or the given one."""
    n = prime_bits // 8
    p = bytearray(rng.getrandbits(8) for _ in range(n))
    p[0] |= 0x80
    p[-1] |= 0x01
    if prime is not None:
        p = bytearray(prime.to_bytes(n, "big"))
    ys = bytearray(rng.getrandbits(8) for _ in range(n))
    ys[0] |= 0x80
    g = generator.to_bytes((generator.bit_length() + 7) // 8 or 1, "big")
    sig = bytes(rng.getrandbits(8) for _ in range(sig_len))
    return handshake(HS_SKE, vec16(bytes(p)) + vec16(g) + vec16(bytes(ys)) + u16(sigalg) + vec16(sig))


def server_hello_done():
    return handshake(HS_SHD, b"")


def client_key_exchange_ecdhe(rng, n=65):
    return handshake(HS_CKE, vec8(b"\x04" + bytes(rng.getrandbits(8) for _ in range(n - 1))))


def client_key_exchange_dhe(rng, n=128):
    return handshake(HS_CKE, vec16(bytes(rng.getrandbits(8) for _ in range(n))))


def ccs(version=0x0303):
    return record(CT_CCS, b"\x01", version)


def encrypted(rng, ct=CT_HANDSHAKE, n=40, version=0x0303):
    """A record whose body is ciphertext (random bytes)."""
    return record(ct, bytes(rng.getrandbits(8) for _ in range(n)), version)


def alert(level, desc, version=0x0303):
    return record(CT_ALERT, u8(level) + u8(desc), version)


def tls12_exchange(conn, rng, hello, cipher=0xC02F, server_exts=None, ske=None, cke=None, session_id=b"",
                   alpn=None, client_sizes=None, finish=True):
    """A full TLS 1.2 handshake (and one application record each way) on conn."""
    conn.send(C2S, hello.record(), client_sizes)
    exts = [(EXT_RENEGOTIATION_INFO, b"\0"), (EXT_EMS, b"")]
    if hello.point_formats is not None:
        exts.append((EXT_POINT_FORMATS, vec8(b"\0")))
    if alpn is not None:
        exts.append((EXT_ALPN, vec16(vec8(alpn))))
    if server_exts is not None:
        exts = server_exts
    flight = server_hello(rng, cipher, session_id=session_id, exts=exts) + certificate12(rng)
    flight += ske if ske is not None else ske_ecdhe(rng)
    flight += server_hello_done()
    conn.send(S2C, records(CT_HANDSHAKE, flight))
    if not finish:
        return conn
    conn.send(C2S, record(CT_HANDSHAKE, cke if cke is not None else client_key_exchange_ecdhe(rng)) + ccs() +
              encrypted(rng))
    conn.send(S2C, ccs() + encrypted(rng))
    conn.send(C2S, encrypted(rng, CT_APPDATA, 120))
    conn.send(S2C, encrypted(rng, CT_APPDATA, 300))
    return conn


def tls13_server_exts(group=0x001D, key_len=32, rng=None):
    key = bytes(rng.getrandbits(8) for _ in range(key_len))
    return [(EXT_SUPPORTED_VERSIONS, u16(0x0304)), (EXT_KEY_SHARE, u16(group) + vec16(key))]


def tls13_exchange(conn, rng, hello, cipher=0x1301, group=0x001D, key_len=32):
    conn.send(C2S, hello.record())
    sh = server_hello(rng, cipher, session_id=hello.session_id, exts=tls13_server_exts(group, key_len, rng))
    conn.send(S2C, record(CT_HANDSHAKE, sh) + ccs() + encrypted(rng, CT_APPDATA, 1200) + encrypted(rng, CT_APPDATA, 80))
    conn.send(C2S, ccs() + encrypted(rng, CT_APPDATA, 53))
    conn.send(C2S, encrypted(rng, CT_APPDATA, 200))
    conn.send(S2C, encrypted(rng, CT_APPDATA, 500))
    return conn


# ---------------------------------------------------------------------------
# PROXY protocol (haproxy doc/proxy-protocol.txt)

PP2_SIG = b"\r\n\r\n\x00\r\nQUIT\n"


def crc32c(data):
    crc = 0xFFFFFFFF
    for b in data:
        crc ^= b
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 & -(crc & 1))
    return crc ^ 0xFFFFFFFF


def proxy_v2(src, dst, sport, dport, tlvs=(), with_crc=False):
    """PROXY v2 header, command PROXY, TCP over IPv4 or IPv6, the given
    (type, value) TLVs and optionally a CRC32C TLV over the whole header."""
    v6 = ":" in src
    fam = 0x21 if v6 else 0x11
    addrs = addr(src) + addr(dst) + struct.pack("!HH", sport, dport)
    body = addrs + b"".join(u8(t) + vec16(v) for t, v in tlvs)
    if with_crc:
        body += u8(0x03) + vec16(b"\0\0\0\0")
    hdr = PP2_SIG + u8(0x21) + u8(fam) + vec16(body)
    if with_crc:
        c = crc32c(hdr)
        hdr = hdr[:-4] + struct.pack("!I", c)
    return hdr


def proxy_v1(src, dst, sport, dport):
    fam = "TCP6" if ":" in src else "TCP4"
    return ("PROXY %s %s %s %d %d\r\n" % (fam, src, dst, sport, dport)).encode()


# ---------------------------------------------------------------------------
# names (IANA TLS registries), for expectations

CIPHER_NAMES = {
    0x000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA",
    0x002F: "TLS_RSA_WITH_AES_128_CBC_SHA",
    0x0033: "TLS_DHE_RSA_WITH_AES_128_CBC_SHA",
    0x0035: "TLS_RSA_WITH_AES_256_CBC_SHA",
    0x0039: "TLS_DHE_RSA_WITH_AES_256_CBC_SHA",
    0x009E: "TLS_DHE_RSA_WITH_AES_128_GCM_SHA256",
    0x1301: "TLS_AES_128_GCM_SHA256",
    0x1302: "TLS_AES_256_GCM_SHA384",
    0x1303: "TLS_CHACHA20_POLY1305_SHA256",
    0xC02B: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
    0xC02F: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
    0xC030: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
    0xCCA8: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
}
GROUP_NAMES = {0x0017: "secp256r1", 0x0018: "secp384r1", 0x001D: "x25519", 0x0100: "ffdhe2048"}
SIGALG_NAMES = {
    0x0201: "rsa_pkcs1_sha1", 0x0401: "rsa_pkcs1_sha256", 0x0403: "ecdsa_secp256r1_sha256",
    0x0501: "rsa_pkcs1_sha384", 0x0503: "ecdsa_secp384r1_sha384", 0x0601: "rsa_pkcs1_sha512",
    0x0804: "rsa_pss_rsae_sha256", 0x0805: "rsa_pss_rsae_sha384", 0x0806: "rsa_pss_rsae_sha512",
    0x0203: "ecdsa_sha1", 0x0603: "ecdsa_secp521r1_sha512",
}
VERSION_NAMES = {0x0300: "SSLv3", 0x0301: "TLSv1.0", 0x0302: "TLSv1.1", 0x0303: "TLSv1.2", 0x0304: "TLSv1.3"}


def is_grease(v):
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def ja3_string(h):
    def j(vals):
        return "-".join(str(v) for v in vals if not is_grease(v))
    return ",".join([str(h.version), j(h.ciphers), j(h.ext_types()), j(h.groups),
                     "-".join(str(v) for v in (h.point_formats or []))])


def hello_expect(h):
    """What tlsscope must report for ClientHello h (dotted SCHEMA paths)."""
    e = {
        "tls.client.record_version": VERSION_NAMES[h.record_version],
        "tls.client.legacy_version": VERSION_NAMES[h.version],
        "tls.client.supported_ciphers": [CIPHER_NAMES[c] for c in h.ciphers if not is_grease(c)],
        "tls.client.extensions": [t for t in h.ext_types() if not is_grease(t)],
        "tls.client.ja3_string": ja3_string(h),
        "tls.client.ja3": hashlib.md5(ja3_string(h).encode()).hexdigest(),
    }
    if h.supported_versions is not None:
        sv = [v for v in h.supported_versions if not is_grease(v)]
        e["tls.client.supported_versions"] = [VERSION_NAMES[v] for v in sv]
        offered = sorted(set(sv), reverse=True)
    else:
        offered = list(range(h.version, 0x0300, -1)) if h.version >= 0x0301 else [h.version]
    e["tls.client.offered_versions"] = [VERSION_NAMES[v] for v in offered]
    e["tls.client.max_version"] = VERSION_NAMES[offered[0]]
    if h.sni is not None:
        e["tls.client.server_name"] = h.sni.decode("utf-8", "replace")
    if h.groups:
        e["tls.client.supported_groups"] = [GROUP_NAMES[g] for g in h.groups if not is_grease(g)]
    if h.point_formats is not None:
        e["tls.client.ec_point_formats"] = list(h.point_formats)
    if h.sigalgs:
        e["tls.client.signature_algorithms"] = [SIGALG_NAMES[a] for a in h.sigalgs]
    if h.alpn:
        e["tls.client.alpn"] = [a.decode("utf-8", "replace") for a in h.alpn]
    if h.key_shares:
        e["tls.client.key_share_groups"] = [GROUP_NAMES[g] for g, _ in h.key_shares if not is_grease(g)]
    return e


def established_expect(version, cipher, curve=None, reason="handshake_done"):
    e = {
        "event.reason": reason,
        "tls.established": True,
        "tls.outcome": "established",
        "tls.negotiated_version": VERSION_NAMES[version],
        "tls.server.version": VERSION_NAMES[version],
        "tls.version": {0x0300: "3.0", 0x0301: "1.0", 0x0302: "1.1", 0x0303: "1.2", 0x0304: "1.3"}[version],
        "tls.version_protocol": "ssl" if version == 0x0300 else "tls",
        "tls.cipher": CIPHER_NAMES[cipher],
    }
    if curve is not None:
        e["tls.curve"] = GROUP_NAMES[curve]
    return e


# ---------------------------------------------------------------------------
# canonical hellos

MODERN12_CIPHERS = [0xC02B, 0xC02F, 0xC030, 0xCCA8, 0x009E, 0x002F, 0x0035]
SIGALGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0201]


def hello12(rng, sni=b"www.example.com", alpn=(b"h2", b"http/1.1"), **kw):
    """A TLS 1.2 browser-like ClientHello."""
    args = dict(version=0x0303, record_version=0x0301, ciphers=MODERN12_CIPHERS, sni=sni,
                groups=[0x001D, 0x0017, 0x0018], point_formats=[0], sigalgs=SIGALGS, alpn=list(alpn))
    args.update(kw)
    return Hello(rng, **args)


def hello13(rng, sni=b"tls13.example.com", key_shares=((0x001D, 32),), **kw):
    """A TLS 1.3 ClientHello (with GREASE in ciphers, groups and versions, as Chrome sends)."""
    args = dict(version=0x0303, record_version=0x0301,
                ciphers=[0x5A5A, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xCCA8],
                sni=sni, groups=[0x5A5A, 0x001D, 0x0017, 0x0018], point_formats=[0], sigalgs=SIGALGS[:8],
                alpn=[b"h2"], supported_versions=[0x7A7A, 0x0304, 0x0303], key_shares=list(key_shares),
                session_id=bytes(range(32)))
    args.update(kw)
    return Hello(rng, **args)
