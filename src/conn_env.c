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
  if (!c->proxied) return;
  ip_address_fmt(c->proxyipstr, c->proxyip);
  c->proxyportstr[fmt_ulong(c->proxyportstr, c->proxyport)] = 0;
}

extern char **environ;

/* Variables go in with putenv(3) as strings of our own: setenv(3) would
   keep every value it ever saw, which a worker serving connection after
   connection cannot afford. The strings stay valid until conn_env_restore. */
static char **owned;         /* strings handed to putenv */
static size_t nowned, aowned;
static char **saved;         /* the environment at conn_env_save, 0 before */

static void set(const char *name, const char *value) {
  size_t n, v;
  char *s;
  if (!value) {
    unsetenv(name);
    return;
  }
  n = strlen(name);
  v = strlen(value);
  if (nowned == aowned) {
    size_t a = aowned ? 2 * aowned : 32;
    char **o = realloc(owned, a * sizeof *o);
    if (!o) log_nomem();
    owned = o;
    aowned = a;
  }
  s = malloc(n + v + 2);
  if (!s) log_nomem();
  memcpy(s, name, n);
  s[n] = '=';
  memcpy(s + n + 1, value, v + 1);
  if (putenv(s) != 0) {
    free(s);
    log_nomem();
  }
  owned[nowned++] = s;
}

void conn_env_put(const char *name, const char *value) { set(name, value); }

void conn_env_drop_tcp(void) {
  static const char *const names[] = {
    "TCPLOCALIP", "TCPLOCALPORT", "TCPLOCALHOST", "TCPREMOTEIP", "TCPREMOTEPORT",
    "TCPREMOTEHOST", "TCPREMOTEINFO", "TCP6LOCALIP", "TCP6LOCALPORT", "TCP6LOCALHOST",
    "TCP6REMOTEIP", "TCP6REMOTEPORT", "TCP6REMOTEHOST", "TCP6REMOTEINFO", "TCP6INTERFACE",
  };
  size_t i;
  for (i = 0; i < sizeof names / sizeof names[0]; ++i) unsetenv(names[i]);
}

void conn_env_save(void) {
  size_t n = 0, i;
  while (environ && environ[n]) ++n;
  saved = malloc((n + 1) * sizeof *saved);
  if (!saved) log_nomem();
  /* the strings themselves outlive us: the original environment, or
     setenv's, which it never frees */
  for (i = 0; i < n; ++i) saved[i] = environ[i];
  saved[n] = 0;
  nowned = 0; /* what we had set so far belongs to the saved environment now */
}

void conn_env_restore(void) {
  size_t i;
  if (!saved) return;
  clearenv();
  for (i = 0; saved[i]; ++i)
    if (putenv(saved[i]) != 0) log_nomem();
  for (i = 0; i < nowned; ++i) free(owned[i]);
  nowned = 0;
}

/* PREFIX followed by the names every set has: SSL, TCP and TCP6 */
static void set_addresses(const char *prefix, const struct conn *c) {
  static const char *const names[] = {"LOCALIP", "LOCALPORT", "LOCALHOST",
                                      "REMOTEIP", "REMOTEPORT", "REMOTEHOST"};
  const char *values[] = {c->localipstr, c->localportstr, c->localhost,
                          c->remoteipstr, c->remoteportstr, c->remotehost};
  char name[32];
  size_t i, n = strlen(prefix);
  for (i = 0; i < sizeof names / sizeof names[0]; ++i) {
    memcpy(name, prefix, n);
    strcpy(name + n, names[i]);
    set(name, values[i]);
  }
}

void conn_env_set(const struct conn *c, int tcpenv) {
  int v6 = !ip_address_is4(c->remoteip);

  set("PROTO", "TLS");
  set_addresses("SSL", c);
  set("SSLREMOTEINFO", c->remoteinfo);
  set("SSLPROXYIP", c->proxied ? c->proxyipstr : 0);
  set("SSLPROXYPORT", c->proxied ? c->proxyportstr : 0);
  if (!tcpenv) return;

  /* a la tcpserver: PROTO names the prefix a UCSPI program reads */
  set("PROTO", v6 ? "TCP6" : "TCP");
  set_addresses("TCP", c);
  set("TCPREMOTEINFO", c->remoteinfo);
  if (!v6) return;
  set_addresses("TCP6", c);
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
