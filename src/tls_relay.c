/* The TLS relay: one loop that tries every transfer that can make progress
   and sleeps in poll(2) only when none can. 16 KiB buffers hold one full
   TLS record, so each record costs one SSL_read and one write(2). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "tls_relay.h"

#define BUFSIZE 16384

static char inbuf[BUFSIZE];  /* network -> program */
static char outbuf[BUFSIZE]; /* program -> network */

static const char *tls_reason(int e) {
  unsigned long err = ERR_peek_last_error();
  const char *s = err ? ERR_reason_error_string(err) : 0;
  if (s) return s;
  if (e == SSL_ERROR_SYSCALL && errno) return strerror(errno);
  return "connection closed";
}

/* A reset or a vanished peer ends the connection but is no TLS error. */
static enum tls_relay_result failure(int e, const char **reason) {
  *reason = tls_reason(e);
  if (e == SSL_ERROR_SYSCALL && !ERR_peek_error()) return TLS_RELAY_CLOSED;
  return TLS_RELAY_ERROR;
}

/* Nagle only in the middle: the handshake's last flight (the session
   tickets) and the first reply must not wait for a delayed ACK, nor must
   close_notify at the end. */
static void nodelay(int sock, int on) {
  setsockopt(sock, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

enum tls_relay_result tls_relay_run(struct tls_relay *r, const char **reason) {
  SSL *ssl = r->ssl;
  size_t inpos = 0, inlen = 0, outpos = 0, outlen = 0;
  const char *out = r->banner;
  int to_prog = r->to_prog, from_prog = r->from_prog;
  int net_eof = 0, shut = 0, nagle = r->nagle; /* 1: Nagle due, 2: Nagle on */
  short read_wants = POLLIN, write_wants = POLLOUT, shut_wants = POLLOUT;
  enum tls_relay_result result = TLS_RELAY_DONE;

  *reason = "";
  if (out && r->bannerlen) outlen = r->bannerlen;
  else out = outbuf;
  /* pipe ends: no other status flag to keep, so no F_GETFL */
  fcntl(to_prog, F_SETFL, O_NONBLOCK);
  fcntl(from_prog, F_SETFL, O_NONBLOCK);

  for (;;) {
    int progress = 0, n, e;
    ssize_t w;
    struct pollfd p[3];

    /* network -> inbuf */
    if (!net_eof && to_prog >= 0 && inlen == 0) {
      ERR_clear_error();
      n = SSL_read(ssl, inbuf, sizeof inbuf);
      if (n > 0) {
        inlen = (size_t)n;
        inpos = 0;
        progress = 1;
      } else {
        e = SSL_get_error(ssl, n);
        if (e == SSL_ERROR_WANT_READ) read_wants = POLLIN;
        else if (e == SSL_ERROR_WANT_WRITE) read_wants = POLLOUT;
        else if (e == SSL_ERROR_ZERO_RETURN) net_eof = progress = 1;
        else if (e == SSL_ERROR_SYSCALL && errno == EINTR) progress = 1;
        else {
          result = failure(e, reason);
          break;
        }
      }
    }
    /* inbuf -> program */
    if (inlen > inpos) {
      w = write(to_prog, inbuf + inpos, inlen - inpos);
      if (w > 0) {
        inpos += (size_t)w;
        if (inpos == inlen) inpos = inlen = 0;
        progress = 1;
      } else if (errno == EINTR) progress = 1;
      else if (errno != EAGAIN) { /* EPIPE: the program stopped reading */
        close_fd(&to_prog);
        inpos = inlen = 0;
        progress = 1;
      }
    }
    if (net_eof && inlen == 0 && to_prog >= 0) {
      close_fd(&to_prog);
      progress = 1;
    }
    /* program -> outbuf */
    if (from_prog >= 0 && outlen == 0) {
      w = read(from_prog, outbuf, sizeof outbuf);
      if (w > 0) {
        out = outbuf;
        outlen = (size_t)w;
        outpos = 0;
        progress = 1;
      } else if (w == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(&from_prog);
        progress = 1;
      } else if (errno == EINTR) progress = 1;
    }
    /* outbuf -> network */
    if (outlen > outpos) {
      ERR_clear_error();
      n = SSL_write(ssl, out + outpos, (int)(outlen - outpos));
      if (n > 0) {
        outpos += (size_t)n;
        if (outpos == outlen) outpos = outlen = 0;
        progress = 1;
        if (nagle == 1) {
          nodelay(r->sock, 0);
          nagle = 2;
        }
      } else {
        e = SSL_get_error(ssl, n);
        if (e == SSL_ERROR_WANT_WRITE) write_wants = POLLOUT;
        else if (e == SSL_ERROR_WANT_READ) write_wants = POLLIN;
        else if (e == SSL_ERROR_SYSCALL && errno == EINTR) progress = 1;
        else {
          result = failure(e, reason);
          break;
        }
      }
    }
    /* the program is done writing: close_notify, then FIN */
    if (from_prog < 0 && outlen == 0 && !shut) {
      if (nagle == 2) {
        nodelay(r->sock, 1);
        nagle = 0;
      }
      ERR_clear_error();
      n = SSL_shutdown(ssl);
      e = n < 0 ? SSL_get_error(ssl, n) : SSL_ERROR_NONE;
      if (e == SSL_ERROR_WANT_WRITE) shut_wants = POLLOUT;
      else if (e == SSL_ERROR_WANT_READ) shut_wants = POLLIN;
      else {
        shutdown(r->sock, SHUT_WR);
        shut = progress = 1;
      }
    }
    if (shut && to_prog < 0) break;
    if (progress) continue;

    /* nothing moved: sleep until something can */
    p[0].fd = r->sock;
    p[0].events = 0;
    if (!net_eof && to_prog >= 0 && inlen == 0) p[0].events |= read_wants;
    if (outlen > outpos) p[0].events |= write_wants;
    if (from_prog < 0 && outlen == 0 && !shut) p[0].events |= shut_wants;
    p[1].fd = to_prog; /* polled even when idle: POLLERR says the program is gone */
    p[1].events = inlen > inpos ? POLLOUT : 0;
    p[2].fd = from_prog;
    p[2].events = outlen == 0 ? POLLIN : 0;
    if (!p[0].events) p[0].fd = -1;
    n = poll(p, 3, r->idle > 2000000 ? 2000000000 : (int)(r->idle * 1000));
    if (n == 0) {
      *reason = "timed out";
      result = TLS_RELAY_IDLE;
      break;
    }
    if (n < 0 && errno != EINTR) {
      *reason = strerror(errno);
      result = TLS_RELAY_ERROR;
      break;
    }
    if (n > 0 && to_prog >= 0 && inlen == inpos && (p[1].revents & (POLLERR | POLLHUP)))
      close_fd(&to_prog); /* the program closed its input or exited */
  }
  close_fd(&to_prog);
  close_fd(&from_prog);
  return result;
}
