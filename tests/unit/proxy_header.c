/* proxy_header: v1 and v2 headers, valid and malformed, read from a socket
   pair whole and one byte at a time (never a byte past the header), and a
   mutation fuzz loop (run it under SANITIZE=1 for over-reads). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "ip_address.h"
#include "proxy_header.h"
#include "rules_tap.h"

static const unsigned char SIG[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                      0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

/* a v2 header: cmd/family byte pair, addresses (len bytes), tlvlen TLV bytes */
static size_t v2(unsigned char *b, unsigned verc, unsigned fam, const unsigned char *addr,
                 size_t alen, size_t tlvlen) {
  size_t len = alen + tlvlen;
  memcpy(b, SIG, 12);
  b[12] = (unsigned char)verc;
  b[13] = (unsigned char)fam;
  b[14] = (unsigned char)(len >> 8);
  b[15] = (unsigned char)len;
  if (alen) memcpy(b + 16, addr, alen);
  if (tlvlen) {
    /* well-formed TLVs: type 0x04 (NOOP) of the remaining length */
    size_t i = 16 + alen, left = tlvlen;
    while (left >= 3) {
      size_t l = left - 3 > 200 ? 200 : left - 3;
      b[i] = 0x04;
      b[i + 1] = (unsigned char)(l >> 8);
      b[i + 2] = (unsigned char)l;
      memset(b + i + 3, 0xAB, l);
      i += 3 + l;
      left -= 3 + l;
    }
    memset(b + i, 0, left);
  }
  return 16 + len;
}

static const unsigned char A4[12] = {192, 0, 2, 7, 10, 0, 0, 1, 0x30, 0x39, 0x01, 0xbb};
static unsigned char A6[36];

static void fmt(char *s, const char ip[16]) { ip_address_fmt(s, ip); }

/* feeds buf over a socket pair (step bytes at a time, step 0: all at
   once), then "X"; reads the header with proxy_read. Returns the status;
   *after: the byte next read from the socket (-1: none) */
static enum proxy_status feed(const unsigned char *buf, size_t n, size_t step, int close_after,
                              struct proxy_header *h, const char **reason, int *after) {
  int sv[2];
  struct proxy_reader r;
  enum proxy_status st = PROXY_AGAIN;
  size_t off = 0;
  unsigned char c;

  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == -1) abort();
  fcntl(sv[0], F_SETFL, O_NONBLOCK);
  memset(&r, 0, sizeof r);
  *after = -1;
  *reason = "";
  if (!step) step = n ? n : 1;
  while (off < n) {
    size_t k = n - off < step ? n - off : step;
    if (write(sv[1], buf + off, k) != (ssize_t)k) abort();
    off += k;
    st = proxy_read(&r, sv[0], h, reason);
    if (st != PROXY_AGAIN) break;
  }
  if (st == PROXY_AGAIN) {
    if (close_after) shutdown(sv[1], SHUT_WR);
    else if (write(sv[1], "X", 1) != 1) abort();
    st = proxy_read(&r, sv[0], h, reason);
  } else if (write(sv[1], buf + off, n - off) != (ssize_t)(n - off) || write(sv[1], "X", 1) != 1)
    abort(); /* the rest, to see that none of it was taken */
  if (st == PROXY_DONE && recv(sv[0], &c, 1, MSG_DONTWAIT) == 1) *after = c;
  close(sv[0]);
  close(sv[1]);
  return st;
}

static void good(const char *name, const unsigned char *b, size_t n, int local, const char *src,
                 unsigned sport, const char *dst, unsigned dport) {
  struct proxy_header h;
  const char *why;
  char s[IP_ADDRESS_FMT], d[IP_ADDRESS_FMT], label[200];
  int after;
  size_t step;
  for (step = 0; step <= 1; ++step) {
    enum proxy_status st = feed(b, n, step, 0, &h, &why, &after);
    snprintf(label, sizeof label, "%s (%s)", name, step ? "one byte at a time" : "whole");
    if (!tap_ok(st == PROXY_DONE && after == 'X', label)) {
      printf("#   status %d reason '%s' after %d\n", st, why, after);
      continue;
    }
    if (local) {
      tap_ok(h.local, "  ... local: own addresses kept");
      continue;
    }
    fmt(s, h.srcip);
    fmt(d, h.dstip);
    snprintf(label, sizeof label, "  ... %s:%u -> %s:%u", src, sport, dst, dport);
    tap_ok(!h.local && !strcmp(s, src) && h.srcport == sport && !strcmp(d, dst) && h.dstport == dport,
           label);
    if (strcmp(s, src) || h.srcport != sport) printf("#   got %s:%u -> %s:%u\n", s, h.srcport, d, h.dstport);
  }
}

static void bad(const char *name, const unsigned char *b, size_t n, int close_after,
                const char *reason_part) {
  struct proxy_header h;
  const char *why;
  int after;
  enum proxy_status st = feed(b, n, 0, close_after, &h, &why, &after);
  if (!tap_ok(st == PROXY_BAD && strstr(why, reason_part), name))
    printf("#   status %d reason '%s'\n", st, why);
}

