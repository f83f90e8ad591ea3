#!/bin/bash
# live_haproxy.sh TLSSCOPE PYTHON WORKDIR: a real haproxy (Debian's) on
# loopback, run in the foreground with a temporary configuration, between a
# real TLS client (openssl s_client) and a small Python TLS backend:
#  - a TCP frontend relaying to the backend with `send-proxy` (PROXY v1) and
#    one with `send-proxy-v2` (and the UNIQUE_ID TLV); haproxy connects to the
#    backend from 127.0.0.9, so on the backend side the TCP client is the
#    balancer and only the PROXY header names the true client. tlsscope's line
#    for the backend connection must give the true client (address and port,
#    as its line for the frontend connection shows them), the VIP and port it
#    connected to, the header version, and the TLS handshake behind it.
#  - a TLS frontend with `ssl-min-ver TLSv1.2` against a legacy client
#    (`s_client -tls1`): haproxy's protocol_version alert, and the findings
#    that explain it.
# Needs root (capture on lo), haproxy and openssl; skipped (77) otherwise.
# Every process started here is stopped by its PID; the whole run is bounded.
set -u
. "$(dirname "$0")/live_lib.sh"
bin=$1; py=$2; work=$3
[ "$(id -u)" = 0 ] || { echo "skipped: live capture needs root"; exit 77; }
command -v haproxy >/dev/null || { echo "skipped: haproxy is not installed (apt-get install haproxy)"; exit 77; }
command -v openssl >/dev/null || { echo "skipped: no openssl"; exit 77; }
rm -rf "$work"
mkdir -p "$work"
base=$((20000 + ($$ * 7) % 30000))
f1=$base; f2=$((base + 1)); f3=$((base + 2)); b1=$((base + 3)); b2=$((base + 4))

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
  -subj "/CN=lb.example.test" -addext "subjectAltName=DNS:lb.example.test" -days 2 >/dev/null 2>&1 ||
  { echo "FAIL: openssl req"; exit 1; }
cat "$work/cert.pem" "$work/key.pem" >"$work/lb.pem"

cat >"$work/haproxy.cfg" <<CFG
global
    maxconn 64
defaults
    mode tcp
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend fe_v1
    bind 127.0.0.1:$f1
    default_backend be_v1
backend be_v1
    server s1 127.0.0.1:$b1 send-proxy source 127.0.0.9
frontend fe_v2
    bind 127.0.0.1:$f2
    unique-id-format h11-%rt
    default_backend be_v2
backend be_v2
    server s2 127.0.0.1:$b2 send-proxy-v2 proxy-v2-options unique-id source 127.0.0.9
frontend fe_tls
    bind 127.0.0.1:$f3 ssl crt $work/lb.pem ssl-min-ver TLSv1.2
    default_backend be_v1
CFG

# The backend: reads the PROXY header byte by byte (v1 to its CRLF, v2 by
# its length), then does TLS on the same socket and answers one line.
"$py" - "$b1" "$b2" "$work/cert.pem" "$work/key.pem" >"$work/backend.log" 2>&1 <<'PY' &
import socket, ssl, sys, threading
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[3], sys.argv[4])
def read_exact(c, n):
    b = b""
    while len(b) < n:
        k = c.recv(n - len(b))
        if not k:
            raise OSError("closed")
        b += k
    return b
