#!/bin/bash
# live_plaintext_server.sh TLSSCOPE PYTHON WORKDIR: a real TLS client (openssl
# s_client) configured for implicit TLS against a server that speaks
# plaintext first, as an SMTP submission server expecting STARTTLS does (a
# small Python server on 127.0.0.1 sends a "220" banner, answers what it reads
# with "500" and closes). `tlsscope -i lo` must write one line with the
# ClientHello, the server's first words, the outcome and the plaintext-server
# finding. Needs root (capture on lo) and the openssl tool; skipped (77)
# otherwise. Every process started here is stopped by its PID.
set -u
. "$(dirname "$0")/live_lib.sh"
bin=$1; py=$2; work=$3
[ "$(id -u)" = 0 ] || { echo "skipped: live capture needs root"; exit 77; }
command -v openssl >/dev/null || { echo "skipped: no openssl"; exit 77; }
mkdir -p "$work"
rm -f "$work/live.jsonl" "$work/stats.json"
port=$((40000 + ($$ + 7) % 20000))
"$py" - "$port" >"$work/server.log" 2>&1 <<'PY' &
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
c.sendall(b"220 mail.example.test ESMTP ready\r\n")
c.settimeout(5)
try:
    if c.recv(4096):
        c.sendall(b"500 5.5.2 Error: bad syntax\r\n")
except OSError:
    pass
c.close()
s.close()
PY
server=$!
sniffer=
trap 'kill $server 2>/dev/null; [ -n "$sniffer" ] && kill $sniffer 2>/dev/null' EXIT
"$bin" -i lo -f "tcp port $port" -Z nobody --stats -w "$work/live.jsonl" 2>"$work/err" &
sniffer=$!
live_sniffer_running
timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername mail.example.test </dev/null >"$work/client.log" 2>&1
wait "$server"
sleep 2
live_sniffer_stop
sniffer=
"$py" - "$work/live.jsonl" "$work/err" "$rc" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fails = []
def check(what, ok):
    if not ok:
        fails.append(what)
check("exit status 0 (got %s)" % sys.argv[3], sys.argv[3] == "0")
check("one line (got %d)" % len(lines), len(lines) == 1)
if lines:
    t = lines[0].get("tls", {})
    check("the ClientHello: server_name", t.get("client", {}).get("server_name") == "mail.example.test")
    check("the server's first words: %r" % t.get("server_plaintext"),
          t.get("server_plaintext", "").startswith("220 mail.example.test ESMTP ready\r\n"))
    check("an outcome without a handshake: %r" % t.get("outcome"),
          t.get("outcome") in ("closed_during_handshake", "reset", "alert") and not t.get("established"))
    ids = [f["id"] for f in t.get("findings", [])]
    check("finding plaintext-server: %r" % ids, "plaintext-server" in ids)
    check("no finding blaming a close or alert: %r" % ids,
          not set(ids) & {"server-closed-after-client-hello", "version-mismatch", "no-common-parameters"})
    check("no STARTTLS claimed", "starttls" not in t)
err = open(sys.argv[2]).read()
stats = json.loads(err[err.index("{"):]) if "{" in err else {}
check("--stats counts it: %r" % stats.get("tls", {}).get("plaintext_servers"),
      stats.get("tls", {}).get("plaintext_servers") == 1)
for f in fails:
    print("FAIL:", f)
print(json.dumps(lines[0]["tls"] if lines else None)[:600])
print("%d failed" % len(fails))
sys.exit(1 if fails else 0)
PY
