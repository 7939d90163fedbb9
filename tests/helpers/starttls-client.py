#!/usr/bin/env python3
"""Scripted SMTP/POP3 STARTTLS clients that misbehave, for sslserver -n tests.

starttls-client.py HOST PORT SCENARIO [--timeout SECONDS]

  inject      EHLO, then "STARTTLS\\r\\nMAIL FROM:<evil@example>\\r\\n" in one write
              (CVE-2011-0411 class), then a TLS handshake; if that works,
              "EHLO after" inside TLS
  inject2     the same, the injected line in a second write right after
  plainafter  STARTTLS alone, and clear text instead of a ClientHello
  leave       STARTTLS alone, then close without a handshake
  hello       a ClientHello right after the banner, without STARTTLS
  pop3inject  POP3: "STLS\\r\\nUSER evil\\r\\n" in one write, then a handshake
  good        STARTTLS alone, a handshake, "EHLO after", QUIT

Prints one line per step ("banner ...", "reply ...", "handshake ok" or
"handshake failed: ...", "tls reply ...", "eof", "timeout"); every wait is
bounded by --timeout (default 10 seconds).
"""
import argparse
import socket
import ssl
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

a = argparse.ArgumentParser()
a.add_argument("host")
a.add_argument("port", type=int)
a.add_argument("scenario")
a.add_argument("--timeout", type=float, default=10.0)
args = a.parse_args()
end = time.monotonic() + args.timeout


def left():
    return max(0.01, end - time.monotonic())


def out(s):
    print(s, flush=True)


def readline(s):
    data = b""
    while not data.endswith(b"\n"):
        s.settimeout(left())
        try:
            c = s.recv(1)
        except socket.timeout:
            out("timeout")
            sys.exit(3)
        except (ConnectionResetError, ssl.SSLError, OSError) as e:
            out("eof (%s)" % e.__class__.__name__)
            sys.exit(0)
        if not c:
            out("eof")
            sys.exit(0)
        data += c
    return data.decode("latin-1").rstrip("\r\n")


def reply(s, tag="reply"):
    """an SMTP reply (multi-line until 'NNN ') or one POP3 line"""
    while True:
        line = readline(s)
        out("%s %s" % (tag, line))
        if len(line) < 4 or line[3] != "-":
            return line


def client_hello():
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(i, o, server_side=False)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return o.read()


def handshake(s):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s.settimeout(left())
    try:
        t = ctx.wrap_socket(s)
        t.settimeout(left())
        # TLS 1.3: the server's verdict may come with the first record
        t.sendall(b"EHLO after\r\n")
        out("handshake ok")
        reply(t, "tls reply")
        return t
    except (ssl.SSLError, OSError) as e:
        out("handshake failed: %s" % e.__class__.__name__)
        return None


s = socket.create_connection((args.host, args.port), timeout=left())
sc = args.scenario
reply(s, "banner")
if sc == "hello":
    s.sendall(client_hello())
    s.settimeout(left())
    try:
        d = s.recv(100)
        out("eof" if not d else "got %d bytes" % len(d))
    except socket.timeout:
        out("timeout")
    except OSError as e:
        out("eof (%s)" % e.__class__.__name__)
    sys.exit(0)
if sc.startswith("pop3"):
    s.sendall(b"STLS\r\nUSER evil\r\n")
    reply(s)
    handshake(s)
    sys.exit(0)
s.sendall(b"EHLO test\r\n")
reply(s)
if sc == "inject":
    s.sendall(b"STARTTLS\r\nMAIL FROM:<evil@example>\r\n")
elif sc == "inject2":
    s.sendall(b"STARTTLS\r\n")
    s.sendall(b"MAIL FROM:<evil@example>\r\n")
else:
    s.sendall(b"STARTTLS\r\n")
reply(s)
if sc == "leave":
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
    s.close()
    out("left")
    sys.exit(0)
if sc == "plainafter":
    s.sendall(b"MAIL FROM:<evil@example>\r\n")
    s.settimeout(left())
    try:
        d = s.recv(100)
        out("eof" if not d else "got %r" % d[:40])
    except socket.timeout:
        out("timeout")
    except OSError as e:
        out("eof (%s)" % e.__class__.__name__)
    sys.exit(0)
t = handshake(s)
if t and sc == "good":
    t.sendall(b"QUIT\r\n")
    reply(t, "tls reply")
