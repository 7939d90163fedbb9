/* The TLS relay: the relay loop (relay_loop.c) with SSL_read, SSL_write and
   SSL_shutdown on the network side. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/err.h>

#include "relay_loop.h"
#include "tls_relay.h"

struct tls_net {
  SSL *ssl;
  int nagle; /* 1: Nagle due, 2: Nagle on */
};

static const char *tls_reason(int e) {
  unsigned long err = ERR_peek_last_error();
  const char *s = err ? ERR_reason_error_string(err) : 0;
  if (s) return s;
  if (e == SSL_ERROR_SYSCALL && errno) return strerror(errno);
  return "connection closed";
}

/* A reset or a vanished peer ends the connection but is no TLS error. */
static ssize_t failure(struct relay_loop *L, int e) {
  L->reason = tls_reason(e);
  if (e == SSL_ERROR_SYSCALL && !ERR_peek_error()) return RELAY_IO_CLOSED;
  return RELAY_IO_ERROR;
}

/* what SSL_read or SSL_write returning n <= 0 means for the loop */
static ssize_t tls_io(struct relay_loop *L, int n, int reading, short *wants) {
  struct tls_net *t = L->ctx;
  int e = SSL_get_error(t->ssl, n);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    *wants = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
    return RELAY_IO_WAIT;
  }
  if (reading && e == SSL_ERROR_ZERO_RETURN) return RELAY_IO_EOF;
  if (e == SSL_ERROR_SYSCALL && errno == EINTR) return RELAY_IO_AGAIN;
  return failure(L, e);
}

static ssize_t tls_read(struct relay_loop *L, char *buf, size_t len, short *wants) {
  struct tls_net *t = L->ctx;
  int n;
  ERR_clear_error();
  n = SSL_read(t->ssl, buf, (int)len);
  return n > 0 ? n : tls_io(L, n, 1, wants);
}

/* Nagle only in the middle: the handshake's last flight (the session
   tickets) and the first reply must not wait for a delayed ACK, nor must
   close_notify at the end. */
static void nodelay(int sock, int on) {
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static ssize_t tls_write(struct relay_loop *L, const char *buf, size_t len, short *wants) {
  struct tls_net *t = L->ctx;
  int n;
  ERR_clear_error();
  n = SSL_write(t->ssl, buf, (int)len);
  if (n <= 0) return tls_io(L, n, 0, wants);
  if (t->nagle == 1) {
    nodelay(L->sock, 0);
    t->nagle = 2;
  }
  return n;
}

/* close_notify; the loop sends the FIN once it is out (or failed) */
static int tls_close(struct relay_loop *L, short *wants) {
  struct tls_net *t = L->ctx;
  int n, e;
  if (t->nagle == 2) {
    nodelay(L->sock, 1);
    t->nagle = 0;
  }
  ERR_clear_error();
  n = SSL_shutdown(t->ssl);
  e = n < 0 ? SSL_get_error(t->ssl, n) : SSL_ERROR_NONE;
  if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) return 1;
  *wants = e == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT;
  return 0;
}

static const struct relay_ops tls_ops = {tls_read, tls_write, tls_close, 0, 0, 0};

enum tls_relay_result tls_relay_run(struct tls_relay *r, const char **reason) {
  struct tls_net t;
  struct relay_loop L;
  enum relay_end end;

  t.ssl = r->ssl;
  t.nagle = r->nagle;
  /* pipe ends: no other status flag to keep, so no F_GETFL */
  fcntl(r->to_prog, F_SETFL, O_NONBLOCK);
  fcntl(r->from_prog, F_SETFL, O_NONBLOCK);
  relay_loop_init(&L, &tls_ops, &t, r->sock, r->to_prog, r->from_prog, r->idle, r->banner,
                  r->bannerlen);
  L.quiet = r->quiet;
  end = relay_loop_run(&L);
  *reason = L.reason;
  switch (end) {
  case RELAY_IDLE: return TLS_RELAY_IDLE;
  case RELAY_CLOSED: return TLS_RELAY_CLOSED;
  case RELAY_ERROR: return TLS_RELAY_ERROR;
  default: return TLS_RELAY_DONE;
  }
}
