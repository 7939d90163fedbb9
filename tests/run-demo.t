#!/usr/bin/env python3
"""`make run`: examples/tls-env-http on its own, then package/run serving it
with the real sslserver on 127.0.0.1 (PORT=0 and a busy port), fetched with
curl and with a raw openssl s_client session, stopped with SIGINT/SIGTERM and
checked to have cleaned up after itself."""
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

TOP = os.environ.get("UCSPI_TOP") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.environ.get("UCSPI_BIN") or os.path.join(TOP, "build", "bin")
RUN = os.path.join(TOP, "package", "run")
DEMO = os.path.join(TOP, "examples", "tls-env-http")

T = tempfile.mkdtemp(prefix="ucspi-tls-test.")
started = []          # Popen objects this test started, killed at exit
servers = []          # sslserver pids that package/run named, in case it failed to
n = 0
failed = 0


def ok(cond, name, *diag):
    global n, failed
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, name))
    if not cond:
        failed += 1
        for d in diag:
            for line in str(d).splitlines()[:20]:
                print("#   " + line)
    sys.stdout.flush()
    return cond


def demo(data, env=None, keep_open=False, timeout=10):
    """Runs the responder with DATA on stdin; returns its stdout.
    keep_open: leave stdin open after DATA, so only an answer that does not
    wait for more input arrives within the timeout."""
    e = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    e.update(env or {})
    p = subprocess.Popen([DEMO], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=e)
    started.append(p)
    p.stdin.write(data)
    p.stdin.flush()
    if not keep_open:
        p.stdin.close()
    out = b""
    end = time.time() + timeout
    while time.time() < end:
        r, _, _ = select.select([p.stdout], [], [], max(0.0, end - time.time()))
        if not r:
            break
        chunk = os.read(p.stdout.fileno(), 65536)
        if not chunk:
            break
        out += chunk
    if keep_open:
        p.stdin.close()
    try:
        p.wait(timeout=5)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    return out


def split_response(raw):
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return lines[0], headers, body


