/* SSL_* session variables, a la mod_ssl. */
#include <string.h>

#include <openssl/crypto.h>

#include <libowfat/fmt.h>

#include "tls_env.h"

static int add(stralloc *env, const char *name, const char *value, size_t len) {
  return stralloc_cats(env, name) && stralloc_cats(env, "=") &&
         stralloc_catb(env, value, len) && stralloc_0(env);
}

static int adds(stralloc *env, const char *name, const char *value) {
  if (!value) value = "";
  return add(env, name, value, strlen(value));
}

int tls_env_session(SSL *ssl, stralloc *env) {
  static const char hex[] = "0123456789abcdef";
  char num[FMT_ULONG];
  char id[2 * SSL_MAX_SSL_SESSION_ID_LENGTH];
  const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
  const SSL_SESSION *session = SSL_get_session(ssl);
  unsigned int idlen = 0, i;
  int bits = 0, algbits = 0;

  if (!adds(env, "SSL_PROTOCOL", SSL_get_version(ssl))) return 0;
  if (session) {
    const unsigned char *s = SSL_SESSION_get_id(session, &idlen);
    if (idlen > SSL_MAX_SSL_SESSION_ID_LENGTH) idlen = SSL_MAX_SSL_SESSION_ID_LENGTH;
    for (i = 0; i < idlen; ++i) {
      id[2 * i] = hex[s[i] >> 4];
      id[2 * i + 1] = hex[s[i] & 15];
    }
  }
  if (!add(env, "SSL_SESSION_ID", id, 2 * idlen)) return 0;
  if (!adds(env, "SSL_CIPHER", cipher ? SSL_CIPHER_get_name(cipher) : "")) return 0;
  if (cipher) bits = SSL_CIPHER_get_bits(cipher, &algbits);
  if (!add(env, "SSL_CIPHER_USEKEYSIZE", num, fmt_ulong(num, (unsigned long)bits))) return 0;
  if (!add(env, "SSL_CIPHER_ALGKEYSIZE", num, fmt_ulong(num, (unsigned long)algbits))) return 0;
  if (!adds(env, "SSL_VERSION_INTERFACE", TLS_ENV_INTERFACE)) return 0;
  if (!adds(env, "SSL_VERSION_LIBRARY", OpenSSL_version(OPENSSL_VERSION))) return 0;
  return 1;
}
