#ifndef TLS_ENV_CERT_H
#define TLS_ENV_CERT_H
/* A certificate's variables as ucspi-ssl (after Apache mod_ssl) names
   them, as NAME=value\0 strings: sslserver's SSL_CLIENT_* and SSL_SERVER_*
   (-s), sslclient's SSL_SERVER_*.

   Formats are ucspi-ssl's: DNs in OpenSSL's one-line form
   ("/C=US/O=y/CN=x", X509_NAME_oneline; with DNFORMAT=rfc2253 in the
   environment mod_ssl's RFC 2253 form "CN=x,O=y,C=US" instead), the serial
   in decimal, dates as "Mon DD HH:MM:SS YYYY GMT", algorithms by OpenSSL's
   long names. Component values are UTF-8 with control characters escaped;
   a DN attribute that occurs more than once is NAME for the first, NAME_1,
   NAME_2, ... after (mod_ssl's numbering). */

#include <openssl/x509.h>
#include <libowfat/stralloc.h>

/* Appends, each name starting with prefix ("SSL_CLIENT_" or "SSL_SERVER_"):
   M_VERSION, M_SERIAL, S_DN, S_DN_x, I_DN, I_DN_x (x: C ST L O OU CN T I G S
   D UID Email), V_START, V_END, A_SIG, A_KEY, CERT (PEM).
   Returns 1, or 0 when out of memory. */
int tls_env_cert(stralloc *env, const char *prefix, X509 *cert);

/* Appends prefix CERT_CHAIN_0, _1, ... (PEM) for the certificates of chain
   in order, skipping skip (the leaf, when the chain holds it; may be 0).
   Returns 1, or 0 when out of memory. */
int tls_env_cert_chain(stralloc *env, const char *prefix, STACK_OF(X509) *chain, X509 *skip);

#endif
