#!/usr/bin/env bash
# bench/run.sh - how fast tlsscope reads captures, measured against the limit
# (the fastest honest libpcap read loop, bench/noop_read) and the peers
# (tshark, ndpiReader, when installed), over two generated captures
# (bench/gen_capture.c), 1 GiB each by default:
#   handshake  about 170,000 short TLS connections (hellos, certificates, key
#              exchange, a couple of application records)
#   bulk       about 11,700 connections, most bytes application data
#              (lognormal records per connection, mean 36)
# and a QUIC capture (bench/gen_quic.py, Python with `cryptography`):
#   quic       50,000 QUIC connections (v1, some v2 and draft-29; 40% with
#              an X25519MLKEM768 key share, their ClientHello over two
#              Initials; server Initial + Handshake, 1-RTT datagrams), the
#              Initials really protected with keys from each connection's
#              DCID, so tlsscope decrypts every one; 2% of the connections
#              reuse the 4-tuple of one just decided
# tlsscope's lines over each capture are checked against the generator's
# manifest (bench/check_manifest.py): a mismatch fails the run. On a small
# capture of each profile, the manifest itself is checked against tshark's
# reading (bench/tshark_manifest.py) and callgrind counts instructions per
# packet and per connection, and what the fingerprints and certificate
# parsing cost (bench/callgrind_share.py); over the QUIC capture, what
# Initial decryption costs per connection (quic_initial_keys: keys from the
# DCID; quic_unprotect: header protection and AES-128-GCM).
# `make bench` runs this. Results: a table on stdout, bench/out/results.json;
# bench/compare.py BEFORE AFTER puts two results.json side by side.
#
# Before and after a change, with the same captures (kept in BENCH_OUT while
# the generator and parameters are unchanged):
#   BENCH_OUT=/tmp/bench bench/run.sh | tee before.txt; cp /tmp/bench/results.json before.json
#   ... change, then the same into after.txt, after.json ...
#   bench/compare.py before.json after.json
# or measure another tlsscope binary with this checkout's tools (BENCH_TLSSCOPE);
# bench/before_after.sh BEFORE_BIN AFTER_BIN does both back to back and compares.
#
# Environment (all optional):
#   BENCH_BYTES            size of each capture, bytes (default 1073741824 = 1 GiB;
#                          e.g. BENCH_BYTES=50000000 for a quick run)
#   BENCH_QUIC_CONNECTIONS connections in the QUIC capture (default 50000)
#   BENCH_CALLGRIND_QUIC_CONNECTIONS  connections in its callgrind capture (default 5000)
#   BENCH_PROFILES         captures to measure (default "handshake bulk quic"; quic
#                          is left out, with a note, when Python lacks cryptography)
#   BENCH_SEED             generator seed (default 1)
#   BENCH_REPEAT           timed runs per measurement, the median is reported (default 3)
#   BENCH_CALLGRIND_BYTES  size of each callgrind capture (default 20000000; 0 skips)
#   BENCH_PEERS            0: do not time the peers (tshark, ndpiReader); default 1
#   BENCH_TSHARK_BYTES     tshark reads only a prefix of this many bytes of each capture
#                          (default 200000000), its times scaled to the whole file
#   BENCH_BUILD            build directory (default build-bench)
#   BENCH_TLSSCOPE         measure this tlsscope binary instead of $BENCH_BUILD/tlsscope
#                          (the bench tools still come from $BENCH_BUILD)
#   BENCH_OUT              output directory (default bench/out)
#   BENCH_COMMIT           what to call the tlsscope measured (default: git rev-parse HEAD)
set -euo pipefail

