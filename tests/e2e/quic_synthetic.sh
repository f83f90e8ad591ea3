#!/bin/sh
# e2e_quic_synthetic: bench/gen_quic.py's QUIC connections, really protected,
# with more of its rarer cases than the benchmark's: half the new connections
# take the 4-tuple of one just decided (a client reusing its port: each must
# get its own line), a fifth are refused by Version Negotiation first (the
# line must give both sides' versions). bench/check_manifest.py matches the
# lines one to one (in order per 4-tuple) with the manifest, and --stats
# must count the reopened flows and the Version Negotiations. Skipped (77)
# without Python's cryptography package.
#
# Usage: quic_synthetic.sh TLSSCOPE PYTHON OUTDIR
set -eu
[ $# -eq 3 ] || { echo "usage: $0 TLSSCOPE PYTHON OUTDIR" >&2; exit 2; }
bin=$1 py=$2 out=$3
src=$(cd "$(dirname "$0")/../.." && pwd)
if ! "$py" -c 'import cryptography' 2>/dev/null; then
    echo "skipped: the Python package cryptography is missing (apt-get install python3-cryptography)"
    exit 77
fi
mkdir -p "$out"
"$py" "$src/bench/gen_quic.py" --out "$out/synthetic.pcap" --manifest "$out/synthetic.manifest.jsonl" \
    --connections 60 --concurrency 3 --reuse-per-mille 500 --vn-per-mille 200 --seed 7
"$bin" -r "$out/synthetic.pcap" --force -w "$out/synthetic.jsonl" --stats 2>"$out/synthetic.stats.json"
"$py" "$src/bench/check_manifest.py" "$out/synthetic.manifest.jsonl" "$out/synthetic.jsonl"
"$py" - "$out/synthetic.manifest.jsonl" "$out/synthetic.stats.json" <<'PY'
import collections, json, sys
entries = [json.loads(l) for l in open(sys.argv[1])]
keys = collections.Counter((e["source.ip"], e["source.port"], e["destination.ip"]) for e in entries)
shared = sum(n - 1 for n in keys.values())
refused = sum(1 for e in entries if e.get("tls.server.quic_versions"))
stats = json.load(open(sys.argv[2]))
reopened, vn = stats["flows"]["reopened"], stats["quic"]["version_negotiations"]
print(f"{shared} connections on a 4-tuple used before, {reopened} flows reopened; "
      f"{refused} refused by Version Negotiation, {vn} taken")
sys.exit(0 if shared > 0 and reopened == shared and refused > 0 and vn == refused else 1)
PY
