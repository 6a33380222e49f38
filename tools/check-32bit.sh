#!/usr/bin/env bash
# tools/check-32bit.sh - the core on a 32-bit target: builds src/ and the
# standalone tests/core32.c with gcc -m32 and clang -m32 (-Werror), and with
# gcc -m32 under AddressSanitizer + UndefinedBehaviorSanitizer, and runs
# each; then once more as a 64-bit program, which must agree with them on
# the hash's known answers.  (The unit tests and the checked runtime need
# Check, libunwind and libdw, whose 32-bit builds Debian packages only for
# an i386 system.)  Needs gcc-multilib, which tools/deps.sh installs on
# amd64; skipped on other systems.
set -euo pipefail
cd "$(dirname "$0")/.."
arch=$(dpkg --print-architecture 2>/dev/null || echo "unknown (no dpkg)")
if [[ "$arch" != amd64 ]]; then
    echo "check-32bit: skipped: needs an amd64 Debian system with gcc-multilib, this is $arch"
    exit 0
fi
out=build-32
mkdir -p "$out"
core=(src/alloc.c src/hash.c src/hmap.c src/iter.c src/verify.c tests/core32.c)
flags=(-std=gnu11 -Wall -Wextra -Werror -Isrc -g)
variants=(
    "gcc gcc -m32 -O2"
    "clang clang -m32 -O2"
    "asan gcc -m32 -O1 -fsanitize=address,undefined -fno-sanitize-recover=all"
    "gcc-64 gcc -m64 -O2"
)
for v in "${variants[@]}"; do
    read -r name compiler opts <<<"$v"
    # shellcheck disable=SC2086
    "$compiler" "${flags[@]}" $opts "${core[@]}" -o "$out/core32-$name"
    printf '%-7s ' "$name"
    HMAP_CORE32_ANY_TARGET=$([[ $name == *-64 ]] && echo 1 || echo) "$out/core32-$name"
done
