/* fehcom's bit-string keys for CIDR rules: encoding and display. */
#include "rules_bits.h"
#include <libowfat/ip4.h>
#include <libowfat/ip6.h>

void rules_bits4(char bits[32], const unsigned char ip[4]) {
  for (int i = 0; i < 32; ++i)
    bits[i] = (ip[i >> 3] & (0x80 >> (i & 7))) ? RULES_BITS4[i] : '0';
}

void rules_bits6(char bits[128], const unsigned char ip[16]) {
  unsigned char next = 0x60;
  for (int i = 0; i < 128; ++i)
    bits[i] = (ip[i >> 3] & (0x80 >> (i & 7))) ? (char)next++ : '0';
}

int rules_bits_cidr(stralloc *out, const char *key, size_t len) {
  unsigned char ip[16] = {0};
  char bits[128];
  char buf[IP6_FMT + 8];
  size_t n, i, max;
  int v6;

  if (len < 2) return 0;
  if (key[0] == '_') { v6 = 0; max = 32; }
  else if (key[0] == '^') { v6 = 1; max = 128; }
  else return 0;
  n = len - 1;
  if (n > max) return 0;
  for (i = 0; i < n; ++i)
    if (key[1 + i] != '0') ip[i >> 3] |= (unsigned char)(0x80 >> (i & 7));
  /* only the exact spelling counts: the set bits must carry their letters */
  if (v6) rules_bits6(bits, ip); else rules_bits4(bits, ip);
  for (i = 0; i < n; ++i)
    if (bits[i] != key[1 + i]) return 0;
  n = v6 ? fmt_ip6(buf, (const char *)ip) : fmt_ip4(buf, (const char *)ip);
  buf[n++] = '/';
  if (len - 1 >= 100) buf[n++] = (char)('0' + (len - 1) / 100);
  if (len - 1 >= 10) buf[n++] = (char)('0' + (len - 1) / 10 % 10);
  buf[n++] = (char)('0' + (len - 1) % 10);
  return stralloc_copyb(out, buf, n) ? 1 : -1;
}
