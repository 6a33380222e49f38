#!/usr/bin/env bash
# tools/run-examples.sh - the README's main command: installs what is
# missing, builds, and runs every example, each under a one-line title:
# first the crash reproductions (built with -DHMAP_CHECKED), each showing
# the report it dies with; then the same workloads written correctly,
# which run clean; then the reproductions that are memory-safe without
# the checks, built plain, which run to the end unnoticed.
#
# What each example must do is declared once, in examples/meson.build;
# examples/expect.py --all replays those tests from meson's introspection
# data.  Exits non-zero only if some example did not behave as expected.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh
[[ -d build ]] || meson setup build >/dev/null
meson configure build -Dexamples=true -Dwerror=true
meson compile -C build >/dev/null

exec python3 examples/expect.py --all build
