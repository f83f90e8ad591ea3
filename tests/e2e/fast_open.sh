#!/bin/bash
# fast_open.sh TLSSCOPE PYTHON WORKDIR: a TLS handshake whose ClientHello rides
# on the SYN (TCP Fast Open, RFC 7413), made by a real stack: Python's ssl
# over the kernel's TFO (fast_open_peer.py) on the loopback of a network
# namespace this test creates (so the tcp_fastopen setting it needs, client
# and server without cookies, touches no other namespace), captured with
# dumpcap. The line must exist, carry the SNI from the SYN's ClientHello, and
# be established. Skipped (77) without root, unshare, dumpcap or tshark.
set -u
bin=$1; py=$2; work=$3
here=$(cd "$(dirname "$0")" && pwd)
[ "$(id -u)" = 0 ] || { echo "skipped: needs root (a network namespace, capture)"; exit 77; }
for tool in unshare ip sysctl dumpcap tshark openssl; do
    command -v $tool >/dev/null || { echo "skipped: no $tool"; exit 77; }
done
rm -rf "$work"; mkdir -p "$work"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -subj "/CN=tfo.test" -days 2 2>/dev/null || { echo "skipped: openssl cannot make a certificate"; exit 77; }
cat > "$work/inner.sh" <<INNER
set -u
ip link set lo up || exit 77
sysctl -q -w net.ipv4.tcp_fastopen=0x207 || exit 77
dumpcap -q -i lo -f "tcp port 4433" -w "$work/tfo.pcap" 2>"$work/dumpcap.err" &
cap=\$!
for _ in \$(seq 50); do [ -s "$work/tfo.pcap" ] && break; sleep 0.1; done
sleep 0.5
"$py" "$here/fast_open_peer.py" "$work/cert.pem" "$work/key.pem" 4433 >"$work/peer.out" 2>&1
peer=\$?
sleep 0.5
kill -INT \$cap; wait \$cap
exit \$peer
INNER
unshare -n bash "$work/inner.sh"
rc=$?
[ $rc = 77 ] && { echo "skipped: cannot set up the namespace"; exit 77; }
[ $rc = 0 ] || { echo "FAIL: the TFO exchange failed: $(cat "$work/peer.out")"; exit 1; }
syn_data=$(tshark -r "$work/tfo.pcap" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.len > 0" 2>/dev/null | wc -l)
[ "$syn_data" = 1 ] || { echo "skipped: the kernel did not put data on the SYN ($syn_data SYNs with data)"; exit 77; }
"$bin" -r "$work/tfo.pcap" >"$work/out.jsonl" || { echo "FAIL: tlsscope exited $?"; exit 1; }
"$py" - "$work/out.jsonl" <<'CHECK'
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
want = {"tls.client.server_name": "tfo.test", "tls.established": True, "tls.negotiated_version": "TLSv1.2",
        "tls.server.x509.subject.common_name": "tfo.test"}
def get(o, k):
    for p in k.split("."):
        o = o.get(p) if isinstance(o, dict) else None
    return o
bad = [] if len(lines) == 1 else ["%d lines, 1 expected" % len(lines)]
for k, v in want.items():
    if lines and get(lines[0], k) != v:
        bad.append("%s: %r, expected %r" % (k, get(lines[0], k), v))
if bad:
    print("FAIL: " + "; ".join(bad))
    sys.exit(1)
print("ok: TLS over TCP Fast Open: one established line, SNI from the SYN's ClientHello")
CHECK
