/* sslserver: accept TCP connections, apply rules and limits, do the TLS
   handshake, and run a program per connection that reads and writes plain
   text on fds 0 and 1 while this process relays to and from the TLS side.

   Processes: the listener (options, TLS context built once, bind, privilege
   drop, accept loop, child table) forks one connection child per socket.
   The child applies -y rules, looks up names (-h -p -l -r), applies -x
   rules and MAXCONIP, performs the handshake (-T), and only then spawns the
   program with pipes on 0/1 and nothing else open; it stays as the relay
   (-w) and exits with the program's status. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <libowfat/fmt.h>
#include <libowfat/scan.h>
#include <libowfat/stralloc.h>

#include "bind_listen.h"
#include "conn_env.h"
#include "conn_limits.h"
#include "host_lookup.h"
#include "ip_address.h"
#include "log.h"
#include "privileges.h"
#include "remote_info.h"
#include "rules.h"
#include "tls_context.h"
#include "tls_env.h"
#include "tls_handshake.h"
#include "tls_relay.h"

extern char **environ;

/* options */
static unsigned long limit = 40;     /* -c */
static unsigned long maxconip;       /* MAXCONIP from the environment, 0 = none */
static unsigned long backlog = 256;  /* -b */
static unsigned long identtimeout = 26, tlstimeout = 26, idletimeout = 3600; /* -t -T -w */
static unsigned long uid, gid;       /* -u -g -U */
static const char *fnrules, *fniprules; /* -x -y */
static int flagallownorules;         /* -X */
static const char *banner = "";      /* -B */
static int flagremotehost = 1, flagparanoid, flagremoteinfo; /* -h/-H -p/-P -r/-R */
static const char *localname;        /* -l */
static int flagtcpenv;               /* -e/-E */
static int flagkillopts = 1, flagnodelay; /* -o/-O -d/-D */
static int flag1, flag3, family;     /* -1 -3 -4/-6 */
static const char *ifname;           /* -I */
static char **prog;

static SSL_CTX *ctx;
static sigset_t blocked_chld, unblocked;

static void usage(void) {
  log_line("usage: sslserver [ -1346UXpPhHrRoOdDqQvVeE ] [ -c limit ] [ -x rules.cdb ]"
           " [ -y iprules.cdb ] [ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ]"
           " [ -l localname ] [ -t timeout ] [ -T tlstimeout ] [ -w idletimeout ]"
           " [ -I interface ] host port program",
           (char *)0);
  _exit(100);
}

static unsigned long number(const char *s) {
  unsigned long u;
  size_t n = scan_ulong(s, &u);
  if (!n || s[n]) usage();
  return u;
}

/* ---------------------------------------------------------------- child */

/* what -x/-y found for this connection */
struct verdict {
  int deny;              /* 1 rule said deny, 2 MAXCONIP exceeded */
  unsigned long maxconip; /* from a rule, 0 if none */
};

static void log_verdict(const struct conn *c, const char *pidstr, int deny,
                        unsigned long rulemax) {
  char lh[128], rh[128], num[FMT_ULONG];
  if (log_verbosity < 2) return;
  log_clean(lh, sizeof lh, c->localhost ? c->localhost : "");
  log_clean(rh, sizeof rh, c->remotehost ? c->remotehost : "");
  num[fmt_ulong(num, rulemax)] = 0;
  log_line(deny ? "deny " : "ok ", pidstr, " ", lh, ":", c->localipstr, ":", c->localportstr, " ",
           rh, ":", c->remoteipstr, ":", c->remoteportstr,
           deny == 2 ? " ip connection limit:" : "", deny == 2 ? num : "",
           deny == 2 ? " exceeded" : "", (char *)0);
}

/* Looks the connection up in file; applies the rule's variables on allow.
   Returns RULES_ALLOW or RULES_DENY; *explicit says a non-default key hit. */
static int check_rules(const char *file, const struct conn *c, int with_names,
                       struct verdict *v, int *explicit) {
  static stralloc key, vars;
  struct rules_query q;
  int fd, r;
  size_t i;

  *explicit = 0;
  fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    if (errno == ENOENT && flagallownorules) return RULES_ALLOW;
    log_warn("dropping connection, unable to read rules: ", file, ": ", strerror(errno), (char *)0);
    _exit(111);
  }
  q.ip = c->remoteipstr;
  q.info = with_names ? c->remoteinfo : 0;
  q.host = with_names ? c->remotehost : 0;
  key.len = vars.len = 0;
  r = rules_lookup(fd, &q, &key, &vars);
  close(fd);
  if (r == RULES_ERROR) {
    log_warn("dropping connection, unable to read rules: ", file, ": ", strerror(errno), (char *)0);
    _exit(111);
  }
  if (r == RULES_DENY) return RULES_DENY;
  *explicit = key.len > 0;
  conn_env_apply(vars.s, vars.len);
  for (i = 0; i < vars.len; i += strlen(vars.s + i) + 1)
    if (!strncmp(vars.s + i, "MAXCONIP=", 9)) {
      unsigned long u = 0;
      scan_ulong(vars.s + i + 9, &u);
      v->maxconip = u;
    }
  return RULES_ALLOW;
}

