#ifndef TLS_CLIENT_ENV_H
#define TLS_CLIENT_ENV_H
/* What sslclient -s gives its program (and what a 'Y' over SSLCTLFD sends
   back): the session variables, SSL_SERVER_* for the server's certificate
   and chain, and SSL_CLIENT_* for our own certificate when we sent one. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

/* Appends NAME=value\0 strings to env; 0 when out of memory. */
int tls_client_env(SSL *ssl, stralloc *env);

#endif
