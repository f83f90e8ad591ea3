#!/bin/bash
# sensor_netns.sh TLSSCOPE CORPUS WORKDIR: tlsscope as a sensor on real
# interfaces. Two network namespaces joined by two veth pairs; tcpreplay
# sends the Ethernet captures of the corpus (concatenated, re-stamped to
# now so certificate dates judge alike) into one end while tlsscope captures
# on the other, as nobody (-Z), and is stopped with SIGTERM. Asserted:
#   1. one interface: the lines equal offline analysis of the same capture,
#      with a SIGHUP half-way (the file moved away first, as logrotate does)
#      losing no line; zero drops; stats records in --stats-file.
#   2. two interfaces, one direction each (tcpprep splits client and server
#      packets): the same lines as one, written in --rotate-bytes pieces of
#      whole lines, each handed to --rotate-command.
#   3. a stalled sensor (SIGSTOP) with a 1 MiB buffer: drops counted
#      honestly (frames read + dropped = frames sent), a warning on standard
#      error, exit status 3.
#   4. --workers 2 (a PACKET_FANOUT group): the same lines as offline, each
#      frame read by exactly one worker.
#   5. the far end of the link goes down for 3 s: a warning each way, and
#      the gap in the stats (link_down_events, link_down_us).
# Timestamps are left out of the comparison (live ones are the replay's).
# Skipped (77) without root, namespaces, veth, tcpreplay or tshark, or the
# corpus. Every step is bounded in time; every process is stopped by its PID.
set -u
bin=$1; corpus=$2; work=$3
skip() { echo "skipped: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces and capture rights)"
for t in ip tcpreplay tcpprep tshark mergecap editcap capinfos python3; do
    command -v $t >/dev/null || skip "no $t (apt-get install iproute2 tcpreplay tshark)"
done
[ -d "$corpus" ] || skip "$corpus not found (clone with ../shared beside it)"
id nobody >/dev/null 2>&1 || skip "no user nobody"
rm -rf "$work"; mkdir -p "$work"; chmod 755 "$work"

ns_r=t15r$$; ns_c=t15c$$
pids=""
cleanup() {
    for p in $pids; do kill -CONT "$p" 2>/dev/null; kill -KILL "$p" 2>/dev/null; done
    ip netns del "$ns_r" 2>/dev/null; ip netns del "$ns_c" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$ns_r" 2>/dev/null && ip netns add "$ns_c" 2>/dev/null || skip "cannot create network namespaces"
for x in a b; do
    ip link add "v${x}r$$" netns "$ns_r" type veth peer name "v${x}c$$" netns "$ns_c" 2>/dev/null || skip "no veth"
    for end in "$ns_r v${x}r$$" "$ns_c v${x}c$$"; do
        set -- $end
        # No IPv6: its router solicitations would be frames offline analysis never saw.
        ip netns exec "$1" sysctl -q -w "net.ipv6.conf.$2.disable_ipv6=1" >/dev/null
        ip -n "$1" link set "$2" mtu 9000 up
    done
done
cap_a=vac$$; cap_b=vbc$$; rep_a=var$$; rep_b=vbr$$

# ---- the capture: every Ethernet capture of the corpus, one after another ----
for f in "$corpus"/*.pcap "$corpus"/*.pcapng; do
    capinfos -T -E -r "$f" 2>/dev/null | grep -q $'\tether$' || continue
    mergecap -F pcap -w "$work/one.pcap" "$f" 2>/dev/null && echo "$f"
done >"$work/inputs"
mergecap -F pcap -a -w "$work/merged.pcap" $(cat "$work/inputs") || { echo "FAIL: mergecap"; exit 1; }
# Frames that fit the veth's MTU and were captured whole (tcpreplay sends caplen bytes).
tshark -r "$work/merged.pcap" -Y "frame.cap_len == frame.len && frame.len <= 9014" -F pcap \
    -w "$work/full.pcap" 2>/dev/null || { echo "FAIL: tshark"; exit 1; }
python3 - "$work/full.pcap" "$work/input.pcap" <<'EOF'
# Re-stamps every frame to now + 100 us per frame (classic pcap, little endian).
import struct, sys, time
data = open(sys.argv[1], "rb").read()
out = bytearray(data[:24]); off = 24; t = int(time.time() * 1e6); i = 0
while off + 16 <= len(data):
    _, _, incl, orig = struct.unpack_from("<IIII", data, off)
    ts = t + i * 100
    out += struct.pack("<IIII", ts // 1000000, ts % 1000000, incl, orig) + data[off + 16:off + 16 + incl]
    off += 16 + incl; i += 1
open(sys.argv[2], "wb").write(out)
EOF
total=$(capinfos -c -M -T -r "$work/input.pcap" | awk -F'\t' '{print $2}')
half=$((total / 2))
editcap -r "$work/input.pcap" "$work/first.pcap" "1-$half" && editcap -r "$work/input.pcap" "$work/second.pcap" "$((half + 1))-$total" \
    || { echo "FAIL: editcap"; exit 1; }
tcpprep --auto=client --pcap="$work/input.pcap" --cachefile="$work/input.cache" >/dev/null 2>&1 \
    || { echo "FAIL: tcpprep"; exit 1; }
"$bin" -r "$work/input.pcap" >"$work/offline.jsonl" 2>"$work/offline.err" || { echo "FAIL: offline run"; exit 1; }
echo "capture: $total frames from $(wc -l <"$work/inputs") files, $(wc -l <"$work/offline.jsonl") lines offline"

# The lines without their timestamps, sorted: what live and offline must share.
normalize() {
    python3 -c '
import json, sys
out = []
for name in sys.argv[1:]:
    for l in open(name):
        d = json.loads(l)
        d.pop("@timestamp", None); d.get("event", {}).pop("end", None); d.get("event", {}).pop("duration", None)
        out.append(json.dumps(d, sort_keys=True))
print("\n".join(sorted(out)))' "$@"
}
normalize "$work/offline.jsonl" >"$work/offline.norm"

# start NAME ARGS...: tlsscope in the capture namespace as nobody; returns
# once it runs as nobody (its interfaces and files are open by then).
start() {
    local name=$1; shift
    ip netns exec "$ns_c" "$bin" -Z nobody "$@" 2>"$work/$name.err" &
    sniffer=$!; pids="$pids $sniffer"
    for _ in $(seq 50); do
        [ "$(awk '/^Uid:/ {print $2}' /proc/$sniffer/status 2>/dev/null)" = "$(id -u nobody)" ] && return 0
        kill -0 "$sniffer" 2>/dev/null || break
        sleep 0.1
    done
    echo "FAIL: $name: tlsscope did not start as nobody: $(cat "$work/$name.err")"; exit 1
}
# stop: SIGTERM, at most 10 s to finish; the exit status in $rc.
stop() {
    sleep 1 # frames still in the kernel's ring
    kill -TERM "$sniffer"
    for _ in $(seq 100); do kill -0 "$sniffer" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$sniffer" 2>/dev/null; then echo "FAIL: tlsscope did not exit on SIGTERM"; exit 1; fi
    wait "$sniffer"; rc=$?
}
replay() { timeout 120 ip netns exec "$ns_r" tcpreplay "$@" >>"$work/tcpreplay.log" 2>&1; }
# The value at a dotted path in the last JSON object of a file ("capture.0.dropped").
stat_of() {
    python3 -c '
import json, sys
obj = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")][-1]
for k in sys.argv[2].split("."):
    obj = obj[int(k)] if isinstance(obj, list) else obj[k]
print(obj)' "$1" "$2"
}

pass=0; fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAIL: $1"; fi; }

# ---- 1. one interface, SIGHUP half-way ----
mkdir -m 777 "$work/hup"
start one -i "$cap_a" -w "$work/hup/out.jsonl" --stats --stats-interval 1 --stats-file "$work/hup/stats.jsonl"
t0=$(date +%s.%N)
replay -i "$rep_a" --pps 5000 "$work/first.pcap"
sleep 1
mv "$work/hup/out.jsonl" "$work/hup/out.jsonl.1"
kill -HUP "$sniffer"
sleep 0.5
replay -i "$rep_a" --pps 5000 "$work/second.pcap"
stop
normalize "$work/hup/out.jsonl.1" "$work/hup/out.jsonl" >"$work/one.norm"
check "one interface: exit 0 after SIGTERM (got $rc: $(tail -1 "$work/one.err"))" '[ $rc -eq 0 ]'
check "one interface: the lines of offline analysis, none lost across SIGHUP" 'cmp -s "$work/offline.norm" "$work/one.norm"'
check "one interface: the reopened file has lines" '[ -s "$work/hup/out.jsonl" ] && [ -s "$work/hup/out.jsonl.1" ]'
check "one interface: every frame read ($total)" '[ "$(stat_of "$work/one.err" decode.frames)" = "$total" ]'
check "one interface: zero drops at 5000 frames/s" '[ "$(stat_of "$work/one.err" capture.0.dropped)" = 0 ] && [ "$(stat_of "$work/one.err" capture.0.if_dropped)" = 0 ]'
check "one interface: stats records every second and one at the end" \
    '[ $(grep -c "\"dataset\":\"tlsscope.stats\"" "$work/hup/stats.jsonl") -ge 3 ] && [ "$(stat_of "$work/hup/stats.jsonl" event.reason)" = end ] && [ "$(stat_of "$work/hup/stats.jsonl" decode.frames)" = "$total" ]'
check "one interface: the stats file is left alone by -w's lines" '! grep -q "\"tls\":{\"established\"" "$work/hup/stats.jsonl"'

# ---- 2. two interfaces, one direction each; rotation by size ----
mkdir -m 777 "$work/rot"
start two -i "$cap_a" -i "$cap_b" -w "$work/rot/out.jsonl" --rotate-bytes 20000 --stats-interval 3600 \
    --stats-file "$work/two.stats" \
    --rotate-command "echo >>$work/rot/shipped"
replay -i "$rep_a" -I "$rep_b" --cachefile="$work/input.cache" --pps 5000 "$work/input.pcap"
stop
pieces=$(ls "$work/rot"/out.jsonl.* | sort)
normalize $pieces >"$work/two.norm"
check "two interfaces: exit 0 (got $rc: $(tail -1 "$work/two.err"))" '[ $rc -eq 0 ]'
check "two interfaces: the lines of one interface" 'cmp -s "$work/offline.norm" "$work/two.norm"'
check "two interfaces: both carried frames, none dropped" \
    '[ "$(stat_of "$work/two.stats" capture.0.received)" -gt 0 ] && [ "$(stat_of "$work/two.stats" capture.1.received)" -gt 0 ] && [ "$(stat_of "$work/two.stats" decode.frames)" = "$total" ]'
check "rotation: several pieces, each of whole lines" \
    '[ $(echo "$pieces" | wc -l) -ge 3 ] && for p in $pieces; do [ "$(tail -c1 "$p" | od -An -c | tr -d " ")" = "\\n" ] || exit 1; done'
check "rotation: every closed piece handed to the command" '[ "$(sort "$work/rot/shipped" 2>/dev/null)" = "$pieces" ]'

# ---- 3. stalled: drops counted honestly ----
start stall -i "$cap_a" -B 1 -w "$work/stall.jsonl" --stats
kill -STOP "$sniffer"
replay -i "$rep_a" --topspeed --loop 10 "$work/input.pcap"
sent=$((total * 10))
kill -CONT "$sniffer"
stop
frames=$(stat_of "$work/stall.err" decode.frames)
dropped=$(stat_of "$work/stall.err" capture.0.dropped)
check "stalled: exit status 3, input lost (got $rc)" '[ $rc -eq 3 ]'
check "stalled: drops counted ($dropped)" '[ "$dropped" -gt 0 ]'
check "stalled: frames read + dropped = frames sent ($frames + $dropped vs $sent)" '[ $((frames + dropped)) -eq $sent ]'
check "stalled: a warning when drops started" 'grep -q "warning: packets are being dropped" "$work/stall.err"'
check "stalled: standard error's JSON parses" '[ -n "$(stat_of "$work/stall.err" capture.0.received)" ]'
# ---- 4. two workers in one fanout group ----
start workers -i "$cap_a" --workers 2 -w "$work/workers.jsonl" --stats
replay -i "$rep_a" --pps 5000 "$work/input.pcap"
stop
normalize "$work/workers.jsonl" >"$work/workers.norm"
w0=$(stat_of "$work/workers.err" workers.0.decode.frames); w1=$(stat_of "$work/workers.err" workers.1.decode.frames)
check "--workers 2: exit 0 (got $rc: $(tail -1 "$work/workers.err"))" '[ $rc -eq 0 ]'
check "--workers 2: the lines of one" 'cmp -s "$work/offline.norm" "$work/workers.norm"'
check "--workers 2: both had a share, every frame read once ($w0 + $w1 = $total)" \
    '[ "$w0" -gt 0 ] && [ "$w1" -gt 0 ] && [ $((w0 + w1)) -eq "$total" ]'

# ---- 5. the mirror port loses its link for 3 s ----
start link -i "$cap_b" -w /dev/null --stats
sleep 1.5
ip -n "$ns_r" link set "$rep_b" down # the far end: the capture side loses its carrier
sleep 3
ip -n "$ns_r" link set "$rep_b" up
sleep 2.5
stop
down_us=$(stat_of "$work/link.err" capture.0.link_down_us)
check "link: exit 0 (got $rc)" '[ $rc -eq 0 ]'
check "link: warned when it went down and when it came back" \
    'grep -q "$cap_b: warning: link is down" "$work/link.err" && grep -q "$cap_b: warning: link is up again" "$work/link.err"'
check "link: one down period of about 3 s in the stats (${down_us} us)" \
    '[ "$(stat_of "$work/link.err" capture.0.link_down_events)" = 1 ] && [ "$down_us" -ge 1500000 ] && [ "$down_us" -le 5000000 ]'

echo "live: $(wc -l <"$work/offline.jsonl") lines; stalled run: $frames read, $dropped dropped of $sent sent"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
