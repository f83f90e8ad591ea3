#!/bin/sh
# valgrind_corpus.sh VALGRIND TLSSCOPE CORPUS_DIR: memcheck over every capture
# of the corpus, each run on its own (so per-file errors surface), with
# leak checking and the pcapng writer on (--pcapng); any error fails the test.
set -u
vg=$1; bin=$2; dir=$3
[ -d "$dir" ] || { echo "skipped: $dir not found"; exit 77; }
fail=0; n=0
for f in "$dir"/*.pcap "$dir"/*.pcapng; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    if ! "$vg" -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,indirect \
            "$bin" -r "$f" --pcapng /tmp/valgrind.$$.pcapng >/dev/null 2>/tmp/valgrind.$$; then
        echo "valgrind: errors on $f"; cat /tmp/valgrind.$$; fail=$((fail + 1))
    fi
done
rm -f /tmp/valgrind.$$ /tmp/valgrind.$$.pcapng
echo "valgrind: $n captures, $fail with errors"
echo "$((n - fail)) passed, $fail failed"
[ "$fail" -eq 0 ]
