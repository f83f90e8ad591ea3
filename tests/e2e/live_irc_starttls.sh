#!/bin/bash
# live_irc_starttls.sh TLSSCOPE PYTHON WORKDIR: IRC's STARTTLS (IRCv3 "tls"
# extension) between real programs: `openssl s_client -starttls irc` against
# a small Python IRC server on 127.0.0.1 that greets with RPL_HELLO, answers
# STARTTLS with 670 RPL_STARTTLS and then completes a TLS handshake (Python's
# ssl module, a throwaway self-signed certificate). `tlsscope -i lo` must
# write one line saying STARTTLS over IRC, the server's 670 and an
# established TLS 1.3 handshake. Needs root (capture on lo) and the openssl
# tool; skipped (77) otherwise. Every process started here is stopped by its PID.
set -u
. "$(dirname "$0")/live_lib.sh"
bin=$1; py=$2; work=$3
[ "$(id -u)" = 0 ] || { echo "skipped: live capture needs root"; exit 77; }
command -v openssl >/dev/null || { echo "skipped: no openssl"; exit 77; }
mkdir -p "$work"
rm -f "$work/live.jsonl"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=irc.example.test" \
    -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1 || { echo "FAIL: openssl req"; exit 1; }
port=$((40000 + ($$ + 11) % 20000))
"$py" - "$port" "$work/cert.pem" "$work/key.pem" >"$work/server.log" 2>&1 <<'PY' &
import socket, ssl, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.settimeout(5)
# RPL_HELLO (020), as servers greet before registration; s_client reads
# numerics only until 670 or 691.
c.sendall(b":irc.example.test 020 * :Please wait while we process your connection.\r\n")
buf = b""
while b"STARTTLS\r\n" not in buf:
    more = c.recv(4096)
    if not more:
        sys.exit("no STARTTLS")
    buf += more
c.sendall(b":irc.example.test 670 * :STARTTLS successful, proceed with TLS handshake\r\n")
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(sys.argv[2], sys.argv[3])
t = ctx.wrap_socket(c, server_side=True)
t.sendall(b":irc.example.test NOTICE * :secure now\r\n")
try:
    t.recv(4096)
except OSError:
    pass
t.close()
s.close()
PY
server=$!
sniffer=
trap 'kill $server 2>/dev/null; [ -n "$sniffer" ] && kill $sniffer 2>/dev/null' EXIT
"$bin" -i lo -f "tcp port $port" -Z nobody -w "$work/live.jsonl" 2>"$work/err" &
sniffer=$!
live_sniffer_running
sleep 3 | timeout 10 openssl s_client -connect "127.0.0.1:$port" -starttls irc -servername irc.example.test \
    >"$work/client.log" 2>&1
wait "$server"
sleep 2
live_sniffer_stop
sniffer=
"$py" - "$work/live.jsonl" "$rc" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fails = []
def check(what, ok):
    if not ok:
        fails.append(what)
check("exit status 0 (got %s)" % sys.argv[2], sys.argv[2] == "0")
check("one line (got %d)" % len(lines), len(lines) == 1)
if lines:
    t = lines[0].get("tls", {})
    check("tls.starttls irc: %r" % t.get("starttls"), t.get("starttls") == "irc")
    check("network.protocol irc: %r" % lines[0].get("network", {}).get("protocol"),
          lines[0].get("network", {}).get("protocol") == "irc")
    check("the server's 670: %r" % t.get("starttls_reply"),
          t.get("starttls_reply", "").startswith(":irc.example.test 670 * :STARTTLS successful"))
    check("established: %r" % t.get("outcome"), t.get("established") is True)
    check("server_name: %r" % t.get("client", {}).get("server_name"),
          t.get("client", {}).get("server_name") == "irc.example.test")
    check("TLS 1.3: %r" % t.get("negotiated_version"), t.get("negotiated_version") == "TLSv1.3")
for f in fails:
    print("FAIL:", f)
print(json.dumps(lines[0] if lines else None)[:800])
print("%d failed" % len(fails))
sys.exit(1 if fails else 0)
PY
