#!/usr/bin/env python3
"""Idle and slow clients for the wait-set tests and by-hand measurements.

slowclients.py HOST PORT [--bind ADDR] [--silent N] [--drip M] [--interval S]
               [--ready FILE] [--hold FILE] [--timeout S]

Opens N connections that never send a byte and M that send one byte of a
TLS record header (announcing a 16 KB record that never comes whole) every
--interval seconds. Once all are open, creates --ready; keeps them until
--hold exists or --timeout passes, then prints "open K closed C": how many
the server still held and how many it had closed.

slowclients.py HOST PORT --drip-hello --delay S [--send X --expect Y]
  one TLS client whose ClientHello goes out one byte every S seconds; then
  the handshake as usual, sends X, reads until Y; prints what it read.
  Exit 0 when Y was seen, 2 on a failed handshake or close.
"""
import argparse
import os
import select
import socket
import ssl
import sys
import time


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--bind", default=None)
    p.add_argument("--silent", type=int, default=0)
    p.add_argument("--drip", type=int, default=0)
    p.add_argument("--interval", type=float, default=2.0)
    p.add_argument("--ready", default=None)
    p.add_argument("--hold", default=None)
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--drip-hello", action="store_true")
    p.add_argument("--delay", type=float, default=0.05)
    p.add_argument("--send", default="")
    p.add_argument("--expect", default="")
    return p.parse_args()


def connect(a):
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if a.bind:
        s.bind((a.bind, 0))
    s.settimeout(10)
    s.connect((a.host, a.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


HEADER = b"\x16\x03\x01\x40\x00"


def hold(a):
    end = time.monotonic() + a.timeout
    socks, sent = [], {}
    for i in range(a.silent + a.drip):
        try:
            s = connect(a)
        except OSError as e:
            sys.stderr.write("slowclients: connect %d: %s\n" % (i, e))
            continue
        socks.append(s)
        if i >= a.silent:
            sent[s] = 0
    if a.ready:
        open(a.ready, "w").close()
    closed = set()
    next_drip = time.monotonic()
    while time.monotonic() < end and not (a.hold and os.path.exists(a.hold)):
        if time.monotonic() >= next_drip:
            for s, n in sent.items():
                if s in closed:
                    continue
                try:
                    s.send(HEADER[n:n + 1] if n < len(HEADER) else b"\x42")
                    sent[s] = n + 1
                except OSError:
                    closed.add(s)
            next_drip = time.monotonic() + a.interval
        poller = select.poll()
        byfd = {}
        for s in socks:
            if s not in closed:
                poller.register(s, select.POLLIN)
                byfd[s.fileno()] = s
        for fd, _ in poller.poll(100):
            s = byfd[fd]
            try:
                if not s.recv(4096):
                    closed.add(s)
            except OSError:
                closed.add(s)
    print("open %d closed %d" % (len(socks) - len(closed), len(closed)))
    return 0


def drip_hello(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False)
    s = connect(a)
    s.settimeout(a.timeout)
    first = True
    try:
        while True:
            try:
                obj.do_handshake()
                break
            except ssl.SSLWantReadError:
                pass
            data = out.read()
            if first:
                for k in range(len(data)):
                    s.sendall(data[k:k + 1])
                    time.sleep(a.delay)
                first = False
            elif data:
                s.sendall(data)
            chunk = s.recv(65536)
            if not chunk:
                sys.stderr.write("slowclients: closed during the handshake\n")
                return 2
            inc.write(chunk)
        obj.write(a.send.encode("latin-1").decode("unicode_escape").encode("latin-1"))
        s.sendall(out.read())
        want = a.expect.encode("latin-1").decode("unicode_escape").encode("latin-1")
        got = b""
        while want not in got:
            try:
                got += obj.read(65536)
                continue
            except ssl.SSLWantReadError:
                pass
            chunk = s.recv(65536)
            if not chunk:
                break
            inc.write(chunk)
    except (OSError, ssl.SSLError) as e:
        sys.stderr.write("slowclients: %s\n" % e)
        return 2
    sys.stdout.buffer.write(got)
    return 0 if want in got else 2


def main():
    a = parse()
    return drip_hello(a) if a.drip_hello else hold(a)


if __name__ == "__main__":
    sys.exit(main())
