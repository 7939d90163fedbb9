#ifndef RULES_BITS_H
#define RULES_BITS_H
/* fehcom's CIDR keys (ucspi-tcp6, ucspi-ssl 0.13): one character per prefix bit.
   A clear bit is '0'. IPv4 keys start with '_' and a set bit at position i
   (0 = most significant) is RULES_BITS4[i]; IPv6 keys start with '^' and the
   k-th set bit (counting from 0) is the byte 0x60 + k. */

#include <stddef.h>
#include <libowfat/stralloc.h>

#define RULES_BITS4 "abcdefghijklmnopqrstuvwxyz123456"

/* The 32 (128) bit characters of a whole address; a prefix key of length n is
   the marker ('_' or '^') followed by the first n of them. */
void rules_bits4(char bits[32], const unsigned char ip[4]);
void rules_bits6(char bits[128], const unsigned char ip[16]);

/* Renders a bit key as "a.b.c.d/n" or "ipv6/n" into out (not 0-terminated).
   Returns 1 on success, 0 if key is not a well-formed bit key, -1 out of memory. */
int rules_bits_cidr(stralloc *out, const char *key, size_t len);

#endif
