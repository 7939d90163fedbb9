/* Expanding a rule address into CDB keys: djb's ranges, and CIDR. */
#include <string.h>
#include <libowfat/fmt.h>
#include <libowfat/ip4.h>
#include <libowfat/ip6.h>
#include <libowfat/stralloc.h>
#include "rules_bits.h"
#include "rules_keys.h"

/* djb's number check: digits up to the end (or a NUL byte), an empty string
   is 0, overflow wraps */
static int djbnum(const char *s, size_t len, unsigned long *u) {
  size_t i;
  *u = 0;
  for (i = 0; i < len && s[i] >= '0' && s[i] <= '9'; ++i) *u = *u * 10 + (unsigned long)(s[i] - '0');
  return i == len || s[i] == 0;
}

static int range(const char *a, size_t len, size_t dash, rules_keys_add add, void *ctx,
                 const char **why) {
  static stralloc key;
  char num[FMT_ULONG];
  size_t left = dash, right;
  unsigned long bot, top;

  while (left > 0 && a[left - 1] != '.') --left;
  for (right = dash + 1; right < len && a[right] != '.'; ++right) ;
  if (!djbnum(a + left, dash - left, &bot) || !djbnum(a + dash + 1, right - dash - 1, &top)) {
    *why = "a range must be two numbers in one dotted part, as 10.1.2.3-7";
    return RULES_KEYS_BAD;
  }
  if (top > 255) top = 255;
  for (; bot <= top; ++bot) {
    if (!stralloc_copyb(&key, a, left) || !stralloc_catb(&key, num, fmt_ulong(num, bot)) ||
        !stralloc_catb(&key, a + right, len - right))
      return RULES_KEYS_NOMEM;
    if (add(ctx, key.s, key.len)) return RULES_KEYS_ADDFAIL;
  }
  return RULES_KEYS_OK;
}

/* strict dotted quad: four numbers 0..255 of one to three digits */
static int quad(const char *s, size_t len, unsigned char ip[4]) {
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    unsigned v = 0, digits = 0;
    if (part) { if (i >= len || s[i] != '.') return 0; ++i; }
    while (i < len && s[i] >= '0' && s[i] <= '9' && digits < 4) v = v * 10 + (unsigned)(s[i++] - '0'), ++digits;
    if (!digits || digits > 3 || v > 255) return 0;
    ip[part] = (unsigned char)v;
  }
  return i == len;
}

static int hostbits(const unsigned char *ip, unsigned bytes, unsigned n) {
  for (unsigned i = n; i < bytes * 8; ++i)
    if (ip[i >> 3] & (0x80 >> (i & 7))) return 1;
  return 0;
}

static int cidr4(const unsigned char ip[4], unsigned n, rules_keys_add add, void *ctx) {
  char key[IP4_FMT];
  unsigned octets = (n + 7) / 8; /* dotted parts in each key */
  unsigned count = 1u << (octets * 8 - n), k;
  for (k = 0; k < count; ++k) {
    size_t len = 0;
    for (unsigned o = 0; o < octets; ++o) {
      unsigned v = ip[o] + (o == octets - 1 ? k : 0);
      len += fmt_ulong(key + len, v);
      if (o < 3) key[len++] = '.'; /* prefixes end in a dot, addresses do not */
    }
    if (add(ctx, key, len)) return RULES_KEYS_ADDFAIL;
  }
  return RULES_KEYS_OK;
}

static int cidr(const char *a, size_t len, size_t slash, rules_keys_add add, void *ctx,
                const char **why) {
  unsigned char ip[16];
  char buf[IP6_FMT + 1];
  char key[129];
  unsigned n = 0, digits = 0;
  size_t i;

  for (i = slash + 1; i < len && a[i] >= '0' && a[i] <= '9' && digits < 4; ++i) n = n * 10 + (unsigned)(a[i] - '0'), ++digits;
  if (!digits || digits > 3 || i != len) { *why = "a CIDR prefix length must be a number"; return RULES_KEYS_BAD; }

  if (!memchr(a, ':', slash)) {
    if (!quad(a, slash, ip)) { *why = "an IPv4 CIDR rule needs a full address, as 10.0.0.0/8"; return RULES_KEYS_BAD; }
    goto v4;
  }
  if (slash >= sizeof buf) { *why = "not an IPv6 address before the '/'"; return RULES_KEYS_BAD; }
  memcpy(buf, a, slash);
  buf[slash] = 0;
  if (!slash || scan_ip6(buf, (char *)ip) != slash) { *why = "not an IPv6 address before the '/'"; return RULES_KEYS_BAD; }
  if (ip6_isv4mapped(ip) && n >= 96 && n <= 128) {
    memmove(ip, ip + 12, 4);
    n -= 96;
    goto v4;
  }
  if (n < 1 || n > 128) { *why = "an IPv6 prefix length must be 1 to 128"; return RULES_KEYS_BAD; }
  if (hostbits(ip, 16, n)) { *why = "address bits set past the prefix length"; return RULES_KEYS_BAD; }
  key[0] = '^';
  rules_bits6(key + 1, ip);
  return add(ctx, key, 1 + n) ? RULES_KEYS_ADDFAIL : RULES_KEYS_OK;

v4:
  if (n < 1 || n > 32) { *why = "an IPv4 prefix length must be 1 to 32"; return RULES_KEYS_BAD; }
  if (hostbits(ip, 4, n)) { *why = "address bits set past the prefix length"; return RULES_KEYS_BAD; }
  return cidr4(ip, n, add, ctx);
}

int rules_keys(const char *a, size_t len, rules_keys_add add, void *ctx, const char **why) {
  const char *slash, *dash;

  *why = "";
  if (!memchr(a, '=', len) && !memchr(a, '@', len)) {
    slash = memchr(a, '/', len);
    dash = memchr(a, '-', len);
    if (slash && dash) { *why = "a range and a CIDR prefix in one address"; return RULES_KEYS_BAD; }
    if (slash) return cidr(a, len, (size_t)(slash - a), add, ctx, why);
    if (dash) return range(a, len, (size_t)(dash - a), add, ctx, why);
  }
  return add(ctx, a, len) ? RULES_KEYS_ADDFAIL : RULES_KEYS_OK;
}
