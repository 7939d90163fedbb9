#ifndef TLS_CLIENT_VERIFY_H
#define TLS_CLIENT_VERIFY_H
/* Checking the server's certificate on the client side: the chain against
   the trust anchors (-x), and that it names the host sslclient was asked to
   connect to (-n). Both happen inside the handshake, so a failure ends it
   with an alert to the server and no program ever runs. */

#include <openssl/ssl.h>
#include <openssl/x509.h>

/* 1 when cert names host: an address is looked for among the IP SANs, a
   name among the DNS SANs (wildcards as RFC 6125 allows); then the names
   as text against the DNS SANs, or the subject's CN when there are none
   (so that certificates ucspi-ssl accepted still pass). */
int tls_client_verify_host(X509 *cert, const char *host);

/* Sets ssl's verify mode: nothing (verify 0), the chain, or the chain and
   the host name (host not 0). host must outlive ssl. */
void tls_client_verify_setup(SSL *ssl, int verify, const char *host);

enum tls_client_verdict {
  TLS_CLIENT_VERIFIED = 0,  /* or nothing was asked for */
  TLS_CLIENT_UNTRUSTED,     /* no certificate, or its chain did not verify */
  TLS_CLIENT_WRONG_HOST,    /* a trusted certificate for another name */
  TLS_CLIENT_NO_CERT,       /* the handshake ended without a certificate */
};

/* After the handshake (also a failed one): what verification found, and
   OpenSSL's reason for an untrusted chain in reason. */
enum tls_client_verdict tls_client_verify_result(SSL *ssl, const char **reason);

/* The name ucspi-ssl's sslclient names for a certificate of another host:
   the last DNS entry of its subjectAltName, or when it has none the
   subject's CN; "" when there is no certificate. Control characters
   become '?'. */
void tls_client_cert_name(SSL *ssl, char *buf, size_t size);

/* The same for cert itself (may be 0). */
void tls_client_cert_name_of(X509 *cert, char *buf, size_t size);

#endif