cd "$(dirname "$0")/.."
BYTES=${BENCH_BYTES:-1073741824}
SEED=${BENCH_SEED:-1}
REPEAT=${BENCH_REPEAT:-3}
CG_BYTES=${BENCH_CALLGRIND_BYTES:-20000000}
QUIC_CONNS=${BENCH_QUIC_CONNECTIONS:-50000}
CG_QUIC_CONNS=${BENCH_CALLGRIND_QUIC_CONNECTIONS:-5000}
PROFILES=${BENCH_PROFILES:-handshake bulk quic}
TSHARK_BYTES=${BENCH_TSHARK_BYTES:-200000000}
PEERS=${BENCH_PEERS:-1}
BUILD=${BENCH_BUILD:-build-bench}
OUT=${BENCH_OUT:-bench/out}
TIME=/usr/bin/time
JOBS=$(nproc 2>/dev/null || echo 2)

say() { printf '== %s\n' "$*" >&2; }

# GNU time gives wall, user, sys and peak RSS in one line.
if ! "$TIME" --version 2>&1 | grep -q GNU; then
    echo "bench/run.sh: GNU time ($TIME) is missing. Install it with:" >&2
    echo "  sudo apt-get install -y time" >&2
    exit 1
fi
for tool in cmake python3; do
    command -v "$tool" >/dev/null || { echo "bench/run.sh: $tool is missing (make deps)" >&2; exit 1; }
done

if [[ " $PROFILES " == *" quic "* ]] && ! python3 -c 'import cryptography' 2>/dev/null; then
    say "quic capture skipped: Python's cryptography package is missing (apt-get install python3-cryptography)"
    PROFILES=${PROFILES//quic/}
fi

mkdir -p "$OUT"
LOADAVG_START=$(cut -d' ' -f1-3 /proc/loadavg)
RUNS=$OUT/runs.tsv
: >"$RUNS"

say "build (Release): $BUILD"
cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DTLSSCOPE_BENCH=ON >"$OUT/cmake.log" ||
    { cat "$OUT/cmake.log" >&2; exit 1; }
cmake --build "$BUILD" -j "$JOBS" --target tlsscope gen_capture noop_read json_bench >"$OUT/build.log" ||
    { cat "$OUT/build.log" >&2; exit 1; }
TLSSCOPE=${BENCH_TLSSCOPE:-$BUILD/tlsscope}
[[ -x $TLSSCOPE ]] || { echo "bench/run.sh: $TLSSCOPE is not an executable" >&2; exit 1; }
GEN=$BUILD/bench/gen_capture
NOOP=$BUILD/bench/noop_read

# gen NAME PROFILE BYTES: bench/out/NAME.pcap and NAME.manifest.jsonl, kept
# when they exist with the same parameters and the same generator source.
# The quic profile counts connections, not bytes.
gen() {
    local name=$1 profile=$2 bytes=$3
    local pcap=$OUT/$name.pcap manifest=$OUT/$name.manifest.jsonl params=$OUT/$name.params
    local want src=bench/gen_capture.c
    [[ $profile == quic ]] && src=bench/gen_quic.py
    want="profile=$profile bytes=$bytes seed=$SEED gen=$(sha256sum $src | cut -c1-16)"
    if [[ -s $pcap && -s $manifest && -f $params && "$(cat "$params")" == "$want" ]]; then
        say "capture $pcap: up to date ($want)"
        return
    fi
    say "capture $pcap: generating ($want)"
    rm -f "$params"
    if [[ $profile == quic ]]; then
        python3 bench/gen_quic.py --connections "$bytes" --seed "$SEED" --out "$pcap" --manifest "$manifest"
    else
        "$GEN" --profile "$profile" --bytes "$bytes" --seed "$SEED" --out "$pcap" --manifest "$manifest"
    fi
    echo "$want" >"$params"
}

# timed CAPTURE TOOL INPUT CMD...: one line per run in runs.tsv:
# capture tool input wall_s user_s sys_s max_rss_kb. GNU time gives CPU
# time and peak RSS; wall time comes from bash's microsecond clock, as
# time's %e has only 10 ms steps (a no-op pass over 1 GB takes ~150 ms).
timed() {
    local capture=$1 tool=$2 input=$3
    shift 3
    local t=$OUT/.time start end
    for ((i = 0; i < REPEAT; i++)); do
        start=$EPOCHREALTIME
        "$TIME" -f '%U %S %M' -o "$t" "$@" || return 1
        end=$EPOCHREALTIME
        printf '%s\t%s\t%s\t%s\t%s\n' "$capture" "$tool" "$input" \
            "$(python3 -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.6f}")' "$start" "$end")" \
            "$(tail -1 "$t" | tr ' ' '\t')" >>"$RUNS"
    done
}

