#ifndef TLS_IDENTITY_TYPE_H
#define TLS_IDENTITY_TYPE_H
/* The server identity itself, apart from the functions that load and use
   it (tls_identity.h): tls_ocsp and tls_sni hold identities, and
   tls_identity frees their OCSP responses, so the type lives on its own
   to keep the modules' headers free of a circle. */

#include <openssl/ssl.h>

struct tls_ocsp;

/* a certificate, the intermediate certificates sent along with it, its
   private key, and the OCSP response stapled for it */
struct tls_identity {
  X509 *cert;
  STACK_OF(X509) *chain;  /* may be empty, never 0 once loaded */
  EVP_PKEY *key;
  struct tls_ocsp *ocsp;  /* the OCSP response to staple (tls_ocsp), or 0 */
};

#endif
