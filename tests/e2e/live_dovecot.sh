#!/bin/bash
# live_dovecot.sh TLSSCOPE PYTHON WORKDIR: a real dovecot IMAP server
# (Debian's dovecot-imapd) on loopback high ports, run in the foreground
# (`dovecot -F -c`) with a temporary configuration that allows TLS 1.2+ and
# ECDHE+AESGCM suites only, and real TLS clients (openssl s_client):
#  - STARTTLS on the imap port: a line with the IMAP dialogue and the
#    established TLS behind it;
#  - implicit TLS on the imaps port: established;
#  - a client offering only suites dovecot refuses (TLS 1.2, AES128-SHA):
#    dovecot closes without an alert, the OpenSSL client answers the close
#    with decode_error. The line must say closed_during_handshake by the
#    server, keep the client's alert as after_peer_close, and carry the
#    finding that the server accepts nothing the client offers.
# Needs root (capture on lo), dovecot and openssl; skipped (77) otherwise.
# Every process started here is stopped by its PID; the run is bounded.
set -u
. "$(dirname "$0")/live_lib.sh"
bin=$1; py=$2; work=$3
[ "$(id -u)" = 0 ] || { echo "skipped: live capture needs root"; exit 77; }
command -v dovecot >/dev/null || { echo "skipped: dovecot is not installed (apt-get install dovecot-imapd)"; exit 77; }
[ -x /usr/lib/dovecot/imap-login ] || { echo "skipped: dovecot-imapd is not installed"; exit 77; }
id dovecot >/dev/null 2>&1 && id dovenull >/dev/null 2>&1 || { echo "skipped: no dovecot/dovenull users"; exit 77; }
command -v openssl >/dev/null || { echo "skipped: no openssl"; exit 77; }
rm -rf "$work"
mkdir -p "$work/run" "$work/state"
base=$((20000 + ($$ * 11 + 5) % 30000))
imap=$base; imaps=$((base + 1))

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
  -subj "/CN=imap.example.test" -addext "subjectAltName=DNS:imap.example.test" -days 2 >/dev/null 2>&1 ||
  { echo "FAIL: openssl req"; exit 1; }
cat >"$work/dovecot.conf" <<CFG
base_dir = $work/run
state_dir = $work/state
log_path = $work/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$work/cert.pem
ssl_key = <$work/key.pem
ssl_min_protocol = TLSv1.2
ssl_cipher_list = ECDHE+AESGCM
passdb {
  driver = static
  args = password=not-used
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$work/home
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps
    ssl = yes
  }
}
service anvil {
  chroot =
}
CFG

dovecot -F -c "$work/dovecot.conf" >"$work/dovecot.out" 2>&1 &
server=$!
sniffer=
trap 'kill $server 2>/dev/null; [ -n "$sniffer" ] && kill $sniffer 2>/dev/null' EXIT
"$bin" -i lo -f "tcp port $imap or tcp port $imaps" -Z nobody --stats -w "$work/live.jsonl" 2>"$work/err" &
sniffer=$!
live_sniffer_running
kill -0 "$server" 2>/dev/null || { echo "FAIL: dovecot exited: $(cat "$work/dovecot.out" "$work/dovecot.log")"; exit 1; }
echo "a1 LOGOUT" | timeout 10 openssl s_client -connect "127.0.0.1:$imap" -starttls imap \
  -servername imap.example.test >"$work/starttls.log" 2>&1
echo "a1 LOGOUT" | timeout 10 openssl s_client -connect "127.0.0.1:$imaps" -servername imap.example.test \
  >"$work/imaps.log" 2>&1
timeout 10 openssl s_client -connect "127.0.0.1:$imaps" -servername refused.example.test -tls1_2 -cipher AES128-SHA \
  </dev/null >"$work/refused.log" 2>&1
sleep 2
live_sniffer_stop
sniffer=
kill "$server" 2>/dev/null; wait "$server" 2>/dev/null
"$py" - "$work/live.jsonl" "$rc" <<'PY'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fails = []
def check(what, ok):
    if not ok:
        fails.append(what)
check("exit status 0 (got %s)" % sys.argv[2], sys.argv[2] == "0")
check("three lines (got %d)" % len(lines), len(lines) == 3)
def by_sni(name):
    got = [l.get("tls", {}) for l in lines if l.get("tls", {}).get("client", {}).get("server_name") == name]
    return got[0] if len(got) == 1 else {}
starttls = [l.get("tls", {}) for l in lines if "starttls" in l.get("tls", {})]
check("one STARTTLS line", len(starttls) == 1)
if starttls:
    t = starttls[0]
    check("STARTTLS: imap: %r" % t.get("starttls"), "imap" in json.dumps(t.get("starttls")).lower())
    check("STARTTLS: established: %r" % t.get("outcome"), t.get("outcome") == "established")
implicit = [l.get("tls", {}) for l in lines if "starttls" not in l.get("tls", {}) and
            l.get("tls", {}).get("client", {}).get("server_name") == "imap.example.test"]
check("implicit TLS: established", len(implicit) == 1 and implicit[0].get("outcome") == "established")
t = by_sni("refused.example.test")
check("refused: closed_during_handshake by the server: %r %r" % (t.get("outcome"), t.get("closed_by")),
      t.get("outcome") == "closed_during_handshake" and t.get("closed_by") == "server")
a = t.get("alert", {})
check("refused: the client's decode_error kept, after the server's close: %r" % a,
      a.get("description") == "decode_error" and a.get("sender") == "client" and a.get("after_peer_close") is True)
check("refused: the client offered AES128-SHA only: %r" % t.get("client", {}).get("cipher_suites"),
      "TLS_RSA_WITH_AES_128_CBC_SHA" in json.dumps(t.get("client", {})))
f = {x["id"]: x.get("message", "") for x in t.get("findings", [])}
check("refused: finding server-closed-after-client-hello: %r" % list(f),
      "server-closed-after-client-hello" in f and "cipher suite" in f["server-closed-after-client-hello"])
check("refused: no finding blaming the alert: %r" % list(f), "decode-error" not in f and "malformed" not in f)
for x in fails:
    print("FAIL:", x)
for l in lines:
    print(json.dumps(l.get("tls", {}))[:400])
print("%d failed" % len(fails))
sys.exit(1 if fails else 0)
PY
