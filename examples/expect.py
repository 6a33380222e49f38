#!/usr/bin/env python3
"""expect.py - runs one example program and checks that it behaved as expected.

The examples are of three sorts (examples/meson.build declares each one,
with its expectation, as a test of suite 'examples' that runs through here):

  --expect crash   a crash reproduction built with -DHMAP_CHECKED.  It must
                   die of --signal (SIGABRT unless told otherwise) with an
                   hmap report whose first line is exactly
                       ==<pid>==ERROR: hmap: <kind>        (then " on map ..." or nothing)
                   whose last line is "SUMMARY: hmap: <kind> FILE:LINE in
                   FUNCTION" naming a function the report shows, with a
                   stack frame in each --frame function, and a frame of the
                   first (the example's own function where the bug is) in
                   the stack of the report's first thread part.
  --expect clean   a correct program built with -DHMAP_CHECKED: exit 0, and no
                   report from hmap or from a sanitizer.
  --expect plain   a crash reproduction built WITHOUT -DHMAP_CHECKED: the same
                   as clean.  It shows that the plain build checks nothing.

Under ThreadSanitizer (--tsan) TSan's own warnings, and under
AddressSanitizer (--asan) ASan's report of the same use of a retired table,
may come before the report, so its first line is looked for anywhere in
stderr instead of on line 1.

    expect.py --expect crash --kind 'concurrent map writes' --frame handle_request \\
              [--options relocate=always] [--story TEXT] -- PROGRAM [ARGS...]
    expect.py --all BUILDDIR

--all runs every test of suite 'examples' of a configured and built meson
build directory (read from meson-info/intro-tests.json, so the expectations
stay in examples/meson.build), each under a one-line title with its output,
crash reproductions first; tools/run-examples.sh uses it.

Exit status: 0 if everything behaved as expected, 1 if not, 2 on bad usage.
"""

import argparse
import json
import os
import re
import shlex
import signal
import subprocess
import sys

# Markers that a correct program must never print: hmap's report, and the
# sanitizers' (a correct program that races is not correct under TSan either).
FORBIDDEN_IN_CLEAN = (
    "ERROR: hmap",
    "WARNING: ThreadSanitizer",
    "ERROR: AddressSanitizer",
    "ERROR: LeakSanitizer",
    "runtime error:",  # UBSan without halt_on_error
)

# A frame line of an hmap report:  "    #3 0x55d0c0001234 in worker+0x41 file.c:31 (module+0x...)".
# GCC may clone a function under a suffixed name (handle_request.constprop.0).
FRAME_RE = re.compile(r"^\s+#\d+ 0x[0-9a-fA-F]+ in ([A-Za-z_][\w]*)(?:\.[\w.]+)?[+ ]")


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Run one hmap example and check its expected outcome.")
    p.add_argument("--expect", choices=("crash", "clean", "plain"),
                   help="what the program must do")
    p.add_argument("--kind", help="crash: the report's kind string (DESIGN §4)")
    p.add_argument("--frame", action="append", default=[],
                   help="crash: a function that must appear in a frame of the report (repeatable)")
    p.add_argument("--signal", default="SIGABRT",
                   help="crash: the signal the program must die of (default SIGABRT)")
    p.add_argument("--options", default="",
                   help="HMAP_OPTIONS for the run (otherwise HMAP_OPTIONS is unset)")
    p.add_argument("--story", default="", help="one line saying what the example does")
    p.add_argument("--tsan", action="store_true",
                   help="the program runs under ThreadSanitizer, whose warnings may come first")
    p.add_argument("--asan", action="store_true",
                   help="the program runs under AddressSanitizer, whose report may come first")
    p.add_argument("--timeout", type=float, default=120.0,
                   help="seconds before the program is killed (default 120)")
    p.add_argument("--all", metavar="BUILDDIR",
                   help="run every example test of this meson build directory, with titles")
    p.add_argument("program", nargs=argparse.REMAINDER, help="-- PROGRAM [ARGS...]")
    args = p.parse_args(argv)
    if args.program and args.program[0] == "--":
        args.program = args.program[1:]
    if args.all:
        return args
    if not args.expect or not args.program:
        p.error("--expect and a program are required (or --all BUILDDIR)")
    if args.expect == "crash" and not args.kind:
        p.error("--expect crash needs --kind")
    return args


# ---- running one program ------------------------------------------------


