#!/usr/bin/env bash
# tools/run-tests.sh - the README's test command: installs what is missing,
# then builds and runs every test suite in each build the project supports:
#   build/        gcc, the default build: all suites
#   build-clang/  clang, -Werror: all suites
#   build-asan/   gcc, AddressSanitizer + UndefinedBehaviorSanitizer
#   build-tsan/   gcc, ThreadSanitizer
# then runs the libFuzzer targets of tests/fuzz for 20 s each (build-fuzz/,
# clang, ASan + UBSan), builds and runs the core on a 32-bit target (gcc/clang -m32, with and
# without ASan+UBSan) and checks packaging (meson install + pkg-config,
# meson subproject).
# Exits non-zero on the first failing build or suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh

# name, compiler, extra meson options
builds=(
    "build gcc"
    "build-clang clang"
    "build-asan gcc -Db_sanitize=address,undefined -Db_lundef=false"
    "build-tsan gcc -Db_sanitize=thread -Db_lundef=false"
)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
for spec in "${builds[@]}"; do
    read -r dir compiler opts <<<"$spec"
    echo "==== $dir ($compiler ${opts:-})"
    if [[ ! -d "$dir" ]]; then
        # shellcheck disable=SC2086
        CC=$compiler CXX=$([[ $compiler == clang ]] && echo clang++ || echo g++) \
            meson setup "$dir" $opts >/dev/null
    fi
    # the project's own builds: everything, and warnings are errors
    meson configure "$dir" -Dtests=true -Dexamples=true -Dwerror=true
    meson compile -C "$dir" >/dev/null
    # TU_SKIP notes each skipped test here; check-skips.py lists them and
    # fails on one this machine and build should not have.
    export HMAP_SKIP_LOG=$PWD/$dir/skipped.log
    rm -f "$HMAP_SKIP_LOG"
    meson test -C "$dir" --print-errorlogs --num-processes 2 | tee "$dir/meson-test.out"
    passed=$((passed + $(awk '/^Ok:/ { print $2 }' "$dir/meson-test.out")))
    kind=plain
    [[ $opts == *sanitize=address* ]] && kind=asan
    [[ $opts == *sanitize=thread* ]] && kind=tsan
    python3 tools/check-skips.py "$kind" "$HMAP_SKIP_LOG"
    unset HMAP_SKIP_LOG
done
echo "==== fuzz targets (clang, ASan + UBSan, 20 s each; longer: tools/fuzz.sh)"
if [[ ! -d build-fuzz ]]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbench=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link \
        >/dev/null
fi
meson compile -C build-fuzz >/dev/null
meson test -C build-fuzz --suite fuzz --print-errorlogs --num-processes 2 | tee build-fuzz/meson-test.out
passed=$((passed + $(awk '/^Ok:/ { print $2 }' build-fuzz/meson-test.out)))
echo "==== 32-bit core"
bash tools/check-32bit.sh
echo "==== packaging"
bash tools/check-packaging.sh
echo "==== consumer recipe"
bash tools/check-consumer.sh
echo "==== all builds passed"
echo "tests: $passed passed, 0 failed"
