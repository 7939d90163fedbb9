/* libFuzzer target for the OCSP response file reader: the input is the
   certificate's serial number (a length byte, then that many big-endian
   bytes), then the DER response as the file; read at load, and again by
   a refresh after the file changed. */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "fuzz_file.h"
#include "tls_identity_type.h"
#include "tls_ocsp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct tls_identity id = {0};
  struct fuzz_file f;
  stralloc err = {0};
  BIGNUM *bn;
  size_t n;
  if (!size || size > 70000) return 0;
  n = data[0];
  if (n + 1 > size) return 0;
  if (!(id.cert = X509_new()) || !(bn = BN_bin2bn(data + 1, (int)n, 0))) abort();
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(id.cert));
  BN_free(bn);
  fuzz_file_open(&f, data + 1 + n, size - 1 - n);
  if (tls_ocsp_load(&id, f.path, &err)) {
    if (!id.ocsp || !id.ocsp->der || !id.ocsp->len) abort();
    fuzz_file_grow(&f);
    if (tls_ocsp_refresh(&id, &err) == 1) abort(); /* the change is seen */
  } else if (!err.len) {
    abort(); /* a refusal says why */
  }
  fuzz_file_close(&f);
  tls_ocsp_free(id.ocsp);
  X509_free(id.cert);
  stralloc_free(&err);
  ERR_clear_error();
  return 0;
}
