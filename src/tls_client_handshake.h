#ifndef TLS_CLIENT_HANDSHAKE_H
#define TLS_CLIENT_HANDSHAKE_H
/* The client side of the TLS handshake on a non-blocking socket, bounded by
   a deadline (-T x+y: the whole of it). */

#include <openssl/ssl.h>

/* 1 done; 0 failed or timed out, with a short reason (OpenSSL's or errno's)
   for the log line */
int tls_client_handshake(SSL *ssl, int fd, unsigned long seconds, const char **reason);

#endif
