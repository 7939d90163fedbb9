/* PROXY protocol connections. */
#include <string.h>

#include "conn_proxy.h"
#include "conn_serve.h"
#include "deadline.h"
#include "log.h"

void conn_proxy_apply(struct conn *c, const struct proxy_header *h) {
  if (h->local) return;
  c->proxied = 1;
  memcpy(c->proxyip, c->remoteip, 16);
  c->proxyport = c->remoteport;
  memcpy(c->remoteip, h->srcip, 16);
  c->remoteport = h->srcport;
  c->scope = 0; /* the balancer's interface says nothing of the client */
  conn_format(c);
}

void conn_proxy_log(const struct conn *c, enum proxy_status st, const char *reason) {
  char ip[IP_ADDRESS_FMT];
  ip_address_fmt(ip, c->remoteip);
  if (st == PROXY_EMPTY)
    log_status("PROXY header not sent, closed at once by: ", ip, (char *)0);
  else if (log_verbosity >= 1)
    log_line("WARNING PROXY header refused from: ", ip, ": ", reason, (char *)0);
}

int conn_proxy_serve(const struct server_options *o, int t, struct conn *c,
                     struct rules_state *st) {
  static struct proxy_reader r;
  struct proxy_header h;
  enum proxy_status ps;
  const char *reason = "";

  if (!st->formatted) {
    if (!conn_serve_local(t, c)) return -1; /* conn_serve reports it */
    st->formatted = 1;
  }
  if (!conn_rules_proxy(o, c, st)) return -1;
  memset(&r, 0, sizeof r);
  ps = proxy_read_until(&r, t, deadline_in(o->tlstimeout) /* -T: as the handshake */, &h, &reason);
  if (ps != PROXY_DONE) {
    conn_proxy_log(c, ps, reason);
    return ps == PROXY_EMPTY ? 0 : 100;
  }
  conn_proxy_apply(c, &h);
  st->y.done = st->x.done = 0;
  return -1;
}
