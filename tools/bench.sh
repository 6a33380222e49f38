#!/usr/bin/env bash
# tools/bench.sh - the benchmark, end to end: builds hmap-bench (release,
# in a build directory of its own), runs every (table, key type, size,
# hash) combination R times, one process per run, each pinned to CPU 1
# with taskset (where taskset exists and there is more than one CPU), and
# writes the medians to tools/bench-results/results.md, the chart to
# tools/bench-results/bench.png and the raw lines to
# tools/bench-results/raw.txt; prints results.md.
#
#   bash tools/bench.sh                 # 200K and 2M entries, 5 runs each
#   bash tools/bench.sh --big           # also 20M entries (~5 GB RAM, long)
#   bash tools/bench.sh --quick         # smoke run: 20K entries, 1 run, writes
#                                       # to BUILD/quick-results instead
# Options: --runs N, --sizes "N1 N2 ...", --tables "hmap boost ...",
#          --keys "u64 big str", --hash own|same|both (default both: each
#          table with its own hash, and all with one hash, reported apart),
#          --out DIR, --build DIR.  A table that does not take part with a
#          key type or hash (hmap-bench --list --keys K --hash H) is
#          skipped there.  Exit status is non-zero if any run failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-bench
out=
runs=5
sizes="200000 2000000"
big=0
quick=0
only_tables=
key_types="u64 big str"
hash=both
args="$*"

usage() { sed -n '2,/^set -e/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --tables) only_tables=$2; shift ;;
    --keys) key_types=$2; shift ;;
    --hash) hash=$2; shift ;;
    --big) big=1 ;;
    --quick) quick=1 ;;
    --out) out=$2; shift ;;
    --build) build=$2; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "bench.sh: unknown argument $1" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
if [ $quick = 1 ]; then
    sizes=20000 runs=1
    out=${out:-$build/quick-results}
fi
[ $big = 1 ] && sizes="$sizes 20000000"
case $hash in
own | same) hashes=$hash ;;
both) hashes="own same" ;;
*) echo "bench.sh: --hash must be own, same or both" >&2; exit 2 ;;
esac
out=${out:-$root/tools/bench-results}

# --- build -----------------------------------------------------------------
opts=(-Dbench=enabled -Dtests=false --buildtype=release -Db_ndebug=true)
if [ -f "$build/build.ninja" ]; then
    meson configure "$build" "${opts[@]}" >/dev/null
else
    meson setup "$build" "$root" "${opts[@]}" >/dev/null
fi
meson compile -C "$build" hmap-bench >/dev/null
bin=$build/tools/hmap-bench
tables=${only_tables:-$("$bin" --list | tr '\n' ' ')}

# Every run on one CPU: the scheduler does not move it mid-phase, and on a
# machine with work of its own the runs share one core's caches alike.
pin=()
pinned="not pinned"
if command -v taskset >/dev/null && [ "$(nproc)" -gt 1 ]; then
    pin=(taskset -c 1)
    pinned="each run pinned to CPU 1 (taskset -c 1)"
fi

# --- run -------------------------------------------------------------------
mkdir -p "$out"
raw=$out/raw.txt
: >"$raw"
failed=0
# Run r of every table before run r+1 of any, so that a burst of load on the
# machine hits all tables alike rather than all runs of one.
for n in $sizes; do
    for r in $(seq 1 "$runs"); do
        for h in $hashes; do
            for keys in $key_types; do
                taking_part=" $("$bin" --list --keys "$keys" --hash "$h" | tr '\n' ' ')"
                for table in $tables; do
                    [[ $taking_part == *" $table "* ]] || continue
                    echo "bench: n=$n run $r/$runs hash=$h keys=$keys table=$table" >&2
                    if ! timeout 3600 "${pin[@]}" "$bin" --table "$table" --keys "$keys" \
                            --hash "$h" --n "$n" --seed "$r" >>"$raw"; then
                        echo "bench: FAILED: $bin --table $table --keys $keys --hash $h" \
                            "--n $n --seed $r" >&2
                        failed=1
                    fi
                done
            done
        done
    done
done

# --- report ----------------------------------------------------------------
source_version() {
    local commit
    if commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null); then
        git -C "$root" diff --quiet HEAD -- src 2>/dev/null &&
            echo "at commit $commit" || echo "at commit $commit plus changes to src/"
    else
        echo "from an uncommitted tree"
    fi
}
meta=$out/meta.txt
{
    echo "Run on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) CPUs:" \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
        "$(awk '/MemTotal/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)."
    echo "hmap $(source_version);" \
        "$(cc --version | head -1); $(c++ --version | head -1); buildtype release."
    echo "Command: tools/bench.sh $args (sizes: $sizes; runs: $runs;" \
        "keys: $key_types; hash: $hashes; tables: ${tables% };" \
        "run r uses seed r, the same keys for every table; $pinned)."
} >"$meta"
python3 "$root/tools/bench/report.py" "$raw" "$out" "$meta"
if command -v gnuplot >/dev/null; then
    gnuplot -e "dir='$out'" "$root/tools/bench/plot.gp"
    echo "bench: wrote $out/results.md and $out/bench.png" >&2
else
    echo "bench: gnuplot not found: no chart; wrote $out/results.md" >&2
fi
exit $failed
