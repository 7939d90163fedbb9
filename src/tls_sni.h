#ifndef TLS_SNI_H
#define TLS_SNI_H
/* Certificates chosen by the server name the client asks for (SNI).

   CERTDIR holds one PEM file per certificate, NAME.pem: the certificate,
   its chain and, unless NAME.key exists beside it, its key; NAME.ocsp, if
   there is one, its OCSP response (tls_ocsp). The names a
   certificate serves are its own (SAN DNS entries, else the CN), exact or
   wildcard ("*.example.org" covers one more label). Several certificates
   for one name (RSA and ECDSA) are all offered; OpenSSL picks the one the
   client can verify. A client without SNI, or with a name no certificate
   serves, gets the default certificate (CERTFILE), or with strict set an
   unrecognized_name alert for an unknown name. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

#include "tls_identity_type.h"

/* Loads dir (0: none) and hooks the choice into ctx's handshakes. dflt,
   the context's default identity (already in use by ctx), is taken over and
   left empty; with strict its names count as known. Returns 0 with a
   reason in err. */
int tls_sni_setup(SSL_CTX *ctx, const char *dir, int strict, struct tls_identity *dflt,
                  const char *password, stralloc *err);

/* The identity of ctx whose certificate is cert, or 0. */
struct tls_identity *tls_sni_find(SSL_CTX *ctx, const X509 *cert);

/* Calls f for every identity of ctx (the default first). */
void tls_sni_each(SSL_CTX *ctx, void (*f)(struct tls_identity *, void *), void *arg);

#endif