# prefix IN OUT BYTES: the whole packets of IN that fit in BYTES.
prefix() {
    python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys
src, dst, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(src, "rb") as f, open(dst, "wb") as o:
    hdr = f.read(24)
    end = "<" if struct.unpack("<I", hdr[:4])[0] == 0xa1b2c3d4 else ">"
    o.write(hdr)
    n = 24
    while True:
        rec = f.read(16)
        if len(rec) < 16:
            break
        caplen = struct.unpack(end + "I", rec[8:12])[0]
        if n + 16 + caplen > limit:
            break
        o.write(rec + f.read(caplen))
        n += 16 + caplen
EOF
}

CHECK_FAILED=0
# check WHAT RESULT CMD...: runs a check into RESULT and says how it went;
# a failure fails the whole run (at its end).
check() {
    local what=$1 result=$2
    shift 2
    if "$@" >"$result"; then
        say "$what: $(tail -1 "$result")"
    else
        CHECK_FAILED=1
        say "$what FAILED: $(tail -1 "$result")"
        head -20 "$result" >&2
    fi
}

for profile in $PROFILES; do
    if [[ $profile == quic ]]; then gen quic quic "$QUIC_CONNS"; else gen "$profile" "$profile" "$BYTES"; fi
    pcap=$OUT/$profile.pcap
    cat "$pcap" >/dev/null # into the page cache: measure the tools, not the disk

    say "$profile: no-op libpcap read"
    timed "$profile" noop "$pcap" "$NOOP" "$pcap" >"$OUT/$profile.noop.txt"
    say "$profile: tlsscope -w /dev/null"
    timed "$profile" tlsscope "$pcap" "$TLSSCOPE" -r "$pcap" -w /dev/null
    # What nDPI classification adds (issue 5): the same run without it.
    say "$profile: tlsscope --no-ndpi -w /dev/null"
    timed "$profile" tlsscope_no_ndpi "$pcap" "$TLSSCOPE" --no-ndpi -r "$pcap" -w /dev/null
    say "$profile: tlsscope -w file (checked against the manifest)"
    timed "$profile" tlsscope_file "$pcap" "$TLSSCOPE" -r "$pcap" --force -w "$OUT/$profile.tlsscope.jsonl"
    "$TLSSCOPE" -r "$pcap" -w /dev/null --stats 2>"$OUT/$profile.stats.json"
    check "$profile: manifest check" "$OUT/$profile.check.txt" \
        python3 bench/check_manifest.py "$OUT/$profile.manifest.jsonl" "$OUT/$profile.tlsscope.jsonl"

    if ((PEERS)) && command -v ndpiReader >/dev/null; then
        say "$profile: ndpiReader -q"
        timed "$profile" ndpiReader "$pcap" ndpiReader -i "$pcap" -q >/dev/null 2>&1 ||
            say "$profile: ndpiReader failed (ignored)"
    fi
    if ((PEERS)) && command -v tshark >/dev/null; then
        tpcap=$pcap
        if (($(stat -c %s "$pcap") > TSHARK_BYTES)); then
            tpcap=$OUT/$profile.prefix.pcap
            prefix "$pcap" "$tpcap" "$TSHARK_BYTES"
            "$NOOP" "$tpcap" >"$OUT/$profile.prefix.noop.txt" # its packet count
        fi
        # What tlsscope does, as tshark does it: TCP reassembly (out-of-order
        # segments too) and TLS dissection, hello fields out.
        say "$profile: tshark over $(stat -c %s "$tpcap") bytes"
        timed "$profile" tshark "$tpcap" tshark -n -o tcp.reassemble_out_of_order:TRUE -r "$tpcap" \
            -Y 'tls.handshake.type == 1 || tls.handshake.type == 2' -T fields -e ip.src -e ipv6.src \
            -e tcp.srcport -e tls.handshake.extensions_server_name -e tls.handshake.ciphersuite \
            -e tls.handshake.extensions.supported_version >/dev/null 2>&1 ||
            say "$profile: tshark failed (ignored)"
    fi
