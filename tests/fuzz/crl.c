/* libFuzzer target for the CRLFILE reader: the input as the PEM file. */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "fuzz_file.h"
#include "tls_crl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_file f;
  stralloc err = {0};
  X509_STORE *st;
  if (size > 1 << 16) return 0;
  st = X509_STORE_new();
  if (!st) abort();
  fuzz_file_open(&f, data, size);
  if (!tls_crl_load(st, f.path, &err) && !err.len) abort(); /* a refusal says why */
  fuzz_file_close(&f);
  X509_STORE_free(st);
  stralloc_free(&err);
  ERR_clear_error();
  return 0;
}
