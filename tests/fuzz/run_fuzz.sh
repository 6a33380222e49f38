#!/usr/bin/env bash
# tests/fuzz/run_fuzz.sh - runs one libFuzzer target for a bounded time:
#   run_fuzz.sh TARGET NEW_INPUTS_DIR SEED_CORPUS_DIR SECONDS
# New inputs go to NEW_INPUTS_DIR (libFuzzer writes into its first corpus
# directory), so the seed corpus in the source tree is only read; a crash
# is written to NEW_INPUTS_DIR as crash-* and fails the test.
set -euo pipefail
target=$(readlink -f "$1") new=$2 seeds=$3 seconds=$4
mkdir -p "$new"
cd "$new"
exec "$target" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=4096 \
    -print_final_stats=1 "$new" "$seeds"