done

# callgrind over a small capture of each profile: instructions per packet
# and per connection, tlsscope's and the no-op loop's, and what the
# fingerprints (fp_ja3*, fp_ja4*) and certificate parsing (x509_*) cost
# inclusive (bench/callgrind_share.py). The manifest of each is checked
# against Wireshark's reading (bench/tshark_manifest.py) and tlsscope's.
CG=""
if ((CG_BYTES > 0)) && command -v valgrind >/dev/null; then
    # What starting and stopping costs (nDPI's tables, ...), to subtract:
    # over 20 MB it is a large part of the whole.
    first=($PROFILES)
    head -c 24 "$OUT/${first[0]}.pcap" >"$OUT/callgrind-empty.pcap"
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-empty.tlsscope.out" \
        "$TLSSCOPE" -r "$OUT/callgrind-empty.pcap" -w /dev/null 2>"$OUT/callgrind-empty.tlsscope.log"
    valgrind --tool=callgrind --callgrind-out-file="$OUT/callgrind-empty.noop.out" \
        "$NOOP" "$OUT/callgrind-empty.pcap" >/dev/null 2>"$OUT/callgrind-empty.noop.log"
fi
if ((CG_BYTES > 0)); then
    for profile in $PROFILES; do
        cg=$OUT/callgrind-$profile
        if [[ $profile == quic ]]; then
            gen "callgrind-$profile" quic "$CG_QUIC_CONNS"
        else
            gen "callgrind-$profile" "$profile" "$CG_BYTES"
        fi
        "$TLSSCOPE" -r "$cg.pcap" --force -w "$cg.tlsscope.jsonl"
        check "$cg: manifest check" "$cg.check.txt" \
            python3 bench/check_manifest.py "$cg.manifest.jsonl" "$cg.tlsscope.jsonl"
        # The manifest is the ground truth: check it against Wireshark's reading.
        if [[ $profile == quic ]]; then
            : # tshark_manifest.py reads TCP; the QUIC manifest is checked against tlsscope only
        elif command -v tshark >/dev/null; then
            check "generator vs tshark on $cg.pcap" "$cg.tshark_check.txt" \
                python3 bench/tshark_manifest.py "$cg.pcap" "$cg.manifest.jsonl"
        else
            say "tshark is missing: the manifest is not checked against Wireshark (apt-get install tshark)"
            rm -f "$cg.tshark_check.txt"
        fi
        if command -v valgrind >/dev/null; then
            say "callgrind: tlsscope and the no-op loop over $cg.pcap"
            valgrind --tool=callgrind --callgrind-out-file="$cg.tlsscope.out" \
                "$TLSSCOPE" -r "$cg.pcap" -w /dev/null 2>"$cg.tlsscope.log"
            valgrind --tool=callgrind --callgrind-out-file="$cg.noop.out" \
                "$NOOP" "$cg.pcap" >"$cg.noop.txt" 2>"$cg.noop.log"
            python3 bench/callgrind_share.py "$cg.tlsscope.out" fp_ja3 fp_ja4 x509_ quic_initial_keys \
                quic_unprotect quic_datagram >"$cg.share.json"
            callgrind_annotate --inclusive=yes "$cg.tlsscope.out" >"$cg.annotate.txt" 2>&1 || true
            CG=yes
        else
            say "callgrind: valgrind is missing, skipped"
        fi
    done
