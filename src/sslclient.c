/* sslclient: connect to a TLS server and run a program that reads from the
   server on descriptor 6 and writes to it on descriptor 7.

   This process connects (-T), sets the environment, performs the handshake
   and verifies the server (-x -n) before the program starts: a server that
   fails costs no program run. The program is spawned with pipes on 6 and 7
   and this process stays as the relay (-w) and exits with its status.

   With -y (UCSPI-TLS on the client side) the program starts at once with
   the plain socket on 6 and 7 and SSLCTLFD, SSLREADFD, SSLWRITEFD, talks
   plain (say SMTP up to STARTTLS), then writes 'y' or 'Y' to SSLCTLFD; this
   process then does the handshake and relays between the TLS connection and
   SSLREADFD/SSLWRITEFD. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <libowfat/fmt.h>
#include <libowfat/scan.h>
#include <libowfat/socket.h>
#include <libowfat/stralloc.h>

#include "client_msg.h"
#include "conn_env.h"
#include "host_lookup.h"
#include "ip_address.h"
#include "log.h"
#include "remote_info.h"
#include "tls_client_connect.h"
#include "tls_client_context.h"
#include "tls_client_ocsp.h"
#include "tls_client_session.h"
#include "tls_client_env.h"
#include "tls_client_handshake.h"
#include "tls_client_verify.h"
#include "tls_relay.h"

extern char **environ;

/* where the program finds what, with -y */
#define CTL_FD 3
#define READ_FD 4
#define WRITE_FD 5

static int family;                        /* -4 -6 */
static int flagremotehost = 1, flagremoteinfo; /* -h/-H -r/-R */
static const char *localname;             /* -l */
static int flagtcpenv, flagsslenv;        /* -e/-E -s/-S */
static int flagnodelay;                   /* -d/-D */
static int flagverify = 1, flagname = 1;  /* -x/-X -n/-N */
static int flagsni;                       /* -m/-M */
static int flagucspitls;                  /* -y/-Y */
static unsigned long timeout1 = 2, timeout2 = 58; /* -T x+y */
static unsigned long infotimeout = 26;    /* -t */
static unsigned long progtimeout = 3600;  /* -w */
static char **prog;

static void usage(void) {
  log_line("usage: sslclient [ -463hHrRdDqQveEsSnNxXmMyY ] [ -i localip ] [ -p localport ]"
           " [ -T timeoutconn ] [ -l localname ] [ -t timeoutinfo ] [ -I interface ]"
           " [ -a cafile ] [ -A cadir ] [ -c certfile ] [ -z ciphers ] [ -k keyfile ]"
           " [ -K keypassfile ] [ -V verifydepth ] [ -w progtimeout ] host port program",
           (char *)0);
  _exit(100);
}

static unsigned long number(const char *s) {
  unsigned long u;
  size_t n = scan_ulong(s, &u);
  if (!n || s[n]) usage();
  return u;
}

/* -T x or x+y */
static void conn_timeouts(const char *s) {
  unsigned long u;
  size_t n = scan_ulong(s, &u);
  if (!n) usage();
  timeout1 = u;
  timeout2 = 0;
  if (!s[n]) return;
  if (s[n] != '+') usage();
  timeout2 = number(s + n + 1);
}

/* an empty value means unset, as in ucspi-ssl */
static const char *nonempty(const char *s) { return s && *s ? s : 0; }

/* A password ends at a NUL or at the end of input; a final newline (from
   echo or an editor) is not part of it. 1, 0 for a read error, -1 when
   too long. */
static int read_password(int fd, stralloc *pw) {
  char buf[512];
  for (;;) {
    ssize_t r = read(fd, buf, sizeof buf);
    char *nul;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return 0;
    if (r == 0) break;
    nul = memchr(buf, 0, (size_t)r);
    if (!stralloc_catb(pw, buf, nul ? (size_t)(nul - buf) : (size_t)r)) log_nomem();
    if (nul) break;
    if (pw->len > 4096) return -1;
  }
  if (pw->len && pw->s[pw->len - 1] == '\n') --pw->len;
  if (!stralloc_0(pw)) log_nomem();
  return 1;
}

