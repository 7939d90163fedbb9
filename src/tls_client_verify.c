/* The server certificate: chain and host name, checked during the handshake. */
#include <string.h>

#include <openssl/x509v3.h>

#include "ip_address.h"
#include "tls_client_verify.h"

int tls_client_verify_host(X509 *cert, const char *host) {
  char ip[16], text[IP_ADDRESS_FMT];
  uint32 scope = 0;
  size_t n;

  if (!cert || !host || !*host) return 0;
  if (ip_address_scan(host, ip, &scope)) {
    /* the address without its %interface, as a certificate would hold it */
    n = strcspn(host, "%");
    if (n >= sizeof text) return 0;
    memcpy(text, host, n);
    text[n] = 0;
    if (X509_check_ip_asc(cert, text, 0) == 1) return 1;
    host = text;
  }
  return X509_check_host(cert, host, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, 0) == 1;
}

/* Called by OpenSSL for every certificate of the chain, the server's own
   last (depth 0): once the chain is good there, the name decides. */
static int check(int ok, X509_STORE_CTX *store) {
  SSL *ssl;
  const char *host;
  if (!ok || X509_STORE_CTX_get_error_depth(store) != 0) return ok;
  ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  host = ssl ? SSL_get_app_data(ssl) : 0;
  if (!host) return ok;
  if (tls_client_verify_host(X509_STORE_CTX_get_current_cert(store), host)) return 1;
  X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
  return 0;
}

void tls_client_verify_setup(SSL *ssl, int verify, const char *host) {
  if (!verify) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, 0);
    return;
  }
  SSL_set_app_data(ssl, (char *)host);
  SSL_set_verify(ssl, SSL_VERIFY_PEER, check);
}

enum tls_client_verdict tls_client_verify_result(SSL *ssl, const char **reason) {
  long v = SSL_get_verify_result(ssl);
  *reason = "";
  if (!(SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER)) return TLS_CLIENT_VERIFIED;
  if (v == X509_V_ERR_HOSTNAME_MISMATCH) return TLS_CLIENT_WRONG_HOST;
  if (v != X509_V_OK) {
    *reason = X509_verify_cert_error_string(v);
    return TLS_CLIENT_UNTRUSTED;
  }
  if (SSL_is_init_finished(ssl) && !SSL_get0_peer_certificate(ssl)) {
    *reason = "no server certificate";
    return TLS_CLIENT_UNTRUSTED;
  }
  return TLS_CLIENT_VERIFIED;
}
