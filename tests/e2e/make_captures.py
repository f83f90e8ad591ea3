#!/usr/bin/env python3
"""Writes the synthetic end-to-end captures and their expectations.

Usage: make_captures.py [--hostile] OUTDIR

Without --hostile: captures for what the shared corpus lacks (PROXY headers,
STARTTLS refusals and the wrapped-TLS dialogues, tunnels, link types, TLS
edge cases). With --hostile: captures whose server names, ALPN values and
STARTTLS replies carry bytes that must be escaped or repaired in the JSON.

For each CAPTURE.pcap it writes CAPTURE.pcap.expected.jsonl in the format of
../shared/corpus/README.md ({"match": {4-tuple}, "expect": {dotted: value}}),
checked by check_corpus.py, and one extra_checks.jsonl for the directory with
what check_corpus.py cannot say (synthetic/check_extra.py checks it): the
number of lines a capture gives, list members (a finding id among others),
fields that must be absent, and --stats counters.

Everything is deterministic (each capture seeds its own random.Random with
its name): the same script writes the same bytes. Each capture's purpose is
the docstring of the function that builds it.
"""
import base64
import json
import os
import random
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "synthetic"))
from tlsgen import *  # noqa: E402,F401,F403

CAPTURES = []   # (name, function)
HOSTILE = []


def capture(name, hostile=False):
    def reg(fn):
        (HOSTILE if hostile else CAPTURES).append((name, fn))
        return fn
    return reg


class Out:
    """What one capture function produces."""

    def __init__(self, linktype=LINKTYPE_ETHERNET):
        self.linktype = linktype
        self.frames = []
        self.expect = []
        self.extra = {}

    def exp(self, conn_or_tuple, expect):
        if isinstance(conn_or_tuple, Conn):
            (c, cp), (s, sp) = conn_or_tuple.ep
        else:
            c, cp, s, sp = conn_or_tuple
        self.expect.append({"match": {"source.ip": c, "source.port": cp, "destination.ip": s,
                                      "destination.port": sp}, "expect": expect})
        return self.expect[-1]["match"]

    def check(self, match, **kw):
        """Extra checks for the line matching `match`: contains / absent."""
        self.extra.setdefault("lines_checks", []).append(dict(match=match, **kw))


def merge(*dicts):
    out = {}
    for d in dicts:
        out.update(d)
    return out


def rng_for(name):
    return random.Random(name)


TLS12_CIPHER = 0xC02F
TLS12_CURVE = 0x0017


def tls12_expect(h, cipher=TLS12_CIPHER, curve=TLS12_CURVE, alpn=None):
    e = merge(hello_expect(h), established_expect(0x0303, cipher, curve))
    e["tls.server.key_exchange"] = "ECDHE"
    e["tls.server.certificate_chain_length"] = 2
    e["tls.resumed"] = False
    if alpn is not None:
        e["tls.next_protocol"] = alpn
    return e


# ===========================================================================
# PROXY protocol

@capture("proxy_v2_tcp4.pcap")
def proxy_v2_tcp4(o, rng):
    """A load balancer (10.0.0.5) relays a client's implicit-TLS connection to
    10.0.0.80:443 and puts a PROXY v2 header (PROXY command, TCP over IPv4,
    an AUTHORITY TLV and a correct CRC32C TLV) in the same segment as the
    ClientHello. client.* must come from the header, source.* from TCP."""
    c = Conn("10.0.0.5", 33000, "10.0.0.80", 443).handshake()
    h = hello12(rng)
    hdr = proxy_v2("203.0.113.7", "198.51.100.1", 40001, 443, tlvs=[(0x02, b"www.example.com")], with_crc=True)
    c.send(C2S, hdr + h.record())
    tls12_rest(c, rng, alpn="h2")
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h, alpn="h2"), {"client.ip": "203.0.113.7", "client.port": 40001,
                                                "client.address_source": "proxy_v2"}))


def tls12_rest(c, rng, alpn=None, cipher=TLS12_CIPHER, ske=None, cke=None, session_id=b""):
    """The server flight and both Finished after a ClientHello already sent."""
    exts = [(EXT_RENEGOTIATION_INFO, b"\0"), (EXT_EMS, b""), (EXT_POINT_FORMATS, vec8(b"\0"))]
    if alpn is not None:
        exts.append((EXT_ALPN, vec16(vec8(alpn.encode() if isinstance(alpn, str) else alpn))))
    c.send(S2C, records(CT_HANDSHAKE, server_hello(rng, cipher, exts=exts, session_id=session_id) +
                        certificate12(rng) + (ske if ske is not None else ske_ecdhe(rng)) + server_hello_done()))
    c.send(C2S, record(CT_HANDSHAKE, cke if cke is not None else client_key_exchange_ecdhe(rng)) + ccs() +
           encrypted(rng))
    c.send(S2C, ccs() + encrypted(rng))
    c.send(C2S, encrypted(rng, CT_APPDATA, 100))
    c.send(S2C, encrypted(rng, CT_APPDATA, 400))
    return c


@capture("proxy_v2_tcp6.pcap")
def proxy_v2_tcp6(o, rng):
    """PROXY v2 naming an IPv6 client (family TCP over IPv6, AUTHORITY TLV, no
    CRC) on an IPv6 connection from the balancer, the header alone in the
    first segment and the ClientHello in the next."""
    c = Conn("fd00::5", 33001, "fd00::80", 8443).handshake()
    h = hello12(rng, sni=b"v6.example.com")
    c.send(C2S, proxy_v2("2001:db8::7", "2001:db8::1", 50123, 443, tlvs=[(0x02, b"v6.example.com")]))
    c.send(C2S, h.record())
    tls12_rest(c, rng, alpn="http/1.1")
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h, alpn="http/1.1"), {"network.type": "ipv6", "client.ip": "2001:db8::7",
                                                      "client.port": 50123, "client.address_source": "proxy_v2"}))


@capture("proxy_v1_split.pcap")
def proxy_v1_split(o, rng):
    """A PROXY v1 text header split across two segments (the cut falls inside
    the client address); the second segment carries the rest of the line and
    the ClientHello."""
    c = Conn("10.0.0.5", 33002, "10.0.0.80", 443).handshake()
    h = hello12(rng, sni=b"v1.example.com")
    line = proxy_v1("198.51.100.22", "10.0.0.80", 51515, 443)
    data = line + h.record()
    c.send(C2S, data, sizes=[17])
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h), {"client.ip": "198.51.100.22", "client.port": 51515,
                                     "client.address_source": "proxy_v1"}))


@capture("proxy_v2_unique_id.pcap")
def proxy_v2_unique_id(o, rng):
    """haproxy with `send-proxy-v2` and `proxy-v2-options unique-id,crc32c`:
    the header names the client, the VIP and port it connected to
    (203.0.113.80:443) and the UNIQUE_ID that haproxy's own log carries; the
    line gives all three beside the TLS it relays."""
    c = Conn("10.0.0.5", 33010, "10.0.0.80", 8443).handshake()
    h = hello12(rng, sni=b"vip.example.com")
    uid = b"7F000001:C9D2_0A000050:01BB_65F1A2B3_0004:2A3F"
    hdr = proxy_v2("198.51.100.77", "203.0.113.80", 51000, 443, tlvs=[(0x05, uid)], with_crc=True)
    c.send(C2S, hdr + h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h), {"client.ip": "198.51.100.77", "client.port": 51000,
                                     "client.address_source": "proxy_v2",
                                     "client.proxy_destination_ip": "203.0.113.80",
                                     "client.proxy_destination_port": 443,
                                     "client.proxy_unique_id": uid.decode()}))


@capture("proxy_v2_bad_crc.pcap")
def proxy_v2_bad_crc(o, rng):
    """A PROXY v2 header whose CRC32C does not match (the spec: treat it as
    invalid): it is skipped, the TLS behind it dissected, and the line says
    the header was invalid, so client.ip (the balancer) is not taken for the
    true client."""
    c = Conn("10.0.0.5", 33011, "10.0.0.80", 443).handshake()
    h = hello12(rng, sni=b"crc.example.com")
    hdr = bytearray(proxy_v2("198.51.100.78", "203.0.113.80", 51001, 443, with_crc=True))
    hdr[-1] ^= 0xFF
    c.send(C2S, bytes(hdr) + h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    m = o.exp(c, merge(tls12_expect(h), {"client.ip": "10.0.0.5", "client.port": 33011,
                                         "client.proxy_header_invalid": True}))
    o.check(m, contains={"tls.findings[].id": ["proxy-header-invalid"]},
            finding_severity={"proxy-header-invalid": "medium"},
            absent=["client.address_source", "client.proxy_destination_ip"],
            stats={"tls.proxy_malformed": ["==", 1], "tls.proxy_headers": ["==", 0]})


@capture("proxy_health_checks.pcap")
def proxy_health_checks(o, rng):
    """A balancer's health checks: a PROXY v1 header and then a close, and a
    v2 LOCAL header and then a close. No line; --stats counts both."""
    segs = []
    c = Conn("10.0.0.5", 33012, "10.0.0.80", 443).handshake()
    c.send(C2S, proxy_v1("10.0.0.5", "10.0.0.80", 33012, 443))
    c.close()
    segs += c.segs
    c = Conn("10.0.0.5", 33013, "10.0.0.80", 443, t0_us=1700000001000000).handshake()
    c.send(C2S, PP2_SIG + b"\x20\x00\x00\x00")
    c.close()
    segs += c.segs
    o.frames = frames_ether(segs)
    o.extra.setdefault("lines_checks", []).append(
        {"stats": {"tls.proxy_health_checks": ["==", 2], "tls.proxy_headers": ["==", 2], "tls.lines": ["==", 0],
                   "tls.sessions": ["==", 2]}})


# ===========================================================================
# STARTTLS and wrapped TLS

def starttls_expect(proto):
    return {"tls.starttls": proto, "network.protocol": proto}


SMTP_454 = b"454 4.7.0 TLS not available due to local problem\r\n"


@capture("smtp_starttls_refused.pcap")
def smtp_starttls_refused(o, rng):
    """SMTP: EHLO, STARTTLS answered 454 (Postfix's wording when its TLS setup
    fails); the client quits. One line, outcome starttls_refused, with the
    reply as tlsscope keeps it: the raw reply line, CRLF included."""
    c = Conn("192.0.2.10", 40025, "198.51.100.25", 25).handshake()
    c.send(S2C, b"220 mail.example.com ESMTP Postfix (Debian/GNU)\r\n")
    c.send(C2S, b"EHLO client.example.org\r\n")
    c.send(S2C, b"250-mail.example.com\r\n250-PIPELINING\r\n250-SIZE 10240000\r\n250-VRFY\r\n250-ETRN\r\n"
                b"250-STARTTLS\r\n250-ENHANCEDSTATUSCODES\r\n250-8BITMIME\r\n250 DSN\r\n")
    c.send(C2S, b"STARTTLS\r\n")
    c.send(S2C, SMTP_454)
    c.send(C2S, b"QUIT\r\n")
    c.send(S2C, b"221 2.0.0 Bye\r\n")
    c.close()
    o.frames = frames_ether(c.segs)
    m = o.exp(c, merge(starttls_expect("smtp"), {
        "event.reason": "starttls_refused", "tls.outcome": "starttls_refused", "tls.established": False,
        "tls.starttls_reply": SMTP_454.decode()}))
    o.check(m, absent=["tls.client", "tls.server", "tls.cipher"])


@capture("smtp_starttls_refused_long.pcap")
def smtp_starttls_refused_long(o, rng):
    """SMTP STARTTLS refused with a multi-line 454 reply of 3 lines (about
    260 bytes): tls.starttls_reply keeps the raw lines, cut at 200 bytes."""
    c = Conn("192.0.2.11", 40026, "198.51.100.25", 587).handshake()
    c.send(S2C, b"220 mail.example.com ESMTP\r\n")
    c.send(C2S, b"EHLO client.example.org\r\n")
    c.send(S2C, b"250-mail.example.com\r\n250 STARTTLS\r\n")
    c.send(C2S, b"STARTTLS\r\n")
    reply = (b"454-4.7.0 TLS not available due to local problem\r\n"
             b"454-4.7.0 The certificate file /etc/ssl/certs/mail.example.com.pem could not be read\r\n"
             b"454 4.7.0 Please contact postmaster@example.com and quote reference 7f3a9c21-4b\r\n")
    assert len(reply) > 200
    c.send(S2C, reply)
    c.send(C2S, b"QUIT\r\n")
    c.close()
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(starttls_expect("smtp"), {
        "event.reason": "starttls_refused", "tls.outcome": "starttls_refused",
        "tls.starttls_reply": reply[:200].decode()}))


@capture("imap_starttls_split.pcap")
def imap_starttls_split(o, rng):
    """IMAP: CAPABILITY, then a lower-case "a002 starttls" split across two
    segments ("a002 sta" | "rttls\\r\\n"), tagged OK, then a TLS 1.2 handshake."""
    c = Conn("192.0.2.12", 40143, "198.51.100.143", 143).handshake()
    c.send(S2C, b"* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
                b"LOGINDISABLED] Dovecot (Debian) ready.\r\n")
    c.send(C2S, b"a001 CAPABILITY\r\n")
    c.send(S2C, b"* CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS ID ENABLE IDLE LITERAL+ STARTTLS "
                b"LOGINDISABLED\r\na001 OK Pre-login capabilities listed, post-login capabilities have more.\r\n")
    c.send(C2S, b"a002 starttls\r\n", sizes=[8])
    c.send(S2C, b"a002 OK Begin TLS negotiation now.\r\n")
    h = hello12(rng, sni=b"imap.example.com", alpn=(b"imap",))
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h), starttls_expect("imap")))


