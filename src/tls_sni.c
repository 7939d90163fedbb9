/* SNI: a table of server names to certificates, consulted in the
   ClientHello callback, before OpenSSL looks at the session a client
   offers, so that a ticket resumes only under the name it was made for. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "file_source.h"
#include "tls_error.h"
#include "tls_identity.h"
#include "tls_ocsp.h"
#include "tls_sni.h"

struct name {
  char *name;  /* lower case, "*.rest" for a wildcard */
  size_t id;
};

struct table {
  struct tls_identity *ids;
  size_t nids;
  struct name *names;
  size_t nnames;
  int strict;
};

static int table_index = -1, ssl_index = -1;

static void table_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  struct table *t = ptr;
  size_t i;
  if (!t) return;
  for (i = 0; i < t->nids; ++i) tls_identity_free(&t->ids[i]);
  for (i = 0; i < t->nnames; ++i) free(t->names[i].name);
  free(t->ids);
  free(t->names);
  free(t);
}

static int by_name(const void *a, const void *b) {
  const struct name *x = a, *y = b;
  int c = strcmp(x->name, y->name);
  if (c) return c;
  return x->id < y->id ? -1 : x->id > y->id;
}

/* index of the first entry for name, or nnames */
static size_t find(const struct table *t, const char *name) {
  size_t lo = 0, hi = t->nnames;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(t->names[mid].name, name) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo < t->nnames && !strcmp(t->names[lo].name, name) ? lo : t->nnames;
}

/* takes id over; its names go into the table when with_names */
static int add_identity(struct table *t, struct tls_identity *id, int with_names, stralloc *err) {
  static stralloc names;
  struct tls_identity *ids;
  struct name *n;
  size_t i, count = 0;

  names.len = 0;
  if (with_names && !tls_identity_names(id, &names)) goto nomem;
  for (i = 0; i < names.len; i += strlen(names.s + i) + 1) ++count;
  ids = realloc(t->ids, (t->nids + 1) * sizeof *ids);
  if (!ids) goto nomem;
  t->ids = ids;
  n = realloc(t->names, (t->nnames + count) * sizeof *n);
  if (!n) goto nomem;
  t->names = n;
  for (i = 0; i < names.len; i += strlen(names.s + i) + 1) {
    char *s = strdup(names.s + i);
    if (!s) goto nomem;
    t->names[t->nnames].name = s;
    t->names[t->nnames].id = t->nids;
    ++t->nnames;
  }
  t->ids[t->nids++] = *id;
  memset(id, 0, sizeof *id);
  return 1;
nomem:
  tls_error_set(err, "out of memory", 0, "");
  return 0;
}

static int ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), m = strlen(suffix);
  return n > m && !strcmp(s + n - m, suffix);
}

