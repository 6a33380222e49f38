#!/usr/bin/env python3
"""check_kinds.py - every kind of report in instrument/kinds.inc has a crash
example (examples/meson.build), a death test (tests/test_death.c or
tests/test_guard.c) and a section in docs/diagnostics.md; and nothing
there names a kind the runtime does not have.

    check_kinds.py SOURCE_ROOT
"""

import os
import re
import sys


def main(root):
    with open(os.path.join(root, "instrument/kinds.inc")) as f:
        kinds = re.findall(r'^HMAP_KIND\(\w+, "([^"]+)"', f.read(), flags=re.M)
    with open(os.path.join(root, "examples/meson.build")) as f:
        examples = set(re.findall(r"'kind': '([^']+)'", f.read()))
    death = ""
    for name in ("tests/test_death.c", "tests/test_guard.c"):
        with open(os.path.join(root, name)) as f:
            death += f.read()
    with open(os.path.join(root, "docs/diagnostics.md")) as f:
        sections = set(re.findall(r"^## (.+)$", f.read(), flags=re.M))
    problems = []
    if len(kinds) < 12:
        problems.append("kinds.inc: only %d kinds read" % len(kinds))
    for k in kinds:
        if k not in examples:
            problems.append("%r: no crash example in examples/meson.build" % k)
        if '"%s"' % k not in death:
            problems.append("%r: no death test naming it in tests/test_death.c or test_guard.c" % k)
        if k not in sections:
            problems.append("%r: no '## %s' section in docs/diagnostics.md" % (k, k))
    for k in sorted(examples - set(kinds)):
        problems.append("examples/meson.build names %r, which is not a kind" % k)
    for p in problems:
        print("check_kinds: " + p, file=sys.stderr)
    print("check_kinds: %d kinds, each with an example, a death test and a section%s"
          % (len(kinds), "" if not problems else " - NOT SO"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
