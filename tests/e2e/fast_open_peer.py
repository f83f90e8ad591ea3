#!/usr/bin/env python3
"""TLS 1.2 over TCP Fast Open on 127.0.0.1 (RFC 7413), for fast_open.sh.

Usage: fast_open_peer.py CERT KEY PORT

A server socket with TCP_FASTOPEN, a client that sends its ClientHello as the
SYN's data (sendto with MSG_FASTOPEN: the kernel puts it on the SYN), then
the rest of the handshake through ssl.MemoryBIO, since an SSLSocket cannot
send its first flight with MSG_FASTOPEN. One short exchange, both closed.
"""
import socket
import ssl
import sys
import threading

cert, key, port = sys.argv[1], sys.argv[2], int(sys.argv[3])

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.setsockopt(socket.IPPROTO_TCP, socket.TCP_FASTOPEN, 16)
srv.bind(("127.0.0.1", port))
srv.listen(1)
sctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
sctx.load_cert_chain(cert, key)
sctx.maximum_version = ssl.TLSVersion.TLSv1_2


def serve():
    conn, _ = srv.accept()
    with sctx.wrap_socket(conn, server_side=True) as s:
        s.sendall(s.recv(100))


t = threading.Thread(target=serve)
t.start()

cctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
cctx.check_hostname = False
cctx.verify_mode = ssl.CERT_NONE
cctx.maximum_version = ssl.TLSVersion.TLSv1_2
inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = cctx.wrap_bio(inc, out, server_hostname="tfo.test")
c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
c.sendto(out.read(), socket.MSG_FASTOPEN, ("127.0.0.1", port))
while True:
    try:
        tls.do_handshake()
        break
    except ssl.SSLWantReadError:
        pending = out.read()
        if pending:
            c.sendall(pending)
        data = c.recv(65536)
        if not data:
            sys.exit("server closed during the handshake")
        inc.write(data)
c.sendall(out.read())
tls.write(b"ping")
c.sendall(out.read())
reply = b""
while not reply:
    try:
        reply = tls.read(100)
    except ssl.SSLWantReadError:
        inc.write(c.recv(65536))
c.close()
t.join()
srv.close()
print(reply.decode())
