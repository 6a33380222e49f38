#!/usr/bin/env python3
"""check-skips.py - lists the tests that skipped in a build, and fails on a
skip this kind of machine and build should not have (tools/run-tests.sh).

    check-skips.py BUILD_KIND SKIP_LOG

BUILD_KIND is plain, asan or tsan; SKIP_LOG is the file that TU_SKIP
(tests/testutil.h) appended "FILE TEST: REASON" lines to.  A skip is
expected when its reason holds: the build's sanitizer, or a kernel feature
this machine lacks (checked here, not taken on trust).  Exit status 1 when
any skip is not expected.
"""

import os
import sys


def thp_available():
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return "[never]" not in f.read()
    except OSError:
        return False


# Each reason TU_SKIP gives, and when it may be given.
EXPECTED = {
    "no transparent huge pages here": lambda kind: not thp_available(),
    "ASan's allocator and shadow map memory of their own as the program runs": lambda kind: kind == "asan",
    "TSan's runtime maps and faults in memory of its own as the program runs": lambda kind: kind == "tsan",
    "under ASan what no page guards is ASan's to catch": lambda kind: kind == "asan",
    "not built with AddressSanitizer": lambda kind: kind != "asan",
    "under ASan retired tables go to ASan's quarantine, not to hmap's queue": lambda kind: kind == "asan",
}


def main(argv):
    if len(argv) != 3 or argv[1] not in ("plain", "asan", "tsan"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, log = argv[1], argv[2]
    lines = []
    if os.path.exists(log):
        with open(log) as f:
            lines = sorted(set(l.rstrip("\n") for l in f if l.strip()))
    bad = []
    for line in lines:
        reason = line.split(": ", 1)[1] if ": " in line else ""
        ok = EXPECTED.get(reason, lambda kind: False)(kind)
        print("  skipped %s%s" % (line, "" if ok else "   <- not expected here"))
        if not ok:
            bad.append(line)
    print("  %d skipped, %d of them not expected in a %s build on this machine"
          % (len(lines), len(bad), kind))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
