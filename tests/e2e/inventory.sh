#!/bin/sh
# inventory.sh TLSSCOPE CORPUS_DIR PYTHON: --inventory and report --inventory.
# - a report over the inventory equals the report over the lines the same
#   runs wrote, in every view, and a second run over the same input doubles
#   its counts (rows are summed, never replaced);
# - the database is in WAL mode and passes SQLite's integrity check;
# - readers (report --inventory) run while a writer is writing;
# - a writer killed (SIGKILL) in the middle leaves a readable database;
# - a locked database: the lines are still all written, the error is named,
#   exit status 1; a file that is not a database: a clear error at start.
# Every process started here is stopped by its PID; the whole is bounded to
# about 20 seconds.
set -u
bin=$1; corpus=$2; py=$3
[ -d "$corpus" ] || { echo "SKIP: no corpus at $corpus"; exit 77; }
tmp=$(mktemp -d)
pids=""
cleanup() { for p in $pids; do kill -9 "$p" 2>/dev/null; done; rm -rf "$tmp"; }
trap cleanup EXIT
pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

caps=$(ls "$corpus"/*.pcap "$corpus"/*.pcapng 2>/dev/null | grep -v expected)
db="$tmp/inv.db"
for f in $caps; do
    "$bin" -r "$f" --inventory "$db" >> "$tmp/lines.jsonl" 2>/dev/null
done
check "lines were written" '[ -s "$tmp/lines.jsonl" ]'
for view in client server finding; do
    "$bin" report --by $view --format json "$tmp/lines.jsonl" > "$tmp/from_lines.$view" 2>/dev/null
    "$bin" report --by $view --format json --inventory "$db" > "$tmp/from_db.$view" 2>/dev/null; rc=$?
    check "report --by $view over the inventory equals the report over the lines" \
        '[ $rc -eq 0 ] && [ -s "$tmp/from_db.$view" ] && cmp -s "$tmp/from_lines.$view" "$tmp/from_db.$view"'
done

sql() { "$py" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print(c.execute(sys.argv[2]).fetchone()[0])' "$@"; }
before=$(sql "$db" "select sum(connections) from tls_daily")
lines=$(wc -l < "$tmp/lines.jsonl")
check "the inventory counts every line ($before of $lines)" '[ "$before" -eq "$lines" ]'
for f in $caps; do "$bin" -r "$f" --inventory "$db" > /dev/null 2>&1; done
after=$(sql "$db" "select sum(connections) from tls_daily")
check "a second run adds to the rows" '[ "$after" -eq $((2 * before)) ]'
check "WAL mode" '[ "$(sql "$db" "pragma journal_mode")" = wal ]'
check "integrity" '[ "$(sql "$db" "pragma integrity_check")" = ok ]'

# A long writer (the corpus's largest captures over and over, 250 inputs:
# several seconds), readers meanwhile, then SIGKILL.
big="$tmp/big.db"
args=""
largest=$(ls -S $caps | head -5)
for i in $(seq 50); do for f in $largest; do args="$args -r $f"; done; done
# shellcheck disable=SC2086
"$bin" $args --inventory "$big" > /dev/null 2>&1 &
writer=$!; pids="$pids $writer"
readers_ok=0; readers=0
for i in 1 2 3 4 5 6; do
    sleep 1
    [ -f "$big" ] || continue
    readers=$((readers + 1))
    if "$bin" report --inventory "$big" > /dev/null 2> "$tmp/reader.err"; then readers_ok=$((readers_ok + 1));
    else cat "$tmp/reader.err"; fi
done
kill -9 "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
check "readers ran while the writer wrote ($readers_ok of $readers)" '[ $readers -gt 0 ] && [ $readers_ok -eq $readers ]'
check "a killed writer leaves a sound database" '[ "$(sql "$big" "pragma integrity_check")" = ok ]'
"$bin" report --inventory "$big" > /dev/null 2>&1; rc=$?
check "and it reads" '[ $rc -eq 0 ]'

# Locked: another process holds the write lock for 3 s.
one=""
for f in $caps; do
    if [ -n "$("$bin" -r "$f" 2>/dev/null | head -1)" ]; then one=$f; break; fi
done
"$py" -c 'import sqlite3,sys,time
c=sqlite3.connect(sys.argv[1], isolation_level=None); c.execute("begin exclusive"); print("locked", flush=True); time.sleep(3)' \
    "$db" > "$tmp/lock.out" &
locker=$!; pids="$pids $locker"
for i in 1 2 3 4 5 6 7 8 9 10; do grep -q locked "$tmp/lock.out" 2>/dev/null && break; sleep 0.2; done
"$bin" -r "$one" --inventory "$db" > "$tmp/locked.jsonl" 2> "$tmp/locked.err"; rc=$?
"$bin" -r "$one" > "$tmp/plain.jsonl" 2>/dev/null
check "locked: every line still written" 'cmp -s "$tmp/locked.jsonl" "$tmp/plain.jsonl"'
check "locked: named on stderr, exit 1" '[ $rc -eq 1 ] && grep -q "locked" "$tmp/locked.err"'
wait "$locker" 2>/dev/null

head -c 4096 /dev/urandom > "$tmp/junk.db"
"$bin" -r "$one" --inventory "$tmp/junk.db" > /dev/null 2> "$tmp/junk.err"; rc=$?
check "not a database: a clear error" '[ $rc -eq 1 ] && grep -q "junk.db" "$tmp/junk.err"'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