@capture("starttls_client_identity.pcap")
def starttls_client_identity(o, rng):
    """Who a legacy client said it was before STARTTLS: a TLS 1.0-only SMTP
    client (EHLO with its host name) and an IMAP client that sends ID with
    its name and version first (RFC 2971). Both lines carry the name, and the
    legacy-client finding says what to upgrade."""
    segs = []
    c = Conn("192.0.2.53", 47060, "198.51.100.53", 587).handshake()
    c.send(S2C, b"220 mail.example.net ESMTP Postfix\r\n")
    c.send(C2S, b"EHLO MFP-4F-Printer.corp.example\r\n")
    c.send(S2C, b"250-mail.example.net\r\n250-PIPELINING\r\n250 STARTTLS\r\n")
    c.send(C2S, b"STARTTLS\r\n")
    c.send(S2C, b"220 2.0.0 Ready to start TLS\r\n")
    h = Hello(rng, version=0x0301, record_version=0x0301, ciphers=[0x0035, 0x002F, 0x000A],
              sni=b"mail.example.net", ems=False, ticket=False, reneg=True)
    c.send(C2S, h.record())
    c.send(S2C, alert(2, 70, 0x0301))
    c.close()
    segs += c.segs
    m = o.exp(c, merge(starttls_expect("smtp"), {"smtp.helo": "MFP-4F-Printer.corp.example",
                                                 "tls.outcome": "alert"}))
    o.check(m, contains={"tls.findings[].id": ["legacy-client"]}, absent=["imap"])
    c = Conn("192.0.2.53", 47061, "198.51.100.53", 143, t0_us=1700000500000000).handshake()
    c.send(S2C, b"* OK [CAPABILITY IMAP4rev1 ID STARTTLS] ready\r\n")
    c.send(C2S, b'a1 ID ("name" "Outlook" "version" "14.0.7268" "os" "Windows" "os-version" "6.1")\r\n')
    c.send(S2C, b'* ID ("name" "Dovecot")\r\na1 OK ID completed.\r\n')
    c.send(C2S, b"a2 STARTTLS\r\n")
    c.send(S2C, b"a2 OK Begin TLS negotiation now.\r\n")
    h = hello12(rng, sni=b"imap.example.net")
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    segs += c.segs
    m = o.exp(c, merge(starttls_expect("imap"), {"imap.id.name": "Outlook", "imap.id.version": "14.0.7268",
                                                 "tls.outcome": "established"}))
    o.check(m, absent=["smtp"])
    o.frames = frames_ether(sorted(segs, key=lambda s: s.ts))


@capture("ldap_starttls.pcap")
def ldap_starttls(o, rng):
    """LDAP: StartTLS ExtendedRequest (messageID 1, OID 1.3.6.1.4.1.1466.20037),
    a success ExtendedResponse carrying the responseName, then TLS 1.2."""
    c = Conn("192.0.2.13", 40389, "198.51.100.89", 389).handshake()
    oid = b"1.3.6.1.4.1.1466.20037"
    req_op = b"\x77" + vec8(b"\x80" + vec8(oid))
    req = b"\x30" + vec8(b"\x02\x01\x01" + req_op)
    resp_op = b"\x78" + vec8(b"\x0a\x01\x00" + b"\x04\x00" + b"\x04\x00" + b"\x8a" + vec8(oid))
    resp = b"\x30" + vec8(b"\x02\x01\x01" + resp_op)
    c.send(C2S, req)
    c.send(S2C, resp)
    h = hello12(rng, sni=b"ldap.example.com", alpn=())
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h), starttls_expect("ldap")))


@capture("xmpp_starttls.pcap")
def xmpp_starttls(o, rng):
    """XMPP client-to-server (5222): stream headers, features announcing
    <starttls> with <required/>, the client's <starttls/>, <proceed/>, then TLS."""
    c = Conn("192.0.2.14", 45222, "198.51.100.52", 5222).handshake()
    c.send(C2S, b"<?xml version='1.0'?><stream:stream to='example.com' xmlns='jabber:client' "
                b"xmlns:stream='http://etherx.jabber.org/streams' xml:lang='en' version='1.0'>")
    c.send(S2C, b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                b"xmlns:stream='http://etherx.jabber.org/streams' id='8f6b2c3d' from='example.com' version='1.0' "
                b"xml:lang='en'><stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/>"
                b"</starttls><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism>"
                b"</mechanisms></stream:features>")
    c.send(C2S, b"<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    c.send(S2C, b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")
    h = hello12(rng, sni=b"example.com", alpn=(b"xmpp-client",))
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h), starttls_expect("xmpp")))


@capture("pop3_stls_refused.pcap")
def pop3_stls_refused(o, rng):
    """POP3: CAPA (a multi-line answer listing STLS), STLS answered -ERR; the
    client quits. Outcome starttls_refused, reply the raw -ERR line."""
    c = Conn("192.0.2.15", 40110, "198.51.100.110", 110).handshake()
    c.send(S2C, b"+OK Dovecot (Debian) ready.\r\n")
    c.send(C2S, b"CAPA\r\n")
    c.send(S2C, b"+OK\r\nCAPA\r\nTOP\r\nUIDL\r\nRESP-CODES\r\nPIPELINING\r\nAUTH-RESP-CODE\r\nSTLS\r\n"
                b"USER\r\nSASL PLAIN\r\n.\r\n")
    c.send(C2S, b"STLS\r\n")
    reply = b"-ERR [SYS/TEMP] TLS support isn't enabled.\r\n"
    c.send(S2C, reply)
    c.send(C2S, b"QUIT\r\n")
    c.send(S2C, b"+OK Logging out\r\n")
    c.close()
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(starttls_expect("pop3"), {
        "event.reason": "starttls_refused", "tls.outcome": "starttls_refused", "tls.established": False,
        "tls.starttls_reply": reply.decode()}))


@capture("ftp_auth_tls.pcap")
def ftp_auth_tls(o, rng):
    """FTP: AUTH TLS answered 234, then a TLS 1.2 handshake on the control
    connection (port 21)."""
    c = Conn("192.0.2.16", 40021, "198.51.100.21", 21).handshake()
    c.send(S2C, b"220 ProFTPD Server (Debian) [198.51.100.21]\r\n")
    c.send(C2S, b"AUTH TLS\r\n")
    c.send(S2C, b"234 AUTH TLS successful\r\n")
    h = hello12(rng, sni=b"ftp.example.com", alpn=(b"ftp",))
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h), starttls_expect("ftp")))


def tds_packet(ptype, payload, status=0x01, packet_id=1):
    return struct.pack("!BBHHBB", ptype, status, 8 + len(payload), 0, packet_id, 0) + payload


def prelogin(options):
    """options: [(token, value)] -> PRELOGIN payload (option table, 0xFF, data)."""
    table_len = 5 * len(options) + 1
    table, data = b"", b""
    for token, value in options:
        table += struct.pack("!BHH", token, table_len + len(data), len(value))
        data += value
    return table + b"\xff" + data


@capture("tds_prelogin_tls.pcap")
def tds_prelogin_tls(o, rng):
    """Microsoft SQL Server (1433): PRELOGIN with ENCRYPTION ON both ways, then
    the TLS handshake carried inside TDS PRELOGIN packets (8-byte header, type
    0x12); the server's flight is split over two TDS packets, cutting a record.
    After the handshake the Login7 goes as raw TLS records."""
    c = Conn("192.0.2.17", 41433, "198.51.100.14", 1433).handshake()
    cl = prelogin([(0x00, bytes.fromhex("0f0007d00000")), (0x01, b"\x01"), (0x02, b"\x00"),
                   (0x03, struct.pack("!I", 0x1A2B)), (0x04, b"\x00")])
    c.send(C2S, tds_packet(0x12, cl))
    sv = prelogin([(0x00, bytes.fromhex("0f0010fa0000")), (0x01, b"\x01"), (0x02, b"\x00"), (0x04, b"\x00")])
    c.send(S2C, tds_packet(0x04, sv))
    h = hello12(rng, sni=None, alpn=(), ciphers=[0xC030, 0xC02F, 0x009E, 0x0035, 0x002F])
    c.send(C2S, tds_packet(0x12, h.record()))
    flight = records(CT_HANDSHAKE, server_hello(rng, 0xC030, exts=[(EXT_RENEGOTIATION_INFO, b"\0")]) +
                     certificate12(rng) + ske_ecdhe(rng) + server_hello_done())
    cut = 1000
    c.send(S2C, tds_packet(0x12, flight[:cut], status=0x00, packet_id=1) +
           tds_packet(0x12, flight[cut:], status=0x01, packet_id=2))
    c.send(C2S, tds_packet(0x12, record(CT_HANDSHAKE, client_key_exchange_ecdhe(rng)) + ccs() + encrypted(rng)))
    c.send(S2C, tds_packet(0x12, ccs() + encrypted(rng)))
    c.send(C2S, encrypted(rng, CT_APPDATA, 300))
    c.send(S2C, encrypted(rng, CT_APPDATA, 200))
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), established_expect(0x0303, 0xC030, TLS12_CURVE), starttls_expect("tds"))
    e["tls.server.certificate_chain_length"] = 2
    o.exp(c, e)


@capture("socks5_tls.pcap")
def socks5_tls(o, rng):
    """SOCKS5 (1080): greeting offering no-auth, method 0 chosen, CONNECT to a
    domain name, success reply, then TLS to the named server."""
    c = Conn("192.0.2.18", 41080, "198.51.100.80", 1080).handshake()
    c.send(C2S, b"\x05\x01\x00")
    c.send(S2C, b"\x05\x00")
    c.send(C2S, b"\x05\x01\x00\x03" + vec8(b"www.example.com") + u16(443))
    c.send(S2C, b"\x05\x00\x00\x01" + ip4("198.51.100.80") + u16(41999))
    h = hello12(rng)
    c.send(C2S, h.record())
    tls12_rest(c, rng, alpn="h2")
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h, alpn="h2"), starttls_expect("socks")))


@capture("http_connect_tls.pcap")
def http_connect_tls(o, rng):
    """HTTP proxy (3128): CONNECT with headers, "200 Connection established",
    then TLS through the tunnel."""
    c = Conn("192.0.2.19", 43128, "198.51.100.31", 3128).handshake()
    c.send(C2S, b"CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n"
                b"User-Agent: curl/7.88.1\r\nProxy-Connection: Keep-Alive\r\n\r\n")
    c.send(S2C, b"HTTP/1.1 200 Connection established\r\n\r\n")
    h = hello12(rng)
    c.send(C2S, h.record())
    tls12_rest(c, rng, alpn="http/1.1")
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h, alpn="http/1.1"), starttls_expect("http")))


# ===========================================================================
# a prefix of no known protocol before TLS

@capture("prefix_vendor_framing.pcap")
def prefix_vendor_framing(o, rng):
    """A client that puts 42 bytes of its own framing (a length, a magic, a
    tenant id) before its ClientHello, in the same segment; the server answers
    in TLS at once. Followed from the hello, the prefix length reported."""
    c = Conn("192.0.2.51", 45101, "198.51.100.51", 8443).handshake()
    prefix = b"\x00\x00\x00\x26VNDR" + bytes(rng.getrandbits(8) for _ in range(34))
    assert len(prefix) == 42 and b"\x16\x03" not in prefix
    h = hello12(rng)
    c.send(C2S, prefix + h.record())
    tls12_rest(c, rng, alpn="h2")
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h, alpn="h2"), {"tls.client.skipped_bytes": 42}))
    o.check(o.expect[-1]["match"], absent=["tls.server.skipped_bytes", "tls.server_plaintext", "tls.starttls"])


@capture("prefix_tunnel_both_sides.pcap")
def prefix_tunnel_both_sides(o, rng):
    """A tunnel protocol no dialogue here knows: the client's request line and
    its ClientHello in one segment, the relay's text answer in a segment of
    its own, then the ServerHello. Both prefixes skipped and reported; no
    plaintext-server finding (the server's TLS came after its text)."""
    c = Conn("192.0.2.52", 45102, "198.51.100.52", 9000).handshake()
    request = b"TUNNEL 203.0.113.5:443 v1\r\nAuth: 0123456789abcdef\r\n\r\n"
    answer = b"TUNNEL/1 OK opened\r\n\r\n"
    h = hello12(rng)
    c.send(C2S, request + h.record())
    c.send(S2C, answer)
    prefixes_both_sides_rest(o, c, h, rng, len(request), len(answer))


def prefixes_both_sides_rest(o, c, h, rng, client_prefix, server_prefix):
    """The rest of a TLS 1.2 connection after both sides' prefixes, and its
    line: both prefixes reported, no plaintext-server finding."""
    tls12_rest(c, rng, alpn="h2")
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h, alpn="h2"), {"tls.client.skipped_bytes": client_prefix,
                                                "tls.server.skipped_bytes": server_prefix}))
    o.check(o.expect[-1]["match"], absent=["tls.server_plaintext", "tls.starttls"],
            lacks={"tls.findings[].id": ["plaintext-server"]})


