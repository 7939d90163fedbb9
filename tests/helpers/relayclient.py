#!/usr/bin/env python3
"""A client for the relay tests: clear text (sslserver -n) or TLS.

relayclient.py HOST PORT SCENARIO [--tls] [--send S] [--file F] [--mark F]
               [--flood N] [--timeout SECONDS]

  halfclose  send --send, then --file, then our FIN (clear text only), read
             until EOF; prints what was read
  late       read until the server's EOF, then still send --send and keep the
             connection open until --mark exists; prints what was read
  flood      send --send, then --flood more bytes while reading, ignoring
             write errors (the program may be gone); prints "end eof",
             "end reset" or "timeout" after what was read

Exit status: 0 done, 3 our own --timeout expired, 4 could not connect.
"""
import argparse
import os
import select
import socket
import ssl
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

a = argparse.ArgumentParser()
a.add_argument("host")
a.add_argument("port", type=int)
a.add_argument("scenario", choices=["halfclose", "late", "flood"])
a.add_argument("--tls", action="store_true")
a.add_argument("--send", default="")
a.add_argument("--file", default=None)
a.add_argument("--mark", default=None)
a.add_argument("--flood", type=int, default=0)
a.add_argument("--timeout", type=float, default=10.0)
args = a.parse_args()
end = time.monotonic() + args.timeout


def left():
    return max(0.01, end - time.monotonic())


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def connect():
    s = socket.create_connection((args.host, args.port), timeout=left())
    if not args.tls:
        return s
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx.wrap_socket(s, suppress_ragged_eofs=False)


def read_to_eof(s):
    """what was read, and how it ended: eof, reset or timeout"""
    data = b""
    while True:
        s.settimeout(left())
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return data, "eof"
        except (ConnectionResetError, ssl.SSLError, OSError):
            return data, "reset"
        if not chunk:
            return data, "eof"
        data += chunk


def flood(s):
    """sends while reading, so that neither side stalls"""
    out = unescape(args.send) + b"x" * args.flood
    sent, data = 0, b""
    s.setblocking(False)
    while time.monotonic() < end:
        select.select([s], [s] if sent < len(out) else [], [], min(1.0, left()))
        if sent < len(out):
            try:
                sent += s.send(out[sent:sent + 16384])
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
                pass
            except OSError:
                sent = len(out)  # the other side is gone: stop sending
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    return data, "eof"
                data += chunk
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError, BlockingIOError):
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError):
            return data, "eof"
        except OSError:
            return data, "reset"
    return data, "timeout"


def main():
    try:
        s = connect()
    except OSError as e:
        sys.stderr.write("relayclient: connect: %s\n" % e)
        return 4
    if args.scenario == "flood":
        data, how = flood(s)
        sys.stdout.buffer.write(data)
        print("end %s" % how if how != "timeout" else "timeout", flush=True)
        return 3 if how == "timeout" else 0
    if args.scenario == "halfclose":
        s.sendall(unescape(args.send))
        if args.file:
            with open(args.file, "rb") as f:
                s.sendall(f.read())
        s.shutdown(socket.SHUT_WR)
    data, how = read_to_eof(s)
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    if how == "timeout":
        return 3
    if args.scenario == "late":
        s.sendall(unescape(args.send))
        while not os.path.exists(args.mark) and time.monotonic() < end:
            time.sleep(0.05)
    return 0


sys.exit(main())
