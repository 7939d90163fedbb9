/* SSL_connect with a deadline: every wait is a poll(2) bounded by what is
   left of the time. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_client_handshake.h"
#include "deadline.h"

int tls_client_handshake(SSL *ssl, int fd, unsigned long seconds, const char **reason) {
  long long deadline = deadline_in(seconds);
  short events;

  *reason = "";
  for (;;) {
    int r, e;
    ERR_clear_error();
    errno = 0;
    r = SSL_connect(ssl);
    if (r == 1) return 1;
    e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ) events = POLLIN;
    else if (e == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    else if (e == SSL_ERROR_SYSCALL && errno == EINTR) continue;
    else {
      unsigned long err = ERR_peek_last_error();
      if (err) *reason = ERR_reason_error_string(err);
      else if (errno) *reason = strerror(errno);
      if (!*reason || !**reason) *reason = "connection closed";
      return 0;
    }
    r = deadline_poll(fd, events, deadline);
    if (r <= 0) {
      *reason = r == 0 ? "timed out" : strerror(errno);
      return 0;
    }
  }
}
