#ifndef PROXY_HEADER_H
#define PROXY_HEADER_H
/* HAProxy's PROXY protocol, versions 1 (a text line) and 2 (binary), read
   from a non-blocking socket without ever taking a byte past the header:
   what follows is the client's TLS ClientHello, and OpenSSL reads it from
   the same socket. */

#include <stddef.h>
#include <libowfat/uint16.h>

/* v1: the whole line, CRLF included, is at most 107 bytes (the spec's). */
#define PROXY_V1_MAX 107
/* v2: the length after the 16-byte fixed part (addresses and TLVs) is at
   most this; a longer announced length is refused before it is read. */
#define PROXY_V2_MAX_LEN 1024
#define PROXY_HEADER_MAX (16 + PROXY_V2_MAX_LEN)
/* no header is shorter: "PROXY UNKNOWN\r\n"; v2's fixed part is 16 */
#define PROXY_HEADER_MIN 15

struct proxy_header {
  int version;               /* 1 or 2 */
  int local;                 /* v2 LOCAL, v1 UNKNOWN, v2 UNSPEC or AF_UNIX:
                                keep the connection's own addresses */
  char srcip[16], dstip[16]; /* as ip_address.h: IPv4 v4-mapped */
  uint16 srcport, dstport;
};

/* The header at the start of b[0..n): its length when complete and valid,
   0 when all of b may still begin a valid header, -1 (reason set) when it
   cannot. */
long proxy_header_parse(const unsigned char *b, size_t n, struct proxy_header *h,
                        const char **reason);

struct proxy_reader {
  unsigned char buf[PROXY_HEADER_MAX];
  size_t have; /* bytes taken from the socket so far */
};

enum proxy_status {
  PROXY_AGAIN,   /* the socket has nothing more now: poll and call again */
  PROXY_DONE,    /* *h is the header; the socket stands right after it */
  PROXY_EMPTY,   /* closed (or reset) before the first byte: a health check */
  PROXY_BAD,     /* malformed, truncated, too long, or a socket error: reason */
};

/* Takes what the socket has of the header (r zeroed before the first
   call). v2: the fixed part, then exactly the announced length; v1: peeks
   for the line's end and takes exactly up to it. The first read takes no
   more than PROXY_HEADER_MIN bytes. */
enum proxy_status proxy_read(struct proxy_reader *r, int fd, struct proxy_header *h,
                             const char **reason);

/* The same, waiting (poll) until the deadline of deadline.h; a deadline
   passed is PROXY_BAD "timed out". */
enum proxy_status proxy_read_until(struct proxy_reader *r, int fd, long long deadline,
                                   struct proxy_header *h, const char **reason);

/* Do the first bytes of b look like a PROXY header (either version)? For
   the log line of a source that sent one without being allowed to. */
int proxy_header_signature(const unsigned char *b, size_t n);

#endif
