/* Checking the OCSP response a server stapled. */
#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "tls_client_ocsp.h"

/* the certificate that issued cert: in the verified chain, else in the
   chain the server sent */
static X509 *issuer_of(SSL *ssl, X509 *cert) {
  STACK_OF(X509) *chains[2];
  int k, i;
  chains[0] = SSL_get0_verified_chain(ssl);
  chains[1] = SSL_get_peer_cert_chain(ssl);
  for (k = 0; k < 2; ++k)
    for (i = 0; chains[k] && i < sk_X509_num(chains[k]); ++i) {
      X509 *x = sk_X509_value(chains[k], i);
      if (x != cert && X509_check_issued(x, cert) == X509_V_OK) return x;
    }
  return 0;
}

const char *tls_client_ocsp_status(SSL *ssl) {
  const unsigned char *der = 0, *p;
  long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
  X509 *cert = SSL_get0_peer_certificate(ssl), *issuer;
  OCSP_RESPONSE *r = 0;
  OCSP_BASICRESP *b = 0;
  OCSP_CERTID *id = 0;
  ASN1_GENERALIZEDTIME *thisupd = 0, *nextupd = 0, *rev = 0;
  int status = -1, reason;
  const char *result = "invalid";
  STACK_OF(X509) *chain = SSL_get_peer_cert_chain(ssl);
  X509_STORE *store = SSL_CTX_get_cert_store(SSL_get_SSL_CTX(ssl));

  if (!der || len <= 0) return "none";
  p = der;
  if (!cert || !(issuer = issuer_of(ssl, cert))) goto done;
  if (!(r = d2i_OCSP_RESPONSE(0, &p, len))) goto done;
  if (OCSP_response_status(r) != OCSP_RESPONSE_STATUS_SUCCESSFUL) goto done;
  if (!(b = OCSP_response_get1_basic(r))) goto done;
  if (OCSP_basic_verify(b, chain, store, 0) <= 0) goto done;
  if (!(id = OCSP_cert_to_id(0, cert, issuer))) goto done;
  if (!OCSP_resp_find_status(b, id, &status, &reason, &rev, &thisupd, &nextupd)) goto done;
  if (!OCSP_check_validity(thisupd, nextupd, 300, -1)) goto done;
  result = status == V_OCSP_CERTSTATUS_GOOD      ? "good"
           : status == V_OCSP_CERTSTATUS_REVOKED ? "revoked"
                                                 : "unknown";
done:
  OCSP_CERTID_free(id);
  OCSP_BASICRESP_free(b);
  OCSP_RESPONSE_free(r);
  ERR_clear_error();
  return result;
}
