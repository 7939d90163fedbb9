#!/usr/bin/env python3
"""make soak: sslserver and sslhandle under a mix of clients while faults
are injected, for SOAK_SECONDS (default 600); loopback only, bounded.

Servers (all on 127.0.0.1, port 0, -1 to learn it):
  main     sslserver -V -x rules.cdb, prog tests/soak/prog.sh
  starttls sslhandle -V -n, prog tests/progs/starttls.py (SMTP STARTTLS)
  fdlimit  sslserver -v under a small ulimit -n, prog prog.sh
Clients: full handshakes, resumptions, bulk transfers, STARTTLS, garbage,
idle and slow clients, a prog that crashes or exits early, denied sources.
Faults: SIGHUP every second swapping the certificate (main, starttls);
rules.cdb rebuilt by tcprules every second; random connection children
of main killed with SIGKILL; tcprules on a full tmpfs.

Prints the figures and exits 1 when a connection failed unexpectedly, a
listener had to be restarted, zombies were left, or the listeners' fds or
RSS grew. Every client and wait is bounded by a timeout.
"""
import argparse
import collections
import os
import random
import re
import resource
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
TIMEOUT = 15  # seconds any one client step may take
LIMIT_FDS = 20  # ulimit -n of the fdlimit server


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.count = collections.Counter()
        self.failures = []  # (kind, local port, server, error)

    def add(self, key, n=1):
        with self.lock:
            self.count[key] += n

    def fail(self, kind, port, server, err):
        with self.lock:
            self.failures.append((kind, port, server, err))