@capture("prefix_not_a_hello.pcap")
def prefix_not_a_hello(o, rng):
    """Plain HTTP whose body holds bytes that begin like a handshake record
    (16 03 01 ...) but not a ClientHello's (a Certificate message type): no
    line, the connection is not TLS."""
    c = Conn("192.0.2.53", 45103, "198.51.100.53", 80).handshake()
    body = b"\x16\x03\x01\x00\x40\x0b\x00\x00\x3c\x03" + bytes(60)
    c.send(C2S, b"POST /upload HTTP/1.1\r\nHost: example.com\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
    c.send(S2C, b"HTTP/1.1 204 No Content\r\n\r\n")
    c.close()
    o.frames = frames_ether(c.segs)


@capture("prefix_alone_vendor.pcap")
def prefix_alone_vendor(o, rng):
    """A client that writes its 4-byte framing (a version and a length) with
    one write and its ClientHello with the next: the prefix in a segment of
    its own. The gate holds it until the hello's record shows; followed from
    the hello, the prefix length reported."""
    c = Conn("192.0.2.54", 45104, "198.51.100.54", 8443).handshake()
    prefix = b"\x00\x01\x00\x2c"
    h = hello12(rng)
    c.send(C2S, prefix)
    c.send(C2S, h.record())
    tls12_rest(c, rng, alpn="h2")
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h, alpn="h2"), {"tls.client.skipped_bytes": len(prefix)}))
    o.check(o.expect[-1]["match"], absent=["tls.server.skipped_bytes", "tls.server_plaintext", "tls.starttls"])


@capture("prefix_alone_both_sides.pcap")
def prefix_alone_both_sides(o, rng):
    """An 11-byte tunnel greeting in a segment of its own, then the
    ClientHello; the relay answers with its own line in a segment of its
    own, then the ServerHello. Both prefixes skipped and reported; no
    plaintext-server finding."""
    c = Conn("192.0.2.55", 45105, "198.51.100.55", 9000).handshake()
    prefix = b"X-TUNNEL/1\n"
    answer = b"X-TUNNEL/1 OK\n"
    assert len(prefix) == 11
    h = hello12(rng)
    c.send(C2S, prefix)
    c.send(C2S, h.record())
    c.send(S2C, answer)
    prefixes_both_sides_rest(o, c, h, rng, len(prefix), len(answer))


@capture("prefix_alone_not_tls.pcap")
def prefix_alone_not_tls(o, rng):
    """A short client first payload of no protocol, then more bytes that
    begin no TLS record, then the server's answer: held, then decided not
    TLS; no line."""
    c = Conn("192.0.2.56", 45106, "198.51.100.56", 9000).handshake()
    c.send(C2S, b"PING\n")
    c.send(C2S, b"status please, all of it\n")
    c.send(S2C, b"PONG all good\n")
    c.close()
    o.frames = frames_ether(c.segs)


# ===========================================================================
# tunnels: the same TLS 1.2 connection inside each encapsulation

INNER4 = ("10.10.1.5", 45000, "10.10.2.9", 443)
INNER6 = ("2001:db8:1::5", 45000, "2001:db8:2::9", 443)
OUTER = ("192.0.2.1", "192.0.2.2")


def inner_conn(rng, v6=False):
    c_ip, c_port, s_ip, s_port = INNER6 if v6 else INNER4
    c = Conn(c_ip, c_port, s_ip, s_port).handshake()
    h = hello12(rng, sni=b"inner.example.com")
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    return c, h


def outer_addrs(seg):
    return OUTER if seg.dir == C2S else OUTER[::-1]


def tunnel_capture(o, rng, wrap, ttype, tid, v6=False):
    c, h = inner_conn(rng, v6)
    o.frames = frames_tunnel(c.segs, wrap)
    e = tls12_expect(h)
    e.update({"network.tunnel.type": ttype, "network.tunnel.source_ip": OUTER[0],
              "network.tunnel.destination_ip": OUTER[1], "network.type": "ipv6" if v6 else "ipv4"})
    if tid is not None:
        e["network.tunnel.id"] = tid
    m = o.exp(c, e)
    if tid is None:
        o.check(m, absent=["network.tunnel.id"])


@capture("tunnel_gre_keyed.pcap")
def tunnel_gre_keyed(o, rng):
    """GRE with the K bit (key 0x00012345) carrying IPv4 directly (protocol
    0x0800); the outer addresses swap with the direction."""
    tunnel_capture(o, rng, lambda s, inner: gre(*outer_addrs(s), inner, key=0x12345), "gre", 0x12345)


@capture("tunnel_vxlan.pcap")
def tunnel_vxlan(o, rng):
    """VXLAN (UDP 4789, I flag, VNI 5001) carrying an Ethernet frame."""
    tunnel_capture(o, rng, lambda s, inner: vxlan(*outer_addrs(s), inner, 5001, sport=50000 + s.dir), "vxlan", 5001)


@capture("tunnel_geneve.pcap")
def tunnel_geneve(o, rng):
    """Geneve (UDP 6081, VNI 77) with one 8-byte option (class 0x0108, type 1,
    4 bytes of data, as AWS GWLB sends) before the inner Ethernet frame."""
    opt = geneve_option(0x0108, 0x01, b"\x00\x00\x12\x34")
    tunnel_capture(o, rng, lambda s, inner: geneve(*outer_addrs(s), inner, 77, opt, sport=50100 + s.dir),
                   "geneve", 77)


@capture("tunnel_gtpu.pcap")
def tunnel_gtpu(o, rng):
    """GTP-U (UDP 2152, G-PDU) with a different TEID per direction, as between
    an eNodeB and an SGW: the uplink TEID of the first packet (0x00abcdef) is
    the one reported."""
    tunnel_capture(o, rng, lambda s, inner: gtpu(*outer_addrs(s), inner, 0xABCDEF if s.dir == C2S else 0x123456),
                   "gtpu", 0xABCDEF)


@capture("tunnel_ipip.pcap")
def tunnel_ipip(o, rng):
    """IPv4 in IPv4 (protocol 4, RFC 2003): no tunnel id."""
    tunnel_capture(o, rng, lambda s, inner: ipip(*outer_addrs(s), inner), "ipip", None)


@capture("tunnel_6in4.pcap")
def tunnel_6in4(o, rng):
    """IPv6 in IPv4 (protocol 41, RFC 4213): the inner connection is IPv6,
    the tunnel addresses IPv4; no tunnel id."""
    tunnel_capture(o, rng, lambda s, inner: ipip(*outer_addrs(s), inner), "ipip", None, v6=True)


# ===========================================================================
# link layers

@capture("qinq.pcap")
def qinq(o, rng):
    """802.1ad QinQ: outer S-tag (TPID 0x88a8) VLAN 100, inner C-tag VLAN 200."""
    c = Conn("10.20.0.5", 46000, "10.20.0.9", 443).handshake()
    h = hello12(rng)
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs, tags=[(ETH_QINQ, 100), (ETH_VLAN, 200)])
    o.exp(c, merge(tls12_expect(h), {"network.vlan.id": "100", "network.inner.vlan.id": "200"}))


@capture("mpls2.pcap")
def mpls2(o, rng):
    """An MPLS label stack of two (labels 1000 and 2000, bottom of stack on the
    second) over IPv4."""
    c = Conn("10.30.0.5", 46001, "10.30.0.9", 443).handshake()
    h = hello12(rng)
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs, mpls=[1000, 2000])
    o.exp(c, tls12_expect(h))


@capture("linux_sll2.pcap")
def linux_sll2(o, rng):
    """Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276), as tcpdump -i any
    writes since libpcap 1.10."""
    o.linktype = LINKTYPE_LINUX_SLL2
    c = Conn("10.40.0.5", 46002, "10.40.0.9", 443).handshake()
    h = hello12(rng)
    c.send(C2S, h.record())
    tls12_rest(c, rng)
    o.frames = [(s.ts, sll2(s.ip_packet(i + 1), s.dir == C2S)) for i, s in enumerate(c.segs)]
    o.exp(c, tls12_expect(h))


@capture("bsd_loopback.pcap")
def bsd_loopback(o, rng):
    """BSD loopback (LINKTYPE_NULL, 0): a 4-byte AF_ value in the writer's byte
    order (little-endian here); one IPv4 (AF 2) and one IPv6 (AF 24)
    connection, both on the loopback addresses."""
    o.linktype = LINKTYPE_NULL
    c4 = Conn("127.0.0.1", 46003, "127.0.0.1", 8443).handshake()
    h4 = hello12(rng, sni=b"localhost")
    c4.send(C2S, h4.record())
    tls12_rest(c4, rng)
    c6 = Conn("::1", 46004, "::1", 8443, t0_us=1700000001000000).handshake()
    h6 = hello13(rng, sni=b"localhost")
    tls13_exchange(c6, rng, h6)
    segs = sorted(c4.segs + c6.segs, key=lambda s: s.ts)
    o.frames = [(s.ts, bsd_null(s.ip_packet(i + 1))) for i, s in enumerate(segs)]
    o.exp(c4, tls12_expect(h4))
    e6 = merge(hello_expect(h6), established_expect(0x0304, 0x1301, 0x001D), {"network.type": "ipv6"})
    o.exp(c6, e6)


# ===========================================================================
# TLS edge cases

@capture("ch_out_of_order_retrans.pcap")
def ch_out_of_order_retrans(o, rng):
    """A 1400-byte ClientHello in three TCP segments (300, 500, 600 bytes)
    delivered 3, 1, 2, then segment 2 again (retransmission) and segment 1
    again: the hello is reassembled whole, nothing is lost or marked."""
    c = Conn("192.0.2.30", 47000, "198.51.100.30", 443).handshake()
    h = hello12(rng, sni=b"ooo.example.com", padding_to=1400)
    data = h.record()
    base = c.nxt[C2S]
    sizes = [300, 500, len(data) - 800]
    offs = [0, 300, 800]
    segs = [c.make(C2S, TCP_ACK | TCP_PSH, data[off:off + n], seq=base + off) for off, n in zip(offs, sizes)]
    for i in (2, 0, 1):
        c.push(segs[i])
    c.push(c.make(C2S, TCP_ACK | TCP_PSH, data[300:800], seq=base + 300))
    c.push(c.make(C2S, TCP_ACK | TCP_PSH, data[0:300], seq=base))
    c.nxt[C2S] = (base + len(data)) & 0xFFFFFFFF
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    m = o.exp(c, tls12_expect(h))
    o.check(m, absent=["tls.truncated", "tls.malformed"],
            stats={"reassembly.out_of_order": [">=", 1], "reassembly.retransmissions": [">=", 2],
                   "reassembly.gaps": ["==", 0], "reassembly.overlap_conflicts": ["==", 0]})


@capture("ch_two_records.pcap")
def ch_two_records(o, rng):
    """One ClientHello handshake message fragmented over two TLS records
    (150 bytes, then the rest; RFC 5246 6.2.1 allows it), and the records cut
    across two TCP segments three bytes into the second record's header."""
    c = Conn("192.0.2.31", 47001, "198.51.100.31", 443).handshake()
    h = hello12(rng, sni=b"fragmented.example.com")
    msg = h.message()
    r1 = record(CT_HANDSHAKE, msg[:150], 0x0301)
    r2 = record(CT_HANDSHAKE, msg[150:], 0x0301)
    c.send(C2S, r1 + r2, sizes=[len(r1) + 3])
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    m = o.exp(c, tls12_expect(h))
    o.check(m, absent=["tls.truncated", "tls.malformed"])


@capture("tls13_hrr.pcap")
def tls13_hrr(o, rng):
    """TLS 1.3 with a HelloRetryRequest: the client offers an x25519 key share,
    the server asks for secp256r1 (HRR: the special random, supported_versions
    0x0304, key_share with the selected group only), the client sends a dummy
    ChangeCipherSpec and a second ClientHello with a secp256r1 share, the
    ServerHello completes with it. The report describes the first ClientHello
    and the group really used."""
    c = Conn("192.0.2.32", 47002, "198.51.100.32", 443).handshake()
    h1 = hello13(rng, sni=b"hrr.example.com")
    c.send(C2S, h1.record())
    hrr = server_hello(rng, 0x1301, session_id=h1.session_id, random=HRR_RANDOM,
                       exts=[(EXT_SUPPORTED_VERSIONS, u16(0x0304)), (EXT_KEY_SHARE, u16(0x0017))])
    c.send(S2C, record(CT_HANDSHAKE, hrr) + ccs())
    h2 = hello13(rng, sni=b"hrr.example.com", key_shares=((0x0017, 65),))
    h2.random = h1.random
    h2.session_id = h1.session_id
    c.send(C2S, ccs() + record(CT_HANDSHAKE, h2.message(), 0x0303))
    sh = server_hello(rng, 0x1301, session_id=h1.session_id, exts=tls13_server_exts(0x0017, 65, rng))
    c.send(S2C, record(CT_HANDSHAKE, sh) + encrypted(rng, CT_APPDATA, 1500) + encrypted(rng, CT_APPDATA, 90))
    c.send(C2S, encrypted(rng, CT_APPDATA, 53))
    c.send(C2S, encrypted(rng, CT_APPDATA, 120))
    c.send(S2C, encrypted(rng, CT_APPDATA, 300))
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h1), established_expect(0x0304, 0x1301, 0x0017),
              {"tls.server.hello_retry_request": True, "tls.resumed": False})
    m = o.exp(c, e)
    o.check(m, absent=["tls.server.key_exchange", "tls.malformed", "tls.truncated"])


@capture("tls12_dhe_1024.pcap")
def tls12_dhe_1024(o, rng):
    """TLS 1.2 with TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 and a 1024-bit DH prime
    (generator 2, a 1024-bit public value, signed rsa_pkcs1_sha256): the weak-dh
    finding (severity high: 1024 is not below 1024)."""
    c = Conn("192.0.2.33", 47003, "198.51.100.33", 443).handshake()
    h = hello12(rng, sni=b"dhe.example.com", ciphers=[0x009E, 0x0033, 0x0039, 0xC02F, 0x002F])
    c.send(C2S, h.record())
    tls12_rest(c, rng, cipher=0x009E, ske=ske_dhe(rng, 1024, 2, 0x0401), cke=client_key_exchange_dhe(rng))
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), established_expect(0x0303, 0x009E), {
        "tls.server.dh.prime_bits": 1024, "tls.server.dh.generator": 2, "tls.server.dh.public_bits": 1024,
        "tls.server.key_exchange": "DHE", "tls.server.kx_signature_algorithm": "rsa_pkcs1_sha256"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["weak-dh"]},
            finding_severity={"weak-dh": "high"}, absent=["tls.curve"])


