#!/usr/bin/env bash
# tools/run-examples.sh - the README's main command: installs what is
# missing, builds, and runs every example, each under a title.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh
[[ -d build ]] || meson setup build -Dbench=disabled >/dev/null
meson compile -C build >/dev/null

status=0
for exe in build/examples/*; do
    [[ -f "$exe" && -x "$exe" ]] || continue
    echo "==== example: $(basename "$exe")"
    "$exe" || { echo "==== $(basename "$exe") failed (exit $?)"; status=1; }
done
exit $status