static void socket_options(int t, const struct conn *c) {
  int on = 1;
  if (flagkillopts && ip_address_is4(c->localip))
    setsockopt(t, IPPROTO_IP, IP_OPTIONS, 0, 0); /* source routes: reply by default route */
  if (flagnodelay) setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* The program, with the pipes on 0 and 1, fd 2 shared, nothing else open,
   default signal dispositions; posix_spawn avoids copying this process. */
static pid_t spawn_program(int in, int out) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, dflt;
  pid_t pid;
  int e;

  sigemptyset(&none);
  sigemptyset(&dflt);
  sigaddset(&dflt, SIGPIPE);
  sigaddset(&dflt, SIGCHLD);
  sigaddset(&dflt, SIGTERM);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &dflt);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in, 0);
  posix_spawn_file_actions_adddup2(&fa, out, 1);
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
  e = posix_spawnp(&pid, prog[0], &fa, &attr, prog, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (e) {
    errno = e;
    log_fatal_sys(111, "unable to run: ", prog[0], (char *)0);
  }
  return pid;
}

static int exit_code(int wstat) {
  if (WIFEXITED(wstat)) return WEXITSTATUS(wstat);
  return 111;
}

static void serve(int t, struct conn *c, unsigned long ipcount) {
  static stralloc localsa, remotesa, infosa, tlsenv;
  char pidstr[FMT_ULONG];
  struct verdict v = {0, 0};
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  int explicit = 0, wstat, in[2], out[2];
  const char *reason;
  SSL *ssl;
  pid_t child;
  struct tls_relay relay;
  enum tls_relay_result rr;

  pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
  if (getsockname(t, (struct sockaddr *)&ss, &sslen) == -1)
    log_fatal_sys(111, "unable to get local address", (char *)0);
  ip_address_from_sockaddr(&ss, c->localip, &c->localport, 0);
  conn_format(c);
  log_status("pid ", pidstr, " from ", c->remoteipstr, (char *)0);

  if (localname) c->localhost = localname;
  /* -y: the address alone, before any DNS or ident traffic */
  if (fniprules) {
    if (check_rules(fniprules, c, 0, &v, &explicit) == RULES_DENY) v.deny = 1;
  }
  if (!v.deny) {
    if (!localname && host_lookup_name(&localsa, c->localip)) c->localhost = localsa.s;
    if (flagremotehost && host_lookup_name(&remotesa, c->remoteip))
      if (!flagparanoid || host_lookup_confirms(remotesa.s, c->remoteip)) c->remotehost = remotesa.s;
    if (flagremoteinfo &&
        remote_info(&infosa, c->remoteip, c->remoteport, c->localip, c->localport, c->scope,
                    identtimeout))
      c->remoteinfo = infosa.s;
    /* an explicit allow from -y stands; otherwise -x decides */
    if (fnrules && !explicit)
      if (check_rules(fnrules, c, 1, &v, &explicit) == RULES_DENY) v.deny = 1;
  }
  if (!v.deny && v.maxconip) {
    if (limit && v.maxconip > limit) v.maxconip = limit;
    if (ipcount >= v.maxconip) v.deny = 2;
  }
  log_verdict(c, pidstr, v.deny, v.maxconip);
  if (v.deny) _exit(100);

  conn_env_set(c, flagtcpenv);
  socket_options(t, c);

  /* the handshake, bounded by -T; a failure costs no program start */
  fcntl(t, F_SETFL, fcntl(t, F_GETFL) | O_NONBLOCK);
  ssl = SSL_new(ctx);
  if (!ssl || SSL_set_fd(ssl, t) != 1) log_fatal(111, "unable to create TLS instance", (char *)0);
  if (tls_handshake_accept(ssl, t, tlstimeout, &reason) != TLS_HANDSHAKE_OK) {
    log_error("(111) unable to accept TLS from: ", c->remoteipstr, " for pid: ", pidstr, " ",
              reason, (char *)0);
    _exit(111);
  }
  if (log_verbosity >= 3)
    log_line("tls ", pidstr, " accept ", SSL_get_version(ssl), ":", SSL_get_cipher_name(ssl),
             (char *)0);
  tlsenv.len = 0;
  if (!tls_env_session(ssl, &tlsenv)) log_nomem();
  conn_env_apply(tlsenv.s, tlsenv.len);

  if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
    log_fatal_sys(111, "unable to create pipe", (char *)0);
  child = spawn_program(in[0], out[1]);
  close(in[0]);
  close(out[1]);

  relay.ssl = ssl;
  relay.sock = t;
  relay.to_prog = in[1];
  relay.from_prog = out[0];
  relay.idle = idletimeout;
  relay.banner = banner;
  relay.bannerlen = strlen(banner);
  rr = tls_relay_run(&relay, &reason);
  if (rr == TLS_RELAY_ERROR)
    log_error("(111) unable to speak TLS from: ", c->remoteipstr, " for pid: ", pidstr, " ",
              reason, (char *)0);
  /* on a reset the program sees EOF and EPIPE and ends on its own */
  if (rr == TLS_RELAY_IDLE || rr == TLS_RELAY_ERROR) kill(child, SIGTERM);
  close(t);
  while (waitpid(child, &wstat, 0) == -1)
    if (errno != EINTR) _exit(111);
  _exit(exit_code(wstat));
}

