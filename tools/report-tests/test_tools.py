#!/usr/bin/env python3
"""test_tools.py - tests of tools/hmap-report and tools/hmap-symbolize on real reports.

Owns: checking, on reports that report-scenarios (scenarios.c, built with
-DHMAP_CHECKED) writes at test time, that
  - hmap-report's summary table counts each kind and names its first call site;
  - its SARIF is SARIF 2.1.0 in structure (checked by hand: no network, so
    no schema download), with one rule per kind and each result at the
    user's call site (uri and line), other threads' sites related;
  - its JUnit parses and holds one failing testcase per report;
  - a report rendered back from JSON is the text report the runtime prints;
  - the logs of every crash reproduction in examples/ (found through meson's
    introspection data of --build-dir) become one SARIF result and one
    JUnit failure each, of the example's kind, located in its source;
  - its exit status is 1 with reports, 0 without, 2 on errors;
  - hmap-symbolize turns a symbolize=0 report into one that names the right
    functions and file:line, as the runtime itself does with symbolize=1.

Run (meson suite `tools`):
    meson test -C build --suite tools
or by hand:
    python3 tools/report-tests/test_tools.py --scenarios build/tools/report-tests/report-scenarios \\
        --tools-dir tools --build-dir build --source-root .
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

CFG = None  # the command line: set by main() before the tests run

KINDS = {
    "nil": "assignment to entry in nil map",
    "freed": "use of freed map",
    "race": "concurrent map writes",
    "iterate": "map modified during iteration",
}
SCENARIO_SOURCE = "tools/report-tests/scenarios.c"


# ---- helpers -------------------------------------------------------------------

def marker_line(name):
    """The line of scenarios.c marked /* SITE:name */."""
    path = os.path.join(CFG.source_root, SCENARIO_SOURCE)
    with open(path, encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if "/* SITE:%s */" % name in line:
                return n
    raise AssertionError("no SITE:%s marker in %s" % (name, path))


def run_scenario(name, options, cwd):
    """Runs report-scenarios NAME with HMAP_OPTIONS=options; checks that a
    misuse ended the process and a clean run did not.  Returns stderr."""
    env = dict(os.environ, HMAP_OPTIONS=options)
    proc = subprocess.run([CFG.scenarios, name], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=120)
    if name == "clean":
        assert proc.returncode == 0, "clean run failed: %s" % proc.stderr
    else:
        assert proc.returncode != 0, "%s was not reported: %s" % (name, proc.stderr)
    return proc.stderr


def json_logs(names, logdir, cwd):
    """Runs each scenario with JSON logs written under logdir."""
    os.makedirs(logdir, exist_ok=True)
    for name in names:
        run_scenario(name, "log_path=%s/hmap:log_format=json" % logdir, cwd)


def tool(name, *args, stdin=None, cwd=None):
    return subprocess.run([sys.executable, os.path.join(CFG.tools_dir, name), *args],
                          input=stdin, capture_output=True, text=True, cwd=cwd, timeout=120)


def hmap_report(*args, cwd=None):
    return tool("hmap-report", *args, cwd=cwd)


class TempDirTest(unittest.TestCase):
    """A test class with its own scratch directory."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="hmap-report-tests-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)


# ---- one set of logs for the report checks ------------------------------------------

# nil twice, so that a count above 1 is checked; clean once, so that a
# clean process among failing ones adds nothing.
LOGGED = ["nil", "freed", "nil", "race", "iterate", "clean"]
REPORTS = len(LOGGED) - 1


class SharedLogs:
    """The logs of LOGGED and hmap-report's outputs for them, made once for
    the summary, SARIF and JUnit tests."""
    tmp = None

    @classmethod
    def make(cls):
        if cls.tmp is None:
            cls.tmp = tempfile.mkdtemp(prefix="hmap-report-tests-")
            cls.logs = os.path.join(cls.tmp, "logs")
            json_logs(LOGGED, cls.logs, cls.tmp)
            cls.sarif_path = os.path.join(cls.tmp, "hmap.sarif")
            cls.junit_path = os.path.join(cls.tmp, "hmap-junit.xml")
            cls.proc = hmap_report(cls.logs, "--source-root", CFG.source_root,
                                   "--sarif", cls.sarif_path, "--junit", cls.junit_path)
        return cls


