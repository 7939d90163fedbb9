/* libFuzzer target for a certificate's environment variables (the -s
   client certificate, sslclient's server certificate): the input is DER
   certificates one after the other, the first the peer's own and the rest
   its chain; the first byte's low bit picks DNFORMAT=rfc2253. Every
   variable must come out as NAME=value with no NUL, newline or control
   character left in the value (the env block and the log lines are built
   from them). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "tls_env_cert.h"

/* each NAME=value\0 string: a name, an '=', and text a shell may hold */
static void check(const stralloc *env) {
  size_t i = 0;
  while (i < env->len) {
    const char *s = env->s + i, *eq;
    size_t n = strnlen(s, env->len - i);
    if (n == env->len - i) abort(); /* unterminated */
    eq = memchr(s, '=', n);
    if (!eq || eq == s) abort();
    i += n + 1;
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const unsigned char *p;
  STACK_OF(X509) *chain;
  X509 *leaf;
  stralloc env = {0};
  if (size < 2 || size > 1 << 16) return 0;
  if (data[0] & 1) setenv("DNFORMAT", "rfc2253", 1);
  else unsetenv("DNFORMAT");
  p = data + 1;
  leaf = d2i_X509(0, &p, (long)(size - 1));
  if (!leaf) {
    ERR_clear_error();
    return 0;
  }
  chain = sk_X509_new_null();
  if (!chain) abort();
  sk_X509_push(chain, X509_dup(leaf));
  while (p < data + size && sk_X509_num(chain) < 12) {
    X509 *c = d2i_X509(0, &p, (long)(data + size - p));
    if (!c) break;
    sk_X509_push(chain, c);
  }
  if (!tls_env_cert(&env, "SSL_CLIENT_", leaf)) abort();
  if (!tls_env_cert_chain(&env, "SSL_CLIENT_", chain, leaf)) abort();
  check(&env);
  sk_X509_pop_free(chain, X509_free);
  X509_free(leaf);
  stralloc_free(&env);
  ERR_clear_error();
  return 0;
}
