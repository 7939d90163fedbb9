#ifndef TLS_CLIENT_OCSP_H
#define TLS_CLIENT_OCSP_H
/* sslclient's OCSP status request (OCSPSTATUS): what the server stapled,
   checked against the server's certificate and verified against the CAs
   that verified it. */

#include <openssl/ssl.h>

/* After the handshake: "good", "revoked", "unknown" (the responder's
   answers), "none" (nothing stapled) or "invalid" (not a successful,
   verifiable, current response about this certificate). */
const char *tls_client_ocsp_status(SSL *ssl);

#endif
