/* Loading a certificate, its chain and its key from PEM files. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "file_source.h"
#include "tls_error.h"
#include "tls_identity.h"
#include "tls_ocsp.h"

int tls_identity_password_cb(char *buf, int size, int rwflag, void *u) {
  const char *pw = u;
  size_t n;
  (void)rwflag;
  if (!pw) return 0;
  n = strlen(pw);
  if (n > (size_t)size) return -1;
  memcpy(buf, pw, n);
  return (int)n;
}

static EVP_PKEY *read_key(const char *file, const char *password, stralloc *err) {
  BIO *b;
  EVP_PKEY *key;
  errno = 0;
  b = file_source_bio(file);
  if (!b) {
    tls_error_set(err, "unable to load key: ", file, tls_error_sys_reason());
    return 0;
  }
  key = PEM_read_bio_PrivateKey(b, 0, tls_identity_password_cb, (void *)password);
  BIO_free(b);
  if (!key) {
    unsigned long e = ERR_peek_last_error();
    /* OpenSSL 3 says "unsupported" when the file holds no key at all */
    int none = !e || ERR_GET_REASON(e) == ERR_R_UNSUPPORTED;
    tls_error_set(err, "unable to load key: ", file, none ? "no usable private key found" : 0);
  }
  return key;
}

/* Every certificate of file, in its order, or 0 with a reason in err.
   Each is read as OpenSSL's chain-file loader reads the leaf (the _AUX
   reader), so every PEM form it takes works, "TRUSTED CERTIFICATE" (a
   certificate with trust settings, `openssl x509 -trustout`) included. */
static STACK_OF(X509) *read_certificates(const char *file, stralloc *err) {
  STACK_OF(X509) *certs;
  BIO *b;
  X509 *x;

  errno = 0;
  b = file_source_bio(file);
  if (!b) {
    tls_error_set(err, "unable to load certificate: ", file, tls_error_sys_reason());
    return 0;
  }
  certs = sk_X509_new_null();
  while (certs && (x = PEM_read_bio_X509_AUX(b, 0, 0, 0)))
    if (!sk_X509_push(certs, x)) {
      X509_free(x);
      break;
    }
  BIO_free(b);
  ERR_clear_error(); /* the read loop ends with a "no start line" error */
  if (!certs) tls_error_set(err, "out of memory", 0, "");
  else if (!sk_X509_num(certs)) {
    tls_error_set(err, "unable to load certificate: ", file, "no certificate found");
    sk_X509_free(certs);
    certs = 0;
  }
  return certs;
}

/* Takes the certificate that matches id's key as the leaf and the rest as
   its chain: leaf-first files (OpenSSL's order) and the root-first order
   that ucspi-ssl's page describes both work. */
static int pick_leaf(struct tls_identity *id, STACK_OF(X509) *certs, const char *file,
                     stralloc *err) {
  int i, n = sk_X509_num(certs), leaf = -1;

  for (i = 0; i < n; ++i)
    if (X509_check_private_key(sk_X509_value(certs, i), id->key)) {
      leaf = i;
      break;
    }
  ERR_clear_error();
  if (leaf < 0) {
    tls_error_set(err, "key does not match certificate: ", file, "no certificate for this key");
    return 0;
  }
  id->chain = sk_X509_new_null();
  if (!id->chain) goto nomem;
  id->cert = sk_X509_value(certs, leaf);
  X509_up_ref(id->cert);
  /* the chain goes out leaf-side first */
  for (i = 0; i < n; ++i) {
    int k = leaf == n - 1 ? n - 1 - i : i;
    if (k == leaf) continue;
    if (!sk_X509_push(id->chain, sk_X509_value(certs, k))) goto nomem;
    X509_up_ref(sk_X509_value(certs, k));
  }
  return 1;
nomem:
  tls_error_set(err, "out of memory", 0, "");
  return 0;
}

/* the certificates first, then the key, as ucspi-ssl (and OpenSSL's own
   loaders) read them: with both missing, the certificate is named */
int tls_identity_load(struct tls_identity *id, const char *certfile, const char *keyfile,
                      const char *password, stralloc *err) {
  STACK_OF(X509) *certs;
  int ok;
  memset(id, 0, sizeof *id);
  certs = read_certificates(certfile, err);
  if (!certs) return 0;
  id->key = read_key(keyfile, password, err);
  ok = id->key && pick_leaf(id, certs, certfile, err);
  sk_X509_pop_free(certs, X509_free);
  if (!ok) tls_identity_free(id);
  return ok;
}

int tls_identity_use_ctx(SSL_CTX *ctx, const struct tls_identity *id, const char *file,
                         stralloc *err) {
  if (SSL_CTX_use_cert_and_key(ctx, id->cert, id->key, id->chain, 1) != 1) {
    tls_error_set(err, "unable to use certificate: ", file, 0);
    return 0;
  }
  return 1;
}

int tls_identity_use_ssl(SSL *ssl, const struct tls_identity *id) {
  return SSL_use_cert_and_key(ssl, id->cert, id->key, id->chain, 1) == 1;
}

static int add_name(stralloc *names, const unsigned char *s, int len) {
  int i;
  size_t start = names->len;
  if (len <= 0 || memchr(s, 0, (size_t)len)) return 1; /* nothing, or a forged name */
  if (!stralloc_catb(names, (const char *)s, (size_t)len)) return 0;
  for (i = 0; i < len; ++i)
    if (names->s[start + i] >= 'A' && names->s[start + i] <= 'Z') names->s[start + i] += 32;
  return stralloc_0(names);
}

int tls_identity_names(const struct tls_identity *id, stralloc *names) {
  GENERAL_NAMES *gens = X509_get_ext_d2i(id->cert, NID_subject_alt_name, 0, 0);
  int i, found = 0, ok = 1;
  if (gens) {
    for (i = 0; ok && i < sk_GENERAL_NAME_num(gens); ++i) {
      const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
      if (g->type != GEN_DNS) continue;
      ok = add_name(names, ASN1_STRING_get0_data(g->d.dNSName), ASN1_STRING_length(g->d.dNSName));
      found = 1;
    }
    GENERAL_NAMES_free(gens);
  }
  if (ok && !found) {
    X509_NAME *subj = X509_get_subject_name(id->cert);
    int k = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);
    if (k >= 0) {
      ASN1_STRING *cn = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, k));
      unsigned char *utf8 = 0;
      int len = ASN1_STRING_to_UTF8(&utf8, cn);
      if (len > 0) ok = add_name(names, utf8, len);
      OPENSSL_free(utf8);
    }
  }
  ERR_clear_error();
  return ok;
}

void tls_identity_free(struct tls_identity *id) {
  X509_free(id->cert);
  sk_X509_pop_free(id->chain, X509_free);
  EVP_PKEY_free(id->key);
  tls_ocsp_free(id->ocsp);
  memset(id, 0, sizeof *id);
}
