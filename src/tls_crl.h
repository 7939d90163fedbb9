#ifndef TLS_CRL_H
#define TLS_CRL_H
/* Certificate revocation lists for client certificates (CRLFILE). */

#include <openssl/x509.h>
#include <libowfat/stralloc.h>

/* Adds the CRLs of file (PEM, one or more) to st and makes st check every
   certificate of a client's chain against its issuer's CRL. Returns 0 with
   a reason in err for a file that cannot be read or holds no CRL. */
int tls_crl_load(X509_STORE *st, const char *file, stralloc *err);

#endif