def well_known_prime(bits, name):
    """A prime from tools/dh_groups.py's definitions (RFC 2409/3526/7919)."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
    import dh_groups
    return dh_groups.ffdhe(bits, {2048: 560316}[bits]) if name.startswith("ffdhe") else \
        dh_groups.modp(bits, {1024: 129093}[bits])


@capture("tls12_dhe_ffdhe2048.pcap")
def tls12_dhe_ffdhe2048(o, rng):
    """TLS 1.2 DHE whose prime is RFC 7919's ffdhe2048: the group is named,
    and, being a TLS named group, is tls.curve too; 2048 bits is neither weak
    nor a Logjam risk."""
    c = Conn("192.0.2.50", 47050, "198.51.100.50", 443).handshake()
    h = hello12(rng, sni=b"ffdhe.example.com", ciphers=[0x009E, 0xC02F])
    c.send(C2S, h.record())
    tls12_rest(c, rng, cipher=0x009E, ske=ske_dhe(rng, 2048, 2, 0x0401, prime=well_known_prime(2048, "ffdhe")),
               cke=client_key_exchange_dhe(rng, 256))
    o.frames = frames_ether(c.segs)
    m = o.exp(c, merge(hello_expect(h), established_expect(0x0303, 0x009E), {
        "tls.server.dh.prime_bits": 2048, "tls.server.dh.group": "ffdhe2048", "tls.curve": "ffdhe2048"}))
    o.check(m, lacks={"tls.findings[].id": ["weak-dh", "common-dh-prime"]})


@capture("tls12_dhe_oakley_1024.pcap")
def tls12_dhe_oakley_1024(o, rng):
    """TLS 1.2 DHE with RFC 2409's 1024-bit MODP prime (Oakley group 2, the
    prime Logjam showed shared by millions of servers): weak-dh, and
    common-dh-prime naming it; no tls.curve (not a TLS named group)."""
    c = Conn("192.0.2.51", 47051, "198.51.100.51", 443).handshake()
    h = hello12(rng, sni=b"oakley.example.com", ciphers=[0x0033, 0xC02F])
    c.send(C2S, h.record())
    tls12_rest(c, rng, cipher=0x0033, ske=ske_dhe(rng, 1024, 2, 0x0401, prime=well_known_prime(1024, "modp")),
               cke=client_key_exchange_dhe(rng))
    o.frames = frames_ether(c.segs)
    m = o.exp(c, merge(hello_expect(h), {"tls.server.dh.group": "modp_1024", "tls.server.dh.prime_bits": 1024}))
    o.check(m, contains={"tls.findings[].id": ["weak-dh", "common-dh-prime"]},
            finding_severity={"common-dh-prime": "high"},
            finding_message={"common-dh-prime": ["modp_1024", "CVE-2015-4000"]}, absent=["tls.curve"])


def builtin_prime(name):
    """A server's built-in prime from tools/dh_groups.py's BUILTIN list."""
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
    import dh_groups
    return int(next(p for n, _, _, p in dh_groups.BUILTIN if n == name), 16)


@capture("tls12_dhe_apache_1024.pcap")
def tls12_dhe_apache_1024(o, rng):
    """TLS 1.2 DHE with Apache httpd 2.2 mod_ssl's built-in 1024-bit prime (an
    httpd with no SSLOpenSSLConfCmd DHParameters): named apache_2.2_1024, and
    common-dh-prime names it."""
    c = Conn("192.0.2.52", 47052, "198.51.100.52", 443).handshake()
    h = hello12(rng, sni=b"apache.example.com", ciphers=[0x0033, 0xC02F])
    c.send(C2S, h.record())
    tls12_rest(c, rng, cipher=0x0033, ske=ske_dhe(rng, 1024, 2, 0x0401, prime=builtin_prime("apache_2.2_1024")),
               cke=client_key_exchange_dhe(rng))
    o.frames = frames_ether(c.segs)
    m = o.exp(c, merge(hello_expect(h), {"tls.server.dh.group": "apache_2.2_1024", "tls.server.dh.prime_bits": 1024}))
    o.check(m, contains={"tls.findings[].id": ["weak-dh", "common-dh-prime"]},
            finding_severity={"common-dh-prime": "high"},
            finding_message={"common-dh-prime": ["apache_2.2_1024", "CVE-2015-4000"]}, absent=["tls.curve"])


@capture("tls12_dhe_exim_2048.pcap")
def tls12_dhe_exim_2048(o, rng):
    """TLS 1.2 DHE with Exim's default 2048-bit prime: the group is named
    (exim_4.88_2048), but 2048 bits is no Logjam risk: no common-dh-prime."""
    c = Conn("192.0.2.53", 47053, "198.51.100.53", 25).handshake()
    h = hello12(rng, sni=b"mx.example.com", ciphers=[0x009E, 0xC02F])
    c.send(C2S, h.record())
    tls12_rest(c, rng, cipher=0x009E, ske=ske_dhe(rng, 2048, 2, 0x0401, prime=builtin_prime("exim_4.88_2048")),
               cke=client_key_exchange_dhe(rng, 256))
    o.frames = frames_ether(c.segs)
    m = o.exp(c, merge(hello_expect(h), {"tls.server.dh.group": "exim_4.88_2048", "tls.server.dh.prime_bits": 2048}))
    o.check(m, lacks={"tls.findings[].id": ["weak-dh", "common-dh-prime"]}, absent=["tls.curve"])


@capture("tls10_only_protocol_version_alert.pcap")
def tls10_only_protocol_version_alert(o, rng):
    """A legacy client that speaks only TLS 1.0 (Windows XP-era cipher list, no
    supported_versions) and a server that requires TLS 1.2 answering with a
    fatal protocol_version alert, then closing."""
    c = Conn("192.0.2.34", 1034, "198.51.100.34", 443).handshake()
    h = Hello(rng, version=0x0301, record_version=0x0301, ciphers=[0x0035, 0x002F, 0x000A, 0x0039, 0x0033],
              sni=b"legacy.example.net", ems=False, ticket=False, reneg=True)
    c.send(C2S, h.record())
    c.send(S2C, alert(2, 70, 0x0301))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {
        "@timestamp": "2023-11-14T22:13:20.001000Z",
        "event.end": "2023-11-14T22:13:20.005000Z",
        "event.reason": "alert", "tls.outcome": "alert", "tls.established": False,
        "tls.alert.level": "fatal", "tls.alert.description": "protocol_version", "tls.alert.code": 70,
        "tls.alert.sender": "server",
        "tls.legacy": True, "event.duration": 4000000,
        # Written at the alert, before the close: what was counted by then,
        # not ECS's whole-connection totals (those are left out).
        "source.counted_packets": 3, "source.counted_bytes": len(h.record()),
        "destination.counted_packets": 2, "destination.counted_bytes": 7})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["legacy-client", "version-mismatch"]},
            absent=["tls.cipher", "tls.negotiated_version", "source.bytes", "destination.packets",
                    "network.bytes"])


@capture("tls12_resumed_session_id.pcap")
def tls12_resumed_session_id(o, rng):
    """An abbreviated TLS 1.2 handshake resuming by session id: the ServerHello
    echoes the client's 32-byte session id and goes straight to
    ChangeCipherSpec and Finished (no Certificate)."""
    c = Conn("192.0.2.35", 47005, "198.51.100.35", 443).handshake()
    sid = bytes(rng.getrandbits(8) for _ in range(32))
    h = hello12(rng, sni=b"resume.example.com", session_id=sid)
    c.send(C2S, h.record())
    sh = server_hello(rng, TLS12_CIPHER, session_id=sid,
                      exts=[(EXT_RENEGOTIATION_INFO, b"\0"), (EXT_EMS, b""), (EXT_ALPN, vec16(vec8(b"h2")))])
    c.send(S2C, record(CT_HANDSHAKE, sh) + ccs() + encrypted(rng))
    c.send(C2S, ccs() + encrypted(rng))
    c.send(C2S, encrypted(rng, CT_APPDATA, 200))
    c.send(S2C, encrypted(rng, CT_APPDATA, 600))
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), established_expect(0x0303, TLS12_CIPHER), {"tls.resumed": True,
                                                                          "tls.next_protocol": "h2"})
    m = o.exp(c, e)
    o.check(m, absent=["tls.server.certificate_chain_length", "tls.curve"])


@capture("tls12_reset_in_handshake.pcap")
def tls12_reset_in_handshake(o, rng):
    """The client resets the connection after the server's first flight (as a
    client that dislikes the certificate does): outcome reset."""
    c = Conn("192.0.2.36", 47006, "198.51.100.36", 443).handshake()
    h = hello12(rng, sni=b"reset.example.com")
    tls12_exchange(c, rng, h, finish=False)
    c.rst(C2S)
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"event.reason": "reset", "tls.outcome": "reset", "tls.established": False,
                                "tls.negotiated_version": "TLSv1.2", "tls.cipher": CIPHER_NAMES[TLS12_CIPHER],
                                "tls.curve": "secp256r1", "tls.server.certificate_chain_length": 2,
                                "tls.closed_by": "client"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["client-closed-after-server-hello"]},
            finding_severity={"client-closed-after-server-hello": "high"})


@capture("tls10_server_resets_client_hello.pcap")
def tls10_server_resets_client_hello(o, rng):
    """A TLS 1.0-only client and a server with TLS 1.0 disabled that resets
    the connection on the ClientHello without an alert (as Windows Schannel
    does): the client reports "The underlying connection was closed"; the
    line says the server or a device in the path hung up (a firewall forges
    the same RST), why that happens and what tells the two apart."""
    c = Conn("192.0.2.40", 1040, "198.51.100.40", 443).handshake()
    h = Hello(rng, version=0x0301, record_version=0x0301, ciphers=[0x0035, 0x002F, 0x000A],
              sni=b"old-client.example.net", ems=False, ticket=False, reneg=True)
    c.send(C2S, h.record())
    c.rst(S2C)
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"event.reason": "reset", "tls.outcome": "reset", "tls.established": False,
                                "tls.closed_by": "server"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["legacy-client", "server-closed-after-client-hello"]},
            finding_severity={"server-closed-after-client-hello": "high"},
            finding_message={"server-closed-after-client-hello": ["the server or a device in the path", "IP TTL"]},
            absent=["tls.negotiated_version", "tls.alert"])


@capture("server_fin_then_client_alert.pcap")
def server_fin_then_client_alert(o, rng):
    """A server that shares no cipher suite with the client closes with a FIN
    and no alert (dovecot and other OpenSSL servers do); the OpenSSL client
    then sends a fatal decode_error alert, and the server's closed socket
    answers it with a RST. The server's close ended the handshake: outcome
    closed_during_handshake by the server, the alert kept as detail."""
    c = Conn("192.0.2.41", 47041, "198.51.100.41", 993).handshake()
    h = hello12(rng, sni=b"imap.example.net")
    c.send(C2S, h.record())
    c.fin(S2C)
    c.send(C2S, alert(2, 50))
    c.rst(S2C)
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"event.reason": "reset", "tls.outcome": "closed_during_handshake",
                                "tls.established": False, "tls.closed_by": "server",
                                "tls.alert.level": "fatal", "tls.alert.description": "decode_error",
                                "tls.alert.code": 50, "tls.alert.sender": "client",
                                "tls.alert.after_peer_close": True})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["server-closed-after-client-hello"]},
            finding_message={"server-closed-after-client-hello": ["the server closed the connection"]},
            absent=["tls.negotiated_version"])


@capture("tls_client_smtp_banner.pcap")
def tls_client_smtp_banner(o, rng):
    """A mail client configured for implicit TLS against a submission port
    that expects STARTTLS: the server's "220" banner comes first, then the
    client's ClientHello where SMTP wants EHLO; the server complains in
    plaintext and the client hangs up. The line has the ClientHello, the
    server's first words and the plaintext-server finding."""
    c = Conn("192.0.2.43", 47043, "198.51.100.43", 587).handshake()
    c.send(S2C, b"220 mail.example.net ESMTP Postfix (Debian/GNU)\r\n")
    h = hello12(rng, sni=b"mail.example.net")
    c.send(C2S, h.record())
    c.send(S2C, b"500 5.5.2 Error: bad syntax\r\n")
    c.fin(C2S)
    c.fin(S2C)
    o.frames = frames_ether(c.segs)
    # Written at the close: ECS's totals of the whole connection, counted
    # here from the segments themselves.
    totals = {}
    for d, side in ((C2S, "source"), (S2C, "destination")):
        totals[side + ".packets"] = sum(1 for g in c.segs if g.dir == d)
        totals[side + ".bytes"] = sum(len(g.payload) for g in c.segs if g.dir == d)
        totals[side + ".counted_packets"] = totals[side + ".packets"]
        totals[side + ".counted_bytes"] = totals[side + ".bytes"]
    totals["network.packets"] = len(c.segs)
    totals["network.bytes"] = sum(len(g.payload) for g in c.segs)
    totals["event.duration"] = (c.segs[-1].ts - c.segs[0].ts) * 1000
    e = merge(hello_expect(h), totals, {"event.reason": "fin", "tls.outcome": "closed_during_handshake",
                                        "tls.closed_by": "client", "tls.established": False,
                                        "tls.legacy": False,
                                        "tls.server_plaintext": "220 mail.example.net ESMTP Postfix (Debian/GNU)\r\n"
                                                                "500 5.5.2 Error: bad syntax\r\n"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["plaintext-server"]}, finding_severity={"plaintext-server": "high"},
            finding_message={"plaintext-server": ["STARTTLS", "implicit-TLS port"]},
            absent=["tls.starttls", "tls.alert", "tls.negotiated_version"],
            stats={"tls.plaintext_servers": ["==", 1]})


