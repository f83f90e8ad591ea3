#!/bin/bash
# fragments_netns.sh TLSSCOPE CORPUS_UDP WORKDIR: IP fragments made by the
# kernel, not by a script. Three network namespaces in a row: client ->
# router -> server; the router's link to the server has an MTU of 576, and
# the client sends without DF (net.ipv4.ip_no_pmtu_disc=1), so the router
# fragments the client's full-size packets. dumpcap captures both router
# links at once: whole packets on the client side, fragments on the server
# side. The traffic:
#   1. openssl s_client to openssl s_server with a long ALPN list (a
#      ClientHello of about 1300 bytes: one TCP segment, fragmented; one, so
#      that GRO on the router cannot merge it with the next in the whole
#      capture);
#   2. a QUIC Initial (the first client datagram of a corpus capture, 1250
#      bytes) sent over UDP from Python.
# Asserted: the fragmented capture has fragments (ip_reasm.reassembled > 0,
# nothing dropped) and gives the same connection lines as the whole one,
# timestamps aside (the two captures see each packet a few microseconds
# apart). Skipped (77) without root, namespaces, veth, openssl, dumpcap,
# tshark or the corpus. Every process is stopped by its PID.
set -u
bin=$1; corpus=$2; work=$3
skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for t in ip openssl dumpcap tshark python3; do
    command -v $t >/dev/null || skip "no $t (apt-get install iproute2 openssl tshark)"
done
quic=$corpus/ja4_chrome-cloudflare-quic-with-secrets.pcapng
[ -f "$quic" ] || skip "$quic not found (clone with ../shared beside it)"
rm -rf "$work"; mkdir -p "$work"

ns_c=t12c$$; ns_r=t12r$$; ns_s=t12s$$
pids=""
cleanup() {
    for p in $pids; do kill -KILL "$p" 2>/dev/null; done
    for n in "$ns_c" "$ns_r" "$ns_s"; do ip netns del "$n" 2>/dev/null; done
}
trap cleanup EXIT
for n in "$ns_c" "$ns_r" "$ns_s"; do ip netns add "$n" 2>/dev/null || skip "cannot create network namespaces"; done
ip link add vc$$ netns "$ns_c" type veth peer name vrc$$ netns "$ns_r" 2>/dev/null || skip "no veth"
ip link add vs$$ netns "$ns_s" type veth peer name vrs$$ netns "$ns_r" 2>/dev/null || skip "no veth"
for x in "$ns_c vc$$ 10.99.1.1/24 1500" "$ns_r vrc$$ 10.99.1.2/24 1500" "$ns_r vrs$$ 10.99.2.1/24 576" \
         "$ns_s vs$$ 10.99.2.2/24 1500"; do
    set -- $x
    ip netns exec "$1" sysctl -q -w "net.ipv6.conf.$2.disable_ipv6=1" >/dev/null
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$1" link set "$2" mtu "$4" up
done
ip -n "$ns_c" link set lo up; ip -n "$ns_s" link set lo up
ip -n "$ns_c" route add default via 10.99.1.2
# The server's own packets must fit the router's 576-byte link too, but it
# must still advertise a full-size MSS, or the client would never send a
# segment big enough to be fragmented.
ip -n "$ns_s" route add default via 10.99.2.1 mtu 576 advmss 1460
ip netns exec "$ns_r" sysctl -q -w net.ipv4.ip_forward=1 >/dev/null
# No DF from the client: the router fragments instead of answering
# "fragmentation needed".
ip netns exec "$ns_c" sysctl -q -w net.ipv4.ip_no_pmtu_disc=1 >/dev/null

# ---- captures on both router links ----
for side in c s; do
    ip netns exec "$ns_r" dumpcap -q -P -i vr$side$$ -w "$work/$side.pcap" 2>"$work/dumpcap-$side.err" &
    pids="$pids $!"
