#ifndef TLS_CLIENT_CONTEXT_H
#define TLS_CLIENT_CONTEXT_H
/* sslclient's SSL_CTX: trust anchors for the server certificate (-a -A, or
   the system's store), an optional client certificate (-c -k with the
   password of -3/-K), ciphers (-z) and the verify depth (-V). */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

struct tls_client_config {
  int verify;               /* -x: the server certificate must verify */
  const char *cafile;       /* -a or CAFILE; with cadir 0 too: the system's store */
  const char *cadir;        /* -A or CADIR */
  const char *certfile;     /* -c: certificate (and chain), 0 = none */
  const char *keyfile;      /* -k: 0 = the key is in certfile */
  const char *password;     /* -3/-K, or 0 */
  const char *ciphers;      /* -z: TLS 1.2 cipher list and/or TLS 1.3 suites, 0 = default */
  unsigned long verifydepth; /* -V */
};

/* Builds the context; 0 with a one-line reason in err on failure. */
SSL_CTX *tls_client_context(const struct tls_client_config *c, stralloc *err);

#endif
