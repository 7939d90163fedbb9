/* sslprint: sslserver with a built-in program that sends each client the
   variables its connection would give a program, one NAME=value line each
   in ucspi-ssl's order ("unset" when not set), after an empty line. For
   trying rules, certificates and options. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libowfat/stralloc.h>

#include "accept_loop.h"
#include "conn_serve.h"
#include "log.h"
#include "server_options.h"
#include "server_setup.h"
#include "tls_warmup.h"

static const char *const dn[] = {"C", "ST", "L", "O", "OU", "CN", "T", "I", "G", "S", "D", "UID",
                                 "Email", 0};

static stralloc out;

static void line(const char *name) {
  const char *v = getenv(name);
  if (!stralloc_cats(&out, name) || !stralloc_cats(&out, "=") ||
      !stralloc_cats(&out, v ? v : "unset") || !stralloc_cats(&out, "\n"))
    _exit(111);
}

/* prefix part [suffix] */
static void line3(const char *prefix, const char *part, const char *suffix) {
  static stralloc name;
  if (!stralloc_copys(&name, prefix) || !stralloc_cats(&name, part) ||
      !stralloc_cats(&name, suffix ? suffix : "") || !stralloc_0(&name))
    _exit(111);
  line(name.s);
}

static void dn_lines(const char *prefix) {
  int i;
  line(prefix);
  for (i = 0; dn[i]; ++i) line3(prefix, "_", dn[i]);
}

static void cert(const char *who) {
  static stralloc p;
  int i;
  if (!stralloc_copys(&p, "SSL_") || !stralloc_cats(&p, who) || !stralloc_0(&p)) _exit(111);
  line3(p.s, "_M_VERSION", 0);
  line3(p.s, "_M_SERIAL", 0);
  line3(p.s, "_S_DN", 0);
  for (i = 0; dn[i]; ++i) line3(p.s, "_S_DN_", dn[i]);
}

static void cert_rest(const char *p) {
  line3(p, "_V_START", 0);
  line3(p, "_V_END", 0);
  line3(p, "_A_SIG", 0);
  line3(p, "_A_KEY", 0);
  line3(p, "_CERT", 0);
}

static int print(void) {
  static const char *const head[] = {
    "PROTO", "SSLLOCALHOST", "SSLLOCALIP", "SSLLOCALPORT", "SSLREMOTEHOST", "SSLREMOTEIP",
    "SSLREMOTEPORT", "SSLREMOTEINFO", "TCPLOCALHOST", "TCPLOCALIP", "TCPLOCALPORT",
    "TCPREMOTEHOST", "TCPREMOTEIP", "TCPREMOTEPORT", "TCPREMOTEINFO", "TCP6REMOTEHOST",
    "TCP6REMOTEIP", "TCP6REMOTEPORT", "SSL_PROTOCOL", "SSL_SESSION_ID", "SSL_CIPHER",
    "SSL_CIPHER_EXPORT", "SSL_CIPHER_USEKEYSIZE", "SSL_CIPHER_ALGKEYSIZE", "SSL_VERSION_INTERFACE",
    "SSL_VERSION_LIBRARY", "SSL_TLS_SNI", 0};
  size_t i;
  ssize_t w;

  if (!stralloc_copys(&out, "\n")) _exit(111);
  for (i = 0; head[i]; ++i) {
    line(head[i]);
    /* behind a PROXY balancer only: direct connections keep ucspi-ssl's list */
    if (!strcmp(head[i], "SSLREMOTEINFO") && getenv("SSLPROXYIP")) {
      line("SSLPROXYIP");
      line("SSLPROXYPORT");
    }
  }
  cert("SERVER");
  line("SSL_SERVER_SAN_Email_0");
  line("SSL_SERVER_SAN_Email_1");
  line("SSL_SERVER_SAN_DNS_0");
  line("SSL_SERVER_SAN_DNS_1");
  dn_lines("SSL_SERVER_I_DN");
  cert_rest("SSL_SERVER");
  cert("CLIENT");
  dn_lines("SSL_CLIENT_I_DN");
  cert_rest("SSL_CLIENT");
  line("SSL_CLIENT_CERT_CHAIN_0");
  line("SSL_CLIENT_CERT_CHAIN_1");
  line("SSL_CLIENT_SAN_Email_0");
  line("SSL_CLIENT_SAN_Email_1");
  line("SSL_CLIENT_SAN_DNS_0");
  line("SSL_CLIENT_SAN_DNS_1");

  for (i = 0; i < out.len; i += (size_t)w) {
    w = write(1, out.s + i, out.len - i);
    if (w == -1 && errno == EINTR) w = 0;
    else if (w <= 0) return 111;
  }
  return 0;
}

int main(int argc, char **argv) {
  static struct server_options o;
  static struct tls_cc_config cc;
  struct conn_server s = {0};
  struct bound b;

  log_init("sslprint");
  log_codes = 1;
  server_hold_std_fds();
  /* arguments after the port are ignored, as ucspi-ssl's sslprint does */
  server_options_parse(&o, argc, argv, "sslprint", SERVER_LISTENS | SERVER_TERSE);
  s.opt = &o;
  s.cc = &cc;
  s.builtin = print;
  server_find_listener(&o); /* before -3 reads descriptor 3 */
  server_bind(&o, &b);      /* port, host and bind first, as ucspi-ssl */
  s.ctx = server_tls_context(&o, &cc);
  tls_warmup(s.ctx); /* OpenSSL's lazy set-up once here, not in every child */
  server_drop(&o, &b);
  accept_loop(&s, b.fd);
}
