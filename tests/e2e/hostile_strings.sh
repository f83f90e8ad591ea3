#!/bin/sh
# Hostile strings: server names, ALPN values and STARTTLS replies carrying
# quotes, backslashes, control characters, NUL, invalid UTF-8 (lone
# continuation bytes, overlongs, surrogates, > U+10FFFF, cut sequences) and
# maximum lengths must come out as valid JSON in valid UTF-8, and decode to
# what SCHEMA.md says: the wire bytes with each maximal invalid subpart
# replaced by U+FFFD (Unicode 15 3.9, as Wireshark and Python's
# errors="replace" do), cut where tlsscope cuts (SNI 256 bytes, ALPN 32 names
# in 256 bytes, STARTTLS reply 200 bytes).
#
# Usage: hostile_strings.sh TLSSCOPE PYTHON OUTDIR
#   1. make_captures.py --hostile OUTDIR writes the captures and expectations
#   2. check_corpus.py compares the decoded values with the expectations
#   3. synthetic/check_extra.py checks every line strictly (RFC 8259 JSON, strict
#      UTF-8, no raw control byte, no duplicate key, no lone surrogate escape)
#   4. pcapng_output.py writes each capture back with --pcapng and checks its
#      comments (strict UTF-8, no control characters) and blocks
#   5. jq (when installed) must parse every line, and re-serialise it to the
#      same values
set -eu
[ $# -eq 3 ] || { echo "usage: $0 TLSSCOPE PYTHON OUTDIR" >&2; exit 2; }
bin=$1 py=$2 out=$3
here=$(cd "$(dirname "$0")" && pwd)

"$py" "$here/make_captures.py" --hostile "$out"
status=0
"$py" "$here/check_corpus.py" "$bin" "$out" || status=1
"$py" "$here/synthetic/check_extra.py" "$bin" "$out" || status=1
# The same strings in the comments of the pcapng output: strict UTF-8, no
# control character, well-formed blocks.
"$py" "$here/pcapng_output.py" "$bin" "$out" || status=1

if command -v jq >/dev/null 2>&1; then
    for cap in "$out"/*.pcap; do
        "$bin" -r "$cap" > "$cap.out.jsonl"
        if ! jq -c . < "$cap.out.jsonl" > "$cap.jq.jsonl"; then
            echo "FAIL  $(basename "$cap"): jq cannot parse the output"
            status=1
            continue
        fi
        "$py" - "$cap.out.jsonl" "$cap.jq.jsonl" <<'EOF' || status=1
import json, sys
a = [json.loads(l) for l in open(sys.argv[1], "rb").read().decode("utf-8").splitlines()]
b = [json.loads(l) for l in open(sys.argv[2], "rb").read().decode("utf-8").splitlines()]
name = sys.argv[1].rsplit("/", 1)[-1]
if a != b:
    print("FAIL  %s: jq reads different values (%d vs %d lines)" % (name, len(a), len(b)))
    sys.exit(1)
print("ok    %s: jq parses all %d lines to the same values" % (name, len(a)))
EOF
    done
else
    echo "jq not installed: jq cross-check skipped (python3's strict checks ran)"
fi
exit $status
