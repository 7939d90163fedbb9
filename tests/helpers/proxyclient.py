#!/usr/bin/env python3
"""A client that speaks as a load balancer would: a PROXY protocol header
(HAProxy's v1 text or v2 binary), then TLS, for the sslserver tests.

proxyclient.py [options] HOST PORT

  --source IP        connect from this local address
  --v1 PROTO         send a v1 header: TCP4, TCP6 or UNKNOWN
  --v2 CMD           send a v2 header: PROXY or LOCAL
  --src IP --sport N --dst IP --dport N   the addresses the header names
  --tlv N            v2: N bytes of NOOP TLVs after the addresses
  --raw HEX          send these bytes instead of a built header
  --slow SECONDS     send the header one byte at a time, SECONDS apart
  --no-tls           after the header, read until EOF without TLS
  --shut             with --no-tls: close our sending side after the header
  --send TEXT        after the handshake, send TEXT
Prints what the server's program wrote. Exit status: 0 done, 2 handshake
failed, 3 --timeout expired, 4 could not connect / reset.
"""
import argparse
import ipaddress
import socket
import ssl
import struct
import sys
import time

SIG2 = b"\r\n\r\n\x00\r\nQUIT\n"


def header(a):
    if a.raw is not None:
        return bytes.fromhex(a.raw)
    if a.v1:
        if a.v1 == "UNKNOWN":
            return b"PROXY UNKNOWN\r\n"
        return ("PROXY %s %s %s %d %d\r\n" % (a.v1, a.src, a.dst, a.sport, a.dport)).encode()
    if a.v2:
        cmd = 0x21 if a.v2 == "PROXY" else 0x20
        if a.v2 == "LOCAL":
            fam, addr = 0x00, b""
        else:
            s, d = ipaddress.ip_address(a.src), ipaddress.ip_address(a.dst)
            fam = 0x11 if s.version == 4 else 0x21
            addr = s.packed + d.packed + struct.pack("!HH", a.sport, a.dport)
        tlv = b""
        left = a.tlv
        while left >= 3:
            n = min(left - 3, 200)
            tlv += struct.pack("!BH", 0x04, n) + b"\xab" * n
            left -= 3 + n
        body = addr + tlv
        return SIG2 + bytes([cmd, fam]) + struct.pack("!H", len(body)) + body
    return b""


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--source")
    p.add_argument("--v1", choices=["TCP4", "TCP6", "UNKNOWN"])
    p.add_argument("--v2", choices=["PROXY", "LOCAL"])
    p.add_argument("--src", default="192.0.2.10")
    p.add_argument("--dst", default="192.0.2.1")
    p.add_argument("--sport", type=int, default=40000)
    p.add_argument("--dport", type=int, default=443)
    p.add_argument("--tlv", type=int, default=0)
    p.add_argument("--raw")
    p.add_argument("--slow", type=float, default=0)
    p.add_argument("--no-tls", action="store_true")
    p.add_argument("--shut", action="store_true")
    p.add_argument("--send", default="")
    p.add_argument("--timeout", type=float, default=10)
    a = p.parse_args()

    try:
        s = socket.create_connection((a.host, a.port), timeout=a.timeout,
                                     source_address=(a.source, 0) if a.source else None)
    except OSError as e:
        print("connect: %s" % e, file=sys.stderr)
        return 4
    s.settimeout(a.timeout)
    out = sys.stdout.buffer
    try:
        h = header(a)
        if a.slow:
            for i in range(len(h)):
                s.sendall(h[i:i + 1])
                time.sleep(a.slow)
        elif h:
            s.sendall(h)
        if a.no_tls:
            if a.shut:
                s.shutdown(socket.SHUT_WR)
            while True:
                d = s.recv(4096)
                if not d:
                    return 0
                out.write(d)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        try:
            t = ctx.wrap_socket(s)
        except ssl.SSLError as e:
            print("handshake: %s" % e, file=sys.stderr)
            return 2
        except (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError) as e:
            print("handshake: %s" % e, file=sys.stderr)
            return 2
        if a.send:
            t.sendall(a.send.encode())
        while True:
            try:
                d = t.recv(4096)
            except ssl.SSLError:
                break
            if not d:
                break
            out.write(d)
            out.flush()
        return 0
    except socket.timeout:
        print("timeout", file=sys.stderr)
        return 3
    except (ConnectionResetError, BrokenPipeError) as e:
        print("reset: %s" % e, file=sys.stderr)
        return 4


if __name__ == "__main__":
    sys.exit(main())
