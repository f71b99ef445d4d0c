#!/usr/bin/env python3
"""End-to-end tests of the collector's viewers (docs/protocol.md): a real
collector (real BPF) on the ticker workload, and viewers as processes
(`loopscope watch`, the headless viewer that prints every message it gets as
a JSON line stamped with CLOCK_MONOTONIC "recv_ns", and takes commands on
stdin), raw sockets for bad input, and setpriv for a viewer that is not root.

Run as `python3 tests/e2e/test_server.py [TEST_NAME...]`; the last line is
`N passed, N failed`. Needs root and BTF: without them every test prints
SKIP, unless CI is set, where that is a failure.
"""

import json
import os
import pwd
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import unittest

import test_e2e as e
from test_e2e import LOOPSCOPE, Proc, expect, only, pick, run_briefly, workload

TICK = 2.0              # the collector's interval in the pause test
PUSH_BOUND = 0.25       # a pushed pause must arrive well within a tick (8x under)
MSG_TIMEOUT = 10        # any one awaited message


class Watcher(Proc):
    """`loopscope watch` with a pipe on stdin; its lines parsed as JSON."""

    def __init__(self, sock, brief=False, prefix=()):
        argv = [*prefix, LOOPSCOPE, "watch", "--socket", sock] + (["--brief"] if brief else [])
        super().__init__(argv, stdin=subprocess.PIPE)
        self.seen = 0   # messages already consumed by next()

    def send(self, line):
        self.popen.stdin.write((line + "\n").encode())
        self.popen.stdin.flush()

    def messages(self):
        out = []
        for line in self.out.snapshot():
            try:
                out.append(json.loads(line))
            except ValueError:
                raise AssertionError(f"watch printed a line that is not JSON: {line[:200]}\n"
                                     + self.describe())
        return out

    def next(self, type_, timeout=MSG_TIMEOUT, skip=()):
        """The next message (after those consumed) of type_; the ones before
        it must have a type in skip."""
        deadline = time.monotonic() + timeout
        while True:
            msgs = self.messages()
            for i in range(self.seen, len(msgs)):
                m = msgs[i]
                if m.get("type") == type_:
                    self.seen = i + 1
                    return m
                if m.get("type") not in skip:
                    raise AssertionError(f"waiting for '{type_}', got {e.compact(m, 400)}\n"
                                         + self.describe(tail=10))
                self.seen = i + 1
            if time.monotonic() > deadline or self.out.eof:
                raise AssertionError(f"no '{type_}' message within {timeout} s\n"
                                     + self.describe(tail=10))
            self.out.wait_for(lambda l: False, 0.05)

    def since(self, type_):
        """Messages of type_ not yet consumed."""
        return [m for m in self.messages()[self.seen:] if m.get("type") == type_]


class Session:
    """A socket in a fresh directory, a ticker, a collector serving it."""

    def __init__(self, interval, extra=(), period_ms=5, mode="run"):
        self.dir = tempfile.mkdtemp(prefix="loopscope-srv-")
        os.chmod(self.dir, 0o755)   # a viewer that is not root must reach the socket
        self.sock = os.path.join(self.dir, "s.sock")
        self.procs = []
        if mode == "run":
            args = ["--socket", self.sock, "-i", str(interval), *extra, "--",
                    workload("ticker"), str(period_ms), "120"]
        else:
            args = ["--socket", self.sock, "-i", str(interval), *extra]
        self.collector = e.Collector(mode, args) if mode == "run" else None

    def attach(self, pids, extra=()):
        self.collector = e.Collector("attach", ["--socket", self.sock, "-i", "0.2", *extra,
                                                *[str(p) for p in pids]])

    def watcher(self, **kw):
        w = Watcher(self.sock, **kw)
        self.procs.append(w)
        return w

    def close(self):
        for p in self.procs:
            p.stop()
        if self.collector:
            self.collector.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def frame(obj):
    data = json.dumps(obj).encode() if not isinstance(obj, bytes) else obj
    return struct.pack(">I", len(data)) + data


