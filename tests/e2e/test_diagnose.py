#!/usr/bin/env python3
"""End-to-end tests of the diagnoses (docs/diagnoses.md): each workload pair in
tests/workloads/ is run as `build/loopscope run --json -i 0.2 -- WORKLOAD bug`
and `... fix`; the bug must raise its warning, naming the objects the same
final JSON lists (tasks, reactors, wakers, sockets), with its evidence; the
fix must raise no warning at all.  The echo and waker workloads of the core
tests must raise none either.

Uses test_e2e.py's helpers (processes, collector, JSON checks, SKIP rules);
run as `python3 tests/e2e/test_diagnose.py [TEST_NAME...]`.
"""

import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e  # noqa: E402
from test_e2e import (ATTACH_TIMEOUT, WORKLOAD_TIMEOUT, EXIT_TIMEOUT, ECHO_ROUNDS, ECHO_SIZE,  # noqa: E402
                      WAKES, LOOPSCOPE, compact, expect, expect_no_drops, only, pick, section,
                      run_briefly, workload)

PAIRS = ("lost_waker", "self_wake", "blocking_loop", "nested_reactor", "orphaned_reactor",
         "half_duplex", "busy_poll")


class Diagnose(test_e2e.E2E):

    def setUp(self):
        super().setUp()
        for name in PAIRS:
            if not os.access(workload(name), os.X_OK):
                self.fail(f"{workload(name)} is missing: run make first")

    # ------------------------------------------------------------ helpers

    def run_pair(self, name, mode, *flags):
        """The final JSON of `loopscope run FLAGS -- WORKLOAD MODE`."""
        col = self.start_collector("run", *flags, "--", workload(name), mode)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, f"{name} {mode} must exit 0\n" + col.describe())
        final = col.final()
        expect_no_drops(final)
        return final

    def warnings(self, final, name=None):
        items = section(final, "warnings")
        for w in items:
            for key in ("name", "severity", "active", "objects", "evidence", "summary", "advice",
                        "first_seen_s", "last_seen_s", "count"):
                self.assertIn(key, w, compact(w))
            self.assertIn(w["severity"], ("error", "warning"), compact(w))
            self.assertGreaterEqual(w["count"], 1, compact(w))
            self.assertLessEqual(w["first_seen_s"], w["last_seen_s"], compact(w))
            self.assertTrue(w["summary"] and w["advice"], compact(w))
        return [w for w in items if name is None or w["name"] == name]

    def assert_none(self, final, what):
        self.assertEqual(self.warnings(final), [], f"{what}: no warning expected\n"
                         + compact(final.get("warnings"), 4000))

    def objects(self, warning, kind):
        return [o for o in warning["objects"] if o.get("kind") == kind]

    def tid_of(self, final, name):
        return only(pick(section(final, "tasks"), name=name), f"task named {name}")["tid"]

    def ids(self, final, section_name):
        return {o["id"] for o in section(final, section_name)}

    # ------------------------------------------------------------ the pairs

    def test_lost_waker(self):
        final = self.run_pair("lost_waker", "bug")
        poller, waker_tid = self.tid_of(final, "poller"), self.tid_of(final, "waker")
        efd = only(section(final, "wakers"), "eventfd waker")
        reactor = only(section(final, "reactors"), "reactor")
        found = self.warnings(final, "lost-waker")
        self.assertEqual(len(found), 2, compact(found))
        closed = only([w for w in found if "asleep_since_close_ms" in w["evidence"]],
                      "lost-waker for the close")
        ebadf = only([w for w in found if "ebadf_writes" in w["evidence"]], "lost-waker for EBADF")
        expect(closed, "close while polled", {"severity": "error", "evidence.waker_writes": 0})
        self.assertEqual([o["id"] for o in self.objects(closed, "waker")], [efd["id"]])
        self.assertEqual([o["id"] for o in self.objects(closed, "reactor")], [reactor["id"]])
        self.assertEqual([o["id"] for o in self.objects(closed, "task")], [poller])
        self.assertGreaterEqual(closed["evidence"]["asleep_since_close_ms"], 500, compact(closed))
        expect(ebadf, "EBADF write", {"severity": "error", "evidence.ebadf_writes": 1})
        self.assertEqual([o["id"] for o in self.objects(ebadf, "waker")], [efd["id"]])
        self.assertEqual([o["id"] for o in self.objects(ebadf, "task")], [waker_tid])

        self.assert_none(self.run_pair("lost_waker", "fix"), "lost_waker fix")

    def test_replay_gives_the_same_warnings(self):
        """A recording of the bug replays to the same warnings, on the same
        objects (by kind and label: ids are keyed per run)."""
        trace = os.path.join(test_e2e.SOCKET_DIR, "lost_waker.lstrace")
        live = self.run_pair("lost_waker", "bug", "--record", trace)
        r = run_briefly([LOOPSCOPE, "replay", "--json", "-i", test_e2e.INTERVAL, "--speed", "max",
                         trace])
        self.assertEqual(r.returncode, 0, r.stderr)
        replayed = json.loads(r.stdout.splitlines()[-1])
        self.assertTrue(replayed["final"])

        def shape(final):
            return sorted((w["name"], w["severity"],
                           tuple(sorted((o["kind"], o["label"]) for o in w["objects"])),
                           w["evidence"].get("ebadf_writes"), w["evidence"].get("waker_writes"))
                          for w in self.warnings(final))

        self.assertEqual(len(shape(live)), 2, compact(live["warnings"]))
        self.assertEqual(shape(replayed), shape(live))

        # judged again with the replay's own thresholds: the close form waits
        # for a sleep of 600 s now, which the recording never had; the EBADF
        # write is still seen
        def replay(*opts):
            r = run_briefly([LOOPSCOPE, "replay", "--json", "-i", test_e2e.INTERVAL,
                             "--speed", "max", *opts, trace])
            self.assertEqual(r.returncode, 0, r.stderr)
            return json.loads(r.stdout.splitlines()[-1])

        strict = self.warnings(replay("--warn", "lost-waker=600s"))
        self.assertEqual([(w["name"], "ebadf_writes" in w["evidence"]) for w in strict],
                         [("lost-waker", True)], compact(strict))
        self.assert_none(replay("--allow", "lost-waker"), "replay with lost-waker allowed")
        r = run_briefly([LOOPSCOPE, "replay", "--warn", "lost-waker=600", trace])
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stderr.splitlines()[0], "loopscope: bad value '600' for lost-waker."
                         + "sleep: want a duration with its unit, like 10ms or 2s", r.stderr)

    def test_self_wake(self):
        final = self.run_pair("self_wake", "bug")
        loop = self.tid_of(final, "loop")
        w = only(self.warnings(final, "self-wake"), "self-wake warning")
        self.assertEqual([o["id"] for o in self.objects(w, "task")], [loop])
        efd = only(section(final, "wakers"), "eventfd waker")
        self.assertEqual([o["id"] for o in self.objects(w, "waker")], [efd["id"]])
        ev = w["evidence"]
        # every wake of the loop is its own write, and a spin: right after
        # another with no sleep between (but after a sleep the kernel put
        # the loop in: a page fault, say, which breaks the row once)
        self.assertLessEqual(ev["self_wakes"], ev["wakes"], compact(w))
        self.assertGreaterEqual(ev["self_wakes"], ev["wakes"] * 0.98, compact(w))
        self.assertGreaterEqual(ev["share_pct"], 98, compact(w))
        self.assertGreaterEqual(ev["self_wakes"], 20, compact(w))

        self.assert_none(self.run_pair("self_wake", "fix"), "self_wake fix")

    def test_blocking_in_loop(self):
        final = self.run_pair("blocking_loop", "bug")
        loop = self.tid_of(final, "loop")
        reactor = only(section(final, "reactors"), "reactor")
        found = self.warnings(final, "blocking-in-loop")
        self.assertEqual(len(found), 2, compact(found))
        sc = only([w for w in found if "syscall_nr" in w["evidence"]], "syscall stall")
        cpu = only([w for w in found if "cpu_ms" in w["evidence"]], "CPU stall")
        for w in (sc, cpu):
            self.assertEqual([o["id"] for o in self.objects(w, "task")], [loop])
            self.assertEqual([o["id"] for o in self.objects(w, "reactor")], [reactor["id"]])
        # 30 requests, one per turn; the last turn ends with no wait after it:
        # 29 turns blocked 30 ms in nanosleep, 14 of them (odd) 30 ms on CPU
        expect(sc, "syscall stall", {"evidence.stalls": 29})
        expect(cpu, "CPU stall", {"evidence.stalls": 14})
        self.assertIn("nanosleep", sc["summary"])
        self.assertGreaterEqual(sc["evidence"]["duration_ms"], 30, compact(sc))
        self.assertGreaterEqual(cpu["evidence"]["cpu_ms"], 30, compact(cpu))

        self.assert_none(self.run_pair("blocking_loop", "fix"), "blocking_loop fix")

    def test_nested_reactor(self):
        final = self.run_pair("nested_reactor", "bug")
        outer = self.tid_of(final, "outer")
        reactors = self.ids(final, "reactors")
        found = self.warnings(final, "nested-reactor")
        away = only([w for w in found if "away_ms" in w["evidence"]], "excursion warning")
        born = only([w for w in found if "reactors_polled" in w["evidence"]], "creation warning")
        expect(away, "excursion", {"severity": "error", "evidence.times": 19,
                                   "evidence.events_ready": 1})
        expect(born, "creation", {"severity": "warning"})
        for w in (away, born):
            self.assertEqual([o["id"] for o in self.objects(w, "task")], [outer])
            rs = [o["id"] for o in self.objects(w, "reactor")]
            self.assertEqual(len(rs), 2, compact(w))
            self.assertTrue(set(rs) <= reactors, f"{rs} not all in {reactors}")
        home = away["objects"][1]["id"]
        a = only([r for r in section(final, "reactors") if r["id"] == home], "reactor A")
        self.assertIn(outer, a["pollers"], compact(a))
        self.assertEqual(born["objects"][1]["id"], home)
        self.assertEqual(len(found), 2, compact(found))

        self.assert_none(self.run_pair("nested_reactor", "fix"), "nested_reactor fix")

    def test_orphaned_reactor(self):
        final = self.run_pair("orphaned_reactor", "bug")
        worker = self.tid_of(final, "worker")
        reactor = only(section(final, "reactors"), "reactor")
        w = only(self.warnings(final, "orphaned-reactor"), "orphaned-reactor warning")
        self.assertEqual([o["id"] for o in self.objects(w, "reactor")], [reactor["id"]])
        self.assertEqual([o["id"] for o in self.objects(w, "task")], [worker])
        expect(w, "orphaned reactor", {"evidence.registered_fds": 2, "evidence.pollers": 1,
                                       "evidence.pollers_alive": 0})
        self.assertGreaterEqual(w["evidence"]["idle_s"], 2, compact(w))

        self.assert_none(self.run_pair("orphaned_reactor", "fix"), "orphaned_reactor fix")

    def test_half_duplex_socket(self):
        final = self.run_pair("half_duplex", "bug")
        client = self.tid_of(final, "client")
        w = only(self.warnings(final, "half-duplex-socket"), "half-duplex warning")
        sock_id = only(self.objects(w, "socket"), "socket object")["id"]
        sock = only([s for s in section(final, "sockets") if s["id"] == sock_id], "its socket")
        # the client's end: 16 heartbeat batches written, 16 messages of 64 read
        expect(sock, "client socket", {"read.bytes": 16 * 64, "write.ops": 16})
        self.assertEqual([o["id"] for o in self.objects(w, "task")], [client])
        expect(w, "half-duplex", {"evidence.round_trips": 16, "evidence.writes": 16})
        self.assertGreaterEqual(w["evidence"]["mean_wait_ms"], 100, compact(w))

        self.assert_none(self.run_pair("half_duplex", "fix"), "half_duplex fix")

    def test_busy_poll(self):
        final = self.run_pair("busy_poll", "bug")
        spinner = self.tid_of(final, "spinner")
        reactor = only(section(final, "reactors"), "reactor")
        w = only(self.warnings(final, "busy-poll"), "busy-poll warning")
        self.assertEqual([o["id"] for o in self.objects(w, "task")], [spinner])
        self.assertEqual([o["id"] for o in self.objects(w, "reactor")], [reactor["id"]])
        ev = w["evidence"]
        # every turn returned nothing; a spin is one with no sleep (and no
        # IO) since the wait before, so the one after the hypervisor or a
        # page fault put the spinner to sleep is not counted
        self.assertLessEqual(ev["empty_polls"], ev["turns"], compact(w))
        self.assertGreaterEqual(ev["empty_polls"], ev["turns"] * 0.99, compact(w))
        self.assertGreaterEqual(ev["per_s"], 1000, compact(w))

        self.assert_none(self.run_pair("busy_poll", "fix"), "busy_poll fix")

    # ------------------------------------------------------------ options

    def test_allow_and_warn(self):
        final = self.run_pair("busy_poll", "bug", "--allow", "busy-poll")
        self.assert_none(final, "busy-poll allowed")
        # a rate no 2 s run reaches: the same spinner passes
        final = self.run_pair("busy_poll", "bug", "--warn", "busy-poll=100000000")
        self.assert_none(final, "busy-poll over a very high rate")
        final = self.run_pair("blocking_loop", "bug", "--warn", "blocking-in-loop=1s")
        self.assert_none(final, "blocking-in-loop at 1 s")

    def test_bad_options(self):
        for args, words in ((["--allow", "no-such"], "unknown diagnosis"),
                            (["--warn", "busy-poll"], "NAME=VALUE"),
                            (["--warn", "busy-poll=fast"], "bad value"),
                            (["--warn", "blocking-in-loop=10"], "unit"),
                            (["--warn", "self-wake.share=101"], "percentage"),
                            (["--warn", "self-wake.nope=1"], "no parameter")):
            r = run_briefly([LOOPSCOPE, "run", *args, "--", "true"])
            self.assertEqual(r.returncode, 2, f"{args}\n{r.stdout}{r.stderr}")
            lines = r.stderr.strip().splitlines()
            self.assertIn(words, lines[0], f"{args}: {r.stderr}")
        r = run_briefly([LOOPSCOPE, "diagnoses", "--warn", "busy-poll=5"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for name in ("lost-waker", "self-wake", "blocking-in-loop", "nested-reactor",
                     "orphaned-reactor", "half-duplex-socket", "busy-poll"):
            self.assertIn(name, r.stdout)
        self.assertIn("busy-poll.rate                   5/s", r.stdout)
        r = run_briefly([LOOPSCOPE, "--help"])
        self.assertIn("half-duplex-socket", r.stdout)

    # ------------------------------------------------------------ healthy

    def test_healthy_echo(self):
        server = self.start("echo_server", "--once")
        port = int(self.read_line(server, "port ")[1])
        col = self.start_collector("attach", server.pid)
        col.wait_attached()
        client = self.start("echo_client", port, ECHO_ROUNDS, ECHO_SIZE)
        self.wait_workload(client, WORKLOAD_TIMEOUT)
        self.wait_workload(server)
        self.assertEqual(col.wait_exit(EXIT_TIMEOUT), 0, col.describe())
        final = col.final()
        socks = [s for s in pick(section(final, "sockets"), pid=server.pid, type="stream")
                 if s.get("read", {}).get("bytes")]
        expect(only(socks, "served socket"), "served socket",
               {"read.bytes": ECHO_ROUNDS * ECHO_SIZE})
        self.assert_none(final, "echo server")

    def test_healthy_waker(self):
        final = self.run_pair("waker", str(WAKES))
        waker = only(section(final, "wakers"), "waker")
        expect(waker, "waker", {"wakes": WAKES})
        self.assert_none(final, "waker workload")


# Only this file's tests: the core ones run in test_e2e.py's own stage.
for _name in dir(test_e2e.E2E):
    if _name.startswith("test_") and _name not in Diagnose.__dict__:
        setattr(Diagnose, _name, None)


if __name__ == "__main__":
    sys.exit(test_e2e.run_suite(Diagnose, sys.argv))
