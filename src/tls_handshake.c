/* SSL_accept with a deadline: the socket is non-blocking and every wait is a
   poll(2) bounded by what is left of -T. */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include <openssl/err.h>

#include "child_arena.h"
#include "tls_handshake.h"
#include "deadline.h"

enum tls_handshake_result tls_handshake_accept(SSL *ssl, int fd, unsigned long seconds,
                                               const char **reason) {
  long long deadline = deadline_in(seconds);
  short events;

  *reason = "";
  for (;;) {
    int r, e;
    ERR_clear_error();
    errno = 0;
    r = SSL_accept(ssl);
    if (r == 1) {
      /* the handshake's buffers and temporaries are free now: give their
         pages back, or every idle connection keeps them (~25 KiB) */
      child_arena_trim();
      return TLS_HANDSHAKE_OK;
    }
    e = SSL_get_error(ssl, r);
    if (e == SSL_ERROR_WANT_READ) events = POLLIN;
    else if (e == SSL_ERROR_WANT_WRITE) events = POLLOUT;
    else if (e == SSL_ERROR_SYSCALL && errno == EINTR) continue;
    else {
      unsigned long err = ERR_peek_last_error();
      /* a callback that refused (SNI) queued its own reason before OpenSSL's */
      if (err && ERR_GET_LIB(err) == ERR_LIB_SSL && ERR_GET_REASON(err) == SSL_R_CALLBACK_FAILED)
        err = ERR_peek_error();
      if (err && ERR_GET_REASON(err) != SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        *reason = ERR_reason_error_string(err);
        if (!*reason) *reason = "handshake failure";
        return TLS_HANDSHAKE_PROTOCOL;
      }
      *reason = errno ? strerror(errno) : "connection closed";
      return TLS_HANDSHAKE_CLOSED;
    }
    r = deadline_poll(fd, events, deadline);
    if (r == 0) {
      *reason = "timed out";
      return TLS_HANDSHAKE_TIMEOUT;
    }
    if (r < 0) {
      *reason = strerror(errno);
      return TLS_HANDSHAKE_CLOSED;
    }
  }
}
