/* libFuzzer target for the TICKETKEYFILE reader: the input as the file,
   read at setup and again by a refresh after the file changed. */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "fuzz_file.h"
#include "tls_ticket_keys.h"

static SSL_CTX *ctx;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct fuzz_file f;
  stralloc err = {0};
  SSL_CTX *c;
  int ok;
  if (!ctx && !(ctx = SSL_CTX_new(TLS_server_method()))) abort();
  if (size > 8192) return 0;
  c = SSL_CTX_new(TLS_server_method());
  if (!c) abort();
  fuzz_file_open(&f, data, size);
  ok = tls_ticket_keys_setup(c, f.path, &err);
  if (ok != (size && size % 80 == 0 && size <= 80 * 64)) abort();
  if (ok) {
    /* the same file grown by a byte: refused, and the old keys stay */
    fuzz_file_grow(&f);
    if (tls_ticket_keys_refresh(c, &err) != 0) abort();
    if (tls_ticket_keys_refresh(c, &err) != 1) abort(); /* tried once */
  }
  tls_ticket_keys_inherit(ctx, c);
  fuzz_file_close(&f);
  SSL_CTX_free(c);
  stralloc_free(&err);
  ERR_clear_error();
  return 0;
}
