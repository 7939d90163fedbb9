#ifndef HOST_LOOKUP_H
#define HOST_LOOKUP_H
/* Host names for -h/-p and SSLLOCALHOST, through libowfat's DNS client (which
   honours DNSCACHEIP, LOCALDOMAIN and DNSREWRITEFILE). Only called when
   asked for: every lookup is a round trip. */

#include <libowfat/stralloc.h>

/* name of ip (PTR), 0-terminated in out; 1 found, 0 none or failed */
int host_lookup_name(stralloc *out, const char ip[16]);

/* -p: 1 when name resolves (A or AAAA) back to ip */
int host_lookup_confirms(const char *name, const char ip[16]);

#endif
