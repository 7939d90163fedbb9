#!/usr/bin/env python3
"""A scriptable TLS server (python3 ssl) for the sslclient tests, loopback only.

tlsserver.py PORTFILE --cert PEM --key PEM [options]

Listens on --bind (default 127.0.0.1) port 0, writes the port number to
PORTFILE, serves --count connections one after another (default 1), then
exits; never runs longer than --lifetime seconds. Per connection it appends a
line "sni=NAME|- version=V cipher=C client=CN|-" to --log (after the
handshake; for smtp after STARTTLS), and plays --mode:

  echo    send back whatever arrives until EOF, then close_notify and close
  sink    read to EOF, then answer "SHA256HEX NBYTES\\n" (data after the
          client's half-close), close_notify, close
  source  send --file, then read to EOF; log "got SHA256HEX NBYTES"
  http    read a request head, log "request LINE", answer 200 with body
          "hello PATH\\nsecond line\\n" and Connection: close; close_notify
          unless --no-close-notify
  banner  send --text, close_notify, close
  smtp    plain SMTP until STARTTLS, then TLS; logs each command as
          "plain CMD" or "tls CMD"; QUIT ends it
  silent  accept TCP and say nothing until the peer goes (no TLS at all)

--client-ca FILE requires a client certificate issued by FILE.
"""
import argparse
import hashlib
import os
import signal
import socket
import ssl
import sys


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("portfile")
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--mode", default="echo",
                   choices=["echo", "sink", "source", "http", "banner", "smtp", "silent"])
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--lifetime", type=int, default=60)
    p.add_argument("--log", default=None)
    p.add_argument("--file", default=None)
    p.add_argument("--text", default="")
    p.add_argument("--client-ca", default=None)
    p.add_argument("--no-close-notify", action="store_true")
    return p.parse_args()


def log(args, line):
    if args.log:
        with open(args.log, "a") as f:
            f.write(line + "\n")


def describe(tls, sni):
    cn = "-"
    cert = tls.getpeercert()
    if cert:
        for rdn in cert.get("subject", ()):
            for k, v in rdn:
                if k == "commonName":
                    cn = v
    return "sni=%s version=%s cipher=%s client=%s" % (
        sni.get("name") or "-", tls.version(), tls.cipher()[0], cn)


def read_all(tls):
    h = hashlib.sha256()
    n = 0
    while True:
        try:
            b = tls.recv(65536)
        except (ssl.SSLEOFError, ConnectionResetError):
            break
        if not b:
            break
        h.update(b)
        n += len(b)
    return h.hexdigest(), n


def finish(tls, args):
    if not args.no_close_notify:
        try:
            tls.unwrap()
        except (ssl.SSLError, OSError):
            pass


def serve_smtp(raw, ctx, args, sni):
    f = raw.makefile("rb")
    raw.sendall(b"220 test.example ESMTP\r\n")
    while True:
        line = f.readline()
        if not line:
            return
        cmd = line.decode("latin-1").rstrip("\r\n")
        log(args, "plain " + cmd)
        verb = cmd.split(" ")[0].upper()
        if verb == "EHLO":
            raw.sendall(b"250-test.example\r\n250 STARTTLS\r\n")
        elif verb == "STARTTLS":
            raw.sendall(b"220 go ahead\r\n")
            break
        elif verb == "QUIT":
            raw.sendall(b"221 bye\r\n")
            return
        else:
            raw.sendall(b"500 what?\r\n")
    f.close()
    tls = ctx.wrap_socket(raw, server_side=True)
    log(args, describe(tls, sni))
    tf = tls.makefile("rb")
    while True:
        line = tf.readline()
        if not line:
            return
        cmd = line.decode("latin-1").rstrip("\r\n")
        log(args, "tls " + cmd)
        verb = cmd.split(" ")[0].upper()
        if verb == "EHLO":
            tls.sendall(b"250-test.example\r\n250 SIZE 1000\r\n")
        elif verb == "QUIT":
            tls.sendall(b"221 bye\r\n")
            finish(tls, args)
            return
        else:
            tls.sendall(b"250 ok " + cmd.encode("latin-1") + b"\r\n")


def serve(raw, ctx, args, sni):
    if args.mode == "silent":
        while raw.recv(65536):
            pass
        return
    if args.mode == "smtp":
        serve_smtp(raw, ctx, args, sni)
        return
    tls = ctx.wrap_socket(raw, server_side=True)
    log(args, describe(tls, sni))
    if args.mode == "echo":
        while True:
            try:
                b = tls.recv(65536)
            except (ssl.SSLEOFError, ConnectionResetError):
                break
            if not b:
                break
            tls.sendall(b)
        finish(tls, args)
    elif args.mode == "sink":
        digest, n = read_all(tls)
        tls.sendall(("%s %d\n" % (digest, n)).encode())
        finish(tls, args)
    elif args.mode == "source":
        with open(args.file, "rb") as f:
            tls.sendall(f.read())
        digest, n = read_all(tls)
        log(args, "got %s %d" % (digest, n))
        finish(tls, args)
    elif args.mode == "banner":
        tls.sendall(args.text.encode("latin-1").decode("unicode_escape").encode("latin-1"))
        finish(tls, args)
    elif args.mode == "http":
        head = b""
        while b"\r\n\r\n" not in head:
            b = tls.recv(4096)
            if not b:
                break
            head += b
        line = head.split(b"\r\n")[0].decode("latin-1")
        log(args, "request " + line)
        for h in head.split(b"\r\n")[1:]:
            if h:
                log(args, "header " + h.decode("latin-1"))
        path = line.split(" ")[1] if len(line.split(" ")) > 1 else "?"
        body = ("hello %s\nsecond line\n" % path).encode()
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                    b"Content-Length: " + str(len(body)).encode() +
                    b"\r\nConnection: close\r\n\r\n" + body)
        finish(tls, args)
    tls.close()


def main():
    args = parse()
    signal.alarm(args.lifetime)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    if args.cert:
        ctx.load_cert_chain(args.cert, args.key)
    if args.client_ca:
        ctx.load_verify_locations(args.client_ca)
        ctx.verify_mode = ssl.CERT_REQUIRED
    sni = {}

    def on_sni(sock, name, c):
        sni["name"] = name
    ctx.sni_callback = on_sni
    family = socket.AF_INET6 if ":" in args.bind else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.bind, 0))
    ls.listen(8)
    tmp = args.portfile + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % ls.getsockname()[1])
    os.rename(tmp, args.portfile)
    for _ in range(args.count):
        raw, _addr = ls.accept()
        sni.clear()
        try:
            serve(raw, ctx, args, sni)
        except (ssl.SSLError, OSError) as e:
            log(args, "error %s" % e)
        finally:
            raw.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
