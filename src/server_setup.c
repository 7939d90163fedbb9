/* Start-up shared by sslserver, sslhandle, sslprint and sslwrap. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libowfat/fmt.h>
#include <libowfat/stralloc.h>

#include "file_source.h"
#include "ip_address.h"
#include "keeper.h"
#include "listen_inherit.h"
#include "log.h"
#include "privileges.h"
#include "server_setup.h"
#include "tls_context.h"
#include "tls_warmup.h"

void server_hold_std_fds(void) {
  int fd;
  while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2) {}
  if (fd > 2) close(fd);
}

static void read_password(stralloc *pw, int terse) {
  char buf[512];
  for (;;) {
    ssize_t r = read(3, buf, sizeof buf);
    char *nul;
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) log_error_exit(111, terse ? "unable to read password" : "unable to read password from FD3",
                              (char *)0);
    if (r == 0) break;
    nul = memchr(buf, 0, (size_t)r);
    if (!stralloc_catb(pw, buf, nul ? (size_t)(nul - buf) : (size_t)r)) log_nomem();
    if (nul) break;
    if (pw->len > 4096) log_error_exit(111, "password too long", (char *)0);
  }
  close(3);
  if (pw->len && pw->s[pw->len - 1] == '\n') --pw->len;
  if (!stralloc_0(pw)) log_nomem();
}

static SSL_CTX *build(const char *password, const struct tls_cc_config *cc, stralloc *err) {
  struct tls_server_config tc;
  SSL_CTX *ctx;
  tls_context_config_from_env(&tc);
  tc.password = password;
  privileges_key_begin();
  ctx = tls_context_server(&tc, err);
  if (ctx && !tls_cc_setup_ctx(ctx, cc, err)) {
    SSL_CTX_free(ctx);
    ctx = 0;
  }
  privileges_key_end();
  return ctx;
}

/* -3's password, kept for reloads */
static stralloc password;

/* With a key keeper the files come from it, read with its privileges. */
static SSL_CTX *rebuild(const struct tls_cc_config *cc, stralloc *err) {
  struct file_set fs;
  SSL_CTX *ctx;
  if (!keeper_started()) return build(password.s, cc, err);
  if (!keeper_fetch(&fs, err)) return 0;
  file_source_use(&fs);
  ctx = build(password.s, cc, err);
  file_source_use(0);
  file_set_free(&fs);
  return ctx;
}

int server_tls_reload(SSL_CTX **ctx, const struct tls_cc_config *cc) {
  static stralloc err;
  SSL_CTX *fresh = rebuild(cc, &err);
  if (!fresh) {
    log_warn("keeping the old TLS settings, reload failed: ", err.s, (char *)0);
    return 0;
  }
  tls_context_inherit(fresh, *ctx);
  tls_warmup(fresh);
  SSL_CTX_free(*ctx);
  *ctx = fresh;
  log_status("TLS settings reloaded", (char *)0);
  return 1;
}

/* Does err start with what, then (if given) file and the end or ':'? */
static int about(const char *err, const char *what, const char *file) {
  size_t n = strlen(what), m = file ? strlen(file) : 0;
  if (strncmp(err, what, n)) return 0;
  if (!file) return 1;
  return !strncmp(err + n, file, m) && (!err[n + m] || err[n + m] == ':');
}

/* ucspi-ssl's line for a file: "what: file", sslhandle's "what" alone */
static _Noreturn void file_failed(const struct server_options *o, const char *what,
                                  const char *file) {
  log_error_exit(111, what, o->terse ? "" : ": ", o->terse ? "" : file, (char *)0);
}

/* A context that could not be built, in ucspi-ssl's words where it has
   some ("sslserver: error: (111) unable to load key: FILE"), ours
   otherwise. */
static _Noreturn void context_failed(const struct server_options *o, const char *err) {
  struct tls_server_config tc;
  const char *certs, *key;
  tls_context_config_from_env(&tc);
  certs = tc.chainfile ? tc.chainfile : tc.certfile;
  key = tc.keyfile ? tc.keyfile : certs;
  if (certs && about(err, "unable to load certificate: ", certs))
    file_failed(o, tc.chainfile ? "unable to load certificate chain file" : "unable to load certificate",
                certs);
  if (key && about(err, "unable to load key: ", key)) file_failed(o, "unable to load key", key);
  if (certs && about(err, "key does not match certificate: ", certs))
    log_error_exit(111, "key does not match certificate", (char *)0);
  if (about(err, "unable to load CA file: ", 0) || about(err, "unable to use CA directory: ", 0))
    log_error_exit(111, "unable to load CA list", (char *)0);
  if (about(err, "unable to load client CA list: ", 0))
    log_error_exit(111, "unable to load client CA list", (char *)0);
  if (about(err, "unable to load DH parameters: ", 0))
    log_error_exit(111, "unable to set DH parameters", (char *)0);
  if (about(err, "unable to set cipher list: ", 0))
    log_error_exit(111, "unable to set cipher list", (char *)0);
  if (about(err, "unable to create TLS context", 0))
    log_fatal(111, "unable to create TLS context", (char *)0);
  log_fatal(111, err, (char *)0);
}

SSL_CTX *server_tls_context(const struct server_options *o, struct tls_cc_config *cc) {
  static stralloc err;
  SSL_CTX *ctx;

  if (o->flag3) read_password(&password, o->terse);
  if (!tls_cc_config_from_env(cc, o->clientcert, &err)) log_fatal(100, err.s, (char *)0);
  ctx = build(password.s, cc, &err);
  if (!ctx) context_failed(o, err.s);
  return ctx;
}

static enum listen_source inherited = LISTEN_BIND;

void server_find_listener(const struct server_options *o) {
  inherited = listen_inherit_find();
  if (inherited == LISTEN_SYSTEMD && o->flag3)
    log_fatal(100, "-3 reads the key password from descriptor 3, which holds the socket from "
                   "LISTEN_FDS; pass the password another way", (char *)0);
}

void server_bind(const struct server_options *o, struct bound *b) {
  struct bind_request req;
  if (inherited != LISTEN_BIND) {
    char ipstr[IP_ADDRESS_FMT], portstr[FMT_ULONG];
    listen_inherit_take(inherited, b);
    ip_address_fmt(ipstr, b->ip);
    portstr[fmt_ulong(portstr, b->port)] = 0;
    log_status("listening socket from ", listen_inherit_name(inherited), ": ", ipstr, " port ",
               portstr, (char *)0);
  } else {
    req.host = o->host;
    req.port = o->port;
    req.family = o->family;
    req.ifname = o->ifname;
    req.backlog = o->backlog;
    req.terse = o->terse;
    bind_listen(&req, b);
  }
}

void server_keep_keys(const struct server_options *o) {
  const char *dir = getenv("SSL_CHROOT");
  if (geteuid() == 0 && (o->uid || o->gid || (dir && *dir))) keeper_start();
}

void server_drop(const struct server_options *o, const struct bound *b) {
  privileges_chroot();
  privileges_drop(o->gid, o->uid);
  if (o->flag1) {
    char port[FMT_ULONG + 1];
    size_t n = fmt_ulong(port, b->port);
    port[n++] = '\n';
    if (write(1, port, n) != (ssize_t)n) log_fatal_sys(111, "unable to print port", (char *)0);
  }
}