fi

say "JSON line writer on its own (bench/json_bench.c)"
"$BUILD/bench/json_bench" >"$OUT/json_bench.json"

say "report"
if [[ -n ${BENCH_TLSSCOPE:-} ]]; then
    COMMIT=${BENCH_COMMIT:-$BENCH_TLSSCOPE}
    MODIFIED=0 # a binary from elsewhere: this checkout's state says nothing of it
else
    COMMIT=${BENCH_COMMIT:-$(git rev-parse HEAD 2>/dev/null || echo unknown)}
    MODIFIED=$({ git status --porcelain --untracked-files=no 2>/dev/null || true; } | wc -l)
fi
LOADAVG_END=$(cut -d' ' -f1-3 /proc/loadavg)
python3 - "$OUT" "$RUNS" "$BYTES" "$SEED" "$REPEAT" "$CG" "$COMMIT" "$MODIFIED" "$LOADAVG_START" "$LOADAVG_END" \
    <<'EOF'
import collections, datetime, json, os, platform, re, statistics, sys

out, runs_path, target, seed, repeat, cg, commit, dirty, load_start, load_end = sys.argv[1:11]

def read_noop(path):
    packets, nbytes = open(path).read().split()[:2]
    return int(packets), int(nbytes)

def count_lines(path):
    with open(path, "rb") as f:
        return sum(1 for _ in f)

runs = {}
for line in open(runs_path):
    capture, tool, inp, wall, user, sys_, rss = line.rstrip("\n").split("\t")
    runs.setdefault((capture, tool, inp), []).append((float(wall), float(user) + float(sys_), float(user), float(sys_), int(rss)))

def median(key):
    rs = runs[key]
    return {
        "runs": len(rs),
        "wall_s": statistics.median(r[0] for r in rs),
        "cpu_s": statistics.median(r[1] for r in rs),
        "user_s": statistics.median(r[2] for r in rs),
        "sys_s": statistics.median(r[3] for r in rs),
        "max_rss_kb": max(r[4] for r in rs),
    }

captures = []
for profile in ("handshake", "bulk", "quic"):
    pcap = os.path.join(out, profile + ".pcap")
    if (profile, "noop", pcap) not in runs:
        continue
    packets, _ = read_noop(os.path.join(out, profile + ".noop.txt"))
    size = os.path.getsize(pcap)
    conns = count_lines(os.path.join(out, profile + ".manifest.jsonl"))
    floor = median((profile, "noop", pcap))
    cap = {"profile": profile, "file": pcap, "bytes": size, "packets": packets, "connections": conns, "runs": []}
    prefix = os.path.join(out, profile + ".prefix.pcap")
    for tool, label in (("noop", "no-op libpcap read"), ("tlsscope", "tlsscope -w /dev/null"),
                        ("tlsscope_no_ndpi", "tlsscope --no-ndpi -w /dev/null"),
                        ("tlsscope_file", "tlsscope -w file"), ("ndpiReader", "ndpiReader -q"),
                        ("tshark", "tshark (TLS hellos)")):
        for inp in (pcap, prefix):
            key = (profile, tool, inp)
            if key not in runs:
                continue
            m = median(key)
            whole = inp == pcap
            in_bytes = size if whole else os.path.getsize(prefix)
            in_packets = packets if whole else read_noop(os.path.join(out, profile + ".prefix.noop.txt"))[0]
            # A prefix run is compared with the no-op pass over the whole file,
            # scaled to the prefix's share of the packets.
            share = in_packets / packets
            wall = max(m["wall_s"], 1e-6)
            r = {"tool": tool, "label": label, "input": inp, "input_bytes": in_bytes, "input_packets": in_packets, **m,
                 "mb_per_s": in_bytes / wall / 1e6, "packets_per_s": in_packets / wall,
                 "connections_per_s": conns * share / wall,
                 "ratio_wall": m["wall_s"] / max(floor["wall_s"] * share, 1e-6),
                 # GNU time counts CPU in 10 ms steps: no ratio to a floor under 50 ms
                 "ratio_cpu": m["cpu_s"] / (floor["cpu_s"] * share) if floor["cpu_s"] * share >= 0.05 else None}
            if not whole:
                r["scaled_wall_s_whole_file"] = m["wall_s"] / share
                r["connections_per_s_estimated"] = True
            cap["runs"].append(r)
    check = open(os.path.join(out, profile + ".check.txt")).read().strip().splitlines()
    mc = re.match(r"(\d+) passed, (\d+) failed", check[-1] if check else "")
    cap["manifest_check"] = {"passed": int(mc.group(1)), "failed": int(mc.group(2))} if mc else {"error": check}
    try:
        cap["tlsscope_stats"] = json.load(open(os.path.join(out, profile + ".stats.json")))
    except (OSError, ValueError):
        pass
    captures.append(cap)

