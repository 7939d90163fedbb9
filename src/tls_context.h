#ifndef TLS_CONTEXT_H
#define TLS_CONTEXT_H
/* The server's SSL_CTX, built once in the listener before it forks, so that
   every connection child shares the parsed certificate and key and the
   session-ticket keys (a ticket issued by one child resumes in another). */

#include <stddef.h>
#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

struct tls_server_config {
  const char *certfile;  /* CERTFILE: certificate (and chain), leaf first */
  const char *keyfile;   /* KEYFILE; 0 when empty: the key is in the cert file */
  const char *chainfile; /* CERTCHAINFILE, takes precedence over CERTFILE */
  const char *dhfile;    /* DHFILE, 0 = OpenSSL's built-in groups */
  const char *ciphers;   /* CIPHERS, 0 = OpenSSL's default */
  unsigned long verifydepth; /* VERIFYDEPTH, default 1 */
  const char *password;  /* key password (-3), or 0 */
};

/* Fills c from CERTFILE, KEYFILE, CERTCHAINFILE, DHFILE, CIPHERS, VERIFYDEPTH
   in the environment, with the compiled-in defaults. */
void tls_context_config_from_env(struct tls_server_config *c);

/* Builds the context; 0 with a one-line reason in err on failure. */
SSL_CTX *tls_context_server(const struct tls_server_config *c, stralloc *err);

#endif