@capture("tls_client_http_server.pcap")
def tls_client_http_server(o, rng):
    """A TLS client whose ClientHello reaches a plain HTTP server, which
    answers it in plaintext (400 Bad Request) and closes: the server's
    answer, cut at 128 bytes, is on the line with the plaintext-server
    finding, and no finding blames the server's close."""
    c = Conn("192.0.2.44", 47044, "198.51.100.44", 8080).handshake()
    h = hello12(rng, sni=b"app.example.net")
    c.send(C2S, h.record())
    answer = (b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\nContent-Length: 150\r\n"
              b"Connection: close\r\n\r\n<html>\r\n<head><title>400 Bad Request</title></head>\r\n")
    c.send(S2C, answer)
    c.fin(S2C)
    c.fin(C2S)
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"tls.outcome": "closed_during_handshake", "tls.closed_by": "server",
                                "tls.server_plaintext": answer[:128].decode()})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["plaintext-server"]},
            lacks={"tls.findings[].id": ["server-closed-after-client-hello"]},
            absent=["tls.malformed", "tls.alert"], stats={"tls.plaintext_servers": ["==", 1]})


def tls12_until_client_finished(c, rng, h, cipher, ske, cke):
    """ClientHello, the server's full flight, the client's key exchange,
    ChangeCipherSpec and encrypted Finished: the handshake past its key
    exchange, waiting for the server's Finished."""
    tls12_exchange(c, rng, h, cipher=cipher, ske=ske, finish=False)
    c.send(C2S, record(CT_HANDSHAKE, cke) + ccs() + encrypted(rng))


@capture("tls12_dhe_encrypted_alert.pcap")
def tls12_dhe_encrypted_alert(o, rng):
    """A TLS 1.2 DHE handshake that reaches the client's Finished; the server
    changes cipher spec and answers with an encrypted alert (as a server that
    could not decrypt the client's Finished does: old Windows Schannel DHE
    bugs, a device that claims TLS 1.2 without implementing it). The alert is
    reported as an alert from the server, encrypted, with the finding that
    names both causes."""
    c = Conn("192.0.2.45", 47045, "198.51.100.45", 443).handshake()
    h = hello12(rng, sni=b"dhe-fail.example.com", ciphers=[0x009E, 0xC02F])
    tls12_until_client_finished(c, rng, h, 0x009E, ske_dhe(rng, 2048, 2, 0x0401), client_key_exchange_dhe(rng, 256))
    c.send(S2C, ccs() + encrypted(rng, CT_ALERT, 26))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"event.reason": "alert", "tls.outcome": "alert", "tls.established": False,
                                "tls.negotiated_version": "TLSv1.2", "tls.server.key_exchange": "DHE",
                                "tls.alert.sender": "server", "tls.alert.encrypted": True})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["failed-after-key-exchange"]},
            finding_severity={"failed-after-key-exchange": "high"},
            finding_message={"failed-after-key-exchange": ["an encrypted alert from the server",
                                                          "pin the version", "Windows Schannel"]},
            absent=["tls.alert.level", "tls.alert.description", "tls.alert.code"])


@capture("tls12_bad_record_mac.pcap")
def tls12_bad_record_mac(o, rng):
    """A TLS 1.2 ECDHE handshake that reaches the client's Finished; the
    server, before its own ChangeCipherSpec, sends a cleartext fatal
    bad_record_mac alert. failed-after-key-exchange without the DHE advice."""
    c = Conn("192.0.2.46", 47046, "198.51.100.46", 443).handshake()
    h = hello12(rng, sni=b"brm.example.com")
    tls12_until_client_finished(c, rng, h, TLS12_CIPHER, None, client_key_exchange_ecdhe(rng))
    c.send(S2C, alert(2, 20))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"tls.outcome": "alert", "tls.alert.level": "fatal",
                                "tls.alert.description": "bad_record_mac", "tls.alert.sender": "server"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["failed-after-key-exchange"]},
            finding_message={"failed-after-key-exchange": ["the server's bad_record_mac alert"]},
            absent=["tls.alert.encrypted"])


@capture("tls12_reset_after_client_finished.pcap")
def tls12_reset_after_client_finished(o, rng):
    """A TLS 1.2 handshake that reaches the client's Finished; the server
    resets the connection. failed-after-key-exchange names the reset; the
    client had accepted the certificate (it sent its Finished), so nothing
    says it rejected it."""
    c = Conn("192.0.2.47", 47047, "198.51.100.47", 443).handshake()
    h = hello12(rng, sni=b"rst-kx.example.com")
    tls12_until_client_finished(c, rng, h, TLS12_CIPHER, None, client_key_exchange_ecdhe(rng))
    c.rst(S2C)
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"tls.outcome": "reset", "tls.closed_by": "server"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["failed-after-key-exchange"]},
            finding_message={"failed-after-key-exchange": ["a reset from the server"]},
            lacks={"tls.findings[].id": ["client-closed-after-server-hello"]}, absent=["tls.alert"])


# A leaf signed ecdsa-with-SHA512 (P-256 key, valid 2023-2033), made once
# with the Python cryptography package and kept as bytes so that the
# captures stay deterministic.
CERT_ECDSA_SHA512 = base64.b64decode(
    "MIIBSzCB8aADAgECAgIFEjAKBggqhkjOPQQDBDAdMRswGQYDVQQDDBJFeGFtcGxlIFNIQS01MTIgQ0EwHhcNMjMwMTAxMDAwMDAw"
    "WhcNMzMwMTAxMDAwMDAwWjAdMRswGQYDVQQDDBJzaGE1MTIuZXhhbXBsZS5jb20wWTATBgcqhkjOPQIBBggqhkjOPQMBBwNCAAST"
    "M2H8cK0KdoHww7obYxIoD69T7RRjrU8cUzjE1UE+jVGY+DSz28Sn6lCvEXskpzw/FiKbGWwUF5ltM3GejK9doyEwHzAdBgNVHREE"
    "FjAUghJzaGE1MTIuZXhhbXBsZS5jb20wCgYIKoZIzj0EAwQDSQAwRgIhAKYV7nRYS7Pf+wjWljRL2Cs07G0s+NJo3YaA7ZmNYX73"
    "AiEA0NuWrahuWiOu4W9yIRIyj9MO/aooH9gccp9TMB8Ze7k=")


def ecdsa_server_rejected(c, rng, h, cert, sigalg):
    """The ClientHello, a TLS 1.2 ECDHE-ECDSA server flight with `cert` (or a
    chain, a list) and its key exchange signed `sigalg`, then the client hangs
    up (FIN)."""
    c.send(C2S, h.record())
    exts = [(EXT_RENEGOTIATION_INFO, b"\0"), (EXT_POINT_FORMATS, vec8(b"\0"))]
    c.send(S2C, records(CT_HANDSHAKE, server_hello(rng, 0xC02B, exts=exts) +
                        certificate12(chain=cert if isinstance(cert, list) else [cert]) +
                        ske_ecdhe(rng, sigalg=sigalg, sig_len=72) + server_hello_done()))
    c.fin(C2S)
    c.fin(S2C)


@capture("tls12_signature_not_offered.pcap")
def tls12_signature_not_offered(o, rng):
    """A TLS 1.2 client whose signature_algorithms lack every SHA-512 scheme
    (as Windows before its August 2014 update) and a server whose certificate
    is signed ecdsa-with-SHA512 and whose ServerKeyExchange is signed
    ecdsa_secp521r1_sha512: both are outside the client's offer (RFC 5246
    7.4.2, 7.4.3), and the client hangs up."""
    c = Conn("192.0.2.48", 47048, "198.51.100.48", 443).handshake()
    h = hello12(rng, sni=b"sha512.example.com", sigalgs=[0x0401, 0x0501, 0x0201, 0x0403, 0x0503, 0x0203])
    ecdsa_server_rejected(c, rng, h, CERT_ECDSA_SHA512, 0x0603)
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"tls.outcome": "closed_during_handshake", "tls.closed_by": "client",
                                "tls.server.certificate_name_matches": True,
                                "tls.server.x509.signature_algorithm": "ECDSA-SHA512",
                                "tls.server.kx_signature_algorithm": "ecdsa_secp521r1_sha512"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["certificate-signature-not-offered", "kx-signature-not-offered",
                                               "client-closed-after-server-hello"]},
            finding_message={"certificate-signature-not-offered": ["ECDSA-SHA512", "August 2014"],
                             "kx-signature-not-offered": ["ecdsa_secp521r1_sha512"]})


@capture("tls12_signature_offered.pcap")
def tls12_signature_offered(o, rng):
    """The same server with a client that offers ecdsa_secp521r1_sha512: no
    signature finding. (A certificate scheme offered only in
    signature_algorithms_cert also counts, RFC 8446 4.2.3.)"""
    c = Conn("192.0.2.49", 47049, "198.51.100.49", 443).handshake()
    h = hello12(rng, sni=b"sha512.example.com", sigalgs=[0x0401, 0x0403, 0x0603])
    tls12_exchange(c, rng, h, cipher=0xC02B, ske=ske_ecdhe(rng, sigalg=0x0603, sig_len=72), finish=False)
    o.frames = frames_ether(c.segs)
    m = o.exp(c, hello_expect(h))
    o.check(m, lacks={"tls.findings[].id": ["certificate-signature-not-offered", "kx-signature-not-offered"]})


# A chain whose intermediate is signed with SHA-512 (made once with the Python
# cryptography package like CERT_ECDSA_SHA512, keys not kept): leaf
# "chain.example.com" (P-256, ecdsa-with-SHA256) issued by "Example SHA512
# Intermediate CA" (P-256, sha512WithRSAEncryption) issued by the self-signed
# "Example SHA512 Root CA" (RSA 2048, sha512WithRSAEncryption), 2025-2035.
CERT_CHAIN_LEAF = base64.b64decode(
    "MIIBgDCCASagAwIBAgIBAzAKBggqhkjOPQQDAjBDMRgwFgYDVQQKDA9FeGFtcGxlIFRlc3QgQ0ExJzAlBgNVBAMMHkV4YW1wbGUg"
    "U0hBNTEyIEludGVybWVkaWF0ZSBDQTAeFw0yNTAxMDEwMDAwMDBaFw0zNTAxMDEwMDAwMDBaMC4xEDAOBgNVBAoMB0V4YW1wbGUx"
    "GjAYBgNVBAMMEWNoYWluLmV4YW1wbGUuY29tMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEL0yD7f6f8X9bZilK35WR8LWj6g2R"
    "R98tfDQFEVXALk0LKKX9uipEjCDYvxUTGSasyOkRzT1G/E/Dx/HKb0a9ZqMgMB4wHAYDVR0RBBUwE4IRY2hhaW4uZXhhbXBsZS5j"
    "b20wCgYIKoZIzj0EAwIDSAAwRQIgQdk4obVLOVDJun4hGvpT0Tv2594QpMXzd/uQDFT2SgICIQC3dBbVDZ2ymlf29dxwZQN2bJod"
    "R5ri5tk0n5xm9QRQzw==")
CERT_CHAIN_SHA512_INTERMEDIATE = base64.b64decode(
    "MIICRDCCASygAwIBAgIBAjANBgkqhkiG9w0BAQ0FADA7MRgwFgYDVQQKDA9FeGFtcGxlIFRlc3QgQ0ExHzAdBgNVBAMMFkV4YW1w"
    "bGUgU0hBNTEyIFJvb3QgQ0EwHhcNMjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAwMDAwWjBDMRgwFgYDVQQKDA9FeGFtcGxlIFRlc3Qg"
    "Q0ExJzAlBgNVBAMMHkV4YW1wbGUgU0hBNTEyIEludGVybWVkaWF0ZSBDQTBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABM9qVpd+"
    "z2yz2HTOifDRpTWW305kRbM6rG83/Mk7y/fNhJuzSNBl98xEP4H25thNL36hwftzbwOOwyd4WIDJx9WjFjAUMBIGA1UdEwEB/wQI"
    "MAYBAf8CAQAwDQYJKoZIhvcNAQENBQADggEBACA3va2QqtXxJv5ih10fts7IQk0axBYdBIh41M6O31XmxZt0lrQVCVI6fIHA+ARZ"
    "rv3FzEImrpLOLvmrjzrcDpwlCFcrPY6Pgl7AGjbSewGXYp5peGegUhTa8NzfAwbtfS1jfl9EKhpSTKdgGB2fjyEYUMEpX/XZSBsd"
    "8blQBF3TOyjl+Ttdoa3i1yFM/y71Rs8AebPeWwOTsEwkxJkWdajq8V1xL1+r9j4Knl5ajIRErvWE+B2ahG5y8Jj6rzrcvBLBKOJm"
    "KaVOBGbwt1jWd9dinIK9KBQgvGCR0uea2gUGytou1NNVslj//hkfSLEFRZslkI/tyOJ9DkSuGabIaYo=")
