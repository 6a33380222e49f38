#!/usr/bin/env bash
# tools/fuzz.sh - runs the libFuzzer targets of tests/fuzz for longer than
# the test command does (20 s each there):
#
#   bash tools/fuzz.sh [SECONDS [TARGET...]]    (default 1800 s; all three)
#
# Builds build-fuzz/ if needed (clang, ASan + UBSan, fuzzer coverage),
# then runs the targets side by side, as many at a time as there are
# cores (or FUZZ_JOBS), each for SECONDS from its seed corpus; new inputs are kept in
# build-fuzz/tests/fuzz/TARGET-corpus.  A crash leaves a crash-* file
# there and makes the script fail: copy it into tests/fuzz/corpus/ so that
# every test run replays it, and fix the bug.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
seconds=${1:-1800}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fuzz-ops fuzz-ops-checked fuzz-options)

bash tools/deps.sh
if [ ! -d build-fuzz ]; then
    CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true -Dtests=false -Dbench=disabled \
        -Db_sanitize=address,undefined -Db_lundef=false -Dc_args=-fsanitize=fuzzer-no-link \
        >/dev/null
fi
meson compile -C build-fuzz >/dev/null
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

corpus_of() { [ "$1" = fuzz-options ] && echo options || echo ops; }

status=0
running=0
for t in "${targets[@]}"; do
    out=build-fuzz/tests/fuzz/$t-corpus
    log=build-fuzz/tests/fuzz/$t.log
    echo "fuzz.sh: $t for $seconds s (log $log)"
    bash tests/fuzz/run_fuzz.sh "$root/build-fuzz/tests/fuzz/$t" "$root/$out" \
        "$root/tests/fuzz/corpus/$(corpus_of "$t")" "$seconds" >"$log" 2>&1 &
    running=$((running + 1))
    if [ $running -ge "${FUZZ_JOBS:-$(nproc)}" ]; then
        wait -n || status=1
        running=$((running - 1))
    fi
done
while [ $running -gt 0 ]; do
    wait -n || status=1
    running=$((running - 1))
done
for t in "${targets[@]}"; do
    log=build-fuzz/tests/fuzz/$t.log
    echo "== $t: $(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1)"
    grep -E "ERROR|SUMMARY|fuzz_ops:|fuzz_options:|crash-" "$log" | head -n 5 || true
done
exit $status