def tearDownModule():
    if SharedLogs.tmp:
        shutil.rmtree(SharedLogs.tmp, ignore_errors=True)


class ReportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        shared = SharedLogs.make()
        cls.sarif_path, cls.junit_path, cls.proc = shared.sarif_path, shared.junit_path, shared.proc


class TestSummaryTable(ReportTest):
    def rows(self):
        lines = self.proc.stdout.splitlines()
        self.assertEqual(lines[1].split(), ["KIND", "COUNT", "FIRST", "CALL", "SITE"])
        rows = {}
        for line in lines[2:]:
            m = re.match(r"^(.+?)\s+(\d+)  (.*)$", line)
            self.assertIsNotNone(m, line)
            rows[m.group(1)] = (int(m.group(2)), m.group(3))
        return rows

    def test_exit_status_is_1(self):
        self.assertEqual(self.proc.returncode, 1, self.proc.stderr)

    def test_header_counts_reports_and_files(self):
        self.assertEqual(self.proc.stdout.splitlines()[0],
                         "hmap: %d reports in %d log files" % (REPORTS, REPORTS))

    def test_counts_per_kind(self):
        counts = {k: n for k, (n, _) in self.rows().items()}
        self.assertEqual(counts, {KINDS["nil"]: 2, KINDS["freed"]: 1,
                                  KINDS["race"]: 1, KINDS["iterate"]: 1})

    def test_first_call_site(self):
        want = "%s:%d in record" % (SCENARIO_SOURCE, marker_line("record"))
        for kind, (_, site) in self.rows().items():
            self.assertEqual(site, want, kind)


# ---- SARIF ------------------------------------------------------------------------------

SARIF_LEVELS = {"none", "note", "warning", "error"}


def check_location(test, loc, base_ids):
    """A SARIF location: artifactLocation.uri (a URI reference with no
    spaces), a known uriBaseId, a region whose startLine is >= 1."""
    phys = loc["physicalLocation"]
    art = phys["artifactLocation"]
    test.assertIsInstance(art["uri"], str)
    test.assertNotIn(" ", art["uri"])
    if "uriBaseId" in art:
        test.assertIn(art["uriBaseId"], base_ids)
    if "region" in phys:
        test.assertIsInstance(phys["region"]["startLine"], int)
        test.assertGreaterEqual(phys["region"]["startLine"], 1)


def check_sarif(test, doc):
    """The structure SARIF 2.1.0 requires of what hmap-report writes."""
    test.assertEqual(doc["version"], "2.1.0")
    test.assertEqual(doc["$schema"], "https://json.schemastore.org/sarif-2.1.0.json")
    test.assertEqual(len(doc["runs"]), 1)
    run = doc["runs"][0]
    driver = run["tool"]["driver"]
    test.assertEqual(driver["name"], "hmap")
    ids = [r["id"] for r in driver["rules"]]
    test.assertEqual(len(ids), len(set(ids)), "rule ids must be unique")
    for rule in driver["rules"]:
        test.assertRegex(rule["id"], r"^[a-z0-9]+(-[a-z0-9]+)*$")
        test.assertTrue(rule["shortDescription"]["text"])
    base_ids = run.get("originalUriBaseIds", {})
    for base in base_ids.values():
        test.assertRegex(base["uri"], r"^file:///.*/$")
    for res in run["results"]:
        test.assertIn(res["ruleId"], ids)
        test.assertEqual(driver["rules"][res["ruleIndex"]]["id"], res["ruleId"])
        test.assertIn(res["level"], SARIF_LEVELS)
        test.assertTrue(res["message"]["text"])
        for loc in res.get("locations", []) + res.get("relatedLocations", []):
            check_location(test, loc, base_ids)
        related_ids = [loc["id"] for loc in res.get("relatedLocations", [])]
        test.assertEqual(len(related_ids), len(set(related_ids)))
        for flow in res.get("codeFlows", []):
            for tf in flow["threadFlows"]:
                test.assertTrue(tf["locations"])
                for step in tf["locations"]:
                    check_location(test, step["location"], base_ids)


