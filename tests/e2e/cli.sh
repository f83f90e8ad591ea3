#!/bin/sh
# cli.sh TLSSCOPE SAMPLES_DIR: the command line's contract: exit codes, error
# messages that name the input, output to -w and stdout alike, stdin input,
# several -r in order, truncated and corrupt files, and SIGTERM still writing
# what was decided.
set -u
bin=$1; samples=$2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
ok()   { pass=$((pass + 1)); }
bad()  { fail=$((fail + 1)); echo "FAIL: $*"; }
check() { if eval "$2"; then ok; else bad "$1"; fi; }

alert="$samples/legacy-client-alert.pcap"
imaps="$samples/imaps.pcap"

"$bin" >/dev/null 2>"$tmp/err"; rc=$?
check "no input gives usage error" '[ $rc -eq 2 ] && grep -q "give either -r FILE or -i IFACE" "$tmp/err"'

"$bin" -r "$alert" --max-flows abc >/dev/null 2>"$tmp/err"; rc=$?
check "bad number is rejected" '[ $rc -eq 2 ] && grep -q -- "--max-flows: .abc. is not a whole number" "$tmp/err"'

"$bin" --no-such-option >/dev/null 2>"$tmp/err"; rc=$?
check "unknown option is rejected" '[ $rc -eq 2 ]'

"$bin" -r "$tmp/missing.pcap" >/dev/null 2>"$tmp/err"; rc=$?
check "missing file names the file" '[ $rc -eq 1 ] && grep -q "missing.pcap: cannot open" "$tmp/err"'

printf 'this is not a capture file at all\n' > "$tmp/bad.pcap"
"$bin" -r "$tmp/bad.pcap" >/dev/null 2>"$tmp/err"; rc=$?
check "bad magic is a clear error" '[ $rc -eq 1 ] && grep -q "bad.pcap: not a readable capture" "$tmp/err"'

# A corrupt file after a good one: the good one's lines are still written.
"$bin" -r "$alert" -r "$tmp/bad.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "lines before a bad file are kept" '[ $rc -eq 1 ] && [ $(wc -l < "$tmp/out") -eq 1 ]'

"$bin" -r "$imaps" >"$tmp/full" 2>/dev/null
size=$(wc -c < "$imaps")
head -c $((size - 700)) "$imaps" > "$tmp/cut.pcap"
"$bin" -r "$tmp/cut.pcap" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "truncated file: error, reported up to the cut" \
    '[ $rc -eq 1 ] && grep -q "cut.pcap: file ends in the middle of a packet" "$tmp/err" && [ $(wc -l < "$tmp/out") -ge 1 ]'

"$bin" -r "$imaps" -w "$tmp/w.jsonl" >"$tmp/stdout" 2>/dev/null; rc=$?
check "-w writes the same lines as stdout" '[ $rc -eq 0 ] && [ ! -s "$tmp/stdout" ] && cmp -s "$tmp/w.jsonl" "$tmp/full"'
"$bin" -r "$imaps" -w "$tmp/w.jsonl" 2>"$tmp/err"; rc=$?
check "-w refuses a file that exists, and leaves it alone" \
    '[ $rc -eq 1 ] && grep -q "w.jsonl: exists already" "$tmp/err" && cmp -s "$tmp/w.jsonl" "$tmp/full"'
"$bin" -r "$imaps" -w "$tmp/w.jsonl" --append 2>/dev/null; rc=$?
check "-w --append adds to it" '[ $rc -eq 0 ] && cat "$tmp/full" "$tmp/full" | cmp -s - "$tmp/w.jsonl"'
"$bin" -r "$imaps" -w "$tmp/w.jsonl" --force 2>/dev/null; rc=$?
check "-w --force overwrites it" '[ $rc -eq 0 ] && cmp -s "$tmp/w.jsonl" "$tmp/full"'
"$bin" -r "$imaps" -w "$tmp/w.jsonl" --force --append 2>/dev/null; rc1=$?
"$bin" -r "$imaps" --rotate-bytes 1000 2>/dev/null; rc2=$?
"$bin" -r "$imaps" --stats-interval 10 2>/dev/null; rc3=$?
"$bin" -r "$imaps" -w "$tmp/w2.jsonl" --rotate-command true 2>/dev/null; rc4=$?
check "usage errors: --force with --append, --rotate-* without -w, --stats-interval without -i, a command without rotation" \
    '[ $rc1 -eq 2 ] && [ $rc2 -eq 2 ] && [ $rc3 -eq 2 ] && [ $rc4 -eq 2 ]'

"$bin" -r - < "$imaps" >"$tmp/stdin.jsonl" 2>/dev/null; rc=$?
check "-r - reads standard input" '[ $rc -eq 0 ] && cmp -s "$tmp/stdin.jsonl" "$tmp/full"'

"$bin" -r "$alert" -r "$imaps" >"$tmp/two" 2>/dev/null; rc=$?
check "several -r are read in order" '[ $rc -eq 0 ] && [ $(wc -l < "$tmp/two") -eq $(( $(wc -l < "$tmp/full") + 1 )) ]'

"$bin" -r "$alert" --stats >/dev/null 2>"$tmp/stats"; rc=$?
check "--stats prints counters" '[ $rc -eq 0 ] && grep -q "\"decode\":{\"frames\":" "$tmp/stats"'

"$bin" -r "$alert" -f "tcp port 9" >"$tmp/out" 2>/dev/null; rc=$?
check "-f filter applies" '[ $rc -eq 0 ] && [ ! -s "$tmp/out" ]'

"$bin" -r "$alert" -f "not a filter (" >/dev/null 2>"$tmp/err"; rc=$?
check "bad filter is a usage error" '[ $rc -eq 2 ] && grep -q "bad filter" "$tmp/err"'

