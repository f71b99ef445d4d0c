#!/usr/bin/env python3
"""asyncio_wake.py N: Python asyncio's self-pipe (a socketpair) woken N times.

A worker thread wakes the event loop with call_soon_threadsafe, one wake at
a time: the callback asks for the next only on the loop's following
iteration, after the loop has drained the self-pipe, so every write wakes
one wait of its own and none coalesces. Then one more call_soon_threadsafe
stops the loop: N + 1 writes, wakes and reads of the self-pipe in all, each
from the worker to the loop.

Prints "ready LOOP_TID" once the loop (and its self-pipe) exists, waits for
a line (or EOF) on stdin so a tracer can attach, and ends with
"done N WORKER_TID".
"""
import asyncio
import os
import sys
import threading


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: asyncio_wake.py N")
    n = int(sys.argv[1])
    loop = asyncio.new_event_loop()
    next_one = threading.Event()
    worker_tid = []

    def woken():
        # on the loop's next iteration: its read of the self-pipe is done
        loop.call_soon(next_one.set)

    def worker():
        worker_tid.append(threading.get_native_id())
        sys.stdin.readline()
        for _ in range(n):
            next_one.clear()
            loop.call_soon_threadsafe(woken)
            if not next_one.wait(10):
                sys.exit("asyncio_wake: the loop did not run the callback within 10 s")
        loop.call_soon_threadsafe(loop.stop)

    print(f"ready {threading.get_native_id()}", flush=True)
    t = threading.Thread(target=worker)
    t.start()
    loop.run_forever()
    t.join()
    loop.close()
    print(f"done {n} {worker_tid[0]}", flush=True)
    # No interpreter teardown: after its last wait the loop's thread would
    # run it (15-30 ms of CPU under load), which loopscope rightly reports
    # as a thread that polled and then ran long on CPU (blocking-in-loop);
    # the test asserts a healthy loop has no warning.
    os._exit(0)


if __name__ == "__main__":
    main()
