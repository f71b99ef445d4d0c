#!/usr/bin/env python3
"""End-to-end tests: the real collector (build/loopscope, real BPF) against the
workloads in build/workloads/, checked through its JSON lines (docs/json.md).

Run from anywhere as `python3 tests/e2e/test_e2e.py [TEST_NAME...]`; it builds
nothing (`make` does). Needs root and /sys/kernel/btf/vmlinux: without them
every test prints `SKIP: <reason>`, unless CI is set, where a missing
requirement is a failure. The last line printed is `N passed, N failed` (plus
`, N skipped` when some were); the exit status is 1 when anything failed.

Environment: LOOPSCOPE=path overrides build/loopscope; LOOPSCOPE_E2E_KEEP=1
keeps each collector's output directory (its path is printed).
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LOOPSCOPE = os.environ.get("LOOPSCOPE") or os.path.join(ROOT, "build", "loopscope")
WORKLOADS = os.path.join(ROOT, "build", "workloads")
BTF = "/sys/kernel/btf/vmlinux"

INTERVAL = "0.2"          # tick interval handed to the collector
ATTACH_TIMEOUT = 15       # start -> "loopscope: attached"
EXIT_TIMEOUT = 15         # the collector's or a workload's own exit
TARGET_EXIT_TIMEOUT = 5   # target gone -> collector gone (the spec's bound)
WORKLOAD_TIMEOUT = 30     # the workloads give up by themselves after 30 s
LINE_TIMEOUT = 5          # a workload's "port N" / "ready N"
BRIEF_TIMEOUT = 10        # --help, usage errors

EPOLLIN = 0x1
EPOLLERR = 0x8
EPOLLHUP = 0x10
ECHO_ROUNDS, ECHO_SIZE = 1000, 100
WAKES = 500
ASYNCIO = os.path.join(ROOT, "tests", "workloads", "asyncio_wake.py")
ASYNCIO_WAKES = 200
SENDFILE = os.path.join(ROOT, "tests", "workloads", "sendfile_send.py")
SENDFILE_BYTES = 1000000
PRE_EVENTFD_TOKEN, PRE_LISTENER_TOKEN, PRE_EVENTFD_COUNT = 0xE1, 0x50, 5

LIVE = set()              # every process started and not yet reaped

# Collectors serve viewers on a socket: each test run gets its own, so runs
# side by side (and a collector of the user's) never meet.
SOCKET_DIR = tempfile.mkdtemp(prefix="loopscope-e2e-sock-")
os.environ["LOOPSCOPE_SOCKET"] = os.path.join(SOCKET_DIR, "loopscope.sock")


def in_ci():
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def missing_requirement():
    if os.geteuid() != 0:
        return "not root (loopscope loads BPF programs)"
    if not os.path.exists(BTF):
        return f"{BTF} is missing (kernel without BTF)"
    return None


def workload(name):
    return os.path.join(WORKLOADS, name)


# ---------------------------------------------------------------- processes

class Lines:
    """Reads a pipe line by line in a thread and keeps every line."""

    def __init__(self, stream):
        self.lines = []
        self.eof = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self.thread.start()

    def _read(self, stream):
        try:
            for raw in iter(stream.readline, b""):
                with self.cond:
                    self.lines.append(raw.decode("utf-8", "replace").rstrip("\n"))
                    self.cond.notify_all()
        except (OSError, ValueError):
            pass
        finally:
            with self.cond:
                self.eof = True
                self.cond.notify_all()

    def wait_for(self, match, timeout):
        """The first line for which match(line) holds; None at EOF or timeout."""
        deadline = time.monotonic() + timeout
        seen = 0
        with self.cond:
            while True:
                for line in self.lines[seen:]:
                    if match(line):
                        return line
                seen = len(self.lines)
                left = deadline - time.monotonic()
                if self.eof or left <= 0:
                    return None
                self.cond.wait(left)

    def finish(self, timeout=5):
        self.thread.join(timeout)

    def text(self):
        with self.cond:
            return "\n".join(self.lines)

    def snapshot(self):
        with self.cond:
            return list(self.lines)


class Proc:
    """A child in its own process group, its stdout and stderr read by threads."""

    def __init__(self, argv, stdin=subprocess.DEVNULL):
        self.argv = [str(a) for a in argv]
        self.popen = subprocess.Popen(self.argv, stdin=stdin,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      start_new_session=True)
        self.pid = self.popen.pid
        LIVE.add(self)
        self.out = Lines(self.popen.stdout)
        self.err = Lines(self.popen.stderr)

    def wait(self, timeout):
        """The exit status (negative: killed by that signal), None on timeout."""
        try:
            rc = self.popen.wait(timeout=max(timeout, 0.01))
        except subprocess.TimeoutExpired:
            return None
        self.out.finish()
        self.err.finish()
        return rc

    def alive(self):
        return self.popen.poll() is None

    def stop(self):
        """Kill its whole group while it is unreaped (so the pgid is still ours)."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            self.popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass
        for f in (self.popen.stdout, self.popen.stderr):
            try:
                f.close()
            except OSError:
                pass
        LIVE.discard(self)

    def describe(self, tail=40):
        rc = self.popen.poll()
        parts = [f"$ {' '.join(self.argv)}  (pid {self.pid}, "
                 f"{'running' if rc is None else f'exit {rc}'})"]
        for label, lines in (("stdout", self.out.snapshot()), ("stderr", self.err.snapshot())):
            if lines:
                shown = lines[-tail:]
                more = f" (last {tail} of {len(lines)})" if len(lines) > tail else ""
                parts.append(f"--- {label}{more}:\n" + "\n".join(shown))
        return "\n".join(parts)


