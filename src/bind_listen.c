/* Creating, binding and listening on the server socket. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libowfat/dns.h>
#include <libowfat/fmt.h>
#include <libowfat/scan.h>
#include <libowfat/socket.h>
#include <libowfat/stralloc.h>

#include "bind_listen.h"
#include "ip_address.h"
#include "log.h"

static uint16 port_of(const char *s) {
  unsigned long u;
  size_t n = scan_ulong(s, &u);
  struct servent *se;
  if (n && !s[n]) {
    if (u > 65535) log_fatal(100, "port out of range: ", s, (char *)0);
    return (uint16)u;
  }
  se = getservbyname(s, "tcp");
  if (!se) log_fatal(111, "unable to figure out port number for: ", s, (char *)0);
  return ntohs((uint16_t)se->s_port);
}

static int family_ok(const char ip[16], int family) {
  if (family == 4) return ip_address_is4(ip);
  if (family == 6) return !ip_address_is4(ip);
  return 1;
}

/* A name: djb's qualification rules (LOCALDOMAIN, DNSREWRITEFILE, DNSCACHEIP),
   then the system resolver for names only /etc/hosts knows, like localhost.
   Neither knowing it is "no IP address", as long as DNS answered. */
static void resolve(const char *host, int family, char ip[16]) {
  static stralloc out, fqdn, name;
  struct addrinfo hints, *res = 0, *ai;
  size_t i;
  int dns;

  if (!stralloc_copys(&name, host)) log_nomem();
  dns = dns_ip6_qualify(&out, &fqdn, &name);
  if (dns == 0)
    for (i = 0; i + 16 <= out.len; i += 16)
      if (family_ok(out.s + i, family)) {
        memcpy(ip, out.s + i, 16);
        return;
      }
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
  if (getaddrinfo(host, 0, &hints, &res) == 0) {
    for (ai = res; ai; ai = ai->ai_next) {
      struct sockaddr_storage ss;
      if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
      memset(&ss, 0, sizeof ss);
      memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
      ip_address_from_sockaddr(&ss, ip, 0, 0);
      freeaddrinfo(res);
      return;
    }
    freeaddrinfo(res);
  }
  if (dns == -1) log_fatal(111, "temporarily unable to figure out IP address for: ", host, (char *)0);
  log_fatal(111, "no IP address for: ", host, (char *)0);
}

void bind_listen(const struct bind_request *req, struct bound *out) {
  char ip[16];
  char ipstr[IP_ADDRESS_FMT];
  char portstr[FMT_ULONG];
  uint32 scope = 0;
  uint16 port = port_of(req->port);
  int dualstack = 0, fd, on = 1, off = 0;
  struct sockaddr_storage ss;
  socklen_t sslen;
  const char *host = req->host;

  if (!strcmp(host, "0")) host = req->family == 6 ? "::" : "0.0.0.0";
  if (!strcmp(host, ":0")) {
    host = "::";
    dualstack = 1;
  }
  if (!ip_address_scan(host, ip, &scope)) resolve(host, req->family, ip);
  if (req->ifname) {
    scope = socket_getifidx(req->ifname);
    if (!scope) log_fatal(111, "unknown interface: ", req->ifname, (char *)0);
  }

  ip_address_fmt(ipstr, ip);
  portstr[fmt_ulong(portstr, port)] = 0;

  fd = socket(ip_address_is4(ip) ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd == -1) log_fatal(111, "unable to create socket", (char *)0);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  if (!ip_address_is4(ip))
    if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, dualstack ? &off : &on, sizeof on) == -1)
      log_fatal_sys(111, "unable to set IPv6 socket options", (char *)0);

  sslen = ip_address_to_sockaddr(&ss, ip, port, scope);
  if (bind(fd, (struct sockaddr *)&ss, sslen) == -1) {
    if (req->terse) log_fatal(111, "unable to bind", (char *)0);
    log_fatal(111, "unable to bind to: ", ipstr, " port: ", portstr, (char *)0);
  }
  sslen = sizeof ss;
  if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1) {
    if (req->terse) log_fatal(111, "unable to get local address", (char *)0);
    log_fatal(111, "unable to set local address/port: ", ipstr, "/", portstr, (char *)0);
  }
  if (listen(fd, req->backlog > 65535 ? 65535 : (int)req->backlog) == -1)
    log_fatal(111, "unable to listen", (char *)0);
  ip_address_from_sockaddr(&ss, out->ip, &out->port, &out->scope);
  out->fd = fd;
}
