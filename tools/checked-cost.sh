#!/usr/bin/env bash
# tools/checked-cost.sh - what the checked build costs over the plain one,
# the ways docs/checked-cost.md reports it:
#   1. lifecycles of small maps (hmap-bench --lifecycle: 0, 1, 8, 64, 1000
#      entries and a mix), the tables hmap and hmap-checked alternating,
#      medians of R runs;
#   2. each operation on one map of 1M uint64_t keys (hmap-per-op: insert,
#      hit, miss, replace, iterate, erase), alternating, medians;
#   3. the same for 250K string keys (hmap-bench, tables hmap and
#      hmap-checked, runs interleaved), medians;
#   4. instructions per operation under callgrind (hmap-per-op, 100K keys,
#      relocate=never so that a sampled relocation does not land in one
#      phase), which a busy machine does not move, against the budgets:
#      +25 a read, +40 a write, +4 an iteration step.
# Timings run pinned to one core (taskset -c 1), with default options
# (HMAP_OPTIONS unset) unless the caller sets them.
#
#   bash tools/checked-cost.sh [--runs R] [--build DIR] [--skip-callgrind]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-bench
runs=7
callgrind=1
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift ;;
    --build) build=$2; shift ;;
    --skip-callgrind) callgrind=0 ;;
    *) echo "checked-cost.sh: unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

bash "$root/tools/deps.sh"
if [ $callgrind = 1 ] && ! command -v valgrind >/dev/null; then
    apt-get install -y -qq valgrind >/dev/null
fi
if [ ! -d "$build" ]; then
    meson setup "$build" "$root" -Dtests=false -Dbench=enabled >/dev/null
fi
meson compile -C "$build" tools/hmap-bench tools/hmap-per-op >/dev/null
pin="taskset -c 1"

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# The medians of the hmap-bench lines in $tmp for the ops named: plain,
# checked, their ratio, and the checked table's page faults per op where
# the lines carry them.
medians() {
    python3 - "$tmp" "$@" <<'EOF'
import statistics, sys
vals, faults = {}, {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split())
    if "ns_per_op" in f:
        vals.setdefault((f["op"], f["table"]), []).append(float(f["ns_per_op"]))
        if "minflt_per_op" in f and f["table"] == "hmap-checked":
            faults.setdefault(f["op"], []).append(float(f["minflt_per_op"]))
print(f"{'op':<16} {'plain':>9} {'checked':>9} {'ratio':>7}" + (" faults/op" if faults else ""))
for op in sys.argv[2:]:
    p, c = statistics.median(vals[(op, "hmap")]), statistics.median(vals[(op, "hmap-checked")])
    extra = f" {statistics.median(faults[op]):9.3f}" if op in faults else ""
    print(f"{op:<16} {p:9.1f} {c:9.1f} {c / p:6.2f}x{extra}")
EOF
}

echo "## Lifecycles of small maps, ns per map (hmap-bench --lifecycle, median of $runs runs each)"
for _ in $(seq "$runs"); do
    for table in hmap hmap-checked; do
        $pin "$build/tools/hmap-bench" --table "$table" --keys u64 --n 100000 --lifecycle >>"$tmp"
    done
done
medians lifecycle-0 lifecycle-1 lifecycle-8 lifecycle-64 lifecycle-1000 lifecycle-mix
: >"$tmp"

echo
echo "## One map of 1M uint64_t keys (hmap-per-op 1000000 $runs)"
$pin "$build/tools/hmap-per-op" 1000000 "$runs"

echo
echo "## One map of 250K string keys, ns per operation (hmap-bench, median of $runs runs each)"
for _ in $(seq "$runs"); do
    for table in hmap hmap-checked; do
        $pin "$build/tools/hmap-bench" --table "$table" --keys str --n 250000 --no-worst >>"$tmp"
    done
done
medians insert hit miss iterate erase

if [ $callgrind = 1 ]; then
    echo
    echo "## Instructions per operation (callgrind, hmap-per-op 100000, relocate=never)"
    # hmap-per-op runs each build in a child process: one output file each
    out=$(mktemp -d)
    HMAP_OPTIONS=relocate=never valgrind --tool=callgrind \
        --callgrind-out-file="$out/callgrind.%p" "$build/tools/hmap-per-op" 100000 >/dev/null 2>&1
    for f in "$out"/callgrind.*; do
        callgrind_annotate --inclusive=yes "$f" 2>/dev/null
    done >"$out/annotated"
    python3 - "$out/annotated" <<'EOF'
import re, sys
per = {}
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d,]+) \([^)]*\)\s+\S*per_op_(plain|checked)_(\w+)", line)
    if m:
        # the inclusive count is the function's largest line
        key, n = (m.group(2), m.group(3)), int(m.group(1).replace(",", "")) / 100000
        per[key] = max(per.get(key, 0), n)
ops = ["insert", "hit", "miss", "replace", "iterate", "erase"]
print("".ljust(16) + "".join(op.rjust(9) for op in ops))
for build in ("plain", "checked"):
    print(build.ljust(16) + "".join(f"{per.get((build, op), 0):9.0f}" for op in ops))
extra = [per.get(("checked", op), 0) - per.get(("plain", op), 0) for op in ops]
print("checked - plain".ljust(16) + "".join(f"{x:+9.0f}" for x in extra))
# The budgets the checked build is held to: a read, a write, an iteration step.
budget = {"insert": 40, "hit": 25, "miss": 25, "replace": 40, "iterate": 4, "erase": 40}
print("budget".ljust(16) + "".join(f"{budget[op]:+9d}" for op in ops))
over = [op for op, x in zip(ops, extra) if x > budget[op]]
print("over budget: " + (", ".join(over) if over else "none"))
EOF
    rm -rf "$out"
fi
