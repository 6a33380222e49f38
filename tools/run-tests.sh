#!/usr/bin/env bash
# tools/run-tests.sh - the README's test command: installs what is missing,
# then builds and runs every test suite in each build the project supports:
#   build/        gcc, the default build: all suites
#   build-clang/  clang, -Werror: all suites
#   build-asan/   gcc, AddressSanitizer + UndefinedBehaviorSanitizer
#   build-tsan/   gcc, ThreadSanitizer
#   build-lto/    gcc, link-time optimisation: all suites but `tools`
# then runs the libFuzzer targets of tests/fuzz for 20 s each (build-fuzz/,
# clang, ASan + UBSan), builds and runs the core on a 32-bit target (gcc/clang -m32, with and
# without ASan+UBSan) and checks packaging (meson install + pkg-config,
# meson subproject).
# Exits non-zero on the first failing build or suite.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tools/deps.sh

# name, compiler, suites left out ("-" for none), extra meson options.
# Link-time optimisation inlines the library into the tests, so the
# inline steps of hmap.h and the library's own code meet in one function,
# where the compiler's aliasing assumptions are put to the test: at -O3,
# where gcc 12 acts on them (at -O2 a mistake there passed).  Its
# `tools` suite is left out: GNU addr2line (binutils 2.40) names the file
# of code from an LTO unit "<artificial>", which hmap-symbolize's checks
# rightly reject (hmap-symbolize --addr2line takes another one).
builds=(
    "build gcc -"
    "build-clang clang -"
    "build-asan gcc - -Db_sanitize=address,undefined -Db_lundef=false"
    "build-tsan gcc - -Db_sanitize=thread -Db_lundef=false"
    "build-lto gcc tools -Db_lto=true -Doptimization=3 -Ddebug=true"
)

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
for spec in "${builds[@]}"; do
    read -r dir compiler skip opts <<<"$spec"
    label="$compiler${opts:+ $opts}"
    [[ $skip == - ]] || label+=", without suite $skip"
    echo "==== $dir ($label)"
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
    no_suite=()
    [[ $skip == - ]] || no_suite=(--no-suite "$skip")
    meson test -C "$dir" "${no_suite[@]}" --print-errorlogs --num-processes 2 |
        tee "$dir/meson-test.out"
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