def total_ir(path):
    for line in open(path):
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise SystemExit(path + ": no totals")

def distinct(path, *keys):
    """How many connections, and distinct values of each field (dotted path)."""
    seen = {k: collections.Counter() for k in keys}
    n = 0
    for text in open(path, encoding="utf-8"):
        obj = json.loads(text)
        n += 1
        for k in keys:
            v = obj
            for part in k.split("."):
                v = v.get(part) if isinstance(v, dict) else None
            if v is not None:
                seen[k][v] += 1
    return n, {k: {"connections_with": sum(c.values()), "distinct": len(c)} for k, c in seen.items()}

callgrind = {}
for profile in ("handshake", "bulk", "quic") if cg else ():
    base = os.path.join(out, "callgrind-" + profile)
    if not os.path.exists(base + ".tlsscope.out"):
        continue
    cpk, _ = read_noop(base + ".noop.txt")
    conns = count_lines(base + ".manifest.jsonl")
    t_ir, n_ir = total_ir(base + ".tlsscope.out"), total_ir(base + ".noop.out")
    empty = os.path.join(out, "callgrind-empty")
    t_fixed, n_fixed = total_ir(empty + ".tlsscope.out"), total_ir(empty + ".noop.out")
    share = json.load(open(base + ".share.json"))
    _, seen = distinct(base + ".tlsscope.jsonl", "tls.client.ja3", "tls.client.ja4", "tls.server.ja3s",
                       "tls.server.hash.sha256")
    tshark_check = None
    if os.path.exists(base + ".tshark_check.txt"):
        tshark_check = open(base + ".tshark_check.txt").read().strip().splitlines()[-1]
    groups = {}
    for prefix, g in share["groups"].items():
        if not g["calls"] and not g["ir"]:
            continue  # a group this capture never enters (QUIC over TCP, x509 over QUIC)
        groups[prefix + "*"] = {"ir": g["ir"], "calls": g["calls"], "share": g["ir"] / t_ir,
                                "share_less_startup": g["ir"] / (t_ir - t_fixed),
                                "ir_per_connection": g["ir"] / conns,
                                "ir_per_call": g["ir"] / g["calls"] if g["calls"] else None}
    callgrind[profile] = {
        "capture": base + ".pcap", "bytes": os.path.getsize(base + ".pcap"), "packets": cpk, "connections": conns,
        "tlsscope_ir": t_ir, "noop_ir": n_ir,
        "tlsscope_ir_per_packet": t_ir / cpk, "noop_ir_per_packet": n_ir / cpk,
        "tlsscope_own_ir_per_packet": (t_ir - n_ir) / cpk,
        "tlsscope_ir_per_connection": t_ir / conns, "noop_ir_per_connection": n_ir / conns,
        "tlsscope_own_ir_per_connection": (t_ir - n_ir) / conns,
        # less the cost of starting and stopping (over an empty capture): what
        # each packet and connection adds
        "tlsscope_startup_ir": t_fixed, "noop_startup_ir": n_fixed,
        "tlsscope_marginal_ir_per_packet": (t_ir - t_fixed) / cpk,
        "tlsscope_marginal_ir_per_connection": (t_ir - t_fixed) / conns,
        "noop_marginal_ir_per_packet": (n_ir - n_fixed) / cpk,
        "noop_marginal_ir_per_connection": (n_ir - n_fixed) / conns,
        "groups": groups, "annotate_inclusive": share["annotate"], "distinct": seen,
        "generator_vs_tshark": tshark_check,
    }
    # QUIC: what decrypting Initials costs (keys from the DCID, header
    # protection and AES-128-GCM), per connection and against all of it.
    dec = [groups[g] for g in ("quic_initial_keys*", "quic_unprotect*") if g in groups]
    if dec:
        ir = sum(g["ir"] for g in dec)
        callgrind[profile]["initial_decryption"] = {
            "ir": ir, "ir_per_connection": ir / conns, "share": ir / t_ir,
            "share_less_startup": ir / (t_ir - t_fixed),
            "keys_ir_per_call": groups.get("quic_initial_keys*", {}).get("ir_per_call"),
            "unprotect_ir_per_call": groups.get("quic_unprotect*", {}).get("ir_per_call")}

