#!/usr/bin/env bash
# tools/check-packaging.sh - proves the two ways a C programmer takes hmap:
#  1. meson install, then cc app.c $(pkg-config --cflags --libs hmap), and
#     the same with -fsanitize=address for a program with a stale pointer,
#     which ASan and hmap must both report;
#  2. hmap as a meson subproject of their own project.
# Works in a scratch directory; the checkout is left as it was.
set -euo pipefail
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

echo "---- installed library under -fsanitize=address"
# shellcheck disable=SC2046
cc -std=gnu11 -g -fsanitize=address "$src/tests/packaging/asan_app.c" -o "$work/asan_app" \
    $(pkg-config --cflags --libs hmap)
# guard=none: nothing guarded by pages, so ASan must catch the read.  (The
# outer 2>/dev/null keeps the shell's own "Aborted" notice out of the log.)
if { HMAP_OPTIONS=guard=none ASAN_OPTIONS=detect_leaks=0 \
    LD_LIBRARY_PATH="$(pkg-config --variable=libdir hmap)" "$work/asan_app" 2>"$work/asan.err"; } 2>/dev/null; then
    echo "asan_app: ran to the end; the stale read was not caught" >&2
    exit 1
fi
for want in "ERROR: AddressSanitizer: heap-use-after-free" "ERROR: hmap: dangling pointer read" \
    "SUMMARY: hmap: dangling pointer read"; do
    if ! grep -q "$want" "$work/asan.err"; then
        echo "asan_app: no '$want' in its output:" >&2
        cat "$work/asan.err" >&2
        exit 1
    fi
done
echo "asan_app: ASan's report, then hmap's ($(grep -c . "$work/asan.err") lines)"

echo "---- meson subproject"
cp -r "$src/tests/packaging" "$work/consumer"
mkdir -p "$work/consumer/subprojects"
ln -s "$src" "$work/consumer/subprojects/hmap"
meson setup "$work/consumer/build" "$work/consumer" -Dhmap:tests=false -Dhmap:bench=disabled >/dev/null
meson test -C "$work/consumer/build" --print-errorlogs | grep -E "^(Ok|Fail):"
