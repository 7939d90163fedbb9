/* Building the server SSL_CTX: certificate, key and chain, protocol
   versions, cipher lists, key-exchange groups, signature algorithms. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <libowfat/scan.h>

#include "file_source.h"
#include "tls_alpn.h"
#include "log.h"
#include "tls_context.h"
#include "tls_error.h"
#include "tls_identity.h"
#include "tls_keylog.h"
#include "tls_ocsp.h"
#include "tls_sni.h"
#include "tls_ticket_keys.h"
#include "tls_versions.h"

#define DEFAULT_CERTFILE "./cert.pem"
#define DEFAULT_KEYFILE "./key.pem"
/* Forward secrecy and AEAD only: what current scanners grade without a
   warning, and what every TLS 1.2 client of the last decade offers. */
#define DEFAULT_CIPHERS "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!DSS"
#define DEFAULT_GROUPS "X25519:P-256:X448:P-384:P-521"

static const char *const vars[] = {
  "CERTFILE", "KEYFILE", "CERTCHAINFILE", "DHFILE", "CIPHERS", "CIPHERSUITES",
  "TLSMIN", "TLSMAX", "TLSGROUPS", "SIGALGS", "CERTDIR", "SNISTRICT", "ALPN",
  "TICKETKEYFILE", "NORESUME", "OCSPFILE",
};

int tls_context_is_var(const char *name, size_t len) {
  size_t k;
  for (k = 0; k < sizeof vars / sizeof vars[0]; ++k)
    if (strlen(vars[k]) == len && !strncmp(name, vars[k], len)) return 1;
  return 0;
}

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
  c->ciphersuites = env_or("CIPHERSUITES", 0);
  c->minversion = env_or("TLSMIN", 0);
  c->maxversion = env_or("TLSMAX", 0);
  c->groups = env_or("TLSGROUPS", 0);
  c->sigalgs = env_or("SIGALGS", 0);
  c->certdir = env_or("CERTDIR", 0);
  c->snistrict = env_or("SNISTRICT", 0) != 0;
  c->alpn = env_or("ALPN", 0);
  c->ticketkeyfile = env_or("TICKETKEYFILE", 0);
  c->noresume = env_or("NORESUME", 0) != 0;
  c->ocspfile = env_or("OCSPFILE", 0);
  c->keylogfile = env_or("SSLKEYLOGFILE", 0);
  c->verifydepth = 1;
  s = getenv("VERIFYDEPTH");
  if (s && scan_ulong(s, &u) && u < 100) c->verifydepth = u;
}

static int use_dh(SSL_CTX *ctx, const char *file, stralloc *err) {
  BIO *b;
  EVP_PKEY *dh;
  if (!file) return SSL_CTX_set_dh_auto(ctx, 1) == 1 || 1;
  errno = 0;
  b = file_source_bio(file);
  if (!b) {
    tls_error_set(err, "unable to load DH parameters: ", file, tls_error_sys_reason());
    return 0;
  }
  dh = PEM_read_bio_Parameters(b, 0);
  BIO_free(b);
  if (!dh || SSL_CTX_set0_tmp_dh_pkey(ctx, dh) != 1) {
    EVP_PKEY_free(dh);
    tls_error_set(err, "unable to load DH parameters: ", file,
                  ERR_peek_last_error() ? 0 : "no parameters found");
    return 0;
  }
  return 1;
}

/* CIPHERS may name TLS 1.3 suites (TLS_...) among the TLS 1.2 cipher
   strings, as it could before CIPHERSUITES existed; each part goes to the
   call that understands it, and CIPHERSUITES, when set, wins for TLS 1.3. */
static int use_ciphers(SSL_CTX *ctx, const struct tls_server_config *c, stralloc *err) {
  stralloc old = {0}, v13 = {0};
  const char *p = c->ciphers ? c->ciphers : DEFAULT_CIPHERS;
  int ok = 1;
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
  if (ok && v13.len && !c->ciphersuites) {
    stralloc_0(&v13);
    if (SSL_CTX_set_ciphersuites(ctx, v13.s) != 1) ok = 0;
  }
  if (!ok) tls_error_set(err, "unable to set cipher list: ", c->ciphers, 0);
  stralloc_free(&old);
  stralloc_free(&v13);
  if (ok && c->ciphersuites && SSL_CTX_set_ciphersuites(ctx, c->ciphersuites) != 1) {
    tls_error_set(err, "unable to set TLS 1.3 cipher suites: ", c->ciphersuites, 0);
    ok = 0;
  }
  return ok;
}

static int use_versions(SSL_CTX *ctx, const struct tls_server_config *c, stralloc *err) {
  int lo = TLS1_2_VERSION, hi = TLS1_3_VERSION;
  if (c->minversion && !(lo = tls_version_parse(c->minversion))) {
    tls_error_set(err, "unknown TLS version in TLSMIN: ", c->minversion, "use 1.0, 1.1, 1.2 or 1.3");
    return 0;
  }
  if (c->maxversion && !(hi = tls_version_parse(c->maxversion))) {
    tls_error_set(err, "unknown TLS version in TLSMAX: ", c->maxversion, "use 1.0, 1.1, 1.2 or 1.3");
    return 0;
  }
  if (lo > hi) {
    tls_error_set(err, "TLSMIN is above TLSMAX", 0, "");
    return 0;
  }
  if (SSL_CTX_set_min_proto_version(ctx, lo) != 1 || SSL_CTX_set_max_proto_version(ctx, hi) != 1) {
    tls_error_set(err, "unable to set TLS versions", 0, 0);
    return 0;
  }
  return 1;
}