class Server:
    def __init__(self, name, argv, env, log, limit_fds=None):
        self.name, self.argv, self.env, self.logname = name, argv, env, log
        self.limit_fds = limit_fds
        self.restarts = 0
        self.start()

    def start(self):
        def pre():
            os.setpgid(0, 0)
            if self.limit_fds:
                resource.setrlimit(resource.RLIMIT_NOFILE, (self.limit_fds, self.limit_fds))
        self.log = open(self.logname, "ab")
        self.p = subprocess.Popen(self.argv, env=self.env, stdout=subprocess.PIPE,
                                  stderr=self.log, stdin=subprocess.DEVNULL, preexec_fn=pre)
        line = self.p.stdout.readline().strip()
        if not line.isdigit():
            sys.exit("soak: %s did not start: %s" % (self.name, open(self.logname).read()[-500:]))
        self.port = int(line)

    def alive(self):
        return self.p.poll() is None

    def children(self):
        try:
            with open("/proc/%d/task/%d/children" % (self.p.pid, self.p.pid)) as f:
                return [int(x) for x in f.read().split()]
        except OSError:
            return []

    def fds(self):
        return len(os.listdir("/proc/%d/fd" % self.p.pid))

    def rss_kib(self):
        with open("/proc/%d/status" % self.p.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        return 0

    def stop(self):
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(10)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        self.log.close()


def zombies_of(pids):
    """processes in state Z whose parent is one of pids"""
    n = 0
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if st[0] == "Z" and int(st[1]) in pids:
            n += 1
    return n


# ---- clients: each returns an outcome name, or raises for a failure

class Clients:
    def __init__(self, soak):
        self.s = soak
        ctx = ssl.create_default_context(cafile=soak.ca)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        self.ctx = ctx
        ctx12 = ssl.create_default_context(cafile=soak.ca)
        ctx12.maximum_version = ssl.TLSVersion.TLSv1_2
        self.ctx12 = ctx12

    def tcp(self, port, src="127.0.0.1"):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.settimeout(TIMEOUT)
        sock.bind((src, 0))
        sock.connect(("127.0.0.1", port))
        return sock

    def tls(self, port, ctx=None, session=None):
        sock = self.tcp(port)
        self.lport = sock.getsockname()[1]
        return (ctx or self.ctx).wrap_socket(sock, server_hostname="localhost", session=session)

    @staticmethod
    def read_all(t, want=None):
        got = b""
        while want is None or len(got) < want:
            try:
                d = t.recv(65536)
            except ssl.SSLZeroReturnError:
                break
            if not d:
                break
            got += d
        return got

    def full(self):
        t = self.tls(self.s.main.port, random.choice([self.ctx, self.ctx12]))
        msg = b"hello %d\n" % random.randrange(1 << 30)
        t.sendall(b"ECHO\n" + msg)
        got = self.read_all(t, len(msg))
        t.close()
        if got != msg:
            raise RuntimeError("echo: got %r" % got[:40])
        return "served"

    def resume(self):
        t = self.tls(self.s.main.port, self.ctx12)
        t.sendall(b"ECHO\nx\n")
        self.read_all(t, 2)
        sess = t.session
        t.close()
        t = self.tls(self.s.main.port, self.ctx12, session=sess)
        t.sendall(b"ECHO\ny\n")
        got = self.read_all(t, 2)
        reused = t.session_reused
        t.close()
        if got != b"y\n":
            raise RuntimeError("resumed echo: got %r" % got[:40])
        self.s.stats.add("resumed" if reused else "resumption declined (certificate swapped)")
        return "served"

    def bulk(self):
        n = random.choice([65536, 1 << 20, 4 << 20])
        t = self.tls(self.s.main.port)
        t.sendall(b"BULK %d\n" % n)
        got = self.read_all(t)
        t.close()
        if len(got) != n:
            raise RuntimeError("bulk: %d of %d bytes" % (len(got), n))
        self.s.stats.add("bulk bytes", n)
        return "served"

    def upload(self):
        t = self.tls(self.s.main.port)
        t.sendall(b"ECHO\n")
        for _ in range(16):
            chunk = os.urandom(16384)
            t.sendall(chunk)
            if self.read_all(t, len(chunk)) != chunk:
                raise RuntimeError("upload: echo differs")
        t.close()
        self.s.stats.add("bulk bytes", 16 * 16384)
        return "served"

    def prog_dies(self):
        what = random.choice([b"CRASH", b"EXIT"])
        t = self.tls(self.s.main.port)
        t.sendall(what + b"\n")
        try:
            got = self.read_all(t)
        except (ssl.SSLError, ConnectionResetError):
            got = b""
        t.close()
        if got:
            raise RuntimeError("prog %s: got data %r" % (what, got[:40]))
        return "refused: prog crashed" if what == b"CRASH" else "refused: prog exited early"

    def hold(self):
        t = self.tls(self.s.main.port)
        t.sendall(b"HOLD\n")
        try:
            t.settimeout(random.uniform(0.5, 3))
            t.recv(1)
        except socket.timeout:
            pass
        except (ssl.SSLError, OSError):
            pass
        t.close()
        return "served (held, then left)"

    @staticmethod
    def until_closed(sock, seconds):
        """reads until the server closes (a timeout raises: a failure)"""
        sock.settimeout(seconds)
        try:
            while sock.recv(4096):
                pass
        except ConnectionResetError:
            pass
        sock.close()

    def garbage(self):
        sock = self.tcp(self.s.main.port)
        self.lport = sock.getsockname()[1]
        kind = random.randrange(3)
        if kind == 0:
            sock.sendall(os.urandom(random.randrange(1, 3000)))
        elif kind == 1:
            sock.sendall(self.s.hello[:random.randrange(1, len(self.s.hello))])
            sock.shutdown(socket.SHUT_WR)
        else:
            sock.sendall(b"\x16\x03\x01\x00\x05" + os.urandom(5) + os.urandom(200))
        self.until_closed(sock, TIMEOUT)
        return "refused: bad handshake"

    def slow(self):
        sock = self.tcp(self.s.main.port)
        self.lport = sock.getsockname()[1]
        deadline = time.time() + TIMEOUT
        if random.randrange(2):
            # drips a ClientHello slower than -T allows
            try:
                for b in self.s.hello:
                    sock.send(bytes([b]))
                    time.sleep(0.25)
                    if time.time() > deadline:
                        break
            except (BrokenPipeError, ConnectionResetError):
                pass
        self.until_closed(sock, max(1, deadline - time.time()))
        return "refused: handshake timeout (slow client)"

    def denied(self):
        sock = self.tcp(self.s.main.port, src="127.0.0.2")
        self.lport = sock.getsockname()[1]
        try:
            t = self.ctx.wrap_socket(sock, server_hostname="localhost")
            t.close()
        except (ssl.SSLError, ConnectionResetError, BrokenPipeError, ConnectionAbortedError):
            sock.close()
            return "refused: rules deny"
        raise RuntimeError("127.0.0.2 was served, the rules deny it")

    def starttls(self):
        sock = self.tcp(self.s.starttls.port)
        self.lport = sock.getsockname()[1]
        f = sock.makefile("rb")

        def expect(code):
            while True:
                line = f.readline()
                if not line.startswith(code):
                    raise RuntimeError("STARTTLS: got %r, wanted %s" % (line[:60], code))
                if line[3:4] != b"-":
                    return
        expect(b"220")
        sock.sendall(b"EHLO soak\r\n")
        expect(b"250")
        sock.sendall(b"STARTTLS\r\n")
        expect(b"220")
        t = self.ctx.wrap_socket(sock, server_hostname="localhost")
        tf = t.makefile("rb")
        t.sendall(b"EHLO soak\r\n")
        for line in iter(tf.readline, b""):
            if line[3:4] != b"-":
                break
        t.sendall(b"QUIT\r\n")
        if not tf.readline().startswith(b"221"):
            raise RuntimeError("STARTTLS: no 221 inside TLS")
        t.close()
        return "served"

    def fdlimit(self):
        # idle connections fill the listener's wait set up to its ulimit -n
        idle = []
        try:
            for _ in range(LIMIT_FDS):
                idle.append(self.tcp(self.s.fdlimit.port))
        except OSError:
            pass
        try:
            t = self.tls(self.s.fdlimit.port)
            t.sendall(b"ECHO\nz\n")
            got = self.read_all(t, 2)
            t.close()
        except (ssl.SSLError, OSError) as e:
            return "refused: descriptor limit (%s)" % type(e).__name__
        finally:
            closed = 0
            for sock in idle:
                sock.setblocking(False)
                try:
                    closed += sock.recv(1) == b""
                except (BlockingIOError, ConnectionResetError) as e:
                    closed += isinstance(e, ConnectionResetError)
                sock.close()
            self.s.stats.add("idle connections closed by the fdlimit listener", closed)
            self.s.stats.add("idle connections opened to the fdlimit listener", len(idle))
        return "served" if got == b"z\n" else "refused: descriptor limit (short echo)"


MIX = [("full", 20), ("resume", 8), ("bulk", 6), ("upload", 4), ("prog_dies", 6),
       ("hold", 4), ("garbage", 8), ("slow", 2), ("denied", 4), ("starttls", 10),
       ("fdlimit", 6)]
SERVER_OF = {"starttls": "starttls", "fdlimit": "fdlimit"}


class Soak:
    def __init__(self, args):
        self.args = args
        self.t = tempfile.mkdtemp(prefix="ucspi-tls-soak.")
        self.stats = Stats()
        self.stop = threading.Event()
        self.quiet = threading.Event()  # no kills: the quiet rounds of settle
        self.killed = set()
        self.killed_ports = set()
        self.bin = args.bin
        self.mounted = False

    # ---- set-up
    def pki(self):
        p = os.path.join(self.t, "pki")
        subprocess.run(["sh", os.path.join(TOP, "tests/helpers/pki.sh"), p], check=True)
        self.ca = os.path.join(p, "ca.pem")
        self.certs = []
        for n in ("ec", "rsa"):
            both = os.path.join(self.t, n + "-both.pem")
            with open(both, "wb") as out:
                for part in (n + ".pem", n + ".key"):
                    out.write(open(os.path.join(p, part), "rb").read())
            self.certs.append(both)
        self.cur = os.path.join(self.t, "cur.pem")
        shutil.copy(self.certs[0], self.cur)
        # a ClientHello for the garbage and slow clients to cut up
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        i, o = ssl.MemoryBIO(), ssl.MemoryBIO()
        obj = ctx.wrap_bio(i, o, server_hostname="localhost")
        try:
            obj.do_handshake()
        except ssl.SSLWantReadError:
            pass
        self.hello = o.read()

    def rules(self, gen):
        src = "127.0.0.2:deny\n127.0.0.1:allow,SOAKGEN=\"%d\"\n:allow\n" % gen
        cdb = os.path.join(self.t, "rules.cdb")
        r = subprocess.run([os.path.join(self.bin, "tcprules"), cdb, cdb + ".tmp"],
                           input=src.encode(), capture_output=True, timeout=TIMEOUT)
        return r.returncode

    def start(self):
        env = dict(os.environ, CERTFILE=self.cur, KEYFILE="")
        prog = os.path.join(HERE, "prog.sh")
        nodns = ["-H", "-l", "localhost"]
        log = lambda n: os.path.join(self.t, n + ".log")
        self.main = Server("main", [os.path.join(self.bin, "sslserver"), "-1", "-V", "-c", "30",
                                    "-T", "3", "-w", "20", "-x", os.path.join(self.t, "rules.cdb")]
                           + nodns + ["127.0.0.1", "0", prog], env, log("main"))
        self.starttls = Server("starttls", [os.path.join(self.bin, "sslhandle"), "-1", "-V", "-n",
                                            "-c", "6", "-T", "3", "-w", "20"] + nodns +
                               ["127.0.0.1", "0", "python3", os.path.join(TOP, "tests/progs/starttls.py"),
                                "smtp", "/dev/null"], env, log("starttls"))
        self.fdlimit = Server("fdlimit", [os.path.join(self.bin, "sslserver"), "-1", "-v", "-c", "40",
                                          "-T", "3", "-w", "20"] + nodns + ["127.0.0.1", "0", prog],
                              dict(env, CERTFILE=self.certs[0]), log("fdlimit"), limit_fds=LIMIT_FDS)
        self.servers = [self.main, self.starttls, self.fdlimit]

    # ---- faults, each a thread that runs until stop
    def every(self, seconds, fn):
        def loop():
            while not self.stop.wait(seconds):
                fn()
        th = threading.Thread(target=loop, daemon=True)
        th.start()
        return th

    def hup(self):
        self.gen = getattr(self, "gen", 0) + 1
        tmp = self.cur + ".new"
        shutil.copy(self.certs[self.gen % 2], tmp)
        os.rename(tmp, self.cur)
        for s in (self.main, self.starttls):
            if s.alive():
                s.p.send_signal(signal.SIGHUP)
        self.stats.add("fault: SIGHUP with a swapped certificate")

    def rebuild(self):
        self.rgen = getattr(self, "rgen", 0) + 1
        rc = self.rules(self.rgen)
        self.stats.add("fault: rules.cdb rebuilt" if rc == 0 else "tcprules FAILED (exit %d)" % rc)

    def kill_child(self):
        if self.quiet.is_set():
            return
        kids = self.main.children()
        if not kids:
            return
        pid = random.choice(kids)
        # still the listener's child? (the pid may have ended and been reused)
        if pid in self.main.children():
            ports = peer_ports(pid, self.main.port)
            try:
                os.kill(pid, signal.SIGKILL)
                self.killed.add(pid)
                self.killed_ports |= ports
                self.stats.add("fault: connection child SIGKILLed")
            except ProcessLookupError:
                pass

    def full_fs(self):
        d = os.path.join(self.t, "full")
        os.makedirs(d, exist_ok=True)
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "soak", d],
                          capture_output=True).returncode != 0:
            self.stats.add("fault: full filesystem SKIPPED (no tmpfs mount)")
            return None
        self.mounted = d
        cdb = os.path.join(d, "rules.cdb")
        subprocess.run([os.path.join(self.bin, "tcprules"), cdb, cdb + ".tmp"],
                       input=b"127.0.0.1:allow\n", check=True)
        fd = os.open(os.path.join(d, "fill"), os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            while os.write(fd, b"x" * 4096):
                pass
        except OSError:
            pass
        os.close(fd)
        self.full_before = open(cdb, "rb").read()
        big = "".join("10.%d.%d.0/24:allow,X=\"%s\"\n" % (i // 250, i % 250, "v" * 40)
                      for i in range(2000)).encode()

        def once():
            r = subprocess.run([os.path.join(self.bin, "tcprules"), cdb, cdb + ".tmp"],
                               input=big, capture_output=True, timeout=TIMEOUT)
            clean = (r.returncode == 111 and r.stderr.count(b"\n") == 1 and
                     not os.path.exists(cdb + ".tmp") and open(cdb, "rb").read() == self.full_before)
            self.stats.add("fault: tcprules on a full filesystem, refused cleanly" if clean else
                           "tcprules on a full filesystem FAILED (exit %d, %r)" % (r.returncode, r.stderr[:80]))
        return once

    def watch(self):
        for s in self.servers:
            if not s.alive():
                s.restarts += 1
                s.log.close()
                s.start()

    # ---- clients
    def client_loop(self, deadline):
        c = Clients(self)
        names = [n for n, w in MIX for _ in range(w)]
        while time.time() < deadline:
            kind = random.choice(names)
            c.lport = None
            try:
                outcome = getattr(c, kind)()
            except (OSError, ssl.SSLError, RuntimeError, ValueError) as e:
                self.stats.fail(kind, c.lport, SERVER_OF.get(kind, "main"), "%s: %s" % (type(e).__name__, e))
                continue
            self.stats.add("tried")
            self.stats.add("client " + kind)
            self.stats.add(outcome)

    def warm(self):
        c = Clients(self)
        for _ in range(5):
            for kind in ("full", "starttls"):
                c.lport = None
                try:
                    getattr(c, kind)()
                except (OSError, ssl.SSLError, RuntimeError) as e:
                    self.stats.fail(kind, c.lport, SERVER_OF.get(kind, "main"),
                                    "quiet round: %s: %s" % (type(e).__name__, e))

    def measure(self):
        return {s.name: (s.fds(), s.rss_kib()) for s in self.servers}

    def run(self):
        secs = self.args.seconds
        self.pki()
        if self.rules(0) != 0:
            sys.exit("soak: tcprules failed")
        self.start()
        self.warm()
        time.sleep(1)
        first = self.measure()
        faults = [self.every(1, self.hup), self.every(1, self.rebuild),
                  self.every(0.5, self.kill_child), self.every(1, self.watch)]
        once = self.full_fs()
        if once:
            faults.append(self.every(1, once))
        # the first fifth (at most 120 s) warms the allocators and caches
        # up: the start figures are taken after it, between two quiet rounds
        warmup = min(120, max(3, secs // 5))
        self.clients(warmup)
        self.settle()
        start = self.measure()
        self.clients(secs - warmup)
        self.stop.set()
        for th in faults:
            th.join(TIMEOUT)
        self.watch()
        self.settle()
        end = self.measure()
        zombies = zombies_of({s.p.pid for s in self.servers} | {os.getpid()})
        return first, start, end, zombies

    def clients(self, secs):
        deadline = time.time() + secs
        clients = [threading.Thread(target=self.client_loop, args=(deadline,), daemon=True)
                   for _ in range(self.args.clients)]
        for th in clients:
            th.start()
        for th in clients:
            th.join(secs + 3 * TIMEOUT)

    def settle(self):
        """waits for the connections to end (held ones within -w), then one
        ordinary round, so that the figures are taken in the same state"""
        self.quiet.set()
        for _ in range(30):
            if not any(s.children() for s in (self.main, self.fdlimit)):
                break
            time.sleep(1)
        self.warm()
        time.sleep(2)
        self.quiet.clear()

    def cleanup(self):
        self.stop.set()  # the fault threads too, when run() raised
        for s in getattr(self, "servers", []):
            s.stop()
        for _ in range(10 if self.mounted else 0):
            # a tcprules of the last fault may still hold the tmpfs
            if subprocess.run(["umount", self.mounted], capture_output=True).returncode == 0:
                break
            time.sleep(0.5)
        if not self.args.keep:
            shutil.rmtree(self.t, ignore_errors=True)


def peer_ports(pid, port):
    """the client ports of pid's TCP sockets on the server's port"""
    inodes = set()
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
            if link.startswith("socket:["):
                inodes.add(link[8:-1])
    except OSError:
        pass
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                x = line.split()
                if x[9] in inodes and int(x[1].split(":")[1], 16) == port:
                    ports.add(int(x[2].split(":")[1], 16))
    return ports


def killed_ports(soak):
    """client ports whose connection child the soak killed: seen in its
    sockets before the kill, or named by its ok line in main's log"""
    ports = set(soak.killed_ports)
    pat = re.compile(r"^sslserver: ok (\d+) \S+ \S*:[\d.]+::(\d+)$")
    for line in open(soak.main.logname, errors="replace"):
        m = pat.match(line.strip())
        if m and int(m.group(1)) in soak.killed:
            ports.add(int(m.group(2)))
    return ports


def log_categories(path):
    """each log line with its numbers, addresses and names taken out"""
    cats = collections.Counter()
    for line in open(path, errors="replace"):
        line = line.strip()
        line = re.sub(r"\b(pid|by|ok|deny|accept|from|tls|tlsinfo)\b \d+", r"\1 N", line)
        line = re.sub(r"[0-9a-f:.]*\d[0-9a-f:.]*", "N", line)
        line = re.sub(r"(tlsinfo N) .*", r"\1 ...", line)
        line = re.sub(r"(tls N accept) .*", r"\1 ...", line)
        cats[line[:90]] += 1
    return cats


def report(soak, first, start, end, zombies):
    st = soak.stats
    c = st.count
    kp = killed_ports(soak)
    expected = [f for f in st.failures if f[2] == "main" and f[1] in kp]
    fd_killed = [f for f in st.failures if f[2] == "fdlimit"]
    unexpected = [f for f in st.failures if f not in expected and f not in fd_killed]
    served = sum(v for k, v in c.items() if k.startswith("served"))
    print("soak: %d s, %d client threads, temp dir %s" % (soak.args.seconds, soak.args.clients, soak.t))
    print("connections tried:      %d" % (c["tried"] + len(st.failures)))
    print("  served:               %d" % served)
    for k in sorted(k for k in c if k.startswith("refused")):
        print("  %-50s %d" % (k + ":", c[k]))
    print("  %-50s %d" % ("refused: connection child SIGKILLed:", len(expected)))
    print("  %-50s %d" % ("failed under the descriptor limit:", len(fd_killed)))
    print("  by client: " + ", ".join("%s %d" % (k[7:], c[k]) for k in sorted(c) if k.startswith("client ")))
    print("  resumed %d, resumption declined %d, bulk bytes %d" % (
        c["resumed"], c["resumption declined (certificate swapped)"], c["bulk bytes"]))
    print("  fdlimit (ulimit -n %d): %d idle connections opened, %d closed by the listener" % (
        LIMIT_FDS, c["idle connections opened to the fdlimit listener"],
        c["idle connections closed by the fdlimit listener"]))
    print("failed unexpectedly:    %d" % len(unexpected))
    for f in unexpected[:10]:
        print("  %s (port %s, %s): %s" % f)
    print("faults: " + ", ".join("%s %d" % (k[7:], v) for k, v in sorted(c.items())
                                 if k.startswith("fault: ")))
    bad_faults = [k for k in c if "FAILED" in k]
    for k in bad_faults:
        print("  %s: %d" % (k, c[k]))
    restarts = sum(s.restarts for s in soak.servers)
    print("listener restarts:      %d" % restarts)
    grew = False
    for s in soak.servers:
        (fi, ri), (f0, r0), (f1, r1) = first[s.name], start[s.name], end[s.name]
        # RSS: a page or two of allocator slack is no growth per connection
        g = f1 > f0 or r1 > r0 + 64
        grew |= g
        print("listener %-9s fds %d -> %d, RSS %d -> %d KiB (%d KiB before the warm-up)%s" % (
            s.name, f0, f1, r0, r1, ri, "  GREW" if g else ""))
    print("  (start: after the warm-up, the first fifth of the time; growth allowed: 64 KiB)")
    print("zombies left:           %d" % zombies)
    for s in soak.servers:
        print("log lines of %s:" % s.name)
        for k, v in sorted(log_categories(s.logname).items(), key=lambda kv: -kv[1]):
            print("  %7d  %s" % (v, k))
    return 1 if unexpected or restarts or zombies or grew or bad_faults else 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=int(os.environ.get("SOAK_SECONDS", "600")))
    ap.add_argument("--clients", type=int, default=6)
    ap.add_argument("--bin", default=os.path.join(TOP, "build/bin"))
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)
    soak = Soak(args)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(1))
    try:
        first, start, end, zombies = soak.run()
        rc = report(soak, first, start, end, zombies)
    finally:
        soak.cleanup()
    print("soak: %s" % ("PASS" if rc == 0 else "FAIL"))
    sys.exit(rc)


if __name__ == "__main__":
    main()
