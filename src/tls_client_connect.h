#ifndef TLS_CLIENT_CONNECT_H
#define TLS_CLIENT_CONNECT_H
/* sslclient's TCP side: the server's addresses (an address as written, or a
   name through libowfat's DNS client, which honours DNSCACHEIP, LOCALDOMAIN
   and DNSREWRITEFILE) and the connection, tried address by address and
   bounded by -T x+y as tcpclient does. */

#include <libowfat/stralloc.h>
#include <libowfat/uint16.h>
#include <libowfat/uint32.h>

/* Appends the addresses of host (16 bytes each, IPv4 as v4-mapped) to out.
   family 4 (-4): IPv4 only; 6 (-6): IPv6 only for names; 0: both.
   *scope gets the %interface of an address literal. Returns 1 when there is
   at least one, 0 when none (errno set for a failed lookup). */
int tls_client_resolve(stralloc *out, const char *host, int family, uint32 *scope);

struct tls_client_local {
  char ip[16];      /* -i, all zeros: the kernel chooses */
  int haveip;
  uint16 port;      /* -p, 0: the kernel chooses */
  uint32 scope;     /* -I or %interface: link-local IPv6 */
};

/* Connects to one of addrs (a multiple of 16 bytes) at port: each address
   in turn for timeout1 seconds, then those that timed out again for
   timeout2 seconds (a single address gets timeout1 + timeout2 at once).
   Returns the connected socket (blocking, close-on-exec), or -1 with errno
   and the address of the last failure in failed. A socket or bind failure
   for the local address is fatal (111). */
int tls_client_connect(const stralloc *addrs, uint16 port, const struct tls_client_local *local,
                       unsigned long timeout1, unsigned long timeout2, char failed[16]);

/* a port number or a service name from /etc/services; exits 111 when unknown */
uint16 tls_client_port(const char *s);

#endif
