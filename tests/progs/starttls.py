#!/usr/bin/env python3
"""prog: a tiny UCSPI-TLS responder for sslserver -n tests, SMTP or POP3.

starttls.py smtp|pop3 LOG [--cmd y|Y|x|none]

Answers on fds 0/1 in clear text; on STARTTLS (SMTP) or STLS (POP3) it
answers, then writes --cmd to $SSLCTLFD (default Y: and reads the variables
back until the closing NUL), and from then on speaks on $SSLREADFD and
$SSLWRITEFD. x writes a byte that is no command; none never asks for TLS.
Like many real servers it keeps whatever it had read ahead across the switch,
so that a relay which let injected bytes through would show here. LOG gets
one line per event: "fds ...", "plain CMD"/"tls CMD", "env NAME=value",
"data N lines".
"""
import os
import sys

proto, logname = sys.argv[1], sys.argv[2]
cmd = "Y"
if len(sys.argv) > 4 and sys.argv[3] == "--cmd":
    cmd = sys.argv[4]
held = []
for fd in range(0, 64):
    try:
        os.fstat(fd)
        held.append(str(fd))
    except OSError:
        pass
log = open(logname, "a", buffering=1)


def note(s):
    log.write(s + "\n")


note("fds " + " ".join(held))
note("ctl %s %s %s" % (os.environ.get("SSLCTLFD"), os.environ.get("SSLREADFD"),
                        os.environ.get("SSLWRITEFD")))

rfd, wfd, tls = 0, 1, False
buf = b""


def readline():
    global buf
    while b"\n" not in buf:
        try:
            data = os.read(rfd, 4096)
        except OSError:
            return None
        if not data:
            return None
        buf += data
    line, buf = buf.split(b"\n", 1)
    return line.rstrip(b"\r").decode("latin-1")


def send(s):
    data = s.encode("latin-1")
    while data:
        try:
            n = os.write(wfd, data)
        except OSError:
            sys.exit(0)
        data = data[n:]


def start_tls():
    global rfd, wfd, tls
    ctl = int(os.environ["SSLCTLFD"])
    if cmd == "none":
        return
    os.write(ctl, cmd.encode())
    if cmd not in ("y", "Y"):
        return
    if cmd == "Y":
        env = b""
        while not env.endswith(b"\0\0") or env == b"\0":
            chunk = os.read(ctl, 65536)
            if not chunk:
                break
            env += chunk
        for var in env.split(b"\0"):
            if var:
                note("env " + var.decode("latin-1").split("\n")[0])
    rfd, wfd, tls = int(os.environ["SSLREADFD"]), int(os.environ["SSLWRITEFD"]), True


def smtp():
    send("220 test ESMTP\r\n")
    while True:
        line = readline()
        if line is None:
            return
        note(("tls " if tls else "plain ") + line)
        verb = line.split(" ")[0].upper()
        if verb in ("EHLO", "HELO"):
            send("250-test\r\n" + ("" if tls else "250-STARTTLS\r\n") + "250 8BITMIME\r\n")
        elif verb == "STARTTLS":
            if tls:
                send("503 5.5.1 TLS already active\r\n")
            else:
                send("220 2.0.0 Ready to start TLS\r\n")
                start_tls()
        elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
            send("250 2.0.0 ok\r\n")
        elif verb == "DATA":
            send("354 go ahead\r\n")
            n = 0
            while True:
                d = readline()
                if d is None:
                    return
                if d == ".":
                    break
                n += 1
            note("data %d lines" % n)
            send("250 2.0.0 ok: queued as %s\r\n" % ("tls" if tls else "plain"))
        elif verb == "QUIT":
            send("221 2.0.0 bye\r\n")
            return
        else:
            send("500 5.5.2 what?\r\n")


def pop3():
    send("+OK test POP3 ready\r\n")
    while True:
        line = readline()
        if line is None:
            return
        note(("tls " if tls else "plain ") + line)
        verb = line.split(" ")[0].upper()
        if verb == "CAPA":
            send("+OK\r\n" + ("" if tls else "STLS\r\n") + "USER\r\n.\r\n")
        elif verb == "STLS":
            if tls:
                send("-ERR already\r\n")
            else:
                send("+OK begin TLS\r\n")
                start_tls()
        elif verb in ("USER", "PASS", "NOOP"):
            send("+OK\r\n")
        elif verb == "STAT":
            send("+OK 0 0\r\n")
        elif verb == "QUIT":
            send("+OK bye\r\n")
            return
        else:
            send("-ERR what?\r\n")


smtp() if proto == "smtp" else pop3()
