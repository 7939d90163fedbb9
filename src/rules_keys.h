#ifndef RULES_KEYS_H
#define RULES_KEYS_H
/* The CDB keys one rule address stands for.
   - names (=host, =.domain, =), user@... forms and plain addresses: the
     address itself, as djb's tcprules writes it;
   - a range in one dotted part (10.1.2.3-7, 10.1.0-3.): one key per number, as
     djb's tcprules does (numbers above 255 are cut to 255);
   - IPv4 CIDR (a.b.c.d/n, n = 1..32): dotted prefixes and exact addresses that
     every tcpserver reads: /8 /16 /24 give one prefix key ("10.", "10.1."),
     other lengths the prefixes or addresses of the next multiple of 8
     (192.168.4.0/22 = 192.168.4. to 192.168.7.; at most 128 keys);
   - IPv6 CIDR (addr/n, n = 1..128): fehcom's bit key ('^' and n characters),
     read by our lookup, ucspi-ssl and ucspi-tcp6; a v4-mapped network of
     length 96 or more is taken as the IPv4 network it maps.
   CIDR addresses must have no bits set past the prefix. */

#include <stddef.h>

typedef int (*rules_keys_add)(void *ctx, const char *key, size_t len); /* 0 ok, -1 failed */

enum { RULES_KEYS_OK = 0, RULES_KEYS_BAD = -1, RULES_KEYS_ADDFAIL = -2, RULES_KEYS_NOMEM = -3 };

/* Calls add for each key of the address; RULES_KEYS_BAD sets *why. */
int rules_keys(const char *addr, size_t len, rules_keys_add add, void *ctx, const char **why);

#endif
