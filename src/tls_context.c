/* Building the server SSL_CTX from certificate, key, chain, DH and cipher settings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <libowfat/scan.h>

#include "tls_context.h"

#define DEFAULT_CERTFILE "./cert.pem"
#define DEFAULT_KEYFILE "./key.pem"

static const char *env_or(const char *name, const char *dflt) {
  const char *s = getenv(name);
  if (!s) return dflt;
  return *s ? s : 0;
}

void tls_context_config_from_env(struct tls_server_config *c) {
  const char *s;
  unsigned long u;
  memset(c, 0, sizeof *c);
  c->certfile = env_or("CERTFILE", DEFAULT_CERTFILE);
  c->keyfile = env_or("KEYFILE", DEFAULT_KEYFILE);
  c->chainfile = env_or("CERTCHAINFILE", 0);
  c->dhfile = env_or("DHFILE", 0);
  c->ciphers = env_or("CIPHERS", 0);
  c->verifydepth = 1;
  s = getenv("VERIFYDEPTH");
  if (s && scan_ulong(s, &u) && u < 100) c->verifydepth = u;
}

/* "what: file: reason" from errno or OpenSSL's error queue */
/* a file that cannot be opened: the system error in the queue says more
   than OpenSSL's own "system lib" or "no such file" */
static const char *sys_reason(void) {
  unsigned long e;
  while ((e = ERR_get_error()))
    if (ERR_GET_LIB(e) == ERR_LIB_SYS) return strerror(ERR_GET_REASON(e));
  return 0;
}

static void fail(stralloc *err, const char *what, const char *file, const char *reason) {
  unsigned long e = ERR_peek_last_error();
  if (!reason) reason = e ? ERR_reason_error_string(e) : 0;
  if (!reason) reason = errno ? strerror(errno) : "unknown error";
  stralloc_copys(err, what);
  if (file) {
    stralloc_cats(err, file);
    stralloc_cats(err, ": ");
  }
  stralloc_cats(err, reason);
  stralloc_0(err);
  ERR_clear_error();
}

static int password_cb(char *buf, int size, int rwflag, void *u) {
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
  b = BIO_new_file(file, "r");
  if (!b) {
    fail(err, "unable to load key: ", file, sys_reason());
    return 0;
  }
  key = PEM_read_bio_PrivateKey(b, 0, password_cb, (void *)password);
  BIO_free(b);
  if (!key) {
    unsigned long e = ERR_peek_last_error();
    /* OpenSSL 3 says "unsupported" when the file holds no key at all */
    int none = !e || ERR_GET_REASON(e) == ERR_R_UNSUPPORTED;
    fail(err, "unable to load key: ", file, none ? "no usable private key found" : 0);
  }
  return key;
}

/* Loads every certificate of file, takes the one matching key as the leaf
   and the rest as its chain: leaf-first files (OpenSSL's order) and the
   root-first order that ucspi-ssl's page describes both work. */
static int use_certificates(SSL_CTX *ctx, const char *file, EVP_PKEY *key, stralloc *err) {
  STACK_OF(X509) *certs = sk_X509_new_null();
  BIO *b;
  X509 *x;
  int i, n, leaf = -1, ok = 0;

  if (!certs) {
    fail(err, "out of memory", 0, "");
    return 0;
  }
  errno = 0;
  b = BIO_new_file(file, "r");
  if (!b) {
    fail(err, "unable to load certificate: ", file, sys_reason());
    sk_X509_free(certs);
    return 0;
  }
  while ((x = PEM_read_bio_X509(b, 0, 0, 0)))
    if (!sk_X509_push(certs, x)) {
      X509_free(x);
      break;
    }
  BIO_free(b);
  ERR_clear_error(); /* the read loop ends with a "no start line" error */
  n = sk_X509_num(certs);
  if (!n) {
    fail(err, "unable to load certificate: ", file, "no certificate found");
    goto done;
  }
  for (i = 0; i < n; ++i)
    if (X509_check_private_key(sk_X509_value(certs, i), key)) {
      leaf = i;
      break;
    }
  ERR_clear_error();
  if (leaf < 0) {
    fail(err, "key does not match certificate: ", file, "no certificate for this key");
    goto done;
  }
  if (SSL_CTX_use_certificate(ctx, sk_X509_value(certs, leaf)) != 1 ||
      SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    fail(err, "unable to use certificate: ", file, 0);
    goto done;
  }
  if (leaf == n - 1 && n > 1) {
    for (i = n - 2; i >= 0; --i)
      if (SSL_CTX_add1_chain_cert(ctx, sk_X509_value(certs, i)) != 1) goto chainfail;
  } else {
    for (i = 0; i < n; ++i)
      if (i != leaf && SSL_CTX_add1_chain_cert(ctx, sk_X509_value(certs, i)) != 1) goto chainfail;
  }
  ok = 1;
  goto done;
chainfail:
  fail(err, "unable to use certificate chain: ", file, 0);
done:
  sk_X509_pop_free(certs, X509_free);
  return ok;
}