class Run:
    """package/run in the background, its stdout read line by line."""

    def __init__(self, name, port, bindir=BIN):
        self.tmp = os.path.join(T, name + ".tmp")   # its TMPDIR: must end up empty
        os.mkdir(self.tmp)
        self.errpath = os.path.join(T, name + ".err")
        env = dict(os.environ, PORT=str(port), TMPDIR=self.tmp)
        self.err = open(self.errpath, "wb")
        # SIGINT as a terminal would deliver it: not ignored, whatever our parent did.
        self.p = subprocess.Popen([RUN, bindir], stdout=subprocess.PIPE, stderr=self.err,
                                  stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                                  preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        started.append(self.p)
        self.out = b""
        self.port = None
        self.server_pid = None

    def read_until(self, pattern, timeout=30):
        end = time.time() + timeout
        while True:
            m = re.search(pattern, self.out)
            if m:
                return m
            left = end - time.time()
            if left <= 0:
                return None
            r, _, _ = select.select([self.p.stdout], [], [], left)
            if not r:
                return None
            chunk = os.read(self.p.stdout.fileno(), 65536)
            if not chunk:
                return re.search(pattern, self.out)
            self.out += chunk

    def wait_port(self):
        m = self.read_until(rb"package/run: serving .* on 127\.0\.0\.1 port (\d+)\n")
        if m:
            self.port = int(m.group(1))
        m = self.read_until(rb"sslserver \(pid (\d+)\)", timeout=5)
        if m:
            self.server_pid = int(m.group(1))
            servers.append(self.server_pid)
        return self.port

    def stop(self, sig):
        self.p.send_signal(sig)
        try:
            status = self.p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            status = None
        return status

    def log(self):
        self.err.flush()
        with open(self.errpath, "rb") as f:
            return f.read().decode("latin-1")


def curl(port, *extra):
    try:
        c = subprocess.run(["curl", "-k", "-sS", "--max-time", "20", *extra,
                            "https://127.0.0.1:%d/" % port],
                           capture_output=True, timeout=30)
        return c.returncode, c.stdout.decode("latin-1"), c.stderr.decode("latin-1")
    except subprocess.TimeoutExpired:
        return -1, "", "curl timed out"


def refused(port):
    s = socket.socket()
    s.settimeout(5)
    try:
        s.connect(("127.0.0.1", port))
        return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    finally:
        s.close()


def gone(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().split(")")[-1].split()[0] == "Z"
    except FileNotFoundError:
        return True


def main():
    print("1..28")

    # --- the responder on its own -------------------------------------------------
    env = {"PROTO": "TLS", "SSL_PROTOCOL": "TLSv1.3", "SSL_CIPHER": "TLS_AES_256_GCM_SHA384",
           "SSLREMOTEIP": "127.0.0.1", "TCPREMOTEIP": "127.0.0.1", "TCP6REMOTEIP": "::1",
           "SECRET": "do-not-show", "HOME": "/nonexistent"}
    raw = demo(b"GET /x HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n", env, keep_open=True)
    status, headers, body = split_response(raw)
    ok(status == "HTTP/1.0 200 OK", "request with headers: 200, without waiting for EOF", raw[:300])
    ok(headers.get("content-type", "").startswith("text/plain"), "text/plain", headers)
    ok(headers.get("content-length") == str(len(body)), "Content-Length is the body's length",
       "%r vs %d" % (headers.get("content-length"), len(body)))
    text = body.decode("latin-1")
    ok(all(("\n%s=%s\n" % kv) in text for kv in sorted(env.items())
           if kv[0].startswith(("PROTO", "SSL", "TCP"))),
       "PROTO, SSL* and TCP* variables listed", text)
    ok("SECRET" not in text and "HOME=" not in text, "other variables not listed", text)

    raw = demo(b"hello\n", env, keep_open=True)
    ok(raw.startswith(b"HTTP/1.0 200 OK\r\n") and b"request: hello\n" in raw,
       "a typed line without HTTP version is answered at once", raw[:300])

    raw = demo(b"HEAD / HTTP/1.0\r\n\r\n", env)
    status, headers, body = split_response(raw)
    ok(status == "HTTP/1.0 200 OK" and body == b"" and int(headers.get("content-length", "0")) > 0,
       "HEAD: headers only", raw[:300])

    raw = demo(b"GET /" + b"a" * 10000 + b" HTTP/1.0\r\n\r\n", env)
    ok(raw.startswith(b"HTTP/1.0 400 "), "over-long request line: 400", raw[:100])

    raw = demo(b"GET / HTTP/1.0\r\n" + b"X: y\r\n" * 200, env, keep_open=True)
    ok(raw.startswith(b"HTTP/1.0 400 "), "too many header lines: 400 without waiting", raw[:100])

    raw = demo(b"", env)
    ok(raw.startswith(b"HTTP/1.0 400 "), "empty request: 400", raw[:100])

    # --- package/run without sslserver ----------------------------------------------
    empty = os.path.join(T, "nobin")
    os.mkdir(empty)
    r = Run("nobin", 0, bindir=empty)
    try:
        st = r.p.wait(timeout=20)
    except subprocess.TimeoutExpired:
        st = None
    ok(st == 111 and "sslserver does not exist" in r.log() and os.listdir(r.tmp) == [],
       "no sslserver: exit 111 with a message, nothing left behind", st, r.log())

    # --- package/run with PORT=0, stopped with SIGINT --------------------------------
    if not os.access(os.path.join(BIN, "sslserver"), os.X_OK):
        print("# %s/sslserver is not built: the rest fails" % BIN)
    r = Run("any", 0)
    port = r.wait_port()
    ok(port is not None and port > 0, "PORT=0: package/run prints the chosen port",
       r.out.decode("latin-1"), r.log())
    ok(r.server_pid is not None, "package/run names its sslserver's pid", r.out.decode("latin-1"))
    port = port or 1

    rc, out, err = curl(port)
    ok(rc == 0 and "\nSSL_PROTOCOL=TLSv1." in out, "curl -k gets the page with SSL_PROTOCOL",
       "curl exit %d" % rc, err, out, r.log())
    ok("\nPROTO=TLS\n" in out and "\nSSLREMOTEIP=127.0.0.1\n" in out
       and "\nSSLLOCALHOST=localhost\n" in out and "\nSSL_CIPHER=" in out,
       "the page lists PROTO=TLS, SSLREMOTEIP, SSLLOCALHOST (-l localhost), SSL_CIPHER", out)
    ok(rc == 0 and "TCPREMOTEIP=" not in out, "no TCP* variables (sslserver's default -E)", out)

    try:
        s = subprocess.run(["openssl", "s_client", "-connect", "127.0.0.1:%d" % port, "-quiet"],
                           input=b"GET / HTTP/1.0\r\n\r\n", capture_output=True, timeout=30)
        sout = s.stdout.decode("latin-1")
    except subprocess.TimeoutExpired:
        sout = "s_client timed out"
    ok(sout.startswith("HTTP/1.0 200 OK\r\n") and "\nSSL_CIPHER=" in sout,
       "a raw openssl s_client session gets the page", sout)

    cert = None
    try:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            with ctx.wrap_socket(sock, server_hostname="localhost") as tls:
                der = tls.getpeercert(binary_form=True)
                tls.sendall(b"GET / HTTP/1.0\r\n\r\n")
                while tls.recv(65536):
                    pass
        x = subprocess.run(["openssl", "x509", "-inform", "DER", "-noout", "-text"],
                           input=der, capture_output=True, timeout=10)
        cert = x.stdout.decode("latin-1")
    except (OSError, ssl.SSLError, subprocess.TimeoutExpired) as e:
        cert = "error: %s" % e
    ok("prime256v1" in cert and re.search(r"Subject: CN ?= ?localhost", cert)
       and re.search(r"Issuer: CN ?= ?localhost", cert),
       "the certificate is a self-signed ECDSA P-256 one for localhost", cert[:600])
    ok("DNS:localhost" in cert and "IP Address:127.0.0.1" in cert,
       "it names localhost and 127.0.0.1", cert[:1500])

    # a connection left open: stopping the demo must end it too
    held = None
    try:
        held = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                               server_hostname="localhost")
    except (OSError, ssl.SSLError, NameError):
        pass

    # the temporary directory holds the key while running
    inside = os.listdir(r.tmp)
    ok(len(inside) == 1, "while serving, one temporary directory in TMPDIR", inside)

    status = r.stop(signal.SIGINT)
    ok(status == 0, "SIGINT: package/run exits 0", status, r.out.decode("latin-1"), r.log())
    ok(len(inside) == 1 and os.listdir(r.tmp) == [], "SIGINT: the temporary directory is removed",
       inside, os.listdir(r.tmp))
    ok(r.server_pid is not None and gone(r.server_pid), "SIGINT: its sslserver is gone",
       r.server_pid)
    ok(port > 1 and refused(port), "SIGINT: the port refuses connections", port)
    closed = False
    if held:
        held.settimeout(10)
        try:
            closed = held.recv(100) == b""
        except (ssl.SSLError, ConnectionError):
            closed = True
        except OSError:    # timed out: the connection outlived the demo
            closed = False
        held.close()
    ok(closed, "SIGINT: a connection still open is closed as well", held)

    # --- a busy port: fall back to a free one; stop with SIGTERM ---------------------
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen(1)
    bport = busy.getsockname()[1]
    r = Run("busy", bport)
    port = r.wait_port()
    ok(port is not None and port != bport and "not usable" in r.log(),
       "a busy port: package/run says so and takes another one",
       "busy %d, got %r" % (bport, port), r.out.decode("latin-1"), r.log())
    rc, out, err = curl(port or 1)
    ok(rc == 0 and "\nSSL_PROTOCOL=TLSv1." in out, "the fallback port serves the page",
       "curl exit %d" % rc, err, out)
    status = r.stop(signal.SIGTERM)
    ok(status == 0 and os.listdir(r.tmp) == [] and r.server_pid is not None
       and gone(r.server_pid),
       "SIGTERM: exits 0, temporary directory removed, sslserver gone",
       status, os.listdir(r.tmp), r.log())
    busy.close()


try:
    main()
finally:
    for p in started:   # package/run stops its own sslserver on SIGTERM
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
    for pid in servers:
        if not gone(pid):
            try:
                os.kill(pid, signal.SIGTERM)
            except OSError:
                pass
    for p in started:
        if p.poll() is None:
            try:
                p.kill()
                p.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                pass
    shutil.rmtree(T, ignore_errors=True)
sys.exit(1 if failed else 0)
