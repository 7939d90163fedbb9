/* Reverse and forward DNS lookups of one connection. */
#include <string.h>

#include <libowfat/dns.h>

#include "host_lookup.h"
#include "ip_address.h"

int host_lookup_name(stralloc *out, const char ip[16]) {
  if (dns_name6(out, ip) == -1) return 0;
  if (!out->len) return 0;
  return stralloc_0(out);
}

int host_lookup_confirms(const char *name, const char ip[16]) {
  static stralloc fqdn, addrs;
  size_t i;
  if (!stralloc_copys(&fqdn, name)) return 0;
  if (ip_address_is4(ip)) {
    if (dns_ip4(&addrs, &fqdn) == -1) return 0;
    for (i = 0; i + 4 <= addrs.len; i += 4)
      if (!memcmp(addrs.s + i, ip + 12, 4)) return 1;
    return 0;
  }
  if (dns_ip6(&addrs, &fqdn) == -1) return 0;
  for (i = 0; i + 16 <= addrs.len; i += 16)
    if (!memcmp(addrs.s + i, ip, 16)) return 1;
  return 0;
}
