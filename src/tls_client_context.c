/* Building the client SSL_CTX. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_client_context.h"
#include "tls_error.h"
#include "tls_identity.h"
#include "tls_client_session.h"
#include "tls_versions.h"

static void fail(struct tls_client_failure *f, const char *line, const char *file);
static void fail_own(struct tls_client_failure *f, const char *what, const char *value);

static const char *env(const char *name) {
  const char *s = getenv(name);
  return s && *s ? s : 0;
}

void tls_client_config_from_env(struct tls_client_config *c) {
  c->minversion = env("TLSMIN");
  c->maxversion = env("TLSMAX");
  c->ciphersuites = env("CIPHERSUITES");
  c->groups = env("TLSGROUPS");
  c->alpn = env("ALPN");
  c->sessionfile = env("SESSIONFILE");
  c->ocsp = env("OCSPSTATUS") != 0;
}

/* "h2,http/1.1" in the wire form: each name after its length */
static int use_alpn(SSL_CTX *ctx, const char *list) {
  unsigned char wire[1024];
  size_t n = 0;
  const char *p = list;
  for (;;) {
    size_t k = strcspn(p, ",");
    if (!k || k > 255 || n + 1 + k > sizeof wire) return 0;
    wire[n++] = (unsigned char)k;
    memcpy(wire + n, p, k);
    n += k;
    p += k;
    if (!*p) break;
    ++p;
  }
  return SSL_CTX_set_alpn_protos(ctx, wire, (unsigned int)n) == 0; /* 0 is success here */
}

/* the environment's settings; 0 with f filled */
static int use_env(SSL_CTX *ctx, const struct tls_client_config *c, struct tls_client_failure *f) {
  int lo = TLS1_2_VERSION, hi = 0;
  if (c->minversion && !(lo = tls_version_parse(c->minversion))) {
    errno = EINVAL;
    fail_own(f, "unknown TLS version in TLSMIN: ", c->minversion);
    return 0;
  }
  if (c->maxversion && !(hi = tls_version_parse(c->maxversion))) {
    errno = EINVAL;
    fail_own(f, "unknown TLS version in TLSMAX: ", c->maxversion);
    return 0;
  }
  if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1) {
    fail_own(f, "unable to set TLS versions: ", c->minversion ? c->minversion : c->maxversion);
    return 0;
  }
  if (c->ciphersuites && SSL_CTX_set_ciphersuites(ctx, c->ciphersuites) != 1) {
    fail_own(f, "unable to set TLS 1.3 cipher suites: ", c->ciphersuites);
    return 0;
  }
  if (c->groups && SSL_CTX_set1_groups_list(ctx, c->groups) != 1) {
    fail_own(f, "unable to set key-exchange groups: ", c->groups);
    return 0;
  }
  if (c->alpn && !use_alpn(ctx, c->alpn)) {
    errno = EINVAL;
    fail_own(f, "bad ALPN list: ", c->alpn);
    return 0;
  }
  if (c->sessionfile) tls_client_session_save_to(ctx, c->sessionfile);
  if (c->ocsp) SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp);
  return 1;
}

/* the reason from OpenSSL's queue (a system error in it says more than
   OpenSSL's "system lib"), else errno's */
static const char *reason(void) {
  const char *r = tls_error_queue_reason(0);
  if (!r) r = errno ? strerror(errno) : "unknown error";
  return r;
}

/* one of ucspi-ssl's lines; "file: reason" as the detail */
static void fail(struct tls_client_failure *f, const char *line, const char *file) {
  f->kind = "error";
  stralloc_copys(&f->line, line);
  stralloc_0(&f->line);
  tls_error_set(&f->detail, "", file, reason());
}

/* a line of ours (ucspi-ssl has none): "what value: reason" */
static void fail_own(struct tls_client_failure *f, const char *what, const char *value) {
  f->kind = "error";
  tls_error_set(&f->line, what, value, reason());
  stralloc_copys(&f->detail, "");
  stralloc_0(&f->detail);
}

/* -z may name TLS 1.2 ciphers and TLS 1.3 suites (TLS_...) together; each
   part goes to the call that understands it */
static int use_ciphers(SSL_CTX *ctx, const char *ciphers) {
  stralloc old = {0}, v13 = {0};
  const char *p = ciphers;
  int ok = 1;
  while (*p) {
    size_t n = strcspn(p, ":, ");
    stralloc *to = (n > 4 && !strncmp(p, "TLS_", 4)) ? &v13 : &old;
    if (n) {
      if (to->len && !stralloc_cats(to, ":")) ok = 0;
      if (!stralloc_catb(to, p, n)) ok = 0;
    }
    p += n;
    if (*p) ++p;
  }
  if (ok && old.len) ok = stralloc_0(&old) && SSL_CTX_set_cipher_list(ctx, old.s) == 1;
  if (ok && v13.len) ok = stralloc_0(&v13) && SSL_CTX_set_ciphersuites(ctx, v13.s) == 1;
  stralloc_free(&old);
  stralloc_free(&v13);
  return ok;
}

static int use_certificate(SSL_CTX *ctx, const struct tls_client_config *c,
                           struct tls_client_failure *f) {
  const char *keyfile = c->keyfile ? c->keyfile : c->certfile;
  errno = 0;
  if (SSL_CTX_use_certificate_chain_file(ctx, c->certfile) != 1) {
    fail(f, "unable to load certificate", c->certfile);
    return 0;
  }
  SSL_CTX_set_default_passwd_cb(ctx, tls_identity_password_cb);
  SSL_CTX_set_default_passwd_cb_userdata(ctx, (void *)c->password);
  errno = 0;
  if (SSL_CTX_use_PrivateKey_file(ctx, keyfile, SSL_FILETYPE_PEM) != 1) {
    fail(f, "unable to load key pair", keyfile);
    return 0;
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    fail(f, "key does not match certificate", c->certfile);
    return 0;
  }
  return 1;
}

SSL_CTX *tls_client_context(const struct tls_client_config *c, struct tls_client_failure *f) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

  if (!ctx) {
    fail(f, "unable to create TLS context", 0);
    f->kind = "fatal";
    return 0;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  /* a server that closes without close_notify (many do) has still sent
     everything: its EOF ends the data, not with an error */
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  SSL_CTX_set_verify_depth(ctx, c->verifydepth > 100 ? 100 : (int)c->verifydepth);

  if (c->verify) {
    errno = 0;
    if (c->cafile || c->cadir) {
      if (SSL_CTX_load_verify_locations(ctx, c->cafile, c->cadir) != 1) {
        fail(f, "unable to load CA list", c->cafile ? c->cafile : c->cadir);
        goto bad;
      }
    } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
      fail(f, "unable to load CA list", 0);
      goto bad;
    }
  }
  if (c->certfile && !use_certificate(ctx, c, f)) goto bad;
  errno = 0;
  if (c->ciphers && !use_ciphers(ctx, c->ciphers)) {
    fail(f, "unable to set cipher list", c->ciphers);
    goto bad;
  }
  if (!use_env(ctx, c, f)) goto bad;
  ERR_clear_error();
  return ctx;
bad:
  SSL_CTX_free(ctx);
  return 0;
}
