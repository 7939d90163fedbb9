/* libFuzzer target for sslclient's check of the server's name: the input
   is the host name sslclient was given (up to the first newline), then a
   DER certificate. Also the name sslclient reports for a certificate of
   another host, which must hold no control character. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "tls_client_verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const uint8_t *nl = memchr(data, '\n', size);
  const unsigned char *p;
  char host[256], name[256];
  size_t hl, i;
  X509 *cert;
  if (!nl || size > 1 << 16) return 0;
  hl = (size_t)(nl - data);
  if (hl >= sizeof host) return 0;
  memcpy(host, data, hl);
  host[hl] = 0;
  p = nl + 1;
  cert = d2i_X509(0, &p, (long)(data + size - p));
  tls_client_verify_host(cert, host);
  tls_client_cert_name_of(cert, name, sizeof name);
  for (i = 0; name[i]; ++i)
    if ((unsigned char)name[i] < 32 || name[i] == 127) abort();
  X509_free(cert);
  ERR_clear_error();
  return 0;
}