static int use_dh(SSL_CTX *ctx, const char *file, stralloc *err) {
  BIO *b;
  EVP_PKEY *dh;
  if (!file) return SSL_CTX_set_dh_auto(ctx, 1) == 1 || 1;
  errno = 0;
  b = BIO_new_file(file, "r");
  if (!b) {
    fail(err, "unable to load DH parameters: ", file, sys_reason());
    return 0;
  }
  dh = PEM_read_bio_Parameters(b, 0);
  BIO_free(b);
  if (!dh || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
    EVP_PKEY_free(dh);
    fail(err, "unable to load DH parameters: ", file, ERR_peek_last_error() ? 0 : "no parameters found");
    return 0;
  }
  return 1;
}

/* CIPHERS may name TLS 1.2 cipher strings and TLS 1.3 suites (TLS_...)
   together; each part goes to the call that understands it. */
static int use_ciphers(SSL_CTX *ctx, const char *ciphers, stralloc *err) {
  stralloc old = {0}, v13 = {0};
  const char *p = ciphers;
  int ok = 1;
  if (!ciphers) return 1;
  while (*p) {
    size_t n = strcspn(p, ":");
    stralloc *to = (n > 4 && !strncmp(p, "TLS_", 4)) ? &v13 : &old;
    if (n) {
      if (to->len) stralloc_cats(to, ":");
      stralloc_catb(to, p, n);
    }
    p += n;
    if (*p) ++p;
  }
  if (old.len) {
    stralloc_0(&old);
    if (SSL_CTX_set_cipher_list(ctx, old.s) != 1) ok = 0;
  }
  if (ok && v13.len) {
    stralloc_0(&v13);
    if (SSL_CTX_set_ciphersuites(ctx, v13.s) != 1) ok = 0;
  }
  if (!ok) fail(err, "unable to set cipher list: ", ciphers, 0);
  stralloc_free(&old);
  stralloc_free(&v13);
  return ok;
}

SSL_CTX *tls_context_server(const struct tls_server_config *c, stralloc *err) {
  static const unsigned char sid_ctx[] = "ucspi-tls sslserver";
  const char *certs = c->chainfile ? c->chainfile : c->certfile;
  const char *keyfile = c->keyfile ? c->keyfile : certs;
  EVP_PKEY *key;
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

  if (!ctx) {
    fail(err, "unable to create TLS context", 0, 0);
    return 0;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  /* no renegotiation: it is a DoS lever and nothing a relay needs */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                               SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS | SSL_MODE_ENABLE_PARTIAL_WRITE |
                            SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  /* one read(2) per burst of records instead of two per record; the relay
     drains SSL_read before it polls, so buffered records are never stranded */
  SSL_CTX_set_read_ahead(ctx, 1);
  /* a session cache in one child is useless to the others: resumption is
     by tickets, whose keys all children inherit from this context */
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_session_id_context(ctx, sid_ctx, sizeof sid_ctx - 1);
  SSL_CTX_set_verify_depth(ctx, (int)c->verifydepth);

  if (!certs) {
    fail(err, "no certificate: CERTFILE is empty", 0, "");
    goto bad;
  }
  key = read_key(keyfile, c->password, err);
  if (!key) goto bad;
  if (!use_certificates(ctx, certs, key, err)) {
    EVP_PKEY_free(key);
    goto bad;
  }
  EVP_PKEY_free(key);
  if (!use_dh(ctx, c->dhfile, err)) goto bad;
  if (!use_ciphers(ctx, c->ciphers, err)) goto bad;
  return ctx;
bad:
  SSL_CTX_free(ctx);
  return 0;
}
