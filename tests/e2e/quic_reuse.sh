#!/bin/sh
# e2e_quic_reuse: QUIC connections reusing the 4-tuple of one already decided
# (a client reusing its port) each get their own line. bench/gen_quic.py
# writes a small capture where half the new connections take the 4-tuple of
# one just ended, and its manifest; bench/check_manifest.py matches the
# lines one to one (in order per 4-tuple), and --stats must count the
# reopened flows. Skipped (77) without Python's cryptography package.
#
# Usage: quic_reuse.sh TLSSCOPE PYTHON OUTDIR
set -eu
[ $# -eq 3 ] || { echo "usage: $0 TLSSCOPE PYTHON OUTDIR" >&2; exit 2; }
bin=$1 py=$2 out=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
if ! "$py" -c 'import cryptography' 2>/dev/null; then
    echo "skipped: the Python package cryptography is missing (apt-get install python3-cryptography)"
    exit 77
fi
mkdir -p "$out"
"$py" "$src/bench/gen_quic.py" --out "$out/reuse.pcap" --manifest "$out/reuse.manifest.jsonl" \
    --connections 60 --concurrency 3 --reuse-per-mille 500 --seed 7
"$bin" -r "$out/reuse.pcap" --force -w "$out/reuse.jsonl" --stats 2>"$out/reuse.stats.json"
"$py" "$src/bench/check_manifest.py" "$out/reuse.manifest.jsonl" "$out/reuse.jsonl"
"$py" - "$out/reuse.manifest.jsonl" "$out/reuse.stats.json" <<'PY'
import collections, json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
keys = collections.Counter((e["source.ip"], e["source.port"], e["destination.ip"]) for e in entries)
shared = sum(n - 1 for n in keys.values())
reopened = json.load(open(sys.argv[2]))["flows"]["reopened"]
print(f"{shared} connections on a 4-tuple used before, {reopened} flows reopened")
sys.exit(0 if shared > 0 and reopened == shared else 1)
PY
