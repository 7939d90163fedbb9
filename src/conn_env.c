/* The connection's environment variables. */
#include <stdlib.h>
#include <string.h>

#include <libowfat/socket.h>

#include "conn_env.h"
#include "log.h"

void conn_format(struct conn *c) {
  ip_address_fmt(c->localipstr, c->localip);
  ip_address_fmt(c->remoteipstr, c->remoteip);
  c->localportstr[fmt_ulong(c->localportstr, c->localport)] = 0;
  c->remoteportstr[fmt_ulong(c->remoteportstr, c->remoteport)] = 0;
}

static void set(const char *name, const char *value) {
  if (value) {
    if (setenv(name, value, 1) == -1) log_nomem();
  } else
    unsetenv(name);
}

void conn_env_set(const struct conn *c, int tcpenv) {
  int v6 = !ip_address_is4(c->remoteip);

  set("PROTO", "TLS");
  set("SSLLOCALIP", c->localipstr);
  set("SSLLOCALPORT", c->localportstr);
  set("SSLLOCALHOST", c->localhost);
  set("SSLREMOTEIP", c->remoteipstr);
  set("SSLREMOTEPORT", c->remoteportstr);
  set("SSLREMOTEHOST", c->remotehost);
  set("SSLREMOTEINFO", c->remoteinfo);
  if (!tcpenv) return;

  /* a la tcpserver: PROTO names the prefix a UCSPI program reads */
  set("PROTO", v6 ? "TCP6" : "TCP");
  set("TCPLOCALIP", c->localipstr);
  set("TCPLOCALPORT", c->localportstr);
  set("TCPLOCALHOST", c->localhost);
  set("TCPREMOTEIP", c->remoteipstr);
  set("TCPREMOTEPORT", c->remoteportstr);
  set("TCPREMOTEHOST", c->remotehost);
  set("TCPREMOTEINFO", c->remoteinfo);
  if (!v6) return;
  set("TCP6LOCALIP", c->localipstr);
  set("TCP6LOCALPORT", c->localportstr);
  set("TCP6LOCALHOST", c->localhost);
  set("TCP6REMOTEIP", c->remoteipstr);
  set("TCP6REMOTEPORT", c->remoteportstr);
  set("TCP6REMOTEHOST", c->remotehost);
  set("TCP6INTERFACE", c->scope ? socket_getifname(c->scope) : 0);
}

void conn_env_apply(const char *list, size_t len) {
  size_t i = 0;
  while (i < len) {
    const char *s = list + i;
    size_t n = strnlen(s, len - i);
    const char *eq = memchr(s, '=', n);
    if (n == len - i) break; /* not terminated: ignore the fragment */
    if (eq && eq > s) {
      char *name = strndup(s, (size_t)(eq - s));
      if (!name) log_nomem();
      set(name, eq + 1);
      free(name);
    } else if (!eq && n)
      unsetenv(s);
    i += n + 1;
  }
}
