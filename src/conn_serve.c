/* One connection, from the rules to the program's end. Every outcome of
   the connection is a return value, so that a process can serve one
   connection after another (sslhandle); only a shortage of memory or
   descriptors ends the process. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <libowfat/fmt.h>
#include <libowfat/stralloc.h>

#include "child_arena.h"
#include "conn_serve.h"
#include "host_lookup.h"
#include "ip_address.h"
#include "log.h"
#include "prog_spawn.h"
#include "proxy_header.h"
#include "remote_info.h"
#include "rules.h"
#include "tls_context.h"
#include "tls_env.h"
#include "tls_env_cert.h"
#include "tls_handshake.h"
#include "tls_relay.h"
#include "ucspi_tls.h"

/* The program's descriptors with -n: SSLCTLFD, SSLREADFD, SSLWRITEFD. */
#define CTL_FD 3
#define READ_FD 4
#define WRITE_FD 5
/* -s: the certificate variables together stay below this many bytes */
#define CERT_ENV_MAX 65536

static const struct conn_server *S;  /* the server of the connection being served */
static const struct server_options *O;
static char pidstr[FMT_ULONG];
static int sock = -1;                /* the connection, until closed */

static void close_sock(void) {
  if (sock >= 0) close(sock);
  sock = -1;
}

int conn_serve_local(int t, struct conn *c) {
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  if (getsockname(t, (struct sockaddr *)&ss, &sslen) == -1) return 0;
  ip_address_from_sockaddr(&ss, c->localip, &c->localport, 0);
  conn_format(c);
  return 1;
}

static void socket_options(const struct conn *c) {
  int on = 1;
  if (O->killopts && ip_address_is4(c->localip))
    setsockopt(sock, IPPROTO_IP, IP_OPTIONS, 0, 0); /* source routes: reply by default route */
  /* on through the handshake even with -d: the relay turns it off later */
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

/* The program (or the builtin), with map[i] on descriptor i (-1: leave as
   is, for fd 2), nothing else open, default signal dispositions. The
   sources must not be among the targets. -1 when it could not start. */
static pid_t spawn_program(const int *map, int count) {
  sigset_t dflt;
  pid_t pid;
  if (S->builtin) {
    pid = fork();
    if (pid == 0) {
      int i;
      for (i = 0; i < count; ++i)
        if (map[i] >= 0 && dup2(map[i], i) == -1) _exit(111);
      close_range((unsigned)count, ~0u, 0); /* the socket ends with the relay */
      _exit(S->builtin());
    }
    if (pid == -1) log_error("(111) unable to fork for pid: ", pidstr, ": ", strerror(errno), (char *)0);
    return pid;
  }
  sigemptyset(&dflt);
  sigaddset(&dflt, SIGPIPE);
  sigaddset(&dflt, SIGCHLD);
  sigaddset(&dflt, SIGTERM);
  pid = prog_spawn(O->prog, map, count, &dflt);
  if (pid == -1) log_fatal_line(111, "unable to run: ", O->prog[0], (char *)0); /* ucspi-ssl's */
  return pid;
}

/* waits for the program (after SIGTERM when kill_it); returns code when
   it was ended for a reason of ours, else its exit status */
static int finish(pid_t child, int kill_it, int code) {
  int wstat;
  if (kill_it) kill(child, SIGTERM);
  while (waitpid(child, &wstat, 0) == -1)
    if (errno != EINTR) return 111;
  if (code) return code;
  return WIFEXITED(wstat) ? WEXITSTATUS(wstat) : 111;
}

/* a pipe or socket pair whose descriptors are above the program's targets */
static void high_pair(int fd[2], int sockpair) {
  int i, r = sockpair ? socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fd) : pipe2(fd, O_CLOEXEC);
  if (r == -1)
    log_fatal_sys(111, sockpair ? "unable to create socket pair" : "unable to create pipe", (char *)0);
  for (i = 0; i < 2; ++i)
    if (fd[i] < 10) {
      int h = fcntl(fd[i], F_DUPFD_CLOEXEC, 10);
      if (h == -1) log_fatal_sys(111, "unable to move descriptor", (char *)0);
      close(fd[i]);
      fd[i] = h;
    }
}

