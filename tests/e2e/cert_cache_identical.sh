#!/bin/sh
# cert_cache_identical.sh TLSSCOPE CORPUS_DIR: the certificate cache changes
# nothing but the work done. Every capture of the corpus is read three times:
# with the default cache, with none (--cert-cache 0) and with a one-entry
# cache (--cert-cache 1, so evictions happen whenever two certificates
# alternate); the JSON lines and the exit status must be the same byte for
# byte. The cache must also have answered some certificates (hits > 0 in
# --stats), or the comparison would prove nothing.
set -u
bin=$1; corpus=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
files=0; fail=0; hits=0; evictions=0

# The value of "key" inside the "cert_cache" object of a --stats line.
counter() { sed -n "s/.*\"cert_cache\":{[^}]*\"$1\":\([0-9]*\).*/\1/p" "$2"; }

for f in "$corpus"/*.pcap "$corpus"/*.pcapng; do
    [ -f "$f" ] || continue
    files=$((files + 1))
    "$bin" -r "$f" --stats >"$tmp/with" 2>"$tmp/with.err"; rc_with=$?
    "$bin" -r "$f" --cert-cache 0 --stats >"$tmp/without" 2>"$tmp/without.err"; rc_without=$?
    "$bin" -r "$f" --cert-cache 1 --stats >"$tmp/one" 2>"$tmp/one.err"; rc_one=$?
    if ! cmp -s "$tmp/with" "$tmp/without" || ! cmp -s "$tmp/with" "$tmp/one" ||
       [ $rc_with -ne $rc_without ] || [ $rc_with -ne $rc_one ]; then
        echo "FAIL: $f: output differs with the certificate cache (exit $rc_with / $rc_without / $rc_one)"
        diff "$tmp/without" "$tmp/with" | head -5
        fail=$((fail + 1))
    fi
    if ! grep -q '"cert_cache":null' "$tmp/without.err"; then
        echo "FAIL: $f: --cert-cache 0 still reports a cache"
        fail=$((fail + 1))
    fi
    h=$(counter hits "$tmp/with.err"); e=$(counter evictions "$tmp/one.err")
    hits=$((hits + ${h:-0})); evictions=$((evictions + ${e:-0}))
done
echo "$files captures, $hits certificates answered from the cache, $evictions evictions with one entry"
if [ "$files" -eq 0 ]; then
    echo "FAIL: no capture in $corpus"
    exit 1
fi
if [ "$hits" -eq 0 ] || [ "$evictions" -eq 0 ]; then
    echo "FAIL: the corpus never exercised the cache (hits $hits, evictions $evictions)"
    exit 1
fi
[ "$fail" -eq 0 ]