def results_of_kind(doc, kind):
    return [r for r in doc["runs"][0]["results"] if r["message"]["text"].startswith(kind)]


def site_of(loc):
    phys = loc["physicalLocation"]
    return phys["artifactLocation"]["uri"], phys["region"]["startLine"]


class TestSarif(ReportTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(cls.sarif_path, encoding="utf-8") as fh:
            cls.doc = json.load(fh)

    def test_structure(self):
        check_sarif(self, self.doc)

    def test_one_rule_per_kind(self):
        rules = self.doc["runs"][0]["tool"]["driver"]["rules"]
        self.assertEqual({r["id"]: r["shortDescription"]["text"] for r in rules},
                         {re.sub(r"\W+", "-", k): k for k in KINDS.values()})

    def test_one_error_per_report(self):
        results = self.doc["runs"][0]["results"]
        self.assertEqual(len(results), REPORTS)
        self.assertEqual(len(results_of_kind(self.doc, KINDS["nil"])), 2)
        self.assertTrue(all(r["level"] == "error" for r in results))

    def test_located_at_the_user_call_site(self):
        want = (SCENARIO_SOURCE, marker_line("record"))
        for res in self.doc["runs"][0]["results"]:
            loc = res["locations"][0]
            self.assertEqual(site_of(loc), want, res["message"]["text"])
            self.assertEqual(loc["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%")
            self.assertEqual(loc["logicalLocations"][0]["name"], "record")

    def test_source_root_is_the_base(self):
        base = self.doc["runs"][0]["originalUriBaseIds"]["%SRCROOT%"]["uri"]
        self.assertEqual(base, "file://" + os.path.abspath(CFG.source_root).rstrip("/") + "/")

    def related(self, kind):
        [res] = results_of_kind(self.doc, kind)
        return [(site_of(l), l["message"]["text"]) for l in res.get("relatedLocations", [])]

    def test_freed_map_relates_where_it_was_created(self):
        self.assertIn(((SCENARIO_SOURCE, marker_line("new")), "map created by thread T0"),
                      [(s, re.sub(r" \(tid \d+\)", "", m)) for s, m in self.related(KINDS["freed"])])

    def test_race_relates_the_other_thread(self):
        related = self.related(KINDS["race"])
        others = [s for s, m in related if m.startswith("concurrent write by thread T")]
        self.assertEqual(others, [(SCENARIO_SOURCE, marker_line("record"))], related)

    def test_iteration_relates_the_iteration(self):
        related = self.related(KINDS["iterate"])
        self.assertIn((SCENARIO_SOURCE, marker_line("iter_next")), [s for s, _ in related])


# ---- JUnit ------------------------------------------------------------------------------

class TestJunit(ReportTest):
    def test_one_failing_testcase_per_report(self):
        root = ET.parse(self.junit_path).getroot()
        suites = root.findall("testsuite") if root.tag == "testsuites" else [root]
        self.assertEqual([s.get("name") for s in suites], ["hmap"])
        suite = suites[0]
        self.assertEqual(suite.get("tests"), str(REPORTS))
        self.assertEqual(suite.get("failures"), str(REPORTS))
        cases = suite.findall("testcase")
        self.assertEqual(len(cases), REPORTS)
        kinds = []
        for case in cases:
            failure = case.find("failure")
            self.assertIsNotNone(failure)
            kind = failure.get("type")
            lines = failure.text.rstrip("\n").split("\n")
            self.assertRegex(lines[0], r"^==\d+==ERROR: hmap: " + re.escape(kind))
            self.assertTrue(lines[-1].startswith("SUMMARY: hmap: " + kind), lines[-1])
            self.assertEqual(case.get("file"), SCENARIO_SOURCE)
            self.assertEqual(case.get("line"), str(marker_line("record")))
            kinds.append(kind)
        self.assertEqual(sorted(kinds), sorted(KINDS[n] for n in LOGGED if n != "clean"))


# ---- the text rendered back from JSON ----------------------------------------------------

def mask(text):
    """A report with what differs from run to run (pids, tids, addresses
    under ASLR) replaced by placeholders."""
    text = re.sub(r"^==\d+==", "==PID==", text, flags=re.M)
    text = re.sub(r"\(tid \d+\)", "(tid N)", text)
    text = re.sub(r"on map 0x[0-9a-f]+", "on map 0xMAP", text)
    return re.sub(r"(#\d+) 0x[0-9a-f]+", r"\1 0xPC", text)


class TestTextRendering(TempDirTest):
    def test_json_renders_as_the_runtime_text(self):
        for name in ("nil", "freed", "iterate"):
            with self.subTest(scenario=name):
                cwd = tempfile.mkdtemp(dir=self.tmp)
                text = run_scenario(name, "log_format=text", cwd)
                json_logs([name], os.path.join(cwd, "logs"), cwd)
                out = os.path.join(cwd, "rendered.txt")
                proc = hmap_report("logs", "--text", out, cwd=cwd)
                self.assertEqual(proc.returncode, 1, proc.stderr)
                with open(out, encoding="utf-8") as fh:
                    self.assertEqual(mask(fh.read()), mask(text))


# ---- exit status and bad input -----------------------------------------------------------

class TestExitStatus(TempDirTest):
    def write(self, name, content):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(content)
        return path

    def real_report_line(self):
        logs = tempfile.mkdtemp(dir=self.tmp)
        json_logs(["nil"], logs, self.tmp)
        [name] = os.listdir(logs)
        with open(os.path.join(logs, name), encoding="utf-8") as fh:
            return fh.read()

    def test_clean_run_exits_0(self):
        logs = os.path.join(self.tmp, "clean")
        json_logs(["clean"], logs, self.tmp)
        sarif, junit = os.path.join(self.tmp, "c.sarif"), os.path.join(self.tmp, "c.xml")
        proc = hmap_report(logs, "--sarif", sarif, "--junit", junit)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        self.assertIn("no reports", proc.stdout)
        with open(sarif, encoding="utf-8") as fh:
            doc = json.load(fh)
        check_sarif(self, doc)
        self.assertEqual(doc["runs"][0]["results"], [])
        self.assertEqual(ET.parse(junit).getroot().find("testsuite").get("tests"), "0")

    def test_one_file_with_a_report_exits_1(self):
        path = self.write("single/hmap.1", self.real_report_line())
        self.assertEqual(hmap_report(path).returncode, 1)

    def test_non_json_lines_are_skipped_with_a_warning(self):
        logs = os.path.join(self.tmp, "noise")
        self.write("noise/hmap.7", "not json\n")
        self.write("noise/hmap.8", "[1, 2]\n" + self.real_report_line())
        proc = hmap_report(logs)
        self.assertEqual(proc.returncode, 1, proc.stderr)
        self.assertIn("hmap.7:1: not JSON, skipped", proc.stderr)
        self.assertIn("hmap.8:1: JSON but not an hmap report", proc.stderr)
        self.assertIn("hmap: 1 report in 2 log files", proc.stdout)

    def test_a_text_report_is_an_error(self):
        path = self.write("text/hmap.9", "==9==ERROR: hmap: use of freed map on map 0x1\n")
        proc = hmap_report(path)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("log_format=json", proc.stderr)

    def test_a_cut_off_report_is_an_error(self):
        line = self.real_report_line()
        path = self.write("cut/hmap.10", line[:len(line) // 2] + "\n")
        self.assertEqual(hmap_report(path).returncode, 2)

    def test_usage_errors_exit_2(self):
        self.assertEqual(hmap_report().returncode, 2)
        self.assertEqual(hmap_report(os.path.join(self.tmp, "missing")).returncode, 2)
        self.assertEqual(hmap_report(self.tmp, "--no-such-option").returncode, 2)


# ---- the examples' crash reproductions -------------------------------------------------

def crash_examples():
    """(name, kind, HMAP_OPTIONS, executable) of each crash reproduction of
    suite `examples`, from meson's introspection data: the expectations are
    declared once, in examples/meson.build, as arguments of expect.py."""
    path = os.path.join(CFG.build_dir, "meson-info", "intro-tests.json")
    if not os.path.isfile(path):
        return []
    with open(path, encoding="utf-8") as fh:
        tests = json.load(fh)
    found = []
    for t in tests:
        cmd = t["cmd"]
        if not any(s.endswith("examples") for s in t["suite"]) or "--" not in cmd:
            continue
        opts = dict(zip(cmd[:cmd.index("--")], cmd[1:cmd.index("--")]))
        if opts.get("--expect") != "crash":
            continue
        exe = cmd[cmd.index("--") + 1]
        found.append((t["name"], opts["--kind"], opts.get("--options", ""),
                      os.path.join(t.get("workdir") or CFG.build_dir, exe)))
    return found


class TestExampleLogs(TempDirTest):
    """hmap-report on the logs of every crash reproduction in examples/:
    one SARIF result and one JUnit failure each, of the example's kind,
    located in the example's source."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.examples = crash_examples()
        cls.logs = os.path.join(cls.tmp, "logs")
        os.makedirs(cls.logs)
        for name, _, options, exe in cls.examples:
            log = "log_path=%s/%s:log_format=json" % (cls.logs, name)
            env = dict(os.environ, HMAP_OPTIONS=":".join(o for o in (options, log) if o))
            subprocess.run([exe], cwd=cls.tmp, env=env, capture_output=True, timeout=120)
        cls.sarif_path = os.path.join(cls.tmp, "examples.sarif")
        cls.junit_path = os.path.join(cls.tmp, "examples.xml")
        cls.proc = hmap_report(cls.logs, "--source-root", CFG.source_root,
                               "--sarif", cls.sarif_path, "--junit", cls.junit_path)

    def setUp(self):
        if not self.examples:
            self.skipTest("no crash reproductions in this build")

    def test_exit_status_is_1(self):
        self.assertEqual(self.proc.returncode, 1, self.proc.stderr)

    def test_sarif_has_each_example_at_its_source(self):
        with open(self.sarif_path, encoding="utf-8") as fh:
            doc = json.load(fh)
        check_sarif(self, doc)
        got = {}
        for res in doc["runs"][0]["results"]:
            name = os.path.basename(res["properties"]["logFile"]).rsplit(".", 1)[0]
            got[name] = res
        self.assertEqual(set(got), {name for name, _, _, _ in self.examples})
        for name, kind, _, _ in self.examples:
            with self.subTest(example=name):
                res = got[name]
                self.assertEqual(res["ruleId"], re.sub(r"\W+", "-", kind))
                self.assertTrue(res["message"]["text"].startswith(kind))
                uri, line = site_of(res["locations"][0])
                self.assertEqual(uri, "examples/%s.c" % name)
                self.assertGreaterEqual(line, 1)

    def test_junit_has_a_failure_per_example(self):
        suite = ET.parse(self.junit_path).getroot().find("testsuite")
        kinds = sorted(c.find("failure").get("type") for c in suite.findall("testcase"))
        self.assertEqual(kinds, sorted(kind for _, kind, _, _ in self.examples))


# ---- hmap-symbolize ----------------------------------------------------------------------

FRAME_RE = re.compile(r"^\s+#(\d+) (0x[0-9a-f]+)(?: in (\S+?)(?:\+0x[0-9a-f]+)?)?"
                      r"(?: (\S+?)(?::(\d+))?)? \((\S+)\+(0x[0-9a-f]+)\)$")


def frames(text):
    """(num, function, file basename, line, module, module offset) per frame line."""
    out = []
    for line in text.splitlines():
        m = FRAME_RE.match(line)
        if m:
            num, _, func, path, lineno, module, moff = m.groups()
            out.append((int(num), func, path and os.path.basename(path),
                        int(lineno) if lineno else None, module, moff))
    return out


class TestSymbolize(TempDirTest):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.bare = run_scenario("freed", "symbolize=0", cls.tmp)
        cls.full = run_scenario("freed", "symbolize=1", cls.tmp)
        # The build tree holds libhmap.so.2 and (under meson) the scenarios;
        # the second directory is for runs by hand with the scenarios elsewhere.
        cls.proc = tool("hmap-symbolize", "--binary-dir", CFG.build_dir,
                        "--binary-dir", os.path.dirname(CFG.scenarios),
                        stdin=cls.bare, cwd=cls.tmp)
        cls.out = cls.proc.stdout

    def test_input_has_bare_frames(self):
        fr = frames(self.bare)
        self.assertTrue(fr)
        self.assertTrue(all(f[1] is None and f[2] is None for f in fr), self.bare)

    def test_names_function_and_line(self):
        self.assertEqual(self.proc.returncode, 0, self.proc.stderr)
        module = os.path.basename(CFG.scenarios)
        got = [(f[1], f[2], f[3]) for f in frames(self.out) if f[4] == module]
        self.assertIn(("record", "scenarios.c", marker_line("record")), got)
        self.assertIn(("freed_map", "scenarios.c", marker_line("use_after_free")), got)
        runtime = [f[1] for f in frames(self.out) if f[4].startswith("libhmap")]
        self.assertTrue(runtime and all(runtime), self.out)  # the library's frames too

    def test_agrees_with_the_runtime(self):
        """The runtime names the ELF symbol and the innermost line; with
        inlines, hmap-symbolize gives the innermost line first and the
        symbol last, for the same module offset."""
        module = os.path.basename(CFG.scenarios)
        runtime = {f[5]: (f[1], f[2], f[3]) for f in frames(self.full) if f[4] == module}
        tool_frames = {}
        for f in frames(self.out):
            if f[4] == module:
                tool_frames.setdefault(f[5], []).append(f)
        self.assertEqual(set(tool_frames), set(runtime))
        for moff, chain in tool_frames.items():
            if runtime[moff][2] is None:
                continue  # the runtime had no line either (_start)
            self.assertEqual((chain[-1][1], chain[0][2], chain[0][3]), runtime[moff], moff)

    def test_other_lines_pass_through(self):
        def others(text):
            return [l for l in text.splitlines() if not FRAME_RE.match(l)]
        self.assertEqual(others(self.out), others(self.bare))

    def test_frames_stay_numbered_in_order(self):
        nums = [f[0] for f in frames(self.out)]
        for a, b in zip(nums, nums[1:]):
            self.assertTrue(b == a + 1 or b == 0, nums)

    def test_summary_line_is_resolved(self):
        """A SUMMARY that names a module and offset (no frame had a file)
        gets the file:line and function, as the runtime would print it."""
        module = os.path.basename(CFG.scenarios)
        [moff] = {f[5] for f in frames(self.bare) if f[4] == module and f[0] == 1}
        call = int(moff, 16) - 1  # the call instruction's byte, not the return address
        line = "SUMMARY: hmap: use of freed map (%s+%#x)\n" % (module, call)
        proc = tool("hmap-symbolize", "-d", os.path.dirname(CFG.scenarios),
                    stdin=line, cwd=self.tmp)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        self.assertRegex(proc.stdout, r"^SUMMARY: hmap: use of freed map \S*scenarios\.c:%d in record$"
                         % marker_line("record"))

    def test_unknown_module_is_left_as_is(self):
        line = "    #1 0x1234 (no-such-module.so+0x10)\n"
        proc = tool("hmap-symbolize", stdin=line, cwd=self.tmp)
        self.assertEqual(proc.returncode, 0)
        self.assertEqual(proc.stdout, line)
        self.assertIn("no-such-module.so not found", proc.stderr)


def main():
    global CFG
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--scenarios", required=True, help="the report-scenarios executable")
    ap.add_argument("--tools-dir", required=True, help="where hmap-report and hmap-symbolize are")
    ap.add_argument("--build-dir", required=True, help="the build tree (for hmap-symbolize)")
    ap.add_argument("--source-root", required=True, help="the source tree")
    CFG, rest = ap.parse_known_args()
    for attr in ("scenarios", "tools_dir", "build_dir", "source_root"):
        setattr(CFG, attr, os.path.abspath(getattr(CFG, attr)))
    unittest.main(argv=[sys.argv[0], *rest], verbosity=2)


if __name__ == "__main__":
    main()
