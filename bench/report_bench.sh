#!/usr/bin/env bash
# bench/report_bench.sh - how fast `tlsscope report` aggregates JSON lines,
# and that its memory follows distinct clients and services, not lines.
#
# Lines are made from real ones: tlsscope's output over the shared corpus
# (../shared/corpus/dev), else over samples/, each copied with its client
# address replaced by one of REPORT_BENCH_CLIENTS addresses: a quarter of
# the lines, then the whole is that quarter four times over (the same
# clients, services and everything distinct, four times the lines). Each view
# is timed over both: peak memory must stay about the same (the run fails
# when the whole takes more than 1.25 times the quarter's peak).
# Results: a table on stdout and $OUT/report.json.
#
# Environment (all optional):
#   REPORT_BENCH_LINES    lines (default 1000000; about 2.5 KB each, like real lines)
#   REPORT_BENCH_CLIENTS  distinct client addresses (default 50000)
#   BENCH_BUILD           build directory with tlsscope (default build-bench; built if missing)
#   BENCH_OUT             output directory (default bench/out)
set -euo pipefail

cd "$(dirname "$0")/.."
LINES=${REPORT_BENCH_LINES:-1000000}
CLIENTS=${REPORT_BENCH_CLIENTS:-50000}
BUILD=${BENCH_BUILD:-build-bench}
OUT=${BENCH_OUT:-bench/out}
TIME=/usr/bin/time
say() { printf '== %s\n' "$*" >&2; }

if ! "$TIME" --version 2>&1 | grep -q GNU; then
    echo "report_bench: GNU time is needed (apt-get install time)" >&2
    exit 1
fi
if [ ! -x "$BUILD/tlsscope" ]; then
    cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" -j2 --target tlsscope >/dev/null
fi
TLSSCOPE=$BUILD/tlsscope
WORK=$BUILD/report-bench
mkdir -p "$WORK" "$OUT"

# Templates: real lines.
SRC=../shared/corpus/dev
[ -d "$SRC" ] || SRC=samples
if [ ! -s "$WORK/templates.jsonl" ]; then
    for f in "$SRC"/*.pcap "$SRC"/*.pcapng; do
        [ -e "$f" ] && "$TLSSCOPE" -r "$f" 2>/dev/null || true
    done > "$WORK/templates.jsonl"
fi
DATA=$WORK/lines-$LINES-$CLIENTS-x4.jsonl
QUARTER=$WORK/lines-$((LINES / 4))-$CLIENTS.jsonl
if [ ! -s "$DATA" ]; then
    say "making $LINES lines over $CLIENTS clients from $(wc -l < "$WORK/templates.jsonl") real ones"
    python3 - "$WORK/templates.jsonl" "$LINES" "$CLIENTS" "$DATA" "$QUARTER" <<'PY'
import random, re, sys
src, n, clients, out, quarter = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
tpl = []
for line in open(src):
    m = re.search(r'"client":\{"ip":"[^"]*"', line)
    if m:
        tpl.append((line[:m.start()] + '"client":{"ip":"', line[m.end() - 1:]))
rnd = random.Random(1)
lines = []
for i in range(n // 4):
    a, b = tpl[rnd.randrange(len(tpl))]
    c = i % clients if i < clients else rnd.randrange(clients)  # every client appears
    lines.append(f"{a}10.{c >> 16 & 255}.{c >> 8 & 255}.{c & 255}{b}")
with open(quarter, "w", buffering=1 << 20) as q:
    q.writelines(lines)
with open(out, "w", buffering=1 << 20) as f:
    for _ in range(4):
        f.writelines(lines)
PY
fi
BYTES=$(stat -c %s "$DATA")

# run FILE VIEW -> "wall user rss_kb"
run() {
    "$TIME" -f "%e %U %M" -o "$WORK/time.txt" "$TLSSCOPE" report --by "$2" --format json "$1" > "$WORK/out.jsonl"
    cat "$WORK/time.txt"
}

printf '%-8s %10s %10s %10s %12s %12s %14s\n' view lines wall_s user_s lines_per_s MB_per_s peak_rss_MB
json="{\"lines\":$LINES,\"clients\":$CLIENTS,\"bytes\":$BYTES,\"views\":{"
status=0
for view in client server finding; do
    read -r wall user rss <<< "$(run "$DATA" "$view")"
    read -r qwall quser qrss <<< "$(run "$QUARTER" "$view")"
    awk -v v="$view" -v n="$LINES" -v w="$wall" -v u="$user" -v r="$rss" -v b="$BYTES" \
        'BEGIN { printf "%-8s %10d %10.2f %10.2f %12.0f %12.1f %14.1f\n", v, n, w, u, n / w, b / w / 1e6, r / 1024 }'
    awk -v v="$view" -v n="$((LINES / 4))" -v w="$qwall" -v u="$quser" -v r="$qrss" \
        'BEGIN { printf "%-8s %10d %10.2f %10.2f %12.0f %12s %14.1f\n", v, n, w, u, n / w, "", r / 1024 }'
    if [ "$rss" -gt $((qrss * 5 / 4)) ]; then
        echo "report_bench: --by $view: peak memory grew with lines ($qrss KB for a quarter, $rss KB for all)" >&2
        status=1
    fi
    json+="\"$view\":{\"wall_s\":$wall,\"user_s\":$user,\"peak_rss_kb\":$rss,\"quarter_peak_rss_kb\":$qrss},"
done
echo "${json%,}}}" > "$OUT/report.json"
say "results: $OUT/report.json"
exit $status
