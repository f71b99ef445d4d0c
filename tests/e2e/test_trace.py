#!/usr/bin/env python3
"""End-to-end tests of --record, replay and export (docs/trace-format.md): the
real collector records a workload with a known number of operations; the
replay's final model equals the live one; the Perfetto export has exactly the
slices and flows the workload implies; cut, flipped and foreign files give
their exact messages and exit codes; a SIGKILLed recording still replays.

Same rules and output as test_e2e.py (whose helpers this imports): needs root
and BTF, else SKIP (a failure when CI is set); the last line is
`N passed, N failed`.
"""

import gzip
import json
import os
import re
import shutil
import signal
import struct
import sys
import tempfile
import time
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pwd  # noqa: E402
import subprocess  # noqa: E402
import test_e2e  # noqa: E402
from test_e2e import (LOOPSCOPE, ATTACH_TIMEOUT, EXIT_TIMEOUT, WORKLOAD_TIMEOUT,  # noqa: E402
                      ECHO_ROUNDS, ECHO_SIZE, WAKES, ASYNCIO, ASYNCIO_WAKES, Proc, compact,
                      expect, only, pick, section, value, run_briefly)

KERNEL_MIN = 0xffff800000000000   # the lowest kernel address (x86-64, arm64 4-level)


def kernel_addresses(obj, path="$"):
    """Every value in a parsed JSON document that is a kernel address: an
    integer, or a string of hex digits (ids), of KERNEL_MIN or more."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out += kernel_addresses(v, f"{path}.{k}")
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out += kernel_addresses(v, f"{path}[{i}]")
    elif isinstance(obj, bool):
        pass
    elif isinstance(obj, int) and obj >= KERNEL_MIN:
        out.append((path, hex(obj)))
    elif isinstance(obj, str) and re.fullmatch(r"(0x)?[0-9a-fA-F]{16}", obj) \
            and int(obj, 16) >= KERNEL_MIN:
        out.append((path, obj))
    return out


def header_only(mono=1000, wall=2000, start=1000):
    """A trace header and nothing else: what a collector killed before its
    first record, or a failed attach, leaves."""
    h = bytearray(HEADER_FIXED)
    h[0:8] = b"LSTRACE\n"
    struct.pack_into("<HHII", h, 8, 1, 1, HEADER_FIXED, 1)
    struct.pack_into("<QQQQQQ", h, 24, mono, wall, start, 6 * 10**9, 10**9, 42)
    struct.pack_into("<I", h, 20, zlib.crc32(bytes(h[24:])))
    return bytes(h)


def move_record(data, by_ns):
    """The trace with the middle record of its largest records block moved
    by_ns later, checksums recomputed (a bad timestamp, not a corrupt file)."""
    data = bytearray(data)
    recs = [(o, l) for o, l in blocks(data) if struct.unpack_from("<I", data, o + 4)[0] == 1]
    off, length = max(recs, key=lambda b: b[1])
    raw = bytearray(zlib.decompress(data[off + BLOCK_HDR:off + length]))
    at = 0
    for _ in range(struct.unpack_from("<I", data, off + 16)[0] // 2):
        at += 8 + ((struct.unpack_from("<I", raw, at)[0] + 7) & ~7)
    ts = struct.unpack_from("<Q", raw, at + 8)[0]
    struct.pack_into("<Q", raw, at + 8, ts + by_ns)
    comp = zlib.compress(bytes(raw), 1)
    head = bytearray(data[off:off + BLOCK_HDR])
    struct.pack_into("<II", head, 8, len(comp), len(raw))
    struct.pack_into("<I", head, 24, zlib.crc32(comp))
    struct.pack_into("<I", head, 28, zlib.crc32(bytes(head[:28])))
    return bytes(data[:off]) + bytes(head) + comp + bytes(data[off + length:])

REPLAY_TIMEOUT = 120      # a replay or export at --speed max of a few thousand records
HEADER_FIXED = 72
BLOCK_HDR = 32

# What differs by design between a live model and its replay: tick numbers
# and the last tick's rate depend on when ticks fell.  Ids are compared: a
# replay gives every object (every generation at an address) the live id.
NOT_COMPARED = {"tick", "records_per_s", "recording"}


def strip(obj):
    if isinstance(obj, dict):
        return {k: strip(v) for k, v in obj.items() if k not in NOT_COMPARED}
    if isinstance(obj, list):
        return [strip(v) for v in obj]
    return obj


def diff(a, b, path=""):
    """The first few paths where two JSON values differ."""
    if type(a) is not type(b):
        return [f"{path}: {compact(a, 200)} != {compact(b, 200)}"]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append(f"{path}.{k}: only in {'live' if k in a else 'replay'}")
            else:
                out += diff(a[k], b[k], f"{path}.{k}")
        return out[:10]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{path}: {len(a)} items != {len(b)}"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, f"{path}[{i}]")
        return out[:10]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def blocks(data):
    """[(offset, length)] of every block, from the header's length on."""
    at = struct.unpack_from("<I", data, 12)[0]
    out = []
    while at + BLOCK_HDR <= len(data):
        clen = struct.unpack_from("<I", data, at + 8)[0]
        out.append((at, BLOCK_HDR + clen))
        at += BLOCK_HDR + clen
    return out


