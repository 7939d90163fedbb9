/* The PROXY protocol header (HAProxy's doc/proxy-protocol.txt). */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include "deadline.h"
#include "proxy_header.h"

static const unsigned char v2sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                        0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
static const char v1sig[6] = "PROXY ";

static size_t min(size_t a, size_t b) { return a < b ? a : b; }

int proxy_header_signature(const unsigned char *b, size_t n) {
  if (!n) return 0;
  if (b[0] == v2sig[0]) return !memcmp(b, v2sig, min(n, sizeof v2sig));
  return !memcmp(b, v1sig, min(n, sizeof v1sig));
}

static void map4(char ip[16], const unsigned char *a) {
  memset(ip, 0, 10);
  ip[10] = ip[11] = (char)0xff;
  memcpy(ip + 12, a, 4);
}

/* a v1 port: decimal, no sign, no leading zero, at most 65535 */
static int port1(const char *s, size_t n, uint16 *port) {
  unsigned long u = 0;
  size_t i;
  if (!n || n > 5 || (n > 1 && s[0] == '0')) return 0;
  for (i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return 0;
    u = u * 10 + (unsigned long)(s[i] - '0');
  }
  if (u > 65535) return 0;
  *port = (uint16)u;
  return 1;
}

/* a v1 address of the family the line named, in our 16-byte form */
static int addr1(const char *s, size_t n, int v6, char ip[16]) {
  char tmp[64];
  unsigned char a[16];
  if (!n || n >= sizeof tmp) return 0;
  memcpy(tmp, s, n);
  tmp[n] = 0;
  if (!v6) {
    if (inet_pton(AF_INET, tmp, a) != 1) return 0;
    map4(ip, a);
    return 1;
  }
  if (inet_pton(AF_INET6, tmp, a) != 1) return 0;
  memcpy(ip, a, 16);
  return 1;
}

/* "PROXY " and the rest of the line up to CR LF (line: without CR LF) */
static long parse1(const char *line, size_t len, struct proxy_header *h, const char **reason) {
  const char *f[6];
  size_t fl[6], nf = 0, i = sizeof v1sig, start;
  int v6;

  h->version = 1;
  if (len - i >= 7 && !memcmp(line + i, "UNKNOWN", 7) && (len - i == 7 || line[i + 7] == ' ')) {
    h->local = 1; /* whatever follows is to be ignored */
    return 0;
  }
  /* exactly five fields after PROXY, one space apart */
  start = i;
  for (; i <= len; ++i) {
    if (i < len && line[i] != ' ') {
      if ((unsigned char)line[i] < 0x21 || (unsigned char)line[i] > 0x7e) goto bad;
      continue;
    }
    if (i == start || nf == 5) goto bad;
    f[nf] = line + start;
    fl[nf++] = i - start;
    start = i + 1;
  }
  if (nf != 5) goto bad;
  if (fl[0] == 4 && !memcmp(f[0], "TCP4", 4)) v6 = 0;
  else if (fl[0] == 4 && !memcmp(f[0], "TCP6", 4)) v6 = 1;
  else {
    *reason = "v1 protocol is not TCP4, TCP6 or UNKNOWN";
    return -1;
  }
  if (!addr1(f[1], fl[1], v6, h->srcip) || !addr1(f[2], fl[2], v6, h->dstip)) {
    *reason = v6 ? "v1 address is not IPv6" : "v1 address is not IPv4";
    return -1;
  }
  if (!port1(f[3], fl[3], &h->srcport) || !port1(f[4], fl[4], &h->dstport)) {
    *reason = "v1 port out of range";
    return -1;
  }
  h->local = 0;
  return 0;
bad:
  *reason = "v1 line malformed";
  return -1;
}

