#!/usr/bin/env python3
"""check_docs.py - the options tables of README.md and docs/options.md list
exactly the options the runtime has, with its defaults (read from the
runtime's own help=1 output, run from a checked program), and neither
README.md nor docs/ quotes a commit hash.

    check_docs.py SOURCE_ROOT CHECKED_PROGRAM
"""

import os
import re
import subprocess
import sys


def runtime_options(program):
    env = dict(os.environ, HMAP_OPTIONS="help=1")
    err = subprocess.run([os.path.abspath(program)], env=env, capture_output=True,
                         text=True).stderr
    return dict(re.findall(r"^  (\w+)\s+\(default ([^)]*)\)", err, flags=re.M))


def table_options(path):
    with open(path) as f:
        return dict(re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", f.read(), flags=re.M))


def main(root, program):
    want = runtime_options(program)
    problems = []
    if len(want) < 10:
        problems.append("help=1 listed only %d options" % len(want))
    for doc in ("README.md", "docs/options.md"):
        have = table_options(os.path.join(root, doc))
        for name in sorted(set(want) | set(have)):
            if name not in have:
                problems.append("%s: no row for option %s" % (doc, name))
            elif name not in want:
                problems.append("%s: a row for %s, which the runtime does not have" % (doc, name))
            elif have[name] != want[name]:
                problems.append("%s: %s defaults to %s, not %s" % (doc, name, want[name], have[name]))
    docs = ["README.md"] + ["docs/" + n for n in sorted(os.listdir(os.path.join(root, "docs")))
                            if n.endswith(".md")]
    for doc in docs:
        with open(os.path.join(root, doc)) as f:
            for n, line in enumerate(f, 1):
                # a hexadecimal word with a letter in it, 7 to 40 long: a hash
                for word in re.findall(r"\b[0-9a-f]{7,40}\b", line):
                    if re.search(r"[a-f]", word) and re.search(r"[0-9]", word):
                        problems.append("%s:%d: %s looks like a commit hash" % (doc, n, word))
    for p in problems:
        print("check_docs: " + p, file=sys.stderr)
    print("check_docs: %d options, as the runtime has them; no commit hashes%s"
          % (len(want), "" if not problems else " - NOT SO"))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
