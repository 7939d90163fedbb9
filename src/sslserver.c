/* sslserver: accept TCP connections, apply rules and limits, do the TLS
   handshake, and run a program per connection that reads and writes plain
   text on fds 0 and 1 while this process relays to and from the TLS side.

   Processes: the listener (options, TLS context built once, bind, privilege
   drop, accept loop, child table) forks one connection child per socket.
   The child applies -y rules, looks up names (-h -p -l -r), applies -x
   rules and MAXCONIP, performs the handshake (-T), and only then spawns the
   program with pipes on 0/1 and nothing else open; it stays as the relay
   (-w) and exits with the program's status.

   With -n (UCSPI-TLS) the program starts at once: the child relays clear
   text until the program asks for TLS on the control socket, then does the
   handshake and relays between the TLS connection and two more pipes. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

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
#include "prog_spawn.h"
#include "remote_info.h"
#include "rules.h"
#include "tls_client_cert.h"
#include "tls_context.h"
#include "tls_env.h"
#include "tls_env_cert.h"
#include "tls_handshake.h"
#include "tls_relay.h"
#include "tls_warmup.h"
#include "ucspi_tls.h"

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
static int flagclientcert;           /* -m 'm', -z 'z', -Z 0 */
static int flagsslenv;               /* -s/-S */
static int flagsslwait;              /* -n/-N */
static char **prog;

static SSL_CTX *ctx;
static struct tls_cc_config ccconf;  /* the client-certificate policy at start-up */

/* The program's descriptors with -n: SSLCTLFD, SSLREADFD, SSLWRITEFD. */
#define CTL_FD 3
#define READ_FD 4
#define WRITE_FD 5
/* -s: the certificate variables together stay below this many bytes */
#define CERT_ENV_MAX 65536
static sigset_t blocked_chld, unblocked;

static void usage(void) {
  log_line("usage: sslserver [ -1346UXpPhHrRoOdDqQvVeEsSnNmzZ ] [ -c limit ] [ -x rules.cdb ]"
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
  unsigned long maxconip; /* from a rule, 0 if none */
  int tls;               /* TLS settings the rules changed: RULE_* bits */
};

/* Rules may set TLS variables for the connections they match. Changes to
   the certificate, key or ciphers need a context of their own; changes to
   the client-certificate policy only touch the connection's SSL object;
   connections whose rules set none of them use the start-up context. */
#define RULE_CONTEXT 1
#define RULE_CLIENTCERT 2
static const struct {
  const char *name;
  int bit;
} tlsvars[] = {
  {"CERTFILE", RULE_CONTEXT},      {"KEYFILE", RULE_CONTEXT},
  {"CERTCHAINFILE", RULE_CONTEXT}, {"CIPHERS", RULE_CONTEXT},
  {"DHFILE", RULE_CONTEXT},        {"CCAFILE", RULE_CLIENTCERT},
  {"CCAVERIFY", RULE_CLIENTCERT},  {"CAFILE", RULE_CLIENTCERT},
  {"CADIR", RULE_CLIENTCERT},      {"VERIFYDEPTH", RULE_CLIENTCERT},
};

static int tls_rule_bit(const char *var) {
  size_t k, n = strcspn(var, "=");
  for (k = 0; k < sizeof tlsvars / sizeof tlsvars[0]; ++k)
    if (strlen(tlsvars[k].name) == n && !strncmp(var, tlsvars[k].name, n)) return tlsvars[k].bit;
  return tls_context_is_var(var, n) ? RULE_CONTEXT : 0;
}

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

/* One rules lookup, kept so that the listener's lookup serves the child:
   result RULES_ALLOW, RULES_DENY or RULES_ERROR (errno set); vars are the
   allow rule's NAME=value\0 strings; explicit: a non-default key hit. */
struct rules_hit {
  int done, result, explicit;
  stralloc vars;
};

static void rules_look(const char *file, const struct conn *c, int with_names,
                       struct rules_hit *h) {
  static stralloc key;
  struct rules_query q;
  int fd;

  h->done = 1;
  h->explicit = 0;
  h->vars.len = key.len = 0;
  fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    h->result = errno == ENOENT && flagallownorules ? RULES_ALLOW : RULES_ERROR;
    return;
  }
  q.ip = c->remoteipstr;
  q.info = with_names ? c->remoteinfo : 0;
  q.host = with_names ? c->remotehost : 0;
  h->result = rules_lookup(fd, &q, &key, &h->vars);
  if (h->result == RULES_ERROR) {
    int e = errno;
    close(fd);
    errno = e;
    return;
  }
  close(fd);
  h->explicit = h->result == RULES_ALLOW && key.len > 0;
}

