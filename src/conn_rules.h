#ifndef CONN_RULES_H
#define CONN_RULES_H
/* -y and -x for one connection: the lookups, kept so that what the
   listener already looked up serves the connection's process, and the
   decision they make together with MAXCONIP. */

#include <libowfat/stralloc.h>

#include "conn_env.h"
#include "server_options.h"

/* One rules lookup: result RULES_ALLOW, RULES_DENY or RULES_ERROR (errno
   set); vars are the allow rule's NAME=value\0 strings; explicit: a
   non-default key hit. */
struct rules_hit {
  int done, result, explicit;
  stralloc vars;
};

/* -y and -x as far as they are known */
struct rules_state {
  int formatted;          /* local address read and conn formatted */
  int rated;              /* counted by the rate limits (once per connection) */
  struct rules_hit y, x;
};

/* what the rules that apply said */
struct verdict {
  unsigned long maxconip; /* from a rule, 0 if none */
  int tls;                /* TLS settings the rules changed: RULE_* bits */
  /* MAXRATEIP and MAXRATENET from a rule (set: a rule named it), and the
     first such variable that did not parse */
  struct rate_limit rateip, ratenet;
  int rateip_set, ratenet_set;
  const char *badrate;
};

/* Rules may set TLS variables for the connections they match. Changes to
   the certificate, key or ciphers need a context of their own; changes to
   the client-certificate policy only touch the connection's SSL object. */
#define RULE_CONTEXT 1
#define RULE_CLIENTCERT 2

/* Runs the lookups not yet done (names known now: with_names) and decides.
   Returns 0 allow, 1 deny by rule, 2 MAXCONIP exceeded, 3 MAXRATEIP or 4
   MAXRATENET exceeded, -1 unable to read or a malformed rate in a rule
   (warned); stops at the first lookup that needs names when !with_names.
   Once the decision is final, the rate limits count the connection (see
   conn_rate_admit).
   ipcount: the connections from the same address besides this one. */
int conn_rules_decide(const struct server_options *o, const struct conn *c,
                      unsigned long ipcount, int with_names, struct rules_state *st,
                      struct verdict *v);

/* PROXY protocol: must the connection from c's remote address (formatted)
   start with a header? PROXYPROTOCOL from an allow rule for the address
   (-y, then -x looked up by the address alone: no names for a balancer),
   else o->proxyproto. Looks -y up into st, and -x too when no names would
   change its answer; a denied address or unreadable rules: 0, and the
   usual path refuses the connection. */
int conn_rules_proxy(const struct server_options *o, const struct conn *c, struct rules_state *st);

/* Sets the variables of the rules that allowed the connection. */
void conn_rules_apply(const struct rules_state *st);

/* -v: the "ok" or "deny" line (deny 2: the MAXCONIP one, 3 and 4: the
   rate limit the last conn_rate_admit refused) */
void conn_rules_log(const struct conn *c, const char *pidstr, int deny, unsigned long rulemax);

#endif
