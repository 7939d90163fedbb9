#ifndef CONN_PROXY_H
#define CONN_PROXY_H
/* A connection from a load balancer that speaks the PROXY protocol: who
   must send a header (conn_rules_proxy), what the header changes in the
   connection, the log lines, and the blocking read for the servers that
   have no listener of their own (sslwrap). */

#include "conn_env.h"
#include "conn_rules.h"
#include "proxy_header.h"
#include "server_options.h"

/* The client is the header's source from now on, the peer its proxy. A
   LOCAL or UNKNOWN header changes nothing: the balancer speaks for itself. */
void conn_proxy_apply(struct conn *c, const struct proxy_header *h);

/* The line for a header refused (PROXY_BAD: reason) or never sent
   (PROXY_EMPTY: a health check, at -v only); c: as accepted. */
void conn_proxy_log(const struct conn *c, enum proxy_status st, const char *reason);

/* Where no listener read it: when c's peer must send a header, reads it
   (bounded by -T), applies it and clears st's lookups so that the rules
   are looked up afresh for the client. c's local address is read first
   (st->formatted). Returns -1 to go on (with the header applied, or none
   wanted), or after the log line the exit code of a connection that ends
   here: 0 closed before a byte, 100 header refused. */
int conn_proxy_serve(const struct server_options *o, int t, struct conn *c,
                     struct rules_state *st);

#endif