/* what an allow rule means for the verdict: MAXCONIP and the TLS bits */
static void rules_verdict(const struct rules_hit *h, struct verdict *v) {
  size_t i;
  for (i = 0; i < h->vars.len; i += strlen(h->vars.s + i) + 1) {
    v->tls |= tls_rule_bit(h->vars.s + i);
    if (!strncmp(h->vars.s + i, "MAXCONIP=", 9)) {
      unsigned long u = 0;
      scan_ulong(h->vars.s + i + 9, &u);
      v->maxconip = u;
    }
  }
}

static void rules_warn(const char *file) {
  log_warn("dropping connection, unable to read rules: ", file, ": ", strerror(errno), (char *)0);
}

/* -y and -x as far as they are known: which applies, in order */
struct rules_state {
  int formatted;          /* local address read and conn formatted */
  struct rules_hit y, x;
};

/* Runs the lookups not yet done (names known now: with_names) and decides.
   Returns 0 allow, 1 deny by rule, 2 MAXCONIP exceeded, -1 unable to read
   (warned); stops at the first lookup that needs names when !with_names. */
static int rules_decide(const struct conn *c, unsigned long ipcount, int with_names,
                        struct rules_state *st, struct verdict *v) {
  if (fniprules) {
    if (!st->y.done) rules_look(fniprules, c, 0, &st->y);
    if (st->y.result == RULES_ERROR) {
      rules_warn(fniprules);
      return -1;
    }
    if (st->y.result == RULES_DENY) return 1;
    rules_verdict(&st->y, v);
  }
  /* an explicit allow from -y stands; otherwise -x decides */
  if (fnrules && !(fniprules && st->y.explicit)) {
    if (!st->x.done) {
      if (!with_names) return 0;
      rules_look(fnrules, c, 1, &st->x);
    }
    if (st->x.result == RULES_ERROR) {
      rules_warn(fnrules);
      return -1;
    }
    if (st->x.result == RULES_DENY) return 1;
    rules_verdict(&st->x, v);
  }
  if (v->maxconip) {
    if (limit && v->maxconip > limit) v->maxconip = limit;
    if (ipcount >= v->maxconip) return 2;
  }
  return 0;
}

