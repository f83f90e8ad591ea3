#!/bin/sh
# e2e_synthetic: writes the synthetic captures (make_captures.py), then checks
# them with check_corpus.py (the expectations beside each capture) and
# check_extra.py (line counts, list members such as finding ids, fields that
# must be absent, --stats counters; strict JSON on every line).
#
# Usage: run.sh TLSSCOPE PYTHON OUTDIR
set -eu
[ $# -eq 3 ] || { echo "usage: $0 TLSSCOPE PYTHON OUTDIR" >&2; exit 2; }
bin=$1 py=$2 out=$3
e2e=$(cd "$(dirname "$0")/.." && pwd)

"$py" "$e2e/make_captures.py" "$out"
status=0
"$py" "$e2e/check_corpus.py" "$bin" "$out" || status=1
"$py" "$e2e/synthetic/check_extra.py" "$bin" "$out" || status=1
exit $status
