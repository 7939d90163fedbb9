#!/usr/bin/env python3
"""sockopts.py PID: for each TCP socket process PID holds, prints
"LOCALIP LOCALPORT PEERIP PEERPORT nodelay=N ipoptions=HEX" (a listening
socket shows "-" as peer). The sockets are borrowed with pidfd_getfd(2), so
this needs root (or ptrace rights) and Linux 5.6 or later."""
import ctypes
import os
import socket
import sys

SYS_pidfd_getfd = 438  # the same number on every Linux architecture


def main():
    pid = int(sys.argv[1])
    libc = ctypes.CDLL(None, use_errno=True)
    pidfd = os.pidfd_open(pid)
    for name in sorted(os.listdir("/proc/%d/fd" % pid), key=int):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, name))
        except OSError:
            continue
        if not link.startswith("socket:"):
            continue
        fd = libc.syscall(SYS_pidfd_getfd, pidfd, int(name), 0)
        if fd < 0:
            sys.exit("sockopts: pidfd_getfd: %s" % os.strerror(ctypes.get_errno()))
        s = socket.socket(fileno=fd)
        try:
            if s.type != socket.SOCK_STREAM or s.family not in (socket.AF_INET, socket.AF_INET6):
                continue
            local = s.getsockname()
            try:
                peer = s.getpeername()
            except OSError:
                peer = ("-", "-")
            nodelay = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
            opts = b""
            if s.family == socket.AF_INET:
                opts = s.getsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, 40)
            print("%s %s %s %s nodelay=%d ipoptions=%s" % (
                local[0], local[1], peer[0], peer[1], 1 if nodelay else 0, opts.hex() or "-"))
        finally:
            s.close()


if __name__ == "__main__":
    main()
