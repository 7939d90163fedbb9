/* OCSP stapling from DER files (see tls_ocsp.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/ocsp.h>

#include "file_source.h"
#include "tls_error.h"
#include "tls_ocsp.h"

#define MAX_RESPONSE 65536

/* the file's contents, at most MAX_RESPONSE bytes; 0 with a reason */
static unsigned char *slurp(const char *file, size_t *len, stralloc *err) {
  stralloc got = {0};
  unsigned char *buf = 0;
  if (!file_source_read(file, &got, MAX_RESPONSE))
    tls_error_set(err, "unable to read OCSP response: ", file, strerror(errno));
  else if (!got.len || got.len > MAX_RESPONSE)
    tls_error_set(err, "bad OCSP response: ", file, got.len ? "over 64 KiB" : "empty file");
  else if (!(buf = OPENSSL_memdup(got.s, got.len)))
    tls_error_set(err, "out of memory", 0, "");
  else *len = got.len;
  stralloc_free(&got);
  return buf;
}

static time_t asn1_time(const ASN1_GENERALIZEDTIME *t) {
  struct tm tm;
  if (!t || !ASN1_TIME_to_tm(t, &tm)) return 0;
  return timegm(&tm);
}

/* Is der a successful response about cert? *next: its nextUpdate. */
static const char *check(const unsigned char *der, size_t len, X509 *cert, time_t *next) {
  const unsigned char *p = der;
  OCSP_RESPONSE *r = d2i_OCSP_RESPONSE(0, &p, (long)len);
  OCSP_BASICRESP *b = 0;
  const char *why = 0;
  int i, n;
  if (!r || p != der + len) {
    why = "not a DER OCSP response";
    goto done;
  }
  if (OCSP_response_status(r) != OCSP_RESPONSE_STATUS_SUCCESSFUL) {
    why = "the responder did not answer successfully";
    goto done;
  }
  if (!(b = OCSP_response_get1_basic(r))) {
    why = "not a basic OCSP response";
    goto done;
  }
  why = "not about this certificate (no status for its serial number)";
  n = OCSP_resp_count(b);
  for (i = 0; i < n; ++i) {
    OCSP_SINGLERESP *s = OCSP_resp_get0(b, i);
    ASN1_INTEGER *serial = 0;
    ASN1_GENERALIZEDTIME *thisupd = 0, *nextupd = 0, *rev = 0;
    int reason;
    if (!OCSP_id_get0_info(0, 0, 0, &serial, (OCSP_CERTID *)OCSP_SINGLERESP_get0_id(s)) ||
        ASN1_INTEGER_cmp(serial, X509_get0_serialNumber(cert)))
      continue;
    OCSP_single_get0_status(s, &reason, &rev, &thisupd, &nextupd);
    *next = asn1_time(nextupd);
    why = 0;
    break;
  }
done:
  OCSP_BASICRESP_free(b);
  OCSP_RESPONSE_free(r);
  ERR_clear_error();
  return why;
}

/* reads o->file into o, or leaves o as it was */
static int read_response(struct tls_ocsp *o, X509 *cert, stralloc *err) {
  size_t len = 0;
  time_t next = 0;
  const char *why;
  unsigned char *der = slurp(o->file, &len, err);
  if (!der) return 0;
  if ((why = check(der, len, cert, &next))) {
    OPENSSL_free(der);
    tls_error_set(err, "bad OCSP response: ", o->file, why);
    return 0;
  }
  OPENSSL_free(o->der);
  o->der = der;
  o->len = len;
  o->next = next;
  return 1;
}

int tls_ocsp_load(struct tls_identity *id, const char *file, stralloc *err) {
  struct tls_ocsp *o = calloc(1, sizeof *o);
  if (!o || !(o->file = strdup(file))) {
    free(o);
    tls_error_set(err, "out of memory", 0, "");
    return 0;
  }
  file_seen_look(file, &o->seen);
  if (!read_response(o, id->cert, err)) {
    tls_ocsp_free(o);
    return 0;
  }
  tls_ocsp_free(id->ocsp);
  id->ocsp = o;
  return 1;
}

int tls_ocsp_refresh(struct tls_identity *id, stralloc *err) {
  struct file_seen now;
  if (!id->ocsp) return 1;
  file_seen_look(id->ocsp->file, &now);
  if (file_seen_same(&now, &id->ocsp->seen)) return 1;
  id->ocsp->seen = now;
  return read_response(id->ocsp, id->cert, err) ? 2 : 0;
}

static tls_ocsp_finder *finder;

static int staple(SSL *ssl, void *arg) {
  struct tls_identity *id = finder(SSL_get_SSL_CTX(ssl), SSL_get_certificate(ssl));
  const struct tls_ocsp *o = id ? id->ocsp : 0;
  unsigned char *copy;
  (void)arg;
  if (!o || !o->der || (o->next && time(0) > o->next)) return SSL_TLSEXT_ERR_NOACK;
  copy = OPENSSL_memdup(o->der, o->len);
  if (!copy) return SSL_TLSEXT_ERR_NOACK;
  if (SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)o->len) != 1) {
    OPENSSL_free(copy);
    return SSL_TLSEXT_ERR_NOACK;
  }
  return SSL_TLSEXT_ERR_OK;
}

void tls_ocsp_setup(SSL_CTX *ctx, tls_ocsp_finder *find) {
  finder = find;
  SSL_CTX_set_tlsext_status_cb(ctx, staple);
}

void tls_ocsp_free(struct tls_ocsp *o) {
  if (!o) return;
  free(o->file);
  OPENSSL_free(o->der);
  free(o);
}