/* -3 (file 0) or -K file, with ucspi-ssl's lines when it fails */
static void password_from(const char *file, stralloc *pw) {
  int fd = file ? open(file, O_RDONLY | O_CLOEXEC) : 3;
  int r = fd == -1 ? 0 : read_password(fd, pw);
  const char *why = client_msg_why(strerror(errno));
  if (fd != -1) close(fd);
  if (r == 1) return;
  if (r == -1) client_msg("error", 111, "password too long", (char *)0);
  else if (file) client_msg("error", 111, "unable to read password from: ", file, why, (char *)0);
  else client_msg("error", 111, "unable to read password from FD3", why, (char *)0);
  _exit(111);
}

/* fds 0, 1 and 2 must be taken, or pipes and sockets would land there */
static void hold_std_fds(void) {
  int fd;
  while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {}
  if (fd > 2) close(fd);
}

/* Moves fd above everything the program gets (0 to 7), so that no dup2 of
   the spawn clobbers a source of another. */
static int high(int fd) {
  int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);
  if (h == -1) client_msg_fatal("unable to move descriptor", 0);
  close(fd);
  return h;
}

struct fdmap {
  int from, to;
};

/* The program with map applied, the caller's other descriptors as they
   are (ours are all close-on-exec), default signal dispositions. */
static pid_t spawn_program(const struct fdmap *map, int n) {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  sigset_t none, dflt;
  pid_t pid;
  int e, i;

  sigemptyset(&none);
  sigemptyset(&dflt);
  sigaddset(&dflt, SIGPIPE);
  sigaddset(&dflt, SIGCHLD);
  posix_spawnattr_init(&attr);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &dflt);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawn_file_actions_init(&fa);
  for (i = 0; i < n; ++i) posix_spawn_file_actions_adddup2(&fa, map[i].from, map[i].to);
  e = posix_spawnp(&pid, prog[0], &fa, &attr, prog, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (e) {
    errno = e;
    client_msg_fatal("unable to run: ", prog[0]);
  }
  return pid;
}

static int wait_program(pid_t pid) {
  int wstat;
  while (waitpid(pid, &wstat, 0) == -1)
    if (errno != EINTR) return 111;
  if (WIFEXITED(wstat)) return WEXITSTATUS(wstat);
  return 111;
}

/* ------------------------------------------------------------- the TLS part */

/* from the environment: SESSIONFILE, OCSPSTATUS */
static const char *sessionfile;
static int wantocsp;

static SSL *new_ssl(SSL_CTX *ctx, int s, const char *host) {
  char ip[16];
  SSL *ssl = SSL_new(ctx);
  errno = 0;
  if (!ssl || SSL_set_fd(ssl, s) != 1) client_msg_fatal("unable to create TLS instance", 0);
  /* SNI carries names only, never addresses (RFC 6066) */
  if (flagsni && !ip_address_scan(host, ip, 0))
    if (SSL_set_tlsext_host_name(ssl, host) != 1)
      client_msg_fatal("unable to set TLS SNI extensions for hostname: ", host);
  tls_client_verify_setup(ssl, flagverify, flagname ? host : 0);
  if (sessionfile) tls_client_session_offer(ssl, sessionfile);
  return ssl;
}

/* Handshake and verification. Returns 0, or the exit code (110 or 111)
   after saying why as ucspi-ssl does. */
static int start_tls(SSL *ssl, int s, const struct conn *c, const char *host) {
  const char *reason, *why;
  char name[256];
  int ok;

  fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
  ok = tls_client_handshake(ssl, s, timeout1 + timeout2, &reason);
  switch (tls_client_verify_result(ssl, &why)) {
    case TLS_CLIENT_NO_CERT:
      client_msg("error", 110, "no server certificate", (char *)0);
      return 110;
    case TLS_CLIENT_UNTRUSTED:
      client_msg("error", 110, "missing credentials (CA) or unable to validate server certificate",
                 client_msg_why(why), (char *)0);
      return 110;
    case TLS_CLIENT_WRONG_HOST:
      tls_client_cert_name(ssl, name, sizeof name);
      client_msg("error", 110, "server hostname does not match certificate: ", host, " <=> ", name,
                 (char *)0);
      return 110;
    case TLS_CLIENT_VERIFIED:
      break;
  }
  if (!ok) {
    client_msg("fatal", 111, "unable to TLS connect", client_msg_why(reason), (char *)0);
    return 111;
  }
  /* -v: ucspi-ssl's line; -vv adds protocol and cipher, as sslserver -V */
  if (log_verbosity >= 3)
    log_status("tls connected to: ", c->remoteipstr, " port: ", c->remoteportstr, " ",
               SSL_get_version(ssl), ":", SSL_get_cipher_name(ssl), (char *)0);
  else
    log_status("tls connected to: ", c->remoteipstr, " port: ", c->remoteportstr, (char *)0);
  return 0;
}

