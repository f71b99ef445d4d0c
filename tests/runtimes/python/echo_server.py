#!/usr/bin/python3
"""echo_server.py PORT SECONDS: a healthy asyncio (streams) TCP echo server.

Run it with Debian's /usr/bin/python3 (3.11), as every program here:
    /usr/bin/python3 echo_server.py PORT SECONDS

Listens on 127.0.0.1:PORT with asyncio.start_server and echoes what each
connection sends (read up to 64 KiB, write, drain) until the peer closes.
Beside it a housekeeping task wakes every 20 ms (asyncio.sleep) and counts
the open connections: a loop that always has a timer pending, as real
servers do. Prints "ready" once listening; after SECONDS (1..25) it closes
the listener and the connections left, prints "done conns=N bytes=B" and
leaves with os._exit(0) right after the loop returns (no interpreter
teardown: tens of ms on CPU after the last epoll wait would look like a loop
stall). An unexpected error: one line on stderr, exit 1; usage: exit 2; a
30 s watchdog (SIGALRM) exits 3.

Load: echo_load PORT CONNS MSGS SIZE [PAUSE_MS] (tests/runtimes/echo_load.c)
"""
import asyncio
import os
import signal
import sys


def die(msg, status=1):
    sys.stderr.write(f"echo_server.py: {msg}\n")
    sys.stderr.flush()
    os._exit(status)


def watchdog(signum, frame):
    die("watchdog: still running after 30 s", 3)


conns = 0
nbytes = 0
open_writers = set()
max_open = 0


async def handle(reader, writer):
    global conns, nbytes
    conns += 1
    open_writers.add(writer)
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
            nbytes += len(data)
    except (ConnectionResetError, BrokenPipeError):
        pass  # the peer's doing: not this server's failure
    finally:
        open_writers.discard(writer)
        writer.close()


async def housekeeping():
    global max_open
    while True:
        await asyncio.sleep(0.02)
        max_open = max(max_open, len(open_writers))


async def main(port, secs):
    try:
        server = await asyncio.start_server(handle, "127.0.0.1", port)
    except OSError as e:
        die(f"listen 127.0.0.1:{port}: {e.strerror}")
    hk = asyncio.create_task(housekeeping())
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.sleep(secs)
    server.close()
    for w in list(open_writers):
        w.close()
    hk.cancel()
    if hk.done() and not hk.cancelled() and hk.exception():
        die(f"housekeeping: {hk.exception()!r}")


def run():
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(30)
    try:
        port, secs = int(sys.argv[1]), int(sys.argv[2])
        if len(sys.argv) != 3 or not 1 <= port <= 65535 or not 1 <= secs <= 25:
            raise ValueError
    except (IndexError, ValueError):
        die("usage: /usr/bin/python3 echo_server.py PORT SECONDS (SECONDS 1..25)", 2)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main(port, secs))
    except Exception as e:  # anything unexpected: one line
        die(f"{type(e).__name__}: {e}")
    sys.stdout.write(f"done conns={conns} bytes={nbytes}\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    run()
