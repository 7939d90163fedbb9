#ifndef TLS_WARMUP_H
#define TLS_WARMUP_H
/* TLS handshakes of the listener with itself over a socket pair, a full one
   and, when the server issues tickets, a resumed one, before
   the first fork: OpenSSL 3 fetches its algorithms and fills its caches
   lazily, on the first handshake of a process. Done once in the listener,
   that work is inherited by every connection child instead of repeated in
   each (fewer instructions, and fewer heap pages written per child). */

#include <openssl/ssl.h>

/* Best effort: returns 1 when the handshake completed, 0 otherwise. */
int tls_warmup(SSL_CTX *server);

#endif
