/* tls_hello: a ClientHello record whole and byte by byte, and what is not
   one (other content types, SSL 2, bad lengths, plain text). */
#include <string.h>

#include "rules_tap.h"
#include "tls_hello.h"

/* a handshake record of len bytes (type 1, as a ClientHello) */
static size_t record(unsigned char *b, size_t len) {
  b[0] = 22;
  b[1] = 3;
  b[2] = 1;
  b[3] = (unsigned char)(len >> 8);
  b[4] = (unsigned char)len;
  memset(b + 5, 0x42, len);
  b[5] = 1;
  return 5 + len;
}

static unsigned char buf[TLS_HELLO_MAX + 100];

int main(void) {
  size_t n, i;
  int more = 1;

  tap_plan(17);
  n = record(buf, 512);
  for (i = 0; i < n; ++i) more &= tls_hello_check(buf, i) == TLS_HELLO_MORE;
  tap_ok(more, "every prefix of a 512-byte record: more");
  tap_ok(tls_hello_check(buf, n) == TLS_HELLO_READY, "the whole record: ready");
  tap_ok(tls_hello_check(buf, n + 50) == TLS_HELLO_READY, "with more behind it: ready");
  n = record(buf, 16384);
  tap_ok(tls_hello_check(buf, n - 1) == TLS_HELLO_MORE, "the largest record less a byte: more");
  tap_ok(tls_hello_check(buf, n) == TLS_HELLO_READY, "the largest record: ready");
  tap_ok(n == TLS_HELLO_MAX, "TLS_HELLO_MAX is the largest record");
  record(buf, 16385);
  tap_ok(tls_hello_check(buf, 5) == TLS_HELLO_OTHER, "a length over 2^14: other");
  record(buf, 0);
  tap_ok(tls_hello_check(buf, 5) == TLS_HELLO_OTHER, "length 0: other");
  record(buf, 1);
  tap_ok(tls_hello_check(buf, 6) == TLS_HELLO_READY, "length 1: ready (OpenSSL judges it)");
  tap_ok(tls_hello_check(buf, 0) == TLS_HELLO_MORE, "nothing yet: more");
  tap_ok(tls_hello_check((const unsigned char *)"GET / HTTP/1.0\r\n", 16) == TLS_HELLO_OTHER,
         "plain text: other");
  tap_ok(tls_hello_check((const unsigned char *)"G", 1) == TLS_HELLO_OTHER,
         "one byte of plain text: other");
  tap_ok(tls_hello_check((const unsigned char *)"\x80\x2e\x01\x00\x02", 5) == TLS_HELLO_OTHER,
         "an SSL 2 hello: other");
  tap_ok(tls_hello_check((const unsigned char *)"\x15\x03\x03\x00\x02", 5) == TLS_HELLO_OTHER,
         "an alert record: other");
  tap_ok(tls_hello_check((const unsigned char *)"\x16\x04", 2) == TLS_HELLO_OTHER,
         "major version 4: other");
  tap_ok(tls_hello_check((const unsigned char *)"\x16", 1) == TLS_HELLO_MORE,
         "the content type alone: more");
  tap_ok(tls_hello_check((const unsigned char *)"\x16\x03\x00\xff\xff", 5) == TLS_HELLO_OTHER,
         "length 65535: other");
  return tap_done();
}
