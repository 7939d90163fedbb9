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
  const char *ciphers;   /* CIPHERS (TLS 1.2 and older), 0 = our default */
  const char *ciphersuites; /* CIPHERSUITES (TLS 1.3), 0 = OpenSSL's default */
  const char *minversion, *maxversion; /* TLSMIN, TLSMAX; 0 = 1.2, 1.3 */
  const char *groups;    /* TLSGROUPS, 0 = our default (X25519 first) */
  const char *sigalgs;   /* SIGALGS, 0 = OpenSSL's default */
  const char *certdir;   /* CERTDIR: certificates chosen by SNI, or 0 */
  int snistrict;         /* SNISTRICT: unknown names get an alert */
  const char *alpn;      /* ALPN: the server's protocol list, or 0 */
  const char *ticketkeyfile; /* TICKETKEYFILE, 0 = OpenSSL's random keys */
  int noresume;          /* NORESUME: no session tickets at all */
  const char *ocspfile;  /* OCSPFILE: the default certificate's OCSP response */
  const char *keylogfile; /* SSLKEYLOGFILE: TLS secrets for debugging, or 0 */
  unsigned long verifydepth; /* VERIFYDEPTH, default 1 */
  const char *password;  /* key password (-3), or 0 */
};

/* Fills c from the environment (CERTFILE, KEYFILE, CERTCHAINFILE, DHFILE,
   CIPHERS, CIPHERSUITES, TLSMIN, TLSMAX, TLSGROUPS, SIGALGS, CERTDIR,
   SNISTRICT, ALPN, TICKETKEYFILE, NORESUME, OCSPFILE, SSLKEYLOGFILE,
   VERIFYDEPTH),
   with the compiled-in defaults. */
void tls_context_config_from_env(struct tls_server_config *c);

/* Is NAME (the text up to '=' of a NAME=value string, len bytes) one of the
   variables tls_context_config_from_env reads? Rules that set one of them
   need a context of their own. */
int tls_context_is_var(const char *name, size_t len);

/* Builds the context; 0 with a one-line reason in err on failure. */
SSL_CTX *tls_context_server(const struct tls_server_config *c, stralloc *err);

/* For the listener, before it forks: re-reads the files of ctx that may
   change under a running server (TICKETKEYFILE, OCSP responses), at most
   once a second,
   and logs what it did; a bad new file keeps the old contents. */
void tls_context_refresh(SSL_CTX *ctx);

/* After building to in place of from (a reload): carries over what
   clients hold state of, OpenSSL's own ticket keys. */
void tls_context_inherit(SSL_CTX *to, SSL_CTX *from);

#endif