/* ------------------------------------------------------------- listener */

static void status(void) {
  char n[FMT_ULONG], l[FMT_ULONG], m[FMT_ULONG];
  if (log_verbosity < 2) return;
  n[fmt_ulong(n, conn_limits_count())] = 0;
  l[fmt_ulong(l, limit)] = 0;
  m[fmt_ulong(m, maxconip)] = 0;
  log_line("status ", n, "/", l, "/", m, (char *)0);
}

/* SIGCHLD is blocked except while the listener waits in accept() or
   sigsuspend(), so this handler never interrupts the table or a log line. */
static void reap(int sig) {
  int wstat, saved = errno;
  pid_t pid;
  (void)sig;
  while ((pid = waitpid(-1, &wstat, WNOHANG)) > 0)
    if (conn_limits_remove(pid)) {
      char p[FMT_ULONG], w[FMT_ULONG];
      p[fmt_ulong(p, (unsigned long)pid)] = 0;
      w[fmt_ulong(w, (unsigned long)wstat)] = 0;
      log_status("ended by ", p, " status ", w, (char *)0);
      status();
    }
  errno = saved;
}

static void terminate(int sig) {
  (void)sig;
  _exit(0);
}

static void read_password(stralloc *pw) {
  char buf[512];
  for (;;) {
    ssize_t r = read(3, buf, sizeof buf);
    char *nul;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) log_fatal_sys(111, "unable to read key password from descriptor 3", (char *)0);
    if (r == 0) break;
    nul = memchr(buf, 0, (size_t)r);
    if (!stralloc_catb(pw, buf, nul ? (size_t)(nul - buf) : (size_t)r)) log_nomem();
    if (nul) break;
    if (pw->len > 4096) log_fatal(111, "key password too long", (char *)0);
  }
  close(3);
  if (pw->len && pw->s[pw->len - 1] == '\n') --pw->len;
  if (!stralloc_0(pw)) log_nomem();
}

/* fds 0, 1 and 2 must be taken, or pipes and sockets would land there */
static void hold_std_fds(void) {
  int fd;
  while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {}
  if (fd > 2) close(fd);
}

