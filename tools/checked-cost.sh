#!/usr/bin/env bash
# tools/checked-cost.sh - what the checked build costs over the plain one,
# the three ways docs/checked-cost.md reports it:
#   1. lifecycles of small maps (hmap-lifecycle: n = 0, 1, 8, 64, 1000 and
#      a mix), plain and checked alternating in one process, medians;
#   2. each operation on one large map (hmap-bench, tables hmap and
#      hmap-checked: 1M uint64_t keys, 250K string keys), the two tables'
#      runs interleaved, medians of R runs and their ratio;
#   3. instructions per operation under callgrind (hmap-per-op, 100K keys),
#      which a busy machine does not move.
# Everything runs pinned to one core (taskset -c 1).  Default options
# (HMAP_OPTIONS unset) unless the caller sets them.
#
#   bash tools/checked-cost.sh [--runs R] [--build DIR] [--skip-callgrind]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-bench
runs=5
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
meson compile -C "$build" tools/hmap-bench tools/hmap-lifecycle tools/hmap-per-op >/dev/null
pin="taskset -c 1"

echo "## Lifecycles of small maps (hmap-lifecycle --rounds $runs)"
$pin "$build/tools/hmap-lifecycle" --rounds "$runs"

echo
echo "## One large map, ns per operation (hmap-bench, median of $runs runs each)"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for r in $(seq "$runs"); do
    for spec in "u64 1000000" "str 250000"; do
        read -r keys n <<<"$spec"
        for table in hmap hmap-checked; do
            $pin "$build/tools/hmap-bench" --table "$table" --keys "$keys" --n "$n" --no-worst >>"$tmp"
        done
    done
    echo "  run $r of $runs done" >&2
done
python3 - "$tmp" <<'EOF'
import re, statistics, sys
vals = {}
for line in open(sys.argv[1]):
    f = dict(kv.split("=", 1) for kv in line.split())
    if "ns_per_op" in f:
        vals.setdefault((f["keys"], f["op"], f["table"]), []).append(float(f["ns_per_op"]))
ops = ["insert", "hit", "miss", "iterate", "erase"]
print("| keys | " + " | ".join(ops) + " |")
print("|---|" + "---:|" * len(ops))
for keys in ("u64", "str"):
    cells = []
    for op in ops:
        p, c = vals.get((keys, op, "hmap")), vals.get((keys, op, "hmap-checked"))
        if not p or not c:
            cells.append("")
            continue
        mp, mc = statistics.median(p), statistics.median(c)
        cells.append(f"{mp:.1f} / {mc:.1f} = {mc / mp:.2f}x")
    print(f"| {keys} | " + " | ".join(cells) + " |")
print("\n(plain / checked ns per operation = ratio)")
EOF

if [ $callgrind = 1 ]; then
    echo
    echo "## Instructions per operation (callgrind, hmap-per-op 100000)"
    out=$(mktemp)
    valgrind --tool=callgrind --callgrind-out-file="$out" "$build/tools/hmap-per-op" 100000 >/dev/null 2>&1
    callgrind_annotate --inclusive=yes "$out" 2>/dev/null | python3 -c '
import re, sys
counts = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) .*per_op_ops\.c:per_op_(plain|checked)_(\w+)", line)
    if m:
        counts.setdefault((m.group(2), m.group(3)), int(m.group(1).replace(",", "")))
ops = ["insert", "hit", "miss", "replace", "iterate", "erase"]
print("| | " + " | ".join(ops) + " |")
print("|---|" + "---:|" * len(ops))
for build in ("plain", "checked"):
    print(f"| {build} | " + " | ".join(f"{counts.get((build, op), 0) / 100000:.0f}" for op in ops) + " |")
print("| checked - plain | " + " | ".join(
    f"+{(counts.get((\"checked\", op), 0) - counts.get((\"plain\", op), 0)) / 100000:.0f}" for op in ops) + " |")
'
    rm -f "$out"
fi
