/* The first record of a TLS client: content type 22 (handshake), a major
   version of 3 (SSL 3.0 to TLS 1.3 all say so), a 16-bit length of 1 to
   2^14, then that many bytes. Anything else is not worth waiting for. */
#include "tls_hello.h"

enum tls_hello tls_hello_check(const unsigned char *b, size_t n) {
  size_t len;
  if (n == 0) return TLS_HELLO_MORE;
  if (b[0] != 22) return TLS_HELLO_OTHER;
  if (n >= 2 && b[1] != 3) return TLS_HELLO_OTHER;
  if (n < 5) return TLS_HELLO_MORE;
  len = (size_t)b[3] << 8 | b[4];
  if (len == 0 || len > TLS_HELLO_MAX - 5) return TLS_HELLO_OTHER;
  return n - 5 >= len ? TLS_HELLO_READY : TLS_HELLO_MORE;
}
