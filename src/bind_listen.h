#ifndef BIND_LISTEN_H
#define BIND_LISTEN_H
/* The listening socket: host and port as on the command line. */

#include <libowfat/uint16.h>
#include <libowfat/uint32.h>

struct bind_request {
  const char *host;   /* IPv4, IPv6, name, 0, 0.0.0.0, ::, or :0 (dual stack) */
  const char *port;   /* number or service name; 0 picks a free port */
  int family;         /* 0 any, 4 (-4) or 6 (-6): preference for names */
  const char *ifname; /* -I, scope for link-local IPv6, or 0 */
  unsigned long backlog;
  int terse;          /* sslhandle's and sslprint's wording: "unable to bind" */
};

struct bound {
  int fd;
  char ip[16];
  uint16 port;        /* the port really bound (port 0 resolved) */
  uint32 scope;
};

/* Binds and listens, or exits with a fatal message (111, 100 for bad input)
   worded as ucspi-ssl's: "unable to figure out port number for: NAME",
   "temporarily unable to figure out IP address for: NAME" (DNS failed),
   "no IP address for: NAME", "unable to bind to: IP port: N". */
void bind_listen(const struct bind_request *req, struct bound *out);

#endif
