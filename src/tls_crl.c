/* CRLs in the client-certificate trust store. */
#include <errno.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include "file_source.h"
#include "tls_crl.h"
#include "tls_error.h"

int tls_crl_load(X509_STORE *st, const char *file, stralloc *err) {
  X509_CRL *crl;
  int n = 0;
  BIO *b;
  errno = 0;
  b = file_source_bio(file);
  if (!b) {
    tls_error_set(err, "unable to load CRL file: ", file, tls_error_sys_reason());
    return 0;
  }
  while ((crl = PEM_read_bio_X509_CRL(b, 0, 0, 0))) {
    int ok = X509_STORE_add_crl(st, crl);
    X509_CRL_free(crl);
    if (!ok) {
      BIO_free(b);
      tls_error_set(err, "unable to use CRL file: ", file, 0);
      return 0;
    }
    ++n;
  }
  BIO_free(b);
  ERR_clear_error(); /* the read loop ends with a "no start line" error */
  if (!n) {
    tls_error_set(err, "unable to load CRL file: ", file, "no CRL found");
    return 0;
  }
  /* the whole chain: a revoked intermediate CA is as bad as a revoked client */
  X509_STORE_set_flags(st, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
  return 1;
}
