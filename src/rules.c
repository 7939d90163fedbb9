/* The rules lookup shared by sslserver and tcprulescheck.
   Keys are tried in ucspi-ssl 0.13's order, reading both CDB dialects:
     info@ip  info@=host  ip  =host  ip prefixes  CIDR bit keys  =.domain  =  default
   djb's and Debian's ucspi-tcp-ipv6 keys are the address text as written, and
   the prefixes are every leading part of it that ends in '.' or ':' (longest
   first), as Debian's tcpserver does. fehcom's dialect adds, for IPv6, the fully
   expanded address (upper case, as his tools write it; lower case too) and, for
   both families, the bit keys of rules_bits.h from /32 (/128) down to /1. */
#include <errno.h>
#include <string.h>
#include <cdb.h>
#include <libowfat/ip4.h>
#include <libowfat/ip6.h>
#include "rules.h"
#include "rules_bits.h"

/* Expanded IPv6 text: eight groups of four hex digits. */
static void expand6(char out[39], const unsigned char ip[16], const char *digits) {
  size_t n = 0;
  for (int i = 0; i < 16; ++i) {
    out[n++] = digits[ip[i] >> 4];
    out[n++] = digits[ip[i] & 15];
    if ((i & 1) && i < 15) out[n++] = ':';
  }
}

struct find {
  struct cdb c;
  stralloc *key;
};

/* 1 found, 0 not, -1 error; the key is whatever key->s holds */
static int try(struct find *f) {
  if (f->key->len > 0x7fffffff) return 0; /* no such key fits a CDB */
  return cdb_find(&f->c, f->key->s, (unsigned)f->key->len);
}

static int set2(stralloc *sa, const char *a, size_t alen, const char *b, size_t blen) {
  return stralloc_copyb(sa, a, alen) && stralloc_catb(sa, b, blen);
}

int rules_find(int fd, const struct rules_query *q, stralloc *key, stralloc *data) {
  static stralloc own;
  struct find f;
  unsigned char ip[16];
  char exp[2][39];
  int nexp = 0;
  char bits[128];
  size_t nbits = 0;
  char mark = 0;
  const char *ipt = q->ip ? q->ip : "";
  size_t iplen = strlen(ipt);
  size_t i;
  int r;

  f.key = key ? key : &own;
  if (!stralloc_ready(f.key, 64)) return errno = ENOMEM, -1;
  if (cdb_init(&f.c, fd) == -1) return -1;

  if (memchr(ipt, ':', iplen)) {
    if (iplen && scan_ip6(ipt, (char *)ip) == iplen) {
      expand6(exp[0], ip, "0123456789ABCDEF");
      expand6(exp[1], ip, "0123456789abcdef");
      nexp = memcmp(exp[0], exp[1], 39) ? 2 : 1;
      rules_bits6(bits, ip);
      nbits = 128;
      mark = '^';
    }
  } else if (iplen && scan_ip4(ipt, (char *)ip) == iplen) {
    rules_bits4(bits, ip);
    nbits = 32;
    mark = '_';
  }

#define TRY(build) do { if (!(build)) goto nomem; if ((r = try(&f))) goto done; } while (0)
  if (q->info) {
    size_t ilen = strlen(q->info);
    TRY(set2(f.key, q->info, ilen, "@", 1) && stralloc_catb(f.key, ipt, iplen));
    for (int e = 0; e < nexp; ++e)
      if (iplen != 39 || memcmp(ipt, exp[e], 39))
        TRY(set2(f.key, q->info, ilen, "@", 1) && stralloc_catb(f.key, exp[e], 39));
    if (q->host) TRY(set2(f.key, q->info, ilen, "@=", 2) && stralloc_cats(f.key, q->host));
  }
  TRY(stralloc_copyb(f.key, ipt, iplen));
  for (int e = 0; e < nexp; ++e)
    if (iplen != 39 || memcmp(ipt, exp[e], 39)) TRY(stralloc_copyb(f.key, exp[e], 39));
  if (q->host) TRY(set2(f.key, "=", 1, q->host, strlen(q->host)));
  for (i = iplen; i > 0; --i)
    if (ipt[i - 1] == '.' || ipt[i - 1] == ':') TRY(stralloc_copyb(f.key, ipt, i));
  for (i = nbits; i > 0; --i) TRY(set2(f.key, &mark, 1, bits, i));
  if (q->host) {
    for (const char *h = q->host; *h; ++h)
      if (*h == '.') TRY(set2(f.key, "=", 1, h, strlen(h)));
    TRY(stralloc_copys(f.key, "="));
  }
  f.key->len = 0;
  r = try(&f);
#undef TRY

done:
  if (r == 1) {
    unsigned len = cdb_datalen(&f.c);
    const void *p = cdb_getdata(&f.c);
    if (!p) r = -1;
    else if (!stralloc_copyb(data, p, len)) goto nomem;
  }
  if (r != 1) f.key->len = 0;
  {
    int e = errno;
    cdb_free(&f.c);
    errno = e;
  }
  return r;
nomem:
  cdb_free(&f.c);
  f.key->len = 0;
  return errno = ENOMEM, -1;
}

int rules_lookup(int fd, const struct rules_query *q, stralloc *key, stralloc *vars) {
  static stralloc data;
  size_t i, end;
  int deny = 0;

  vars->len = 0;
  switch (rules_find(fd, q, key, &data)) {
    case -1: return RULES_ERROR;
    case 0: return RULES_ALLOW;
  }
  /* NUL-terminated entries: "D" denies, "+NAME=value" sets; an unterminated
     tail and anything else are ignored, as tcpserver does */
  for (i = 0; i < data.len; i = end + 1) {
    const char *z = memchr(data.s + i, 0, data.len - i);
    if (!z) break;
    end = (size_t)(z - data.s);
    if (data.s[i] == 'D') deny = 1;
    else if (data.s[i] == '+')
      if (!stralloc_catb(vars, data.s + i + 1, end - i)) return errno = ENOMEM, RULES_ERROR;
  }
  return deny ? RULES_DENY : RULES_ALLOW;
}
