#!/usr/bin/env python3
"""A tiny ident (RFC 1413) responder for tests, loopback only.

identd.py ADDR READYFILE [--user NAME] [--silent] [--lifetime SECONDS]

Listens on ADDR port 113, writes READYFILE when ready, and answers each query
"PORT , PORT" with "PORT , PORT : USERID : UNIX : NAME". With --silent it
accepts and reads but never answers (for the -t timeout). Logs queries to stderr.
"""
import argparse
import os
import socket
import sys
import threading
import time


def serve(c, a):
    c.settimeout(a.lifetime)
    try:
        q = c.recv(1000).decode("latin-1").strip()
        sys.stderr.write("identd: query %r\n" % q)
        if a.silent:
            time.sleep(a.lifetime)
            return
        c.sendall(("%s : USERID : UNIX : %s\r\n" % (q.replace(" ", ""), a.user)).encode())
    except OSError:
        pass
    finally:
        c.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("addr")
    p.add_argument("ready")
    p.add_argument("--user", default="alice")
    p.add_argument("--silent", action="store_true")
    p.add_argument("--lifetime", type=float, default=60)
    a = p.parse_args()
    fam = socket.AF_INET6 if ":" in a.addr else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((a.addr, 113))
    s.listen(16)
    with open(a.ready + ".tmp", "w") as f:
        f.write("ready\n")
    os.rename(a.ready + ".tmp", a.ready)
    end = time.monotonic() + a.lifetime
    while time.monotonic() < end:
        s.settimeout(max(0.1, end - time.monotonic()))
        try:
            c, _ = s.accept()
        except socket.timeout:
            break
        threading.Thread(target=serve, args=(c, a), daemon=True).start()


if __name__ == "__main__":
    main()