CERT_CHAIN_SHA512_ROOT = base64.b64decode(
    "MIIDBDCCAeygAwIBAgIBATANBgkqhkiG9w0BAQ0FADA7MRgwFgYDVQQKDA9FeGFtcGxlIFRlc3QgQ0ExHzAdBgNVBAMMFkV4YW1w"
    "bGUgU0hBNTEyIFJvb3QgQ0EwHhcNMjUwMTAxMDAwMDAwWhcNMzUwMTAxMDAwMDAwWjA7MRgwFgYDVQQKDA9FeGFtcGxlIFRlc3Qg"
    "Q0ExHzAdBgNVBAMMFkV4YW1wbGUgU0hBNTEyIFJvb3QgQ0EwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQDD5YU8QK6J"
    "hyvatNPsFahxpEFlkfx62mTB0uvE2j6GRx2tmWZp1ev8Gf6Rx/6H3iqTKgGyIAnrX9uNR+sZdxKqKuLEtDpdncN7okUuerOzNmJI"
    "IHv7wDkGAsMpB0JU6aRz7vsW5/VXArOgoqH4cRN4b+aYYpyCKPWH5gZIW8joWVZFTK7axrWaewrXL0+c46RL8rPBWFLOBSVTg1Ph"
    "sRiOa3RmFuNl/kOs6D0TnpEnRDo+d1NcH1cYDUjk8NR2TH8uCvhyY+4RGGGEpY5YMzo0/Uj1KeE1CokY8KmkSeLINaiNktcm7unp"
    "8UxekMdTABYiDANqsrArJUvgluwwnGm3AgMBAAGjEzARMA8GA1UdEwEB/wQFMAMBAf8wDQYJKoZIhvcNAQENBQADggEBABnBuKm5"
    "5qD+K2qUG9YakKc7RxIFj8JFzR7wAnBJ8cF0rdEB2E3pXQiQ8GYuLHUvNZSCAy+a0/rUP2G3y1BE3WNpEYLzzgL1TCENySAvsauk"
    "RzDPP6by38QqNY+xWgL+j78CTT6YHV3Y5I4YhCcZl4Y/PhUQia9xkbyz9MZl6MyWNL2ckEWuIcS0sZdy75MKwCAyCUhh7tOa8iIf"
    "B7b8cJFIsdh8aVOX7tJFA/jmX0edXFHVt8/1DKpCX8vLXkla6WGUtGaNOAqliFoxQ9RPh+0CxlkstlufK+wqzftssBFuOZ8BA/9/"
    "rF711UQw68FK4pX8SNAtuzUlSjfnlnE3Uy4=")


@capture("tls12_chain_signature_not_offered.pcap")
def tls12_chain_signature_not_offered(o, rng):
    """A TLS 1.2 client without SHA-512 schemes (Windows before August 2014)
    and a server whose leaf is signed ECDSA-SHA256 (offered) but whose
    intermediate is signed SHA512-RSA: the finding names the intermediate
    (certificate 2, its CN, its algorithm); the self-signed root the server
    appends, a trust anchor, is not judged though it is SHA-512 too."""
    c = Conn("192.0.2.54", 47054, "198.51.100.54", 443).handshake()
    h = hello12(rng, sni=b"chain.example.com", sigalgs=[0x0403, 0x0401, 0x0503, 0x0501, 0x0201, 0x0203])
    ecdsa_server_rejected(c, rng, h, [CERT_CHAIN_LEAF, CERT_CHAIN_SHA512_INTERMEDIATE, CERT_CHAIN_SHA512_ROOT],
                          0x0403)
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {"tls.outcome": "closed_during_handshake", "tls.closed_by": "client",
                                "tls.server.certificate_chain_length": 3,
                                "tls.server.x509.signature_algorithm": "ECDSA-SHA256"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["certificate-signature-not-offered"]},
            lacks={"tls.findings[].id": ["kx-signature-not-offered"]},
            finding_severity={"certificate-signature-not-offered": "high"},
            finding_message={"certificate-signature-not-offered": [
                "signature_algorithms(_cert): certificate 2 of the chain (\"Example SHA512 Intermediate CA\") with "
                "SHA512-RSA; clients that enforce it fail"]})


@capture("tls12_chain_signature_offered.pcap")
def tls12_chain_signature_offered(o, rng):
    """The same chain with a client that offers rsa_pkcs1_sha512: the
    intermediate's signature is allowed, no finding."""
    c = Conn("192.0.2.55", 47055, "198.51.100.55", 443).handshake()
    h = hello12(rng, sni=b"chain.example.com", sigalgs=[0x0403, 0x0401, 0x0503, 0x0501, 0x0601])
    ecdsa_server_rejected(c, rng, h, [CERT_CHAIN_LEAF, CERT_CHAIN_SHA512_INTERMEDIATE, CERT_CHAIN_SHA512_ROOT],
                          0x0403)
    o.frames = frames_ether(c.segs)
    m = o.exp(c, merge(hello_expect(h), {"tls.server.certificate_chain_length": 3}))
    o.check(m, lacks={"tls.findings[].id": ["certificate-signature-not-offered", "kx-signature-not-offered"]})


# A leaf whose only subjectAltName is "*.example.net" (CN wildcard.example.net,
# P-256, valid 2023-2033), made once like CERT_ECDSA_SHA512.
CERT_WILDCARD = base64.b64decode(
    "MIIBRzCB7qADAgECAgEqMAoGCCqGSM49BAMCMB4xHDAaBgNVBAMME0V4YW1wbGUgV2lsZGNhcmQgQ0EwHhcNMjMwMTAxMDAwMDAw"
    "WhcNMzMwMTAxMDAwMDAwWjAfMR0wGwYDVQQDDBR3aWxkY2FyZC5leGFtcGxlLm5ldDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA"
    "BLAXnjRXXk/1V1yT1a3GZ9flonkcEICrrJB3DVbjqi4BDMIJ27C+4cVQ91bdXvlDjl2ywl+cbU+u2BOraPOlneqjHDAaMBgGA1Ud"
    "EQQRMA+CDSouZXhhbXBsZS5uZXQwCgYIKoZIzj0EAwIDSAAwRQIhAJveGexPUcDNJ++sOLtDSYnfQ0ODNUw0g0myhfyenyxhAiBh"
    "EhUXxNa80IW955b5q6wITIbBQhiWxqW+wB1Fp827DA==")


# A self-signed leaf whose subjectAltNames are a DNS name, an IPv4 and an
# IPv6 address (P-256, valid 2023-2033), made once like CERT_ECDSA_SHA512.
CERT_IP_SANS = base64.b64decode(
    "MIIBZjCCAQugAwIBAgIBBzAKBggqhkjOPQQDAjAeMRwwGgYDVQQDDBNwcmludGVyLmV4YW1wbGUubmV0MB4XDTIzMDEwMTAwMDAw"
    "MFoXDTMzMDEwMTAwMDAwMFowHjEcMBoGA1UEAwwTcHJpbnRlci5leGFtcGxlLm5ldDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IA"
    "BLlzHtnYgl4C+hyUeXl9mRErWx53etbZdP9p2zRc5Sxi99QgP4fEVG/O9m/xpFkliSrVJ2j4xBv6Eoa3M1Iz/LSjOjA4MDYGA1Ud"
    "EQQvMC2CE3ByaW50ZXIuZXhhbXBsZS5uZXSHBMAAAsiHECABDbgAAAAAAAAAAAAAAMgwCgYIKoZIzj0EAwIDSQAwRgIhAKx5njrO"
    "+cjgFn7p1kHm0LKy3tU8fGksTS9KEUB2AXf1AiEA0M2ImNLpyETzbkU5z18QwGQgYLAUqE8kPj+ExhTSUq0=")


@capture("certificate_ip_sans.pcap")
def certificate_ip_sans(o, rng):
    """A device certificate (as printers and appliances carry) whose
    subjectAltNames hold a DNS name and two IP addresses: the addresses are
    reported beside the DNS name."""
    c = Conn("192.0.2.54", 47070, "192.0.2.200", 443).handshake()
    h = hello12(rng, sni=b"printer.example.net")
    ecdsa_server_rejected(c, rng, h, CERT_IP_SANS, 0x0403)
    o.frames = frames_ether(c.segs)
    o.exp(c, {"tls.server.x509.alternative_names": ["printer.example.net"],
              "tls.server.x509.alternative_ip_addresses": ["192.0.2.200", "2001:db8::c8"],
              "tls.server.certificate_name_matches": True})


@capture("certificate_names.pcap")
def certificate_names(o, rng):
    """A server whose certificate names only *.example.net (its subject CN,
    wildcard.example.net, is not consulted when there are SANs), asked for
    four names (RFC 6125 6.4): API.Example.NET matches (one label, any case),
    wildcard.example.net matches through the wildcard; a.b.example.net (two
    labels) and example.net (none) do not, and get
    certificate-name-mismatch."""
    segs = []
    for i, (sni, ok) in enumerate([(b"API.Example.NET", True), (b"a.b.example.net", False), (b"example.net", False),
                                   (b"wildcard.example.net", True)]):
        c = Conn("192.0.2.52", 47052 + i, "198.51.100.52", 443, t0_us=1700000400000000 + i * 100000).handshake()
        h = hello12(rng, sni=sni)
        ecdsa_server_rejected(c, rng, h, CERT_WILDCARD, 0x0403)
        segs += c.segs
        m = o.exp(c, {"tls.client.server_name": sni.decode(), "tls.server.certificate_name_matches": ok})
        if ok:
            o.check(m, lacks={"tls.findings[].id": ["certificate-name-mismatch"]})
        else:
            o.check(m, contains={"tls.findings[].id": ["certificate-name-mismatch"]},
                    finding_severity={"certificate-name-mismatch": "high"})
    o.frames = frames_ether(segs)


def certificate_request12(cas=()):
    """CertificateRequest (RFC 5246 7.4.4): rsa_sign and ecdsa_sign, three
    signature algorithms, the acceptable CAs' names."""
    return handshake(13, vec8(b"\x01\x40") + vec16(u16(0x0401) + u16(0x0403) + u16(0x0804)) +
                     vec16(b"".join(vec16(n) for n in cas)))


def mtls_server_flight(rng):
    return records(CT_HANDSHAKE, server_hello(rng, TLS12_CIPHER, exts=[(EXT_RENEGOTIATION_INFO, b"\0")]) +
                   certificate12(rng) + ske_ecdhe(rng) + certificate_request12() + server_hello_done())


# CERT_LEAF as `openssl x509 -inform der -noout -subject -fingerprint -sha256`
# prints it (an independent reading of the bytes).
CERT_LEAF_SUBJECT_CN = "www.example.com"
CERT_LEAF_SHA256 = "8497F4ADD1DE4FDCD78DFE530DE41E5AA9CE40A138385A3E6981C00B60CC1BDF"


@capture("tls12_client_cert_missing.pcap")
def tls12_client_cert_missing(o, rng):
    """Mutual TLS where the client has no certificate: the server's flight
    carries a CertificateRequest, the client answers with an empty
    Certificate message, and the server ends the handshake with a fatal
    handshake_failure. The classic "Could not create SSL/TLS secure channel"
    of a service account without its certificate."""
    c = Conn("192.0.2.37", 47007, "198.51.100.37", 443).handshake()
    h = hello12(rng, sni=b"mtls.example.com")
    c.send(C2S, h.record())
    c.send(S2C, mtls_server_flight(rng))
    c.send(C2S, records(CT_HANDSHAKE, certificate12(rng, chain=[]) + client_key_exchange_ecdhe(rng)) + ccs() +
           encrypted(rng))
    c.send(S2C, alert(2, 40))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {
        "event.reason": "alert", "tls.outcome": "alert", "tls.established": False,
        "tls.alert.level": "fatal", "tls.alert.description": "handshake_failure", "tls.alert.sender": "server",
        "tls.server.certificate_requested": True, "tls.client.certificate_chain_length": 0})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["client-certificate-missing", "no-common-parameters"]},
            finding_severity={"client-certificate-missing": "high"}, absent=["tls.client.x509", "tls.client.hash"])


@capture("tls12_client_cert.pcap")
def tls12_client_cert(o, rng):
    """Mutual TLS that succeeds: the client sends a one-certificate chain, its
    leaf reported like the server's under tls.client.x509 / tls.client.hash
    (ECS names). The certificate's notBefore is after the capture's time, so
    the client-certificate-not-yet-valid finding is due too."""
    c = Conn("192.0.2.38", 47008, "198.51.100.38", 443).handshake()
    h = hello12(rng, sni=b"mtls.example.com")
    c.send(C2S, h.record())
    c.send(S2C, mtls_server_flight(rng))
    c.send(C2S, records(CT_HANDSHAKE, certificate12(rng, chain=[CERT_LEAF]) + client_key_exchange_ecdhe(rng) +
                        handshake(15, u16(0x0804) + vec16(bytes(256)))) + ccs() + encrypted(rng))
    c.send(S2C, ccs() + encrypted(rng))
    c.send(C2S, encrypted(rng, CT_APPDATA, 120))
    c.send(S2C, encrypted(rng, CT_APPDATA, 300))
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), established_expect(0x0303, TLS12_CIPHER, TLS12_CURVE), {
        "tls.server.certificate_requested": True, "tls.client.certificate_chain_length": 1,
        "tls.client.x509.subject.common_name": CERT_LEAF_SUBJECT_CN, "tls.client.hash.sha256": CERT_LEAF_SHA256})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["client-certificate-not-yet-valid"]})