#define S(str) (const unsigned char *)(str), strlen(str)

int main(void) {
  unsigned char b[4096];
  size_t n, i;
  int k;

  tap_plan(78);
  for (i = 0; i < 16; ++i) A6[i] = (unsigned char)(i == 0 ? 0x20 : i == 1 ? 0x01 : i == 15 ? 1 : 0);
  A6[16] = 0x20, A6[17] = 0x01, A6[31] = 2;
  A6[32] = 0x01, A6[33] = 0x02, A6[34] = 0x00, A6[35] = 0x50;

  /* v1 */
  good("v1 TCP4", S("PROXY TCP4 192.0.2.7 10.0.0.1 12345 443\r\n"), 0, "192.0.2.7", 12345, "10.0.0.1", 443);
  good("v1 TCP6", S("PROXY TCP6 2001:db8::7 ::1 65535 0\r\n"), 0, "2001:db8::7", 65535, "::1", 0);
  good("v1 UNKNOWN", S("PROXY UNKNOWN\r\n"), 1, 0, 0, 0, 0);
  good("v1 UNKNOWN with addresses", S("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"), 1, 0, 0, 0, 0);
  /* the longest line allowed: 107 bytes */
  good("v1 TCP6 of 104 bytes",
       S("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"),
       0, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);

  /* v2 */
  n = v2(b, 0x21, 0x11, A4, 12, 0);
  good("v2 PROXY TCP4", b, n, 0, "192.0.2.7", 12345, "10.0.0.1", 443);
  n = v2(b, 0x21, 0x21, A6, 36, 0);
  good("v2 PROXY TCP6", b, n, 0, "2001::1", 258, "2001::2", 80);
  n = v2(b, 0x21, 0x11, A4, 12, 700);
  good("v2 PROXY TCP4 with 700 bytes of TLVs", b, n, 0, "192.0.2.7", 12345, "10.0.0.1", 443);
  n = v2(b, 0x20, 0x00, 0, 0, 0);
  good("v2 LOCAL", b, n, 1, 0, 0, 0, 0);
  n = v2(b, 0x20, 0x11, A4, 12, 30);
  good("v2 LOCAL with addresses and TLVs", b, n, 1, 0, 0, 0, 0);
  n = v2(b, 0x21, 0x00, 0, 0, 0);
  good("v2 PROXY UNSPEC", b, n, 1, 0, 0, 0, 0);
  memset(b + 16, 0, 216);
  n = v2(b, 0x21, 0x31, b + 16, 216, 0);
  good("v2 PROXY AF_UNIX", b, n, 1, 0, 0, 0, 0);

  /* malformed */
  bad("not a header (a TLS record)", S("\x16\x03\x01\x02\x00\x01"), 0, "bad signature");
  bad("v1 signature wrong", S("PROXZ TCP4 1.2.3.4 1.2.3.4 1 2\r\n"), 0, "bad signature");
  bad("v1 protocol unknown", S("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n"), 0, "not TCP4");
  bad("v1 address not IPv4", S("PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n"), 0, "not IPv4");
  bad("v1 IPv6 address with TCP4", S("PROXY TCP4 ::1 1.2.3.4 1 2\r\n"), 0, "not IPv4");
  bad("v1 IPv4 address with TCP6", S("PROXY TCP6 1.2.3.4 ::1 1 2\r\n"), 0, "not IPv6");
  bad("v1 port out of range", S("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n"), 0, "port out of range");
  bad("v1 port not a number", S("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n"), 0, "port out of range");
  bad("v1 port with a leading zero", S("PROXY TCP4 1.2.3.4 1.2.3.4 01 2\r\n"), 0, "port out of range");
  bad("v1 missing field", S("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n"), 0, "malformed");
  bad("v1 extra field", S("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n"), 0, "malformed");
  bad("v1 double space", S("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n"), 0, "malformed");
  bad("v1 LF without CR", S("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n"), 0, "malformed");
  bad("v1 line end in the first bytes", S("PROXY TCP\r\n\x16\x03\x01"), 0, "malformed");
  memset(b, 'a', sizeof b);
  memcpy(b, "PROXY TCP6 ", 11);
  bad("v1 line too long (no CRLF in 107 bytes)", b, 200, 0, "too long");
  bad("v1 truncated (EOF inside)", S("PROXY TCP4 1.2.3.4 1.2.3.4 1"), 1, "truncated");
  n = v2(b, 0x21, 0x11, A4, 12, 0);
  bad("v2 truncated in the fixed part", b, 10, 1, "truncated");
  bad("v2 truncated in the addresses", b, n - 1, 1, "truncated");
  n = v2(b, 0x11, 0x11, A4, 12, 0);
  bad("v2 bad version", b, n, 0, "bad version");
  n = v2(b, 0x22, 0x11, A4, 12, 0);
  bad("v2 bad command", b, n, 0, "bad command");
  n = v2(b, 0x21, 0x12, A4, 12, 0);
  bad("v2 bad family (UDP)", b, n, 0, "bad family");
  n = v2(b, 0x21, 0x41, A4, 12, 0);
  bad("v2 bad family (4)", b, n, 0, "bad family");
  n = v2(b, 0x21, 0x11, A4, 8, 0);
  bad("v2 TCP4 addresses too short", b, n, 0, "shorter than the family");
  n = v2(b, 0x21, 0x21, A6, 12, 0);
  bad("v2 TCP6 addresses too short", b, n, 0, "shorter than the family");
  n = v2(b, 0x21, 0x11, A4, 12, PROXY_V2_MAX_LEN - 12 + 1);
  bad("v2 length over the bound", b, 16, 0, "too long");
  b[0] = 0x0d, b[1] = 0x0a, b[2] = 0x0d, b[3] = 0x0b;
  bad("v2 signature wrong", b, 16, 0, "bad signature");

  /* closed without a byte: a health check, not an error */
  {
    struct proxy_header h;
    const char *why;
    int after;
    tap_ok(feed(b, 0, 0, 1, &h, &why, &after) == PROXY_EMPTY, "EOF before any byte: PROXY_EMPTY");
  }
  /* the first read takes no more than the shortest header */
  {
    int sv[2];
    struct proxy_reader r;
    struct proxy_header h;
    const char *why;
    char rest[64];
    ssize_t got;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    memset(&r, 0, sizeof r);
    if (write(sv[1], "PROXY UNKNOWN\r\n\x16\x03\x01", 18) != 18) abort();
    k = proxy_read(&r, sv[0], &h, &why) == PROXY_DONE && h.local;
    got = recv(sv[0], rest, sizeof rest, MSG_DONTWAIT);
    tap_ok(k && got == 3 && !memcmp(rest, "\x16\x03\x01", 3),
           "the shortest header followed by TLS: the TLS bytes are left");
    close(sv[0]);
    close(sv[1]);
    /* and with a deadline: a slow sender times out */
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    memset(&r, 0, sizeof r);
    if (write(sv[1], "PROXY TCP4 ", 11) != 11) abort();
    k = proxy_read_until(&r, sv[0], deadline_now() + 200, &h, &why) == PROXY_BAD;
    tap_ok(k && !strcmp(why, "timed out"), "proxy_read_until: a header not finished in time");
    close(sv[0]);
    close(sv[1]);
  }

  /* mutation fuzz: random corruptions of valid headers, parsed in place
     and through the reader; nothing may crash or read past the buffer */
  {
    static const char *seeds1[] = {
      "PROXY TCP4 192.0.2.7 10.0.0.1 12345 443\r\n",
      "PROXY TCP6 2001:db8::7 ::1 65535 0\r\n",
      "PROXY UNKNOWN\r\n",
    };
    unsigned long done = 0, bads = 0, oks = 0, wrong = 0;
    unsigned seed = 12345;
    int round;
    srand(seed);
    for (round = 0; round < 20000; ++round) {
      struct proxy_header h;
      const char *why;
      unsigned char *m;
      size_t len, j, muts;
      long r;
      int which = rand() % 6;
      if (which < 3) {
        len = strlen(seeds1[which]);
        memcpy(b, seeds1[which], len);
      } else if (which == 3)
        len = v2(b, 0x21, 0x11, A4, 12, (size_t)(rand() % 64));
      else if (which == 4)
        len = v2(b, 0x21, 0x21, A6, 36, (size_t)(rand() % 64));
      else
        len = v2(b, 0x20, 0x00, 0, 0, (size_t)(rand() % 16));
      muts = 1 + (size_t)(rand() % 4);
      for (j = 0; j < muts; ++j) {
        size_t at = (size_t)rand() % len;
        switch (rand() % 4) {
          case 0: b[at] = (unsigned char)rand(); break;
          case 1: b[at] ^= (unsigned char)(1u << (rand() % 8)); break;
          case 2: len = at ? at : 1; break;                       /* cut */
          default: if (len < 200) b[len++] = (unsigned char)rand(); /* grow */
        }
      }
      /* an exact-size copy on the heap, so that ASan sees an over-read */
      m = malloc(len);
      if (!m) abort();
      memcpy(m, b, len);
      r = proxy_header_parse(m, len, &h, &why);
      if (r > (long)len) ++wrong;
      if (r < 0) ++bads;
      else if (r > 0) ++oks;
      free(m);
      if (round % 10 == 0) { /* and through a socket now and then */
        int after;
        enum proxy_status st = feed(b, len, (size_t)(rand() % 8), 1, &h, &why, &after);
        if (st == PROXY_DONE && (r <= 0 || after != (r < (long)len ? b[r] : 'X'))) {
          ++wrong;
          printf("# past the header: %d after %ld bytes\n", after, r);
        }
      }
      ++done;
    }
    printf("# fuzz: %lu rounds, %lu valid, %lu refused, %lu wrong\n", done, oks, bads, wrong);
    tap_ok(done == 20000 && !wrong, "mutation fuzz: 20000 corruptions, no crash, nothing past the header");
  }
  return tap_done();
}
