#ifndef TLS_ALPN_H
#define TLS_ALPN_H
/* ALPN on the server: the server's list, in its order of preference, and
   the first of them the client offers wins. A client that offers only
   others gets a no_application_protocol alert (RFC 7301); a client that
   offers none proceeds without. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

/* list: protocol names separated by commas ("h2,http/1.1"). Returns 0
   with a reason in err for an empty name or one over 255 bytes. */
int tls_alpn_setup(SSL_CTX *ctx, const char *list, stralloc *err);

#endif
