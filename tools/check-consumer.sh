#!/usr/bin/env bash
# tools/check-consumer.sh - runs the CI recipe of examples/consumer/README.md
# on the consumer project, as an application's CI would, and checks what it
# gives:
#   1. copies examples/consumer to a scratch directory and makes its
#      subprojects/hmap a link to this checkout;
#   2. builds it with -Dhmap_checked=true;
#   3. clean run: its meson test, with HMAP_OPTIONS=log_path=...:log_format=json,
#      passes, and hmap-report exits 0 and writes SARIF and JUnit with nothing
#      in them;
#   4. buggy run (-Ddemo_bug=true): meson test fails, hmap-report exits 1, and
#      the SARIF and JUnit hold the one report, of the bug's kind, at the
#      bug's line of stock.c.
# The checkout is left as it was.  Usage: tools/check-consumer.sh
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

app=$work/consumer
cp -r "$src/examples/consumer" "$app"
rm -rf "$app/subprojects" "$app/build"
mkdir -p "$app/subprojects"
ln -s "$src" "$app/subprojects/hmap"

echo "---- consumer: build with -Dhmap_checked=true"
# --force-fallback-for: the subproject even where an hmap is installed.
meson setup "$app/build" "$app" --force-fallback-for=hmap -Dhmap_checked=true >/dev/null
meson compile -C "$app/build" >/dev/null

# run_recipe NAME: the recipe's two commands, from the project's top
# directory as CI runs them; outputs go to $work/NAME, and the exit
# statuses to test_status and report_status.
run_recipe() {
    local out=$work/$1
    mkdir -p "$out/logs"
    set +e
    (cd "$app" &&
        HMAP_OPTIONS=log_path=$out/logs/hmap:log_format=json \
            meson test -C build --suite hmap-consumer --print-errorlogs >"$out/meson-test.txt" 2>&1)
    test_status=$?
    (cd "$app" &&
        python3 subprojects/hmap/tools/hmap-report "$out/logs" --source-root . \
            --sarif "$out/hmap.sarif" --junit "$out/hmap-junit.xml")
    report_status=$?
    set -e
    echo "meson test: exit $test_status; hmap-report: exit $report_status"
}

# check_outputs NAME COUNT [KIND LINE]: the SARIF and JUnit of run NAME
# hold COUNT reports, each of KIND located at stock.c:LINE.
check_outputs() {
    python3 - "$work/$1" "$2" "${3:-}" "${4:-0}" <<'EOF'
import json, sys, xml.etree.ElementTree as ET
out, count, kind, line = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
sarif = json.load(open(out + "/hmap.sarif"))
assert sarif["version"] == "2.1.0", sarif["version"]
results = sarif["runs"][0]["results"]
assert len(results) == count, "SARIF: %d results, want %d" % (len(results), count)
for r in results:
    assert r["ruleId"] == kind.replace(" ", "-"), r["ruleId"]
    phys = r["locations"][0]["physicalLocation"]
    where = (phys["artifactLocation"]["uri"], phys["artifactLocation"].get("uriBaseId"),
             phys["region"]["startLine"])
    assert where == ("stock.c", "%SRCROOT%", line), where
suite = ET.parse(out + "/hmap-junit.xml").getroot().find("testsuite")
failures = [c.find("failure") for c in suite.findall("testcase")]
assert suite.get("name") == "hmap" and len(failures) == count, ET.tostring(suite)
assert all(f is not None and f.get("type") == kind for f in failures)
print("SARIF and JUnit: %d report%s%s" % (count, "" if count == 1 else "s",
                                          " (%s at stock.c:%d)" % (kind, line) if count else ""))
EOF
}

fail() {
    echo "check-consumer: $*" >&2
    for f in "$work"/*/meson-test.txt; do echo "== $f" >&2; cat "$f" >&2; done
    exit 1
}

echo "---- consumer: clean run"
run_recipe clean
[[ $test_status -eq 0 ]] || fail "the clean run's meson test failed"
[[ $report_status -eq 0 ]] || fail "hmap-report found reports in the clean run (exit $report_status)"
check_outputs clean 0

echo "---- consumer: run with the deliberate bug (-Ddemo_bug=true)"
meson configure "$app/build" -Ddemo_bug=true >/dev/null
run_recipe buggy
[[ $test_status -ne 0 ]] || fail "the buggy run's meson test passed"
[[ $report_status -eq 1 ]] || fail "hmap-report did not exit 1 on the buggy run (exit $report_status)"
bug_line=$(grep -n 'hmap_del(stock, &sku);' "$app/stock.c" | cut -d: -f1)
check_outputs buggy 1 "map modified during iteration" "$bug_line"
echo "---- consumer recipe: ok"
