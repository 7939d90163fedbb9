#ifndef TLS_HELLO_H
#define TLS_HELLO_H
/* Has a client's first TLS record arrived whole? The servers' wait set
   peeks at a new connection's first bytes (never taking them: OpenSSL
   reads them later) and hands the connection on only when this says so.
   A parser of untrusted bytes: pure, no allocation, reads b[0..n) only. */

#include <stddef.h>

/* The most that is ever worth peeking: a record header and the largest
   plaintext record (a ClientHello is sent in clear). */
#define TLS_HELLO_MAX (5 + 16384)

enum tls_hello {
  TLS_HELLO_MORE,  /* a TLS handshake record so far, not yet whole: wait */
  TLS_HELLO_READY, /* the first record is whole: the handshake can start */
  TLS_HELLO_OTHER  /* not a TLS handshake record: hand it on at once, the
                      handshake fails there with its usual log line */
};

/* b[0..n): the first n bytes the client sent (n may exceed TLS_HELLO_MAX) */
enum tls_hello tls_hello_check(const unsigned char *b, size_t n);

#endif
