#!/bin/bash
# live_capture.sh TLSSCOPE WORKDIR: tlsscope -i on the loopback interface sees
# a real TLS 1.2 handshake (openssl s_server / s_client on 127.0.0.1), writes
# its line while still running, and exits cleanly on SIGINT even with no
# traffic. It runs as root and gives up root with -Z nobody once the
# interface is open; as root without -Z it must refuse to start. Skipped (77)
# without root (capture rights) or the openssl tool.
set -u
. "$(dirname "$0")/live_lib.sh"
bin=$1; work=$2
[ "$(id -u)" = 0 ] || { echo "skipped: live capture needs root"; exit 77; }
command -v openssl >/dev/null || { echo "skipped: no openssl"; exit 77; }
mkdir -p "$work"; rm -f "$work"/*.jsonl # -w refuses to overwrite what an earlier run left
port=$((40000 + $$ % 20000))
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -subj "/CN=localhost" -days 2 2>/dev/null || { echo "skipped: openssl cannot make a certificate"; exit 77; }
openssl s_server -accept "127.0.0.1:$port" -cert "$work/cert.pem" -key "$work/key.pem" -tls1_2 -quiet \
    >/dev/null 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
"$bin" -i lo -f "tcp port $port" -w "$work/refused.jsonl" 2>"$work/refused.err"
refused_rc=$?
"$bin" -i lo -f "tcp port $port" -Z nobody -w "$work/live.jsonl" 2>"$work/err" &
sniffer=$!
live_sniffer_running
running_as=$(ps -o user= -p "$sniffer" | tr -d ' ')
echo Q | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername live.test -tls1_2 >/dev/null 2>&1
sleep 3
live_sniffer_stop
pass=0; fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }
check "as root without -Z: refused (exit 2)" '[ $refused_rc -eq 2 ] && grep -q "refusing to capture as root" "$work/refused.err"'
check "-Z nobody: runs as nobody (got $running_as)" '[ "$running_as" = nobody ]'
check "exit status 0 after SIGINT" '[ $rc -eq 0 ]'
check "one line" '[ $(wc -l < "$work/live.jsonl") -eq 1 ]'
check "handshake seen live" 'grep -q "\"negotiated_version\":\"TLSv1.2\"" "$work/live.jsonl" && grep -q "\"server_name\":\"live.test\"" "$work/live.jsonl" && grep -q "\"outcome\":\"established\"" "$work/live.jsonl"'
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