# --pcapng: a file of its own, never an input; write errors are errors.
"$bin" -r "$alert" -r "$imaps" --pcapng "$tmp/out.pcapng" >"$tmp/out" 2>"$tmp/err"; rc=$?
check "--pcapng writes a capture tlsscope reads back to the same lines" \
    '[ $rc -eq 0 ] && "$bin" -r "$tmp/out.pcapng" 2>/dev/null | cmp -s - "$tmp/out"'
"$bin" -r "$alert" --pcapng - >/dev/null 2>"$tmp/err"; rc=$?
check "--pcapng - is refused (stdout carries JSON)" '[ $rc -eq 2 ] && grep -q "needs a file of its own" "$tmp/err"'
"$bin" -r "$alert" -w "$tmp/same" --pcapng "$tmp/same" >/dev/null 2>"$tmp/err"; rc=$?
check "--pcapng and -w on one file are refused" '[ $rc -eq 2 ]'
cp "$alert" "$tmp/in.pcap"
"$bin" -r "$tmp/in.pcap" --pcapng "$tmp/./in.pcap" >/dev/null 2>"$tmp/err"; rc=$?
check "--pcapng over an input is refused, the input kept" \
    '[ $rc -eq 2 ] && grep -q "would overwrite an input" "$tmp/err" && cmp -s "$tmp/in.pcap" "$alert"'
"$bin" -r "$alert" --pcapng "$tmp/no/such/dir.pcapng" >/dev/null 2>"$tmp/err"; rc=$?
check "--pcapng into a missing directory names it" '[ $rc -eq 1 ] && grep -q "dir.pcapng: cannot write" "$tmp/err"'
if [ -w /dev/full ]; then
    "$bin" -r "$imaps" --pcapng /dev/full >"$tmp/out" 2>"$tmp/err"; rc=$?
    check "--pcapng write error: exit 1, JSON lines still written" \
        '[ $rc -eq 1 ] && grep -q "error writing the capture" "$tmp/err" && cmp -s "$tmp/out" "$tmp/full"'
fi

# SIGTERM while reading a pipe that stays open: what was decided is written.
mkfifo "$tmp/fifo"
"$bin" -r - < "$tmp/fifo" >"$tmp/sig.jsonl" 2>/dev/null &
pid=$!
exec 3>"$tmp/fifo"
cat "$alert" >&3
sleep 1
kill -TERM "$pid"
wait "$pid"; rc=$?
exec 3>&-
check "SIGTERM flushes decided lines" '[ $rc -eq 0 ] && [ $(wc -l < "$tmp/sig.jsonl") -eq 1 ]'

# --fields / --brief: each line is the full line with only the listed members
# (projected here independently, in Python), in the same order.
project='
import json, sys
paths = [p.split(".") for p in sys.argv[1].split(",") if p]
def keep(v, prefix):
    if any(p == prefix[:len(p)] for p in paths if len(p) <= len(prefix)):
        return v
    if isinstance(v, list):
        kept = [keep(x, prefix) for x in v]
        kept = [x for x in kept if x is not None]
        return kept or None
    if isinstance(v, dict):
        kept = {k: keep(x, prefix + [k]) for k, x in v.items()}
        kept = {k: x for k, x in kept.items() if x is not None}
        return kept or None
    return None
for line in sys.stdin:
    print(json.dumps(keep(json.loads(line), []) or {}, separators=(",", ":"), ensure_ascii=False))
'
brief="@timestamp,client.ip,destination.ip,destination.port,network.protocol,tls.client.server_name,tls.client.offered_versions,tls.negotiated_version,tls.cipher,tls.outcome,tls.findings.id"
for f in "$alert" "$imaps"; do
    "$bin" -r "$f" > "$tmp/all.jsonl" 2>/dev/null
    "$bin" -r "$f" --brief > "$tmp/brief.jsonl" 2>/dev/null; rc=$?
    python3 -c "$project" "$brief" < "$tmp/all.jsonl" > "$tmp/brief.want"
    check "--brief is the full line's brief members ($(basename "$f"))" \
        '[ $rc -eq 0 ] && [ -s "$tmp/brief.jsonl" ] && cmp -s "$tmp/brief.jsonl" "$tmp/brief.want"'
    sel="tls.client.ja4,source,tls.server.x509.subject,tls.findings.severity"
    "$bin" -r "$f" --fields "$sel" > "$tmp/fields.jsonl" 2>/dev/null; rc=$?
    python3 -c "$project" "$sel" < "$tmp/all.jsonl" > "$tmp/fields.want"
    check "--fields selects members ($(basename "$f"))" '[ $rc -eq 0 ] && cmp -s "$tmp/fields.jsonl" "$tmp/fields.want"'
done
"$bin" -r "$imaps" --fields "tls..x" > /dev/null 2> "$tmp/err"; rc=$?
check "a bad --fields list is a usage error" '[ $rc -eq 2 ] && grep -q "an empty name between dots" "$tmp/err"'

# Every option --help names is documented in the README and the man page.
top="$samples/.."
undocumented=""
for o in $("$bin" --help 2>&1 | grep -o -- "--[a-z][a-z-]*" | sort -u); do
    grep -q -- "\`$o" "$top/README.md" || undocumented="$undocumented README:$o"
    grep -q -- "$(printf '%s' "$o" | sed 's/-/\\\\-/g')" "$top/man/tlsscope.1" || undocumented="$undocumented man:$o"
done
check "every option of --help is in the README and the man page${undocumented:+ (missing:$undocumented)}" \
    '[ -z "$undocumented" ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
