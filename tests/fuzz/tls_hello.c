/* libFuzzer target for tls_hello_check (make fuzz). Besides memory errors
   it checks what the answer must be consistent with: a READY prefix stays
   READY when more bytes follow, OTHER stays OTHER, and MORE never comes
   for a prefix longer than the largest record. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "tls_hello.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  enum tls_hello whole = tls_hello_check(data, size), part;
  size_t i;
  if (whole == TLS_HELLO_MORE && size >= TLS_HELLO_MAX) abort();
  for (i = 0; i <= size; ++i) {
    part = tls_hello_check(data, i);
    if (part != TLS_HELLO_MORE && part != whole) abort();
  }
  return 0;
}