static void socket_options(int t, const struct conn *c) {
  int on = 1;
  if (flagkillopts && ip_address_is4(c->localip))
    setsockopt(t, IPPROTO_IP, IP_OPTIONS, 0, 0); /* source routes: reply by default route */
  /* on through the handshake even with -d: the relay turns it off later */
  setsockopt(t, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* The program, with map[i] on descriptor i (-1: leave as is, for fd 2),
   nothing else open, default signal dispositions. The sources must not be
   among the targets. */
static pid_t spawn_program(const int *map, int count) {
  sigset_t dflt;
  pid_t pid;
  sigemptyset(&dflt);
  sigaddset(&dflt, SIGPIPE);
  sigaddset(&dflt, SIGCHLD);
  sigaddset(&dflt, SIGTERM);
  pid = prog_spawn(prog, map, count, &dflt);
  if (pid == -1) log_fatal_sys(111, "unable to run: ", prog[0], (char *)0);
  return pid;
}

static int exit_code(int wstat) {
  if (WIFEXITED(wstat)) return WEXITSTATUS(wstat);
  return 111;
}

/* waits for the program; exits with its status, or with code when it was
   ended for a reason of ours (code 0: its status anyway) */
static _Noreturn void finish(pid_t child, int kill_it, int code) {
  int wstat;
  if (kill_it) kill(child, SIGTERM);
  while (waitpid(child, &wstat, 0) == -1)
    if (errno != EINTR) _exit(111);
  _exit(code ? code : exit_code(wstat));
}

/* a pipe or socket pair whose descriptors are above the program's targets */
static void high_pair(int fd[2], int sock) {
  int i, r = sock ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) : pipe2(fd, O_CLOEXEC);
  if (r == -1) log_fatal_sys(111, sock ? "unable to create socket pair" : "unable to create pipe", (char *)0);
  for (i = 0; i < 2; ++i)
    if (fd[i] < 10) {
      int h = fcntl(fd[i], F_DUPFD_CLOEXEC, 10);
      if (h == -1) log_fatal_sys(111, "unable to move descriptor", (char *)0);
      close(fd[i]);
      fd[i] = h;
    }
}

static void session_id_context(SSL *ssl, const struct tls_cc_config *cc, unsigned long depth) {
  /* sessions resume only under the policy that made them */
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int mdlen = 0;
  stralloc s = {0};
  char num[FMT_ULONG];
  stralloc_copyb(&s, num, fmt_ulong(num, (unsigned long)cc->mode));
  stralloc_cats(&s, "/");
  stralloc_catb(&s, num, fmt_ulong(num, depth));
  stralloc_cats(&s, "/");
  stralloc_cats(&s, cc->ccafile ? cc->ccafile : "");
  stralloc_cats(&s, "/");
  stralloc_cats(&s, cc->cafile ? cc->cafile : "");
  stralloc_cats(&s, "/");
  stralloc_cats(&s, cc->cadir ? cc->cadir : "");
  if (!s.s || !EVP_Digest(s.s, s.len, md, &mdlen, EVP_sha256(), 0)) log_nomem();
  if (mdlen > SSL_MAX_SID_CTX_LENGTH) mdlen = SSL_MAX_SID_CTX_LENGTH;
  SSL_set_session_id_context(ssl, md, mdlen);
  stralloc_free(&s);
}

/* The connection's SSL object: from the start-up context, or with the TLS
   settings its rules set. *mode: the client-certificate policy in force. */
static SSL *connection_ssl(int t, const struct conn *c, const char *pidstr,
                           const struct verdict *v, enum tls_cc_mode *mode) {
  static stralloc err;
  struct tls_cc_config cc = ccconf;
  SSL_CTX *use = ctx;
  SSL *ssl;

  if (v->tls && !tls_cc_config_from_env(&cc, flagclientcert, &err)) {
    log_error("(100) ", err.s, " for: ", c->remoteipstr, " pid: ", pidstr, (char *)0);
    _exit(100);
  }
  if (v->tls & RULE_CONTEXT) {
    struct tls_server_config tc;
    tls_context_config_from_env(&tc);
    use = tls_context_server(&tc, &err);
    if (use && !tls_cc_setup_ctx(use, &cc, &err)) {
      SSL_CTX_free(use);
      use = 0;
    }
    if (!use) {
      log_error("(111) unable to use TLS settings from rules for: ", c->remoteipstr, " pid: ", pidstr,
                " ", err.s, (char *)0);
      _exit(111);
    }
  }
  ssl = SSL_new(use);
  if (use != ctx) SSL_CTX_free(use); /* the SSL object holds its own reference */
  if (!ssl || SSL_set_fd(ssl, t) != 1) log_fatal(111, "unable to create TLS instance", (char *)0);
  if (v->tls == RULE_CLIENTCERT) {
    struct tls_server_config tc;
    tls_context_config_from_env(&tc); /* for VERIFYDEPTH */
    if (!tls_cc_setup_ssl(ssl, &cc, &err)) {
      log_error("(111) unable to use TLS settings from rules for: ", c->remoteipstr, " pid: ", pidstr,
                " ", err.s, (char *)0);
      _exit(111);
    }
    SSL_set_verify_depth(ssl, (int)tc.verifydepth);
    session_id_context(ssl, &cc, tc.verifydepth);
  }
  *mode = cc.mode;
  return ssl;
}

/* The handshake, bounded by -T, and the client-certificate decision.
   On failure: one log line, the program (if any) ended, exit. */
static void handshake(SSL *ssl, int t, const struct conn *c, const char *pidstr,
                      enum tls_cc_mode mode, stralloc *verify, pid_t child) {
  static stralloc why;
  const char *reason, *cert;
  if (tls_handshake_accept(ssl, t, tlstimeout, &reason) != TLS_HANDSHAKE_OK) {
    /* only a required certificate ends a handshake for being what it is */
    if ((mode == TLS_CC_REQUIRE || mode == TLS_CC_HOST) && (cert = tls_cc_handshake_reason(ssl))) {
      log_error("(100) client certificate refused from: ", c->remoteipstr, " for pid: ", pidstr, " ",
                cert, (char *)0);
      if (child > 0) finish(child, 1, 100);
      _exit(100);
    }
    log_error("(111) unable to accept TLS from: ", c->remoteipstr, " for pid: ", pidstr, " ",
              reason, (char *)0);
    if (child > 0) finish(child, 1, 111);
    _exit(111);
  }
  if (log_verbosity >= 3) {
    log_line("tls ", pidstr, " accept ", SSL_get_version(ssl), ":", SSL_get_cipher_name(ssl),
             (char *)0);
    if (tls_env_summary(ssl, &why)) log_line("tlsinfo ", pidstr, " ", why.s, (char *)0);
  }
  verify->len = 0;
  if (mode == TLS_CC_OFF) return;
  if (!tls_cc_check(ssl, mode, c->remotehost, verify, &why)) {
    log_error("(100) client certificate refused from: ", c->remoteipstr, " for pid: ", pidstr, " ",
              why.s, (char *)0);
    SSL_shutdown(ssl);
    if (child > 0) finish(child, 1, 100);
    _exit(100);
  }
  if (SSL_get0_peer_certificate(ssl) && SSL_get_verify_result(ssl) == X509_V_OK)
    log_status("info: valid client cert received for pid: ", pidstr, (char *)0);
}

/* The TLS variables: the session, SSL_CLIENT_VERIFY when a certificate was
   requested or -s, and with -s the certificates, bounded in size. */
static void tls_variables(SSL *ssl, const struct conn *c, const char *pidstr,
                          const stralloc *verify, stralloc *env) {
  X509 *own, *peer;
  size_t start, before;
  if (!tls_env_session(ssl, env)) log_nomem();
  if (verify->len || flagsslenv) {
    if (!stralloc_cats(env, "SSL_CLIENT_VERIFY=") ||
        !stralloc_cats(env, verify->len ? verify->s : "NONE") || !stralloc_0(env))
      log_nomem();
  }
  if (!flagsslenv) return;
  start = env->len;
  own = SSL_get_certificate(ssl);
  if (own && !tls_env_cert(env, "SSL_SERVER_", own)) log_nomem();
  peer = SSL_get0_peer_certificate(ssl);
  /* only a certificate that passed: an unverified one names nobody */
  if (!peer || SSL_get_verify_result(ssl) != X509_V_OK) return;
  before = env->len;
  if (!tls_env_cert(env, "SSL_CLIENT_", peer)) log_nomem();
  if (env->len - start > CERT_ENV_MAX) {
    env->len = before;
    log_warn("client certificate too large for the environment from: ", c->remoteipstr,
             " for pid: ", pidstr, ", SSL_CLIENT_ certificate variables left out", (char *)0);
    return;
  }
  before = env->len;
  if (!tls_env_cert_chain(env, "SSL_CLIENT_", SSL_get_peer_cert_chain(ssl), peer)) log_nomem();
  if (env->len - start > CERT_ENV_MAX) {
    env->len = before;
    log_warn("client certificate chain too large for the environment from: ", c->remoteipstr,
             " for pid: ", pidstr, ", SSL_CLIENT_CERT_CHAIN_n left out", (char *)0);
  }
}

static _Noreturn void relay(SSL *ssl, int t, int to_prog, int from_prog, const char *bann,
                  const struct conn *c, const char *pidstr, pid_t child) {
  struct tls_relay r;
  enum tls_relay_result rr;
  const char *reason;
  r.ssl = ssl;
  r.sock = t;
  r.to_prog = to_prog;
  r.from_prog = from_prog;
  r.idle = idletimeout;
  r.banner = bann;
  r.bannerlen = strlen(bann);
  r.nagle = !flagnodelay;
  rr = tls_relay_run(&r, &reason);
  if (rr == TLS_RELAY_ERROR)
    log_error("(111) unable to speak TLS from: ", c->remoteipstr, " for pid: ", pidstr, " ",
              reason, (char *)0);
  close(t);
  /* on a reset the program sees EOF and EPIPE and ends on its own */
  finish(child, rr == TLS_RELAY_IDLE || rr == TLS_RELAY_ERROR, 0);
}

/* -n: the program first, clear text until it asks for TLS (UCSPI-TLS) */
static _Noreturn void serve_ucspi_tls(int t, SSL *ssl, const struct conn *c, const char *pidstr,
                                      enum tls_cc_mode mode) {
  static stralloc verify, tlsenv;
  int in[2], out[2], tin[2], tout[2], ctl[2], map[6];
  char num[FMT_ULONG];
  struct ucspi_tls_plain plain;
  enum ucspi_tls_result ur;
  const char *reason;
  pid_t child;

  high_pair(in, 0);
  high_pair(out, 0);
  high_pair(tin, 0);
  high_pair(tout, 0);
  high_pair(ctl, 1);
  num[fmt_ulong(num, CTL_FD)] = 0;
  if (setenv("SSLCTLFD", num, 1) == -1) log_nomem();
  num[fmt_ulong(num, READ_FD)] = 0;
  if (setenv("SSLREADFD", num, 1) == -1) log_nomem();
  num[fmt_ulong(num, WRITE_FD)] = 0;
  if (setenv("SSLWRITEFD", num, 1) == -1) log_nomem();
  map[0] = in[0];
  map[1] = out[1];
  map[2] = -1;
  map[CTL_FD] = ctl[1];
  map[READ_FD] = tin[0];
  map[WRITE_FD] = tout[1];
  child = spawn_program(map, 6);
  close(in[0]);
  close(out[1]);
  close(ctl[1]);
  close(tin[0]);
  close(tout[1]);

  plain.sock = t;
  plain.to_prog = in[1];
  plain.from_prog = out[0];
  plain.ctl = ctl[0];
  plain.idle = idletimeout;
  plain.banner = banner;
  plain.bannerlen = strlen(banner);
  ur = ucspi_tls_plain_relay(&plain, &reason);
  switch (ur) {
    case UCSPI_TLS_START:
    case UCSPI_TLS_START_ENV:
      break;
    case UCSPI_TLS_DONE:
    case UCSPI_TLS_CLOSED:
      close(t);
      finish(child, 0, 0);
    case UCSPI_TLS_IDLE:
      close(t);
      finish(child, 1, 0);
    case UCSPI_TLS_INJECTED:
      log_error("(100) ", reason, " from: ", c->remoteipstr, " for pid: ", pidstr, (char *)0);
      close(t);
      finish(child, 1, 100);
    default:
      log_error("(111) UCSPI-TLS: ", reason, " for pid: ", pidstr, (char *)0);
      close(t);
      finish(child, 1, 111);
  }

  handshake(ssl, t, c, pidstr, mode, &verify, child);
  if (ur == UCSPI_TLS_START_ENV) {
    tlsenv.len = 0;
    tls_variables(ssl, c, pidstr, &verify, &tlsenv);
    if (!ucspi_tls_send_env(ctl[0], tlsenv.s, tlsenv.len, idletimeout))
      log_warn("unable to send TLS variables to pid: ", pidstr, ": ", strerror(errno), (char *)0);
  }
  close(ctl[0]);
  relay(ssl, t, tin[1], tout[0], "", c, pidstr, child);
}

static int read_local(int t, struct conn *c) {
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  if (getsockname(t, (struct sockaddr *)&ss, &sslen) == -1) return 0;
  ip_address_from_sockaddr(&ss, c->localip, &c->localport, 0);
  conn_format(c);
  return 1;
}

/* st: what the listener already looked up (see listener_rules) */
static void serve(int t, struct conn *c, unsigned long ipcount, struct rules_state *st) {
  static stralloc localsa, remotesa, infosa, tlsenv, verify;
  char pidstr[FMT_ULONG];
  struct verdict v = {0, 0};
  int in[2], out[2], map[2], d;
  enum tls_cc_mode mode;
  SSL *ssl;
  pid_t child;

  pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
  if (!st->formatted && !read_local(t, c))
    log_fatal_sys(111, "unable to get local address", (char *)0);
  log_status("pid ", pidstr, " from ", c->remoteipstr, (char *)0);

  if (localname) c->localhost = localname;
  /* -y: the address alone, before any DNS or ident traffic */
  d = rules_decide(c, ipcount, 0, st, &v);
  if (!d) {
    if (!localname && host_lookup_name(&localsa, c->localip)) c->localhost = localsa.s;
    if (flagremotehost && host_lookup_name(&remotesa, c->remoteip))
      if (!flagparanoid || host_lookup_confirms(remotesa.s, c->remoteip)) c->remotehost = remotesa.s;
    if (flagremoteinfo &&
        remote_info(&infosa, c->remoteip, c->remoteport, c->localip, c->localport, c->scope,
                    identtimeout))
      c->remoteinfo = infosa.s;
    /* now -x with the names (the lookups done so far are not repeated) */
    v.maxconip = 0;
    v.tls = 0;
    d = rules_decide(c, ipcount, 1, st, &v);
  }
  if (d == -1) _exit(111);
  log_verdict(c, pidstr, d, v.maxconip);
  if (d) _exit(100);
  if (st->y.done && st->y.result == RULES_ALLOW) conn_env_apply(st->y.vars.s, st->y.vars.len);
  if (st->x.done && st->x.result == RULES_ALLOW) conn_env_apply(st->x.vars.s, st->x.vars.len);

  conn_env_set(c, flagtcpenv);
  socket_options(t, c); /* the socket is non-blocking from accept4 */
  ssl = connection_ssl(t, c, pidstr, &v, &mode);
  if (flagsslwait) serve_ucspi_tls(t, ssl, c, pidstr, mode);

  /* the handshake first: a failure costs no program start */
  handshake(ssl, t, c, pidstr, mode, &verify, 0);
  tlsenv.len = 0;
  tls_variables(ssl, c, pidstr, &verify, &tlsenv);
  conn_env_apply(tlsenv.s, tlsenv.len);

  if (pipe2(in, O_CLOEXEC) == -1 || pipe2(out, O_CLOEXEC) == -1)
    log_fatal_sys(111, "unable to create pipe", (char *)0);
  map[0] = in[0];
  map[1] = out[1];
  child = spawn_program(map, 2);
  close(in[0]);
  close(out[1]);
  relay(ssl, t, in[1], out[0], banner, c, pidstr, child);
}

/* ------------------------------------------------------------- listener */

/* Rules the listener can decide alone are looked up before fork, so a
   denied connection costs no process: -y always (the address is all it
   needs), -x when no name is looked up first (-H -R) and the deny line
   needs no local name lookup (-l, or no -v). The log lines are the
   child's, with the listener's pid. Returns 0 to go on with a child. */
static int listener_rules(int t, struct conn *c, unsigned long ipcount, int early_x,
                          struct rules_state *st) {
  struct verdict v = {0, 0};
  char pidstr[FMT_ULONG];
  int d;
  if (!read_local(t, c)) return 0; /* the child reports it */
  st->formatted = 1;
  c->localhost = localname;
  d = rules_decide(c, ipcount, early_x, st, &v);
  if (!d) return 0;
  if (d > 0) {
    pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
    log_status("pid ", pidstr, " from ", c->remoteipstr, (char *)0);
    log_verdict(c, pidstr, d, v.maxconip);
    log_status("ended by ", pidstr, " status 25600", (char *)0); /* as a child's exit 100 */
  }
  return 1;
}

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
  static struct rules_state rs;
  struct tls_server_config tc;
  struct bind_request req;
  struct bound b;
  struct sigaction sa;
  const char *x;
  int opt, early_x;

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
      case 's': flagsslenv = 1; break;
      case 'S': flagsslenv = 0; break;
      case 'n': flagsslwait = 1; break;
      case 'N': flagsslwait = 0; break;
      case 'm': flagclientcert = 'm'; break;
      case 'z': flagclientcert = 'z'; break;
      case 'Z': flagclientcert = 0; break;
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
  if (!tls_cc_config_from_env(&ccconf, flagclientcert, &err)) log_fatal(100, err.s, (char *)0);
  privileges_key_begin();
  ctx = tls_context_server(&tc, &err);
  if (ctx && !tls_cc_setup_ctx(ctx, &ccconf, &err)) {
    SSL_CTX_free(ctx);
    ctx = 0;
  }
  privileges_key_end();
  if (password.s) OPENSSL_cleanse(password.s, password.a);
  if (!ctx) log_fatal(111, err.s, (char *)0);

  tls_warmup(ctx); /* OpenSSL's lazy set-up once here, not in every child */
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
  early_x = fnrules && !flagremotehost && !flagremoteinfo && (localname || log_verbosity < 2);

  for (;;) {
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    struct conn c;
    unsigned long ipcount;
    pid_t pid;
    int t;

    while (conn_limits_count() >= limit) sigsuspend(&unblocked);
    sigprocmask(SIG_UNBLOCK, &blocked_chld, 0);
    t = accept4(b.fd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
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
    rs.formatted = rs.y.done = rs.x.done = 0;
    if ((fniprules || early_x) && listener_rules(t, &c, ipcount, early_x, &rs)) {
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
      serve(t, &c, ipcount, &rs);
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