/* Relays until both directions are done, then waits for the program. */
static _Noreturn void relay_and_exit(SSL *ssl, int s, int to_prog, int from_prog, pid_t child) {
  struct tls_relay relay;
  enum tls_relay_result rr;
  const char *reason;
  int code;

  memset(&relay, 0, sizeof relay);
  relay.ssl = ssl;
  relay.sock = s;
  relay.to_prog = to_prog;
  relay.from_prog = from_prog;
  relay.idle = progtimeout ? progtimeout : 1;
  rr = tls_relay_run(&relay, &reason);
  /* ucspi-ssl's line and code, and its exit 111 */
  if (rr == TLS_RELAY_ERROR || rr == TLS_RELAY_IDLE)
    client_msg("drop", 110, "unable to speak TLS", client_msg_why(reason), (char *)0);
  /* a reset is the end of the data: the program sees EOF and EPIPE */
  if (rr == TLS_RELAY_IDLE || rr == TLS_RELAY_ERROR) kill(child, SIGTERM);
  close(s);
  code = wait_program(child);
  _exit(rr == TLS_RELAY_IDLE || rr == TLS_RELAY_ERROR ? 111 : code);
}

/* The TLS variables for -s, into this process's environment */
static void set_tls_env(SSL *ssl) {
  static stralloc env;
  env.len = 0;
  if (!tls_client_env(ssl, &env)) log_nomem();
  conn_env_apply(env.s, env.len);
}

static _Noreturn void run_tls_first(SSL *ssl, int s, const struct conn *c, const char *host) {
  struct fdmap map[2];
  int in[2], out[2], code;
  pid_t child;

  code = start_tls(ssl, s, c, host);
  if (code) _exit(code);
  if (wantocsp) {
    const char *st = tls_client_ocsp_status(ssl);
    if (setenv("SSL_OCSP_STATUS", st, 1) == -1) log_nomem();
    log_status("ocsp status: ", st, (char *)0);
  }
  if (flagsslenv) set_tls_env(ssl);
  if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
    client_msg_fatal("unable to create pipe", 0);
  in[0] = high(in[0]);
  out[1] = high(out[1]);
  map[0].from = in[0];
  map[0].to = 6;
  map[1].from = out[1];
  map[1].to = 7;
  child = spawn_program(map, 2);
  close(in[0]);
  close(out[1]);
  relay_and_exit(ssl, s, in[1], out[0], child);
}

/* -y: the program first, TLS when it asks for it */
static _Noreturn void run_plain_first(SSL *ssl, int s, const struct conn *c, const char *host) {
  static stralloc env;
  struct fdmap map[5];
  int ctl[2], rd[2], wr[2], code;
  char num[FMT_ULONG], cmd = 0;
  pid_t child;
  ssize_t r;

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ctl) == -1)
    client_msg_fatal("unable to create control socket", 0);
  if (pipe2(rd, O_CLOEXEC) == -1 || pipe2(wr, O_CLOEXEC) == -1)
    client_msg_fatal("unable to create pipe", 0);
  ctl[1] = high(ctl[1]);
  rd[0] = high(rd[0]);
  wr[1] = high(wr[1]);
  map[0] = (struct fdmap){s, 6};
  map[1] = (struct fdmap){s, 7};
  map[2] = (struct fdmap){ctl[1], CTL_FD};
  map[3] = (struct fdmap){rd[0], READ_FD};
  map[4] = (struct fdmap){wr[1], WRITE_FD};
  num[fmt_ulong(num, CTL_FD)] = 0;
  if (setenv("SSLCTLFD", num, 1) == -1) log_nomem();
  num[fmt_ulong(num, READ_FD)] = 0;
  if (setenv("SSLREADFD", num, 1) == -1) log_nomem();
  num[fmt_ulong(num, WRITE_FD)] = 0;
  if (setenv("SSLWRITEFD", num, 1) == -1) log_nomem();
  child = spawn_program(map, 5);
  close(ctl[1]);
  close(rd[0]);
  close(wr[1]);

  /* 'y' starts TLS, 'Y' also asks for the variables; anything else is
     ignored; EOF means the program ended or wants no TLS */
  for (;;) {
    r = read(ctl[0], &cmd, 1);
    if (r == 1 && (cmd == 'y' || cmd == 'Y')) break;
    if (r == 0 || (r < 0 && errno != EINTR)) {
      close(ctl[0]);
      close(rd[1]);
      close(wr[0]);
      close(s);
      _exit(wait_program(child));
    }
  }
  code = start_tls(ssl, s, c, host);
  if (code) {
    /* the program learns by EOF everywhere: no control answer, no data */
    close(ctl[0]);
    close(rd[1]);
    close(wr[0]);
    shutdown(s, SHUT_RDWR);
    close(s);
    wait_program(child);
    _exit(code);
  }
  if (cmd == 'Y') {
    const char *p;
    size_t left;
    env.len = 0;
    if (!tls_client_env(ssl, &env) || !stralloc_0(&env)) log_nomem();
    if (env.len == 1 && !stralloc_0(&env)) log_nomem(); /* an empty set is \0\0 */
    for (p = env.s, left = env.len; left;) {
      ssize_t w = write(ctl[0], p, left);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) break; /* the program stopped listening: its business */
      p += w;
      left -= (size_t)w;
    }
  }
  close(ctl[0]);
  relay_and_exit(ssl, s, rd[1], wr[0], child);
}

