#ifndef TLS_ENV_H
#define TLS_ENV_H
/* The TLS variables a program gets after the handshake, as NAME=value\0
   strings (the form UCSPI-TLS sends over the control descriptor too). */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

/* ucspi-ssl's value: programs written for it may test it */
#define TLS_ENV_INTERFACE "ucspi-ssl"

/* Appends, in ucspi-ssl's order, SSL_PROTOCOL, SSL_SESSION_ID, SSL_CIPHER,
   SSL_CIPHER_EXPORT (true below 56 bits), SSL_CIPHER_USEKEYSIZE,
   SSL_CIPHER_ALGKEYSIZE, SSL_VERSION_INTERFACE, SSL_VERSION_LIBRARY,
   SSL_SESSION_RESUMED, and when there is one SSL_GROUP, SSL_TLS_SNI and
   SSL_ALPN. Returns 0 when out of memory. */
int tls_env_session(SSL *ssl, stralloc *env);

/* "group:G sni:NAME alpn:PROTO session:new|resumed" ('-' for none, names
   made safe for a log) for the -V line, 0-terminated in out. */
int tls_env_summary(SSL *ssl, stralloc *out);

#endif
