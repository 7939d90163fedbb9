#ifndef TLS_CLIENT_CONTEXT_H
#define TLS_CLIENT_CONTEXT_H
/* sslclient's SSL_CTX: trust anchors for the server certificate (-a -A, or
   the system's store), an optional client certificate (-c -k with the
   password of -3/-K), ciphers (-z), the verify depth (-V), and from the
   environment versions, TLS 1.3 suites, groups, ALPN, the session file and
   the OCSP status request. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

struct tls_client_config {
  int verify;               /* -x: the server certificate must verify */
  const char *cafile;       /* -a or CAFILE; with cadir 0 too: the system's store */
  const char *cadir;        /* -A or CADIR */
  const char *certfile;     /* -c: certificate (and chain), 0 = none */
  const char *keyfile;      /* -k: 0 = the key is in certfile */
  const char *password;     /* -3/-K, or 0 */
  const char *ciphers;      /* -z: TLS 1.2 cipher list and/or TLS 1.3 suites, 0 = default */
  unsigned long verifydepth; /* -V */
  /* from the environment (tls_client_config_from_env) */
  const char *minversion, *maxversion; /* TLSMIN, TLSMAX; 0 = 1.2, highest */
  const char *ciphersuites; /* CIPHERSUITES: TLS 1.3 suites, 0 = default */
  const char *groups;       /* TLSGROUPS, 0 = OpenSSL's default */
  const char *alpn;         /* ALPN: protocols to offer, comma-separated */
  const char *sessionfile;  /* SESSIONFILE: session kept across runs */
  int ocsp;                 /* OCSPSTATUS: ask for the certificate status */
};

/* Fills the environment's part of c: TLSMIN, TLSMAX, CIPHERSUITES,
   TLSGROUPS, ALPN, SESSIONFILE, OCSPSTATUS. */
void tls_client_config_from_env(struct tls_client_config *c);

/* Why the context could not be built: kind ("fatal" or "error") and line
   as ucspi-ssl's sslclient says it ("unable to load certificate"), and in
   detail what it does not say (the file and the reason); for a setting
   ucspi-ssl does not have (TLSMIN, ALPN, ...), a line of ours that says it
   all, and no detail. */
struct tls_client_failure {
  const char *kind;
  stralloc line, detail;
};

/* Builds the context; 0 with f filled on failure. */
SSL_CTX *tls_client_context(const struct tls_client_config *c, struct tls_client_failure *f);

#endif
