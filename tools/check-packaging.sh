#!/usr/bin/env bash
# tools/check-packaging.sh - proves the two ways a C programmer takes hmap:
#  1. meson install, then cc app.c $(pkg-config --cflags --libs hmap); then
#     user programs built against the installed library with gcc and clang,
#     -fsanitize=address (stale pointers: ASan and hmap report them) and
#     -fsanitize=thread (races reported, a correct program quiet), and
#     without a sanitizer (a one-shot race trapped);
#  2. hmap as a meson subproject of their own project.
# Works in a scratch directory; the checkout is left as it was.
#
#   bash tools/check-packaging.sh [--tsan-runs N]   (default 3 runs of each
#                                                    TSan program)
set -euo pipefail
tsan_runs=3
if [ "${1:-}" = --tsan-runs ]; then
    tsan_runs=$2
fi
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "---- meson install + pkg-config"
meson setup "$work/build" "$src" --prefix "$work/prefix" -Dtests=false -Dbench=disabled >/dev/null
meson install -C "$work/build" >/dev/null
pc_dir=$(dirname "$(find "$work/prefix" -name hmap.pc | head -n 1)")
export PKG_CONFIG_PATH="$pc_dir"
echo "pkg-config --cflags --libs hmap: $(pkg-config --cflags --libs hmap)"
# shellcheck disable=SC2046
cc -std=c11 -Wall -Wextra -Werror "$src/tests/packaging/app.c" -o "$work/app" $(pkg-config --cflags --libs hmap)
LD_LIBRARY_PATH="$(pkg-config --variable=libdir hmap)" "$work/app"

# The installed library's version, its header's and pkg-config's agree.
cat >"$work/version.c" <<'EOF'
#include <hmap.h>
#include <stdio.h>
int main(void)
{
    printf("%s %d.%d.%d\n", hmap_version(), HMAP_VERSION_MAJOR, HMAP_VERSION_MINOR,
           HMAP_VERSION_PATCH);
    return 0;
}
EOF
# shellcheck disable=SC2046
cc -std=c11 "$work/version.c" -o "$work/version" $(pkg-config --cflags --libs hmap)
versions=$(LD_LIBRARY_PATH="$(pkg-config --variable=libdir hmap)" "$work/version")
want="$(pkg-config --modversion hmap) $(pkg-config --modversion hmap)"
if [ "$versions" != "$want" ]; then
    echo "hmap_version() and HMAP_VERSION_* say '$versions', pkg-config '$want'" >&2
    exit 1
fi
echo "version $(pkg-config --modversion hmap): hmap_version(), HMAP_VERSION_* and pkg-config agree"

libdir=$(pkg-config --variable=libdir hmap)

# The shared library exports the public API (hmap_*) and the checked entry
# points (hmap__checked_*), nothing else: no test hooks, no internals.
exports=$(nm -D --defined-only "$libdir/libhmap.so" | awk '$2 ~ /^[TDBR]$/ { print $3 }')
stray=$(grep -Ev '^(hmap_[a-z]|hmap__checked_)' <<<"$exports" | grep -Ev '^(_init|_fini)$' || true)
if [ -n "$stray" ] || grep -q '^hmap_testing_' <<<"$exports"; then
    echo "libhmap.so exports more than the API:" $stray $(grep '^hmap_testing_' <<<"$exports") >&2
    exit 1
fi
echo "libhmap.so exports $(wc -l <<<"$exports") symbols, the API and the checked entry points"

# Runs a program built against the installed library, its stderr kept in
# $work/err (the outer 2>/dev/null keeps the shell's own "Aborted" notice
# out of the log); the exit status is in $status.
run() {
    status=0
    { LD_LIBRARY_PATH="$libdir" "$@" 2>"$work/err"; } 2>/dev/null || status=$?
}

# Fails unless $work/err holds every one of the strings given.
expect_err() {
    local what=$1
    shift
    for want in "$@"; do
        if ! grep -q -- "$want" "$work/err"; then
            echo "$what: no '$want' in its output (exit status $status):" >&2
            cat "$work/err" >&2
            exit 1
        fi
    done
}

