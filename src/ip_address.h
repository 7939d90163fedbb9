#ifndef IP_ADDRESS_H
#define IP_ADDRESS_H
/* Addresses as 16 bytes, IPv4 as v4-mapped IPv6 (::ffff:a.b.c.d), and their
   text forms: dotted quad for IPv4, compact IPv6 otherwise. */

#include <stddef.h>
#include <sys/socket.h>
#include <libowfat/uint16.h>
#include <libowfat/uint32.h>

#define IP_ADDRESS_FMT 64 /* text form with room for %scope */

int ip_address_is4(const char ip[16]);
/* writes the text form, 0-terminated; returns its length */
size_t ip_address_fmt(char *s, const char ip[16]);
/* parses a whole string (IPv4, or IPv6 with optional %ifname / %index);
   returns 1 when all of s was an address */
int ip_address_scan(const char *s, char ip[16], uint32 *scope);

void ip_address_from_sockaddr(const struct sockaddr_storage *sa, char ip[16],
                              uint16 *port, uint32 *scope);
socklen_t ip_address_to_sockaddr(struct sockaddr_storage *sa, const char ip[16],
                                 uint16 port, uint32 scope);

#endif