def raw_record_bytes(data):
    """The uncompressed bytes of every record in a trace (its 8-byte framing
    left out): what the file holds before zlib."""
    total = 0
    for off, length in blocks(data):
        kind, clen = struct.unpack_from("<II", data, off + 4)
        if kind != 1:
            continue
        raw = zlib.decompress(data[off + BLOCK_HDR:off + length])
        at = 0
        while at + 8 <= len(raw):
            n = struct.unpack_from("<I", raw, at)[0]
            total += n
            at += 8 + ((n + 7) & ~7)
    return total


class Trace(unittest.TestCase):

    setUp = test_e2e.E2E.setUp
    start = test_e2e.E2E.start
    start_collector = test_e2e.E2E.start_collector
    read_line = test_e2e.E2E.read_line
    wait_workload = test_e2e.E2E.wait_workload

    def tmp(self, name):
        d = tempfile.mkdtemp(prefix="loopscope-trace-")
        if not os.environ.get("LOOPSCOPE_E2E_KEEP"):
            self.addCleanup(shutil.rmtree, d, True)
        return os.path.join(d, name)

    def replay(self, path, *args, ok=True):
        out = path + ".replay.jsonl"
        r = run_briefly([LOOPSCOPE, "replay", path, "--json", "-i", test_e2e.INTERVAL,
                         "--speed", "max", "-o", out, *args], REPLAY_TIMEOUT)
        if ok:
            self.assertEqual(r.returncode, 0, f"replay failed\n{r.stdout}{r.stderr}")
        return r, out

    def replay_final(self, path):
        r, out = self.replay(path)
        with open(out) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        self.assertTrue(lines and lines[-1].get("final") is True, f"no final line in {out}")
        self.assertEqual(sum(1 for l in lines if l.get("final")), 1)
        m = re.search(r"replayed (\d+) records", r.stderr)
        self.assertIsNotNone(m, r.stderr)
        return lines[-1], int(m.group(1)), r.stderr

    def assert_same_model(self, live, replayed):
        problems = diff(strip(live), strip(replayed))
        if problems:
            self.fail("the replay's final model differs from the live one:\n  "
                      + "\n  ".join(problems))

    def record_waker(self):
        path = self.tmp("waker.trace")
        col = self.start_collector("run", "--record", path, "--", test_e2e.workload("waker"), WAKES)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        self.assertRegex(col.err.text(), rf"recorded \d+ records to {re.escape(path)}, 0 dropped")
        return path, col.final()

    # ------------------------------------------------------------ round trips

    def test_round_trip_waker(self):
        path, live = self.record_waker()
        test_e2e.expect_no_drops(live)
        rec = live.get("recording")
        self.assertIsInstance(rec, dict, compact(live))
        expect(rec, "recording", {"path": path, "dropped": 0})
        replayed, nrec, _ = self.replay_final(path)
        # the final report is the last thing recorded: it counted every record
        self.assertEqual(rec["records"], nrec)
        self.assertLessEqual(rec["bytes"], os.path.getsize(path))
        self.assertIsNone(replayed.get("recording"), "a replay is not recording")
        self.assert_same_model(live, replayed)
        pid = only(section(replayed, "targets"), "target")["pid"]
        waker = only(pick(section(replayed, "wakers"), pid=pid, kind="eventfd"), "eventfd waker")
        expect(waker, "replayed eventfd waker", {
            "writes": WAKES, "reads": WAKES, "wakes": WAKES, "coalesced": 0,
            "latency_ns.count": WAKES})
        poller = only(pick(section(replayed, "tasks"), pid=pid, name="poller"), "poller")
        expect(poller, "replayed poller", {"wakes.waker": WAKES})

    def test_round_trip_churn_ids(self):
        """Thousands of sockets at reused addresses: the replay gives each
        generation the id the live run gave it."""
        path = self.tmp("churn.trace")
        col = self.start_collector("run", "--retain", "60", "--record", path, "--",
                                   test_e2e.workload("churn"), 2, 1000)
        rc = col.wait_exit(ATTACH_TIMEOUT + WORKLOAD_TIMEOUT)
        self.assertEqual(rc, 0, col.describe())
        live = col.final()
        test_e2e.expect_no_drops(live)
        expect(live["recording"], "recording", {"dropped": 0})
        ids = [s["id"] for s in section(live, "sockets")]
        self.assertEqual(len(ids), 2 * 1000 + 1)
        self.assertEqual(len(set(ids)), len(ids))
        replayed, _, _ = self.replay_final(path)
        self.assertEqual([s["id"] for s in section(replayed, "sockets")], ids)
        self.assert_same_model(live, replayed)

    def test_round_trip_attach_echo(self):
        """Attach: the state before attach (threads, fds, interest) is in the
        file, so the replay starts from the same model."""
        path = self.tmp("echo.trace")
        server = self.start("echo_server", "--once")
        port = int(self.read_line(server, "port ")[1])
        col = self.start_collector("attach", "--record", path, server.pid)
        col.wait_attached()
        client = self.start("echo_client", port, ECHO_ROUNDS, ECHO_SIZE)
        self.wait_workload(client, WORKLOAD_TIMEOUT)
        self.wait_workload(server)
        self.assertEqual(col.wait_exit(EXIT_TIMEOUT), 0, col.describe())
        live = col.final()
        test_e2e.expect_no_drops(live)
        replayed, _, _ = self.replay_final(path)
        self.assert_same_model(live, replayed)
        total = ECHO_ROUNDS * ECHO_SIZE
        sock = only([s for s in pick(section(replayed, "sockets"), pid=server.pid, type="stream")
                     if value(s, "read.bytes") == total], "server socket that read 100000 bytes")
        expect(sock, "replayed server socket", {
            "write.bytes": total, "read.ops": ECHO_ROUNDS, "write.ops": ECHO_ROUNDS,
            "read.eof": 1, "local": f"127.0.0.1:{port}"})
        # the export's socket slices add up to the same bytes and operations
        out = path + ".json"
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "perfetto", "--pid", server.pid,
                         "-o", out], REPLAY_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            ends = [e for e in json.load(f)["traceEvents"] if e["ph"] == "E"
                    and e.get("args", {}).get("kind") == "socket" and e["args"].get("bytes")]
        self.assertTrue(all(e["pid"] == server.pid for e in ends))
        reads = [e["args"]["bytes"] for e in ends if e["name"] in ("read", "readv", "recvfrom", "recvmsg")]
        writes = [e["args"]["bytes"] for e in ends if e["name"] in ("write", "writev", "sendto", "sendmsg")]
        self.assertEqual((len(reads), sum(reads)), (ECHO_ROUNDS, total))
        self.assertEqual((len(writes), sum(writes)), (ECHO_ROUNDS, total))

    def test_round_trip_preexisting(self):
        path = self.tmp("pre.trace")
        wl = self.start("preexisting")
        self.read_line(wl, "ready ")
        col = self.start_collector("attach", "-d", "1", "--record", path, wl.pid)
        col.wait_attached()
        self.assertEqual(col.wait_exit(EXIT_TIMEOUT), 0, col.describe())
        live = col.final()
        replayed, _, _ = self.replay_final(path)
        self.assert_same_model(live, replayed)
        reactor = only(pick(section(replayed, "reactors"), pid=wl.pid), "reactor")
        self.assertCountEqual([test_e2e.token(e) for e in reactor.get("interest", [])],
                              [test_e2e.PRE_EVENTFD_TOKEN, test_e2e.PRE_LISTENER_TOKEN])
        waker = only(pick(section(replayed, "wakers"), pid=wl.pid), "waker")
        expect(waker, "replayed waker", {"count": test_e2e.PRE_EVENTFD_COUNT})
        os.kill(wl.pid, signal.SIGTERM)
        self.wait_workload(wl)

    def test_recording_in_every_tick(self):
        path = self.tmp("ticks.trace")
        wl = self.start("preexisting")
        self.read_line(wl, "ready ")
        # --duration counts from before the probes load, which a loaded machine
        # can make slow: 3 s leaves room for at least one tick and the final one
        col = self.start_collector("attach", "-d", "3", "--record", path, wl.pid)
        self.assertEqual(col.wait_exit(ATTACH_TIMEOUT + EXIT_TIMEOUT), 0, col.describe())
        ticks = col.ticks()
        self.assertGreaterEqual(len(ticks), 2, "want ticks every 0.2 s over 3 s")
        sizes = []
        for t in ticks:
            rec = t.get("recording")
            self.assertIsInstance(rec, dict, compact(t))
            self.assertEqual(sorted(rec), ["bytes", "bytes_per_s", "dropped", "path", "records"])
            expect(rec, "recording", {"path": path, "dropped": 0})
            sizes.append(rec["bytes"])
        self.assertEqual(sizes, sorted(sizes), "bytes written only grow")
        self.assertGreater(sizes[-1], HEADER_FIXED)
        # and without --record: null
        col2 = self.start_collector("attach", "-d", "0.3", wl.pid)
        self.assertEqual(col2.wait_exit(ATTACH_TIMEOUT + EXIT_TIMEOUT), 0, col2.describe())
        self.assertIn("recording", col2.final())
        self.assertIsNone(col2.final()["recording"])
        os.kill(wl.pid, signal.SIGTERM)
        self.wait_workload(wl)

    # ------------------------------------------------------------ export

    def test_export_perfetto(self):
        path, live = self.record_waker()
        replayed, nrec, _ = self.replay_final(path)
        pid = only(section(replayed, "targets"), "target")["pid"]
        tasks = section(replayed, "tasks")
        poller = only(pick(tasks, pid=pid, name="poller"), "poller")
        waker_tid = only(pick(tasks, pid=pid, name="waker"), "waker task")["tid"]
        out = path + ".json"
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "perfetto", "-o", out],
                        REPLAY_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            doc = json.load(f)
        events = doc["traceEvents"]
        # metadata: the process and both threads named
        names = {(e["ph"], e["name"], e["pid"], e["tid"]): e["args"]["name"]
                 for e in events if e["ph"] == "M"}
        self.assertEqual(names.get(("M", "process_name", pid, 0)), "waker")
        self.assertEqual(names.get(("M", "thread_name", pid, poller["tid"])), "poller")
        self.assertEqual(names.get(("M", "thread_name", pid, waker_tid)), "waker")
        # every B has its E on its thread, times never go back on a thread
        stacks, last = {}, {}
        for e in events:
            if e["ph"] == "M":
                continue
            key = (e["pid"], e["tid"])
            self.assertGreaterEqual(e["ts"], last.get(key, 0), f"time goes back: {e}")
            last[key] = e["ts"]
            if e["ph"] == "B":
                stacks.setdefault(key, []).append(e["name"])
            elif e["ph"] == "E":
                self.assertTrue(stacks.get(key), f"E without B: {e}")
                self.assertEqual(stacks[key].pop(), e["name"])
        self.assertTrue(all(not s for s in stacks.values()), f"B without E: {stacks}")

        def count(ph, name, tid=None):
            return sum(1 for e in events if e["ph"] == ph and e["name"] == name
                       and e["pid"] == pid and (tid is None or e["tid"] == tid))

        # exactly: one epoll_wait slice per turn, one eventfd write slice per
        # wake, a flow per wake from the write to the wait it ended
        waits = [e for e in events if e["ph"] == "B" and e["tid"] == poller["tid"]
                 and e["name"].startswith("epoll_") and e["cat"] == "wait"]
        self.assertEqual(len(waits), poller["turns"])
        writes = [e for e in events if e["ph"] == "E" and e["name"] == "write"
                  and e["tid"] == waker_tid and e["args"]["kind"] == "eventfd"]
        self.assertEqual(len(writes), WAKES)
        self.assertTrue(all(e["args"]["bytes"] == 8 and e["args"]["result"] == 8 for e in writes))
        starts = [e for e in events if e["ph"] == "s"]
        ends = [e for e in events if e["ph"] == "f"]
        self.assertEqual(len(starts), WAKES)
        self.assertEqual(len(ends), WAKES)
        self.assertEqual(sorted(e["id"] for e in starts), sorted(e["id"] for e in ends))
        self.assertTrue(all(e["tid"] == waker_tid for e in starts))
        self.assertTrue(all(e["tid"] == poller["tid"] for e in ends))
        self.assertEqual(count("C", f"events per turn {poller['tid']}"), poller["turns"])
        # the gzip variant is the same document
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "perfetto", "-o", out + ".gz"],
                        REPLAY_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        with gzip.open(out + ".gz", "rb") as g, open(out, "rb") as f:
            self.assertEqual(g.read(), f.read())
        # --tid keeps that thread's events only (and the collector's counters)
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "perfetto", "--tid",
                         poller["tid"], "-o", out], REPLAY_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            tids = {e["tid"] for e in json.load(f)["traceEvents"]
                    if e["pid"] != 0 and e["ph"] != "M"}
        self.assertEqual(tids, {poller["tid"]})

    def test_export_jsonl(self):
        path, _ = self.record_waker()
        _, nrec, _ = self.replay_final(path)
        out = path + ".jsonl"
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "jsonl", "-o", out], REPLAY_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            recs = [json.loads(l) for l in f]
        self.assertEqual(len(recs), nrec)
        writes = [x for x in recs if x["type"] == "io" and x["kind"] == "eventfd"
                  and x["dir"] == "write" and x["ret"] == 8]
        self.assertEqual(len(writes), WAKES)
        self.assertEqual(recs[0]["type"], "add_target")
        self.assertEqual(sum(1 for x in recs if x["type"] == "tick" and x["final"]), 1)
        # the thread's CPU time at each wait's entry and return: a counter that
        # only moves forward, from one wait to the next of the same thread
        waits = [x for x in recs if x["type"] == "wait"]
        self.assertEqual(len(waits), WAKES, compact(waits[-3:]))
        last = {}
        for w in waits:
            self.assertGreaterEqual(w["cpu_exit"], w["cpu_enter"], compact(w))
            self.assertGreaterEqual(w["cpu_enter"], last.get(w["tid"], 0), compact(w))
            last[w["tid"]] = w["cpu_exit"]
        # 0 until the scheduler first updates a new thread's count; not after WAKES rounds
        self.assertEqual(len(last), 1, compact(last))
        self.assertGreater(list(last.values())[0], 0, compact(waits[-1]))
        # "-o -" is stdout, the same lines
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "jsonl", "-o", "-"], REPLAY_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual([json.loads(l) for l in r.stdout.splitlines()], recs)
        self.assertFalse(os.path.exists("-"))
        # a window: only records in the first 0 s .. 0.0 s (the seeds at the start)
        first = min(x["ts"] for x in recs)
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "jsonl", "--from", "0",
                         "--to", "0", "-o", out], REPLAY_TIMEOUT)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            cut = [json.loads(l) for l in f]
        self.assertEqual(len(cut), sum(1 for x in recs if x["ts"] == first))
        self.assertGreaterEqual(len(cut), 1)

    # ------------------------------------------------------------ bad files

    def test_bad_files(self):
        path, _ = self.record_waker()
        with open(path, "rb") as f:
            data = f.read()
        blks = blocks(data)
        self.assertGreaterEqual(len(blks), 2)
        _, nrec, _ = self.replay_final(path)

        def write(name, content):
            p = self.tmp(name)
            with open(p, "wb") as f:
                f.write(content)
            return p

        def one_line(r):
            lines = [l for l in r.stderr.splitlines() if l.strip()]
            self.assertEqual(len(lines), 1, f"want one stderr line:\n{r.stderr}")
            return lines[0]

        # cut inside the last records block: exit 0, what is whole, what was lost
        off, length = blks[-2]
        cut = write("cut.trace", data[:off + BLOCK_HDR + 10])
        r, out = self.replay(cut)
        lost = f"loopscope: {cut}: cut short: the last block (offset {off}) has " \
               f"{BLOCK_HDR + 10} of its {length} bytes; read "
        self.assertIn(lost, r.stderr)
        self.assertTrue(os.path.getsize(out) > 0)
        cut = write("cut2.trace", data[:off + 10])
        r, out = self.replay(cut)
        lost = f"loopscope: {cut}: cut short: the last block (offset {off}) has 10 bytes " \
               f"of its 32-byte header; read "
        self.assertIn(lost, r.stderr)
        # the end block gone: not closed
        noend = write("noend.trace", data[:blks[-1][0]])
        r, _ = self.replay(noend)
        self.assertIn(f"loopscope: {noend}: not closed (no end block after offset "
                      f"{blks[-1][0]}): read {nrec} records", r.stderr)
        # a flipped bit: exit 1, the block's offset
        flipped = bytearray(data)
        flipped[blks[0][0] + BLOCK_HDR + 5] ^= 0x04
        bad = write("flip.trace", bytes(flipped))
        for cmd in (["replay", bad, "--json", "--speed", "max", "-o", bad + ".out"],
                    ["export", bad, "--format", "perfetto", "-o", bad + ".json"]):
            r = run_briefly([LOOPSCOPE, *cmd])
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(one_line(r), f"loopscope: {bad}: corrupt block at offset "
                                          f"{blks[0][0]} (checksum mismatch)")
        self.assertFalse(os.path.exists(bad + ".json"), "no half export")
        # another format; a newer version; nothing at all
        png = write("x.png", b"\x89PNG\r\n\x1a\n" + bytes(100))
        r = run_briefly([LOOPSCOPE, "replay", png])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(one_line(r), f"loopscope: {png}: not a loopscope trace (bad magic at offset 0)")
        newer = bytearray(data)
        newer[8:12] = struct.pack("<HH", 2, 0)
        nv = write("newer.trace", bytes(newer))
        r = run_briefly([LOOPSCOPE, "export", nv, "--format", "jsonl", "-o", nv + ".jsonl"])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(one_line(r), f"loopscope: {nv}: trace format version 2.0 is newer than "
                                      f"this loopscope reads (1.x)")
        missing = path + ".missing"
        r = run_briefly([LOOPSCOPE, "replay", missing])
        self.assertEqual(r.returncode, 1)
        self.assertEqual(one_line(r), f"loopscope: {missing}: No such file or directory")
        # bad usage: 2
        for argv in (["replay"], ["replay", path, "--speed", "0"], ["export", path, "-o", "x"],
                     ["export", path, "--format", "svg", "-o", "x"], ["export", path,
                     "--format", "jsonl"], ["replay", path, path]):
            r = run_briefly([LOOPSCOPE, *argv])
            self.assertEqual(r.returncode, 2, f"{argv}: {r.stderr}")

    # ------------------------------------------------------------ secrets and bad input

    def test_socketpair_trace_holds_no_kernel_address(self):
        """Attached to asyncio, whose self-pipe is a socketpair made before
        attach: the fd walk reads each end's peer, a kernel address.  No
        export of the trace holds one, and the replay pairs the two ends as
        the live run did."""
        path = self.tmp("asyncio.trace")
        wl = Proc([sys.executable, ASYNCIO, ASYNCIO_WAKES], stdin=subprocess.PIPE)
        self.addCleanup(wl.stop)
        self.read_line(wl, "ready ")
        col = self.start_collector("attach", "--record", path, wl.pid)
        col.wait_attached()
        wl.popen.stdin.write(b"go\n")
        wl.popen.stdin.close()
        self.wait_workload(wl, WORKLOAD_TIMEOUT)
        self.assertEqual(col.wait_exit(EXIT_TIMEOUT), 0, col.describe())
        live = col.final()
        test_e2e.expect_no_drops(live)
        for fmt, out in (("jsonl", path + ".jsonl"), ("perfetto", path + ".json")):
            r = run_briefly([LOOPSCOPE, "export", path, "--format", fmt, "-o", out], REPLAY_TIMEOUT)
            self.assertEqual(r.returncode, 0, r.stderr)
            with open(out) as f:
                docs = [json.loads(l) for l in f if l.strip()] if fmt == "jsonl" else [json.load(f)]
            found = kernel_addresses(docs)
            self.assertEqual(found, [], f"kernel addresses in the {fmt} export")
            if fmt == "jsonl":
                socks = [d for d in docs if d["type"] == "fd_info" and d["kind"] == "socket"]
                self.assertEqual(len(socks), 2, socks)   # the two ends, each naming the other
                self.assertEqual({d["peer"] for d in socks}, {d["obj"] for d in socks})
        replayed, _, _ = self.replay_final(path)
        pid = only(section(live, "targets"), "target")["pid"]
        lw = only(pick(section(live, "wakers"), pid=pid), "the live self-pipe")
        rw = only(pick(section(replayed, "wakers"), pid=pid), "the replayed self-pipe")
        self.assertEqual(lw["kind"], "socketpair")
        for k in ("kind", "writes", "reads", "wakes"):
            self.assertEqual(rw[k], lw[k], k)

    def test_trace_with_no_records(self):
        path = self.tmp("empty.trace")
        with open(path, "wb") as f:
            f.write(header_only())
        r = run_briefly([LOOPSCOPE, "replay", path, "--json", "--speed", "max", "-o", path + ".out"])
        self.assertEqual((r.returncode, r.stderr), (1, f"loopscope: {path}: holds no records, "
                                                       "nothing to replay\n"))
        out = path + ".json"
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "perfetto", "-o", out])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            doc = json.load(f)
        self.assertEqual([e["name"] for e in doc["traceEvents"]], ["process_name"])

    def test_far_future_timestamp_replays_at_once(self):
        """One record 3.26 days ahead (checksums valid): the empty ticks
        before it cost nothing and print nothing."""
        path, _ = self.record_waker()
        with open(path, "rb") as f:
            data = f.read()
        _, out = self.replay(path)
        with open(out) as f:
            normal = sum(1 for l in f if l.strip())
        bad = self.tmp("future.trace")
        with open(bad, "wb") as f:
            f.write(move_record(data, int(3.26 * 86400 * 1e9)))
        t0 = time.monotonic()
        r, out = self.replay(bad)
        took = time.monotonic() - t0
        with open(out) as f:
            lines = [json.loads(l) for l in f if l.strip()]
        print(f"     far-future record: replay took {took:.2f} s, {len(lines)} ticks "
              f"({normal} without it)", flush=True)
        self.assertLess(took, 1.0)
        self.assertLessEqual(len(lines), normal + 1)   # the tick that holds it, at most
        self.assertTrue(lines[-1]["final"])

    def test_outputs_never_follow_a_planted_link(self):
        """nobody plants a link (and a file) in a directory anyone may write,
        as /tmp: root's --record and -o refuse them, in one line, and the
        file the link names is untouched."""
        nobody = pwd.getpwnam("nobody")
        d = tempfile.mkdtemp(prefix="loopscope-plant-")
        self.addCleanup(shutil.rmtree, d, True)
        os.chmod(d, 0o1777)
        secret = os.path.join(d, "root-only")
        with open(secret, "w") as f:
            f.write("root's\n")
        os.chmod(secret, 0o600)
        link = os.path.join(d, "trace")
        planted = os.path.join(d, "planted")
        drop = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}", "--clear-groups"]
        r = run_briefly([*drop, "sh", "-c", f"ln -s {secret} {link} && : > {planted}"])
        self.assertEqual(r.returncode, 0, r.stderr)
        waker = test_e2e.workload("waker")
        for argv, target, why in (
                (["run", "--record", link, "--", waker, "10"], link,
                 "it is another user's symbolic link (not followed: remove it or choose another path)"),
                (["run", "--json", "-o", link, "--", waker, "10"], link,
                 "it is another user's symbolic link (not followed: remove it or choose another path)"),
                (["run", "--record", planted, "--", waker, "10"], planted,
                 f"it belongs to uid {nobody.pw_uid}, not to this user (remove it or choose "
                 "another path)")):
            r = run_briefly([LOOPSCOPE, *argv], EXIT_TIMEOUT)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertEqual(r.stderr, f"loopscope: cannot write {target}: {why}\n", argv)
        with open(secret) as f:
            self.assertEqual(f.read(), "root's\n")
        self.assertEqual(os.path.getsize(planted), 0)
        path, _ = self.record_waker()
        r = run_briefly([LOOPSCOPE, "export", path, "--format", "jsonl", "-o", link])
        self.assertEqual((r.returncode, r.stderr), (1, f"loopscope: cannot write {link}: it is another "
                         "user's symbolic link (not followed: remove it or choose another path)\n"))

    # ------------------------------------------------------------ signals

    def test_sigkill_recording_replays(self):
        path = self.tmp("killed.trace")
        col = self.start_collector("run", "--record", path, "--", test_e2e.workload("waker"), 100000)
        # wait for a few ticks' blocks on disk
        deadline = time.monotonic() + ATTACH_TIMEOUT + 10
        while time.monotonic() < deadline:
            if os.path.exists(path) and len(blocks(open(path, "rb").read())) >= 3:
                break
            time.sleep(0.1)
        else:
            self.fail("the recording did not grow\n" + col.describe())
        os.killpg(col.pid, signal.SIGKILL)
        col.wait(EXIT_TIMEOUT)
        r, out = self.replay(path)
        self.assertRegex(r.stderr, rf"loopscope: {re.escape(path)}: (not closed|cut short)")
        with open(out) as f:
            final = [json.loads(l) for l in f][-1]
        self.assertTrue(final["final"])
        self.assertGreater(final["records"], 0)
        waker = only(section(final, "wakers"), "waker")
        self.assertGreater(waker["wakes"], 0)

    def test_sigterm_closes_whole(self):
        path = self.tmp("term.trace")
        col = self.start_collector("run", "--record", path, "--", test_e2e.workload("waker"), 100000)
        col.wait_attached()
        time.sleep(0.5)
        os.kill(col.pid, signal.SIGTERM)
        col.wait_exit(EXIT_TIMEOUT)
        self.assertRegex(col.err.text(), rf"recorded \d+ records to {re.escape(path)}")
        r, _ = self.replay(path)
        self.assertNotIn("not closed", r.stderr)
        self.assertNotIn("cut short", r.stderr)
        with open(path, "rb") as f:
            data = f.read()
        last_off, last_len = blocks(data)[-1]
        self.assertEqual(struct.unpack_from("<I", data, last_off + 4)[0], 2, "an end block last")
        self.assertEqual(last_off + last_len, len(data))


if __name__ == "__main__":
    sys.exit(test_e2e.run_suite(Trace, sys.argv))