def read_frame(s, timeout=MSG_TIMEOUT):
    """One frame from a raw socket, or None at EOF."""
    s.settimeout(timeout)
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    n = struct.unpack(">I", head)[0]
    body = b""
    while len(body) < n:
        chunk = s.recv(min(65536, n - len(body)))
        if not chunk:
            raise AssertionError("EOF inside a frame from the collector")
        body += chunk
    return json.loads(body)


def raw(sock):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    welcome = read_frame(s)
    assert welcome and welcome["type"] == "welcome", welcome
    return s


def until_eof(s):
    """The frames left on s until the collector closes it."""
    got = []
    while True:
        try:
            m = read_frame(s)
        except ConnectionResetError:   # closed with our bytes unread
            return got
        if m is None:
            return got
        got.append(m)


NOBODY = pwd.getpwnam("nobody")
AS_NOBODY = ["setpriv", f"--reuid={NOBODY.pw_uid}", f"--regid={NOBODY.pw_gid}", "--clear-groups"]
HOSTILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "hostile_viewer.py")


def nobody_copy(d, *paths):
    """Copies of paths in d, where nobody can run them (the build tree may be
    out of its reach)."""
    out = []
    for p in paths:
        dst = os.path.join(d, os.path.basename(p))
        shutil.copy(p, dst)
        os.chmod(dst, 0o755)
        out.append(dst)
    return out


