#ifndef TLS_OCSP_H
#define TLS_OCSP_H
/* OCSP stapling: a DER OCSP response per certificate, read from a file
   (fetched by some other job, e.g. `openssl ocsp -respout`), sent to
   clients that ask for the certificate status. The response must be a
   successful one for the certificate's serial number; it is stapled while
   its nextUpdate has not passed, and read again when the file changes. */

#include <time.h>
#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

#include "file_seen.h"
#include "tls_identity_type.h"

struct tls_ocsp {
  char *file;
  struct file_seen seen;  /* the file when last looked at */
  unsigned char *der;     /* the response in use, or 0 */
  size_t len;
  time_t next;            /* its nextUpdate, 0 when it has none */
};

/* Reads file as the response for id. Returns 0 with a reason in err for a
   file that cannot be read, is no successful OCSP response, or is not
   about id's certificate. An expired response is kept but not stapled. */
int tls_ocsp_load(struct tls_identity *id, const char *file, stralloc *err);

/* Staples the response of the certificate OpenSSL chose, for the
   identities find knows (tls_sni_find; passed in, so that this module
   and tls_sni, which loads responses, do not include each other). */
typedef struct tls_identity *tls_ocsp_finder(SSL_CTX *ctx, const X509 *cert);
void tls_ocsp_setup(SSL_CTX *ctx, tls_ocsp_finder *find);

/* Re-reads id's file if it changed: 1 nothing to do, 2 a new response in
   use, 0 with a reason in err when the new file is bad (the old response
   stays). */
int tls_ocsp_refresh(struct tls_identity *id, stralloc *err);

void tls_ocsp_free(struct tls_ocsp *o);

#endif
