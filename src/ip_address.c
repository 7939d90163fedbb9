/* 16-byte addresses and their text forms. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <libowfat/ip4.h>
#include <libowfat/ip6.h>

#include "ip_address.h"

static const unsigned char v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

int ip_address_is4(const char ip[16]) { return memcmp(ip, v4mapped, 12) == 0; }

size_t ip_address_fmt(char *s, const char ip[16]) {
  size_t n = ip_address_is4(ip) ? fmt_ip4(s, ip + 12) : fmt_ip6(s, ip);
  s[n] = 0;
  return n;
}

int ip_address_scan(const char *s, char ip[16], uint32 *scope) {
  size_t len = strlen(s), n;
  uint32 sc = 0;
  if (!len) return 0;
  n = scan_ip4(s, ip + 12);
  if (n && n == len) {
    memcpy(ip, v4mapped, 12);
    if (scope) *scope = 0;
    return 1;
  }
  n = scan_ip6if(s, ip, &sc);
  if (!n || n != len) return 0;
  if (scope) *scope = sc;
  return 1;
}

void ip_address_from_sockaddr(const struct sockaddr_storage *sa, char ip[16],
                              uint16 *port, uint32 *scope) {
  if (sa->ss_family == AF_INET) {
    const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
    memcpy(ip, v4mapped, 12);
    memcpy(ip + 12, &in->sin_addr, 4);
    if (port) *port = ntohs(in->sin_port);
    if (scope) *scope = 0;
  } else {
    const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
    memcpy(ip, &in6->sin6_addr, 16);
    if (port) *port = ntohs(in6->sin6_port);
    if (scope) *scope = in6->sin6_scope_id;
  }
}

socklen_t ip_address_to_sockaddr(struct sockaddr_storage *sa, const char ip[16],
                                 uint16 port, uint32 scope) {
  memset(sa, 0, sizeof *sa);
  if (ip_address_is4(ip)) {
    struct sockaddr_in *in = (struct sockaddr_in *)sa;
    in->sin_family = AF_INET;
    in->sin_port = htons(port);
    memcpy(&in->sin_addr, ip + 12, 4);
    return sizeof *in;
  } else {
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(port);
    memcpy(&in6->sin6_addr, ip, 16);
    in6->sin6_scope_id = scope;
    return sizeof *in6;
  }
}