/* The first record header the client sent, kept by a message callback
   (no extra system call): a handshake that fails on it can tell a PROXY
   header from a source not allowed to send one from other bad input. */
static unsigned char first_record[5];
static size_t first_len;

static void first_record_cb(int write_p, int version, int type, const void *buf, size_t len,
                            SSL *ssl, void *arg) {
  (void)version, (void)ssl, (void)arg;
  if (write_p || type != SSL3_RT_HEADER || first_len) return;
  first_len = len < sizeof first_record ? len : sizeof first_record;
  memcpy(first_record, buf, first_len);
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
   settings its rules set. *mode: the client-certificate policy in force.
   0 with *code set when the rules' settings cannot be used. */
static SSL *connection_ssl(const struct conn *c, const struct verdict *v, enum tls_cc_mode *mode,
                           int *code) {
  static stralloc err;
  struct tls_cc_config cc = *S->cc;
  SSL_CTX *use = S->ctx;
  SSL *ssl;

  if (v->tls && !tls_cc_config_from_env(&cc, O->clientcert, &err)) {
    log_error("(100) ", err.s, " for: ", c->remoteipstr, " pid: ", pidstr, (char *)0);
    *code = 100;
    return 0;
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
      *code = 111;
      return 0;
    }
  }
  ssl = SSL_new(use);
  if (use != S->ctx) SSL_CTX_free(use); /* the SSL object holds its own reference */
  if (!ssl || SSL_set_fd(ssl, sock) != 1) log_fatal(111, "unable to create TLS instance", (char *)0);
  first_len = 0;
  SSL_set_msg_callback(ssl, first_record_cb);
  if (v->tls == RULE_CLIENTCERT) {
    struct tls_server_config tc;
    tls_context_config_from_env(&tc); /* for VERIFYDEPTH */
    if (!tls_cc_setup_ssl(ssl, &cc, &err)) {
      log_error("(111) unable to use TLS settings from rules for: ", c->remoteipstr, " pid: ", pidstr,
                " ", err.s, (char *)0);
      SSL_free(ssl);
      *code = 111;
      return 0;
    }
    SSL_set_verify_depth(ssl, (int)tc.verifydepth);
    session_id_context(ssl, &cc, tc.verifydepth);
  }
  *mode = cc.mode;
  return ssl;
}

/* The handshake, bounded by -T, and the client-certificate decision.
   Returns 0, or on failure (one log line, the program if any ended) the
   exit code. */
static int handshake(SSL *ssl, const struct conn *c, enum tls_cc_mode mode, stralloc *verify,
                     pid_t child) {
  static stralloc why;
  const char *reason, *cert;
  if (tls_handshake_accept(ssl, sock, O->tlstimeout, &reason) != TLS_HANDSHAKE_OK) {
    int code = 111;
    /* only a required certificate ends a handshake for being what it is */
    if ((mode == TLS_CC_REQUIRE || mode == TLS_CC_HOST) && (cert = tls_cc_handshake_reason(ssl))) {
      log_error("(100) client certificate refused from: ", c->remoteipstr, " for pid: ", pidstr, " ",
                cert, (char *)0);
      code = 100;
    } else if (!c->proxied && proxy_header_signature(first_record, first_len))
      log_error("(111) PROXY header from a source not allowed to send one: ", c->remoteipstr,
                " for pid: ", pidstr, (char *)0);
    else
      log_error("(111) unable to accept TLS from: ", c->remoteipstr, " for pid: ", pidstr, " ",
                reason, (char *)0);
    close_sock();
    return child > 0 ? finish(child, 1, code) : code;
  }
  if (log_verbosity >= 3) {
    log_line("tls ", pidstr, " accept ", SSL_get_version(ssl), ":", SSL_get_cipher_name(ssl),
             (char *)0);
    if (tls_env_summary(ssl, &why)) log_line("tlsinfo ", pidstr, " ", why.s, (char *)0);
  } else
    log_status("tls ", pidstr, " accept", (char *)0); /* -v: ucspi-ssl's line without the suite */
  verify->len = 0;
  if (mode == TLS_CC_OFF) return 0;
  if (!tls_cc_check(ssl, mode, c->remotehost, verify, &why)) {
    log_error("(100) client certificate refused from: ", c->remoteipstr, " for pid: ", pidstr, " ",
              why.s, (char *)0);
    SSL_shutdown(ssl);
    close_sock();
    return child > 0 ? finish(child, 1, 100) : 100;
  }
  if (SSL_get0_peer_certificate(ssl) && SSL_get_verify_result(ssl) == X509_V_OK)
    log_status("info: valid client cert received for pid: ", pidstr, (char *)0);
  return 0;
}

