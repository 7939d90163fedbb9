#!/usr/bin/env python3
"""sslclient-smtp.py LOG MODE [EXIT]: a tiny SMTP client, run as the program
of `sslclient -y` (client-side UCSPI-TLS).

It logs the descriptors it holds ("fds: 0 1 2 ..."), then talks plain SMTP on
fds 6/7: banner, EHLO, and then by MODE
  none   QUIT in the clear
  y, Y   STARTTLS, write MODE to $SSLCTLFD (for Y log the variables sent back
         as "ENV NAME=value", and "ENVEND" at the closing NUL), then EHLO and
         QUIT over $SSLREADFD / $SSLWRITEFD
Every line read is logged "S: line", every line sent "C: line"; an EOF where
a reply was due is logged "EOF". Exits with EXIT (default 0).
"""
import os
import sys

fds = []
for fd in range(0, 64):
    try:
        os.fstat(fd)
        fds.append(str(fd))
    except OSError:
        pass
log = open(sys.argv[1], "a", buffering=1)
mode = sys.argv[2]
code = int(sys.argv[3]) if len(sys.argv) > 3 else 0


def readline(fd):
    b = b""
    while not b.endswith(b"\n"):
        c = os.read(fd, 1)
        if not c:
            return None
        b += c
    return b.decode("latin-1").rstrip("\r\n")


def reply(fd):
    while True:
        line = readline(fd)
        if line is None:
            log.write("EOF\n")
            return False
        log.write("S: %s\n" % line)
        if len(line) < 4 or line[3] != "-":
            return True


def send(fd, s):
    try:
        os.write(fd, (s + "\r\n").encode())
    except OSError as e:
        log.write("write failed: %s\n" % e.strerror)
        return
    log.write("C: %s\n" % s)


log.write("fds: %s\n" % " ".join(fds))

reply(6)
send(7, "EHLO client.example")
reply(6)
if mode == "none":
    send(7, "QUIT")
    reply(6)
    sys.exit(code)
send(7, "STARTTLS")
reply(6)
ctl = int(os.environ["SSLCTLFD"])
rfd = int(os.environ["SSLREADFD"])
wfd = int(os.environ["SSLWRITEFD"])
os.write(ctl, mode.encode())
if mode == "Y":
    data = b""
    while not data.endswith(b"\0\0"):
        c = os.read(ctl, 4096)
        if not c:
            log.write("ENV EOF\n")
            break
        data += c
    for item in data.split(b"\0"):
        if item:
            log.write("ENV %s\n" % item.decode("latin-1").split("\n")[0])
    log.write("ENVEND\n")
send(wfd, "EHLO client.example")
if reply(rfd):
    send(wfd, "QUIT")
    reply(rfd)
sys.exit(code)