class Collector(Proc):
    """build/loopscope MODE --json -o FILE -i 0.2 ARGS..."""

    def __init__(self, mode, args):
        self.dir = tempfile.mkdtemp(prefix="loopscope-e2e-")
        self.path = os.path.join(self.dir, "ticks.jsonl")
        super().__init__([LOOPSCOPE, mode, "--json", "-o", self.path, "-i", INTERVAL, *args])

    def wait_attached(self, timeout=ATTACH_TIMEOUT):
        line = self.err.wait_for(lambda l: l.startswith("loopscope: attached"), timeout)
        if line is None:
            why = "exited" if not self.alive() else f"did not, within {timeout} s"
            raise AssertionError(f"collector never printed 'loopscope: attached' ({why})\n"
                                 + self.describe())

    def wait_exit(self, timeout):
        """The collector's exit status; kills it and fails when it hangs."""
        rc = self.wait(timeout)
        if rc is None:
            self.stop()
            raise AssertionError(f"collector still running after {max(timeout, 0):.1f} s, killed\n"
                                 + self.describe())
        return rc

    def ticks(self):
        if not os.path.exists(self.path):
            raise AssertionError(f"collector wrote no {self.path}\n" + self.describe())
        with open(self.path, encoding="utf-8", errors="replace") as f:
            lines = [l for l in f.read().splitlines() if l.strip()]
        ticks = []
        for n, line in enumerate(lines, 1):
            try:
                tick = json.loads(line)
            except ValueError as e:
                raise AssertionError(f"{self.path}:{n} is not JSON ({e}): {line[:300]}")
            if not isinstance(tick, dict):
                raise AssertionError(f"{self.path}:{n} is not an object: {line[:300]}")
            ticks.append(tick)
        return ticks

    def final(self):
        """The one line with "final": true, which must also be the last."""
        ticks = self.ticks()
        finals = [i for i, t in enumerate(ticks) if t.get("final") is True]
        if len(finals) != 1 or finals[0] != len(ticks) - 1:
            raise AssertionError(f"want exactly one \"final\": true line, the last; got "
                                 f"{len(finals)} among {len(ticks)} lines (at {finals[:5]})\n"
                                 + self.describe())
        final = ticks[-1]
        if final.get("version") != 1:
            raise AssertionError(f"final line has version {final.get('version')!r}, want 1")
        return final

    def stop(self):
        super().stop()
        if os.environ.get("LOOPSCOPE_E2E_KEEP"):
            print(f"     kept {self.dir}", flush=True)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def run_briefly(argv, timeout=BRIEF_TIMEOUT):
    try:
        return subprocess.run([str(a) for a in argv], stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, errors="replace",
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"{' '.join(map(str, argv))} still running after {timeout} s, killed")


