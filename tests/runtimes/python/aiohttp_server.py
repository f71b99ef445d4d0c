#!/usr/bin/python3
"""aiohttp_server.py PORT SECONDS: a healthy aiohttp web server.

Run it with Debian's /usr/bin/python3 (3.11, with python3-aiohttp; the
python3 first on PATH may lack aiohttp):
    /usr/bin/python3 aiohttp_server.py PORT SECONDS

Listens on 127.0.0.1:PORT (web.AppRunner + web.TCPSite, no access log) and
answers GET / with the 13-byte body "hello, world\\n" (anything else: 404).
Prints "ready" once listening; after SECONDS (1..25) prints
"done requests=N" and leaves with os._exit(0) right after the loop returns
(no interpreter teardown, which would look like a loop stall; the kernel
closes the sockets). An unexpected error: one line on stderr, exit 1;
usage: exit 2; a 30 s watchdog (SIGALRM) exits 3.

Load: wrk -t2 -c20 -d2s http://127.0.0.1:PORT/
"""
import asyncio
import os
import signal
import sys


def die(msg, status=1):
    sys.stderr.write(f"aiohttp_server.py: {msg}\n")
    sys.stderr.flush()
    os._exit(status)


try:
    from aiohttp import web
except ImportError:
    die(f"no aiohttp in {sys.executable}: run with /usr/bin/python3 (python3-aiohttp)")

BODY = b"hello, world\n"
requests = 0


async def hello(request):
    global requests
    requests += 1
    return web.Response(body=BODY, content_type="text/plain")


async def main(port, secs):
    app = web.Application()
    app.router.add_get("/", hello)  # also answers HEAD
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", port)
    try:
        await site.start()
    except OSError as e:
        die(f"listen 127.0.0.1:{port}: {e.strerror}")
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    await asyncio.sleep(secs)


def watchdog(signum, frame):
    die("watchdog: still running after 30 s", 3)


def run():
    signal.signal(signal.SIGALRM, watchdog)
    signal.alarm(30)
    try:
        port, secs = int(sys.argv[1]), int(sys.argv[2])
        if len(sys.argv) != 3 or not 1 <= port <= 65535 or not 1 <= secs <= 25:
            raise ValueError
    except (IndexError, ValueError):
        die("usage: /usr/bin/python3 aiohttp_server.py PORT SECONDS (SECONDS 1..25)", 2)
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main(port, secs))
    except Exception as e:  # anything unexpected: one line
        die(f"{type(e).__name__}: {e}")
    sys.stdout.write(f"done requests={requests}\n")
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    run()
