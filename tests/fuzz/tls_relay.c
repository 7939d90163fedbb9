/* libFuzzer target for the TLS relay (tls_relay.c, relay_loop.c) driven by
   a peer that misbehaves: a client and the server complete a handshake in
   this one thread over a socket pair (as tls_warmup does), then the input
   is a script of what the client does before it stops writing:
     byte 0: bit 0 TLS 1.2 (else 1.3), bits 1-7 how many bytes of the
             rest the program writes back (x 64)
     then ops, each a byte and its arguments:
       0 L L   SSL_write of L bytes (taken from the input)
       1 S     the largest record the client sends: 512 + S * 64 bytes
       2       close_notify
       3       key update (1.3) or renegotiation (1.2, refused)
       4 L     L raw bytes on the socket (odd records, alerts at odd times)
       5       stop writing (FIN)
   The relay then runs to its end. When the client only wrote application
   data (ops 0, 1, 2) and the relay ended well, the program must have got
   exactly those bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "fuzz_nosigpipe.h"
#include "tls_relay.h"

#define MAX_APP 40000 /* what the program's pipe holds without a reader */

static SSL_CTX *sctx, *cctx;

static void init(void) {
  EVP_PKEY *key = EVP_EC_gen("P-256");
  X509 *x = X509_new();
  X509_NAME *n;
  sctx = SSL_CTX_new(TLS_server_method());
  cctx = SSL_CTX_new(TLS_client_method());
  if (!key || !x || !sctx || !cctx) abort();
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 86400);
  X509_set_pubkey(x, key);
  n = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"fuzz", -1, -1, 0);
  X509_set_issuer_name(x, n);
  if (!X509_sign(x, key, EVP_sha256()) || !SSL_CTX_use_certificate(sctx, x) ||
      !SSL_CTX_use_PrivateKey(sctx, key))
    abort();
  /* as tls_context.c sets them */
  SSL_CTX_set_options(sctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                SSL_OP_IGNORE_UNEXPECTED_EOF);
  SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, 0);
  /* every run a full handshake, and no cache that grows over the runs */
  SSL_CTX_set_session_cache_mode(sctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_num_tickets(sctx, 0);
  X509_free(x);
  EVP_PKEY_free(key);
}

static int step(SSL *ssl, int *done) {
  int r;
  if (*done) return 1;
  r = SSL_do_handshake(ssl);
  if (r == 1) return *done = 1;
  r = SSL_get_error(ssl, r);
  return r == SSL_ERROR_WANT_READ || r == SSL_ERROR_WANT_WRITE;
}

struct script {
  const uint8_t *p, *end;
  SSL *c;
  int fd, tls12, clean, fin;
  unsigned char sent[MAX_APP];
  size_t nsent;
};

static size_t take(struct script *s, size_t want) {
  size_t n = (size_t)(s->end - s->p);
  return want < n ? want : n;
}

/* one op of the script; 0 when the script ends */
static int op(struct script *s) {
  size_t n;
  if (s->p >= s->end || s->fin) return 0;
  switch (*s->p++ % 6) {
  case 0:
    n = take(s, 2);
    n = n == 2 ? (size_t)(s->p[0] << 8 | s->p[1]) : 0;
    s->p += take(s, 2);
    n = take(s, n);
    if (s->nsent + n > MAX_APP) n = MAX_APP - s->nsent;
    if (n && SSL_write(s->c, s->p, (int)n) == (int)n) {
      memcpy(s->sent + s->nsent, s->p, n);
      s->nsent += n;
    }
    s->p += n;
    return 1;
  case 1:
    if (s->p < s->end) SSL_set_max_send_fragment(s->c, 512 + (long)(*s->p++ % 249) * 64);
    return 1;
  case 2: SSL_shutdown(s->c); return 1;
  case 3:
    s->clean = 0;
    if (s->tls12) SSL_renegotiate(s->c), SSL_do_handshake(s->c);
    else SSL_key_update(s->c, SSL_KEY_UPDATE_REQUESTED), SSL_do_handshake(s->c);
    return 1;
  case 4:
    s->clean = 0;
    n = s->p < s->end ? *s->p++ : 0;
    n = take(s, n);
    if (n && write(s->fd, s->p, n) < 0) return 0;
    s->p += n;
    return 1;
  default: s->fin = 1; return 0;
  }
}

static void relay(SSL *srv, int sock, const uint8_t *out, size_t outlen, struct script *s) {
  struct tls_relay r;
  static unsigned char got[MAX_APP + 1];
  size_t have = 0;
  int tp[2], fp[2];
  const char *reason = 0;
  enum tls_relay_result res;
  ssize_t k;
  if (pipe(tp) == -1 || pipe(fp) == -1) abort();
  if (outlen && write(fp[1], out, outlen) != (ssize_t)outlen) abort();
  close(fp[1]);
  memset(&r, 0, sizeof r);
  r.ssl = srv;
  r.sock = sock;
  r.to_prog = tp[1];
  r.from_prog = fp[0];
  r.idle = 2;
  res = tls_relay_run(&r, &reason);
  if (!reason) abort();
  while (have < sizeof got && (k = read(tp[0], got + have, sizeof got - have)) > 0)
    have += (size_t)k;
  if (s->clean && res == TLS_RELAY_DONE && (have != s->nsent || memcmp(got, s->sent, have)))
    abort(); /* the relay lost or changed the client's bytes */
  close(tp[0]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static struct script s;
  SSL *srv, *c;
  int fd[2], sdone = 0, cdone = 0, i;
  size_t outlen;
  if (!sctx) init();
  if (!size || size > 65536) return 0;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == -1) abort();
  srv = SSL_new(sctx);
  c = SSL_new(cctx);
  if (!srv || !c || !SSL_set_fd(srv, fd[0]) || !SSL_set_fd(c, fd[1])) abort();
  if (data[0] & 1) SSL_set_max_proto_version(c, TLS1_2_VERSION);
  SSL_set_accept_state(srv);
  SSL_set_connect_state(c);
  for (i = 0; i < 20 && !(sdone && cdone); ++i)
    if (!step(c, &cdone) || !step(srv, &sdone)) break;
  if (!sdone || !cdone) abort(); /* no input is at fault here */
  outlen = (size_t)(data[0] >> 1) * 64;
  if (outlen > size - 1) outlen = size - 1;
  memset(&s, 0, offsetof(struct script, sent));
  s.nsent = 0;
  s.p = data + 1 + outlen;
  s.end = data + size;
  s.c = c;
  s.fd = fd[1];
  s.tls12 = data[0] & 1;
  s.clean = 1;
  while (op(&s)) {}
  shutdown(fd[1], SHUT_WR);
  relay(srv, fd[0], data + 1, outlen, &s);
  SSL_free(srv);
  SSL_free(c);
  close(fd[0]);
  close(fd[1]);
  ERR_clear_error();
  return 0;
}