static int use_groups(SSL_CTX *ctx, const struct tls_server_config *c, stralloc *err) {
  const char *g = c->groups ? c->groups : DEFAULT_GROUPS;
  if (SSL_CTX_set1_groups_list(ctx, g) != 1) {
    tls_error_set(err, "unable to set key-exchange groups: ", g, "unknown or unusable group");
    return 0;
  }
  if (c->sigalgs && SSL_CTX_set1_sigalgs_list(ctx, c->sigalgs) != 1) {
    tls_error_set(err, "unable to set signature algorithms: ", c->sigalgs,
                  "unknown or unusable algorithm");
    return 0;
  }
  return 1;
}

/* Sessions resume only where the default certificate is the same: not in
   a rule's context with another one, nor after a reload that renewed it
   (SNI names are told apart by tls_sni). Several servers with the same
   certificate and TICKETKEYFILE resume each other's sessions. */
static int use_session_context(SSL_CTX *ctx, X509 *cert) {
  static const char tag[] = "ucspi-tls sslserver";
  unsigned char md[EVP_MAX_MD_SIZE], *der = 0;
  unsigned int mdlen = 0;
  int len = i2d_X509(cert, &der);
  EVP_MD_CTX *m = EVP_MD_CTX_new();
  int ok = m && len > 0 && EVP_DigestInit_ex(m, EVP_sha256(), 0) &&
           EVP_DigestUpdate(m, tag, sizeof tag) && EVP_DigestUpdate(m, der, (size_t)len) &&
           EVP_DigestFinal_ex(m, md, &mdlen);
  EVP_MD_CTX_free(m);
  OPENSSL_free(der);
  if (mdlen > SSL_MAX_SID_CTX_LENGTH) mdlen = SSL_MAX_SID_CTX_LENGTH;
  return ok && SSL_CTX_set_session_id_context(ctx, md, mdlen) == 1;
}

static int use_identity(SSL_CTX *ctx, const struct tls_server_config *c, stralloc *err) {
  const char *certs = c->chainfile ? c->chainfile : c->certfile;
  const char *keyfile = c->keyfile ? c->keyfile : certs;
  struct tls_identity id;
  int ok;
  if (!certs) {
    tls_error_set(err, "no certificate: CERTFILE is empty", 0, "");
    return 0;
  }
  if (!tls_identity_load(&id, certs, keyfile, c->password, err)) return 0;
  ok = tls_identity_use_ctx(ctx, &id, certs, err);
  if (ok && c->ocspfile) ok = tls_ocsp_load(&id, c->ocspfile, err);
  if (ok && !use_session_context(ctx, id.cert)) {
    tls_error_set(err, "unable to set session ID context", 0, 0);
    ok = 0;
  }
  ok = ok && tls_sni_setup(ctx, c->certdir, c->snistrict, &id, c->password, err);
  tls_identity_free(&id);
  tls_ocsp_setup(ctx, tls_sni_find);
  return ok;
}

static int use_tickets(SSL_CTX *ctx, const struct tls_server_config *c, stralloc *err) {
  if (c->noresume) {
    /* no tickets at all: TLS 1.3 would otherwise send stateful ones */
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_num_tickets(ctx, 0);
    return 1;
  }
  /* one ticket per handshake, not OpenSSL's two: a resumed connection
     gets a fresh one, so a client that resumes always holds one; each
     ticket costs ~50,000 instructions (callgrind) */
  SSL_CTX_set_num_tickets(ctx, 1);
  return !c->ticketkeyfile || tls_ticket_keys_setup(ctx, c->ticketkeyfile, err);
}

SSL_CTX *tls_context_server(const struct tls_server_config *c, stralloc *err) {
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

  if (!ctx) {
    tls_error_set(err, "unable to create TLS context", 0, 0);
    return 0;
  }
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
  SSL_CTX_set_verify_depth(ctx, (int)c->verifydepth);

  if (!use_versions(ctx, c, err)) goto bad;
  if (!use_identity(ctx, c, err)) goto bad;
  if (!use_dh(ctx, c->dhfile, err)) goto bad;
  if (!use_ciphers(ctx, c, err)) goto bad;
  if (!use_groups(ctx, c, err)) goto bad;
  if (c->alpn && !tls_alpn_setup(ctx, c->alpn, err)) goto bad;
  if (!use_tickets(ctx, c, err)) goto bad;
  if (c->keylogfile && !tls_keylog_setup(ctx, c->keylogfile, err)) goto bad;
  return ctx;
bad:
  SSL_CTX_free(ctx);
  return 0;
}

static void refresh_ocsp(struct tls_identity *id, void *arg) {
  static stralloc err;
  (void)arg;
  switch (tls_ocsp_refresh(id, &err)) {
    case 0: log_warn("keeping the old OCSP response: ", err.s, (char *)0); break;
    case 2: log_status("OCSP response reloaded: ", id->ocsp->file, (char *)0); break;
  }
}

void tls_context_refresh(SSL_CTX *ctx) {
  static stralloc err;
  static time_t last;
  time_t now = time(0);
  if (now == last) return;
  last = now;
  switch (tls_ticket_keys_refresh(ctx, &err)) {
    case 0: log_warn("keeping the old ticket keys: ", err.s, (char *)0); break;
    case 2: log_status("ticket keys reloaded", (char *)0); break;
  }
  tls_sni_each(ctx, refresh_ocsp, 0);
}

void tls_context_inherit(SSL_CTX *to, SSL_CTX *from) {
  tls_ticket_keys_inherit(to, from);
}
