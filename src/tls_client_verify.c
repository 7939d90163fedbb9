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
  if (SSL_is_init_finished(ssl) && !SSL_get0_peer_certificate(ssl)) return TLS_CLIENT_NO_CERT;
  return TLS_CLIENT_VERIFIED;
}

/* The server's own certificate, also after a handshake that verification
   ended (OpenSSL then keeps the chain the server sent, its own first). */
static X509 *server_cert(SSL *ssl) {
  STACK_OF(X509) *chain;
  X509 *cert = SSL_get0_peer_certificate(ssl);
  if (cert) return cert;
  chain = SSL_get_peer_cert_chain(ssl);
  return chain && sk_X509_num(chain) > 0 ? sk_X509_value(chain, 0) : 0;
}

/* text as a log line may carry it: no control characters */
static void copy_clean(char *buf, size_t size, const unsigned char *s, size_t n) {
  size_t i;
  if (n > size - 1) n = size - 1;
  for (i = 0; i < n; ++i) buf[i] = s[i] < 32 || s[i] == 127 ? '?' : (char)s[i];
  buf[n] = 0;
}

void tls_client_cert_name(SSL *ssl, char *buf, size_t size) {
  tls_client_cert_name_of(server_cert(ssl), buf, size);
}

void tls_client_cert_name_of(X509 *cert, char *buf, size_t size) {
  GENERAL_NAMES *sans;
  int i, dns = 0;

  buf[0] = 0;
  if (!cert) return;
  sans = X509_get_ext_d2i(cert, NID_subject_alt_name, 0, 0);
  for (i = 0; i < sk_GENERAL_NAME_num(sans); ++i) {
    const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);
    const unsigned char *d;
    int n;
    if (gn->type != GEN_DNS || ASN1_STRING_type(gn->d.dNSName) != V_ASN1_IA5STRING) continue;
    d = ASN1_STRING_get0_data(gn->d.dNSName);
    n = ASN1_STRING_length(gn->d.dNSName);
    if (n < 0 || memchr(d, 0, (size_t)n)) continue;
    copy_clean(buf, size, d, (size_t)n);
    dns = 1;
  }
  GENERAL_NAMES_free(sans);
  if (!dns) {
    char cn[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    if (n > 0) copy_clean(buf, size, (const unsigned char *)cn, strlen(cn));
  }
}