static int by_string(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static int load_dir(struct table *t, const char *dir, const char *password, stralloc *err) {
  stralloc cert = {0}, key = {0}, ocsp = {0}, listing = {0};
  char **files = 0;
  size_t nfiles = 0, i;
  int ok = 0;

  if (!file_source_names(dir, &listing)) {
    tls_error_set(err, "unable to read CERTDIR: ", dir, strerror(errno));
    stralloc_free(&listing);
    return 0;
  }
  for (i = 0; i < listing.len; i += strlen(listing.s + i) + 1) {
    char **more;
    if (!ends_with(listing.s + i, ".pem")) continue;
    more = realloc(files, (nfiles + 1) * sizeof *files);
    if (!more || !(more[nfiles] = strdup(listing.s + i))) {
      files = more ? more : files;
      tls_error_set(err, "out of memory", 0, "");
      goto done;
    }
    files = more;
    ++nfiles;
  }
  /* in name order: with two certificates of one key type for a name, the
     later file wins, the same way every time */
  if (nfiles) qsort(files, nfiles, sizeof *files, by_string);
  for (i = 0; i < nfiles; ++i) {
    struct tls_identity id;
    if (!stralloc_copys(&cert, dir) || !stralloc_cats(&cert, "/") ||
        !stralloc_cats(&cert, files[i]) || !stralloc_copyb(&key, cert.s, cert.len - 4) ||
        !stralloc_cats(&key, ".key") || !stralloc_0(&key) || !stralloc_0(&cert) ||
        !stralloc_copyb(&ocsp, cert.s, cert.len - 5) || !stralloc_cats(&ocsp, ".ocsp") ||
        !stralloc_0(&ocsp))
      goto nomem;
    /* NAME.key beside NAME.pem, else the key is in NAME.pem */
    if (!tls_identity_load(&id, cert.s, file_source_exists(key.s) ? key.s : cert.s, password, err))
      goto done;
    if (file_source_exists(ocsp.s) && !tls_ocsp_load(&id, ocsp.s, err)) {
      tls_identity_free(&id);
      goto done;
    }
    if (!add_identity(t, &id, 1, err)) {
      tls_identity_free(&id);
      goto done;
    }
  }
  ok = 1;
  goto done;
nomem:
  tls_error_set(err, "out of memory", 0, "");
done:
  for (i = 0; i < nfiles; ++i) free(files[i]);
  free(files);
  stralloc_free(&cert);
  stralloc_free(&key);
  stralloc_free(&ocsp);
  stralloc_free(&listing);
  return ok;
}

/* the first host name of a server_name extension, or 0 when malformed */
static int parse_sni(const unsigned char *p, size_t len, char *name, size_t size) {
  size_t list, i;
  if (len < 2) return 0;
  list = (size_t)p[0] << 8 | p[1];
  if (list + 2 != len) return 0;
  p += 2;
  while (list >= 3) {
    size_t n = (size_t)p[1] << 8 | p[2];
    if (n + 3 > list) return 0;
    if (p[0] == TLSEXT_NAMETYPE_host_name) {
      if (!n || n >= size) return 0;
      for (i = 0; i < n; ++i) {
        unsigned char c = p[3 + i];
        if (!c) return 0;
        name[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : (char)c;
      }
      if (name[n - 1] == '.') --n; /* an absolute name means the same */
      name[n] = 0;
      return n > 0;
    }
    list -= n + 3;
    p += n + 3;
  }
  return 0;
}

/* Sessions resume only under the name pattern that made them: a ticket
   carries the pattern of its handshake, and one issued for another name
   (or for the default certificate) is ignored, a full handshake follows. */
static const char no_pattern[] = "";

static const char *chosen(SSL *ssl) {
  const char *p = SSL_get_ex_data(ssl, ssl_index);
  return p ? p : no_pattern;
}

static int ticket_made(SSL *ssl, void *arg) {
  const char *p = chosen(ssl);
  (void)arg;
  return SSL_SESSION_set1_ticket_appdata(SSL_get_session(ssl), p, strlen(p));
}

static SSL_TICKET_RETURN ticket_opened(SSL *ssl, SSL_SESSION *ss, const unsigned char *keyname,
                                       size_t keynamelen, SSL_TICKET_STATUS status, void *arg) {
  void *data = 0;
  size_t len = 0;
  const char *p = chosen(ssl);
  (void)keyname, (void)keynamelen, (void)arg;
  switch (status) {
    case SSL_TICKET_FATAL_ERR_MALLOC:
    case SSL_TICKET_FATAL_ERR_OTHER: return SSL_TICKET_RETURN_ABORT;
    case SSL_TICKET_SUCCESS:
    case SSL_TICKET_SUCCESS_RENEW: break;
    default: return SSL_TICKET_RETURN_IGNORE_RENEW;
  }
  if (!SSL_SESSION_get0_ticket_appdata(ss, &data, &len)) return SSL_TICKET_RETURN_IGNORE_RENEW;
  if (len != strlen(p) || (len && memcmp(data, p, len))) return SSL_TICKET_RETURN_IGNORE_RENEW;
  return status == SSL_TICKET_SUCCESS ? SSL_TICKET_RETURN_USE : SSL_TICKET_RETURN_USE_RENEW;
}

static int client_hello(SSL *ssl, int *alert, void *arg) {
  struct table *t = arg;
  const unsigned char *ext;
  size_t extlen, k, i;
  char name[256], wild[258];
  const char *dot;

  if (SSL_get_ex_data(ssl, ssl_index)) return SSL_CLIENT_HELLO_SUCCESS; /* after a retry */
  SSL_set_ex_data(ssl, ssl_index, (void *)no_pattern);
  if (!SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_server_name, &ext, &extlen) ||
      !parse_sni(ext, extlen, name, sizeof name))
    return SSL_CLIENT_HELLO_SUCCESS; /* no name: the default certificate */
  k = find(t, name);
  if (k == t->nnames && (dot = strchr(name, '.')) && dot[1]) {
    wild[0] = '*';
    strcpy(wild + 1, dot);
    k = find(t, wild);
  }
  if (k == t->nnames) {
    if (!t->strict) return SSL_CLIENT_HELLO_SUCCESS;
    tls_error_raise(TLS_ERROR_UNKNOWN_NAME);
    *alert = SSL_AD_UNRECOGNIZED_NAME;
    return SSL_CLIENT_HELLO_ERROR;
  }
  SSL_certs_clear(ssl);
  for (i = k; i < t->nnames && !strcmp(t->names[i].name, t->names[k].name); ++i)
    if (!tls_identity_use_ssl(ssl, &t->ids[t->names[i].id])) {
      *alert = SSL_AD_INTERNAL_ERROR;
      return SSL_CLIENT_HELLO_ERROR;
    }
  SSL_set_ex_data(ssl, ssl_index, t->names[k].name);
  return SSL_CLIENT_HELLO_SUCCESS;
}

int tls_sni_setup(SSL_CTX *ctx, const char *dir, int strict, struct tls_identity *dflt,
                  const char *password, stralloc *err) {
  struct table *t;
  if (table_index < 0) {
    table_index = SSL_CTX_get_ex_new_index(0, 0, 0, 0, table_free);
    ssl_index = SSL_get_ex_new_index(0, 0, 0, 0, 0);
    if (table_index < 0 || ssl_index < 0) {
      tls_error_set(err, "unable to set up SNI", 0, 0);
      return 0;
    }
  }
  t = calloc(1, sizeof *t);
  if (!t) {
    tls_error_set(err, "out of memory", 0, "");
    return 0;
  }
  t->strict = strict;
  if (!SSL_CTX_set_ex_data(ctx, table_index, t)) {
    free(t);
    tls_error_set(err, "unable to set up SNI", 0, 0);
    return 0;
  }
  /* the default is identity 0; with strict, its names are known names */
  if (!add_identity(t, dflt, strict, err)) return 0;
  if (dir && !load_dir(t, dir, password, err)) return 0;
  if (t->nnames) qsort(t->names, t->nnames, sizeof *t->names, by_name);
  if (!dir && !strict) return 1;
  SSL_CTX_set_client_hello_cb(ctx, client_hello, t);
  if (!SSL_CTX_set_session_ticket_cb(ctx, ticket_made, ticket_opened, 0)) {
    tls_error_set(err, "unable to set up SNI", 0, 0);
    return 0;
  }
  return 1;
}

struct tls_identity *tls_sni_find(SSL_CTX *ctx, const X509 *cert) {
  struct table *t = table_index < 0 ? 0 : SSL_CTX_get_ex_data(ctx, table_index);
  size_t i;
  if (t && cert)
    for (i = 0; i < t->nids; ++i)
      if (t->ids[i].cert == cert) return &t->ids[i];
  return 0;
}

void tls_sni_each(SSL_CTX *ctx, void (*f)(struct tls_identity *, void *), void *arg) {
  struct table *t = table_index < 0 ? 0 : SSL_CTX_get_ex_data(ctx, table_index);
  size_t i;
  if (t)
    for (i = 0; i < t->nids; ++i) f(&t->ids[i], arg);
}
