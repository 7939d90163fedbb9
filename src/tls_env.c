/* SSL_* session variables, a la mod_ssl. */
#include <string.h>

#include <openssl/crypto.h>

#include <libowfat/fmt.h>

#include "log.h"
#include "tls_env.h"

static int add(stralloc *env, const char *name, const char *value, size_t len) {
  return stralloc_cats(env, name) && stralloc_cats(env, "=") &&
         stralloc_catb(env, value, len) && stralloc_0(env);
}

static int adds(stralloc *env, const char *name, const char *value) {
  if (!value) value = "";
  return add(env, name, value, strlen(value));
}

/* the key-exchange group's name, 0 when there was none (TLS 1.2 resumption) */
static const char *group(SSL *ssl) {
  int nid = SSL_get_negotiated_group(ssl);
  const char *name;
  if (nid <= 0) return 0;
  name = SSL_group_to_name(ssl, nid);
  return name && *name ? name : 0;
}

static const char *sni(SSL *ssl) {
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  return name && *name ? name : 0;
}

static int alpn(SSL *ssl, const unsigned char **p, unsigned int *len) {
  SSL_get0_alpn_selected(ssl, p, len);
  return *p && *len;
}

int tls_env_session(SSL *ssl, stralloc *env) {
  static const char hex[] = "0123456789abcdef";
  char num[FMT_ULONG];
  char id[2 * SSL_MAX_SSL_SESSION_ID_LENGTH];
  const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
  const SSL_SESSION *session = SSL_get_session(ssl);
  const unsigned char *p;
  unsigned int idlen = 0, i, plen;
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
  if (!adds(env, "SSL_CIPHER_EXPORT", bits < 56 ? "true" : "false")) return 0;
  if (!add(env, "SSL_CIPHER_USEKEYSIZE", num, fmt_ulong(num, (unsigned long)bits))) return 0;
  if (!add(env, "SSL_CIPHER_ALGKEYSIZE", num, fmt_ulong(num, (unsigned long)algbits))) return 0;
  if (!adds(env, "SSL_VERSION_INTERFACE", TLS_ENV_INTERFACE)) return 0;
  if (!adds(env, "SSL_VERSION_LIBRARY", OpenSSL_version(OPENSSL_VERSION))) return 0;
  /* mod_ssl's names and values where it has them */
  if (!adds(env, "SSL_SESSION_RESUMED", SSL_session_reused(ssl) ? "Resumed" : "Initial")) return 0;
  if (group(ssl) && !adds(env, "SSL_GROUP", group(ssl))) return 0;
  if (sni(ssl) && !adds(env, "SSL_TLS_SNI", sni(ssl))) return 0;
  if (alpn(ssl, &p, &plen) && !add(env, "SSL_ALPN", (const char *)p, plen)) return 0;
  return 1;
}

int tls_env_summary(SSL *ssl, stralloc *out) {
  char clean[128];
  const unsigned char *p;
  unsigned int plen;
  out->len = 0;
  if (!stralloc_cats(out, "group:") || !stralloc_cats(out, group(ssl) ? group(ssl) : "-")) return 0;
  log_clean(clean, sizeof clean, sni(ssl) ? sni(ssl) : "-");
  if (!stralloc_cats(out, " sni:") || !stralloc_cats(out, clean)) return 0;
  if (alpn(ssl, &p, &plen)) {
    char proto[256];
    memcpy(proto, p, plen);
    proto[plen] = 0;
    log_clean(clean, sizeof clean, proto);
  } else
    strcpy(clean, "-");
  if (!stralloc_cats(out, " alpn:") || !stralloc_cats(out, clean)) return 0;
  if (!stralloc_cats(out, SSL_session_reused(ssl) ? " session:resumed" : " session:new")) return 0;
  return stralloc_0(out);
}
