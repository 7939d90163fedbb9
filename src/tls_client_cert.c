/* Client certificates: request, require, verify, match the host name. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "file_source.h"
#include "tls_client_cert.h"
#include "tls_crl.h"
#include "tls_error.h"

static const char *env_nonempty(const char *name) {
  const char *s = getenv(name);
  return s && *s ? s : 0;
}

int tls_cc_config_from_env(struct tls_cc_config *c, int option, stralloc *err) {
  memset(c, 0, sizeof *c);
  c->ccafile = env_nonempty("CCAFILE");
  c->cafile = env_nonempty("CAFILE");
  c->cadir = env_nonempty("CADIR");
  c->crlfile = env_nonempty("CRLFILE");
  if (option == 'z') c->mode = TLS_CC_HOST;
  else if (option == 'm' || getenv("CCAVERIFY")) c->mode = TLS_CC_REQUIRE;
  else c->mode = c->ccafile ? TLS_CC_OPTIONAL : TLS_CC_OFF;
  /* "-" switches the request off, whatever the option says */
  if (c->ccafile && !strcmp(c->ccafile, "-")) {
    c->mode = TLS_CC_OFF;
    c->ccafile = 0;
  }
  if (c->mode != TLS_CC_OFF && !c->ccafile) {
    stralloc_copys(err, option == 'z' ? "option -z needs CCAFILE"
                        : option == 'm' ? "option -m needs CCAFILE"
                                        : "CCAVERIFY needs CCAFILE");
    stralloc_cats(err, ", the CAs to request client certificates from");
    stralloc_0(err);
    return 0;
  }
  return 1;
}

static void fail(stralloc *err, const char *what, const char *file) {
  const char *reason = tls_error_queue_reason(1);
  if (!reason) reason = errno ? strerror(errno) : "no certificate found";
  tls_error_set(err, what, file, reason);
}

/* the optional mode hands every certificate on, verified or not; the first
   error (the cause, not its consequences) is kept for SSL_CLIENT_VERIFY */
static int first_error_index = -1;

static int accept_any(int ok, X509_STORE_CTX *x) {
  SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
  if (!ok && ssl && first_error_index >= 0 && !SSL_get_ex_data(ssl, first_error_index))
    SSL_set_ex_data(ssl, first_error_index, (void *)(intptr_t)(X509_STORE_CTX_get_error(x) + 1));
  return 1;
}

static long verify_result(SSL *ssl) {
  long vr = SSL_get_verify_result(ssl);
  intptr_t first = first_error_index >= 0 ? (intptr_t)SSL_get_ex_data(ssl, first_error_index) : 0;
  if (vr != X509_V_OK && first) vr = (long)first - 1;
  return vr;
}

static int verify_mode(enum tls_cc_mode m) {
  if (m == TLS_CC_OFF) return SSL_VERIFY_NONE;
  if (m == TLS_CC_OPTIONAL) return SSL_VERIFY_PEER;
  return SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
}

static void init_index(void) {
  if (first_error_index < 0) first_error_index = SSL_get_ex_new_index(0, 0, 0, 0, 0);
}

static int has_name(STACK_OF(X509_NAME) *names, const X509_NAME *n) {
  int i;
  for (i = 0; i < sk_X509_NAME_num(names); ++i)
    if (!X509_NAME_cmp(sk_X509_NAME_value(names, i), n)) return 1;
  return 0;
}

/* the subjects of file's certificates, once each and in the file's order,
   as SSL_load_client_CA_file reads them, through file_source */
static STACK_OF(X509_NAME) *read_names(const char *file) {
  STACK_OF(X509_NAME) *names = sk_X509_NAME_new_null();
  BIO *b = names ? file_source_bio(file) : 0;
  X509 *x;
  int ok = b != 0;
  while (ok && (x = PEM_read_bio_X509(b, 0, 0, 0))) {
    X509_NAME *n = X509_get_subject_name(x);
    if (!has_name(names, n)) {
      X509_NAME *copy = X509_NAME_dup(n);
      ok = copy && sk_X509_NAME_push(names, copy);
      if (!ok) X509_NAME_free(copy);
    }
    X509_free(x);
  }
  BIO_free(b);
  if (ok && sk_X509_NAME_num(names)) {
    ERR_clear_error(); /* as OpenSSL's loader: what follows the last one is not looked at */
    return names;
  }
  sk_X509_NAME_pop_free(names, X509_NAME_free);
  return 0;
}

static STACK_OF(X509_NAME) *request_list(const struct tls_cc_config *c, stralloc *err) {
  STACK_OF(X509_NAME) *names;
  errno = 0;
  ERR_clear_error();
  names = read_names(c->ccafile);
  if (!names) fail(err, "unable to load client CA list: ", c->ccafile);
  return names;
}