def child_env(args, base):
    """The environment of the run: the runner, not the caller, decides
    HMAP_OPTIONS, so that a stray setting cannot change an expectation."""
    env = dict(base)
    if args.options:
        env["HMAP_OPTIONS"] = args.options
    else:
        env.pop("HMAP_OPTIONS", None)
    if args.expect == "crash":
        # Appended, so they win over the caller's (sanitizers take the last
        # setting of a flag); the caller's other settings, meson's included,
        # are kept.
        # - A reproduction aborts with its map still allocated: not a leak
        #   worth reporting.
        # - TSan warns about the racing examples' race before hmap reports
        #   it; with halt_on_error=1 TSan would end the program first.
        #   TSan's exitcode needs no change: it applies to a normal exit
        #   only, and a reproduction that exits normally has failed anyway.
        #   (For correct programs it stays as is, so that a TSan warning,
        #   exit status 66, fails them.)
        add_sanitizer_flag(env, "ASAN_OPTIONS", "detect_leaks=0")
        add_sanitizer_flag(env, "TSAN_OPTIONS", "halt_on_error=0")
    return env


def add_sanitizer_flag(env, var, flag):
    env[var] = ":".join(filter(None, [env.get(var, ""), flag]))


def run(args, env, cwd=None):
    """Runs the program; returns (pid, returncode or None on timeout, stdout, stderr)."""
    proc = subprocess.Popen(args.program, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        out, err = proc.communicate(timeout=args.timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        code = None
    return (proc.pid, code,
            out.decode("utf-8", "replace"), err.decode("utf-8", "replace"))


def describe_end(code):
    if code is None:
        return "still running at the timeout (killed)"
    if code < 0:
        try:
            return "killed by " + signal.Signals(-code).name
        except ValueError:
            return "killed by signal %d" % -code
    return "exit status %d" % code


# ---- the checks: each returns a list of what went wrong -----------------


def check_crash(args, pid, code, err):
    problems = []
    want_sig = getattr(signal, args.signal, None)
    if want_sig is None:
        return ["unknown signal name %r" % args.signal]
    if code != -want_sig:
        problems.append("expected death by %s, got %s" % (args.signal, describe_end(code)))

    lines = err.splitlines()
    head = "==%d==ERROR: hmap: " % pid
    anywhere = args.tsan or args.asan
    if anywhere:
        start = next((i for i, l in enumerate(lines) if l.startswith(head)), None)
    else:
        start = 0 if lines and lines[0].startswith(head) else None
    if start is None:
        where = "in stderr" if anywhere else "on stderr's first line"
        problems.append("no report line %r%s %s" % (head, "...", where))
        return problems

    first = lines[start]
    want = head + args.kind
    if not (first == want or first.startswith(want + " on map ")):
        problems.append("first line is %r, expected %r (then ' on map ...' or nothing)"
                        % (first, want))

    report = [l for l in lines[start:] if l.strip()]
    last = report[-1]
    summary = "SUMMARY: hmap: " + args.kind
    if not (last == summary or last.startswith(summary + " ")):
        problems.append("last line is %r, expected it to start with %r" % (last, summary))

    named = {m.group(1) for m in map(FRAME_RE.match, report) if m}
    for fn in args.frame:
        if fn not in named:
            problems.append("no frame in function %s (frames name: %s)"
                            % (fn, ", ".join(sorted(named)) or "nothing"))
    if args.frame:
        problems += check_where(args, lines, start, last)
    return problems


# The first thread part of a report: "  read by thread T0 (tid 42)...".
PART_RE = re.compile(r"^  \S.* by thread T[\d?]+ \(tid \d+\)")
# What ASan's report says of the access:  "READ of size 8 at 0x... thread T0".
ASAN_ACCESS_RE = re.compile(r"^(READ|WRITE) of size \d+ at ")
SUMMARY_SITE_RE = re.compile(r" (\S+):(\d+) in ([A-Za-z_]\w*)(?:\.[\w.]+)?$")
# A thread part's site:  "  concurrent write by thread T2 (tid 7) at f.c:52 in apply_setting:".
PART_SITE_RE = re.compile(r" at (\S+):(\d+) in ([A-Za-z_]\w*)(?:\.[\w.]+)?:?$")


def frames_after(lines, i):
    """The functions of the frame lines right after line i."""
    names = []
    for line in lines[i + 1:]:
        m = FRAME_RE.match(line)
        if not m:
            break
        names.append(m.group(1))
    return names


def check_where(args, lines, start, last):
    """The first --frame function (where the bug is) must be in the stack of
    the report's first thread part - not only in another part's stack -
    and the SUMMARY must name it with a file and line.  Where ASan reported
    the access first (--asan), hmap's report points at ASan's stacks, so
    the stack checked is the one under ASan's READ/WRITE line."""
    problems = []
    fn = args.frame[0]
    if args.asan and any("ERROR: AddressSanitizer" in l for l in lines[:start]):
        i = next((i for i, l in enumerate(lines) if ASAN_ACCESS_RE.match(l)), None)
        what = "ASan's access stack"
    else:
        i = next((i for i, l in enumerate(lines[start:], start) if PART_RE.match(l)), None)
        what = "the first thread part's stack"
    if i is None:
        problems.append("no %s" % what)
    elif fn not in frames_after(lines, i):
        problems.append("%s (under %r) has no frame in %s" % (what, lines[i].strip(), fn))
    m = SUMMARY_SITE_RE.search(last)
    if not m:
        problems.append("the SUMMARY line %r has no 'FILE:LINE in FUNCTION'" % last)
    else:
        # It names a call site the report shows: a frame, or a part's site
        # ("... at FILE:LINE in FUNCTION"; a race's summary may be the
        # other thread's write).
        report = lines[start:]
        named = {f.group(1) for f in map(FRAME_RE.match, report) if f}
        named |= {s.group(3) for s in map(PART_SITE_RE.search, report) if s}
        if m.group(3) not in named:
            problems.append("the SUMMARY line names %s, which no frame or site of the report "
                            "shows" % m.group(3))
    return problems


def check_clean(code, out, err):
    problems = []
    if code != 0:
        problems.append("expected exit status 0, got %s" % describe_end(code))
    for marker in FORBIDDEN_IN_CLEAN:
        if marker in out or marker in err:
            problems.append("output contains %r" % marker)
    return problems


def verdict_ok(args):
    if args.expect == "crash":
        frames = " in " + ", ".join(args.frame) if args.frame else ""
        return "died of %s with the report '%s'%s" % (args.signal, args.kind, frames)
    if args.expect == "plain":
        return "plain build: ran to the end with no report (no checks)"
    return "exit status 0, no report"


def run_one(args, base_env, cwd=None, out=sys.stdout, err=sys.stderr):
    """Runs one example (in directory cwd), shows its output and a verdict;
    returns True if it behaved as expected."""
    try:
        pid, code, child_out, child_err = run(args, child_env(args, base_env), cwd)
    except OSError as e:
        out.write("---- NOT AS EXPECTED (%s): cannot run %s: %s\n" % (args.expect, args.program[0], e))
        return False
    out.write(child_out)
    out.flush()
    err.write(child_err)
    err.flush()
    if args.expect == "crash":
        problems = check_crash(args, pid, code, child_err)
    else:
        problems = check_clean(code, child_out, child_err)
    cmd = " ".join(shlex.quote(a) for a in args.program)
    if args.options:
        cmd = "HMAP_OPTIONS=%s %s" % (args.options, cmd)
    if problems:
        out.write("---- NOT AS EXPECTED (%s): %s\n" % (args.expect, cmd))
        for p in problems:
            out.write("----   %s\n" % p)
    else:
        out.write("---- as expected: %s\n" % verdict_ok(args))
    out.flush()
    return not problems


# ---- --all: every example of a build directory ------------------------


SECTIONS = (
    ("crash", "crash reproductions (checked build): each must die with its report"),
    ("clean", "correct programs (checked build): each must run clean"),
    ("plain", "crash reproductions built plain: no checks, so no report"),
)


def example_tests(builddir):
    path = os.path.join(builddir, "meson-info", "intro-tests.json")
    with open(path, encoding="utf-8") as f:
        tests = json.load(f)
    me = os.path.basename(__file__)
    for t in tests:
        if not any(s == "examples" or s.endswith(":examples") for s in t["suite"]):
            continue
        cmd = t["cmd"]
        i = next((i for i, a in enumerate(cmd) if os.path.basename(a) == me), None)
        if i is None:
            # Not one of ours: treat it as a correct program.
            args = parse_args(["--expect", "clean", "--"] + cmd)
        else:
            args = parse_args(cmd[i + 1:])
        yield t, args


def title(args, n, total):
    what = args.kind if args.expect == "crash" else (
        "correct" if args.expect == "clean" else "plain build")
    line = "==== %d/%d %s: %s" % (n, total, what, args.story)
    about = [os.path.basename(args.program[0])]
    if args.options:
        about.append("HMAP_OPTIONS=" + args.options)
    return line + "  (%s)" % ", ".join(about)


def run_all(builddir):
    tests = list(example_tests(builddir))
    if not tests:
        print("expect.py: no tests of suite 'examples' in %s" % builddir, file=sys.stderr)
        return 1
    failed = []
    for sort, heading in SECTIONS:
        group = [(t, a) for t, a in tests if a.expect == sort]
        if not group:
            continue
        print("\n######## %s\n" % heading)
        for n, (t, args) in enumerate(group, 1):
            print(title(args, n, len(group)), flush=True)
            env = dict(os.environ)
            env.update(t.get("env") or {})
            # As meson test runs it: paths are relative to the build directory.
            cwd = t.get("workdir") or builddir
            # Everything on stdout, in order, for a reader of the terminal.
            if not run_one(args, env, cwd=cwd, out=sys.stdout, err=sys.stdout):
                failed.append(t["name"])
            print()
    print("examples: %d behaved as expected, %d did not%s"
          % (len(tests) - len(failed), len(failed),
             (": " + ", ".join(failed)) if failed else ""))
    return 1 if failed else 0


def main(argv):
    args = parse_args(argv)
    if args.all:
        return run_all(args.all)
    return 0 if run_one(args, os.environ) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