def vm_kib(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class Server(unittest.TestCase):

    def setUp(self):
        why = e.missing_requirement()
        if why:
            if e.in_ci():
                self.fail(f"CI must run this test, but: {why}")
            self.skipTest(why)
        self.session = None

    def tearDown(self):
        if self.session:
            self.session.close()

    def start(self, *a, **kw):
        self.session = Session(*a, **kw)
        self.session.collector.wait_attached()
        # the ticker (on the collector's stdout) runs both its threads
        self.assertIsNotNone(self.session.collector.out.wait_for(lambda l: l == "ready", 10),
                             self.session.collector.describe())
        return self.session

    # ------------------------------------------------------------------

    def test_pause_reaches_every_viewer_at_once(self):
        trace = os.path.join(e.SOCKET_DIR, "paused.lstrace")
        s = self.start(TICK, extra=("--record", trace))
        v = [s.watcher() for _ in range(3)]
        ids = [w.next("welcome")["viewer"] for w in v]
        self.assertEqual(len(set(ids)), 3)

        v[0].send("pause")
        sent = v[0].next("sent", skip=("viewers", "update"))["sent_ns"]
        reply = v[0].next("reply", skip=("viewers", "update"))
        expect(reply, "the pauser's confirmation",
               {"to": "pause", "ok": True, "changed": True, "pause.paused": True,
                "pause.by.viewer": ids[0], "pause.by.user": "root"})
        delays = []
        last_records = {}
        for w in v:
            before = w.since("update")
            m = w.next("pause", skip=("viewers", "update"))
            expect(m, "the pushed pause", {"pause.paused": True, "pause.by.viewer": ids[0],
                                           "pause.by.uid": 0})
            delays.append((m["recv_ns"] - sent) / 1e9)
            ups = [x for x in w.messages()[:w.seen] if x.get("type") in ("update", "welcome")]
            last_records[id(w)] = (ups[-1]["state"]["records"],
                                   ups[-1]["state"]["recording"]["records"])
        print(f"     pause pushed to 3 viewers in {', '.join(f'{d * 1000:.1f}' for d in delays)} ms"
              f" (tick {TICK} s)", flush=True)
        for d in delays:
            self.assertGreaterEqual(d, 0)
            self.assertLess(d, PUSH_BOUND, f"pause reached a viewer {d:.3f} s after it was sent")

        # a viewer that comes now learns it from its first message
        v4 = s.watcher()
        w4 = v4.next("welcome")
        expect(w4, "a late viewer's welcome",
               {"pause.paused": True, "pause.by.viewer": ids[0], "viewers": 4})
        v.append(v4)

        # over more than a tick: no updates to anyone
        time.sleep(TICK * 1.3)
        for w in v:
            self.assertEqual(w.since("update"), [], "an update went out while paused")

        v[2].send("resume")
        sent = v[2].next("sent", skip=("viewers",))["sent_ns"]
        expect(v[2].next("reply", skip=("viewers",)), "the resumer's confirmation",
               {"to": "resume", "changed": True, "pause.paused": False})
        for w in v:
            m = w.next("pause", skip=("viewers",))
            expect(m, "the pushed resume", {"pause.paused": False, "pause.by.viewer": ids[2]})
            up = w.next("update", skip=("viewers",))
            delay = (up["recv_ns"] - sent) / 1e9
            self.assertLess(delay, PUSH_BOUND, f"resume's update came {delay:.3f} s after it")
            # the collector kept draining the ring buffer while paused, losing nothing
            e.expect_no_drops(up["state"])
            if id(w) in last_records:
                # and recording: a pause is a view concern only
                before, recorded = last_records[id(w)]
                self.assertGreater(up["state"]["records"], before)
                self.assertEqual(up["state"]["recording"]["path"], trace)
                self.assertGreater(up["state"]["recording"]["records"], recorded)
                self.assertEqual(up["state"]["recording"]["dropped"], 0)
            # then live ticks again
            w.next("update", timeout=TICK * 3, skip=("viewers",))

    def test_stuck_viewer_stalls_nobody(self):
        s = self.start(0.05, extra=("--viewer-timeout", "2"), period_ms=1)
        live = s.watcher(brief=True)
        live.next("welcome")
        stuck = raw(s.sock)   # connects, takes its welcome, then never reads again
        t0 = time.monotonic()
        line = s.collector.err.wait_for(lambda l: "dropped: too slow" in l, 30)
        self.assertIsNotNone(line, "the stuck viewer was never dropped\n" + s.collector.describe())
        self.assertRegex(line, r"^loopscope: viewer \d+ \(root\) dropped: too slow")
        took = time.monotonic() - t0
        ups = [m["recv_ns"] for m in live.messages() if m.get("type") == "update"]
        gaps = [(b - a) / 1e9 for a, b in zip(ups, ups[1:])]
        print(f"     stuck viewer dropped after {took:.1f} s; the live one got {len(ups)} updates,"
              f" largest gap {max(gaps) * 1000:.0f} ms (interval 50 ms)", flush=True)
        self.assertGreater(len(ups), took / 0.05 / 4, "the live viewer missed most ticks")
        self.assertLess(max(gaps), 1.0, "the live viewer waited over a second for a tick")
        stuck.close()
        st = run_briefly([LOOPSCOPE, "status", "--json", "--socket", s.sock])
        self.assertEqual(st.returncode, 0, st.stderr)
        status = json.loads(st.stdout)
        self.assertEqual(status["viewers"], 2)   # the live watcher and this status
        self.assertTrue(s.collector.alive())

    def test_garbage_on_the_socket(self):
        s = self.start(0.2)
        w = s.watcher(brief=True)
        w.next("welcome")
        cases = [
            (b"\xff\xff\xff\xff", "bad frame length 4294967295 (limit 65536)"),
            (frame(b"not json at all"), "frame is not a JSON object"),
            (frame({"v": 7, "type": "pause"}), "protocol version 7 is not spoken here (this side speaks 1)"),
            (frame({"type": "pause"}), "message without a protocol version \"v\""),
        ]
        for data, want in cases:
            c = raw(s.sock)
            c.sendall(data)
            got = [m for m in until_eof(c) if m["type"] == "error"]
            self.assertEqual(len(got), 1, got)
            expect(got[0], "the answer to a bad frame", {"error": want, "fatal": True})
            c.close()
        # an unknown type is answered and the connection stays
        c = raw(s.sock)
        c.sendall(frame({"v": 1, "type": "frobnicate", "id": 3}))
        m = read_frame(c)
        while m["type"] not in ("error",):
            m = read_frame(c)
        expect(m, "unknown type", {"error": "unknown message type 'frobnicate'", "fatal": False, "id": 3})
        c.sendall(frame({"v": 1, "type": "status", "id": 4}))
        m = read_frame(c)
        while m["type"] != "reply":
            m = read_frame(c)
        expect(m, "status after an error", {"id": 4, "ok": True, "to": "status"})
        c.close()
        # cut mid-frame, and plain noise
        c = raw(s.sock)
        c.sendall(b"\x00\x00\x01\x00{\"v\":1,")
        c.close()
        c = raw(s.sock)
        c.sendall(bytes((i * 37 + 11) % 256 for i in range(4096)))
        until_eof(c)
        c.close()
        # the watcher is still served
        w.seen = len(w.messages())
        w.next("update", timeout=5, skip=("viewers",))
        self.assertTrue(w.alive())
        self.assertTrue(s.collector.alive())
        st = run_briefly([LOOPSCOPE, "status", "--json", "--socket", s.sock])
        self.assertEqual(st.returncode, 0, st.stderr)
        self.assertEqual(json.loads(st.stdout)["viewers"], 2)

    def test_non_root_viewer_sees_only_its_own(self):
        nobody = pwd.getpwnam("nobody")
        drop = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
        d = tempfile.mkdtemp(prefix="loopscope-nobody-")
        os.chmod(d, 0o755)
        exe = os.path.join(d, "loopscope")
        shutil.copy(LOOPSCOPE, exe)   # the build tree may be out of nobody's reach
        os.chmod(exe, 0o755)
        mine = Proc([workload("ticker"), "10", "120"])
        theirs = Proc([*drop, workload("ticker"), "10", "120"])
        try:
            for p in (mine, theirs):
                self.assertIsNotNone(p.out.wait_for(lambda l: l == "ready", 10), p.describe())
            self.session = Session(0.2, mode="attach")
            s = self.session
            # by default only root (and the group loopscope) may connect
            s.attach([mine.pid, theirs.pid])
            s.collector.wait_attached()
            r = run_briefly([*drop, exe, "dump", "--json", "--socket", s.sock])
            self.assertEqual(r.returncode, 1)
            self.assertEqual(r.stderr, f"loopscope: not allowed to connect to {s.sock}: ask for the "
                                       "collector's group, or run as root\n")
            s.collector.stop()   # SIGKILL: its socket file stays, stale
            s.attach([mine.pid, theirs.pid], extra=("--socket-mode", "0666"))
            s.collector.wait_attached()
            self.assertEqual(os.stat(s.sock).st_mode & 0o777, 0o666)

            r = run_briefly([*drop, exe, "dump", "--json", "--socket", s.sock])
            self.assertEqual(r.returncode, 0, r.stderr)
            state = json.loads(r.stdout)
            self.assertEqual([t["pid"] for t in state["targets"]], [theirs.pid])
            self.assertEqual(sorted({t["pid"] for t in state["tasks"]}), [theirs.pid])
            self.assertEqual(sorted(t["name"] for t in state["tasks"]), ["loop", "ticker"])
            for kind in ("reactors", "wakers", "sockets"):
                self.assertEqual({o["pid"] for o in state[kind]} - {theirs.pid}, set(), kind)
            self.assertEqual(len(state["wakers"]), 1)

            r = run_briefly([exe, "dump", "--json", "--socket", s.sock])
            self.assertEqual(r.returncode, 0, r.stderr)
            state = json.loads(r.stdout)
            self.assertEqual(sorted(t["pid"] for t in state["targets"]), sorted([mine.pid, theirs.pid]))
            self.assertEqual(len(state["wakers"]), 2)

            # the welcome says who the collector thinks the viewer is
            w = Watcher(s.sock, brief=True, prefix=drop)
            s.procs.append(w)
            expect(w.next("welcome"), "nobody's welcome",
                   {"you.uid": nobody.pw_uid, "you.user": "nobody"})
        finally:
            mine.stop()
            theirs.stop()
            shutil.rmtree(d, ignore_errors=True)

    def test_a_state_over_a_mebibyte(self):
        """A target with 3000 sockets: its state (some 2 MB) is bigger than
        the 1 MiB bound of a viewer's small messages; the welcome and a dump
        still go out whole (they used to get the viewer dropped as too slow)."""
        n = 3000
        holder = Proc([os.path.join(e.ROOT, "build", "bench", "loadgen"), "sockets", n],
                      stdin=subprocess.PIPE)
        self.addCleanup(holder.stop)
        ready = holder.out.wait_for(lambda l: l.startswith("ready "), 20)
        self.assertIsNotNone(ready, holder.describe())
        d = tempfile.mkdtemp(prefix="loopscope-e2e-")
        self.addCleanup(shutil.rmtree, d, True)
        sock = os.path.join(d, "loopscope.sock")
        col = e.Collector("attach", ["--socket", sock, ready.split()[1]])
        self.addCleanup(col.stop)
        col.wait_attached()
        self.assertIsNotNone(col.err.wait_for(lambda l: "serving viewers on" in l, 10),
                             col.describe())

        def open_sockets(state):
            return sum(1 for x in state["sockets"] if x["open"])

        r = run_briefly([LOOPSCOPE, "dump", "--json", "--socket", sock])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertGreater(len(r.stdout), 1 << 20)
        self.assertEqual(open_sockets(json.loads(r.stdout)), n)
        w = Watcher(sock)
        self.addCleanup(w.stop)
        welcome = w.next("welcome")
        self.assertEqual(open_sockets(welcome["state"]), n)
        w.next("update", skip=("viewers",))   # and served on (the dump's viewer left)
        self.assertTrue(col.alive(), col.describe())
        # (the dump's viewer may be logged "gone": it left with an update
        # half-sent; none was found too slow)
        self.assertEqual([l for l in col.err.snapshot() if "too slow" in l], [], col.describe())

    def test_commands(self):
        s = self.start(0.2)
        pid = s.collector.pid
        # names are read from /proc each tick: the main thread's rename to
        # "loop" shows within one
        deadline = time.monotonic() + 5
        while True:
            r = run_briefly([LOOPSCOPE, "dump", "--json", "--socket", s.sock])
            self.assertEqual(r.returncode, 0, r.stderr)
            state = json.loads(r.stdout)
            if sorted(x["name"] for x in state["tasks"]) == ["loop", "ticker"] \
                    or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        t = only(state["targets"], "target")
        expect(t, "the target", {"name": "ticker", "alive": True})
        self.assertEqual(sorted(x["name"] for x in state["tasks"]), ["loop", "ticker"])
        only(pick(state["wakers"], kind="eventfd"), "eventfd waker")

        r = run_briefly([LOOPSCOPE, "dump", "--socket", s.sock])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(f"targets: {t['pid']} ticker\n", r.stdout)
        self.assertRegex(r.stdout, r"\n\d+ +%d +loop +" % t["pid"])

        r = run_briefly([LOOPSCOPE, "pause", "--socket", s.sock])
        self.assertEqual((r.returncode, r.stdout), (0, "paused\n"), r.stderr)
        r = run_briefly([LOOPSCOPE, "pause", "--socket", s.sock])
        self.assertEqual((r.returncode, r.stdout), (0, "already paused\n"), r.stderr)
        r = run_briefly([LOOPSCOPE, "status", "--socket", s.sock])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^collector pid %d, up [0-9.]+ s, 1 viewer, PAUSED by viewer \d+ "
                                   r"\(root\) [0-9.]+ s ago\n" % pid)
        self.assertIn(f"targets: {t['pid']} ticker\n", r.stdout)
        self.assertIn("drops: ringbuf 0, inflight 0, garbled 0\n", r.stdout)
        r = run_briefly([LOOPSCOPE, "status", "--json", "--socket", s.sock])
        st = json.loads(r.stdout)
        expect(st, "status --json", {"paused": True, "viewers": 1,
                                     "drops.ringbuf": 0, "recording": None})
        r = run_briefly([LOOPSCOPE, "resume", "--socket", s.sock])
        self.assertEqual((r.returncode, r.stdout), (0, "resumed\n"), r.stderr)

        # a second collector on the same socket is refused
        r = run_briefly([LOOPSCOPE, "run", "--socket", s.sock, "--", "true"])
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"loopscope: a collector already serves {s.sock}: view it with `loopscope view`,"
                      " or pass --socket\n", r.stderr)
        # no collector
        gone = os.path.join(s.dir, "none.sock")
        r = run_briefly([LOOPSCOPE, "status", "--socket", gone])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(r.stderr, f"loopscope: no collector at {gone}: start one with "
                                   "`loopscope attach PID` or pass --socket\n")
        r = run_briefly([LOOPSCOPE, "status", "--bogus"])
        self.assertEqual(r.returncode, 2)

        # the collector's end says bye to its viewers and removes the socket
        w = s.watcher(brief=True)
        w.next("welcome")
        os.kill(pid, signal.SIGINT)
        # `run` passes the signal on to its command and exits with its status
        self.assertEqual(s.collector.wait_exit(e.EXIT_TIMEOUT), 128 + signal.SIGINT)
        bye = w.next("bye", skip=("update", "viewers"))
        self.assertEqual(bye["reason"], "collector stopping: signalled")
        self.assertEqual(w.wait(e.EXIT_TIMEOUT), 0)
        self.assertFalse(os.path.exists(s.sock))
        self.assertFalse(os.path.exists(f"/proc/{t['pid']}"))


    # ------------------------------------------------------------------ hostile viewers

    def hostile_session(self, interval, n_sockets, extra=()):
        """nobody's process holding n_sockets sockets, root's loadgen at 20k
        syscalls/s, a collector on both with a socket anyone may use, and
        root's watcher; returns (collector, socket, root's watcher,
        nobody's tools dir)."""
        d = tempfile.mkdtemp(prefix="loopscope-hostile-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o755)
        loadgen = os.path.join(e.ROOT, "build", "bench", "loadgen")
        nb_loadgen, hostile = nobody_copy(d, loadgen, HOSTILE)
        holder = Proc([*AS_NOBODY, nb_loadgen, "sockets", str(n_sockets)], stdin=subprocess.PIPE)
        self.addCleanup(holder.stop)
        busy = Proc([loadgen, "gen", "20000", "120"], stdin=subprocess.PIPE)
        self.addCleanup(busy.stop)
        ready = [p.out.wait_for(lambda l: l.startswith("ready "), 30) for p in (holder, busy)]
        self.assertIsNotNone(ready[0], holder.describe())
        self.assertIsNotNone(ready[1], busy.describe())
        sock = os.path.join(d, "s.sock")
        col = e.Collector("attach", ["--socket", sock, "--socket-mode", "0666", "-i", str(interval),
                                     *extra, ready[0].split()[1], ready[1].split()[1]])
        self.addCleanup(col.stop)
        col.wait_attached()
        self.assertIsNotNone(col.err.wait_for(lambda l: "serving viewers on" in l, 10), col.describe())
        busy.popen.stdin.write(b"go\n")
        busy.popen.stdin.flush()
        w = Watcher(sock, brief=True)
        self.addCleanup(w.stop)
        w.next("welcome")
        return col, sock, w, hostile

    def test_hostile_non_root_viewer_stalls_nobody(self):
        """nobody connects and closes 1000 times, holds every connection it
        may (and more), and asks for dumps as fast as they come, at a
        collector watching its 3000-socket process and root's busy one:
        root's viewer gets every tick, the ring buffer drops nothing, the
        collector's memory stays bounded."""
        interval = 0.5
        col, sock, w, hostile = self.hostile_session(interval, 3000)
        w.next("update", skip=("viewers",))
        base_rss = vm_kib(col.pid, "VmRSS")
        t0 = time.monotonic()
        churn = run_briefly([*AS_NOBODY, "python3", hostile, sock, "churn", "1000"], timeout=120)
        t_churn = time.monotonic()
        self.assertEqual(churn.returncode, 0, churn.stderr)
        holder = Proc([*AS_NOBODY, "python3", hostile, sock, "hold", "40"], stdin=subprocess.PIPE)
        self.addCleanup(holder.stop)
        held = holder.out.wait_for(lambda l: l.startswith("{"), 60)
        self.assertIsNotNone(held, holder.describe())
        held = json.loads(held)
        # the cap: 16 held, the rest refused with the reason
        self.assertEqual(held, {"held": 16, "refused": 24, "errors": [
            "too many viewers: nobody has 16 connected, the most a user may have "
            "(the collector's --viewers-per-user)"]})
        holder.popen.stdin.close()
        self.assertEqual(holder.wait(10), 0)
        t_hold = time.monotonic()
        time.sleep(0.5)   # they are reaped
        dumps = run_briefly([*AS_NOBODY, "python3", hostile, sock, "dumps", "5"], timeout=60)
        self.assertEqual(dumps.returncode, 0, dumps.stderr)
        dumped = json.loads(dumps.stdout)
        t1 = time.monotonic()
        # one dump per viewer per tick: 8 viewers, 5 s, ticks of 0.5 s
        self.assertLessEqual(dumped["dumps"], 8 * (5 / interval + 3), dumped)
        self.assertGreaterEqual(dumped["refused"], dumped["dumps"] // 2, dumped)
        # after the attack, a tick or two more
        last = w.next("update", skip=("viewers",))
        last = w.next("update", skip=("viewers",))
        hwm = vm_kib(col.pid, "VmHWM")
        ups = [m for m in w.messages() if m.get("type") == "update"]
        times = [m["recv_ns"] / 1e9 for m in ups]
        during = [b - a for a, b in zip(times, times[1:]) if b >= t0]
        print(f"     attack {t1 - t0:.1f} s: churn {json.loads(churn.stdout)}, hold {held}, "
              f"dumps {dumped}; root's viewer got {len(during)} updates, largest gap "
              f"{max(during):.2f} s (interval {interval} s); collector RSS {base_rss // 1024} MB before, "
              f"peak {hwm // 1024} MB; drops {last['state']['drops']}", flush=True)
        print("     phases: churn %.2f, hold %.2f, dumps %.2f; gaps over an interval at %s" % (
            t_churn - t0, t_hold - t0, t1 - t0,
            [(round(a - t0, 2), round(b - a, 2)) for a, b in zip(times, times[1:])
             if b >= t0 and b - a > interval * 1.2]), flush=True)
        up = [t["uptime_s"] for t in col.ticks()]
        print("     collector's own ticks: largest gap %.2f s" % max(b - a for a, b in zip(up, up[1:])))
        self.assertGreater(len(during), (t1 - t0) / interval * 0.8, "root's viewer missed ticks")
        self.assertLess(max(during), 2 * interval, "root's viewer waited over two intervals for a tick")
        self.assertEqual(last["state"]["drops"]["ringbuf"], 0)
        self.assertEqual(last["state"]["drops"]["inflight"], 0)
        self.assertLess(hwm, base_rss + 150 * 1024, "the collector's memory grew with the attack")
        self.assertTrue(col.alive(), col.describe())

    def test_viewers_per_user_cap_and_dump_limit(self):
        col, sock, w, hostile = self.hostile_session(1.0, 10, extra=("--viewers-per-user", "3"))
        w.next("update", skip=("viewers",))
        w.next("update", skip=("viewers",))   # a whole tick of root's loadgen
        holder = Proc([*AS_NOBODY, "python3", hostile, sock, "hold", "5"], stdin=subprocess.PIPE)
        self.addCleanup(holder.stop)
        held = holder.out.wait_for(lambda l: l.startswith("{"), 30)
        self.assertIsNotNone(held, holder.describe())
        self.assertEqual(json.loads(held), {
            "held": 3, "refused": 2,
            "errors": ["too many viewers: nobody has 3 connected, the most a user may have "
                       "(the collector's --viewers-per-user)"]})
        # nobody's own status: its viewers, its refusals, its records only
        d = os.path.dirname(hostile)
        exe, = nobody_copy(d, LOOPSCOPE)
        r = run_briefly([*AS_NOBODY, exe, "status", "--json", "--socket", sock])
        self.assertEqual(r.returncode, 1, r.stdout)   # a fourth connection: refused too
        self.assertEqual(r.stderr, "loopscope: the collector refused: too many viewers: nobody has 3 "
                                   "connected, the most a user may have (the collector's "
                                   "--viewers-per-user)\n")
        holder.popen.stdin.close()
        self.assertEqual(holder.wait(10), 0)
        deadline = time.monotonic() + 5
        while True:   # the held ones are reaped
            r = run_briefly([*AS_NOBODY, exe, "status", "--json", "--socket", sock])
            if r.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertEqual(r.returncode, 0, r.stderr)
        st = json.loads(r.stdout)
        expect(st, "nobody's status", {"viewers": 1, "refused.viewers": 3,
                                       "limits.viewers_per_user": 3, "limits.dumps_per_tick": 1})
        self.assertEqual([c["uid"] for c in st["clients"]], [NOBODY.pw_uid])
        root_st = json.loads(run_briefly([LOOPSCOPE, "status", "--json", "--socket", sock]).stdout)
        self.assertEqual(root_st["viewers"], 2)   # root's watcher and this status
        self.assertGreater(root_st["records_per_s"], 5000)   # root's loadgen
        self.assertLess(st["records_per_s"], 1000)           # nobody's idle holder only
        self.assertLess(st["records"], root_st["records"])
        # root is not capped
        ws = [raw(sock) for _ in range(5)]
        for x in ws:
            x.close()
        # a viewer's second dump within a tick is refused, and counted
        c = raw(sock)
        c.sendall(frame({"v": 1, "type": "dump", "id": 1}) + frame({"v": 1, "type": "dump", "id": 2}))
        got = {}
        while len(got) < 2:
            m = read_frame(c)
            if m.get("id") in (1, 2):
                got[m["id"]] = m
        c.close()
        expect(got[1], "the first dump", {"type": "reply", "to": "dump"})
        expect(got[2], "the second dump in a tick",
               {"type": "error", "fatal": False,
                "error": "one dump per tick: the state changes every 1 s; ask again after the next update"})
        root_st = json.loads(run_briefly([LOOPSCOPE, "status", "--json", "--socket", sock]).stdout)
        expect(root_st, "root's status", {"refused.viewers": 3, "refused.dumps": 1})
        self.assertTrue(col.alive(), col.describe())

    def test_error_frames_are_valid_utf8(self):
        s = self.start(0.2)
        c = raw(s.sock)
        # a type cut inside a character at the 40th byte, and bytes that are not UTF-8
        c.sendall(frame({"v": 1, "type": "a" * 39 + "\u20ac" * 4, "id": 1}))
        c.sendall(frame(b'{"v": 1, "type": "b\xff\xfe\xc3", "id": 2}'))
        got = {}
        c.settimeout(MSG_TIMEOUT)
        while len(got) < 2:
            head = c.recv(4, socket.MSG_WAITALL)
            body = b""
            n = struct.unpack(">I", head)[0]
            while len(body) < n:
                body += c.recv(n - len(body))
            m = json.loads(body.decode("utf-8"))   # strict: raises on invalid UTF-8
            if m.get("id") in (1, 2):
                got[m["id"]] = m
        c.close()
        self.assertEqual(got[1]["error"], "unknown message type '" + "a" * 39 + "\u20ac" * 2 + "'")
        self.assertEqual(got[2]["error"], "unknown message type 'b???'")


if __name__ == "__main__":
    sys.exit(e.run_suite(Server, sys.argv))
