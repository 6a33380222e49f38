#!/usr/bin/env bash
# tools/trap-cost.sh - what the checked build's traps (instrument/trap.c)
# buy and cost, the ways docs/traps.md reports them:
#   1. how often one-shot races (and Go's crash-test scenarios) are caught
#      in RUNS runs, pinned to one core and on two, with traps (the
#      default) and without (trap_us=0): hmap-detect-rate;
#   2. the wall time of a correctly locked 4-thread workload and of a
#      single-threaded one (hmap-trap-cost), with and without traps, runs
#      alternating, medians.
#
#   bash tools/trap-cost.sh [--runs R] [--build DIR]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
runs=20
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift ;;
    --build) build=$2; shift ;;
    *) echo "trap-cost.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

bash "$root/tools/deps.sh"
if [ ! -d "$build" ]; then
    meson setup "$build" "$root" >/dev/null
fi
meson compile -C "$build" tools/hmap-detect-rate tools/hmap-trap-cost >/dev/null

for where in "taskset -c 1" "taskset -c 0,1"; do
    for options in "" "trap_us=0"; do
        echo "## hmap-detect-rate $runs, $where, HMAP_OPTIONS='$options'"
        HMAP_OPTIONS=$options $where "$build/tools/hmap-detect-rate" "$runs" || true
        echo
    done
done

# The median of the numbers on stdin.
median() {
    sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

cost() {
    local threads=$1 ops=$2 with=() without=()
    for r in $(seq "$runs"); do
        # alternate which goes first, so that neither always runs warm
        if [ $((r % 2)) = 0 ]; then
            with+=("$("$build/tools/hmap-trap-cost" "$threads" "$ops")")
            without+=("$(HMAP_OPTIONS=trap_us=0 "$build/tools/hmap-trap-cost" "$threads" "$ops")")
        else
            without+=("$(HMAP_OPTIONS=trap_us=0 "$build/tools/hmap-trap-cost" "$threads" "$ops")")
            with+=("$("$build/tools/hmap-trap-cost" "$threads" "$ops")")
        fi
    done
    local w wo
    w=$(printf '%s\n' "${with[@]}" | median)
    wo=$(printf '%s\n' "${without[@]}" | median)
    printf '%-34s %10s %10s %8s\n' "$threads thread(s), $ops ops each" "$wo" "$w" \
        "$(awk -v a="$w" -v b="$wo" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')"
}

echo "## Wall time in ms (hmap-trap-cost, median of $runs runs each, on two cores)"
printf '%-34s %10s %10s %8s\n' "workload" "no traps" "traps" "cost"
cost 4 200000
cost 4 2000000
cost 1 800000
cost 1 8000000