/* ----------------------------------------------------------------- main */

/* what the command line says besides the global flags */
struct client_opts {
  struct tls_client_config tc;
  struct tls_client_local local;
  const char *keypassfile, *ifname;
  int flag3, flagca;
};

static void parse_options(int argc, char **argv, struct client_opts *o) {
  int opt;
  opterr = 0;
  while ((opt = getopt(argc, argv, "+463hHrRdDqQveEsSnNxXmMyYi:p:T:l:t:I:a:A:c:z:k:K:V:w:")) != -1)
    switch (opt) {
      case '4': family = 4; break;
      case '6': family = 6; break;
      case '3': o->flag3 = 1; break;
      case 'h': flagremotehost = 1; break;
      case 'H': flagremotehost = 0; break;
      case 'r': flagremoteinfo = 1; break;
      case 'R': flagremoteinfo = 0; break;
      case 'd': flagnodelay = 0; break;
      case 'D': flagnodelay = 1; break;
      case 'q': log_verbosity = 0; break;
      case 'Q': log_verbosity = 1; break;
      case 'v': log_verbosity = log_verbosity >= 2 ? 3 : 2; break; /* -vv: more */
      case 'e': flagtcpenv = 1; break;
      case 'E': flagtcpenv = 0; break;
      case 's': flagsslenv = 1; break;
      case 'S': flagsslenv = 0; break;
      case 'n': flagname = 1; break;
      case 'N': flagname = 0; break;
      case 'x': flagverify = 1; break;
      case 'X': flagverify = 0; break;
      case 'm': flagsni = 1; break;
      case 'M': flagsni = 0; break;
      case 'y': flagucspitls = 1; break;
      case 'Y': flagucspitls = 0; break;
      case 'i':
        if (!ip_address_scan(optarg, o->local.ip, &o->local.scope)) usage();
        o->local.haveip = 1;
        break;
      case 'p': {
        unsigned long u = number(optarg);
        if (u > 65535) usage();
        o->local.port = (uint16)u;
        break;
      }
      case 'T': conn_timeouts(optarg); break;
      case 'l': localname = optarg; break;
      case 't': infotimeout = number(optarg); break;
      case 'I': o->ifname = optarg; break;
      case 'a': o->tc.cafile = nonempty(optarg); o->flagca = 1; break;
      case 'A': o->tc.cadir = nonempty(optarg); o->flagca = 1; break;
      case 'c': o->tc.certfile = nonempty(optarg); break;
      case 'z': o->tc.ciphers = nonempty(optarg); break;
      case 'k': o->tc.keyfile = nonempty(optarg); break;
      case 'K': o->keypassfile = nonempty(optarg); break;
      case 'V': o->tc.verifydepth = number(optarg); break;
      case 'w': progtimeout = number(optarg); break;
      default: usage();
    }
}