for compiler in gcc clang; do
    echo "---- installed library, $compiler -fsanitize=address"
    # shellcheck disable=SC2046
    $compiler -std=gnu11 -g -fsanitize=address "$src/tests/packaging/asan_app.c" \
        -o "$work/asan_app" $(pkg-config --cflags --libs hmap)
    export ASAN_OPTIONS=detect_leaks=0
    # guard=none: nothing guarded by pages, so ASan must catch the read,
    # and hmap's report follow its own.
    HMAP_OPTIONS=guard=none run "$work/asan_app" small
    expect_err "asan_app small" "ERROR: AddressSanitizer: heap-use-after-free" \
        "ERROR: hmap: dangling pointer read" "table retired by" "SUMMARY: hmap: dangling pointer read"
    # A large table is guarded whatever ASan does: hmap's fault report.
    run "$work/asan_app" large
    expect_err "asan_app large" "ERROR: hmap: dangling pointer read" "table retired by"
    # A deleted slot carries ASan's poison.
    run "$work/asan_app" deleted
    expect_err "asan_app deleted" "ERROR: AddressSanitizer: use-after-poison"
    unset ASAN_OPTIONS
    echo "asan_app: small, large and deleted reported"

    echo "---- installed library, $compiler -fsanitize=thread"
    # shellcheck disable=SC2046
    $compiler -std=gnu11 -g -fsanitize=thread "$src/tests/packaging/threads_app.c" \
        -o "$work/tsan_app" $(pkg-config --cflags --libs hmap) -lpthread
    for r in $(seq "$tsan_runs"); do
        # Writes 150 ms apart never overlap: only TSan's happens-before
        # sees them, through the runtime's reports of each operation.
        run "$work/tsan_app" far
        expect_err "tsan_app far (run $r)" "WARNING: ThreadSanitizer"
        expect_err "tsan_app far (run $r)" "threads_app.c:26"
        run "$work/tsan_app" oneshot
        if ! grep -q "WARNING: ThreadSanitizer" "$work/err"; then
            expect_err "tsan_app oneshot (run $r)" "ERROR: hmap: concurrent map writes"
        fi
        run "$work/tsan_app" correct
        if [ $status != 0 ] || [ -s "$work/err" ]; then
            echo "tsan_app correct (run $r): exit status $status, output:" >&2
            cat "$work/err" >&2
            exit 1
        fi
    done
    echo "tsan_app: races reported, the correct program quiet ($tsan_runs runs each)"
done

echo "---- installed library, no sanitizer: traps"
# shellcheck disable=SC2046
cc -std=gnu11 -g "$src/tests/packaging/threads_app.c" -o "$work/threads_app" \
    $(pkg-config --cflags --libs hmap) -lpthread
# A trap this long holds the first write open until the second arrives.
HMAP_OPTIONS=trap_us=500000 run "$work/threads_app" oneshot
expect_err "threads_app oneshot" "ERROR: hmap: concurrent map writes"
run "$work/threads_app" correct
if [ $status != 0 ] || [ -s "$work/err" ]; then
    echo "threads_app correct: exit status $status, output:" >&2
    cat "$work/err" >&2
    exit 1
fi
echo "threads_app: the one-shot race trapped, the correct program quiet"

echo "---- installed tools and man pages"
# A checked program's JSON report, read by the installed hmap-report.
cat >"$work/nil.c" <<'EOF'
#define HMAP_CHECKED 1
#include <hmap.h>
int main(void)
{
    int k = 1;
    return hmap_set(NULL, &k, &k); /* reported: a write to a nil map */
}
EOF
# shellcheck disable=SC2046
cc -std=gnu11 -g "$work/nil.c" -o "$work/nil" $(pkg-config --cflags --libs hmap)
mkdir -p "$work/logs"
HMAP_OPTIONS="log_format=json:log_path=$work/logs/hmap:symbolize=0" run "$work/nil"
status=0
"$work/prefix/bin/hmap-report" "$work/logs" --junit "$work/junit.xml" >"$work/summary" || status=$?
if [ $status != 1 ] || ! grep -q "assignment to entry in nil map" "$work/summary" ||
    ! grep -q "<failure" "$work/junit.xml"; then
    echo "installed hmap-report: exit status $status, summary:" >&2
    cat "$work/summary" >&2
    exit 1
fi
HMAP_OPTIONS=symbolize=0 run "$work/nil"
"$work/prefix/bin/hmap-symbolize" -d "$work" <"$work/err" >"$work/symbolized"
grep -q "in main .*nil.c:" "$work/symbolized" || {
    echo "installed hmap-symbolize did not name main in nil.c:" >&2
    cat "$work/symbolized" >&2
    exit 1
}
for page in hmap hmap-options hmap-report hmap-symbolize; do
    MANPATH="$work/prefix/share/man" man -P cat "$page" 2>/dev/null | grep -q . || {
        echo "man $page: no page installed under $work/prefix/share/man" >&2
        exit 1
    }
done
echo "installed hmap-report and hmap-symbolize work; man hmap, hmap-options, hmap-report, hmap-symbolize"

echo "---- CMake: find_package(hmap CONFIG)"
cmake -S "$src/tests/packaging/cmake" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$work/prefix" \
    >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log" >&2; exit 1; }
cmake --build "$work/cmake-build" >>"$work/cmake.log" 2>&1 || { cat "$work/cmake.log" >&2; exit 1; }
# no LD_LIBRARY_PATH: the imported target's location goes into the rpath
"$work/cmake-build/app"
echo "CMake consumer: built with hmap::hmap and ran"

echo "---- meson subproject"
cp -r "$src/tests/packaging" "$work/consumer"
mkdir -p "$work/consumer/subprojects"
ln -s "$src" "$work/consumer/subprojects/hmap"
meson setup "$work/consumer/build" "$work/consumer" -Dhmap:tests=false -Dhmap:bench=disabled >/dev/null
meson test -C "$work/consumer/build" --print-errorlogs | grep -E "^(Ok|Fail):"
