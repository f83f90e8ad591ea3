#!/bin/bash
# live_prefix_alone.sh TLSSCOPE PYTHON WORKDIR: a real client that writes a
# 4-byte vendor prefix with one write, then a real ClientHello (Python's ssl
# over the same socket), through a small Python relay on 127.0.0.1 that
# reads the prefix and relays the rest to `openssl s_server`. `tlsscope -i
# lo`, watching the client's side of the relay, must write one line: the
# handshake established, the prefix in tls.client.skipped_bytes. Needs root
# (capture on lo) and the openssl tool; skipped (77) otherwise. Every process
# started here is stopped by its PID.
set -u
. "$(dirname "$0")/live_lib.sh"
bin=$1; py=$2; work=$3
[ "$(id -u)" = 0 ] || { echo "skipped: live capture needs root"; exit 77; }
command -v openssl >/dev/null || { echo "skipped: no openssl"; exit 77; }
mkdir -p "$work"
rm -f "$work/live.jsonl" "$work/err"
relay_port=$((40000 + ($$ + 11) % 20000))
server_port=$((relay_port + 1))
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=prefix.example.test \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || { echo "FAIL: no certificate"; exit 1; }
openssl s_server -accept "$server_port" -cert "$work/cert.pem" -key "$work/key.pem" -naccept 1 -quiet \
    </dev/null >"$work/server.log" 2>&1 &
server=$!
sniffer=
trap 'kill $server 2>/dev/null; [ -n "$sniffer" ] && kill $sniffer 2>/dev/null' EXIT
"$bin" -i lo -f "tcp port $relay_port" -Z nobody --stats -w "$work/live.jsonl" 2>"$work/err" &
sniffer=$!
live_sniffer_running
# s_server takes one connection (-naccept 1): wait for it to listen, unprobed.
for _ in $(seq 50); do ss -ltn | grep -q "127.0.0.1:$server_port \|\*:$server_port \|:::$server_port " && break; sleep 0.1; done
timeout 20 "$py" - "$relay_port" "$server_port" >"$work/client.log" 2>&1 <<'PY'
import socket, ssl, sys, threading, time
relay_port, server_port = int(sys.argv[1]), int(sys.argv[2])
PREFIX = b"\x00\x01\x00\x2c"
lst = socket.socket()
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("127.0.0.1", relay_port))
lst.listen(1)

def pump(a, b):
    try:
        while True:
            d = a.recv(65536)
            if not d:
                break
            b.sendall(d)
    except OSError:
        pass
    try:
        b.shutdown(socket.SHUT_WR)
    except OSError:
        pass

def relay():
    c, _ = lst.accept()
    got = b""
    while len(got) < len(PREFIX):
        got += c.recv(len(PREFIX) - len(got))
    assert got == PREFIX, got
    s = socket.create_connection(("127.0.0.1", server_port))
    t = threading.Thread(target=pump, args=(s, c))
    t.start()
    pump(c, s)
    t.join()
    c.close()
    s.close()

r = threading.Thread(target=relay)
r.start()
raw = socket.create_connection(("127.0.0.1", relay_port))
raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
raw.sendall(PREFIX)
time.sleep(0.2)  # the prefix in a segment of its own
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
tls = ctx.wrap_socket(raw, server_hostname="prefix.example.test")
print("handshake", tls.version())
tls.close()
r.join()
PY
client_rc=$?
wait "$server" 2>/dev/null
sleep 2
live_sniffer_stop
sniffer=
"$py" - "$work/live.jsonl" "$rc" "$client_rc" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fails = []
def check(what, ok):
    if not ok:
        fails.append(what)
check("exit status 0 (got %s)" % sys.argv[2], sys.argv[2] == "0")
check("the client handshook (exit %s)" % sys.argv[3], sys.argv[3] == "0")
check("one line (got %d)" % len(lines), len(lines) == 1)
if lines:
    t = lines[0].get("tls", {})
    check("server_name", t.get("client", {}).get("server_name") == "prefix.example.test")
    check("established", t.get("established") is True)
    check("the prefix skipped: %r" % t.get("client", {}).get("skipped_bytes"),
          t.get("client", {}).get("skipped_bytes") == 4)
    check("no server prefix", "skipped_bytes" not in t.get("server", {}))
    check("no STARTTLS claimed", "starttls" not in t)
for f in fails:
    print("FAIL:", f)
print(json.dumps(lines[0]["tls"] if lines else None)[:600])
print("%d failed" % len(fails))
sys.exit(1 if fails else 0)
PY
