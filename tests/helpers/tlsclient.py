#!/usr/bin/env python3
"""A scriptable TLS (or deliberately broken) client for the sslserver tests.

tlsclient.py [options] HOST PORT

Modes (--mode):
  tls      handshake, send --send, read until --expect is seen or EOF, print what
           was read on stdout (default)
  raw      plain TCP: send --send (if any) without TLS, read until EOF
  partial  send the first half of a real ClientHello, then read until EOF
  stall    send a whole ClientHello, then nothing: read until EOF
  hello    send a whole ClientHello, wait for the server's first bytes, then
           close abruptly (a client that leaves in the middle of the handshake)
  resume   two TLS connections one after the other, each sending --send and
           reading until --expect; the second offers the first one's session;
           prints "resumed" or "new" for the second

Exit status: 0 done (EOF or --expect seen), 2 handshake failed, 3 our own
--timeout expired first, 4 could not connect / reset, 5 --expect not seen
before EOF.
Every wait is bounded by --timeout (default 10 seconds).
"""
import argparse
import os
import socket
import ssl
import sys
import time
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)

VERSIONS = {
    "1.0": ssl.TLSVersion.TLSv1,
    "1.1": ssl.TLSVersion.TLSv1_1,
    "1.2": ssl.TLSVersion.TLSv1_2,
    "1.3": ssl.TLSVersion.TLSv1_3,
}


def unescape(s):
    return s.encode("latin-1").decode("unicode_escape").encode("latin-1")


def parse():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--mode", default="tls", choices=["tls", "raw", "partial", "stall", "hello", "resume"])
    p.add_argument("--send", default="", help="bytes to send (backslash escapes allowed)")
    p.add_argument("--expect", default=None, help="stop reading once this is seen")
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--bind", default=None, help="local source address")
    p.add_argument("--bind2", default=None, help="--mode resume: source address of the second connection")
    p.add_argument("--ipoptions", default=None, help="IPv4 options to send, in hex")
    p.add_argument("--cafile", default=None, help="verify the server against this CA")
    p.add_argument("--servername", default=None, help="SNI and name to verify")
    p.add_argument("--min", dest="vmin", default=None, choices=sorted(VERSIONS))
    p.add_argument("--max", dest="vmax", default=None, choices=sorted(VERSIONS))
    p.add_argument("--ciphers", default=None)
    p.add_argument("--cert", default=None, help="client certificate (and chain) to present")
    p.add_argument("--key", default=None, help="key of --cert (default: in --cert)")
    p.add_argument("--info", default=None,
                   help="file: write 'VERSION CIPHER LOCALPORT' after the handshake")
    p.add_argument("--peercert", default=None, help="file: write the server's certificate (PEM)")
    p.add_argument("--echo-file", default=None,
                   help="send this file's bytes while reading as many back; "
                        "prints 'echo same N' or 'echo differs N'")
    p.add_argument("--require-close-notify", action="store_true",
                   help="exit 6 when the server closes without a TLS close_notify")
    p.add_argument("--then-send", default=None,
                   help="after the server's close_notify, still send this (TLS half-close)")
    p.add_argument("--hold", default=None,
                   help="file: after sending/reading, keep the connection open until it exists")
    return p.parse_args()


class Deadline:
    def __init__(self, seconds):
        self.end = time.monotonic() + seconds

    def left(self):
        return max(0.01, self.end - time.monotonic())

    def over(self):
        return time.monotonic() >= self.end


def connect(a, dl):
    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    if a.bind:
        s.bind((a.bind, 0))
    if a.ipoptions:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_OPTIONS, bytes.fromhex(a.ipoptions))
    s.settimeout(dl.left())
    s.connect((a.host, a.port))
    return s


def context(a):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    if a.cafile:
        ctx.load_verify_locations(a.cafile)
        ctx.check_hostname = True
    else:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    if a.cert:
        ctx.load_cert_chain(a.cert, a.key)
    if a.vmin in ("1.0", "1.1") or a.vmax in ("1.0", "1.1"):
        ctx.set_ciphers(a.ciphers or "DEFAULT@SECLEVEL=0")
    elif a.ciphers:
        ctx.set_ciphers(a.ciphers)
    if a.vmin:
        ctx.minimum_version = VERSIONS[a.vmin]
    if a.vmax:
        ctx.maximum_version = VERSIONS[a.vmax]
        if not a.vmin and a.vmax in ("1.0", "1.1"):
            ctx.minimum_version = VERSIONS[a.vmax]
    return ctx


def read_until_eof(s, dl, expect=None):
    """Reads until EOF, expect seen or the deadline; returns (data, how)."""
    data = b""
    while True:
        if expect is not None and expect in data:
            return data, "expect"
        if dl.over():
            return data, "timeout"
        s.settimeout(dl.left())
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except ssl.SSLZeroReturnError:
            return data, "eof"
        except ssl.SSLEOFError:
            return data, "ragged"  # peer closed without close_notify
        except (ConnectionResetError, BrokenPipeError):
            return data, "reset"
        except ssl.SSLError as e:
            sys.stderr.write("tlsclient: read: %s\n" % e)
            return data, "reset"
        if not chunk:
            return data, "eof"
        data += chunk


def wait_hold(path, dl):
    while path and not os.path.exists(path) and not dl.over():
        time.sleep(0.05)


