/* The rules decision of one connection. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <libowfat/fmt.h>
#include <libowfat/scan.h>

#include "conn_rate.h"
#include "conn_rules.h"
#include "log.h"
#include "rules.h"
#include "tls_context.h"

static const struct {
  const char *name;
  int bit;
} tlsvars[] = {
  {"CERTFILE", RULE_CONTEXT},      {"KEYFILE", RULE_CONTEXT},
  {"CERTCHAINFILE", RULE_CONTEXT}, {"CIPHERS", RULE_CONTEXT},
  {"DHFILE", RULE_CONTEXT},        {"CCAFILE", RULE_CLIENTCERT},
  {"CCAVERIFY", RULE_CLIENTCERT},  {"CAFILE", RULE_CLIENTCERT},
  {"CADIR", RULE_CLIENTCERT},      {"VERIFYDEPTH", RULE_CLIENTCERT},
  {"CRLFILE", RULE_CLIENTCERT},
};

static int tls_rule_bit(const char *var) {
  size_t k, n = strcspn(var, "=");
  for (k = 0; k < sizeof tlsvars / sizeof tlsvars[0]; ++k)
    if (strlen(tlsvars[k].name) == n && !strncmp(var, tlsvars[k].name, n)) return tlsvars[k].bit;
  return tls_context_is_var(var, n) ? RULE_CONTEXT : 0;
}

/* tcpserver's and ucspi-ssl's line: "ok PID localhost:localip:localport
   remotehost:remoteip:remoteinfo:remoteport" */
void conn_rules_log(const struct conn *c, const char *pidstr, int deny, unsigned long rulemax) {
  char lh[128], rh[128], ri[128], num[FMT_ULONG];
  if (log_verbosity < 2) return;
  log_clean(lh, sizeof lh, c->localhost ? c->localhost : "");
  log_clean(rh, sizeof rh, c->remotehost ? c->remotehost : "");
  log_clean(ri, sizeof ri, c->remoteinfo ? c->remoteinfo : "");
  num[fmt_ulong(num, rulemax)] = 0;
  log_line(deny ? "deny " : "ok ", pidstr, " ", lh, ":", c->localipstr, ":", c->localportstr, " ",
           rh, ":", c->remoteipstr, ":", ri, ":", c->remoteportstr,
           deny == 2 ? " ip connection limit:" : "", deny == 2 ? num : "",
           deny == 3 || deny == 4 ? " " : "", deny == 3 || deny == 4 ? conn_rate_refusal() : "",
           deny >= 2 ? " exceeded" : "", (char *)0);
}

static void look(const char *file, int allownorules, const struct conn *c, int with_names,
                 struct rules_hit *h) {
  static stralloc key;
  struct rules_query q;
  int fd;

  h->done = 1;
  h->explicit = 0;
  h->vars.len = key.len = 0;
  fd = open(file, O_RDONLY | O_CLOEXEC);
  if (fd == -1) {
    h->result = errno == ENOENT && allownorules ? RULES_ALLOW : RULES_ERROR;
    return;
  }
  q.ip = c->remoteipstr;
  q.info = with_names ? c->remoteinfo : 0;
  q.host = with_names ? c->remotehost : 0;
  h->result = rules_lookup(fd, &q, &key, &h->vars);
  if (h->result == RULES_ERROR) {
    int e = errno;
    close(fd);
    errno = e;
    return;
  }
  close(fd);
  h->explicit = h->result == RULES_ALLOW && key.len > 0;
}

static void rate_of(const char *var, size_t len, struct rate_limit *l, int *set, struct verdict *v) {
  *set = 1;
  if (!rate_limit_scan(var + len, l) && !v->badrate) v->badrate = var;
}

/* what an allow rule means for the verdict: MAXCONIP, the rates and the TLS bits */
static void verdict_of(const struct rules_hit *h, struct verdict *v) {
  size_t i;
  for (i = 0; i < h->vars.len; i += strlen(h->vars.s + i) + 1) {
    const char *var = h->vars.s + i;
    v->tls |= tls_rule_bit(var);
    if (!strncmp(var, "MAXCONIP=", 9)) {
      unsigned long u = 0;
      scan_ulong(var + 9, &u);
      v->maxconip = u;
    } else if (!strncmp(var, "MAXRATEIP=", 10))
      rate_of(var, 10, &v->rateip, &v->rateip_set, v);
    else if (!strncmp(var, "MAXRATENET=", 11))
      rate_of(var, 11, &v->ratenet, &v->ratenet_set, v);
  }
}