/* resolves host and connects, as tcpclient: a socket above 2, or exit */
static int connect_to(const char *host, uint16 port, struct tls_client_local *local) {
  static stralloc addrs;
  char failed[16], failedstr[IP_ADDRESS_FMT], portstr[FMT_ULONG];
  uint32 scope = 0;
  int s;
  if (!tls_client_resolve(&addrs, host, family, &scope)) {
    client_msg("error", 111, "No IP address for: ", host,
               client_msg_why(errno ? strerror(errno) : 0), (char *)0);
    _exit(111);
  }
  if (scope && !local->scope) local->scope = scope;
  s = tls_client_connect(&addrs, port, local, timeout1, timeout2, failed);
  if (s == -1) {
    ip_address_fmt(failedstr, failed);
    portstr[fmt_ulong(portstr, port)] = 0;
    client_msg("drop", 110, "unable to connect to: ", failedstr, " port: ", portstr,
               client_msg_why(strerror(errno)), (char *)0);
    _exit(110);
  }
  s = high(s);
  if (flagnodelay) {
    int on = 1;
    setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
  }
  return s;
}

/* the environment, a la tcpclient */
static void connection_env(int s, struct conn *c) {
  static stralloc localsa, remotesa, infosa;
  struct sockaddr_storage ss;
  socklen_t sslen;
  memset(c, 0, sizeof *c);
  sslen = sizeof ss;
  if (getsockname(s, (struct sockaddr *)&ss, &sslen) == -1)
    client_msg_fatal("unable to get local address", 0);
  ip_address_from_sockaddr(&ss, c->localip, &c->localport, 0);
  sslen = sizeof ss;
  if (getpeername(s, (struct sockaddr *)&ss, &sslen) == -1)
    client_msg_fatal("unable to get remote address", 0);
  ip_address_from_sockaddr(&ss, c->remoteip, &c->remoteport, &c->scope);
  conn_format(c);
  if (log_verbosity >= 3) /* -vv: ours, before the handshake */
    log_status("connected to: ", c->remoteipstr, " port: ", c->remoteportstr, (char *)0);
  if (localname) c->localhost = localname;
  else if (host_lookup_name(&localsa, c->localip)) c->localhost = localsa.s;
  if (flagremotehost && host_lookup_name(&remotesa, c->remoteip)) c->remotehost = remotesa.s;
  if (flagremoteinfo && remote_info(&infosa, c->remoteip, c->remoteport, c->localip, c->localport,
                                    c->scope, infotimeout))
    c->remoteinfo = infosa.s;
  conn_env_set(c, flagtcpenv);
}

int main(int argc, char **argv) {
  static stralloc password;
  static struct tls_client_failure failure;
  static struct client_opts o;
  struct conn c;
  const char *host, *servername = 0;
  int s;
  uint16 port;
  SSL_CTX *ctx;
  SSL *ssl;
  struct sigaction sa;

  log_init("sslclient");
  hold_std_fds();
  o.tc.verifydepth = 1;
  parse_options(argc, argv, &o);
  argv += optind;
  if (!argv[0] || !*argv[0] || !argv[1] || !*argv[1] || !argv[2]) usage();
  host = argv[0];
  if (!strcmp(host, "0")) host = "127.0.0.1";
  prog = argv + 2;
  o.tc.verify = flagverify;
  tls_client_config_from_env(&o.tc);
  sessionfile = o.tc.sessionfile;
  wantocsp = o.tc.ocsp;
  /* SERVERNAME: the name to send (SNI, as if -m) and to verify, when not
     the host's */
  if (nonempty(getenv("SERVERNAME"))) {
    servername = getenv("SERVERNAME");
    flagsni = 1;
  }
  if (!o.flagca) { /* the environment's CA list only when no option names one */
    o.tc.cafile = nonempty(getenv("CAFILE"));
    o.tc.cadir = nonempty(getenv("CADIR"));
  }

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, 0);

  port = tls_client_port(argv[1]);
  if (o.flag3) password_from(0, &password);
  else if (o.keypassfile) password_from(o.keypassfile, &password);
  o.tc.password = password.s;
  if (o.ifname) {
    o.local.scope = socket_getifidx(o.ifname);
    if (!o.local.scope) {
      errno = 0;
      client_msg_fatal("unknown interface: ", o.ifname);
    }
  }

  /* the TLS context first: a bad certificate or CA file costs no connection */
  ctx = tls_client_context(&o.tc, &failure);
  if (password.s) OPENSSL_cleanse(password.s, password.a);
  if (!ctx) {
    client_msg(failure.kind, 111, failure.line.s, client_msg_why(failure.detail.s), (char *)0);
    _exit(111);
  }

  s = connect_to(host, port, &o.local);
  connection_env(s, &c);
  if (!servername) servername = host;
  ssl = new_ssl(ctx, s, servername);
  if (flagucspitls) run_plain_first(ssl, s, &c, servername);
  run_tls_first(ssl, s, &c, servername);
}
