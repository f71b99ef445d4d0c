#!/usr/bin/env python3
"""End-to-end tests of `loopscope view`: two terminal viewers (tmux, one
80x24, one 120x40) on one real collector attached to the echo server.

Space in one viewer pauses both (the banner names who paused); sorting and
details work while paused on exact numbers (1000 x 100 bytes echoed: 100000
bytes each way, 1001 turns); space in the other resumes both; the viewers
outlive their collector and say so; q quits with status 0.

Run as `python3 tests/e2e/test_viewer.py [TEST_NAME...]`; needs root, BTF
and tmux, else each test prints SKIP (a failure when CI is set). The last
line is `N passed, N failed` (`, N skipped`).
"""

import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_e2e  # noqa: E402
from test_e2e import (LOOPSCOPE, Collector, Proc, in_ci,  # noqa: E402
                      missing_requirement, run_briefly, workload)

SCREEN_TIMEOUT = 15      # a key or a tick -> what it shows on the screen
ROUNDS, SIZE = 1000, 100
SMALL, LARGE = (80, 24), (120, 40)


class Tmux:
    """A private tmux server (its own socket) holding one session per viewer."""

    def __init__(self, directory):
        self.sock = os.path.join(directory, "tmux.sock")
        self.started = False

    def run(self, *args):
        r = subprocess.run(["tmux", "-S", self.sock, *args], capture_output=True, text=True,
                           errors="replace", stdin=subprocess.DEVNULL, timeout=10)
        if r.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {r.stderr.strip()}")
        return r.stdout

    def viewer(self, name, size, socket_path):
        # C locale: ASCII sort marks; the shell keeps the pane to show the exit status
        cmd = (f"LC_ALL=C TERM=screen {LOOPSCOPE} view --socket {socket_path}; "
               f"echo viewer exit $?; sleep 600")
        self.run("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), cmd)
        self.started = True

    def replay(self, name, size, trace, *args):
        cmd = (f"LC_ALL=C TERM=screen {LOOPSCOPE} replay {' '.join(args)} {trace}; "
               f"echo viewer exit $?; sleep 600")
        self.run("new-session", "-d", "-s", name, "-x", str(size[0]), "-y", str(size[1]), cmd)
        self.started = True

    def keys(self, name, *keys):
        self.run("send-keys", "-t", name, *keys)

    def screen(self, name):
        return self.run("capture-pane", "-p", "-t", name)

    def wait(self, name, match, what, timeout=SCREEN_TIMEOUT):
        """The screen once match(screen) is true (match may return a value)
        and the screen is settled: tmux shows a redraw as its bytes arrive,
        so a capture can catch the top of a new view over a blank rest (CI
        saw a details view cut after its third line). Two captures 50 ms
        apart must be equal, and both must match."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen(name)
            got = match(screen)
            if got:
                time.sleep(0.05)
                again = self.screen(name)
                if again == screen:
                    return got if got is not True else screen
            if time.monotonic() > deadline:
                raise AssertionError(f"viewer {name}: no {what} within {timeout} s; screen:\n"
                                     + screen)
            time.sleep(0.1)

    def stop(self):
        if self.started:
            try:
                self.run("kill-server")
            except (AssertionError, subprocess.TimeoutExpired):
                pass


def lines(screen):
    return screen.split("\n")


def row(screen, pattern):
    """The first line matching pattern (a regex), or None."""
    for line in lines(screen):
        if re.search(pattern, line):
            return line
    return None


def data_rows(screen, header_pattern):
    """The table rows under the header line matching header_pattern."""
    ls = lines(screen)
    for i, line in enumerate(ls):
        if re.search(header_pattern, line):
            out = []
            for r in ls[i + 1:]:
                if not r.strip():
                    break
                out.append(r)
            return out
    return []


class Viewer(unittest.TestCase):

    def setUp(self):
        reason = missing_requirement()
        if not reason and not shutil.which("tmux"):
            reason = "tmux is not installed (make deps)"
        if reason:
            if in_ci():
                self.fail(f"{reason}; CI is set, so this is a failure, not a skip")
            self.skipTest(reason)
        for exe in (LOOPSCOPE, workload("echo_server"), workload("echo_client")):
            if not os.access(exe, os.X_OK):
                self.fail(f"{exe} is missing: run make first")
        self.dir = tempfile.mkdtemp(prefix="loopscope-view-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.tmux = Tmux(self.dir)
        self.addCleanup(self.tmux.stop)

    def start(self, name, *args):
        proc = Proc([workload(name), *args])
        self.addCleanup(proc.stop)
        return proc

    def check_fits(self, screen, size, what):
        ls = screen.rstrip("\n").split("\n")
        self.assertLessEqual(len(ls), size[1], f"{what}: more lines than the terminal\n{screen}")
        for line in ls:
            self.assertLessEqual(len(line), size[0], f"{what}: a line wider than {size[0]}\n{screen}")

    def test_two_viewers(self):
        server = self.start("echo_server")
        line = server.out.wait_for(lambda l: l.startswith("port "), 5)
        self.assertIsNotNone(line, server.describe())
        port = int(line.split()[1])
        sock = os.path.join(self.dir, "loopscope.sock")
        col = Collector("attach", ["--socket", sock, "-r", "60", server.pid])
        self.addCleanup(col.stop)
        col.wait_attached()
        serving = col.err.wait_for(lambda l: "serving viewers on" in l, 10)
        self.assertIsNotNone(serving, "the collector never served viewers\n" + col.describe())

        client = self.start("echo_client", port, ROUNDS, SIZE)
        rc = client.wait(30)
        self.assertEqual(rc, 0, client.describe())
        me = pwd.getpwuid(os.getuid()).pw_name
        t = self.tmux
        t.viewer("a", SMALL, sock)
        t.viewer("b", LARGE, sock)
        head = f"targets echo_server {server.pid} |"
        for v in ("a", "b"):
            t.wait(v, lambda s: head in s and "| viewers 2" in s, "header with 2 viewers")

        # a (80x24, Tasks): the server's one thread, its exact turns once the
        # client's last round is in a published state
        task_re = rf"^\s*{server.pid} echo_server\s+POLLING\s+[\d.]+\s+[\d.]+\s+{ROUNDS + 1}\s"
        t.wait("a", lambda s: row(s, task_re), f"task row with {ROUNDS + 1} turns")
        # the filter by name
        t.keys("a", "/", "z", "z", "z", "Enter")
        t.wait("a", lambda s: "no row matches the filter" in s, "empty filtered table")
        t.keys("a", "Escape")
        t.wait("a", lambda s: row(s, task_re), "task row again after esc")
        # b (120x40, Resources): the client's socket, closed, kept for -r 60
        t.keys("b", "4")
        t.wait("b", lambda s: "97.7K" in s and " 4 Resources (2) " in s, "resources with 97.7K")

        # space in a pauses both; the banner names a as the one who paused
        t.keys("a", "Space")
        got = t.wait("a", lambda s: re.search(rf"PAUSED by you \(viewer (\d+), {me}\) at ", s),
                     "PAUSED banner (by you)")
        a_id = int(got.group(1))
        t.wait("b", lambda s: f"PAUSED by {me} (viewer {a_id}) at " in s, "PAUSED banner (by a)")
        screen_a, screen_b = t.screen("a"), t.screen("b")
        self.check_fits(screen_a, SMALL, "paused, 80x24")
        self.check_fits(screen_b, LARGE, "paused, 120x40")
        frozen = row(screen_b, r"^targets ")

        # sort b by RX (4 columns right of ID): the 100000-byte socket first
        t.keys("b", "Right", "Right", "Right", "Right")
        screen = t.wait("b", lambda s: bool(re.search(r" RXv ", s)), "RX sorted biggest first")
        rows = data_rows(screen, r" RXv ")
        self.assertEqual(len(rows), 2, screen)
        self.assertRegex(rows[0], rf"127\.0\.0\.1:{port}\s+127\.0\.0\.1:\d+\s+97\.7K\s+97\.7K\s+2000\s")
        self.assertRegex(rows[1], rf"127\.0\.0\.1:{port}\s+-\s+0B\s+0B\s+0\s")
        t.keys("b", "i")
        screen = t.wait("b", lambda s: bool(re.search(r" RX\^ ", s)), "RX sorted smallest first")
        rows = data_rows(screen, r" RX\^ ")
        self.assertEqual(len(rows), 2, screen)
        self.assertRegex(rows[0], r"\s-\s+0B\s")
        self.assertRegex(rows[1], r"\s97\.7K\s")
        t.keys("b", "i")
        t.wait("b", lambda s: bool(re.search(r" RXv ", s)), "RX sorted biggest first again")

        # the selection follows its object across sorts: g goes to the first
        # row; its details: exact counters of the echo
        t.keys("b", "g", "Enter")
        screen = t.wait("b", lambda s: "Socket s:" in s, "socket details")
        self.assertIn(f"local    127.0.0.1:{port}", screen)
        self.assertRegex(screen, r"remote   127\.0\.0\.1:\d+")
        self.assertRegex(screen, rf"(?m)^  read\s+{ROUNDS * SIZE}\s+{ROUNDS}\s+0\s+1\s+0\s")
        self.assertRegex(screen, rf"(?m)^  write\s+{ROUNDS * SIZE}\s+{ROUNDS}\s+0\s+0\s+0\s")
        self.assertRegex(screen, r"closed [\d.]+s ago")
        self.assertRegex(screen, rf"count {ROUNDS + 1}  min")  # readiness samples
        self.assertRegex(screen, r"\|#+ *\| \d+ p50")           # a bar holding p50
        t.keys("b", "Escape")
        t.wait("b", lambda s: bool(re.search(r" RXv ", s)), "back to the sorted table")
        # a task's details at 80x24, while paused too
        t.keys("a", "Enter")
        screen = t.wait("a", lambda s: f"Task {server.pid} echo_server (pid {server.pid})" in s,
                        "task details")
        self.assertIn(f"turns    {ROUNDS + 1}  events {ROUNDS + 1}  events/turn 1.00", screen)
        self.assertIn(f"wakes    waker 0  socket {ROUNDS + 1}  timeout 0  other 0  self 0", screen)
        self.assertRegex(screen, r"(?m)^  [PRQBX]+$")  # the state history strip
        self.check_fits(screen, SMALL, "task details, 80x24")
        # nothing was published meanwhile: the header did not move
        self.assertEqual(row(t.screen("b"), r"^targets "), frozen)

        # space in b resumes both; each says who
        t.keys("b", "Space")
        for v in ("a", "b"):
            t.wait(v, lambda s: "PAUSED" not in s, "the banner gone")
        got = t.wait("b", lambda s: re.search(rf"resumed by you \(viewer (\d+), {me}\)", s),
                     "resumed by you")
        b_id = int(got.group(1))
        self.assertNotEqual(a_id, b_id)
        t.wait("a", lambda s: f"resumed by {me} (viewer {b_id})" in s, "resumed by b")
        # and updates flow again
        t.wait("b", lambda s: row(s, r"^targets ") != frozen, "a fresh header after resume")

        t.keys("a", "q")
        t.wait("a", lambda s: "viewer exit 0" in s, "viewer a's exit status 0")
        t.wait("b", lambda s: "| viewers 1" in s, "viewers 1 after a quit")

        # the collector goes: b keeps its last state and says why
        os.kill(server.pid, signal.SIGTERM)
        self.assertEqual(col.wait_exit(15), 0, col.describe())
        screen = t.wait("b", lambda s: "showing the last state, q quits" in s,
                        "the collector's departure")
        self.assertRegex(screen, rf"targets echo_server {server.pid}( \(exited\))? \|")
        self.assertIn("97.7K", screen)
        t.keys("b", "q")
        t.wait("b", lambda s: "viewer exit 0" in s, "viewer b's exit status 0")

    def test_replay_in_the_viewer(self):
        """`loopscope replay FILE` on a terminal is the same viewer: pause,
        a step of exactly one tick while paused, resume, the end."""
        trace = os.path.join(self.dir, "waker.lstrace")
        r = run_briefly([LOOPSCOPE, "run", "--no-server", "--record", trace, "-o", "/dev/null",
                         "--", workload("waker"), "500", "--delay-ms", "1500"], timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        # 0.1x: the 1.5 s of the recording take 15 s, time to pause at the start
        self.tmux.replay("r", SMALL, trace, "-i", "0.5", "--speed", "0.1")
        up = lambda scr: (re.search(r"\| up (\d+\.\d)s \|", scr) or [None, None])[1]
        self.tmux.wait("r", up, "a header with the uptime")
        self.tmux.keys("r", "Space")
        screen = self.tmux.wait("r", lambda scr: "PAUSED by you (viewer 1" in scr, "the PAUSED banner")
        t0 = float(up(screen))
        self.tmux.keys("r", "n")
        screen = self.tmux.wait("r", lambda scr: up(scr) and float(up(scr)) != t0 and scr,
                                "a step forward")
        self.assertAlmostEqual(float(up(screen)) - t0, 0.5, places=3)
        self.assertIn("PAUSED by you", screen)
        time.sleep(1.0)   # paused: nothing moves
        self.assertEqual(float(up(self.tmux.screen("r"))), t0 + 0.5)
        self.tmux.keys("r", "Space")
        self.tmux.wait("r", lambda scr: "PAUSED" not in scr, "the banner gone")
        self.tmux.keys("r", "3")
        screen = self.tmux.wait("r", lambda scr: "replay finished" in scr, "the end of the replay",
                                timeout=40)
        waker = row(screen, r"eventfd")
        self.assertIsNotNone(waker, screen)
        self.assertEqual(re.findall(r"\b500\b", waker), ["500", "500"], waker)

    def test_small_terminal(self):
        """A terminal smaller than 80x24 still draws, and a resize redraws."""
        server = self.start("echo_server")
        self.assertIsNotNone(server.out.wait_for(lambda l: l.startswith("port "), 5))
        sock = os.path.join(self.dir, "loopscope.sock")
        col = Collector("attach", ["--socket", sock, server.pid])
        self.addCleanup(col.stop)
        col.wait_attached()
        self.assertIsNotNone(col.err.wait_for(lambda l: "serving viewers on" in l, 10))
        t = self.tmux
        t.viewer("s", (40, 6), sock)
        screen = t.wait("s", lambda s: "targets echo_server" in s, "header at 40x6")
        self.check_fits(screen, (40, 6), "40x6")
        t.keys("s", "Enter")
        screen = t.wait("s", lambda s: "Task " in s, "details at 40x6")
        t.keys("s", "?")
        t.wait("s", lambda s: "loopscope view: keys" in s, "help at 40x6")
        t.run("resize-window", "-t", "s", "-x", "100", "-y", "30")
        screen = t.wait("s", lambda s: "  q                    quit" in s, "help after resize")
        self.check_fits(screen, (100, 30), "100x30")
        t.keys("s", "q")
        t.wait("s", lambda s: "viewer exit 0" in s, "exit status 0")

    def test_no_collector(self):
        path = os.path.join(self.dir, "nobody.sock")
        r = run_briefly([LOOPSCOPE, "view", "--socket", path])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertEqual(r.stderr.splitlines(),
                         [f"loopscope: no collector at {path}: start one with "
                          f"`loopscope attach PID` or pass --socket"])
        r = run_briefly([LOOPSCOPE, "view", "--bogus"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = run_briefly([LOOPSCOPE, "view", "extra"])
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        r = run_briefly([LOOPSCOPE, "view", "--help"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("--socket PATH", r.stdout)


if __name__ == "__main__":
    sys.exit(test_e2e.run_suite(Viewer, sys.argv))
