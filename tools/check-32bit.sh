#!/usr/bin/env bash
# tools/check-32bit.sh - the core on a 32-bit target: builds src/ and the
# standalone tests/core32.c with gcc -m32 and clang -m32 (-Werror), and with
# gcc -m32 under AddressSanitizer + UndefinedBehaviorSanitizer, and runs
# each.  (The unit tests and the checked runtime need Check, libunwind and
# libdw, whose 32-bit builds Debian packages only for an i386 system.)
# Needs gcc-multilib (tools/deps.sh installs it on amd64); skipped elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "$(dpkg --print-architecture 2>/dev/null)" != amd64 ]]; then
    echo "check-32bit: skipped (not an amd64 system)"
    exit 0
fi
out=build-32
mkdir -p "$out"
core=(src/alloc.c src/hash.c src/hmap.c src/iter.c src/verify.c tests/core32.c)
flags=(-m32 -std=gnu11 -Wall -Wextra -Werror -Isrc -g)
variants=(
    "gcc gcc -O2"
    "clang clang -O2"
    "asan gcc -O1 -fsanitize=address,undefined -fno-sanitize-recover=all"
)
for v in "${variants[@]}"; do
    read -r name compiler opts <<<"$v"
    # shellcheck disable=SC2086
    "$compiler" "${flags[@]}" $opts "${core[@]}" -o "$out/core32-$name"
    printf '%-6s ' "$name"
    "$out/core32-$name"
done
