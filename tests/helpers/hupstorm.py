#!/usr/bin/env python3
"""hupstorm.py PID PPID PORT CAFILE N: N TLS echo connections, one after the
other, to 127.0.0.1:PORT while PID gets SIGHUP every 20 ms (only while its
parent is still PPID: a PID reused by someone else is left alone). Prints
how many were served. Every connection is bounded by a 10 s timeout."""
import os
import signal
import socket
import ssl
import sys
import threading

pid, ppid, port, cafile, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], int(sys.argv[5])


def ours():
    try:
        with open("/proc/%d/stat" % pid) as f:
            return int(f.read().rsplit(")", 1)[1].split()[1]) == ppid
    except OSError:
        return False


stop = threading.Event()


def hup():
    while not stop.wait(0.02) and ours():
        os.kill(pid, signal.SIGHUP)


th = threading.Thread(target=hup)
th.start()
ctx = ssl.create_default_context(cafile=cafile)
served = 0
for i in range(n):
    msg = b"n%d\n" % i
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            with ctx.wrap_socket(s, server_hostname="localhost") as t:
                t.sendall(msg)
                got = b""
                while len(got) < len(msg):
                    d = t.recv(64)
                    if not d:
                        break
                    got += d
                served += got == msg
    except (OSError, ssl.SSLError):
        pass
stop.set()
th.join()
print(served)