def client_hello(a):
    """The bytes of a real ClientHello, made with a memory BIO."""
    ctx = context(a)
    inc, out = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(inc, out, server_side=False, server_hostname=a.servername)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return out.read()


REQUIRE_CLOSE_NOTIFY = False


def finish(data, how, expect):
    sys.stdout.buffer.write(data)
    sys.stdout.flush()
    if how not in ("expect", "eof"):
        sys.stderr.write("tlsclient: %s\n" % how)
    if how == "ragged" and REQUIRE_CLOSE_NOTIFY:
        return 6
    if how == "timeout":
        return 3
    if expect is not None and how != "expect":
        return 5
    return 0


def main():
    global REQUIRE_CLOSE_NOTIFY
    a = parse()
    REQUIRE_CLOSE_NOTIFY = a.require_close_notify
    dl = Deadline(a.timeout)
    expect = unescape(a.expect) if a.expect is not None else None
    try:
        s = connect(a, dl)
    except OSError as e:
        sys.stderr.write("tlsclient: connect: %s\n" % e)
        return 4

    if a.mode in ("raw", "partial", "stall", "hello"):
        try:
            if a.mode == "raw" and a.send:
                s.sendall(unescape(a.send))
            elif a.mode == "partial":
                hello = client_hello(a)
                s.sendall(hello[: len(hello) // 2])
            elif a.mode == "stall":
                s.sendall(client_hello(a))
            elif a.mode == "hello":
                s.sendall(client_hello(a))
                s.settimeout(dl.left())
                first = s.recv(1)
                sys.stderr.write("tlsclient: server answered %d byte(s), leaving\n" % len(first))
                # SO_LINGER 0: leave with a reset, as a crashing client would
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\1\0\0\0\0\0\0\0")
                s.close()
                return 0
        except OSError as e:
            sys.stderr.write("tlsclient: %s\n" % e)
            return 4
        data, how = read_until_eof(s, dl, expect)
        return finish(data, how, expect)

    if a.mode == "resume":
        return resume(a, s, dl, expect)

    ctx = context(a)
    name = a.servername or (a.host if a.cafile else None)
    try:
        s.settimeout(dl.left())
        t = ctx.wrap_socket(s, server_hostname=name, suppress_ragged_eofs=False)
    except socket.timeout:
        sys.stderr.write("tlsclient: handshake: timeout\n")
        return 3
    except (ssl.SSLError, ssl.CertificateError, OSError) as e:
        sys.stderr.write("tlsclient: handshake: %s\n" % e)
        return 2
    if a.info:
        with open(a.info + ".tmp", "w") as f:
            f.write("%s %s %d\n" % (t.version(), t.cipher()[0], t.getsockname()[1]))
        os.rename(a.info + ".tmp", a.info)
    if a.peercert:
        with open(a.peercert, "w") as f:
            f.write(ssl.DER_cert_to_PEM_cert(t.getpeercert(binary_form=True)))
    try:
        if a.send:
            t.sendall(unescape(a.send))
    except OSError as e:
        sys.stderr.write("tlsclient: write: %s\n" % e)
        return 4
    if a.echo_file:
        return echo_file(t, a.echo_file, dl)
    data, how = read_until_eof(t, dl, expect)
    if a.then_send is not None and how == "eof":
        try:
            t.sendall(unescape(a.then_send))
            sys.stderr.write("tlsclient: sent after close_notify\n")
        except OSError as e:
            sys.stderr.write("tlsclient: then-send: %s\n" % e)
            how = "reset"
    if a.hold:
        # show what was read before holding, so that a test can act on it
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        data = b""
        wait_hold(a.hold, dl)
    return finish(data, how, expect)


def resume(a, s, dl, expect):
    ctx = context(a)
    session = None
    for n in (1, 2):
        if n == 2:
            a.bind = a.bind2 or a.bind
            s = connect(a, dl)
        s.settimeout(dl.left())
        try:
            t = ctx.wrap_socket(s, session=session, suppress_ragged_eofs=False)
            t.sendall(unescape(a.send))
        except (ssl.SSLError, OSError) as e:
            sys.stderr.write("tlsclient: connection %d: %s\n" % (n, e))
            return 2
        data, how = read_until_eof(t, dl, expect)
        if expect is not None and how != "expect":
            sys.stderr.write("tlsclient: connection %d: %s\n" % (n, how))
            return 5
        if n == 1:
            session = t.session  # TLS 1.3: the ticket came with the data read
        else:
            print("resumed" if t.session_reused else "new", flush=True)
        t.close()
    return 0


def echo_file(t, path, dl):
    """Writes and reads at the same time, so that an echoing peer never stalls."""
    import select
    with open(path, "rb") as f:
        out = f.read()
    sent, got, eof = 0, b"", False
    t.setblocking(False)
    while len(got) < len(out) and not eof and not dl.over():
        want_w = [t] if sent < len(out) else []
        select.select([t], want_w, [], min(1.0, dl.left()))
        if sent < len(out):
            try:
                sent += t.send(out[sent:sent + 16384])
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                pass
        try:
            while True:
                chunk = t.recv(65536)
                if not chunk:
                    eof = True
                    break
                got += chunk
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass
        except (ssl.SSLZeroReturnError, ssl.SSLEOFError, ConnectionResetError):
            eof = True
    same = got == out
    print("echo %s %d" % ("same" if same else "differs", len(got)))
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