def serve(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(4)
    s.settimeout(25)
    try:
        c, _ = s.accept()
    except OSError:
        return
    c.settimeout(10)
    try:
        head = read_exact(c, 5)
        if head == b"PROXY":
            while not head.endswith(b"\r\n"):
                head += read_exact(c, 1)
        else:
            head += read_exact(c, 11)
            head += read_exact(c, int.from_bytes(head[14:16], "big"))
        print(port, head[:60], flush=True)
        t = ctx.wrap_socket(c, server_side=True)
        t.sendall(b"hello from the backend\n")
        t.close()
    except OSError as e:
        print(port, "error", e, flush=True)
    s.close()
ts = [threading.Thread(target=serve, args=(int(p),)) for p in sys.argv[1:3]]
for t in ts:
    t.start()
for t in ts:
    t.join()
PY
backend=$!
haproxy -db -f "$work/haproxy.cfg" >"$work/haproxy.log" 2>&1 &
lb=$!
sniffer=
trap 'kill $backend $lb 2>/dev/null; [ -n "$sniffer" ] && kill $sniffer 2>/dev/null' EXIT
"$bin" -i lo -f "tcp port $f1 or tcp port $f2 or tcp port $f3 or tcp port $b1 or tcp port $b2" -Z nobody --stats \
  -w "$work/live.jsonl" 2>"$work/err" &
sniffer=$!
live_sniffer_running
kill -0 "$lb" 2>/dev/null || { echo "FAIL: haproxy exited: $(cat "$work/haproxy.log")"; exit 1; }
for p in $f1 $f2; do
  echo | timeout 10 openssl s_client -connect "127.0.0.1:$p" -servername "fe$p.example.test" >"$work/client$p.log" 2>&1
done
timeout 10 openssl s_client -connect "127.0.0.1:$f3" -servername legacy.example.test -tls1 \
  -cipher 'DEFAULT@SECLEVEL=0' </dev/null >"$work/legacy.log" 2>&1
for _ in $(seq 20); do kill -0 "$backend" 2>/dev/null || break; sleep 0.5; done
sleep 2
live_sniffer_stop
sniffer=
kill "$lb" 2>/dev/null; wait "$lb" 2>/dev/null
kill "$backend" 2>/dev/null; wait "$backend" 2>/dev/null
"$py" - "$work/live.jsonl" "$rc" "$f1" "$f2" "$f3" "$b1" "$b2" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
rc, (f1, f2, f3, b1, b2) = sys.argv[2], map(int, sys.argv[3:8])
fails = []
def check(what, ok):
    if not ok:
        fails.append(what)
def by_port(p):
    got = [l for l in lines if l.get("destination", {}).get("port") == p]
    check("one line to port %d (got %d)" % (p, len(got)), len(got) == 1)
    return got[0] if got else {}
check("exit status 0 (got %s)" % rc, rc == "0")
for front, back, version in ((f1, b1, 1), (f2, b2, 2)):
    fe, be = by_port(front), by_port(back)
    c, t = be.get("client", {}), be.get("tls", {})
    check("v%d: the frontend line has the true client" % version,
          fe.get("client", {}).get("ip") == "127.0.0.1")
    check("v%d: client.ip from the header: %r" % (version, c), c.get("ip") == "127.0.0.1")
    check("v%d: client.port is the true client's (%r vs %r)" % (version, c.get("port"), fe.get("client", {}).get("port")),
          c.get("port") is not None and c.get("port") == fe.get("client", {}).get("port"))
    check("v%d: client.address_source: %r" % (version, c.get("address_source")),
          c.get("address_source") == "proxy_v%d" % version)
    check("v%d: the VIP and port: %r" % (version, c),
          c.get("proxy_destination_ip") == "127.0.0.1" and c.get("proxy_destination_port") == front)
    check("v%d: no invalid mark" % version, "proxy_header_invalid" not in c)
    check("v%d: the TLS behind the header: %r" % (version, t.get("outcome")), t.get("outcome") == "established")
    check("v%d: its SNI" % version, t.get("client", {}).get("server_name") == "fe%d.example.test" % front)
    if version == 2:
        check("v2: the UNIQUE_ID TLV: %r" % c.get("proxy_unique_id"), str(c.get("proxy_unique_id", "")).startswith("h11-"))
legacy = by_port(f3).get("tls", {})
check("legacy: haproxy's alert: %r" % legacy.get("alert"),
      legacy.get("outcome") == "alert" and legacy.get("alert", {}).get("description") == "protocol_version")
check("legacy: the client offered TLS 1.0 only: %r" % legacy.get("client", {}).get("offered_versions"),
      legacy.get("client", {}).get("offered_versions") == ["TLSv1.0"])
ids = [f["id"] for f in legacy.get("findings", [])]
check("legacy: findings version-mismatch and legacy-client: %r" % ids,
      "version-mismatch" in ids and "legacy-client" in ids)
for f in fails:
    print("FAIL:", f)
for l in lines:
    print(json.dumps({k: l.get(k) for k in ("client", "destination")}), json.dumps(l.get("tls", {}))[:300])
print("%d failed" % len(fails))
sys.exit(1 if fails else 0)
PY
