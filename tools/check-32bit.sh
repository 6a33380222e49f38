#!/usr/bin/env bash
# tools/check-32bit.sh - the core on a 32-bit target: builds src/ and the
# standalone tests/core32.c with gcc -m32 and clang -m32 (-Werror), and with
# gcc -m32 under AddressSanitizer + UndefinedBehaviorSanitizer, and runs
# each; then once more as a 64-bit program, which must agree with them on
# the hash's known answers.  (The unit tests and the checked runtime need
# Check, libunwind and libdw, whose 32-bit builds Debian packages only for
# an i386 system.)  Needs gcc-multilib, which tools/deps.sh installs on
# amd64; skipped on other systems.  A kernel built without IA32 emulation
# (some virtual machines' are) cannot run the 32-bit programs: they run
# under qemu-user's qemu-i386 instead (deps.sh installs it), and the
# sanitizer variant is UBSan alone there, since ASan's shadow memory does
# not work under qemu-user (the program hangs).
set -euo pipefail
cd "$(dirname "$0")/.."
arch=$(dpkg --print-architecture 2>/dev/null || echo "unknown (no dpkg)")
if [[ "$arch" != amd64 ]]; then
    echo "check-32bit: skipped: needs an amd64 Debian system with gcc-multilib, this is $arch"
    exit 0
fi
out=build-32
mkdir -p "$out"
core=(src/alloc.c src/grow.c src/hash.c src/hmap.c src/iter.c src/table.c src/verify.c tests/core32.c)
flags=(-std=gnu11 -Wall -Wextra -Werror -Isrc -g)
# Can this kernel run i386 programs?
runner=()
sanitizers=address,undefined
echo 'int main(void) { return 0; }' >"$out/probe.c"
gcc -m32 "$out/probe.c" -o "$out/probe"
if ! "$out/probe" 2>/dev/null; then
    if ! command -v qemu-i386 >/dev/null; then
        echo "check-32bit: this kernel cannot run i386 programs and qemu-i386 is missing" \
            "(tools/deps.sh installs qemu-user)" >&2
        exit 1
    fi
    echo "check-32bit: this kernel cannot run i386 programs: running them under qemu-i386," \
        "the sanitizer variant with UBSan only"
    runner=(qemu-i386)
    sanitizers=undefined
fi

variants=(
    "gcc gcc -m32 -O2"
    "clang clang -m32 -O2"
    "san gcc -m32 -O1 -fsanitize=$sanitizers -fno-sanitize-recover=all"
    "gcc-64 gcc -m64 -O2"
)
for v in "${variants[@]}"; do
    read -r name compiler opts <<<"$v"
    # shellcheck disable=SC2086
    "$compiler" "${flags[@]}" $opts "${core[@]}" -o "$out/core32-$name"
    printf '%-7s ' "$name"
    if [[ $name == *-64 ]]; then
        HMAP_CORE32_ANY_TARGET=1 "$out/core32-$name"
    else
        "${runner[@]}" "$out/core32-$name"
    fi
done
