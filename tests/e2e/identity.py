#!/usr/bin/env python3
"""identity.py - checks of the identity rules over `loopscope --json` ticks.

Used by the e2e tests (test_identity.py) and by hand on a real program:

    python3 tests/e2e/identity.py out.jsonl    # prints what breaks a rule, exits 1 if any

Rules, every tick:
  - no id names two objects: an id is on one row of one list, and an
    interest list calls an object by the kind its own row has;
  - across ticks, an id that names a socket always names the same one (its
    addresses never change once known, its byte counts never go back);
  - every TCP connection that moved data has both addresses;
  - a live task's polling time never decreases.
"""
import json
import sys

LISTS = {"reactors": "r", "wakers": "w", "sockets": "s"}


def ticks(path):
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                yield json.loads(line)


def check(ticks_iter):
    """A list of problems, each one line; empty when every rule held."""
    problems = []
    polling = {}
    sock_seen = {}
    n = 0
    for j in ticks_iter:
        n += 1
        t = j.get("tick")
        kinds = {}
        for name, prefix in LISTS.items():
            for o in j.get(name, []):
                oid = o["id"]
                if oid in kinds:
                    problems.append("tick %s: id %s on two rows (%s, %s)" % (t, oid, kinds[oid][0], name))
                kinds[oid] = (name, o.get("kind", name))
                if not oid.startswith(prefix + ":"):
                    problems.append("tick %s: %s id %s" % (t, name, oid))
        for r in j.get("reactors", []):
            for e in r.get("interest", []):
                oid = e.get("object")
                if oid and oid in kinds:
                    lst, kind = kinds[oid]
                    want = "socket" if lst == "sockets" else kind if lst == "wakers" else "epoll"
                    if e["kind"] != want:
                        problems.append("tick %s: %s is a %s row, a %s in the interest of %s" %
                                        (t, oid, want, e["kind"], r["id"]))
        for s in j.get("sockets", []):
            moved = s["read"]["bytes"] + s["write"]["bytes"]
            if s.get("family") == "inet" and s.get("type") == "stream" and moved:
                if not s.get("local") or s["local"].endswith(":0") or not s.get("remote"):
                    problems.append("tick %s: socket %s moved %d bytes, addresses %r -> %r" %
                                    (t, s["id"], moved, s.get("local"), s.get("remote")))
            prev = sock_seen.get(s["id"])
            if prev:
                if prev["remote"] and (s["remote"] != prev["remote"] or s["local"] != prev["local"]):
                    problems.append("tick %s: id %s was %s->%s, now %s->%s" %
                                    (t, s["id"], prev["local"], prev["remote"], s["local"], s["remote"]))
                if (s["read"]["bytes"] < prev["read"]["bytes"] or
                        s["write"]["bytes"] < prev["write"]["bytes"]):
                    problems.append("tick %s: id %s's bytes went back" % (t, s["id"]))
            sock_seen[s["id"]] = s
        for task in j.get("tasks", []):
            if not task.get("alive", True):
                continue
            p = task["time"]["polling"]
            if task["tid"] in polling and p < polling[task["tid"]]:
                problems.append("tick %s: tid %d polling %d < %d the tick before" %
                                (t, task["tid"], p, polling[task["tid"]]))
            polling[task["tid"]] = p
    if not n:
        problems.append("no ticks")
    return problems


def main():
    problems = check(ticks(sys.argv[1]))
    for p in problems[:50]:
        print(p)
    if len(problems) > 50:
        print("... %d more" % (len(problems) - 50))
    print("%d problems" % len(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