/* file's certificates and CRLs into st, as X509_STORE_load_file would */
static int load_cas(X509_STORE *st, const char *file) {
  BIO *b = file_source_bio(file);
  STACK_OF(X509_INFO) *infos = b ? PEM_X509_INFO_read_bio(b, 0, 0, 0) : 0;
  int i, n = 0, ok = infos != 0;
  BIO_free(b);
  for (i = 0; ok && i < sk_X509_INFO_num(infos); ++i) {
    X509_INFO *in = sk_X509_INFO_value(infos, i);
    if (in->x509) ok = X509_STORE_add_cert(st, in->x509), ++n;
    if (ok && in->crl) ok = X509_STORE_add_crl(st, in->crl), ++n;
  }
  sk_X509_INFO_pop_free(infos, X509_INFO_free);
  if (ok && !n) ok = 0, errno = 0;
  return ok;
}

static X509_STORE *trust_store(const struct tls_cc_config *c, stralloc *err) {
  const char *file = c->cafile ? c->cafile : c->ccafile;
  X509_STORE *st = X509_STORE_new();
  if (!st) {
    fail(err, "unable to create certificate store", 0);
    return 0;
  }
  errno = 0;
  ERR_clear_error();
  if (file && !load_cas(st, file)) {
    fail(err, "unable to load CA file: ", file);
    X509_STORE_free(st);
    return 0;
  }
  if (c->cadir && X509_STORE_load_path(st, c->cadir) != 1) {
    fail(err, "unable to use CA directory: ", c->cadir);
    X509_STORE_free(st);
    return 0;
  }
  if (c->crlfile && !tls_crl_load(st, c->crlfile, err)) {
    X509_STORE_free(st);
    return 0;
  }
  return st;
}

int tls_cc_setup_ctx(SSL_CTX *ctx, const struct tls_cc_config *c, stralloc *err) {
  STACK_OF(X509_NAME) *names;
  X509_STORE *st;
  if (c->mode == TLS_CC_OFF) return 1;
  init_index();
  if (!(names = request_list(c, err))) return 0;
  if (!(st = trust_store(c, err))) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    return 0;
  }
  SSL_CTX_set_client_CA_list(ctx, names);
  SSL_CTX_set_cert_store(ctx, st);
  SSL_CTX_set_verify(ctx, verify_mode(c->mode), c->mode == TLS_CC_OPTIONAL ? accept_any : 0);
  return 1;
}

int tls_cc_setup_ssl(SSL *ssl, const struct tls_cc_config *c, stralloc *err) {
  STACK_OF(X509_NAME) *names;
  X509_STORE *st;
  if (c->mode == TLS_CC_OFF) {
    SSL_set_verify(ssl, SSL_VERIFY_NONE, 0);
    return 1;
  }
  init_index();
  if (!(names = request_list(c, err))) return 0;
  if (!(st = trust_store(c, err))) {
    sk_X509_NAME_pop_free(names, X509_NAME_free);
    return 0;
  }
  SSL_set_client_CA_list(ssl, names);
  SSL_set1_verify_cert_store(ssl, st);
  X509_STORE_free(st);
  SSL_set_verify(ssl, verify_mode(c->mode), c->mode == TLS_CC_OPTIONAL ? accept_any : 0);
  return 1;
}

static int set(stralloc *sa, const char *a, const char *b) {
  return stralloc_copys(sa, a) && stralloc_cats(sa, b ? b : "") && stralloc_0(sa);
}

int tls_cc_check(SSL *ssl, enum tls_cc_mode mode, const char *remotehost, stralloc *verify,
                 stralloc *why) {
  X509 *peer = SSL_get0_peer_certificate(ssl);
  long vr;

  if (!peer) {
    set(verify, "NONE", 0);
    if (mode == TLS_CC_REQUIRE || mode == TLS_CC_HOST) { /* the handshake refuses first */
      set(why, "no client certificate", 0);
      return 0;
    }
    return 1;
  }
  vr = verify_result(ssl);
  if (vr != X509_V_OK) {
    set(verify, "FAILED:", X509_verify_cert_error_string(vr));
    if (mode == TLS_CC_OPTIONAL) return 1;
    set(why, "unable to verify client certificate: ", X509_verify_cert_error_string(vr));
    return 0;
  }
  if (mode == TLS_CC_HOST) {
    if (!remotehost) { /* nothing to match: valid, but the name is unchecked */
      set(verify, "GENEROUS", 0);
      return 1;
    }
    if (X509_check_host(peer, remotehost, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, 0) != 1) {
      size_t i;
      set(verify, "FAILED:", "client host name does not match certificate");
      set(why, "client host name does not match certificate: ", remotehost);
      for (i = 45; i + 1 < why->len; ++i) /* the name came from DNS: printable only */
        if ((unsigned char)why->s[i] < 33 || (unsigned char)why->s[i] > 126) why->s[i] = '?';
      return 0;
    }
  }
  set(verify, "SUCCESS", 0);
  return 1;
}

const char *tls_cc_handshake_reason(SSL *ssl) {
  unsigned long e = ERR_peek_last_error();
  long vr = SSL_get_verify_result(ssl); /* set even when the chain was refused */
  if (vr != X509_V_OK) return X509_verify_cert_error_string(vr);
  if (e && ERR_GET_LIB(e) == ERR_LIB_SSL &&
      ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
    return "no client certificate";
  return 0;
}
