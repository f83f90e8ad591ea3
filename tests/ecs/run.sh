#!/usr/bin/env bash
# run.sh TLSSCOPE FIELDS_TSV ECS_DIR CAPTURE_DIR... - the ECS check over the
# corpus: tlsscope's lines for every capture under the given directories,
# checked by check_ecs.js against output/fields.tsv and ECS's definitions.
# ECS_DIR is tests/ecs, where `make test` installs @elastic/ecs
# (node_modules/@elastic/ecs, never committed). Skips (77) without node or the
# package, saying how to get them.
set -u
tlsscope=$1 fields=$2 ecs_dir=$3
shift 3
module=$ecs_dir/node_modules/@elastic/ecs
if ! command -v node >/dev/null; then
    echo "skipped: node is not installed (make test installs nodejs)"
    exit 77
fi
if [ ! -f "$module/generated/ecs_flat.js" ]; then
    echo "skipped: $module is missing (make test installs it: npm install --prefix tests/ecs @elastic/ecs@9.4.0)"
    exit 77
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
n=0
for dir in "$@"; do
    [ -d "$dir" ] || continue
    while IFS= read -r -d '' cap; do
        n=$((n + 1))
        "$tlsscope" -r "$cap" >"$out/$n.jsonl" 2>/dev/null
        status=$?
        # 1 is a capture that ends early (the corpus has some on purpose);
        # anything else is a failure of the writer.
        if [ "$status" -gt 1 ]; then
            echo "tlsscope exited $status on $cap"
            exit 1
        fi
    done < <(find "$dir" -type f \( -name '*.pcap' -o -name '*.pcapng' -o -name '*.cap' \) -print0 | sort -z)
done
echo "captures: $n"
node "$ecs_dir/check_ecs.js" "$module" "$fields" "$out"/*.jsonl
