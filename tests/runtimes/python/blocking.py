#!/usr/bin/python3
"""blocking.py bug|fix: an asyncio loop blocked by time.sleep in a coroutine
(loopscope's blocking-in-loop diagnosis), and its fix.

Run it with Debian's /usr/bin/python3 (3.11), as every program here:
    /usr/bin/python3 blocking.py bug|fix

A periodic task wakes every 10 ms (asyncio.sleep) and keeps the loop
turning. Ten times, every 100 ms, a coroutine spends 40 ms:
  bug: time.sleep(0.04) -- the loop thread sleeps 40 ms in clock_nanosleep(2)
       between two of the selector's epoll waits;
  fix: await asyncio.sleep(0.04) -- the same 40 ms as a timer: the loop
       sleeps in epoll_wait instead.
Prints "ready" at start and "done MODE max_gap_ms=G" (the longest the 10 ms
task went without running) at the end, and leaves with os._exit(0) right
after the loop returns: interpreter teardown costs tens of ms on CPU that
would look like a loop stall. In bug mode a sleep shorter than 35 ms is an
unexpected result (one line on stderr, exit 1); usage: exit 2; a 30 s
watchdog (SIGALRM) exits 3.
"""
import asyncio
import os
import signal
import sys
import time

ROUNDS, PERIOD, BLOCK = 10, 0.1, 0.04


def die(msg, status=1):
    sys.stderr.write(f"blocking.py: {msg}\n")
    sys.stderr.flush()
    os._exit(status)


def watchdog(signum, frame):
    die("watchdog: still running after 30 s", 3)


max_gap = 0.0


async def periodic():
    global max_gap
    last = time.monotonic()
    while True:
        await asyncio.sleep(0.01)
        now = time.monotonic()
        max_gap = max(max_gap, now - last)
        last = now


async def work(mode, i):
    if mode == "bug":
        t0 = time.monotonic()
        time.sleep(BLOCK)  # the bug: a blocking call on the loop thread
        took = time.monotonic() - t0
        if took < BLOCK - 0.005:
            die(f"round {i}: time.sleep({BLOCK}) returned after {took * 1000:.1f} ms")
    else:
        await asyncio.sleep(BLOCK)


async def main(mode):
    tick = asyncio.create_task(periodic())
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    start = time.monotonic()
    for i in range(1, ROUNDS + 1):
        wait = start + i * PERIOD - BLOCK - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        await work(mode, i)
    tick.cancel()


def run():
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(30)
    if len(sys.argv) != 2 or sys.argv[1] not in ("bug", "fix"):
        die("usage: /usr/bin/python3 blocking.py bug|fix", 2)
    mode = sys.argv[1]
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main(mode))
    except Exception as e:  # anything unexpected: one line
        die(f"{type(e).__name__}: {e}")
    sys.stdout.write(f"done {mode} max_gap_ms={max_gap * 1000:.1f}\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    run()
