#ifndef CONN_RATE_H
#define CONN_RATE_H
/* MAXRATEIP and MAXRATENET for the servers: one rate table, mapped shared
   before the first fork, so that the listener, its connection children
   and sslhandle's workers count in the same place. A connection is counted
   once, where its limits are final: by the listener when no rule can
   change them or it decided the rules itself, else by the process that
   decides the -x rules after the name lookups. */

#include "conn_env.h"
#include "conn_rules.h"
#include "server_options.h"

/* Maps the table when a limit may apply (from the environment, or rules
   that may set one); exits 111 when it cannot. Before any fork. */
void conn_rate_init(const struct server_options *o);

/* Counts c unless st->rated, against the limits a rule set (v, may be 0)
   or else the environment's. 0: admitted (or no table, no limit); 3 or 4:
   MAXRATEIP or MAXRATENET exceeded, the warning line logged. */
int conn_rate_admit(const struct server_options *o, const struct conn *c, const struct verdict *v,
                    struct rules_state *st);

/* "ip connection rate limit:n/secs" or "network ...": the last refusal */
const char *conn_rate_refusal(void);

#endif