def free_pid():
    """A pid (and tid) that does not exist now, below pid_max."""
    try:
        with open("/proc/sys/kernel/pid_max") as f:
            pid_max = int(f.read())
    except (OSError, ValueError):
        pid_max = 32768
    for pid in range(pid_max - 1, 300, -1):
        if not os.path.exists(f"/proc/{pid}"):
            return pid
    raise AssertionError("found no unused pid")


# ---------------------------------------------------------------- the model

MISSING = object()


def compact(obj, limit=2000):
    text = json.dumps(obj, sort_keys=True)
    return text if len(text) <= limit else text[:limit] + "..."


def value(obj, path):
    """obj["a"]["b"] for path "a.b", MISSING when it is not there."""
    for key in path.split("."):
        if not isinstance(obj, dict) or key not in obj:
            return MISSING
        obj = obj[key]
    return obj


def same(a, b):
    """JSON equality where true/false never equal 1/0."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return a == b


def pick(items, **where):
    return [it for it in items or [] if all(same(value(it, k), v) for k, v in where.items())]


def only(items, what):
    if len(items) != 1:
        raise AssertionError(f"want exactly one {what}, found {len(items)}: {compact(items)}")
    return items[0]


def expect(obj, what, wanted):
    """Every dotted path in wanted has exactly that value; reports all misses."""
    bad = []
    for path, want in wanted.items():
        got = value(obj, path)
        if got is MISSING:
            bad.append(f"{path} missing (want {want!r})")
        elif not same(got, want):
            bad.append(f"{path} = {got!r} (want {want!r})")
    if bad:
        raise AssertionError(f"{what}: " + "; ".join(bad) + f"\n  {compact(obj)}")


def expect_no_drops(final):
    """drops.ringbuf is 0, and so is every other drop counter the line has."""
    drops = final.get("drops")
    if not isinstance(drops, dict) or "ringbuf" not in drops:
        raise AssertionError(f"final line has no drops.ringbuf: {compact(final.get('drops'))}")
    lost = {k: v for k, v in drops.items() if v != 0}
    if lost:
        raise AssertionError(f"the collector lost records, exact counts cannot hold: {lost}")


def section(final, name):
    items = final.get(name)
    if not isinstance(items, list):
        raise AssertionError(f"final line has no \"{name}\" list: {compact(final)}")
    return items


def token(entry):
    t = entry.get("token")
    return int(t, 0) if isinstance(t, str) else t


# ---------------------------------------------------------------- tests

class E2E(unittest.TestCase):

    def setUp(self):
        reason = missing_requirement()
        if reason:
            if in_ci():
                self.fail(f"{reason}; CI is set, so this is a failure, not a skip")
            self.skipTest(reason)
        for exe in (LOOPSCOPE, *map(workload, ("echo_server", "echo_client", "waker",
                                                "preexisting"))):
            if not os.access(exe, os.X_OK):
                self.fail(f"{exe} is missing: run make first")

    def start(self, name, *args):
        proc = Proc([workload(name), *args])
        self.addCleanup(proc.stop)
        return proc

    def start_collector(self, mode, *args):
        col = Collector(mode, args)
        self.addCleanup(col.stop)
        return col

    def read_line(self, proc, prefix):
        """The workload's first stdout line starting with prefix, split."""
        line = proc.out.wait_for(lambda l: l.startswith(prefix), LINE_TIMEOUT)
        if line is None:
            self.fail(f"no '{prefix}...' line within {LINE_TIMEOUT} s\n" + proc.describe())
        return line.split()

    def wait_workload(self, proc, timeout=EXIT_TIMEOUT):
        rc = proc.wait(timeout)
        if rc is None:
            proc.stop()
            self.fail(f"workload still running after {timeout} s, killed\n" + proc.describe())
        self.assertEqual(rc, 0, "workload failed\n" + proc.describe())

    def test_echo_exact(self):
        server = self.start("echo_server", "--once")
        port = int(self.read_line(server, "port ")[1])
        col = self.start_collector("attach", server.pid)
        col.wait_attached()

        client = self.start("echo_client", port, ECHO_ROUNDS, ECHO_SIZE)
        self.wait_workload(client, WORKLOAD_TIMEOUT)
        self.assertIn(f"done {ECHO_ROUNDS} {ECHO_SIZE}", client.out.text())
        self.wait_workload(server)
        rc = col.wait_exit(EXIT_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        self.assertIn("all targets exited", col.err.text())

        final = col.final()
        expect_no_drops(final)
        target = only(pick(section(final, "targets"), pid=server.pid), f"target {server.pid}")
        expect(target, "target", {"alive": False})
        socks = [s for s in pick(section(final, "sockets"), pid=server.pid, type="stream")
                 if isinstance(value(s, "read.bytes"), int) and value(s, "read.bytes") > 0]
        sock = only(socks, "server stream socket that read data")
        total = ECHO_ROUNDS * ECHO_SIZE
        expect(sock, "client socket of the server", {
            "read.bytes": total, "write.bytes": total,
            "read.ops": ECHO_ROUNDS, "write.ops": ECHO_ROUNDS,
            "read.eof": 1, "read.errors": 0, "write.errors": 0,
            "local": f"127.0.0.1:{port}",
        })
        self.assertTrue(str(sock.get("remote", "")).startswith("127.0.0.1:"), compact(sock))
        task = only(pick(section(final, "tasks"), pid=server.pid, name="echo_server"),
                    "echo_server task")
        # The server sleeps in epoll_wait when we attach: that wait's return
        # (the accept) has no entry record and is not a turn.  Then one turn
        # per message and one for the EOF, each returning one event.
        turns = ECHO_ROUNDS + 1
        expect(task, "echo_server task", {
            "turns": turns, "events": turns, "wakes.socket": turns, "wakes.other": 0,
        })
        expect(sock, "client socket of the server", {"readiness_ns.count": turns})

    def test_waker_exact(self):
        col = self.start_collector("run", "--", workload("waker"), WAKES)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, "run must exit with the child's status (0)\n" + col.describe())

        final = col.final()
        expect_no_drops(final)
        target = only(section(final, "targets"), "target")
        pid = target.get("pid")
        tasks = section(final, "tasks")
        waker_tid = value(only(pick(tasks, pid=pid, name="waker"), "task named waker"), "tid")
        poller = only(pick(tasks, pid=pid, name="poller"), "task named poller")
        poller_tid = value(poller, "tid")
        self.assertNotEqual(waker_tid, poller_tid)

        waker = only(pick(section(final, "wakers"), pid=pid, kind="eventfd"), "eventfd waker")
        expect(waker, "eventfd waker", {
            "writes": WAKES, "reads": WAKES, "wakes": WAKES, "coalesced": 0,
            "latency_ns.count": WAKES,
        })
        edges = [(value(e, "from"), value(e, "to"), value(e, "count"))
                 for e in waker.get("edges") or []]
        self.assertEqual(edges, [(waker_tid, poller_tid, WAKES)], compact(waker))
        expect(poller, "poller task", {"wakes.waker": WAKES})

    def check_asyncio(self, final, pid, loop_tid, worker_tid, wakes):
        """Python asyncio's self-pipe is one waker of kind socketpair, with
        every write (ASYNCIO_WAKES, and the one that stops the loop) and
        `wakes` wakes of the loop by the worker; no socket is listed."""
        expect_no_drops(final)
        waker = only(pick(section(final, "wakers"), pid=pid), "the self-pipe")
        expect(waker, "asyncio's self-pipe", {
            "kind": "socketpair", "writes": ASYNCIO_WAKES + 1, "reads": ASYNCIO_WAKES + 1,
            "wakes": wakes, "coalesced": 0, "latency_ns.count": wakes, "open": False,
        })
        edges = [(value(e, "from"), value(e, "to"), value(e, "count"))
                 for e in waker.get("edges") or []]
        self.assertEqual(edges, [(worker_tid, loop_tid, wakes)], compact(waker))
        self.assertEqual(pick(section(final, "sockets"), pid=pid), [], compact(final["sockets"]))
        loop = only(pick(section(final, "tasks"), tid=loop_tid), "the loop's thread")
        expect(loop, "the loop's thread", {"wakes.waker": wakes, "wakes.socket": 0})
        # a healthy loop: no diagnosis has anything to say (self-wake and
        # lost-waker look at wakers; the pair's close comes after the loop)
        self.assertEqual(section(final, "warnings"), [], compact(final["warnings"]))

    def test_asyncio_self_pipe_run(self):
        """From the first syscall: the socketpair made and registered live."""
        col = self.start_collector("run", "--", sys.executable, ASYNCIO, ASYNCIO_WAKES)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        loop_tid = int(col.out.wait_for(lambda l: l.startswith("ready "), 1).split()[1])
        done = col.out.wait_for(lambda l: l.startswith("done "), 1).split()
        self.assertEqual(int(done[1]), ASYNCIO_WAKES, col.describe())
        final = col.final()
        pid = only(section(final, "targets"), "target")["pid"]
        self.check_asyncio(final, pid, loop_tid, int(done[2]), ASYNCIO_WAKES + 1)

    def test_asyncio_self_pipe_attach(self):
        """Attached to a loop whose self-pipe exists: its two ends are paired
        by the peer the fd walk reads. The loop sleeps in a wait begun before
        attach, so the first wake is not counted (it has no entry record)."""
        wl = Proc([sys.executable, ASYNCIO, ASYNCIO_WAKES], stdin=subprocess.PIPE)
        self.addCleanup(wl.stop)
        loop_tid = int(self.read_line(wl, "ready ")[1])
        col = self.start_collector("attach", wl.pid)
        col.wait_attached()
        wl.popen.stdin.write(b"go\n")
        wl.popen.stdin.close()
        self.wait_workload(wl, WORKLOAD_TIMEOUT)
        done = self.read_line(wl, "done ")
        self.assertEqual(col.wait_exit(EXIT_TIMEOUT), 0, col.describe())
        self.check_asyncio(col.final(), wl.pid, loop_tid, int(done[2]), ASYNCIO_WAKES)

    def test_sendfile_bytes(self):
        """A file's body sent to a socket with sendfile(2), as nginx does:
        the sending socket wrote exactly its bytes, in as many calls; the
        listener has the address it was bound to."""
        col = self.start_collector("run", "--", sys.executable, SENDFILE, SENDFILE_BYTES)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        done = col.out.wait_for(lambda l: l.startswith("done "), 1).split()
        size, calls, port = int(done[1]), int(done[2]), int(done[3])
        self.assertEqual(size, SENDFILE_BYTES, col.describe())
        final = col.final()
        expect_no_drops(final)
        socks = section(final, "sockets")
        sender = only(pick(socks, remote=f"127.0.0.1:{port}"), "the sending socket")
        expect(sender, "the sending socket", {
            "write.bytes": SENDFILE_BYTES, "write.ops": calls, "write.errors": 0,
            "read.bytes": 0})
        # the listener, made and bound while traced: its address is read at
        # listen(2), not at socket(2), where it has none yet
        listener = only(pick(socks, local=f"127.0.0.1:{port}", remote=""), "the listener")
        expect(listener, "the listener", {"read.ops": 0, "write.ops": 0, "open": False})
        receiver = only([x for x in pick(socks, local=f"127.0.0.1:{port}") if x["remote"]],
                        "the accepted socket")
        expect(receiver, "the accepted socket", {
            "read.bytes": SENDFILE_BYTES, "read.eof": 1, "write.bytes": 0})

    def test_udp_mmsg(self):
        """Datagrams in batches: sendmmsg and recvmmsg count every message
        as an op and every byte of them (message j of a batch of 16 has
        10 + j bytes: 100 batches are 1600 messages, 28000 bytes)."""
        col = self.start_collector("run", "--", workload("udp_mmsg"), 100, 16)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        done = col.out.wait_for(lambda l: l.startswith("done "), 1).split()
        messages, nbytes, sport, rport = map(int, done[1:])
        self.assertEqual((messages, nbytes), (1600, 28000), col.describe())
        final = col.final()
        expect_no_drops(final)
        socks = section(final, "sockets")
        tx = only(pick(socks, local=f"127.0.0.1:{sport}"), "the sending socket")
        rx = only(pick(socks, local=f"127.0.0.1:{rport}"), "the receiving socket")
        expect(tx, "the sending socket", {
            "type": "dgram", "remote": f"127.0.0.1:{rport}",
            "write.bytes": 28000, "write.ops": 1600, "read.ops": 0})
        expect(rx, "the receiving socket", {
            "type": "dgram", "remote": f"127.0.0.1:{sport}",
            "read.bytes": 28000, "read.ops": 1600, "write.ops": 0})

    def test_preexisting(self):
        wl = self.start("preexisting")
        port = int(self.read_line(wl, "ready ")[1])
        col = self.start_collector("attach", "-d", "1", wl.pid)
        col.wait_attached()
        rc = col.wait_exit(EXIT_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        self.assertTrue(wl.alive(), "preexisting died under the collector\n" + wl.describe())

        final = col.final()
        reactor = only(pick(section(final, "reactors"), pid=wl.pid), "reactor")
        interest = reactor.get("interest") or []
        self.assertCountEqual([token(e) for e in interest],
                              [PRE_EVENTFD_TOKEN, PRE_LISTENER_TOKEN], compact(reactor))
        by_token = {token(e): e for e in interest}
        efd_entry, sock_entry = by_token[PRE_EVENTFD_TOKEN], by_token[PRE_LISTENER_TOKEN]
        expect(efd_entry, "interest entry 0xE1", {"kind": "eventfd"})
        expect(sock_entry, "interest entry 0x50", {"kind": "socket"})
        for e in interest:  # EPOLLIN, and the EPOLLERR|EPOLLHUP the kernel always adds
            self.assertEqual(int(e.get("events", 0)), EPOLLIN | EPOLLERR | EPOLLHUP, compact(e))
        expect(reactor, "reactor made before attach", {"creator_tid": 0})

        waker = only(pick(section(final, "wakers"), pid=wl.pid, kind="eventfd"),
                     "eventfd waker")
        expect(waker, "eventfd waker", {"count": PRE_EVENTFD_COUNT})
        self.assertIn(reactor.get("id"), waker.get("reactors") or [], compact(waker))
        sock = only(pick(section(final, "sockets"), pid=wl.pid, local=f"127.0.0.1:{port}"),
                    f"socket 127.0.0.1:{port}")
        self.assertEqual(efd_entry.get("object"), waker.get("id"), compact(efd_entry))
        self.assertEqual(sock_entry.get("object"), sock.get("id"), compact(sock_entry))

        os.kill(wl.pid, signal.SIGTERM)
        self.wait_workload(wl, TARGET_EXIT_TIMEOUT)

    def test_target_exits(self):
        wl = self.start("preexisting")
        self.read_line(wl, "ready ")
        col = self.start_collector("attach", wl.pid)
        col.wait_attached()

        os.kill(wl.pid, signal.SIGTERM)
        deadline = time.monotonic() + TARGET_EXIT_TIMEOUT
        self.wait_workload(wl, TARGET_EXIT_TIMEOUT)
        rc = col.wait_exit(deadline - time.monotonic())
        self.assertEqual(rc, 0, col.describe())
        self.assertIn("all targets exited", col.err.text(), col.describe())
        final = col.final()
        target = only(pick(section(final, "targets"), pid=wl.pid), f"target {wl.pid}")
        expect(target, "target", {"alive": False})
        task = only(pick(section(final, "tasks"), pid=wl.pid), "the one task")
        expect(task, "task", {"alive": False, "state": "EXITED"})
        # its epoll, eventfd and listener are closed with it, still listed for --retain
        for kind in ("reactors", "wakers", "sockets"):
            obj = only(pick(section(final, kind), pid=wl.pid), f"the one of {kind}")
            expect(obj, kind, {"open": False})

    def test_no_such_process(self):
        pid = free_pid()
        col = self.start_collector("attach", pid)
        rc = col.wait_exit(EXIT_TIMEOUT)
        self.assertEqual(rc, 1, col.describe())
        lines = col.err.snapshot()
        self.assertEqual(len(lines), 1, "want exactly one stderr line\n" + col.describe())
        self.assertIn("no such process", lines[0].lower())
        wrote = os.path.exists(col.path) and os.path.getsize(col.path) > 0
        self.assertFalse(wrote, f"collector wrote JSON for a missing pid to {col.path}")

    def test_bad_usage(self):
        r = run_briefly([LOOPSCOPE, "attach"])
        self.assertEqual(r.returncode, 2, f"attach without a pid\n{r.stdout}{r.stderr}")
        r = run_briefly([LOOPSCOPE, "--help"])
        self.assertEqual(r.returncode, 0, f"--help\n{r.stdout}{r.stderr}")
        self.assertIn("attach", r.stdout)
        self.assertIn("run", r.stdout)


# ---------------------------------------------------------------- runner

class Result(unittest.TestResult):
    """One line per test as it ends, the failure right under it."""

    def __init__(self):
        super().__init__()
        self.passed = 0
        self.started = 0.0

    def startTest(self, test):
        super().startTest(test)
        self.started = time.monotonic()
        print(f"RUN  {test._testMethodName}", flush=True)

    def _took(self):
        return f"({time.monotonic() - self.started:.1f} s)"

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        print(f"PASS {test._testMethodName} {self._took()}", flush=True)

    def _report(self, test, err):
        print(f"FAIL {test._testMethodName} {self._took()}", flush=True)
        text = self._exc_info_to_string(err, test)
        print("     " + text.rstrip().replace("\n", "\n     "), flush=True)

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._report(test, err)

    def addError(self, test, err):
        super().addError(test, err)
        self._report(test, err)

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        print(f"SKIP: {test._testMethodName}: {reason}", flush=True)

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        print(f"FAIL {test._testMethodName} (unexpected success)", flush=True)


def interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def run_suite(case, argv):
    """Runs the tests of case (a TestCase class) named in argv[1:] (all by
    default), prints PASS/FAIL/SKIP lines and `N passed, N failed`, stops
    every process still running; the exit status."""
    prog = os.path.basename(argv[0])
    names = argv[1:] or unittest.defaultTestLoader.getTestCaseNames(case)
    unknown = [n for n in names if not n.startswith("test_") or not hasattr(case, n)]
    if unknown:
        print(f"usage: {prog} [TEST_NAME...]; unknown: {' '.join(unknown)}", file=sys.stderr)
        print("0 passed, 1 failed", flush=True)
        return 2
    signal.signal(signal.SIGTERM, interrupt)
    result = Result()
    interrupted = False
    try:
        unittest.TestSuite(case(n) for n in names).run(result)
    except KeyboardInterrupt:
        interrupted = True
        print("FAIL interrupted", flush=True)
    except Exception:
        interrupted = True
        print("FAIL the test runner itself crashed\n" + traceback.format_exc(), flush=True)
    finally:
        for proc in list(LIVE):
            proc.stop()
        shutil.rmtree(SOCKET_DIR, ignore_errors=True)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    failed += interrupted
    skipped = len(result.skipped)
    sys.stderr.flush()
    summary = f"{result.passed} passed, {failed} failed"
    print(summary + (f", {skipped} skipped" if skipped else ""), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(run_suite(E2E, sys.argv))
