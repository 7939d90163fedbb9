#!/usr/bin/env python3
"""listenfd.py [--systemd] [--nonblock] [--keep FD] [--portfile FILE] prog...: creates a
TCP socket listening on 127.0.0.1 (a free port), puts it on descriptor 0 (as
inetd's wait mode and s6-fdholder hand it over) or with --systemd on
descriptor 3 with LISTEN_PID (our own pid, which prog keeps) and LISTEN_FDS=1,
writes the port to FILE, closes every other descriptor above 2 (but the --keep
ones) and execs prog."""
import argparse
import os
import socket

ap = argparse.ArgumentParser()
ap.add_argument("--systemd", action="store_true")
ap.add_argument("--nonblock", action="store_true")
ap.add_argument("--portfile")
ap.add_argument("--keep", type=int, action="append", default=[])
ap.add_argument("prog", nargs=argparse.REMAINDER)
a = ap.parse_args()
if not a.prog:
    ap.error("no program")

s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(16)
if a.nonblock:
    s.setblocking(False)
if a.portfile:
    with open(a.portfile + ".tmp", "w") as f:
        f.write("%d\n" % s.getsockname()[1])
    os.rename(a.portfile + ".tmp", a.portfile)
target = 3 if a.systemd else 0
if s.fileno() != target:
    os.dup2(s.fileno(), target)
os.set_inheritable(target, True)  # the socket may have been created on target
for fd in a.keep:
    os.set_inheritable(fd, True)
for fd in os.listdir("/proc/self/fd"):
    fd = int(fd)
    if fd > 2 and fd != target and fd not in a.keep:
        try:
            os.close(fd)
        except OSError:
            pass
if a.systemd:
    os.environ["LISTEN_PID"] = str(os.getpid())
    os.environ["LISTEN_FDS"] = "1"
    os.environ["LISTEN_FDNAMES"] = "test"
os.execvp(a.prog[0], a.prog)
