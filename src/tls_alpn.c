/* ALPN: the server's preference list, chosen from in the handshake. */
#include <stdlib.h>
#include <string.h>

#include "tls_alpn.h"
#include "tls_error.h"

struct alpn {
  size_t len;
  unsigned char wire[]; /* length-prefixed names, as on the wire */
};

static int alpn_index = -1;

static void alpn_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  free(ptr);
}

static int choose(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                  const unsigned char *in, unsigned int inlen, void *arg) {
  const struct alpn *a = arg;
  size_t i, j;
  (void)ssl;
  for (i = 0; i < a->len; i += 1 + a->wire[i])
    for (j = 0; j < inlen; j += 1 + in[j]) {
      if (j + 1 + in[j] > inlen) break; /* OpenSSL checked it; to be safe */
      if (in[j] == a->wire[i] && !memcmp(in + j + 1, a->wire + i + 1, in[j])) {
        *out = a->wire + i + 1;
        *outlen = a->wire[i];
        return SSL_TLSEXT_ERR_OK;
      }
    }
  return SSL_TLSEXT_ERR_ALERT_FATAL; /* OpenSSL sends no_application_protocol */
}

int tls_alpn_setup(SSL_CTX *ctx, const char *list, stralloc *err) {
  size_t n = strlen(list);
  struct alpn *a;
  const char *p = list;

  if (alpn_index < 0 && (alpn_index = SSL_CTX_get_ex_new_index(0, 0, 0, 0, alpn_free)) < 0) {
    tls_error_set(err, "unable to set up ALPN", 0, 0);
    return 0;
  }
  a = malloc(sizeof *a + n + 1);
  if (!a) {
    tls_error_set(err, "out of memory", 0, "");
    return 0;
  }
  a->len = 0;
  for (;;) {
    size_t k = strcspn(p, ",");
    if (!k || k > 255) {
      free(a);
      tls_error_set(err, "bad ALPN list: ", list, k ? "a name is over 255 bytes" : "an empty name");
      return 0;
    }
    a->wire[a->len++] = (unsigned char)k;
    memcpy(a->wire + a->len, p, k);
    a->len += k;
    p += k;
    if (!*p) break;
    ++p;
  }
  if (!SSL_CTX_set_ex_data(ctx, alpn_index, a)) {
    free(a);
    tls_error_set(err, "unable to set up ALPN", 0, 0);
    return 0;
  }
  SSL_CTX_set_alpn_select_cb(ctx, choose, a);
  return 1;
}
