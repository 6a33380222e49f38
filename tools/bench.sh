#!/usr/bin/env bash
# tools/bench.sh - the benchmark, end to end: builds hmap-bench (release,
# in a build directory of its own), runs every (table, key type, size)
# combination R times, one process per run, and writes the medians to
# tools/bench-results/results.md, the chart to tools/bench-results/bench.png
# and the raw lines to tools/bench-results/raw.txt; prints results.md.
#
#   bash tools/bench.sh                 # 200K and 2M entries, 5 runs each
#   bash tools/bench.sh --big           # also 20M entries (~4 GB RAM, long)
#   bash tools/bench.sh --quick         # smoke run: 20K entries, 1 run, writes
#                                       # to BUILD/quick-results instead
# Options: --runs N, --sizes "N1 N2 ...", --tables "hmap boost ...",
#          --out DIR, --build DIR.  Exit status is non-zero if any run failed.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build-bench
out=
runs=5
sizes="200000 2000000"
big=0
quick=0
only_tables=
args="$*"

usage() { sed -n '2,/^set -e/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
    --runs) runs=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --tables) only_tables=$2; shift ;;
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

# --- run -------------------------------------------------------------------
mkdir -p "$out"
raw=$out/raw.txt
: >"$raw"
failed=0
# Run r of every table before run r+1 of any, so that a burst of load on the
# machine hits all tables alike rather than all runs of one.
for n in $sizes; do
    for r in $(seq 1 "$runs"); do
        for keys in u64 str; do
            for table in $tables; do
                echo "bench: n=$n run $r/$runs keys=$keys table=$table" >&2
                if ! timeout 3600 "$bin" --table "$table" --keys "$keys" \
                        --n "$n" --seed "$r" >>"$raw"; then
                    echo "bench: FAILED: $bin --table $table --keys $keys --n $n --seed $r" >&2
                    failed=1
                fi
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
        "tables: ${tables% }; run r uses seed r, the same keys for every table)."
} >"$meta"
python3 "$root/tools/bench/report.py" "$raw" "$out" "$meta"
if command -v gnuplot >/dev/null; then
    gnuplot -e "dir='$out'" "$root/tools/bench/plot.gp"
    echo "bench: wrote $out/results.md and $out/bench.png" >&2
else
    echo "bench: gnuplot not found: no chart; wrote $out/results.md" >&2
fi
exit $failed
