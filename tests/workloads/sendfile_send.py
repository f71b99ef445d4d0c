#!/usr/bin/env python3
"""sendfile_send.py SIZE: a file's SIZE bytes sent over a loopback TCP
connection with sendfile(2), as nginx sends a static file's body; a second
thread reads them all from the other end.

Prints "done SIZE CALLS PORT": the bytes sent, the sendfile calls that sent
them (each returned more than 0) and the listening port.
"""
import os
import socket
import sys
import tempfile
import threading


def main():
    if len(sys.argv) != 2 or not sys.argv[1].isdigit():
        sys.exit("usage: sendfile_send.py SIZE")
    size = int(sys.argv[1])
    with tempfile.TemporaryFile() as f:
        f.write(bytes(i % 251 for i in range(size)))
        f.flush()
        lsn = socket.create_server(("127.0.0.1", 0))
        port = lsn.getsockname()[1]
        got = []

        def receive():
            conn, _ = lsn.accept()
            n = 0
            while True:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                n += len(chunk)
            got.append(n)
            conn.close()

        rx = threading.Thread(target=receive)
        rx.start()
        out = socket.create_connection(("127.0.0.1", port))
        sent = calls = 0
        while sent < size:
            n = os.sendfile(out.fileno(), f.fileno(), sent, size - sent)
            if n <= 0:
                sys.exit(f"sendfile_send: sendfile returned {n} after {sent} bytes")
            sent += n
            calls += 1
        out.close()
        rx.join()
        lsn.close()
        if got != [size]:
            sys.exit(f"sendfile_send: the reader got {got}, not [{size}]")
    print(f"done {size} {calls} {port}", flush=True)


if __name__ == "__main__":
    main()