cpu_model = "unknown"
mem_kb = None
try:
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu_model = line.split(":", 1)[1].strip()
            break
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem_kb = int(line.split()[1])
except OSError:
    pass
result = {
    "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    "machine": {"nproc": os.cpu_count(), "cpu_model": cpu_model, "mem_total_kb": mem_kb,
                "kernel": platform.release(), "python": platform.python_version()},
    "tlsscope": {"commit": commit, "modified_tracked_files": int(dirty), "build": "Release"},
    "parameters": {"bytes": int(target), "seed": int(seed), "repeat": int(repeat)},
    "captures": captures,
    "callgrind": callgrind or None,
    "json_writer": json.load(open(os.path.join(out, "json_bench.json"))),
    "load_average": {"start": load_start, "end": load_end},
}
with open(os.path.join(out, "results.json"), "w") as f:
    json.dump(result, f, indent=2)
    f.write("\n")

def si(v):
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if v >= div:
            return f"{v / div:.2f}{unit}"
    return f"{v:.0f}"

m = result["machine"]
label = commit[:12] if re.fullmatch(r"[0-9a-f]{40}", commit) else commit
print(f"\ntlsscope {label}{' (+%s modified files)' % dirty if int(dirty) else ''}, Release; "
      f"{m['cpu_model']}, {m['nproc']} CPUs; {result['date']}; median of {repeat} runs, files in the page cache;"
      f" x no-op: wall (CPU) time over the no-op libpcap pass's")
hdr = (f"{'capture':<10} {'tool':<32} {'input':>8} {'wall s':>8} {'CPU s':>8} {'MB/s':>8} {'pkt/s':>8} {'conn/s':>8}"
       f" {'peak RSS':>9} {'x no-op':>8} {'(CPU)':>8}")
print(hdr)
print("-" * len(hdr))
for cap in captures:
    for r in cap["runs"]:
        label = r["label"] + ("" if r["input"] == cap["file"] else " *")
        print(f"{cap['profile']:<10} {label:<32} {si(r['input_bytes']) + 'B':>8} {r['wall_s']:>8.2f} {r['cpu_s']:>8.2f} "
              f"{r['mb_per_s']:>8.0f} {si(r['packets_per_s']):>8} {si(r['connections_per_s']):>8} "
              f"{r['max_rss_kb'] / 1024:>6.1f}MiB {r['ratio_wall']:>7.2f}x "
              + (f"{r['ratio_cpu']:>7.2f}x" if r["ratio_cpu"] is not None else f"{'-':>8}"))
    print(f"{'':<10} {cap['packets']} packets, {cap['connections']} connections, manifest check: "
          + (f"{cap['manifest_check']['passed']} passed, {cap['manifest_check']['failed']} failed"
             if "passed" in cap["manifest_check"] else "error"))