done
for _ in $(seq 50); do
    [ -s "$work/c.pcap" ] && [ -s "$work/s.pcap" ] && break
    sleep 0.1
done
[ -s "$work/c.pcap" ] && [ -s "$work/s.pcap" ] || { echo "FAIL: dumpcap did not start: $(head -3 "$work"/dumpcap-*.err)"; exit 1; }

# ---- 1. TLS over TCP ----
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=frag.test \
    -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null || { echo "FAIL: openssl req"; exit 1; }
ip netns exec "$ns_s" openssl s_server -accept 4433 -cert "$work/cert.pem" -key "$work/key.pem" -naccept 1 \
    -quiet >"$work/server.out" 2>&1 &
server=$!; pids="$pids $server"
sleep 1
alpn=$(python3 -c 'print(",".join("p%d-%s" % (i, "x" * 200) for i in range(5)))')
echo Q | timeout 10 ip netns exec "$ns_c" openssl s_client -connect 10.99.2.2:4433 -servername frag.test \
    -alpn "$alpn" >"$work/client.out" 2>&1
# ---- 2. a QUIC Initial over UDP ----
tshark -r "$quic" -Y "udp.dstport == 443" -T fields -e udp.payload 2>/dev/null | head -1 >"$work/initial.hex"
[ -s "$work/initial.hex" ] || { echo "FAIL: no QUIC Initial in $quic"; exit 1; }
ip netns exec "$ns_c" python3 - "$work/initial.hex" <<'EOF' || { echo "FAIL: UDP send"; exit 1; }
import socket, sys
payload = bytes.fromhex(open(sys.argv[1]).read().strip())
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, 10, 0)  # IP_MTU_DISCOVER = IP_PMTUDISC_DONT
s.bind(("10.99.1.1", 50443))
s.sendto(payload, ("10.99.2.2", 443))
EOF
sleep 1
for p in $pids; do kill -INT "$p" 2>/dev/null; done
for p in $pids; do wait "$p" 2>/dev/null; done
pids=""

# ---- the comparison ----
python3 - "$bin" "$work" <<'EOF'
import json, subprocess, sys
bin_, work = sys.argv[1], sys.argv[2]

def run(name):
    p = subprocess.run([bin_, "--stats", "-r", "%s/%s.pcap" % (work, name)], capture_output=True, text=True)
    lines = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    stats = json.loads([l for l in p.stderr.splitlines() if l.startswith("{")][-1])
    return lines, stats

TIME_KEYS = ("@timestamp", "event.start", "event.end", "event.duration", "event.created")

def flat(d, prefix=""):
    out = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flat(v, prefix + k + "."))
        else:
            out[prefix + k] = v
    return out

def strip(line):
    return {k: v for k, v in flat(line).items() if k not in TIME_KEYS}

whole, st_whole = run("c")
frag, st_frag = run("s")
r = st_frag["ip_reasm"]
fail = []
if st_whole["ip_reasm"]["fragments"] != 0:
    fail.append("fragments on the client side: %s" % st_whole["ip_reasm"])
if r["reassembled"] < 2 or r["timeouts"] or r["evicted"] or r["malformed"] or r["overlaps"]:
    fail.append("client's TLS and QUIC packets not reassembled: %s" % r)
kinds = sorted(flat(l).get("network.transport", "?") for l in whole)
if kinds != ["tcp", "udp"]:
    fail.append("%d lines from the whole capture, want 2 (TLS and QUIC): %s" % (len(whole), kinds))
if len(frag) != len(whole):
    fail.append("%d lines from fragments, %d from whole packets" % (len(frag), len(whole)))
for a, b in zip(whole, frag):
    a, b = strip(a), strip(b)
    if a != b:
        fail.append("lines differ in %s" % sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)))
for f in fail:
    print("FAIL", f)
print("fragments_netns: %d lines, ip_reasm %s" % (len(frag), json.dumps(r)))
sys.exit(1 if fail else 0)
EOF