int main(int argc, char **argv) {
  static stralloc password, err;
  struct tls_server_config tc;
  struct bind_request req;
  struct bound b;
  struct sigaction sa;
  const char *x;
  int opt;

  log_init("sslserver");
  hold_std_fds();
  opterr = 0;
  while ((opt = getopt(argc, argv, "+1346UXpPhHrRoOdDqQvVeEsSnNmzZc:x:y:B:g:u:I:b:t:T:w:l:")) != -1)
    switch (opt) {
      case '1': flag1 = 1; break;
      case '3': flag3 = 1; break;
      case '4': family = 4; break;
      case '6': family = 6; break;
      case 'U':
        if ((x = getenv("UID"))) uid = number(x);
        if ((x = getenv("GID"))) gid = number(x);
        break;
      case 'X': flagallownorules = 1; break;
      case 'p': flagparanoid = 1; break;
      case 'P': flagparanoid = 0; break;
      case 'h': flagremotehost = 1; break;
      case 'H': flagremotehost = 0; break;
      case 'r': flagremoteinfo = 1; break;
      case 'R': flagremoteinfo = 0; break;
      case 'o': flagkillopts = 0; break;
      case 'O': flagkillopts = 1; break;
      case 'd': flagnodelay = 0; break;
      case 'D': flagnodelay = 1; break;
      case 'q': log_verbosity = 0; break;
      case 'Q': log_verbosity = 1; break;
      case 'v': log_verbosity = 2; break;
      case 'V': log_verbosity = 3; break;
      case 'e': flagtcpenv = 1; break;
      case 'E': flagtcpenv = 0; break;
      case 'S': case 'N': case 'Z': break; /* the defaults */
      case 's': case 'n': case 'm': case 'z':
        log_line("fatal: option -", (char[]){(char)opt, 0}, " is not supported yet", (char *)0);
        _exit(100);
      case 'c': limit = number(optarg); if (!limit) usage(); break;
      case 'x': fnrules = optarg; break;
      case 'y': fniprules = optarg; break;
      case 'B': banner = optarg; break;
      case 'g': gid = number(optarg); break;
      case 'u': uid = number(optarg); break;
      case 'I': ifname = optarg; break;
      case 'b': backlog = number(optarg); break;
      case 't': identtimeout = number(optarg); break;
      case 'T': tlstimeout = number(optarg); break;
      case 'w': idletimeout = number(optarg); break;
      case 'l': localname = optarg; break;
      default: usage();
    }
  argv += optind;
  if (!argv[0] || !*argv[0] || !argv[1] || !argv[2]) usage();
  req.host = argv[0];
  req.port = argv[1];
  prog = argv + 2;
  req.family = family;
  req.ifname = ifname;
  req.backlog = backlog ? backlog : 1;
  if (!idletimeout) idletimeout = 1;

  if ((x = getenv("MAXCONIP"))) {
    unsigned long u = 0;
    scan_ulong(x, &u);
    maxconip = u > limit ? limit : u;
  }

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, 0);
  sa.sa_handler = terminate;
  sigaction(SIGTERM, &sa, 0);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, 0);
  sigemptyset(&blocked_chld);
  sigaddset(&blocked_chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &blocked_chld, &unblocked);
  sigdelset(&unblocked, SIGCHLD);

  /* the TLS context: every key-material error is fatal before listening */
  if (flag3) read_password(&password);
  tls_context_config_from_env(&tc);
  tc.password = flag3 ? password.s : 0;
  privileges_key_begin();
  ctx = tls_context_server(&tc, &err);
  privileges_key_end();
  if (password.s) OPENSSL_cleanse(password.s, password.a);
  if (!ctx) log_fatal(111, err.s, (char *)0);

  bind_listen(&req, &b);
  privileges_chroot();
  privileges_drop(gid, uid);
  conn_limits_init(limit);

  if (flag1) {
    char port[FMT_ULONG + 1];
    size_t n = fmt_ulong(port, b.port);
    port[n++] = '\n';
    if (write(1, port, n) != (ssize_t)n) log_fatal_sys(111, "unable to print port", (char *)0);
  }
  status();

  for (;;) {
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    struct conn c;
    unsigned long ipcount;
    pid_t pid;
    int t;

    while (conn_limits_count() >= limit) sigsuspend(&unblocked);
    sigprocmask(SIG_UNBLOCK, &blocked_chld, 0);
    t = accept4(b.fd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC);
    sigprocmask(SIG_BLOCK, &blocked_chld, 0);
    if (t == -1) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        poll(0, 0, 100); /* out of descriptors: do not spin */
      continue;
    }
    memset(&c, 0, sizeof c);
    ip_address_from_sockaddr(&ss, c.remoteip, &c.remoteport, &c.scope);
    ipcount = conn_limits_count_ip(c.remoteip);
    if (maxconip && ipcount >= maxconip) {
      char ipstr[IP_ADDRESS_FMT], m[FMT_ULONG];
      ip_address_fmt(ipstr, c.remoteip);
      m[fmt_ulong(m, maxconip)] = 0;
      if (log_verbosity >= 1)
        log_line("WARNING ip connection limit of ", m, " exceeded for: ", ipstr, (char *)0);
      close(t);
      continue;
    }
    pid = fork();
    if (pid == 0) {
      close(b.fd);
      sa.sa_handler = SIG_DFL;
      sa.sa_flags = 0;
      sigaction(SIGTERM, &sa, 0);
      sigaction(SIGCHLD, &sa, 0);
      sigprocmask(SIG_SETMASK, &unblocked, 0);
      serve(t, &c, ipcount);
    }
    if (pid == -1) {
      log_warn("unable to fork: ", strerror(errno), (char *)0);
      close(t);
      poll(0, 0, 100);
      continue;
    }
    conn_limits_add(pid, c.remoteip);
    status();
    close(t);
  }
}