if any(r["input"] != cap["file"] for cap in captures for r in cap["runs"]):
    print("* over a prefix of the capture (conn/s estimated); x no-op against the no-op pass over the whole"
          " file, scaled to the prefix's packets; whole-file time scaled: " + ", ".join(
              f"{cap['profile']} {r['scaled_wall_s_whole_file']:.0f} s" for cap in captures for r in cap["runs"]
              if "scaled_wall_s_whole_file" in r))
for profile, c in callgrind.items():
    print(f"callgrind {profile} over {si(c['bytes'])}B ({c['packets']} packets, {c['connections']} connections): "
          f"tlsscope {c['tlsscope_ir_per_packet']:.0f} instructions/packet, {c['tlsscope_ir_per_connection']:.0f}"
          f"/connection (no-op loop {c['noop_ir_per_packet']:.0f}/packet, {c['noop_ir_per_connection']:.0f}"
          f"/connection; tlsscope's own {c['tlsscope_own_ir_per_packet']:.0f}/packet, "
          f"{c['tlsscope_own_ir_per_connection']:.0f}/connection)")
    print(f"    less startup ({si(c['tlsscope_startup_ir'])} instructions over an empty capture, no-op "
          f"{si(c['noop_startup_ir'])}): tlsscope {c['tlsscope_marginal_ir_per_packet']:.0f}/packet, "
          f"{c['tlsscope_marginal_ir_per_connection']:.0f}/connection; no-op loop "
          f"{c['noop_marginal_ir_per_packet']:.0f}/packet, {c['noop_marginal_ir_per_connection']:.0f}/connection")
    for name, g in c["groups"].items():
        per_call = f", {g['ir_per_call']:.0f} per call from outside ({g['calls']} calls)" if g["calls"] else ""
        print(f"    {name:<8} inclusive {g['share'] * 100:5.1f}% of tlsscope ({g['share_less_startup'] * 100:.1f}% less "
              f"startup), {g['ir_per_connection']:.0f}"
              f" instructions/connection{per_call}")
    if "initial_decryption" in c:
        dc = c["initial_decryption"]
        print(f"    Initial decryption (quic_initial_keys + quic_unprotect): {dc['ir_per_connection']:.0f} "
              f"instructions/connection, {dc['share'] * 100:.1f}% of tlsscope ({dc['share_less_startup'] * 100:.1f}% "
              f"less startup); {dc['keys_ir_per_call'] or 0:.0f} per key derivation, "
              f"{dc['unprotect_ir_per_call'] or 0:.0f} per Initial packet opened")
    d = c["distinct"]
    print("    distinct over " + str(c["connections"]) + " connections: " + ", ".join(
        f"{k.rsplit('.', 1)[-1]} {v['distinct']} of {v['connections_with']}" for k, v in d.items()))
    if c["generator_vs_tshark"]:
        print(f"    generator manifest vs tshark: {c['generator_vs_tshark']}")
jw = result["json_writer"]
print(f"JSON writer alone: {jw['lines_per_second']:.0f} lines/s ({jw['bytes_per_line']:.0f} bytes each, "
      f"{jw['mb_per_second']:.0f} MB/s)")
print(f"load average (1, 5, 15 min): {load_start} at the start, {load_end} at the end")
print(f"results: {os.path.join(out, 'results.json')}")
EOF

if ((CHECK_FAILED)); then
    echo "bench/run.sh: tlsscope's output does not match the manifest (see $OUT/*.check.txt)" >&2
    exit 1
fi