@capture("tls12_warning_then_fatal_alert.pcap")
def tls12_warning_then_fatal_alert(o, rng):
    """A server that answers an unknown SNI with a warning unrecognized_name
    alert before its ServerHello (as some Apache/OpenSSL set-ups do), then a
    client that rejects the certificate with a fatal certificate_unknown: the
    report keeps the fatal alert, which says why the handshake failed."""
    c = Conn("192.0.2.39", 47009, "198.51.100.39", 443).handshake()
    h = hello12(rng, sni=b"unknown-name.example.com")
    c.send(C2S, h.record())
    c.send(S2C, alert(1, 112) + records(CT_HANDSHAKE, server_hello(rng, TLS12_CIPHER) + certificate12(rng) +
                                        ske_ecdhe(rng) + server_hello_done()))
    c.send(C2S, alert(2, 46))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(hello_expect(h), {
        "event.reason": "alert", "tls.outcome": "alert", "tls.established": False,
        "tls.alert.level": "fatal", "tls.alert.description": "certificate_unknown", "tls.alert.code": 46,
        "tls.alert.sender": "client"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["certificate-rejected"]})


@capture("seq_wraparound.pcap")
def seq_wraparound(o, rng):
    """Sequence numbers wrap around 2^32 inside the ClientHello (client ISN
    0xffffff80: its first segment crosses the wrap) and inside the server's
    first flight (server ISN 0xfffffc00)."""
    c = Conn("192.0.2.37", 47007, "198.51.100.37", 443, cisn=0xFFFFFF80, sisn=0xFFFFFC00).handshake()
    h = hello12(rng, sni=b"wrap.example.com", padding_to=512)
    c.send(C2S, h.record(), sizes=[300])
    assert c.segs[-2].seq > 0xFFFFFF00 and c.segs[-1].seq < 0x1000
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    m = o.exp(c, tls12_expect(h))
    o.check(m, absent=["tls.truncated", "tls.malformed"], stats={"reassembly.gaps": ["==", 0]})


@capture("seq_wraparound_out_of_order.pcap")
def seq_wraparound_out_of_order(o, rng):
    """As seq_wraparound, but the ClientHello's second segment (sequence
    numbers just past 0) arrives before its first (just below 2^32): holding
    and ordering must compare modulo 2^32."""
    c = Conn("192.0.2.38", 47008, "198.51.100.37", 443, cisn=0xFFFFFF80, sisn=0x7FFFFFF0).handshake()
    h = hello12(rng, sni=b"wrap-ooo.example.com", padding_to=512)
    data = h.record()
    base = c.nxt[C2S]
    first = c.make(C2S, TCP_ACK | TCP_PSH, data[:300], seq=base)
    second = c.make(C2S, TCP_ACK | TCP_PSH, data[300:], seq=base + 300)
    assert first.seq > 0xFFFFFF00 and second.seq < 0x1000
    c.push(second)
    c.push(first)
    c.nxt[C2S] = (base + len(data)) & 0xFFFFFFFF
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    m = o.exp(c, tls12_expect(h))
    o.check(m, absent=["tls.truncated", "tls.malformed"],
            stats={"reassembly.gaps": ["==", 0], "reassembly.out_of_order": ["==", 1]})


@capture("http_connect_pipelined.pcap")
def http_connect_pipelined(o, rng):
    """HTTP CONNECT whose client sends the ClientHello in the same segment as
    the request, before the proxy's 200 (clients that pipeline the tunnel's
    first bytes): the hello is TLS all the same."""
    c = Conn("192.0.2.20", 43129, "198.51.100.31", 8080).handshake()
    h = hello12(rng, sni=b"pipelined.example.com")
    c.send(C2S, b"CONNECT pipelined.example.com:443 HTTP/1.1\r\nHost: pipelined.example.com:443\r\n\r\n" +
           h.record())
    c.send(S2C, b"HTTP/1.1 200 OK\r\n\r\n")
    tls12_rest(c, rng)
    o.frames = frames_ether(c.segs)
    o.exp(c, merge(tls12_expect(h), starttls_expect("http")))


@capture("tiny_segments.pcap")
def tiny_segments(o, rng):
    """Every framing state split at every byte: a PROXY v2 header and the
    first 60 bytes of the ClientHello in 1-byte segments; an IMAP STARTTLS
    dialogue with both sides in 1-byte segments; a TDS PRELOGIN exchange in
    1-byte segments and the TDS-wrapped server flight in 3-, 5- and 7-byte
    pieces (cutting the TDS header, the record header and the handshake
    header)."""
    segs = []
    # PROXY v2
    c = Conn("10.0.0.5", 33010, "10.0.0.80", 443, t0_us=1700000000000000).handshake()
    h = hello12(rng, sni=b"tiny-proxy.example.com")
    hdr = proxy_v2("203.0.113.9", "198.51.100.1", 40009, 443, tlvs=[(0x02, b"tiny-proxy.example.com")],
                   with_crc=True)
    c.send(C2S, hdr + h.record(), sizes=[1] * (len(hdr) + 60))
    tls12_rest(c, rng)
    segs += c.segs
    o.exp(c, merge(tls12_expect(h), {"client.ip": "203.0.113.9", "client.port": 40009,
                                     "client.address_source": "proxy_v2"}))

    def bytewise(conn, d, data):
        conn.send(d, data, sizes=[1] * len(data))

    # IMAP
    c = Conn("192.0.2.21", 40144, "198.51.100.143", 143, t0_us=1700000010000000).handshake()
    bytewise(c, S2C, b"* OK IMAP4rev1 ready\r\n")
    bytewise(c, C2S, b"x1 STARTTLS\r\n")
    bytewise(c, S2C, b"x1 OK Begin TLS\r\n")
    h = hello12(rng, sni=b"tiny-imap.example.com")
    c.send(C2S, h.record(), sizes=[1] * 40)
    tls12_rest(c, rng)
    segs += c.segs
    o.exp(c, merge(tls12_expect(h), starttls_expect("imap")))
    # TDS
    c = Conn("192.0.2.22", 41434, "198.51.100.14", 1433, t0_us=1700000020000000).handshake()
    bytewise(c, C2S, tds_packet(0x12, prelogin([(0x00, bytes.fromhex("0f0007d00000")), (0x01, b"\x01")])))
    bytewise(c, S2C, tds_packet(0x04, prelogin([(0x00, bytes.fromhex("0f0010fa0000")), (0x01, b"\x01")])))
    h = hello12(rng, sni=b"tiny-tds.example.com")
    bytewise(c, C2S, tds_packet(0x12, h.record()))
    flight = records(CT_HANDSHAKE, server_hello(rng, TLS12_CIPHER, exts=[(EXT_RENEGOTIATION_INFO, b"\0")]) +
                     certificate12(rng) + ske_ecdhe(rng) + server_hello_done())
    c.send(S2C, tds_packet(0x12, flight), sizes=[3, 5, 7] * 3)
    c.send(C2S, tds_packet(0x12, record(CT_HANDSHAKE, client_key_exchange_ecdhe(rng)) + ccs() + encrypted(rng)))
    c.send(S2C, tds_packet(0x12, ccs() + encrypted(rng)))
    segs += c.segs
    e = merge(hello_expect(h), established_expect(0x0303, TLS12_CIPHER, TLS12_CURVE), starttls_expect("tds"))
    e["tls.server.certificate_chain_length"] = 2
    o.exp(c, e)
    o.frames = frames_ether(sorted(segs, key=lambda s: s.ts))


# ===========================================================================
# hostile strings (--hostile)

HOSTILE_SNIS = [
    # (label, bytes)
    ("quotes_backslashes", b'a"b\\c.example\\"\\\\x'),
    ("control_chars", b"\x01\x02\x08\t\n\x0b\x0c\r\x1b[31mred\x1b[0m\x7f.example"),
    ("nul", b"evil.example\x00.good.example"),
    ("lone_continuation", b"\x80\xbf\x80x.example"),
    ("overlongs", b"\xc0\xaf\xc1\xbf\xe0\x80\xaf\xf0\x80\x80\xaf.example"),
    ("surrogates", b"\xed\xa0\x80\xed\xbf\xbf\xed\xa0\xbd\xed\xb8\x80.example"),
    ("above_10ffff_and_f5ff", b"\xf4\x90\x80\x80\xf5\xf8\xfc\xfe\xff.example"),
    ("truncated_sequences", b"\xe2\x82.\xf0\x9f\x98.\xc3"),
    ("valid_multibyte", "bücher.例え.テスト.\U0001d11e.example".encode()),
    ("mixed", b'\xc3\xa9"\\\x00\xff\xe2\x82\xac\xed\xa0\x80\x7f\xc3'),
    ("max_255_valid", ("é" * 127).encode() + b"x"),
    ("long_300_cut_in_utf8", b"a" * 254 + "€".encode() + b"b" * 43),
    ("long_65000", b"z" * 65000),
]

HOSTILE_ALPN = [
    ("quotes_nul_ctl", [b'h2"', b"\\", b"\x00", b"\x1f\x7f", b"\xff\xfe", b"\xed\xa0\x80", b"http/1.1"]),
    ("max_255_name", [b"A" * 252 + b"\xe2\x82\xac"]),
    ("255_name_then_more", [b"B" * 254 + b"\xc3", b"h2", b"http/1.1"]),
    ("many_entries", [("p%02d" % i).encode() for i in range(40)]),
]


