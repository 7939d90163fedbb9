#ifndef TLS_HANDSHAKE_H
#define TLS_HANDSHAKE_H
/* The server side of the TLS handshake on a non-blocking socket, bounded by
   a deadline (-T). */

#include <openssl/ssl.h>

enum tls_handshake_result {
  TLS_HANDSHAKE_OK = 0,
  TLS_HANDSHAKE_TIMEOUT,  /* the client did not finish in time */
  TLS_HANDSHAKE_CLOSED,   /* the client closed or reset the connection */
  TLS_HANDSHAKE_PROTOCOL, /* not TLS, or nothing in common (version, cipher) */
};

/* reason: a short text for the log line (OpenSSL's reason or errno's) */
enum tls_handshake_result tls_handshake_accept(SSL *ssl, int fd, unsigned long seconds,
                                               const char **reason);

#endif
