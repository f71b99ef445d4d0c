#!/usr/bin/env python3
"""The benchmark harness, once, in its tiny mode (`bench/run --tiny`), so it
cannot rot. Asserts no timing: that every part ran and produced well-formed
numbers, that the floor attaches exactly the probes loopscope does, and the
exact counts loopscope reports of the loadgen runs it traced (bytes, writes,
wakes, sockets), which hold whatever the speed.

Needs root, BTF and the tools the servers part compares with (make deps
installs them); elsewhere it prints SKIP, except under CI where a missing
requirement is a failure. Ends with `N passed, N failed`.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e  # noqa: E402  (its runner, result counting and CI rules)

ROOT = test_e2e.ROOT
BENCH = os.path.join(ROOT, "bench", "run")
BENCH_TIMEOUT = 600
TOOLS = ("redis-server", "redis-benchmark", "nginx", "wrk", "strace", "perf", "bpftrace")

# bench/run --tiny's counts (MODES["tiny"]); the exact checks use them.
TINY_EVENTFD_ROUNDS, TINY_SOCKET_OPS, TINY_SOCKET_SIZE, TINY_SOCKETS = 2000, 2000, 64, 200


def number(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


class Bench(unittest.TestCase):
    res = None
    why = None

    @classmethod
    def setUpClass(cls):
        why = test_e2e.missing_requirement()
        missing = [t for t in TOOLS if not shutil.which(t)]
        if not why and missing:
            why = f"{', '.join(missing)} not installed (make deps installs them)"
        if why:
            cls.why = why
            return
        cls.dir = tempfile.mkdtemp(prefix="loopscope-bench-test-")
        try:
            cls.bench = subprocess.run([BENCH, "--tiny", "--out", cls.dir], capture_output=True,
                                     text=True, errors="replace", timeout=BENCH_TIMEOUT)
        except subprocess.TimeoutExpired:
            cls.bench = None
            return
        path = os.path.join(cls.dir, "results.json")
        if os.path.exists(path):
            with open(path) as f:
                cls.res = json.load(f)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "dir", None):
            shutil.rmtree(cls.dir, ignore_errors=True)

    def setUp(self):
        if self.why:
            if test_e2e.in_ci():
                self.fail(f"CI must run the benchmark harness: {self.why}")
            self.skipTest(self.why)
        if self.bench is None:
            self.fail(f"bench/run --tiny still running after {BENCH_TIMEOUT} s")
        if self.res is None:
            self.fail(f"bench/run --tiny wrote no results.json (exit {self.bench.returncode})\n"
                      + self.bench.stderr[-3000:])

    def numbers(self, obj, *paths):
        for path in paths:
            got = test_e2e.value(obj, path)
            self.assertTrue(number(got), f"{path} is {got!r}, not a number: {test_e2e.compact(obj)}")

    def test_runs_clean(self):
        self.assertEqual(self.bench.returncode, 0, self.bench.stderr[-3000:])
        self.assertNotIn("errors", self.res)
        with open(os.path.join(self.dir, "results.md")) as f:
            md = f.read()
        for heading in ("## Cost per traced syscall", "## Server throughput", "## Collector",
                        "## A process loopscope does not trace", "## Budgets"):
            self.assertIn(heading, md)
        self.assertIn("## Budgets", self.bench.stdout, "the tables are printed too")
        meta = self.res["meta"]
        self.assertEqual(meta["mode"], "tiny")
        self.assertEqual(len(meta["load_before"]), 3)
        self.assertEqual(len(meta["load_after"]), 3)

    def test_floor_has_loopscopes_probes(self):
        probes = self.res["meta"]["probes"]
        self.assertEqual(probes.get("floor"), probes.get("loopscope"), probes)
        # tp_btf sys_enter and sys_exit (raw_syscalls) + 4 sched; was 64, a
        # syscall tracepoint pair per syscall, before issue 13
        self.assertEqual(probes["loopscope"], 6)

    def test_syscall_cost(self):
        sc = self.res["syscall"]
        self.assertEqual(set(sc), {"eventfd", "socket"})
        for name, s in sc.items():
            self.numbers(s, "ns_per_syscall.untraced", "ns_per_syscall.floor",
                         "ns_per_syscall.loopscope", "added_ns.floor", "added_ns.loopscope")
            for k, v in s["ns_per_syscall"].items():
                self.assertGreater(v, 0, f"{name} {k}")
            if s["added_ns"]["floor"] > 0:
                self.numbers(s, "ratio_to_floor")
            else:
                self.assertIsNone(s["ratio_to_floor"])
        # what loopscope saw of the runs it traced, exactly
        for r in sc["socket"]["loopscope_records"]:
            self.assertEqual(r["drops"], 0)
            self.assertEqual(r["seen"]["socket_write_bytes"], TINY_SOCKET_OPS * TINY_SOCKET_SIZE)
            self.assertEqual(r["seen"]["socket_read_bytes"], TINY_SOCKET_OPS * TINY_SOCKET_SIZE)
            self.assertGreaterEqual(r["records"], r["syscalls"])
        for r in sc["eventfd"]["loopscope_records"]:
            self.assertEqual(r["drops"], 0)
            self.assertEqual(r["syscalls"], 6 * TINY_EVENTFD_ROUNDS)
            self.assertEqual(r["seen"]["waker_writes"], 2 * TINY_EVENTFD_ROUNDS)
            self.assertEqual(r["seen"]["waker_wakes"], 2 * TINY_EVENTFD_ROUNDS)

    def test_servers(self):
        servers = self.res["servers"]
        self.assertEqual(set(servers), {"redis", "nginx"})
        for name, s in servers.items():
            self.assertNotIn("skipped", s, name)
            for k in ("untraced", "loopscope", "strace", "perf", "bpftrace"):
                c = s["configs"][k]
                if k == "perf" and "skipped" in c:
                    self.assertTrue(c["skipped"].startswith("perf"), c)  # a reason, not a blank
                    continue
                self.numbers(c, "rps", "ratio")
                self.assertGreater(c["rps"], 0, f"{name} {k}")
            self.assertEqual(s["configs"]["untraced"]["ratio"], 1.0)
            for t in s["configs"]["loopscope"]["tracer"]:
                self.assertGreater(t["records"], 0)
                self.numbers(t, "drops", "cpu_s")

    def test_collector(self):
        col = self.res["collector"]
        self.assertGreaterEqual(len(col["runs"]), 2)
        for r in col["runs"]:
            self.numbers(r, "records_per_s", "cpu_s", "maxrss_kib", "drops")
            if r["drops"] == 0:
                # gen writes then reads its eventfd: half its syscalls are writes
                self.assertEqual(r["seen"]["waker_writes"], r["syscalls"] // 2, r)
                self.assertGreaterEqual(r["records"], r["syscalls"])
        self.numbers(col, "max_zero_drop_records_per_s", "peak_rss_kib")
        s = col["sockets"]
        self.assertEqual(s["n"], TINY_SOCKETS)
        self.assertEqual(s["json"]["sockets_seen"], TINY_SOCKETS)
        self.assertEqual(s["baseline_json"]["sockets_seen"], 2)
        self.assertEqual(s["viewer"]["sockets_seen"], TINY_SOCKETS)
        self.assertEqual(s["viewer"]["dump_sockets_seen"], TINY_SOCKETS)
        for k in ("json", "text", "baseline_json", "viewer"):
            self.numbers(s[k], "held_rss_kib", "peak_rss_kib")
            self.assertGreaterEqual(s[k]["peak_rss_kib"], s[k]["held_rss_kib"])

    def test_untraced_rest(self):
        self.numbers(self.res["rest"], "ns_per_syscall.untraced", "ns_per_syscall.floor",
                     "ns_per_syscall.loopscope", "added_ns.floor", "added_ns.loopscope")

    def test_budgets_reported(self):
        names = [b["name"] for b in self.res["budgets"]]
        # every budget of the issue, each once (the drops one needs a rate
        # the tiny run does not ask for)
        for want in ("per traced syscall (eventfd)", "per traced syscall (socket)",
                     "redis throughput", "nginx throughput", "highest records/s with 0 drops",
                     "collector % of one core", "held between ticks, --json",
                     "peak, text output", "peak, --json", "untraced process"):
            self.assertEqual(sum(want in n for n in names), 1, f"{want}: {names}")
        for b in self.res["budgets"]:
            self.assertIsInstance(b["met"], bool, b)
            # a ratio to the floor has no value when the floor added nothing (noise, tiny counts)
            if b["value"] is None:
                self.assertIn("floor", b["name"], b)
                self.assertFalse(b["met"], b)
            else:
                self.assertTrue(number(b["value"]), b)

    def test_bad_arguments(self):
        r = test_e2e.run_briefly([BENCH, "--parts", "nonsense"])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.strip().splitlines(),
                         ["bench: unknown part nonsense (syscall, servers, collector, rest)"])


if __name__ == "__main__":
    sys.exit(test_e2e.run_suite(Bench, sys.argv))
