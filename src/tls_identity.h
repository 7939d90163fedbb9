#ifndef TLS_IDENTITY_H
#define TLS_IDENTITY_H
/* A server identity (tls_identity_type.h): loading it from PEM files,
   installing it, the names it is for. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

#include "tls_identity_type.h"

/* Reads certfile (certificates, PEM, in either order: the one matching the
   key is the leaf) and the key from keyfile (PEM; may be the same file).
   password: for an encrypted key, or 0. Returns 0 with a reason in err. */
int tls_identity_load(struct tls_identity *id, const char *certfile, const char *keyfile,
                      const char *password, stralloc *err);

/* Installs id as one of the context's certificates (one per key type);
   file names it in the reason for a failure. */
int tls_identity_use_ctx(SSL_CTX *ctx, const struct tls_identity *id, const char *file,
                         stralloc *err);
/* The same for one connection, e.g. after SNI chose it. */
int tls_identity_use_ssl(SSL *ssl, const struct tls_identity *id);

/* DNS names the certificate is for (SAN DNS entries, else the CN), in
   lower case, each as a 0-terminated string appended to names. */
int tls_identity_names(const struct tls_identity *id, stralloc *names);

void tls_identity_free(struct tls_identity *id);

/* OpenSSL's pem_password_cb for a key password given as a C string in u
   (0: no password); client and server keys share it. */
int tls_identity_password_cb(char *buf, int size, int rwflag, void *u);

#endif
