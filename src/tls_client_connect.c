/* Finding the server's addresses and connecting to one of them in time. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libowfat/dns.h>
#include <libowfat/fmt.h>
#include <libowfat/scan.h>

#include "client_msg.h"
#include "ip_address.h"
#include "log.h"
#include "tls_client_connect.h"
#include "deadline.h"

static const char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (char)0xff, (char)0xff};

uint16 tls_client_port(const char *s) {
  unsigned long u;
  size_t n = scan_ulong(s, &u);
  struct servent *se;
  if (n && !s[n] && u <= 65535) return (uint16)u;
  se = getservbyname(s, "tcp");
  /* ucspi-ssl's sslclient says it without a colon */
  if (!se) {
    errno = 0;
    client_msg_fatal("unable to figure out port number for ", s);
  }
  return ntohs((uint16_t)se->s_port);
}

static int wanted(const char ip[16], int family) {
  if (family == 4) return ip_address_is4(ip);
  if (family == 6) return !ip_address_is4(ip);
  return 1;
}

static int add(stralloc *out, const char ip[16], int family) {
  if (!wanted(ip, family)) return 1;
  return stralloc_catb(out, ip, 16);
}

/* Names only /etc/hosts knows (localhost) through the system resolver,
   after DNS found nothing. */
static int from_hosts(stralloc *out, const char *host, int family) {
  struct addrinfo hints, *res = 0, *ai;
  memset(&hints, 0, sizeof hints);
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_family = family == 4 ? AF_INET : family == 6 ? AF_INET6 : AF_UNSPEC;
  if (getaddrinfo(host, 0, &hints, &res) != 0) return 0;
  for (ai = res; ai; ai = ai->ai_next) {
    struct sockaddr_storage ss;
    char ip[16];
    if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, ai->ai_addr, ai->ai_addrlen);
    ip_address_from_sockaddr(&ss, ip, 0, 0);
    if (!add(out, ip, family)) log_nomem();
  }
  freeaddrinfo(res);
  return 1;
}

int tls_client_resolve(stralloc *out, const char *host, int family, uint32 *scope) {
  static stralloc name, fqdn, found;
  char ip[16];
  size_t i, start = out->len;
  int r;

  *scope = 0;
  if (ip_address_scan(host, ip, scope)) {
    if (!stralloc_catb(out, ip, 16)) log_nomem();
    return 1;
  }
  if (!stralloc_copys(&name, host)) log_nomem();
  found.len = 0;
  if (family == 4) {
    r = dns_ip4_qualify(&found, &fqdn, &name);
    if (r == 0)
      for (i = 0; i + 4 <= found.len; i += 4) {
        memcpy(ip, v4mapped, 12);
        memcpy(ip + 12, found.s + i, 4);
        if (!add(out, ip, family)) log_nomem();
      }
  } else {
    r = dns_ip6_qualify(&found, &fqdn, &name);
    if (r == 0)
      for (i = 0; i + 16 <= found.len; i += 16)
        if (!add(out, found.s + i, family)) log_nomem();
  }
  if (out->len == start) {
    int saved = r == -1 ? errno : 0;
    from_hosts(out, host, family);
    errno = saved;
  }
  return out->len > start;
}

/* One attempt: 0 connected, -1 with errno (ETIMEDOUT when time ran out). */
static int attempt(int fd, const char ip[16], uint16 port, uint32 scope, unsigned long seconds) {
  struct sockaddr_storage ss;
  socklen_t len = ip_address_to_sockaddr(&ss, ip, port, scope);
  long long deadline = deadline_in(seconds);
  int err = 0;
  socklen_t errlen = sizeof err;

  if (connect(fd, (struct sockaddr *)&ss, len) == 0) return 0;
  if (errno != EINPROGRESS && errno != EINTR) return -1;
  if (deadline_poll(fd, POLLOUT, deadline) != 1) return -1; /* errno ETIMEDOUT when late */
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &errlen) == -1) return -1;
  if (err) {
    errno = err;
    return -1;
  }
  return 0;
}

static int new_socket(const char ip[16], const struct tls_client_local *local) {
  struct sockaddr_storage ss;
  socklen_t len;
  char lip[16];
  int v4 = ip_address_is4(ip);
  int fd = socket(v4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd == -1) client_msg_fatal("unable to create socket", 0);
  if (local->haveip || local->port) {
    char num[FMT_ULONG];
    memset(lip, 0, 16);
    if (v4) memcpy(lip, v4mapped, 12);
    if (local->haveip) memcpy(lip, local->ip, 16);
    if (ip_address_is4(lip) != v4) {
      close(fd);
      errno = EAFNOSUPPORT;
      return -1; /* -i of the other family: try the next address */
    }
    if (local->port) {
      int on = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    }
    len = ip_address_to_sockaddr(&ss, lip, local->port, local->scope);
    num[fmt_ulong(num, local->port)] = 0;
    if (bind(fd, (struct sockaddr *)&ss, len) == -1)
      client_msg_fatal("unable to bind to socket for local port: ", num);
  }
  return fd;
}

/* One pass over list: the connected socket, or -1 (errno in *saved); the
   addresses that timed out are appended to timedout when it is not 0. */
static int pass(const stralloc *list, uint16 port, const struct tls_client_local *local,
                unsigned long seconds, stralloc *timedout, char failed[16], int *saved) {
  size_t i;
  for (i = 0; i + 16 <= list->len; i += 16) {
    const char *ip = list->s + i;
    int fd;
    memcpy(failed, ip, 16);
    fd = new_socket(ip, local);
    if (fd == -1) {
      *saved = errno;
      continue;
    }
    if (attempt(fd, ip, port, local->scope, seconds) == 0) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      return fd;
    }
    *saved = errno;
    close(fd);
    if (timedout && *saved == ETIMEDOUT)
      if (!stralloc_catb(timedout, ip, 16)) log_nomem();
  }
  return -1;
}

/* -i of one family and only addresses of the other: ucspi-ssl's bind
   failure (with a mixed list, the addresses of -i's family are tried) */
static void check_family(const stralloc *addrs, const struct tls_client_local *local) {
  char num[FMT_ULONG];
  size_t i;
  if (!local->haveip) return;
  for (i = 0; i + 16 <= addrs->len; i += 16)
    if (ip_address_is4(addrs->s + i) == ip_address_is4(local->ip)) return;
  num[fmt_ulong(num, local->port)] = 0;
  errno = EAFNOSUPPORT;
  client_msg_fatal("unable to bind to socket for local port: ", num);
}

int tls_client_connect(const stralloc *addrs, uint16 port, const struct tls_client_local *local,
                       unsigned long timeout1, unsigned long timeout2, char failed[16]) {
  static stralloc again;
  int fd, saved = ECONNREFUSED;

  check_family(addrs, local);

  if (addrs->len == 16) {
    timeout1 += timeout2;
    timeout2 = 0;
  }
  again.len = 0;
  fd = pass(addrs, port, local, timeout1, timeout2 ? &again : 0, failed, &saved);
  if (fd == -1 && again.len) fd = pass(&again, port, local, timeout2, 0, failed, &saved);
  if (fd == -1) errno = saved;
  return fd;
}
