/* The client's TLS variables, from the shared session and certificate code. */
#include "tls_client_env.h"
#include "tls_env.h"
#include "tls_env_cert.h"

int tls_client_env(SSL *ssl, stralloc *env) {
  X509 *peer = SSL_get0_peer_certificate(ssl);
  X509 *own = SSL_get_certificate(ssl);

  if (!tls_env_session(ssl, env)) return 0;
  if (peer) {
    if (!tls_env_cert(env, "SSL_SERVER_", peer)) return 0;
    /* the client side's chain starts with the server's own certificate */
    if (!tls_env_cert_chain(env, "SSL_SERVER_", SSL_get_peer_cert_chain(ssl), peer)) return 0;
  }
  if (own && !tls_env_cert(env, "SSL_CLIENT_", own)) return 0;
  return 1;
}
