#ifndef RULES_H
#define RULES_H
/* Access rules: the lookup that tcpserver, sslserver and tcprulescheck share.
   Reads rules.cdb files written by djb's tcprules, Debian's ucspi-tcp-ipv6 and
   fehcom's ucspi-tcp6 (expanded IPv6, CIDR bit-string keys), and ours. */

#include <libowfat/stralloc.h>

struct rules_query {
  const char *ip;    /* remote address as text: IPv4 dotted quad, or IPv6
                        (a v4-mapped address must already be in IPv4 form) */
  const char *info;  /* remote ident user name, or 0 when not known */
  const char *host;  /* remote host name, or 0 when not known / not looked up */
};

enum { RULES_DENY = 0, RULES_ALLOW = 1, RULES_ERROR = -1 };

/* Looks q up in the CDB open on fd, first matching key wins.
   On RULES_ALLOW or RULES_DENY, key (if not 0) holds the key that matched (empty
   for the default rule, and also when no rule matched at all, which allows),
   and vars holds the rule's variables as NAME=value\0 strings (a leading '+'
   already stripped; a `NAME` with no `=` means unset it).
   RULES_ERROR: the file could not be read (errno set). */
int rules_lookup(int fd, const struct rules_query *q, stralloc *key, stralloc *vars);

/* The same search, giving the matching rule's raw CDB data (as tcprules wrote
   it: "D\0" and "+NAME=value\0" entries) in data.
   Returns 1 found, 0 no key matched (key empty), -1 error (errno set). */
int rules_find(int fd, const struct rules_query *q, stralloc *key, stralloc *data);

#endif