def hostile_hello_conn(rng, i, sni=None, alpn=(), server_alpn=None):
    c = Conn("192.0.2.%d" % (100 + i // 200), 50000 + i, "198.51.100.200", 443,
             t0_us=1700000100000000 + i * 100000).handshake()
    h = hello12(rng, sni=sni, alpn=alpn)
    c.send(C2S, h.record())
    tls12_rest(c, rng, alpn=server_alpn)
    return c, h


def sni_stored(b):
    """tlsscope keeps the first 256 bytes of a server name."""
    return b[:256]


def alpn_stored(names):
    """tlsscope keeps the first 32 ALPN names within 256 bytes of <len><name>."""
    out, used = [], 0
    for n in names[:32]:
        if used + 1 + len(n) > 256:
            break
        out.append(n)
        used += 1 + len(n)
    return out


def dec(b):
    return b.decode("utf-8", "replace")


@capture("hostile_server_names.pcap", hostile=True)
def hostile_server_names(o, rng):
    """One TLS 1.2 connection per hostile server name: JSON metacharacters,
    control characters and DEL, NUL, every kind of invalid UTF-8 (lone
    continuation bytes, overlongs, surrogates, code points above U+10FFFF,
    F5-FF, sequences cut short), valid multi-byte text, the 255-byte maximum,
    a 300-byte name cut by tlsscope inside a UTF-8 sequence, and a 65000-byte
    name (the extension fills most of a record)."""
    segs = []
    for i, (label, sni) in enumerate(HOSTILE_SNIS):
        c, h = hostile_hello_conn(rng, i, sni=sni)
        segs += c.segs
        o.exp(c, {"tls.client.server_name": dec(sni_stored(sni)), "tls.outcome": "established"})
    o.frames = frames_ether(sorted(segs, key=lambda s: s.ts))


@capture("hostile_alpn.pcap", hostile=True)
def hostile_alpn(o, rng):
    """Hostile ALPN lists offered by the client, and a hostile protocol name
    selected by the server: JSON metacharacters, NUL, control bytes, invalid
    UTF-8, a 255-byte name ending in a 3-byte UTF-8 character, a 255-byte
    name followed by more names, and 40 names."""
    segs = []
    for i, (label, names) in enumerate(HOSTILE_ALPN):
        c, h = hostile_hello_conn(rng, i, sni=label.encode(), alpn=names)
        segs += c.segs
        o.exp(c, {"tls.client.alpn": [dec(n) for n in alpn_stored(names)], "tls.outcome": "established"})
    for j, sel in enumerate([b'h2"\\\x00\x01\xff', b"Z" * 254 + b"\xf0"]):
        c = Conn("192.0.2.150", 51000 + j, "198.51.100.200", 443, t0_us=1700000200000000 + j * 100000).handshake()
        h = hello12(rng, sni=b"server-alpn.example", alpn=[sel])
        c.send(C2S, h.record())
        tls12_rest(c, rng, alpn=sel)
        segs += c.segs
        o.exp(c, {"tls.next_protocol": dec(sel), "tls.client.alpn": [dec(sel)], "tls.outcome": "established"})
    o.frames = frames_ether(sorted(segs, key=lambda s: s.ts))


HOSTILE_REPLIES = [
    ("smtp", b'454 4.7.0 "quoted" back\\slash \x00 nul \x01\x1b[2J esc \x7f del \xff\xfe bad \xc0\xaf over '
             b"\xed\xa0\x80 surrogate \xe2\x82\xac euro\r\n"),
    ("smtp_long", b"454-" + b"\xe2\x82\xac" * 60 + b"\r\n454 " + b"\x00" * 30 + b"\r\n"),
    ("imap", b'a1 NO [UNAVAILABLE] "\\\x00\x08\x0c\xf4\x90\x80\x80\xe0\x80\xaf\r\n'),
    ("http", b'HTTP/1.1 407 Proxy "Auth" \\ Required\x00\xff\r\n'
             b'Proxy-Authenticate: Basic realm="\xc3\xa9\xed\xa0\x80\x01"\r\n\r\n'),
]


@capture("hostile_starttls_replies.pcap", hostile=True)
def hostile_starttls_replies(o, rng):
    """STARTTLS refusals whose reply text carries quotes, backslashes, NUL,
    control bytes, ANSI escapes, DEL and invalid UTF-8: SMTP 454, a multi-line
    SMTP 454 whose 200-byte cut falls inside a UTF-8 character, IMAP NO, and an
    HTTP CONNECT 407 (status line and headers are the reply)."""
    segs = []
    for i, (kind, reply) in enumerate(HOSTILE_REPLIES):
        port = {"smtp": 25, "smtp_long": 25, "imap": 143, "http": 3128}[kind]
        c = Conn("192.0.2.160", 52000 + i, "198.51.100.201", port, t0_us=1700000300000000 + i * 100000).handshake()
        if kind.startswith("smtp"):
            c.send(S2C, b"220 mx.example ESMTP\r\n")
            c.send(C2S, b"EHLO x\r\n")
            c.send(S2C, b"250-mx.example\r\n250 STARTTLS\r\n")
            c.send(C2S, b"STARTTLS\r\n")
            proto = "smtp"
        elif kind == "imap":
            c.send(S2C, b"* OK ready\r\n")
            c.send(C2S, b"a1 STARTTLS\r\n")
            proto = "imap"
        else:
            c.send(C2S, b"CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n")
            proto = "http"
        c.send(S2C, reply)
        c.close()
        segs += c.segs
        o.exp(c, {"tls.outcome": "starttls_refused", "tls.starttls": proto,
                  "tls.starttls_reply": dec(reply[:200])})
    o.frames = frames_ether(sorted(segs, key=lambda s: s.ts))


# ===========================================================================
# SSL 2.0 (the Netscape SSL 2.0 specification: 2-byte record headers with the
# high bit set; messages CLIENT-HELLO 1, CLIENT-MASTER-KEY 2, SERVER-HELLO 4,
# ERROR 0; everything after the keys are set is encrypted)

SSL2_RC4_128_WITH_MD5 = 0x010080
SSL2_RC4_128_EXPORT40_WITH_MD5 = 0x020080
SSL2_DES_192_EDE3_CBC_WITH_MD5 = 0x0700C0
SSL2_NAMES = {SSL2_RC4_128_WITH_MD5: "SSL2_RC4_128_WITH_MD5",
              SSL2_RC4_128_EXPORT40_WITH_MD5: "SSL2_RC4_128_EXPORT40_WITH_MD5",
              SSL2_DES_192_EDE3_CBC_WITH_MD5: "SSL2_DES_192_EDE3_CBC_WITH_MD5",
              0x00002F: "TLS_RSA_WITH_AES_128_CBC_SHA", 0x00000A: "TLS_RSA_WITH_3DES_EDE_CBC_SHA"}
# Past CERT_LEAF's notBefore (2026-11-23): the certificate is valid then.
SSL2_T0 = 1800000000000000


def ssl2_record(body):
    return u16(0x8000 | len(body)) + body


def ssl2_client_hello(rng, kinds, version=0x0002, session_id=b""):
    challenge = bytes(rng.getrandbits(8) for _ in range(16))
    specs = b"".join(u24(k) for k in kinds)
    return ssl2_record(b"\x01" + u16(version) + u16(len(specs)) + u16(len(session_id)) + u16(len(challenge)) +
                       specs + session_id + challenge)


def ssl2_server_hello(rng, kinds, cert=CERT_LEAF, hit=False):
    cid = bytes(rng.getrandbits(8) for _ in range(16))
    specs = b"".join(u24(k) for k in kinds)
    return ssl2_record(b"\x04" + u8(1 if hit else 0) + u8(1) + u16(0x0002) + u16(len(cert)) + u16(len(specs)) +
                       u16(len(cid)) + cert + specs + cid)


def ssl2_client_master_key(rng, kind, clear=0, encrypted_len=256):
    clear_key = bytes(rng.getrandbits(8) for _ in range(clear))
    key = bytes(rng.getrandbits(8) for _ in range(encrypted_len))
    return ssl2_record(b"\x02" + u24(kind) + u16(clear) + u16(encrypted_len) + u16(0) + clear_key + key)


def ssl2_encrypted(rng, n=33):
    """An encrypted record: 16 bytes of MD5 MAC and the message, all opaque."""
    return ssl2_record(bytes(rng.getrandbits(8) for _ in range(n)))


def ssl2_error(code):
    return ssl2_record(b"\x00" + u16(code))


def ssl2_hello_expect(kinds, version=0x0002):
    return {"tls.client.sslv2_hello": True, "tls.client.record_version": "SSLv2",
            "tls.client.legacy_version": VERSION_NAMES.get(version, "SSLv2"),
            "tls.client.supported_ciphers": [SSL2_NAMES[k] for k in kinds]}


@capture("sslv2_session.pcap")
def sslv2_session(o, rng):
    """A whole SSL 2.0 session: the client's CLIENT-HELLO, the server's
    SERVER-HELLO with its certificate (the leaf www.example.com, one
    certificate: SSL 2.0 has no chains) and two cipher kinds, the client's
    CLIENT-MASTER-KEY choosing RC4-128, then encrypted records both ways
    (CLIENT-FINISHED, SERVER-VERIFY, SERVER-FINISHED, data; the server's
    split over two segments). Negotiated SSLv2 with the certificate's facts,
    the chosen kind as tls.cipher, established, and the critical
    sslv2-negotiated finding (DROWN)."""
    c = Conn("192.0.2.70", 47200, "198.51.100.70", 443, t0_us=SSL2_T0).handshake()
    kinds = [SSL2_RC4_128_WITH_MD5, SSL2_DES_192_EDE3_CBC_WITH_MD5, SSL2_RC4_128_EXPORT40_WITH_MD5]
    c.send(C2S, ssl2_client_hello(rng, kinds))
    sh = ssl2_server_hello(rng, [SSL2_RC4_128_WITH_MD5, SSL2_DES_192_EDE3_CBC_WITH_MD5])
    c.send(S2C, sh, sizes=[700])
    c.send(C2S, ssl2_client_master_key(rng, SSL2_RC4_128_WITH_MD5) + ssl2_encrypted(rng))
    c.send(S2C, ssl2_encrypted(rng) + ssl2_encrypted(rng, 50))
    c.send(C2S, ssl2_encrypted(rng, 300))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(ssl2_hello_expect(kinds), {
        "event.reason": "handshake_done", "tls.established": True, "tls.outcome": "established",
        "tls.negotiated_version": "SSLv2", "tls.version": "2.0", "tls.version_protocol": "ssl",
        "tls.cipher": "SSL2_RC4_128_WITH_MD5", "tls.resumed": False,
        "tls.server.version": "SSLv2", "tls.server.record_version": "SSLv2", "tls.server.key_exchange": "RSA",
        "tls.server.supported_ciphers": ["SSL2_RC4_128_WITH_MD5", "SSL2_DES_192_EDE3_CBC_WITH_MD5"],
        "tls.server.connection_id_length": 16, "tls.server.certificate_chain_length": 1,
        "tls.server.x509.subject.common_name": "www.example.com",
        "tls.server.x509.issuer.common_name": "Example Test Root CA",
        "tls.server.x509.alternative_names": ["www.example.com", "example.com"],
        "tls.server.x509.public_key_algorithm": "RSA", "tls.server.x509.public_key_size": 2048})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["sslv2-negotiated", "legacy-version", "weak-cipher",
                                               "sslv2-hello"]},
            finding_severity={"sslv2-negotiated": "critical", "weak-cipher": "high"},
            finding_message={"sslv2-negotiated": ["disable SSLv2 on the server", "DROWN", "CVE-2016-0800"],
                             "weak-cipher": ["RC4"]},
            absent=["tls.server.ja3s", "tls.server.extensions", "tls.alert", "tls.malformed"])


@capture("sslv2_session_id_hit.pcap")
def sslv2_session_id_hit(o, rng):
    """An SSL 2.0 session resumed: the client offers a session id, the
    server's SERVER-HELLO says session-id-hit (no certificate, no cipher
    kinds) and the client goes straight to its encrypted CLIENT-FINISHED
    (no CLIENT-MASTER-KEY). Resumed and established; no cipher is named."""
    c = Conn("192.0.2.71", 47201, "198.51.100.70", 443, t0_us=SSL2_T0).handshake()
    kinds = [SSL2_RC4_128_WITH_MD5]
    c.send(C2S, ssl2_client_hello(rng, kinds, session_id=bytes(range(16))))
    c.send(S2C, ssl2_server_hello(rng, [], cert=b"", hit=True) + ssl2_encrypted(rng))
    c.send(C2S, ssl2_encrypted(rng))
    c.send(S2C, ssl2_encrypted(rng))
    o.frames = frames_ether(c.segs)
    e = merge(ssl2_hello_expect(kinds), {
        "tls.established": True, "tls.outcome": "established", "tls.negotiated_version": "SSLv2",
        "tls.resumed": True, "tls.server.connection_id_length": 16})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["sslv2-negotiated"]},
            absent=["tls.cipher", "tls.server.certificate_chain_length", "tls.server.supported_ciphers",
                    "tls.malformed"])


@capture("sslv2_no_cipher.pcap")
def sslv2_no_cipher(o, rng):
    """A client offering only export SSLv2 cipher kinds and a server that
    shares none: it answers the CLIENT-HELLO with an SSLv2 ERROR
    (NO-CIPHER-ERROR, 0x0001) and closes. The failure is tls.alert with the
    ERROR's name and code; nothing was negotiated."""
    c = Conn("192.0.2.72", 47202, "198.51.100.70", 443, t0_us=SSL2_T0).handshake()
    kinds = [SSL2_RC4_128_EXPORT40_WITH_MD5]
    c.send(C2S, ssl2_client_hello(rng, kinds))
    c.send(S2C, ssl2_error(0x0001))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(ssl2_hello_expect(kinds), {
        "event.reason": "alert", "tls.established": False, "tls.outcome": "alert",
        "tls.alert.level": "fatal", "tls.alert.description": "no_cipher", "tls.alert.code": 1,
        "tls.alert.sender": "server"})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["no-common-parameters", "sslv2-hello"]},
            finding_message={"no-common-parameters": ["no_cipher"]},
            absent=["tls.negotiated_version", "tls.cipher", "tls.server", "tls.malformed"])


@capture("sslv2_client_rejects_certificate.pcap")
def sslv2_client_rejects_certificate(o, rng):
    """An SSL 2.0 client that rejects the server's certificate: after the
    SERVER-HELLO it sends a cleartext ERROR (BAD-CERTIFICATE-ERROR, 0x0004)
    instead of a CLIENT-MASTER-KEY."""
    c = Conn("192.0.2.73", 47203, "198.51.100.70", 443, t0_us=SSL2_T0).handshake()
    kinds = [SSL2_RC4_128_WITH_MD5]
    c.send(C2S, ssl2_client_hello(rng, kinds))
    c.send(S2C, ssl2_server_hello(rng, kinds))
    c.send(C2S, ssl2_error(0x0004))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(ssl2_hello_expect(kinds), {
        "tls.outcome": "alert", "tls.negotiated_version": "SSLv2", "tls.alert.description": "bad_certificate",
        "tls.alert.code": 4, "tls.alert.sender": "client", "tls.server.certificate_chain_length": 1})
    m = o.exp(c, e)
    o.check(m, contains={"tls.findings[].id": ["sslv2-negotiated", "certificate-rejected"]},
            absent=["tls.cipher"])


@capture("sslv2_hello_tls10_server.pcap")
def sslv2_hello_tls10_server(o, rng):
    """The common case: an SSLv2-compatible CLIENT-HELLO (version TLS 1.0,
    SSLv2 kinds and TLS suites) answered by a TLS 1.0 ServerHello: followed
    as TLS, as before SSL 2.0 sessions were read."""
    c = Conn("192.0.2.74", 47204, "198.51.100.70", 443, t0_us=SSL2_T0).handshake()
    kinds = [0x00002F, SSL2_RC4_128_WITH_MD5, 0x00000A]
    c.send(C2S, ssl2_client_hello(rng, kinds, version=0x0301))
    c.send(S2C, records(CT_HANDSHAKE, server_hello(rng, 0x002F, version=0x0301) + certificate12(rng) +
                        server_hello_done(), version=0x0301))
    c.send(C2S, record(CT_HANDSHAKE, handshake(HS_CKE, vec16(bytes(256))), 0x0301) + ccs(0x0301) +
           encrypted(rng, version=0x0301))
    c.send(S2C, ccs(0x0301) + encrypted(rng, version=0x0301))
    c.close()
    o.frames = frames_ether(c.segs)
    e = merge(ssl2_hello_expect(kinds, version=0x0301), {
        "tls.established": True, "tls.outcome": "established", "tls.negotiated_version": "TLSv1.0",
        "tls.cipher": "TLS_RSA_WITH_AES_128_CBC_SHA", "tls.server.certificate_chain_length": 2,
        "tls.server.record_version": "TLSv1.0"})
    m = o.exp(c, e)
    o.check(m, lacks={"tls.findings[].id": ["sslv2-negotiated"]},
            absent=["tls.server.connection_id_length", "tls.malformed"])


# ===========================================================================

def main():
    args = sys.argv[1:]
    hostile = "--hostile" in args
    args = [a for a in args if a != "--hostile"]
    if len(args) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = args[0]
    os.makedirs(outdir, exist_ok=True)
    for f in os.listdir(outdir):
        if f.endswith((".pcap", ".expected.jsonl")) or f == "extra_checks.jsonl":
            os.unlink(os.path.join(outdir, f))
    extra = []
    for name, fn in (HOSTILE if hostile else CAPTURES):
        o = Out()
        fn(o, rng_for(name))
        write_pcap(os.path.join(outdir, name), o.linktype, o.frames)
        with open(os.path.join(outdir, name + ".expected.jsonl"), "w") as f:
            for e in o.expect:
                f.write(json.dumps(e) + "\n")
        extra.append({"capture": name, "lines": len(o.expect)})
        for chk in o.extra.get("lines_checks", []):
            extra.append(dict(capture=name, **chk))
    with open(os.path.join(outdir, "extra_checks.jsonl"), "w") as f:
        for e in extra:
            f.write(json.dumps(e) + "\n")
    print("wrote %d captures to %s" % (len(HOSTILE if hostile else CAPTURES), outdir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