/* ucspi-ssl's line, whose child dies of it (110; its sslhandle's 111):
   here too the connection is dropped and the server goes on */
static void warn(const struct server_options *o, const char *file) {
  log_fatal_line(o->terse ? 111 : 110, "unable to read: ", file, (char *)0);
}

int conn_rules_decide(const struct server_options *o, const struct conn *c,
                      unsigned long ipcount, int with_names, struct rules_state *st,
                      struct verdict *v) {
  v->rateip_set = v->ratenet_set = 0;
  v->badrate = 0;
  if (o->fniprules) {
    if (!st->y.done) look(o->fniprules, o->allownorules, c, 0, &st->y);
    if (st->y.result == RULES_ERROR) {
      warn(o, o->fniprules);
      return -1;
    }
    if (st->y.result == RULES_DENY) return 1;
    verdict_of(&st->y, v);
  }
  /* an explicit allow from -y stands; otherwise -x decides */
  if (o->fnrules && !(o->fniprules && st->y.explicit)) {
    if (!st->x.done) {
      if (!with_names) return 0;
      look(o->fnrules, o->allownorules, c, 1, &st->x);
    }
    if (st->x.result == RULES_ERROR) {
      warn(o, o->fnrules);
      return -1;
    }
    if (st->x.result == RULES_DENY) return 1;
    verdict_of(&st->x, v);
  }
  if (v->badrate) {
    char var[128];
    log_clean(var, sizeof var, v->badrate);
    log_warn("dropping connection, rule value is not n/secs or 0: ", var, " for: ", c->remoteipstr,
             (char *)0);
    return -1; /* a typo must not lift a limit */
  }
  if (v->maxconip) {
    if (o->limit && v->maxconip > o->limit) v->maxconip = o->limit;
    if (ipcount >= v->maxconip) return 2;
  }
  /* the limits are final here: count the connection */
  return conn_rate_admit(o, c, v, st);
}

/* PROXYPROTOCOL in an allow rule: sets *want, 1 when the rule had it */
static int proxy_var(const struct rules_hit *h, int *want) {
  size_t i;
  int found = 0;
  for (i = 0; i < h->vars.len; i += strlen(h->vars.s + i) + 1)
    if (!strncmp(h->vars.s + i, "PROXYPROTOCOL=", 14)) {
      *want = !strcmp(h->vars.s + i + 14, "1");
      found = 1;
    }
  return found;
}

int conn_rules_proxy(const struct server_options *o, const struct conn *c, struct rules_state *st) {
  static struct rules_hit byaddr;
  int want = o->proxyproto;
  if (o->fniprules) {
    if (!st->y.done) look(o->fniprules, o->allownorules, c, 0, &st->y);
    if (st->y.result != RULES_ALLOW) return 0;
    proxy_var(&st->y, &want);
    if (st->y.explicit) return want; /* -x is not asked (conn_rules_decide) */
  }
  if (o->fnrules) {
    const struct rules_hit *h = &st->x;
    if (!st->x.done) {
      /* with names to come, the lookup by address is for this question only */
      if (o->remotehost || o->remoteinfo || c->remotehost || c->remoteinfo) {
        look(o->fnrules, o->allownorules, c, 0, &byaddr);
        h = &byaddr;
      } else
        look(o->fnrules, o->allownorules, c, 1, &st->x);
    }
    if (h->result != RULES_ALLOW) return 0;
    proxy_var(h, &want);
  }
  return want;
}

void conn_rules_apply(const struct rules_state *st) {
  if (st->y.done && st->y.result == RULES_ALLOW) conn_env_apply(st->y.vars.s, st->y.vars.len);
  if (st->x.done && st->x.result == RULES_ALLOW) conn_env_apply(st->x.vars.s, st->x.vars.len);
}
