#!/usr/bin/env bash
# bench/before_after.sh - two tlsscope binaries measured back to back over the
# same captures, then side by side (bench/compare.py). Back to back, because
# on a shared machine the load moves between two runs made hours apart, and
# wall times move with it: compare only what ran in the same window (the
# load average is in each results.json and the table).
#
# usage: bench/before_after.sh BEFORE_TLSSCOPE AFTER_TLSSCOPE [RESULTS_DIR]
#   e.g. bench/before_after.sh /work/wt/bench-results/tlsscope-859e364 build-bench/tlsscope
# RESULTS_DIR (default bench/out/before_after) gets before/ and after/, each
# with table.txt, results.json and the --stats of both captures, and
# compare.txt. The captures are bench/run.sh's (BENCH_OUT, default
# bench/out), generated once and reused. Every BENCH_* variable of
# bench/run.sh applies (BENCH_REPEAT=5 BENCH_PEERS=0 is a good choice).
set -euo pipefail

cd "$(dirname "$0")/.."
if (($# < 2)); then
    sed -n '8,9p' "$0" | sed 's/^# //' >&2
    exit 2
fi
before=$(realpath "$1")
after=$(realpath "$2")
results=${3:-bench/out/before_after}
out=${BENCH_OUT:-bench/out}

for side in before after; do
    bin=$before
    [[ $side == after ]] && bin=$after
    mkdir -p "$results/$side"
    echo "== $side: $bin" >&2
    BENCH_TLSSCOPE=$bin BENCH_COMMIT=$bin bench/run.sh >"$results/$side/table.txt"
    cp "$out/results.json" "$out"/handshake.stats.json "$out"/bulk.stats.json "$results/$side/"
    cat "$results/$side/table.txt"
done
python3 bench/compare.py "$results/before/results.json" "$results/after/results.json" | tee "$results/compare.txt"
