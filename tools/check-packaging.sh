#!/usr/bin/env bash
# tools/check-packaging.sh - proves the two ways a C programmer takes hmap:
#  1. meson install, then cc app.c $(pkg-config --cflags --libs hmap);
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

echo "---- meson subproject"
cp -r "$src/tests/packaging" "$work/consumer"
mkdir -p "$work/consumer/subprojects"
ln -s "$src" "$work/consumer/subprojects/hmap"
meson setup "$work/consumer/build" "$work/consumer" -Dhmap:tests=false -Dhmap:bench=disabled >/dev/null
meson test -C "$work/consumer/build" --print-errorlogs | grep -E "^(Ok|Fail):"
