#!/usr/bin/env python3
"""check-layers.py - the checked runtime (instrument/) has no cycle between
its modules.

A module is a .c file and the .h of the same name.  Module A depends on
module B when A.c or A.h includes B.h.  Each module includes only the
headers of what it uses (there is no umbrella header), so the include
graph is the call graph between files, and a cycle in it is a knot in the
runtime.  Prints the modules from the bottom layer up; exits 1 on a cycle
or on a header that no module owns.

    check-layers.py [SOURCE_ROOT]
"""

import os
import re
import sys


def main(root):
    d = os.path.join(root, "instrument")
    names = sorted(os.listdir(d))
    modules = sorted({n[:-2] for n in names if n.endswith((".c", ".h"))})
    deps = {m: set() for m in modules}
    problems = []
    for n in names:
        if not n.endswith((".c", ".h")):
            continue
        m = n[:-2]
        with open(os.path.join(d, n)) as f:
            for inc in re.findall(r'^#include "([^"]+)\.h"', f.read(), flags=re.M):
                if inc in deps and inc != m:
                    deps[m].add(inc)
                elif inc not in deps and os.path.exists(os.path.join(d, inc + ".h")):
                    problems.append("%s includes %s.h, which no module owns" % (n, inc))
    # Kahn's algorithm: peel off modules that depend on nothing left.
    layers, left = [], dict((m, set(ds)) for m, ds in deps.items())
    while left:
        free = sorted(m for m, ds in left.items() if not ds)
        if not free:
            break
        layers.append(free)
        for m in free:
            del left[m]
        for ds in left.values():
            ds.difference_update(free)
    if left:
        problems.append("a cycle among: " + ", ".join(
            "%s -> %s" % (m, ", ".join(sorted(ds))) for m, ds in sorted(left.items())))
    for i, layer in enumerate(layers):
        print("layer %d: %s" % (i, ", ".join(layer)))
    for p in problems:
        print("check-layers: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else "."))
