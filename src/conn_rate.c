/* The servers' rate limits on top of rate_table. */
#include <string.h>

#include "conn_rate.h"
#include "deadline.h"
#include "ip_address.h"
#include "log.h"

static struct rate_table *table;
static char refusal[64 + RATE_LIMIT_FMT];

void conn_rate_init(const struct server_options *o) {
  if (table || !(o->maxrateip.n || o->maxratenet.n || o->fnrules || o->fniprules)) return;
  table = rate_table_map(RATE_SETS);
  if (!table) log_fatal_sys(111, "unable to map the rate table", (char *)0);
}

int conn_rate_admit(const struct server_options *o, const struct conn *c, const struct verdict *v,
                    struct rules_state *st) {
  static const char *what[2] = {"ip", "network"};
  struct rate_check chk[2];
  char lim[RATE_LIMIT_FMT], who[IP_ADDRESS_FMT + 4];
  int r;
  if (st->rated) return 0;
  st->rated = 1;
  if (!table) return 0;
  chk[0].ip = chk[1].ip = c->remoteip;
  chk[0].kind = RATE_IP;
  chk[1].kind = RATE_NET;
  chk[0].limit = v && v->rateip_set ? v->rateip : o->maxrateip;
  chk[1].limit = v && v->ratenet_set ? v->ratenet : o->maxratenet;
  if (!chk[0].limit.n && !chk[1].limit.n) return 0;
  r = rate_table_admit(table, chk, 2, (uint64_t)deadline_now());
  if (r < 0) return 0;
  rate_limit_fmt(lim, &chk[r].limit);
  rate_key_fmt(who, c->remoteip, chk[r].kind);
  strcpy(refusal, what[r]);
  strcat(refusal, " connection rate limit:");
  strcat(refusal, lim);
  if (log_verbosity >= 1)
    log_line("WARNING ", what[r], " connection rate limit of ", lim, " exceeded for: ", who, (char *)0);
  return 3 + r;
}

const char *conn_rate_refusal(void) { return refusal; }
