#!/bin/sh
# skip_without.sh DIR CMD...: run CMD, or exit 77 (CTest "skipped") when DIR,
# shared data that lives beside the clone, is not there.
dir=$1; shift
if [ ! -d "$dir" ]; then
    echo "skipped: $dir not found (clone with ../shared beside it)"
    exit 77
fi
exec "$@"
