/* netaddr.h: a numeric host and port as a socket address, for the bench's
   load generators (each one file, so a static function here). */
#ifndef BENCH_NETADDR_H
#define BENCH_NETADDR_H

#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* exits 100 with "prog: fatal: ..." on a host or port that is not numeric */
static void netaddr(const char *prog, const char *host, const char *port,
                    struct sockaddr_storage *a, socklen_t *len) {
  struct addrinfo hints, *ai;
  int e;
  memset(&hints, 0, sizeof hints);
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  hints.ai_socktype = SOCK_STREAM;
  e = getaddrinfo(host, port, &hints, &ai);
  if (e) {
    fprintf(stderr, "%s: fatal: %s port %s: %s\n", prog, host, port, gai_strerror(e));
    exit(100);
  }
  memcpy(a, ai->ai_addr, ai->ai_addrlen);
  *len = ai->ai_addrlen;
  freeaddrinfo(ai);
}

#endif
