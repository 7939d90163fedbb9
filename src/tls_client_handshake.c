/* SSL_connect with a deadline: every wait is a poll(2) bounded by what is
   left of the time. */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

#include "tls_client_handshake.h"

static long long now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tls_client_handshake(SSL *ssl, int fd, unsigned long seconds, const char **reason) {
  long long deadline = now_ms() + (long long)seconds * 1000;
  struct pollfd p;

  *reason = "";
  for (;;) {
    int r, e;
    ERR_clear_error();
    errno = 0;
    r = SSL_connect(ssl);
    if (r == 1) return 1;
    e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ) p.events = POLLIN;
    else if (e == SSL_ERROR_WANT_WRITE) p.events = POLLOUT;
    else if (e == SSL_ERROR_SYSCALL && errno == EINTR) continue;
    else {
      unsigned long err = ERR_peek_last_error();
      if (err) *reason = ERR_reason_error_string(err);
      else if (errno) *reason = strerror(errno);
      if (!*reason || !**reason) *reason = "connection closed";
      return 0;
    }
    for (;;) {
      long long left = deadline - now_ms();
      if (left <= 0) {
        *reason = "timed out";
        return 0;
      }
      p.fd = fd;
      p.revents = 0;
      r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
      if (r > 0) break;
      if (r < 0 && errno != EINTR) {
        *reason = strerror(errno);
        return 0;
      }
    }
  }
}
