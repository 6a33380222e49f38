#!/usr/bin/env python3
"""gen-man.py - writes hmap's generated man pages (meson builds them):

    gen-man.py options SOURCE_ROOT VERSION OUT    hmap-options(7), from
        instrument/options.inc and instrument/kinds.inc, the lists that
        HMAP_OPTIONS=help=1 and the reports come from;
    gen-man.py tool PROGRAM VERSION OUT           PROGRAM(1), from its
        argparse --help.
"""

import os
import re
import subprocess
import sys


def roff(text):
    """Text safe in a roff paragraph."""
    text = text.replace("\\", "\\e")
    return "\n".join(("\\&" + l if l.startswith((".", "'")) else l) for l in text.split("\n"))


def c_strings(args):
    """The concatenated C string literals of a macro's arguments, in order."""
    out, cur = [], None
    for m in re.finditer(r'"((?:[^"\\]|\\.)*)"|,', args):
        if m.group(0) == ",":
            if cur is not None:
                out.append(cur)
            cur = None
        else:
            cur = (cur or "") + m.group(1).replace('\\"', '"')
    if cur is not None:
        out.append(cur)
    return out


def options_page(root, version):
    inc = open(os.path.join(root, "instrument/options.inc")).read()
    opts = []
    for m in re.finditer(r"^HMAP_OPTION\(([^,]+),\s*(\w+),(.*?)\)\s*$", inc, flags=re.M | re.S):
        default, help_text = c_strings(m.group(3))
        opts.append((m.group(2), default, help_text))
    kinds_inc = open(os.path.join(root, "instrument/kinds.inc")).read()
    kinds = [c_strings(m.group(1)) for m in
             re.finditer(r"^HMAP_KIND\(\w+,(.*?)\)\s*$", kinds_inc, flags=re.M | re.S)]
    p = ['.TH HMAP-OPTIONS 7 "" "hmap %s" "hmap"' % version,
         ".SH NAME", "hmap-options \\- the checked build of hmap: HMAP_OPTIONS and its reports",
         ".SH DESCRIPTION",
         roff("A program compiled with -DHMAP_CHECKED reports misuse of its maps and ends. "
              "HMAP_OPTIONS, colon-separated name=value pairs like ASAN_OPTIONS, sets how; "
              "HMAP_OPTIONS=help=1 prints the same list as below. A malformed value or an "
              "unknown name is an error (exit status 1)."),
         ".SH OPTIONS"]
    for name, default, help_text in opts:
        p += [".TP", "\\fB%s\\fR (default \\fI%s\\fR)" % (name, roff(default)), roff(help_text)]
    p += [".SH REPORTS", roff("Every report starts with ==PID==ERROR: hmap: KIND and ends with "
                              "SUMMARY: hmap: KIND FILE:LINE in FUNCTION. The kinds:")]
    for name, help_text in kinds:
        p += [".TP", "\\fB%s\\fR" % roff(name), roff(help_text)]
    p += [".SH SEE ALSO", "hmap(3), hmap-report(1), hmap-symbolize(1)"]
    return "\n".join(p) + "\n"


def tool_page(program, version):
    name = os.path.basename(program)
    out = subprocess.run([sys.executable, program, "--help"], capture_output=True, text=True,
                         check=True).stdout
    first = out.split("\n\n")
    usage, rest = first[0], "\n\n".join(first[1:])
    description = rest.split("\n\n")[0].replace("\n", " ")
    p = ['.TH %s 1 "" "hmap %s" "hmap"' % (name.upper(), version),
         ".SH NAME", "%s \\- %s" % (name, roff(description)),
         ".SH SYNOPSIS", ".nf", roff(usage), ".fi",
         ".SH OPTIONS", ".nf", roff(rest), ".fi",
         ".SH SEE ALSO", "hmap(3), hmap-options(7)"]
    return "\n".join(p) + "\n"


def main(argv):
    if len(argv) != 5 or argv[1] not in ("options", "tool"):
        print(__doc__, file=sys.stderr)
        return 2
    text = options_page(argv[2], argv[3]) if argv[1] == "options" else tool_page(argv[2], argv[3])
    with open(argv[4], "w") as f:
        f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
