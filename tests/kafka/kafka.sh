#!/usr/bin/env bash
# kafka.sh TLSSCOPE MOCK_CLUSTER CAPTURE_DIR... - tlsscope --kafka against a
# mock Kafka cluster (tests/kafka/mock_cluster.c), consumed with kcat:
#  1. the consumed lines equal the -w file, keyed by client.ip, each client's
#     lines in order; the stats record is on TOPIC.stats and counts them all;
#  2. brokers away: the lines the queue cannot take are counted lost;
#  3. brokers away with --kafka-spool: lines are spooled, and sent by the next
#     run once the brokers are back (none lost, spool emptied);
#  4. a slow broker (every answer 2 s late) does not stall the capture: every
#     line is handed over and the run ends within its flush bound.
# Skips (77) without kcat.
set -u
tlsscope=$1 mock=$2
shift 2
if ! command -v kcat >/dev/null; then
    echo "skipped: kcat is not installed (make test installs it)"
    exit 77
fi
tmp=$(mktemp -d)
mock_pid=
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }

inputs=()
for dir in "$@"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' f; do inputs+=(-r "$f"); done \
        < <(find "$dir" -maxdepth 1 -type f \( -name '*.pcap' -o -name '*.pcapng' \) -print0 | sort -z)
done
[ ${#inputs[@]} -gt 0 ] || fail "no captures"

# The cluster: 1 broker, 3 partitions per topic; commands on a FIFO.
mkfifo "$tmp/ctl"
"$mock" 1 3 lines lines.stats lost spooled slow >"$tmp/mock.out" 2>"$tmp/mock.err" <"$tmp/ctl" &
mock_pid=$!
exec 3>"$tmp/ctl"
for _ in $(seq 100); do [ -s "$tmp/mock.out" ] && break; sleep 0.1; done
brokers=$(head -1 "$tmp/mock.out")
[ -n "$brokers" ] || fail "mock cluster did not start: $(cat "$tmp/mock.err")"
ctl() { echo "$1" >&3; }
consume() { # topic -> "key<TAB>payload" lines
    kcat -C -b "$brokers" -t "$1" -o beginning -e -q -f '%k\t%s\n' 2>"$tmp/kcat.err"
}

# 1. Everything delivered, equal to the -w file.
"$tlsscope" "${inputs[@]}" --kafka "$brokers" --kafka-topic lines -w "$tmp/lines.jsonl" --stats \
    2>"$tmp/stats1.err" >/dev/null
status=$?
[ "$status" -le 1 ] || fail "tlsscope exited $status: $(cat "$tmp/stats1.err")"
n=$(wc -l <"$tmp/lines.jsonl")
[ "$n" -gt 0 ] || fail "no lines written"
consume lines >"$tmp/consumed.tsv"
python3 - "$tmp/lines.jsonl" "$tmp/consumed.tsv" "$tmp/stats1.err" <<'PY' || exit 1
import json, sys
from collections import defaultdict
lines = open(sys.argv[1]).read().splitlines()
consumed = [l.split("\t", 1) for l in open(sys.argv[2]).read().splitlines()]
if sorted(p for _, p in consumed) != sorted(lines):
    sys.exit(f"FAIL: consumed {len(consumed)} messages differ from the {len(lines)} lines of the -w file")
per_file, per_topic = defaultdict(list), defaultdict(list)
for l in lines:
    per_file[json.loads(l)["client"]["ip"]].append(l)
for k, p in consumed:
    if json.loads(p)["client"]["ip"] != k:
        sys.exit(f"FAIL: key {k} is not the line's client.ip")
    per_topic[k].append(p)
if per_file != per_topic:
    sys.exit("FAIL: a client's lines came out of order")
stats = json.loads([l for l in open(sys.argv[3]).read().splitlines() if l.startswith("{")][-1])["kafka"]
want = {"lines": len(lines), "queued": len(lines), "delivered": len(lines), "lost": 0, "spooled": 0,
        "delivery_errors": 0, "queue_full": 0}
for k, v in want.items():
    if stats[k] != v:
        sys.exit(f"FAIL: --stats kafka.{k} is {stats[k]}, want {v}")
print(f"delivered: {len(lines)} lines over {len(per_file)} client keys, equal to the -w file")
PY
consume lines.stats >"$tmp/stats_topic.tsv"
[ "$(wc -l <"$tmp/stats_topic.tsv")" -eq 1 ] || fail "want one record on lines.stats, got: $(head -c 300 "$tmp/stats_topic.tsv") $(cat "$tmp/kcat.err")"
python3 -c 'import json,sys; r=json.loads(open(sys.argv[1]).read().split("\t",1)[1]); assert r["kafka"]["delivered"]=='"$n"', r["kafka"]' \
    "$tmp/stats_topic.tsv" || fail "the stats record does not count the lines"

# 2. Brokers away, no spool: a queue of 2 takes 2 lines, the rest are lost;
#    those 2 time out (delivery errors) and are lost too.
ctl down
"$tlsscope" "${inputs[@]}" --kafka "$brokers" --kafka-topic lost --kafka-option queue.buffering.max.messages=2 \
    --kafka-option message.timeout.ms=1000 --stats 2>"$tmp/stats2.err" >/dev/null
python3 - "$tmp/stats2.err" "$n" <<'PY' || exit 1
import json, sys
s = json.loads([l for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")][-1])["kafka"]
n = int(sys.argv[2])
want = {"lines": n, "delivered": 0, "lost": n, "spooled": 0}
bad = {k: s[k] for k in want if s[k] != want[k]}
if bad or s["queue_full"] + s["delivery_errors"] != n or s["queue_full"] < n - 2:
    sys.exit(f"FAIL: brokers down, no spool: {s}")
print(f"brokers down: {s['queue_full']} refused by the full queue, {s['delivery_errors']} timed out, all {n} counted lost")
PY
grep -q "lines lost" "$tmp/stats2.err" || fail "no message about lost lines"

# 3. Brokers away with a spool; back for the next run, which sends them first.
"$tlsscope" "${inputs[@]}" --kafka "$brokers" --kafka-topic spooled --kafka-spool "$tmp/spool" \
    --kafka-option message.timeout.ms=1000 --stats 2>"$tmp/stats3.err" >/dev/null
[ "$(wc -l <"$tmp/spool")" -eq "$n" ] || fail "spool holds $(wc -l <"$tmp/spool") lines, want $n"
ctl up
"$tlsscope" "${inputs[@]}" --kafka "$brokers" --kafka-topic spooled --kafka-spool "$tmp/spool" \
    --stats 2>"$tmp/stats4.err" >/dev/null
[ ! -s "$tmp/spool" ] || fail "spool not emptied: $(wc -l <"$tmp/spool") lines left"
consume spooled >"$tmp/spooled.tsv"
python3 - "$tmp/lines.jsonl" "$tmp/spooled.tsv" "$tmp/stats3.err" "$tmp/stats4.err" <<'PY' || exit 1
import json, sys
lines = open(sys.argv[1]).read().splitlines()
got = [l.split("\t", 1)[1] for l in open(sys.argv[2]).read().splitlines()]
if sorted(got) != sorted(lines + lines):
    sys.exit(f"FAIL: after the spool, {len(got)} messages; want each of the {len(lines)} lines twice")
s3 = json.loads([l for l in open(sys.argv[3]).read().splitlines() if l.startswith("{")][-1])["kafka"]
s4 = json.loads([l for l in open(sys.argv[4]).read().splitlines() if l.startswith("{")][-1])["kafka"]
if s3["spooled"] != len(lines) or s3["lost"] != 0 or s3["delivered"] != 0:
    sys.exit(f"FAIL: brokers down with spool: {s3}")
if s4["spool_replayed"] != len(lines) or s4["delivered"] != 2 * len(lines) or s4["lost"] != 0:
    sys.exit(f"FAIL: brokers back: {s4}")
print(f"spool: {len(lines)} lines spooled while down, replayed and delivered after, none lost")
PY

# 4. A slow broker: every request answered 2 s late. The capture hands every
#    line over at once and the run ends within its flush bound (default
#    5 s), the lines still in flight then counted as delivery errors.
ctl "rtt 2000"
timeout 60 "$tlsscope" "${inputs[@]}" --kafka "$brokers" --kafka-topic slow -w "$tmp/slow.jsonl" --stats \
    2>"$tmp/stats5.err" >/dev/null
status=$?
[ "$status" -le 1 ] || fail "slow broker: tlsscope exited $status (124: it stalled)"
cmp -s "$tmp/slow.jsonl" "$tmp/lines.jsonl" || fail "slow broker: the -w file differs"
python3 - "$tmp/stats5.err" "$n" <<'PY' || exit 1
import json, sys
s = json.loads([l for l in open(sys.argv[1]).read().splitlines() if l.startswith("{")][-1])["kafka"]
n = int(sys.argv[2])
if s["lines"] != n or s["queued"] != n or s["queue_full"] != 0 or s["delivered"] + s["delivery_errors"] != n:
    sys.exit(f"FAIL: slow broker: {s}")
print(f"slow broker: {n} lines queued without waiting, {s['delivered']} delivered within the flush bound")
PY
ctl "rtt 0"
echo "e2e_kafka: ok"
