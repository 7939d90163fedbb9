/* Session tickets under keys read from a file (see tls_ticket_keys.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "file_seen.h"
#include "file_source.h"
#include "tls_error.h"
#include "tls_ticket_keys.h"

#define KEY_SIZE 80
#define MAX_KEYS 64

struct key {
  unsigned char name[16], hmac[32], aes[32];
};

struct keys {
  char *file;
  /* the file when last looked at, good or bad: a bad file is tried (and
     logged) once, not at every refresh */
  struct file_seen seen;
  size_t n;
  struct key k[MAX_KEYS];
};

static int keys_index = -1;

static void keys_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
  struct keys *k = ptr;
  if (!k) return;
  free(k->file);
  OPENSSL_cleanse(k, sizeof *k);
  free(k);
}

static int use_key(const struct key *k, EVP_CIPHER_CTX *c, EVP_MAC_CTX *h,
                   const unsigned char *iv, int enc) {
  OSSL_PARAM p[3];
  p[0] = OSSL_PARAM_construct_octet_string(OSSL_MAC_PARAM_KEY, (void *)k->hmac, sizeof k->hmac);
  p[1] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0);
  p[2] = OSSL_PARAM_construct_end();
  if (!EVP_MAC_CTX_set_params(h, p)) return 0;
  return enc ? EVP_EncryptInit_ex(c, EVP_aes_256_cbc(), 0, k->aes, iv)
             : EVP_DecryptInit_ex(c, EVP_aes_256_cbc(), 0, k->aes, iv);
}

static int ticket_key(SSL *ssl, unsigned char name[16], unsigned char *iv, EVP_CIPHER_CTX *c,
                      EVP_MAC_CTX *h, int enc) {
  const struct keys *k = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), keys_index);
  size_t i;
  if (!k || !k->n) return -1;
  if (enc) {
    memcpy(name, k->k[0].name, 16);
    if (RAND_bytes(iv, EVP_CIPHER_get_iv_length(EVP_aes_256_cbc())) != 1) return -1;
    return use_key(&k->k[0], c, h, iv, 1) ? 1 : -1;
  }
  for (i = 0; i < k->n; ++i)
    if (!memcmp(name, k->k[i].name, 16)) {
      if (!use_key(&k->k[i], c, h, iv, 0)) return -1;
      /* 2: good, and issue a new ticket: under the current key, and in any
         case for TLS 1.3, whose clients use a ticket once (1 would leave a
         resumed client without one for next time) */
      return 2;
    }
  return 0; /* unknown key: a full handshake */
}

/* reads file into k; 0 with a reason in err */
static int read_keys(struct keys *k, const char *file, stralloc *err) {
  stralloc buf = {0};
  size_t i, got;
  int ok = file_source_read(file, &buf, KEY_SIZE * MAX_KEYS);
  got = buf.len;
  if (!ok) tls_error_set(err, "unable to read TICKETKEYFILE: ", file, strerror(errno));
  else if (!got || got % KEY_SIZE || got > KEY_SIZE * MAX_KEYS) {
    tls_error_set(err, "bad TICKETKEYFILE: ", file,
                  "not one or more keys of 80 bytes (at most 64 keys)");
    ok = 0;
  }
  if (ok) {
    k->n = got / KEY_SIZE;
    for (i = 0; i < k->n; ++i) {
      memcpy(k->k[i].name, buf.s + i * KEY_SIZE, 16);
      memcpy(k->k[i].hmac, buf.s + i * KEY_SIZE + 16, 32);
      memcpy(k->k[i].aes, buf.s + i * KEY_SIZE + 48, 32);
    }
  }
  if (buf.s) OPENSSL_cleanse(buf.s, buf.a);
  stralloc_free(&buf);
  return ok;
}

int tls_ticket_keys_setup(SSL_CTX *ctx, const char *file, stralloc *err) {
  struct keys *k;
  if (keys_index < 0 && (keys_index = SSL_CTX_get_ex_new_index(0, 0, 0, 0, keys_free)) < 0) {
    tls_error_set(err, "unable to set up ticket keys", 0, 0);
    return 0;
  }
  k = calloc(1, sizeof *k);
  if (!k || !(k->file = strdup(file))) {
    free(k);
    tls_error_set(err, "out of memory", 0, "");
    return 0;
  }
  file_seen_look(file, &k->seen);
  if (!read_keys(k, file, err)) {
    keys_free(0, k, 0, 0, 0, 0);
    return 0;
  }
  if (!SSL_CTX_set_ex_data(ctx, keys_index, k)) {
    tls_error_set(err, "unable to set up ticket keys", 0, 0);
    keys_free(0, k, 0, 0, 0, 0);
    return 0;
  }
  SSL_CTX_set_tlsext_ticket_key_evp_cb(ctx, ticket_key);
  return 1;
}

int tls_ticket_keys_refresh(SSL_CTX *ctx, stralloc *err) {
  struct keys *k = keys_index < 0 ? 0 : SSL_CTX_get_ex_data(ctx, keys_index);
  struct keys *fresh;
  struct file_seen now;
  if (!k) return 1;
  file_seen_look(k->file, &now);
  if (file_seen_same(&now, &k->seen)) return 1;
  k->seen = now;
  fresh = malloc(sizeof *fresh);
  if (!fresh) {
    tls_error_set(err, "out of memory", 0, "");
    return 0;
  }
  err->len = 0;
  if (!read_keys(fresh, k->file, err)) {
    OPENSSL_cleanse(fresh, sizeof *fresh);
    free(fresh);
    return 0;
  }
  fresh->file = k->file;
  fresh->seen = now;
  *k = *fresh;
  OPENSSL_cleanse(fresh, sizeof *fresh);
  free(fresh);
  return 2;
}

void tls_ticket_keys_inherit(SSL_CTX *to, SSL_CTX *from) {
  unsigned char buf[80];
  if (SSL_CTX_get_tlsext_ticket_keys(from, buf, sizeof buf) == 1)
    SSL_CTX_set_tlsext_ticket_keys(to, buf, sizeof buf);
  OPENSSL_cleanse(buf, sizeof buf);
}
