#!/usr/bin/env python3
"""End-to-end tests of identity and of the state from before attach: real BPF
on the workloads churn, et_waker and sleepers, every tick of the JSON checked
by tests/e2e/identity.py (no id names two objects, every connection that
moved data has both addresses, polling time never decreases).

Run as `python3 tests/e2e/test_identity.py [TEST_NAME...]` (root, BTF);
`make` builds the workloads. Same conventions as test_e2e.py.
"""

import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import identity  # noqa: E402
import test_e2e  # noqa: E402
from test_e2e import (ATTACH_TIMEOUT, EXIT_TIMEOUT, LINE_TIMEOUT, WORKLOAD_TIMEOUT,  # noqa: E402
                      Proc, compact, expect, expect_no_drops, only, pick, section, value,
                      workload)

CHURN_THREADS, CHURN_CONNS = 2, 3000
CHURN_REQ, CHURN_RESP = 32, 64
ET_WAKES = 500
SLEEPERS = 3


class Identity(unittest.TestCase):
    setUp_e2e = test_e2e.E2E.setUp
    start_collector = test_e2e.E2E.start_collector
    wait_workload = test_e2e.E2E.wait_workload

    def setUp(self):
        self.setUp_e2e()
        for name in ("churn", "et_waker", "sleepers"):
            if not os.access(workload(name), os.X_OK):
                self.fail(f"{workload(name)} is missing: run make first")

    def check_every_tick(self, col):
        ticks = col.ticks()
        problems = identity.check(ticks)
        self.assertEqual(problems[:20], [], f"{len(problems)} problems over {len(ticks)} ticks")
        return ticks

    def test_churn_ids_and_addresses(self):
        # 3000 connections, both ends in one process: two server threads
        # accept and close (fds reused across threads at once), one client
        # makes non-blocking connects (EINPROGRESS).  Kept for 60 s, every
        # socket stays listed, while the kernel reuses their memory.
        col = self.start_collector("run", "-i", "0.5", "--retain", "60", "--",
                                   workload("churn"), CHURN_THREADS, CHURN_CONNS)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        self.check_every_tick(col)
        final = col.final()
        expect_no_drops(final)
        pid = only(section(final, "targets"), "target")["pid"]
        port = None
        for line in col.out.snapshot():
            if line.startswith("port "):
                port = int(line.split()[1])
        self.assertIsNotNone(port, col.describe())
        socks = pick(section(final, "sockets"), pid=pid, type="stream")
        ids = [s["id"] for s in socks]
        self.assertEqual(len(ids), len(set(ids)))
        here = f"127.0.0.1:{port}"
        listener = only([s for s in socks if s["local"] == here and not s["remote"]], "listener")
        servers = [s for s in socks if s["local"] == here and s["remote"]]
        clients = [s for s in socks if s["remote"] == here]
        self.assertEqual(len(servers), CHURN_CONNS, compact(servers[:3]))
        self.assertEqual(len(clients), CHURN_CONNS, compact(clients[:3]))
        self.assertEqual(len(socks), 2 * CHURN_CONNS + 1)
        for s in servers:
            expect(s, "server side", {"read.bytes": CHURN_REQ, "write.bytes": CHURN_RESP,
                                      "read.ops": 1, "write.ops": 1, "open": False})
        for s in clients:
            expect(s, "client side", {"read.bytes": CHURN_RESP, "write.bytes": CHURN_REQ,
                                      "write.ops": 1, "open": False})
            self.assertTrue(s["local"].startswith("127.0.0.1:") and not s["local"].endswith(":0"),
                            compact(s))
        # each client's local address is one server socket's remote: one pair each
        self.assertEqual(sorted(s["local"] for s in clients), sorted(s["remote"] for s in servers))
        self.assertEqual(listener["open"], False)

    def test_et_waker_coalesces_nothing(self):
        col = self.start_collector("run", "--", workload("et_waker"), ET_WAKES)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        self.check_every_tick(col)
        final = col.final()
        expect_no_drops(final)
        pid = only(section(final, "targets"), "target")["pid"]
        tasks = section(final, "tasks")
        waker_tid = only(pick(tasks, pid=pid, name="waker"), "waker task")["tid"]
        poller_tid = only(pick(tasks, pid=pid, name="poller"), "poller task")["tid"]
        w = only(pick(section(final, "wakers"), pid=pid, kind="eventfd"), "eventfd waker")
        expect(w, "edge-triggered waker", {"writes": ET_WAKES, "reads": 0, "wakes": ET_WAKES,
                                           "coalesced": 0})
        edges = [(e["from"], e["to"], e["count"]) for e in w["edges"]]
        self.assertEqual(edges, [(waker_tid, poller_tid, ET_WAKES)], compact(w))

    def test_sleepers_placed_at_attach(self):
        wl = Proc([workload("sleepers"), SLEEPERS], stdin=subprocess.PIPE)
        self.addCleanup(wl.stop)
        line = wl.out.wait_for(lambda l: l.startswith("ready "), LINE_TIMEOUT)
        self.assertIsNotNone(line, wl.describe())
        col = self.start_collector("attach", wl.pid)
        col.wait_attached()
        time.sleep(1.0)  # ticks with every thread asleep since before attach
        wl.popen.stdin.write(b"wake\n")
        wl.popen.stdin.flush()
        time.sleep(1.0)
        wl.popen.stdin.write(b"quit\n")
        wl.popen.stdin.close()
        self.wait_workload(wl, EXIT_TIMEOUT)
        rc = col.wait_exit(EXIT_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        ticks = self.check_every_tick(col)
        final = col.final()
        expect_no_drops(final)
        names = {f"sleeper-{i}" for i in range(SLEEPERS)}
        sleepers = [t for t in section(final, "tasks") if t["name"] in names]
        self.assertEqual(len(sleepers), SLEEPERS, compact(section(final, "tasks")))
        tids = {t["tid"] for t in sleepers}
        # the first tick: every sleeper waits in its own reactor, is its
        # poller, and has polled for all the time loopscope has seen it
        first = ticks[0]
        for tid in tids:
            task = only(pick(section(first, "tasks"), tid=tid), f"task {tid}")
            expect(task, f"sleeper {tid} at the first tick", {"state": "POLLING"})
            reactor = only([r for r in section(first, "reactors") if tid in r["waiting"]],
                           f"reactor tid {tid} waits in")
            self.assertEqual(reactor["waiting"], [tid], compact(reactor))
            self.assertEqual(reactor["pollers"], [tid], compact(reactor))
            self.assertEqual(task["time"]["polling"], task["time"]["total"], compact(task))
        # each wake: the first ended a wait begun before attach (no record,
        # not a turn); the quit's wake ended a recorded one
        for tid in tids:
            # (closed at exit: no longer in an interest list; found by its edge)
            w = only([w for w in section(final, "wakers")
                      if [e["to"] for e in w["edges"]] == [tid]], f"waker of {tid}")
            expect(w, f"waker of {tid}", {"writes": 2, "reads": 2, "wakes": 1, "coalesced": 0})
            task = only(pick(section(final, "tasks"), tid=tid), f"task {tid}")
            expect(task, f"sleeper {tid}", {"turns": 1, "wakes.waker": 1})
            # asleep but for two short wakes: polling is nearly all its time
            self.assertGreater(task["time"]["polling"], 0.95 * task["time"]["total"],
                               compact(task))


if __name__ == "__main__":
    sys.exit(test_e2e.run_suite(Identity, sys.argv))