long proxy_header_parse(const unsigned char *b, size_t n, struct proxy_header *h,
                        const char **reason) {
  const unsigned char *lf;
  size_t len, need;
  unsigned cmd, fam;

  if (!n) return 0;
  if (!proxy_header_signature(b, n)) {
    *reason = "bad signature";
    return -1;
  }
  memset(h, 0, sizeof *h);
  if (b[0] == v2sig[0]) {
    if (n < 16) return 0;
    if (b[12] >> 4 != 2) {
      *reason = "v2 bad version";
      return -1;
    }
    cmd = b[12] & 15;
    if (cmd > 1) {
      *reason = "v2 bad command";
      return -1;
    }
    len = (size_t)b[14] << 8 | b[15];
    if (len > PROXY_V2_MAX_LEN) {
      *reason = "v2 header too long";
      return -1;
    }
    fam = b[13];
    /* LOCAL (a balancer's own check): the family is ignored, by the spec */
    if (cmd == 1 && fam != 0x00 && fam != 0x11 && fam != 0x21 && fam != 0x31) {
      *reason = "v2 bad family";
      return -1;
    }
    if (n < 16 + len) return 0;
    h->version = 2;
    h->local = cmd == 0 || fam == 0x00 || fam == 0x31;
    need = fam == 0x11 ? 12 : fam == 0x21 ? 36 : fam == 0x31 ? 216 : 0;
    if (cmd == 1 && len < need) {
      *reason = "v2 addresses shorter than the family needs";
      return -1;
    }
    if (fam == 0x11 && !h->local) {
      map4(h->srcip, b + 16);
      map4(h->dstip, b + 20);
      h->srcport = (uint16)(b[24] << 8 | b[25]);
      h->dstport = (uint16)(b[26] << 8 | b[27]);
    } else if (fam == 0x21 && !h->local) {
      memcpy(h->srcip, b + 16, 16);
      memcpy(h->dstip, b + 32, 16);
      h->srcport = (uint16)(b[48] << 8 | b[49]);
      h->dstport = (uint16)(b[50] << 8 | b[51]);
    }
    /* the TLVs after the addresses are skipped: nothing here needs them */
    return (long)(16 + len);
  }
  lf = memchr(b, '\n', min(n, PROXY_V1_MAX));
  if (!lf) {
    if (n < PROXY_V1_MAX) return 0;
    *reason = "v1 line too long";
    return -1;
  }
  len = (size_t)(lf - b);
  if (len < sizeof v1sig + 1 || b[len - 1] != '\r') {
    *reason = "v1 line malformed";
    return -1;
  }
  if (parse1((const char *)b, len - 1, h, reason) < 0) return -1;
  return (long)(len + 1);
}

/* how many bytes may be taken from the socket now, known to be header;
   0: v1 past its first read, where only a peek tells */
static size_t want(const struct proxy_reader *r) {
  const unsigned char *b = r->buf;
  if (!r->have) return PROXY_HEADER_MIN;
  if (b[0] == v2sig[0]) {
    if (r->have < 16) return 16 - r->have;
    return 16 + ((size_t)b[14] << 8 | b[15]) - r->have;
  }
  return 0;
}

enum proxy_status proxy_read(struct proxy_reader *r, int fd, struct proxy_header *h,
                             const char **reason) {
  for (;;) {
    size_t w = want(r);
    ssize_t got;
    long done;

    if (!w) {
      /* v1: look ahead for the end of the line, take up to it and no further */
      unsigned char *lf;
      got = recv(fd, r->buf + r->have, PROXY_V1_MAX - r->have, MSG_PEEK);
      if (got > 0) {
        lf = memchr(r->buf + r->have, '\n', (size_t)got);
        w = lf ? (size_t)(lf - (r->buf + r->have)) + 1 : (size_t)got;
        got = recv(fd, r->buf + r->have, w, 0);
      }
    } else
      got = recv(fd, r->buf + r->have, w, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return PROXY_AGAIN;
      if (!r->have && (errno == ECONNRESET || errno == EPIPE)) return PROXY_EMPTY;
      *reason = strerror(errno);
      return PROXY_BAD;
    }
    if (got == 0) {
      if (!r->have) return PROXY_EMPTY;
      *reason = "truncated header";
      return PROXY_BAD;
    }
    r->have += (size_t)got;
    done = proxy_header_parse(r->buf, r->have, h, reason);
    if (done < 0) return PROXY_BAD;
    if (done > 0) {
      if ((size_t)done != r->have) { /* a line end inside the first read */
        *reason = "v1 line malformed";
        return PROXY_BAD;
      }
      return PROXY_DONE;
    }
  }
}

enum proxy_status proxy_read_until(struct proxy_reader *r, int fd, long long deadline,
                                   struct proxy_header *h, const char **reason) {
  for (;;) {
    enum proxy_status st = proxy_read(r, fd, h, reason);
    int p;
    if (st != PROXY_AGAIN) return st;
    p = deadline_poll(fd, POLLIN, deadline);
    if (p == 0) {
      *reason = "timed out";
      return PROXY_BAD;
    }
    if (p < 0) {
      *reason = strerror(errno);
      return PROXY_BAD;
    }
  }
}
