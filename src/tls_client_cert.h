#ifndef TLS_CLIENT_CERT_H
#define TLS_CLIENT_CERT_H
/* The client-certificate policy of sslserver: whether a certificate is
   requested (CCAFILE), required (-m, -z, CCAVERIFY), which CAs it must chain
   to (CAFILE, CADIR, else CCAFILE) and, with -z, whether it names the
   client's host. Also the value of SSL_CLIENT_VERIFY. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

enum tls_cc_mode {
  TLS_CC_OFF = 0,   /* no request (-Z without CCAFILE, or CCAFILE=-) */
  TLS_CC_OPTIONAL,  /* requested, not required: the program decides */
  TLS_CC_REQUIRE,   /* -m or CCAVERIFY: a valid certificate, any name */
  TLS_CC_HOST,      /* -z: a valid certificate naming the remote host */
};

struct tls_cc_config {
  enum tls_cc_mode mode;
  const char *ccafile; /* CAs named in the request */
  const char *cafile;  /* trust anchors; 0 = ccafile */
  const char *cadir;   /* hashed directory of more trust anchors, or 0 */
  const char *crlfile; /* CRLFILE: revocation lists to check, or 0 */
};

/* The policy from the option (0, 'm' or 'z') and CCAFILE, CCAVERIFY,
   CAFILE, CADIR in the environment. Returns 0 with a reason in err when a
   certificate is to be required but CCAFILE is not set. */
int tls_cc_config_from_env(struct tls_cc_config *c, int option, stralloc *err);

/* Loads the request list and the trust anchors into ctx and sets the
   verify mode. Returns 0 with a one-line reason in err on failure. */
int tls_cc_setup_ctx(SSL_CTX *ctx, const struct tls_cc_config *c, stralloc *err);

/* The same for one connection whose rules changed the policy. */
int tls_cc_setup_ssl(SSL *ssl, const struct tls_cc_config *c, stralloc *err);

/* After the handshake: decides on the certificate the client sent.
   Sets verify to SSL_CLIENT_VERIFY's value (NONE, SUCCESS, GENEROUS or
   FAILED:reason) and returns 1 to go on, or 0 with a reason in why when
   the connection must end. remotehost: the -z name, 0 when unknown. */
int tls_cc_check(SSL *ssl, enum tls_cc_mode mode, const char *remotehost, stralloc *verify,
                 stralloc *why);

/* After a failed handshake: the certificate's fault as a reason, or 0 when
   the failure had nothing to do with the client certificate. */
const char *tls_cc_handshake_reason(SSL *ssl);

#endif
