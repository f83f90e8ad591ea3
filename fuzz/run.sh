#!/usr/bin/env bash
# fuzz/run.sh BUILD SECONDS [TARGET...] - runs the libFuzzer targets built in
# BUILD (make fuzz) one after the other, each for SECONDS, and fails when any
# of them finds a crash, a failed check, a leak, a timeout or runs out of
# memory.
#
# Each target fuzzes a working corpus in BUILD/fuzz-corpus/<target>/, seeded
# from fuzz/corpus/<target>/ and kept between runs (so a later run starts
# where the last one got to). What a failing run found is in
# BUILD/fuzz-artifacts/<target>/ (crash-*, leak-*, timeout-*, oom-*); its
# log in BUILD/fuzz-logs/<target>.log. Reproduce with
#     BUILD/fuzz/fuzz_<target> BUILD/fuzz-artifacts/<target>/crash-...
# and keep the input as a regression seed: fuzz/corpus/<target>/crash-<what>.
set -uo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD SECONDS [TARGET...]" >&2
  exit 2
fi
build=$1
secs=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
  targets=("$@")
else
  targets=(decode ip_reasm tcp_reasm tls_session tls_hello starttls proxy_proto json pipeline x509 report_lines sslv2
           quic dtls chain_verify)
fi

# Inputs no longer than a target needs: a frame, a segment script, a
# handshake with its certificates, a capture of a few connections.
declare -A max_len=(
  [decode]=4096 [ip_reasm]=8192 [tcp_reasm]=4096 [tls_session]=16384 [tls_hello]=16384
  [starttls]=8192 [proxy_proto]=4096 [json]=4096 [pipeline]=32768 [x509]=8192
  [report_lines]=8192 [sslv2]=4096 [quic]=8192 [dtls]=8192 [chain_verify]=16384
)
declare -A use_dict=([tls_session]=1 [tls_hello]=1 [starttls]=1 [proxy_proto]=1 [pipeline]=1)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

failed=()
printf '%-12s %10s %8s %6s %6s  %s\n' target execs exec/s cov units result
for t in "${targets[@]}"; do
  bin=$build/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz: $bin not built (make fuzz)" >&2
    failed+=("$t")
    continue
  fi
  work=$build/fuzz-corpus/$t
  art=$build/fuzz-artifacts/$t
  logs=$build/fuzz-logs
  mkdir -p "$work" "$art" "$logs"
  cp -n "$here/corpus/$t/"* "$work/" 2>/dev/null || true
  args=(-max_total_time="$secs" -max_len="${max_len[$t]:-4096}" -timeout=30 -rss_limit_mb=2560
        -print_final_stats=1 -artifact_prefix="$art/")
  if [ -n "${use_dict[$t]:-}" ]; then
    args+=(-dict="$here/dict/tlsscope.dict")
  fi
  "$bin" "${args[@]}" "$work" >"$logs/$t.log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$logs/$t.log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$logs/$t.log" | tail -1)
  cov=$(grep -oE '(DONE|pulse|NEW|REDUCE|INITED) +cov: [0-9]+' "$logs/$t.log" | tail -1 | grep -oE '[0-9]+$')
  units=$(ls "$work" | wc -l)
  if [ $rc -eq 0 ]; then
    result=ok
  else
    result="FAILED (exit $rc)"
    failed+=("$t")
  fi
  printf '%-12s %10s %8s %6s %6s  %s\n' "$t" "${execs:-?}" "${rate:-?}" "${cov:-?}" "$units" "$result"
  if [ $rc -ne 0 ]; then
    echo "---- $logs/$t.log (end) ----"
    grep -v -E '^#[0-9]+' "$logs/$t.log" | tail -60
    echo "---- artifacts in $art: ----"
    ls -l "$art"
    echo "----"
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: FAILED: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets ran ${secs}s each without a crash"
