#!/usr/bin/env python3
"""hostile_viewer.py SOCKET MODE ARG: a viewer that tries to hurt the
collector (docs/protocol.md), as any user allowed on the socket could.
Prints one JSON line of what it did and what it was answered.

  churn N     connect and close N times, reading nothing
  hold N      open N connections and keep them, unread, until stdin closes
              (each answered with an error instead of a welcome is counted
              in "refused", its text in "errors")
  dumps SEC   8 connections asking for a dump as fast as the answers come,
              for SEC seconds
"""
import json
import os
import socket
import struct
import sys
import time


def frame(obj):
    data = json.dumps(obj).encode()
    return struct.pack(">I", len(data)) + data


def read_frame(s):
    head = b""
    while len(head) < 4:
        chunk = s.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    n = struct.unpack(">I", head)[0]
    body = bytearray()
    while len(body) < n:
        chunk = s.recv(min(1 << 20, n - len(body)))
        if not chunk:
            return None
        body += chunk
    cut = body.find(b',"state":')
    if cut > 0:   # the head only: parsing a state of megabytes would make this viewer slow
        return json.loads(bytes(body[:cut]) + b"}")
    return json.loads(body)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    return s


def churn(path, n):
    failed = 0
    for _ in range(n):
        try:
            connect(path).close()
        except OSError:
            failed += 1
    return {"connected": n - failed, "failed": failed}


def hold(path, n):
    held, refused, errors = [], 0, set()
    for _ in range(n):
        s = connect(path)
        s.settimeout(10)
        # a refusal is one small error frame, then EOF; a welcome starts
        # with its own type
        head = s.recv(4, socket.MSG_PEEK | socket.MSG_WAITALL)
        m = None
        if len(head) == 4 and struct.unpack(">I", head)[0] < 4096:
            m = read_frame(s)
        if m and m.get("type") == "error":
            refused += 1
            errors.add(m["error"])
            s.close()
        else:
            held.append(s)
    print(json.dumps({"held": len(held), "refused": refused, "errors": sorted(errors)}), flush=True)
    sys.stdin.read()
    for s in held:
        s.close()
    return None


def dumps(path, secs):
    conns = [connect(path) for _ in range(8)]
    for c in conns:
        c.settimeout(10)
        read_frame(c)   # the welcome
    got = {"reply": 0, "error": 0}
    errors = set()
    end = time.monotonic() + secs
    i = 0
    while time.monotonic() < end:
        for c in conns:   # two at once: the second always in the same tick
            c.sendall(frame({"v": 1, "type": "dump", "id": i + 1}) +
                      frame({"v": 1, "type": "dump", "id": i + 2}))
        i += 2
        for c in conns:
            answers = 0
            while answers < 2:
                m = read_frame(c)
                if m is None:
                    raise SystemExit("the collector closed a dumping viewer")
                if m.get("type") in ("reply", "error") and m.get("id") is not None:
                    got[m["type"]] += 1
                    answers += 1
                    if m["type"] == "error":
                        errors.add(m["error"])
    for c in conns:
        c.close()
    return {"dumps": got["reply"], "refused": got["error"], "errors": sorted(errors)}


def main():
    path, mode, arg = sys.argv[1], sys.argv[2], sys.argv[3]
    out = {"churn": churn, "hold": hold, "dumps": dumps}[mode](path, float(arg) if mode == "dumps"
                                                              else int(arg))
    if out is not None:
        print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