/* The TLS variables: the session, SSL_CLIENT_VERIFY when a certificate was
   requested or -s, and with -s the certificates, bounded in size. */
static void tls_variables(SSL *ssl, const struct conn *c, const stralloc *verify, stralloc *env) {
  X509 *own, *peer;
  size_t start, before;
  if (!tls_env_session(ssl, env)) log_nomem();
  if (verify->len || O->sslenv) {
    if (!stralloc_cats(env, "SSL_CLIENT_VERIFY=") ||
        !stralloc_cats(env, verify->len ? verify->s : "NONE") || !stralloc_0(env))
      log_nomem();
  }
  if (!O->sslenv) return;
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

static int relay(SSL *ssl, int to_prog, int from_prog, const char *bann, const struct conn *c,
                 pid_t child) {
  struct tls_relay r;
  enum tls_relay_result rr;
  const char *reason;
  r.ssl = ssl;
  r.sock = sock;
  r.to_prog = to_prog;
  r.from_prog = from_prog;
  r.idle = O->idletimeout;
  r.banner = bann;
  r.bannerlen = strlen(bann);
  r.nagle = !O->nodelay;
  r.quiet = child_arena_trim;
  /* buffers only while records move: a quiet connection holds none */
  SSL_set_mode(ssl, SSL_MODE_RELEASE_BUFFERS);
  rr = tls_relay_run(&r, &reason);
  if (rr == TLS_RELAY_ERROR)
    log_error("(111) unable to speak TLS from: ", c->remoteipstr, " for pid: ", pidstr, " ",
              reason, (char *)0);
  close_sock();
  /* on a reset the program sees EOF and EPIPE and ends on its own */
  return finish(child, rr == TLS_RELAY_IDLE || rr == TLS_RELAY_ERROR, 0);
}

static void put_fd(const char *name, unsigned long fd) {
  char num[FMT_ULONG];
  num[fmt_ulong(num, fd)] = 0;
  conn_env_put(name, num);
}

/* -n: the program first, clear text until it asks for TLS (UCSPI-TLS) */
static int serve_ucspi_tls(SSL *ssl, const struct conn *c, enum tls_cc_mode mode) {
  static stralloc verify, tlsenv;
  int in[2], out[2], tin[2], tout[2], ctl[2], map[6], code;
  struct ucspi_tls_plain plain;
  enum ucspi_tls_result ur;
  const char *reason;
  pid_t child;

  high_pair(in, 0);
  high_pair(out, 0);
  high_pair(tin, 0);
  high_pair(tout, 0);
  high_pair(ctl, 1);
  put_fd("SSLCTLFD", CTL_FD);
  put_fd("SSLREADFD", READ_FD);
  put_fd("SSLWRITEFD", WRITE_FD);
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
  if (child == -1) {
    close(in[1]);
    close(out[0]);
    close(ctl[0]);
    close(tin[1]);
    close(tout[0]);
    return 111;
  }

  plain.sock = sock;
  plain.to_prog = in[1];
  plain.from_prog = out[0];
  plain.ctl = ctl[0];
  plain.idle = O->idletimeout;
  plain.banner = O->banner;
  plain.bannerlen = strlen(O->banner);
  ur = ucspi_tls_plain_relay(&plain, &reason);
  if (ur != UCSPI_TLS_START && ur != UCSPI_TLS_START_ENV) {
    int kill_it = 1;
    code = 111;
    if (ur == UCSPI_TLS_DONE || ur == UCSPI_TLS_CLOSED) kill_it = code = 0;
    else if (ur == UCSPI_TLS_IDLE) code = 0;
    else if (ur == UCSPI_TLS_INJECTED) {
      log_error("(100) ", reason, " from: ", c->remoteipstr, " for pid: ", pidstr, (char *)0);
      code = 100;
    } else
      log_error("(111) UCSPI-TLS: ", reason, " for pid: ", pidstr, (char *)0);
    close(ctl[0]);
    close(tin[1]);
    close(tout[0]);
    close_sock();
    return finish(child, kill_it, code);
  }

  code = handshake(ssl, c, mode, &verify, child);
  if (code) {
    close(ctl[0]);
    close(tin[1]);
    close(tout[0]);
    return code;
  }
  if (ur == UCSPI_TLS_START_ENV) {
    tlsenv.len = 0;
    tls_variables(ssl, c, &verify, &tlsenv);
    if (!ucspi_tls_send_env(ctl[0], tlsenv.s, tlsenv.len, O->idletimeout))
      log_warn("unable to send TLS variables to pid: ", pidstr, ": ", strerror(errno), (char *)0);
  }
  close(ctl[0]);
  return relay(ssl, tin[1], tout[0], "", c, child);
}

/* the names: -l, DNS (-h -p) and ident (-r) */
static void lookups(struct conn *c) {
  static stralloc localsa, remotesa, infosa;
  if (S->names_given) return;
  if (!O->localname && host_lookup_name(&localsa, c->localip)) c->localhost = localsa.s;
  if (O->remotehost && host_lookup_name(&remotesa, c->remoteip))
    if (!O->paranoid || host_lookup_confirms(remotesa.s, c->remoteip)) c->remotehost = remotesa.s;
  if (O->remoteinfo &&
      remote_info(&infosa, c->remoteip, c->remoteport, c->localip, c->localport, c->scope,
                  O->identtimeout))
    c->remoteinfo = infosa.s;
}

static int serve(struct conn *c, unsigned long ipcount, struct rules_state *st) {
  static stralloc tlsenv, verify;
  struct verdict v = {0};
  int in[2], out[2], map[2], d, code = 0;
  enum tls_cc_mode mode;
  SSL *ssl;
  pid_t child;

  if (!st->formatted && !conn_serve_local(sock, c))
    log_fatal_sys(111, "unable to get local address", (char *)0);
  log_status("pid ", pidstr, " from ", c->remoteipstr, c->proxied ? " via " : "",
             c->proxied ? c->proxyipstr : "", (char *)0);

  if (O->localname) c->localhost = O->localname;
  /* -y: the address alone, before any DNS or ident traffic */
  d = conn_rules_decide(O, c, ipcount, 0, st, &v);
  if (!d) {
    lookups(c);
    /* now -x with the names (the lookups done so far are not repeated) */
    v.maxconip = 0;
    v.tls = 0;
    d = conn_rules_decide(O, c, ipcount, 1, st, &v);
  }
  if (d == -1) return O->terse ? 111 : 110; /* ucspi-ssl's codes for unreadable rules */
  conn_rules_log(c, pidstr, d, v.maxconip);
  if (d) return 100;
  conn_rules_apply(st);

  conn_env_set(c, O->tcpenv);
  socket_options(c); /* the socket is non-blocking from accept4 */
  ssl = connection_ssl(c, &v, &mode, &code);
  if (!ssl) return code;
  if (O->sslwait) {
    code = serve_ucspi_tls(ssl, c, mode);
    SSL_free(ssl);
    return code;
  }

  /* the handshake first: a failure costs no program start */
  code = handshake(ssl, c, mode, &verify, 0);
  if (!code) {
    tlsenv.len = 0;
    tls_variables(ssl, c, &verify, &tlsenv);
    conn_env_apply(tlsenv.s, tlsenv.len);
    if (pipe2(in, O_CLOEXEC) == -1) log_fatal_sys(111, "unable to create pipe", (char *)0);
    if (pipe2(out, O_CLOEXEC) == -1) log_fatal_sys(111, "unable to create pipe", (char *)0);
    map[0] = in[0];
    map[1] = out[1];
    child = spawn_program(map, 2);
    close(in[0]);
    close(out[1]);
    if (child == -1) {
      close(in[1]);
      close(out[0]);
      code = 111;
    } else
      code = relay(ssl, in[1], out[0], O->banner, c, child);
  }
  SSL_free(ssl);
  return code;
}

int conn_serve(const struct conn_server *s, int t, struct conn *c, unsigned long ipcount,
               struct rules_state *st) {
  int code;
  S = s;
  O = s->opt;
  sock = t;
  pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
  code = serve(c, ipcount, st);
  close_sock();
  return code;
}
